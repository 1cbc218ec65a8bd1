"""The connection test of an ONVIF source against a real ONVIF camera (ipycam on 127.0.0.1),
and against something that answers HTTP but is no ONVIF device."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from console.sources.model import SourceConfig, SourceKind
from console.sources.probe import ProbeOutcome, ProbeResult, probe_source
from tests.support.ipycam_peer import IpycamPeer

USER, PASSWORD = "operator", "pr0be-pw"


@pytest.fixture(scope="module")
def cam() -> Iterator[IpycamPeer]:
    with IpycamPeer(username=USER, password=PASSWORD) as peer:
        yield peer


def _probe(source: SourceConfig, password: str | None) -> tuple[ProbeResult, list[str]]:
    steps: list[str] = []
    result = asyncio.run(probe_source(source, password, progress=steps.append, timeout_s=5.0))
    return result, steps


def test_an_onvif_camera_is_ok_with_its_camera_and_a_wrong_password_is_said(cam):
    source = SourceConfig("door", SourceKind.ONVIF, cam.url, USER)
    ok, steps = _probe(source, PASSWORD)
    assert ok.outcome is ProbeOutcome.OK, ok.message
    assert len(ok.cameras) == 1 and ok.cameras[0].profile("main") is not None
    assert steps, "the test reports its progress"
    wrong, _ = _probe(source, "not-the-password")
    assert wrong.outcome is ProbeOutcome.WRONG_PASSWORD, wrong.message
    assert "not-the-password" not in wrong.message
    needs, _ = _probe(source, None)
    assert needs.outcome is ProbeOutcome.NEEDS_PASSWORD


class _Html(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._page()

    def do_POST(self) -> None:
        self._page()

    def _page(self) -> None:
        body = b"<html><body>router login</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def test_a_web_server_that_is_no_onvif_device_is_said_so():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result, _ = _probe(SourceConfig("router", SourceKind.ONVIF, url, "admin"), "x")
        assert result.outcome is ProbeOutcome.NOT_ONVIF, result.message
        assert "ONVIF" in result.message
    finally:
        server.shutdown()
        server.server_close()
