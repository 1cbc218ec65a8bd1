"""The Tessera API driver over real sockets: happy paths and every HTTP error path."""

from __future__ import annotations

import logging
import time

import pytest

from console.hub import (
    HubConfig,
    HubConnectionLost,
    HubError,
    HubHttpError,
    HubNotFound,
    HubProtocolError,
    HubUnreachable,
    retry,
)
from console.hub.tessera_api import TesseraHubClient

SECRET = "s3cretpw"


def client_for(url: str, **kw: object) -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url, **kw))  # type: ignore[arg-type]


# ---------------------------------------------------------------- happy paths


def test_info_reads_the_hub_description(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            return await client.info()

    info = run(main())
    assert info.api_version == 1
    assert info.name == "Tessera demo hub"
    assert info.capabilities == frozenset({"live", "events"})
    assert info.has("events")
    assert info.time is not None and info.time.tzinfo is not None


def test_cameras_are_parsed_into_typed_models(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            return await client.cameras()

    cameras = run(main())
    assert [c.id for c in cameras] == ["cam-01", "cam-02"]
    cam = cameras[0]
    assert cam.group == "Outdoor" and cam.vendor == "Tessera Synthetic"
    assert cam.capabilities == frozenset({"live"})
    main_profile = cam.profile("main")
    assert main_profile is not None and (main_profile.width, main_profile.height) == (1280, 720)
    assert cam.profile("nope") is None
    assert cameras[1].profiles[0].fps == 12.5
    assert cameras[1].has("ptz")


def test_camera_and_stream_endpoint(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            return hub.url, await client.camera("cam-02"), await client.stream("cam-01", "sub")

    url, camera, endpoint = run(main())
    assert camera.name == "Lobby"
    assert endpoint.url == f"{url}/streams/cam-01/sub.ts"
    assert (endpoint.container, endpoint.transport, endpoint.codec) == ("mpegts", "http", "h264")
    assert (endpoint.width, endpoint.height, endpoint.fps) == (640, 360, 15)


def test_camera_ids_are_quoted_as_one_path_segment(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            with pytest.raises(HubNotFound):
                await client.camera("cam-01/streams/sub")
            return hub.requests

    requests = run(main())
    assert requests == ["/api/v1/cameras/cam-01%2Fstreams%2Fsub"]


def test_operator_name_travels_as_a_header(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url, operator="op-7") as client:
            await client.info()
            return hub.operators

    assert run(main()) == ["op-7"]


# ---------------------------------------------------------------- error paths


def test_closed_port_is_unreachable_and_retryable(closed_port_url, run):
    async def main():
        async with client_for(closed_port_url) as client:
            with pytest.raises(HubUnreachable) as info:
                await client.cameras()
            return info.value

    error = run(main())
    assert error.retryable
    assert "cannot be reached" in error.operator_message


def test_http_500_is_retried_and_then_reported(fake_hub, run):
    retries: list[tuple[int, float]] = []

    async def main():
        async with fake_hub(fail_500_times=99) as hub, client_for(hub.url) as client:
            with pytest.raises(HubHttpError) as info:
                await retry(
                    client.cameras,
                    attempts=3,
                    base_s=0.01,
                    on_retry=lambda e, n, d: retries.append((n, d)),
                )
            return info.value, len(hub.requests)

    error, calls = run(main())
    assert (error.status, error.code, error.retryable) == (500, "internal", True)
    assert error.server_message == "the hub is starting"
    assert calls == 3
    assert [n for n, _ in retries] == [1, 2]


def test_http_500_retry_succeeds_once_the_hub_recovers(fake_hub, run):
    async def main():
        async with fake_hub(fail_500_times=2) as hub, client_for(hub.url) as client:
            cameras = await retry(client.cameras, attempts=5, base_s=0.01)
            return cameras, len(hub.requests)

    cameras, calls = run(main())
    assert len(cameras) == 2
    assert calls == 3


def test_unknown_camera_is_not_found_with_the_hub_error_body(fake_hub, run):
    retried: list[object] = []

    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            with pytest.raises(HubNotFound) as info:
                await retry(lambda: client.camera("cam-99"), on_retry=lambda *a: retried.append(a))
            return info.value

    error = run(main())
    assert isinstance(error, HubHttpError)
    assert (error.status, error.code, error.server_message) == (404, "not_found", "no such camera")
    assert not error.retryable
    assert retried == []


def test_unknown_profile_is_not_found(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            await client.stream("cam-02", "main")

    with pytest.raises(HubNotFound):
        run(main())


def test_502_with_an_html_body_is_a_retryable_http_error(fake_hub, run):
    async def main():
        async with fake_hub(html_502=True) as hub, client_for(hub.url) as client:
            await client.info()

    with pytest.raises(HubHttpError) as info:
        run(main())
    assert info.value.status == 502 and info.value.code is None
    assert info.value.retryable
    assert "<html" not in str(info.value) and "<html" not in info.value.operator_message


def test_malformed_json_is_a_protocol_error(fake_hub, run):
    async def main():
        async with fake_hub(malformed_json=True) as hub, client_for(hub.url) as client:
            await client.cameras()

    with pytest.raises(HubProtocolError) as info:
        run(main())
    assert "not valid JSON" in str(info.value)
    assert not info.value.retryable
    assert "cam-01" not in str(info.value)  # the payload is not dumped into the message


def test_a_camera_with_a_missing_field_is_left_out_and_named(fake_hub, run):
    # Until issue 12 one bad camera refused the whole list; now only that camera is left out.
    async def main():
        async with fake_hub(drop_field="location") as hub, client_for(hub.url) as client:
            return await client.cameras(), await client.camera_list()

    cameras, found = run(main())
    assert [c.id for c in cameras] == ["cam-02"]
    assert [c.id for c in found.cameras] == ["cam-02"] and found.total == 2
    assert [(r.position, r.item_id, r.reason) for r in found.rejected] == [
        (0, "cam-01", "'location' is missing")
    ]


def test_a_wrong_typed_field_is_named_without_its_value(fake_hub, run):
    async def main():
        async with fake_hub(wrong_type="name") as hub, client_for(hub.url) as client:
            await client.camera("cam-01")

    with pytest.raises(HubProtocolError) as info:
        run(main())
    assert info.value.field == "camera.name"
    assert str(info.value) == "camera.name: expected a string, got number"


def test_a_camera_with_a_wrong_typed_profile_list_is_left_out(fake_hub, run):
    async def main():
        async with fake_hub(wrong_type="profiles") as hub, client_for(hub.url) as client:
            return await client.camera_list()

    found = run(main())
    assert [c.id for c in found.cameras] == ["cam-02"]
    assert found.rejected[0].describe() == "cam-01: 'profiles' should be an array, not a number"


def test_an_unsupported_api_version_is_refused(fake_hub, run):
    async def main():
        async with fake_hub(api_version=2) as hub, client_for(hub.url) as client:
            await client.info()

    with pytest.raises(HubProtocolError) as info:
        run(main())
    assert info.value.field == "hub.api_version"
    assert "different version" in info.value.operator_message
    assert not info.value.retryable


def test_a_socket_dropped_mid_response_is_connection_lost(fake_hub, run):
    async def main():
        async with fake_hub(drop_mid_response=True) as hub, client_for(hub.url) as client:
            await client.cameras()

    with pytest.raises(HubConnectionLost) as info:
        run(main())
    assert info.value.retryable


def test_a_server_slower_than_the_timeout_is_unreachable(fake_hub, run):
    async def main():
        async with (
            fake_hub(delay_s=3.0) as hub,
            client_for(hub.url, timeout_s=0.3) as client,
        ):
            start = time.monotonic()
            with pytest.raises(HubUnreachable) as info:
                await client.info()
            return info.value, time.monotonic() - start

    error, elapsed = run(main())
    assert elapsed < 2.0
    assert "within 0.3 s" in str(error)
    assert error.retryable


def test_a_closed_client_refuses_further_calls(fake_hub, run):
    async def main():
        async with fake_hub() as hub:
            client = client_for(hub.url)
            await client.info()
            await client.close()
            await client.close()  # idempotent
            await client.info()

    with pytest.raises(RuntimeError, match="closed"):
        run(main())


def test_non_http_urls_are_refused_by_the_driver():
    with pytest.raises(ValueError, match="http"):
        client_for("rtsp://admin:pw@10.0.0.1/")


# ---------------------------------------------------------------- no secrets anywhere


def test_stream_credentials_never_reach_repr_or_logs(fake_hub, run, caplog):
    caplog.set_level(logging.DEBUG, logger="console")
    stream_url = f"rtsp://admin:{SECRET}@10.0.0.5:554/live?token=tok{SECRET}"

    async def main():
        async with (
            fake_hub(stream_url=stream_url) as hub,
            client_for(hub.url.replace("http://", f"http://viewer:{SECRET}@")) as client,
        ):
            return client, await client.stream("cam-01", "main")

    client, endpoint = run(main())
    assert endpoint.url == stream_url  # the player still gets the real url
    for text in (repr(endpoint), str(endpoint), endpoint.safe_url, repr(client)):
        assert SECRET not in text
    assert "***@10.0.0.5" in repr(endpoint)
    assert caplog.records, "the driver logs its requests at debug level"
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_hub_credentials_never_reach_errors_or_retry_logs(closed_port_url, run, caplog):
    caplog.set_level(logging.DEBUG, logger="console")
    url = closed_port_url.replace("http://", f"http://viewer:{SECRET}@") + f"/?token={SECRET}"
    config = HubConfig(url=url)
    assert SECRET not in repr(config)

    async def main():
        async with TesseraHubClient(config) as client:
            with pytest.raises(HubUnreachable) as info:
                await retry(client.info, attempts=2, base_s=0.01)
            return info.value

    error = run(main())
    assert SECRET not in str(error) and SECRET not in error.operator_message
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_error_messages_from_the_hub_are_redacted():
    error = HubHttpError(500, "internal", f"cannot open rtsp://admin:{SECRET}@cam/1")
    assert SECRET not in str(error) and SECRET not in error.server_message
    assert isinstance(error, HubError)
