"""libvlc plays the hub's stream URL (video callbacks into a numpy buffer, no display)."""

from __future__ import annotations

import time

import pytest

from console.base import timecode
from console.media.player import FrameSink

vlc = pytest.importorskip("vlc")

WIDTH, HEIGHT = 640, 360


def test_libvlc_plays_the_stream(hub):
    try:
        instance = vlc.Instance("--aout=dummy", "--quiet", "--no-xlib", "--network-caching=300")
    except Exception as exc:  # pragma: no cover - libvlc missing on this machine
        pytest.skip(f"libvlc unavailable: {exc}")
    if instance is None:
        pytest.skip("libvlc unavailable")
    # The console's own video callbacks (one implementation for everything that hands buffers
    # to libvlc); the sink must outlive the player's release().
    sink = FrameSink(1, lambda _sink: None, (WIDTH, HEIGHT))
    frames: list[int | None] = []
    player = instance.media_player_new()
    try:
        sink.attach(player)
        url = f"{hub.url}/streams/cam-09/sub.ts"
        player.set_media(instance.media_new(url))
        started = time.time() * 1000
        player.play()
        deadline = time.monotonic() + 15
        seen = 0
        while time.monotonic() < deadline and len(frames) < 15:
            frame = sink.take()
            if frame is not None and frame.seq != seen:
                seen = frame.seq
                assert (frame.width, frame.height) == (WIDTH, HEIGHT)
                frames.append(timecode.read(frame.image, fmt="rgbx"))
            time.sleep(0.02)
        got = list(frames)
        assert len(got) >= 15, got
        stamps = [s for s in got if s is not None]
        assert len(stamps) >= len(got) // 2, got  # the painted pixels carry the time code
        assert stamps[-1] > started - 2000
        assert hub.call(lambda: hub.hub.streams.viewers("cam-09", "sub")) == 1
    finally:
        player.stop()
        player.release()
        instance.release()
    assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)
