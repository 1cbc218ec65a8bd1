"""Glass-to-glass latency, read from the time code the demo hub burns into every frame.

The hub stamps each frame with the wall-clock time it was rendered (`console.base.timecode`); a tile
that paints the frame reads it back, so now minus the code is everything in between: encoding,
network, buffering, decoding and painting. Reading is sampled (a few times a second), so the
meter costs nothing measurable per frame. On one machine both ends share the clock; across
machines the clocks must be in sync (NTP/PTP) for the figure to mean anything.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
import numpy.typing as npt

from console.base import timecode


class LatencyMeter:
    def __init__(self, interval_s: float = 0.4, window: int = 50) -> None:
        self._interval = interval_s
        self._next = 0.0
        self._samples: deque[float] = deque(maxlen=window)
        self.unreadable = 0  # sampled frames without a readable time code

    def offer(self, image_bgrx: npt.NDArray[np.uint8], now: float | None = None) -> None:
        """Consider a frame that was just painted; reads it only when a sample is due."""
        wall = time.time() if now is None else now
        if wall < self._next:
            return
        self._next = wall + self._interval
        code = timecode.read(image_bgrx, fmt="bgrx")
        if code is None:
            self.unreadable += 1
            return
        self._samples.append(wall * 1000.0 - code)

    @property
    def latest_ms(self) -> float | None:
        return self._samples[-1] if self._samples else None

    def percentile(self, q: float) -> float | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
