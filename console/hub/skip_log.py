"""Warnings about skipped input that cannot flood the log: the first `burst` in each `window_s`,
then one line counting the rest when the next window begins. Every driver that skips what a
hub or camera sent (an unreadable event, a notification of an unknown topic) notes it here."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from console.base.redact import redact_text

log = logging.getLogger(__name__)


class SkipLog:
    """`note(what)` per skipped item; `count` is the total so far (tests, diagnostics)."""

    def __init__(
        self,
        prefix: str,
        *,
        burst: int = 3,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = log,
    ) -> None:
        self._prefix = prefix
        self._burst = burst
        self._window_s = window_s
        self._clock = clock
        self._log = logger
        self._window_started = -math.inf
        self._in_window = 0
        self._suppressed = 0
        self.count = 0

    def note(self, what: str) -> None:
        self.count += 1
        now = self._clock()
        if now - self._window_started >= self._window_s:
            if self._suppressed:
                self._log.warning(
                    "%s %d more (not logged one by one)", self._prefix, self._suppressed
                )
            self._window_started, self._in_window, self._suppressed = now, 0, 0
        if self._in_window < self._burst:
            self._in_window += 1
            self._log.warning("%s %s", self._prefix, redact_text(what))
        else:
            self._suppressed += 1
