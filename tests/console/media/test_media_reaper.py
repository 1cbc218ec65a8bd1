"""PlayerReaper: stop()/release() off the calling thread, deadlines, abandoned jobs."""

from __future__ import annotations

import threading
import time

from console.media.reaper import PlayerReaper


class RecordingPlayer:
    """Records which thread calls stop()/release(), and when."""

    def __init__(self, stop_sleep_s: float = 0.0) -> None:
        self.calls: list[tuple[str, str]] = []
        self.stop_sleep_s = stop_sleep_s
        self.released = threading.Event()

    def stop(self) -> None:
        self.calls.append(("stop", threading.current_thread().name))
        time.sleep(self.stop_sleep_s)

    def release(self) -> None:
        self.calls.append(("release", threading.current_thread().name))
        self.released.set()


class HangingPlayer(RecordingPlayer):
    """A stand-in for a libvlc MediaPlayer whose stop() hangs on a dead stream.

    libvlc cannot be forced to hang on demand, so this object's stop() blocks until the test
    lets it go (or for a long time), which is what a stuck libvlc stop() looks like from outside.
    """

    def __init__(self) -> None:
        super().__init__()
        self.let_go = threading.Event()

    def stop(self) -> None:
        self.calls.append(("stop", threading.current_thread().name))
        self.let_go.wait(30)


def test_reap_runs_off_the_calling_thread_and_returns_at_once() -> None:
    reaper = PlayerReaper(stop_timeout_s=30.0)
    player = HangingPlayer()
    reaper.reap(player, keepalive=object(), label="t")
    # reap() returned while stop() is still held: it did not run here (no wall-clock bound).
    assert not player.released.is_set() and reaper.pending == 1
    player.let_go.set()
    assert player.released.wait(5)
    assert [c for c, _ in player.calls] == ["stop", "release"]
    me = threading.current_thread().name
    assert all(
        name.startswith(PlayerReaper.THREAD_PREFIX) and name != me for _, name in player.calls
    )
    assert reaper.drain(1)
    assert reaper.completed == 1 and reaper.abandoned == 0


def test_hung_stop_is_abandoned_and_reaper_keeps_serving(caplog) -> None:
    reaper = PlayerReaper(stop_timeout_s=0.3)
    hung = HangingPlayer()
    reaper.reap(hung, label="hung")
    healthy = [RecordingPlayer() for _ in range(3)]
    for p in healthy:
        reaper.reap(p, label="ok")
    for p in healthy:  # not queued behind the hung job
        assert p.released.wait(1)
    t0 = time.monotonic()
    ok = reaper.drain(2)
    assert ok  # the hung job no longer counts once abandoned
    assert time.monotonic() - t0 < 1.0
    assert reaper.abandoned == 1
    assert reaper.completed == 3
    assert any("abandon" in r.getMessage() for r in caplog.records)
    hung.let_go.set()  # the abandoned thread eventually finishes and releases
    assert hung.released.wait(2)


def test_failing_release_is_logged_not_raised() -> None:
    class Broken(RecordingPlayer):
        def release(self) -> None:
            raise RuntimeError("boom")

    reaper = PlayerReaper(stop_timeout_s=1.0)
    reaper.reap(Broken())
    assert reaper.drain(1)
    assert reaper.failed == 1
