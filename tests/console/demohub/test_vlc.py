"""libvlc plays the hub's stream URL (video callbacks into a numpy buffer, no display)."""

from __future__ import annotations

import ctypes
import threading
import time

import numpy as np
import pytest

from console import timecode

vlc = pytest.importorskip("vlc")

WIDTH, HEIGHT = 640, 360


def test_libvlc_plays_the_stream(hub):
    try:
        instance = vlc.Instance("--aout=dummy", "--quiet", "--no-xlib", "--network-caching=300")
    except Exception as exc:  # pragma: no cover - libvlc missing on this machine
        pytest.skip(f"libvlc unavailable: {exc}")
    if instance is None:
        pytest.skip("libvlc unavailable")
    buf = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    frames = []
    lock = threading.Lock()

    @vlc.CallbackDecorators.VideoLockCb
    def on_lock(opaque, planes):
        planes[0] = buf.ctypes.data_as(ctypes.c_void_p).value
        return None

    @vlc.CallbackDecorators.VideoUnlockCb
    def on_unlock(opaque, picture, planes):
        pass

    @vlc.CallbackDecorators.VideoDisplayCb
    def on_display(opaque, picture):
        with lock:
            frames.append(timecode.read(buf, fmt="rgbx"))

    player = instance.media_player_new()
    try:
        player.video_set_callbacks(on_lock, on_unlock, on_display, None)
        player.video_set_format("RV32", WIDTH, HEIGHT, WIDTH * 4)
        url = f"{hub.url}/streams/cam-09/sub.ts"
        player.set_media(instance.media_new(url))
        started = time.time() * 1000
        player.play()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with lock:
                if len(frames) >= 15:
                    break
            time.sleep(0.05)
        with lock:
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
