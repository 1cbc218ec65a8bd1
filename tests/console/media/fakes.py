"""A scripted stand-in for TilePlayer, for fast state-machine tests of LiveFeed."""

from __future__ import annotations

import time

from console.base.signals import Signal
from console.media.events import PlayerEvent, PlayerEventKind


class FakePlayer:
    def __init__(self, hardware: bool = False) -> None:
        self.frame_ready = Signal()
        self.state_changed = Signal()
        self.generation = 0
        self.frame_count = 0
        self.last_frame_at: float | None = None
        self.hardware = hardware
        self.software = False
        self.plays: list[tuple[str, bool, float]] = []
        self.stops = 0
        self.closed = False
        self.late_count = 0  # pictures libvlc decoded but dropped as too late
        self.picture_box: tuple[int, int] | None = None
        self.format_stale = False  # set by a test: frames were made for another tile size
        self.bytes_received = 0  # what libvlc read (a test sets it to script a reason)
        self.decoded_count = 0
        self.picture_changed_at: float | None = None  # None: frozen watch not possible

    def set_picture_box(self, size: tuple[int, int] | None) -> None:
        self.picture_box = size

    @property
    def hardware_decoding_requested(self) -> bool:
        return self.hardware and not self.software

    @property
    def decoding(self) -> str:
        return "SW" if not self.hardware_decoding_requested else "HW if available (auto)"

    def play(self, url: str, *, software: bool = False) -> int:
        self.generation += 1
        self.format_stale = False
        self.software = software
        self.frame_count = 0
        self.last_frame_at = None
        self.bytes_received = self.decoded_count = 0
        self.picture_changed_at = None
        self.plays.append((url, software, time.monotonic()))
        return self.generation

    def stop(self) -> None:
        self.stops += 1
        self.frame_count = 0

    def close(self) -> None:
        self.closed = True

    def frame(self, *, same_picture: bool = False) -> None:
        self.frame_count += 1
        self.last_frame_at = time.monotonic()
        if not same_picture or self.picture_changed_at is None:
            self.picture_changed_at = self.last_frame_at
        self.frame_ready.emit()

    def event(self, kind: PlayerEventKind, reason: str | None = None) -> None:
        self.state_changed.emit(PlayerEvent(kind, self.generation, reason))
