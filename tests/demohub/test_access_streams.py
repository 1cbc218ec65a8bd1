"""Signed-in streams and HTTPS on the demo hub: stream tickets (libvlc cannot send headers, so
the stream URLs carry `?ticket=`), and the self-signed certificate of `--tls`."""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import av
import pytest

from demohub.tls import certificate_fingerprint, ensure_certificate
from tests.support.hubproc import HubProcess
from tests.support.hubthread import HubThread

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def shub(hub_factory) -> HubThread:
    return hub_factory(sign_in=True, recorded_since=time.time() - 600)


def _status(url: str, context: ssl.SSLContext | None = None) -> tuple[int, dict | None]:
    """Open a stream URL: (status, the JSON refusal or None for a stream)."""
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as response:
            first = response.read(188)
            assert first[:1] == b"G"  # an MPEG-TS packet
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _with(url: str, **params: str | None) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def test_a_live_stream_url_opens_only_with_its_own_ticket(shub):
    token = shub.sign_in("viewer")
    status, endpoint = shub.get_json("/api/v1/cameras/cam-01/streams/sub", token)
    assert status == 200
    url = endpoint["url"]
    ticket = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["ticket"][0]
    assert token not in url

    status, refusal = _status(_with(url, ticket=None))
    assert status == 401 and refusal["error"] == "unauthorized" and refusal["reason"] == "missing"
    tampered = ticket[:-2] + ("AA" if ticket[-2:] != "AA" else "BB")
    status, refusal = _status(_with(url, ticket=tampered))
    assert status == 401 and refusal["reason"] == "invalid"
    # A ticket for cam-01/sub opens neither cam-02 nor cam-01/main.
    assert _status(url.replace("/cam-01/", "/cam-02/"))[0] == 401
    assert _status(url.replace("/sub.ts", "/main.ts"))[0] == 401
    assert _status(url) == (200, None)


def test_pyav_plays_a_ticketed_url(shub):
    token = shub.sign_in("viewer")
    url = shub.get_json("/api/v1/cameras/cam-03/streams/sub", token)[1]["url"]
    options = {"probesize": "65536", "analyzeduration": "500000"}
    with av.open(url, options=options) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (640, 360)


def test_a_ticket_dies_with_its_session(shub):
    token = shub.sign_in("investigator")
    url = shub.get_json("/api/v1/cameras/cam-01/streams/sub", token)[1]["url"]
    assert shub.request("DELETE", "/api/v1/session", token=token)[0] == 204
    status, refusal = _status(url)
    assert status == 401 and refusal["reason"] == "revoked"


def test_a_revoked_session_s_open_stream_is_cut(shub):
    token = shub.sign_in("investigator")
    url = shub.get_json("/api/v1/cameras/cam-01/streams/sub", token)[1]["url"]
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert b"200 OK" in sock.recv(65536)
        assert shub.request("DELETE", "/api/v1/session", token=token)[0] == 204
        deadline = time.monotonic() + 5
        ended = False
        while time.monotonic() < deadline:
            try:
                if not sock.recv(65536):
                    ended = True
                    break
            except (ConnectionResetError, TimeoutError):
                ended = True
                break
        assert ended


def test_playback_urls_carry_a_ticket_and_keep_their_parameters(shub):
    viewer = shub.sign_in("viewer")
    token = shub.sign_in("investigator")
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 300))
    status, endpoint = shub.get_json(
        f"/api/v1/cameras/cam-01/playback/sub?start={start}&speed=2", token
    )
    assert status == 200, endpoint
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(endpoint["url"]).query)
    assert set(query) == {"start", "speed", "ticket"}
    assert _status(endpoint["url"]) == (200, None)
    # The live ticket of the same camera does not open its playback.
    live = shub.get_json("/api/v1/cameras/cam-01/streams/sub", viewer)[1]["url"]
    live_ticket = urllib.parse.parse_qs(urllib.parse.urlsplit(live).query)["ticket"][0]
    assert _status(_with(endpoint["url"], ticket=live_ticket))[0] == 401


