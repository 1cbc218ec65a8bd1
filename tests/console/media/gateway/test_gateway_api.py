"""The gateway's API without a camera: which URLs need it, local URLs, its life."""

from __future__ import annotations

import threading

import pytest

from console.media.engine import libvlc_opens_rtsp
from console.media.gateway import StreamGateway, needs_gateway


@pytest.mark.parametrize(
    ("url", "libvlc_rtsp", "expected"),
    [
        ("rtsp://cam/stream1", False, True),
        ("RTSP://user:pw@cam:554/s", False, True),
        ("rtsp://cam/stream1", True, False),
        ("rtsps://cam/stream1", True, True),  # live555 in libvlc 3 does not speak TLS
        ("http://cam/mjpg/video.mjpg", False, False),
        ("https://hub/live.m3u8", False, False),
        ("http://hub/stream.ts", True, False),
        ("not a url", False, False),
    ],
)
def test_needs_gateway(url, libvlc_rtsp, expected):
    assert needs_gateway(url, libvlc_rtsp) is expected


def test_debians_libvlc_has_no_rtsp_client():
    # Debian builds libvlc without live555 (PLATFORM.md); the check reads its plugin folder.
    assert libvlc_opens_rtsp() is False


def test_local_urls_are_stable_carry_no_credentials_and_refuse_other_schemes():
    gateway = StreamGateway(linger_s=1.0)
    with pytest.raises(RuntimeError):
        gateway.local_url("rtsp://cam/1")  # not started
    gateway.start()
    try:
        a = gateway.local_url("rtsp://admin:hunter2@cam.local:554/main")
        b = gateway.local_url("rtsp://admin:hunter2@cam.local:554/sub")
        assert a == gateway.local_url("rtsp://admin:hunter2@cam.local:554/main")
        assert a != b
        assert a.startswith(f"http://127.0.0.1:{gateway.port}/camera/")
        for url in (a, b):
            assert "hunter2" not in url and "admin" not in url and "cam.local" not in url
        with pytest.raises(ValueError, match=r"\*\*\*@") as info:
            gateway.local_url("http://admin:hunter2@cam.local/video.mjpg")
        assert "hunter2" not in str(info.value)
        stats = gateway.stats()
        assert stats.registered == 2 and stats.sessions == () and stats.viewers == 0
    finally:
        assert gateway.close(2.0)
    assert not [t for t in threading.enumerate() if t.name == "tessera-gateway-http"]
    with pytest.raises(RuntimeError):
        gateway.local_url("rtsp://cam/1")
