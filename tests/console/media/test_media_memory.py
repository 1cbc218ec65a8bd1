"""What a libvlc player may keep in memory: the options that bound it (docs/performance.md,
"Memory over time")."""

from __future__ import annotations

import threading
import time

from console.media import reaper as reaper_mod
from console.media.frame import RenderPath
from console.media.heap import release_free_heap
from console.media.media_settings import MediaSettings


def _value(args: list[str], name: str) -> int:
    return int(next(a for a in args if a.startswith(f"--{name}=")).split("=", 1)[1])


def test_a_player_keeps_at_most_a_mebibyte_of_stream_bytes_ahead_of_its_demuxer():
    for path in (RenderPath.COMPOSITED, RenderPath.NATIVE):
        args = MediaSettings().instance_args(path)
        # libvlc's default is 16 MiB per stream, all of it resident after a few minutes of video.
        assert _value(args, "prefetch-buffer-size") * 1024 <= 1024 * 1024
        # The ring is never smaller than one read: the read size must fit in it.
        assert _value(args, "prefetch-read-size") <= _value(args, "prefetch-buffer-size") * 1024


class _SlowPlayer:
    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate

    def stop(self) -> None:
        self.gate.wait(5)

    def release(self) -> None:
        pass


def test_the_reaper_gives_freed_heap_back_once_a_batch_of_players_is_released(monkeypatch):
    calls: list[float] = []

    def release() -> bool:
        calls.append(time.monotonic())
        return True

    monkeypatch.setattr(reaper_mod, "release_free_heap", release)
    gate = threading.Event()
    reaper = reaper_mod.PlayerReaper(stop_timeout_s=5)
    for _ in range(3):  # a wall's worth of players let go at once
        reaper.reap(_SlowPlayer(gate))
    assert not calls  # none while players are still being released
    gate.set()
    assert reaper.drain(5)
    deadline = time.monotonic() + 2
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 1 <= len(calls) <= 3 and reaper.completed == 3


def test_giving_freed_heap_back_never_raises_and_says_whether_glibc_did():
    assert release_free_heap() in (True, False)
