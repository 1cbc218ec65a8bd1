"""A real RTSP camera (GStreamer's server, `tests/support/gst_rtsp_peer.py`), the gateway, and
libvlc viewers that count the pictures they get (the console's own `FrameSink` callbacks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from console.media.gateway import StreamGateway
from tests.support.gst_rtsp_peer import GstRtspPeer, peer_fixture

USER, PASSWORD = "operator", "s3cret-pass"


@pytest.fixture(scope="module")
def camera() -> Iterator[GstRtspPeer]:
    """One server for a test module (a test that stops it takes `own_camera`)."""
    yield from peer_fixture()


@pytest.fixture
def own_camera() -> Iterator[GstRtspPeer]:
    yield from peer_fixture()


@pytest.fixture
def gateway() -> Iterator[StreamGateway]:
    gw = StreamGateway(linger_s=1.0, open_timeout_s=3.0, read_timeout_s=2.0)
    gw.start()
    yield gw
    assert gw.close(5.0)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("tessera-gw")]


class VlcViewers:
    """libvlc players with the console's instance and media options and its frame sink."""

    def __init__(self) -> None:
        import vlc

        from console.media.frame import RenderPath
        from console.media.media_settings import MediaSettings

        self._settings = MediaSettings()
        self._instance = vlc.Instance(self._settings.instance_args(RenderPath.COMPOSITED))
        self._players: list[tuple[Any, Any, Any]] = []

    def play(self, url: str) -> Any:
        from console.media.player import FrameSink

        sink = FrameSink(len(self._players), lambda _sink: None)
        sink.every_frame = False
        mp = self._instance.media_player_new()
        sink.attach(mp)
        media = self._instance.media_new(url)
        for opt in self._settings.media_options(software=True):
            media.add_option(opt)
        mp.set_media(media)
        sink.started_at = time.monotonic()
        mp.play()
        self._players.append((mp, media, sink))
        return sink

    def stop(self, sink: Any) -> None:
        for entry in list(self._players):
            if entry[2] is sink:
                mp, media, _ = entry
                mp.stop()
                mp.release()
                media.release()
                self._players.remove(entry)

    def close(self) -> None:
        for mp, media, _sink in self._players:
            mp.stop()
            mp.release()
            media.release()
        self._players.clear()
        self._instance.release()


@pytest.fixture
def viewers() -> Iterator[VlcViewers]:
    v = VlcViewers()
    yield v
    v.close()


def until(pred: Callable[[], bool], timeout_s: float, what: str = "") -> float:
    """Wait for `pred`; the seconds it took."""
    start = time.monotonic()
    while not pred():
        assert time.monotonic() - start < timeout_s, f"timed out waiting for {what}"
        time.sleep(0.02)
    return time.monotonic() - start
