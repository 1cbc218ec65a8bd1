"""TilePlayer and MediaEngine against the real libvlc and a real HTTP MPEG-TS source."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Awaitable, Callable

import numpy as np
import pytest
import vlc

from console.base.marshal import Marshal
from console.media.engine import MediaEngine, MediaUnavailable
from console.media.events import PlayerEventKind
from console.media.frame import RenderPath, fit_within
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.media.player import TilePlayer
from console.media.reaper import PlayerReaper

SW = MediaSettings(hw_decoding=HardwareDecoding.OFF)


async def _until(pred: Callable[[], bool], timeout: float, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def run_with_engine(body: Callable[[MediaEngine], Awaitable[None]], settings=SW) -> None:
    async def main() -> None:
        engine = MediaEngine(settings, Marshal(asyncio.get_running_loop()))
        try:
            await body(engine)
        finally:
            assert engine.shutdown(3.0)

    asyncio.run(main())


def _assert_size(width: int, height: int, want_w: int, want_h: int) -> None:
    # libvlc 3 hands the decoder's padded size to the format callback (180 -> 192/194).
    assert width == want_w
    assert want_h <= height <= want_h + 32


def test_frames_arrive_in_buffers_of_the_stream_size(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player()
        ready = []
        player.frame_ready.connect(lambda: ready.append(threading.current_thread().name))
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 15, 8, "frames")
        frame = player.latest_frame()
        assert frame is not None and frame.generation == player.generation
        _assert_size(frame.width, frame.height, 320, 180)
        assert frame.image.shape == (frame.height, frame.width, 4)
        assert frame.image.dtype == np.uint8 and frame.stride >= frame.width * 4
        assert frame.image.std() > 10  # real moving content, not a blank buffer
        assert (frame.display_width, frame.display_height) == (320, 180)
        assert set(ready) == {threading.current_thread().name}  # signal on the loop thread
        seq = frame.seq
        await asyncio.sleep(0.5)
        assert player.latest_frame().seq > seq  # keeps moving
        assert player.decoding == "SW"

    run_with_engine(body)


def test_resolution_change_between_two_urls_keeps_last_picture(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player()
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 5, 8, "small frames")
        small = player.latest_frame()
        _assert_size(small.width, small.height, 320, 180)
        gen = player.play(server.url("/live/medium"))
        # Until the new stream's first frame, the old picture stays.
        held = player.latest_frame()
        assert held is not None and held.generation == gen - 1
        await _until(lambda: player.frame_count >= 5, 8, "medium frames")
        big = player.latest_frame()
        assert big.generation == gen
        _assert_size(big.width, big.height, 640, 360)
        await _until(lambda: player.latest_frame().display_height == 360, 2, "display size")
        player.stop()
        after = player.latest_frame()
        assert after is not None and after.width == 640  # picture stays after stop
        assert player.frame_count == 0 and player.last_frame_at is None

    run_with_engine(body)


def test_a_stream_of_the_expected_size_comes_unpadded(server) -> None:
    """With the hub's picture size, libvlc only converts: no 180 -> 192 rescale before Qt's."""

    async def body(engine: MediaEngine) -> None:
        player = engine.create_player(picture_size=(320, 180))
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 5, 8, "frames")
        frame = player.latest_frame()
        assert (frame.width, frame.height) == (320, 180)
        assert not player.format_stale  # no picture box: the picture size is what it wants

    run_with_engine(body)


def test_frames_are_made_at_the_size_they_are_painted(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player(picture_size=(640, 360))
        player.set_picture_box((321, 200))  # an odd width: the rows are padded
        player.play(server.url("/live/medium"))
        await _until(lambda: player.frame_count >= 5, 8, "frames")
        frame = player.latest_frame()
        assert (frame.width, frame.height) == (321, 181) == fit_within(640, 360, 321, 200)
        assert frame.stride > frame.width * 4 and frame.pixels.flags.c_contiguous
        assert frame.image.std() > 10  # the picture, scaled, not a blank buffer
        assert (frame.display_width, frame.display_height) == (640, 360)  # aspect source
        assert not player.format_stale
        player.set_picture_box((640, 480))  # the tile grew: full size is due
        assert player.format_stale
        player.play(server.url("/live/medium"))
        await _until(lambda: player.frame_count >= 3, 8, "frames after the resize")
        frame = player.latest_frame()
        assert (frame.width, frame.height) == (640, 360)  # never larger than the picture
        assert not player.format_stale

    run_with_engine(body)


def test_a_stream_not_of_the_expected_size_is_taken_as_it_comes(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player(picture_size=(1280, 720))  # the hub said main, it is not
        player.set_picture_box((200, 120))
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 5, 8, "frames")
        frame = player.latest_frame()
        _assert_size(frame.width, frame.height, 320, 180)  # the coded size: Qt scales it
        assert not player.format_stale  # and no replay would change that

    run_with_engine(body)


def test_a_clocked_player_signals_its_first_frame_and_is_polled_for_the_rest(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player()
        player.set_frame_signal(every_frame=False)
        signals = []
        player.frame_ready.connect(lambda: signals.append(player.newest_frame))
        assert player.newest_frame is None
        gen = player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 15, 8, "frames")
        # The first frame, and the next ones until libvlc reports the picture's size.
        assert 1 <= len(signals) <= 3 and all(s[0] == gen for s in signals), signals
        assert player.latest_frame().display_height == 180
        first = len(signals)
        seen = set()
        for _ in range(10):
            newest = player.newest_frame
            frame = player.latest_frame()
            assert newest is not None and frame is not None
            assert (frame.generation, frame.seq) >= newest  # polled, it is the frame painted
            seen.add(newest)
            await asyncio.sleep(0.1)
        assert len(seen) >= 8 and len(signals) == first  # it kept moving without a signal
        gen2 = player.play(server.url("/live/small"))
        await _until(lambda: len(signals) > first, 8, "the next stream's first frame")
        assert signals[first][0] == gen2

    run_with_engine(body)


def test_frames_are_dropped_not_queued(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player()
        emitted = []
        player.frame_ready.connect(lambda: emitted.append(player.frame_count))
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 5, 8, "frames")
        await asyncio.sleep(0.2)
        first = player.latest_frame()
        emitted.clear()
        count0 = player.callback_count
        time.sleep(1.0)  # the GUI thread is busy: nothing is painted for a second
        busy_frames = player.callback_count - count0
        await asyncio.sleep(0)  # let the loop run what was scheduled meanwhile
        await asyncio.sleep(0)
        assert busy_frames >= 10  # libvlc kept decoding meanwhile
        assert len(emitted) == 1  # ... but only one repaint request was pending
        newest = player.latest_frame()
        assert newest.seq - first.seq >= busy_frames  # the in-between frames were replaced
        # Frames keep flowing after a repaint.
        await _until(lambda: len(emitted) >= 3, 2, "more repaint requests")

    run_with_engine(body)


def test_stop_and_release_never_run_on_the_calling_thread(server, monkeypatch) -> None:
    """Every libvlc stop() is held at a gate until the test opens it: play(), stop() and close()
    return while all of them are still blocked, which proves that none of them waits for
    libvlc on the calling thread (no wall-clock bound: a busy machine cannot make this fail)."""
    calls: list[tuple[str, str]] = []
    gate = threading.Event()
    orig_stop, orig_release = vlc.MediaPlayer.stop, vlc.MediaPlayer.release

    def stop(self):
        calls.append(("stop", threading.current_thread().name))
        gate.wait(30)  # a stop on the calling thread would hang the test here
        return orig_stop(self)

    def release(self):
        calls.append(("release", threading.current_thread().name))
        return orig_release(self)

    monkeypatch.setattr(vlc.MediaPlayer, "stop", stop)
    monkeypatch.setattr(vlc.MediaPlayer, "release", release)

    async def body(engine: MediaEngine) -> None:
        me = threading.current_thread().name
        player = engine.create_player()
        for path in ["/live/small", "/live/medium", "/live/small"]:
            player.play(server.url(path))
            await _until(lambda: player.frame_count >= 3, 8, "frames")
        player.stop()
        player.close()
        # Every call returned while the three stops are still held at the gate.
        await _until(lambda: [c[0] for c in calls].count("stop") == 3, 8, "three stops")
        assert not gate.is_set() and engine.reaper.pending == 3
        gate.set()
        assert engine.reaper.drain(5)
        assert [c[0] for c in calls].count("release") == 3
        assert all(name != me and name.startswith(PlayerReaper.THREAD_PREFIX) for _, name in calls)
        assert player.closed and player not in engine.players

    try:  # a deadline far beyond the test's, so no held stop counts as abandoned
        run_with_engine(body, dataclasses.replace(SW, stop_timeout_s=60.0))
    finally:
        gate.set()


def test_stale_generation_events_and_frames_are_ignored(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player()
        events = []
        player.state_changed.connect(events.append)
        gen1 = player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 3, 8, "frames")
        gen2 = player.play(server.url("/live/medium"))
        await _until(lambda: player.frame_count >= 3, 8, "frames")
        await asyncio.sleep(0.3)
        # The old player was stopped by the reaper (Stopped event) but we never saw it.
        assert not [e for e in events if e.generation == gen1 and e.kind is PlayerEventKind.STOPPED]
        assert [e for e in events if e.generation == gen2 and e.kind is PlayerEventKind.PLAYING]
        assert player.latest_frame().generation == gen2

    run_with_engine(body)


def test_http_404_reports_an_error_event(server) -> None:
    async def body(engine: MediaEngine) -> None:
        player = engine.create_player()
        events = []
        player.state_changed.connect(events.append)
        player.play(server.url("/live/nothing-here"))
        await _until(lambda: any(e.kind is PlayerEventKind.ERROR for e in events), 5, "error event")
        err = next(e for e in events if e.kind is PlayerEventKind.ERROR)
        assert err.reason == "stream error" and not player.is_playing

    run_with_engine(body)


# serial: a 1.0 s shutdown must return within 1.3 s (a 0.3 s margin for the machine's load)
@pytest.mark.serial
def test_engine_shutdown_returns_within_timeout_even_if_stop_hangs(server, monkeypatch) -> None:
    """libvlc cannot be made to hang on demand: stop() is replaced by one that blocks."""
    release_hang = threading.Event()
    orig_stop = vlc.MediaPlayer.stop

    def hanging_stop(self):
        release_hang.wait(20)
        return orig_stop(self)

    async def main() -> None:
        engine = MediaEngine(
            MediaSettings(hw_decoding="off", stop_timeout_s=0.5),
            Marshal(asyncio.get_running_loop()),
        )
        player = engine.create_player()
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 3, 8, "frames")
        monkeypatch.setattr(vlc.MediaPlayer, "stop", hanging_stop)
        t0 = time.monotonic()
        ok = engine.shutdown(1.0)
        took = time.monotonic() - t0
        assert not ok and took < 1.3
        assert engine.reaper.abandoned == 1
        release_hang.set()

    asyncio.run(main())


def test_settings_and_hw_modes() -> None:
    s = MediaSettings(hw_decoding="vaapi")
    assert s.hw_decoding is HardwareDecoding.VAAPI
    assert "--avcodec-hw=vaapi" in s.instance_args(RenderPath.COMPOSITED)
    assert "--no-xlib" in s.instance_args(RenderPath.COMPOSITED)
    assert "--no-xlib" not in dataclasses.replace(s, hardware_present=True).instance_args(
        RenderPath.NATIVE
    )
    assert ":avcodec-hw=none" in s.media_options(software=True)
    with_gpu = MediaSettings(hw_decoding="vaapi", hardware_present=True)
    assert with_gpu.decoding_label(software=False) == "HW (vaapi, requested)"
    assert MediaSettings(hardware_present=True).decoding_label(software=False) == (
        "HW if available (auto)"
    )
    assert MediaSettings(hardware_present=False).decoding_label(software=False) == (
        "SW (no hardware decoder on this machine)"
    )
    assert MediaSettings(hw_decoding="off").decoding_label(software=False) == "SW"
    assert "--avcodec-hw=none" in MediaSettings(hw_decoding="off").instance_args(
        RenderPath.COMPOSITED
    )
    assert HardwareDecoding.NVDEC.vlc_options()[0].startswith("codec=nvdec")
    with pytest.raises(ValueError, match="unknown hardware decoding"):
        MediaSettings(hw_decoding="quantum")


def test_missing_libvlc_raises_media_unavailable(monkeypatch) -> None:
    monkeypatch.setattr(vlc, "Instance", lambda *a, **k: None)
    with pytest.raises(MediaUnavailable, match="libvlc5 vlc-plugin-base"):
        MediaEngine(SW, Marshal(asyncio.new_event_loop()))

    def broken(*a, **k):
        raise NameError("name 'dll' is not defined")

    monkeypatch.setattr(vlc, "Instance", broken)
    with pytest.raises(MediaUnavailable, match="install libvlc"):
        MediaEngine(SW, Marshal(asyncio.new_event_loop()))


def test_auto_hardware_mode_still_shows_pictures(server) -> None:
    """auto asks libvlc for hardware decoding; without a GPU it must fall back by itself."""

    async def body(engine: MediaEngine) -> None:
        player: TilePlayer = engine.create_player()
        player.play(server.url("/live/small"))
        await _until(lambda: player.frame_count >= 5, 8, "frames")
        # Hardware is asked for only where there is a device to decode with.
        assert player.hardware_decoding_requested == engine.settings.hardware_present
        assert player.decoding.startswith("SW") or player.decoding.startswith("HW")

    run_with_engine(body, MediaSettings())
