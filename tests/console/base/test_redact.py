from console.base.redact import redact_text, redact_url


def test_user_info_and_secret_query_values_are_hidden():
    url = "rtsp://admin:hunter2@10.1.2.3:554/stream1?token=abc&profile=sub"
    out = redact_url(url)
    assert "hunter2" not in out and "admin" not in out and "abc" not in out
    assert out == "rtsp://***@10.1.2.3:554/stream1?token=***&profile=sub"


def test_urls_inside_free_text_are_redacted():
    text = "failed to open http://u:p@host/x.ts: timeout"
    assert redact_text(text) == "failed to open http://***@host/x.ts: timeout"


def test_plain_urls_are_unchanged():
    assert redact_url("http://127.0.0.1:8080/streams/cam-01/sub.ts") == (
        "http://127.0.0.1:8080/streams/cam-01/sub.ts"
    )


def test_stream_tickets_and_session_tokens_are_redacted():
    from console.base.redact import redact_text, redact_url

    url = "http://hub:8080/streams/cam-01/sub.ts?ticket=abcDEF123456&x=1"
    assert "abcDEF123456" not in redact_url(url)
    text = "GET failed: Authorization: Bearer Zm9vYmFyYmF6cXV4LXRva2Vu_x and basic things"
    out = redact_text(text)
    assert "Zm9vYmFyYmF6cXV4LXRva2Vu_x" not in out and "basic things" in out
