"""Measures how long the event-loop (GUI) thread was blocked, so "never > 100 ms" is checked.

A timer asks to run every `interval_s`; how late it runs is how long the thread was busy.
"""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)


class StallMonitor:
    def __init__(
        self, loop: asyncio.AbstractEventLoop, interval_s: float = 0.02, warn_ms: float = 100.0
    ) -> None:
        self._loop = loop
        self._interval = interval_s
        self._warn_ms = warn_ms
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0
        self.max_stall_ms = 0.0
        self.stalls_over_warn = 0

    def start(self) -> None:
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def reset(self) -> None:
        self.max_stall_ms = 0.0
        self.stalls_over_warn = 0

    def _schedule(self) -> None:
        self._due = time.monotonic() + self._interval
        self._handle = self._loop.call_later(self._interval, self._tick)

    def _tick(self) -> None:
        late_ms = max(0.0, (time.monotonic() - self._due) * 1000.0)
        self.max_stall_ms = max(self.max_stall_ms, late_ms)
        if late_ms > self._warn_ms:
            self.stalls_over_warn += 1
            log.warning("GUI thread was blocked for %.0f ms", late_ms)
        self._schedule()