def test_an_open_hub_hands_out_plain_urls(hub):
    url = hub.get_json("/api/v1/cameras/cam-01/streams/sub")[1]["url"]
    assert "ticket" not in url
    assert _status(url) == (200, None)


def test_tls_hub_answers_with_its_generated_certificate(hub_factory, tmp_path: Path):
    shub = hub_factory(sign_in=True, tls=True, state_dir=tmp_path)
    assert shub.url.startswith("https://127.0.0.1:")
    cert = tmp_path / "tls" / "cert.pem"
    key = tmp_path / "tls" / "key.pem"
    assert cert.exists() and key.stat().st_mode & 0o777 == 0o600
    status, info = shub.get_json("/api/v1/hub")
    assert status == 200 and info["tls"] is True and info["sign_in"] == "required"
    context = ssl.create_default_context(cafile=str(cert))
    with (
        socket.create_connection(("127.0.0.1", shub.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        served = tls.getpeercert(binary_form=True)
    assert served is not None
    expected = hashlib.sha256(served).hexdigest().upper()
    assert certificate_fingerprint(ssl.DER_cert_to_PEM_cert(served)).replace(":", "") == expected
    assert shub.hub.tls_fingerprint == certificate_fingerprint(cert.read_text())
    # Stream URLs say https and open over TLS with the same trust.
    token = shub.sign_in("viewer")
    url = shub.get_json("/api/v1/cameras/cam-01/streams/sub", token)[1]["url"]
    assert url.startswith("https://")
    assert _status(url, context) == (200, None)
    # Plain HTTP is not answered as HTTP.
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(shub.url.replace("https", "http") + "/api/v1/hub", timeout=5)


def test_a_restart_keeps_the_certificate_and_a_damaged_one_is_set_aside(tmp_path: Path, caplog):
    cert, key = ensure_certificate(tmp_path)
    first = cert.read_text()
    assert ensure_certificate(tmp_path) == (cert, key)
    assert cert.read_text() == first
    key.write_text("not a key")
    ensure_certificate(tmp_path, "192.0.2.7")
    assert cert.read_text() != first
    aside = sorted(p.name for p in (tmp_path / "tls").iterdir())
    assert any(name.startswith("key.pem.damaged-") for name in aside)
    assert any(name.startswith("cert.pem.damaged-") for name in aside)
    assert "set aside" in caplog.text
    from cryptography import x509

    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    addresses = {str(a) for a in names.value.get_values_for_type(x509.IPAddress)}
    assert addresses == {"127.0.0.1", "::1", "192.0.2.7"}
    assert names.value.get_values_for_type(x509.DNSName) == ["localhost"]


def test_python_m_demohub_tls_prints_the_fingerprint(tmp_path: Path):
    hub = HubProcess(alerts="off", state_dir=tmp_path, extra_args=("--tls",))
    hub.start()
    try:
        assert hub.proc is not None and hub.proc.stdout is not None
        line = hub.proc.stdout.readline()
        fingerprint = certificate_fingerprint((tmp_path / "tls" / "cert.pem").read_text())
        assert line.strip().endswith(fingerprint)
        context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "cert.pem"))
        url = f"https://127.0.0.1:{hub.port}/api/v1/hub"
        with urllib.request.urlopen(url, timeout=10, context=context) as answer:
            assert json.load(answer)["tls"] is True
    finally:
        hub.stop()


def test_tls_with_a_pair_of_ones_own(hub_factory, tmp_path: Path):
    cert, key = ensure_certificate(tmp_path / "mine")
    shub = hub_factory(tls_files=(cert, key))
    assert shub.url.startswith("https://")
    assert shub.hub.tls_fingerprint == certificate_fingerprint(cert.read_text())
    status, info = shub.get_json("/api/v1/hub")
    assert status == 200 and info["tls"] is True and info["sign_in"] == "none"
    assert not (tmp_path / "tls").exists()
