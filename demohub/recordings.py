"""Recordings in the demo hub: what it has "recorded", the times in requests, playback clocks.

The demo hub writes nothing to disk. Its scenes are pure functions of time, so the recording of a
camera at a past moment T is the scene rendered at T, time code included. What the hub keeps is
one span per recorded camera: from when the hub started (or `since`) or `retention_s` ago,
whichever is later, up to now. A PTZ camera is not recorded: its picture depends on how it was
steered, and the hub keeps no steering history.

A playback viewer gets its own `LiveEncoder` whose clock is a `PlaybackClock`: the recording's
time, starting at the requested moment on the first frame and running at real time (1x).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from demohub.alerts import RequestError, unix_iso

__all__ = [
    "DEFAULT_MAX_PLAYBACKS",
    "DEFAULT_RETENTION_S",
    "START_GRACE_S",
    "PlaybackClock",
    "Recorder",
    "RecordingError",
    "Span",
    "parse_time",
    "parse_unix_ms",
]

DEFAULT_RETENTION_S = 3600.0
DEFAULT_MAX_PLAYBACKS = 4  # playback sessions (encoder threads) at once, per hub
# A playback URL's `start` may have slid this far out of the recordings (at the retention edge)
# between asking for the URL and opening it.
START_GRACE_S = 30.0


class RecordingError(RequestError):
    """A refused recordings or playback request."""


@dataclass(frozen=True)
class Span:
    """A recorded stretch of time, Unix seconds on whole milliseconds, `start <= end`."""

    start: float
    end: float

    def covers(self, t: float, grace_s: float = 0.0) -> bool:
        return self.start - grace_s <= t <= self.end

    def overlaps(self, start: float | None, end: float | None) -> bool:
        return (start is None or self.end >= start) and (end is None or self.start <= end)

    def describe(self) -> str:
        return f"{unix_iso(self.start)} to {unix_iso(self.end)}"

    def to_json(self) -> dict[str, Any]:
        return {"start": unix_iso(self.start), "end": unix_iso(self.end)}


class Recorder:
    """The span the demo hub has recorded (the same for every recorded camera).

    `retention_s` 0 means no recordings at all. `since`: the Unix time recording began (None:
    when `begin()` is called, i.e. when the hub starts). `clock`: Unix time.
    """

    def __init__(
        self,
        retention_s: float = DEFAULT_RETENTION_S,
        since: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (math.isfinite(retention_s) and retention_s >= 0):
            raise ValueError("the recordings' retention must be 0 or more seconds")
        self.retention_s = float(retention_s)
        self.since = since
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return self.retention_s > 0

    def begin(self) -> None:
        """Start recording now, unless `since` was given."""
        if self.since is None:
            self.since = self._clock()

    def span(self, now: float | None = None) -> Span | None:
        """What is recorded now (None: recordings are off or have not begun)."""
        if not self.enabled or self.since is None:
            return None
        now = self._clock() if now is None else now
        start_ms = math.ceil(max(self.since, now - self.retention_s) * 1000)
        end_ms = max(start_ms, math.floor(now * 1000))
        return Span(start_ms / 1000, end_ms / 1000)

    def retention_json(self) -> float | int:
        value = self.retention_s
        return int(value) if value.is_integer() else value


def parse_time(text: str, name: str) -> float:
    """A query parameter holding the contract's time (`2026-11-22T10:00:00.000Z`; an explicit
    offset such as `+01:00` is accepted too) as Unix seconds on whole milliseconds.

    RecordingError `bad_request` naming the parameter for anything else, also a time without a
    zone (it would be ambiguous).
    """
    example = "a UTC time such as 2026-11-22T10:00:00.000Z"
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise RecordingError("bad_request", f"{name} needs a time zone: {example}")
        return round(parsed.astimezone(timezone.utc).timestamp() * 1000) / 1000
    except (ValueError, OverflowError):  # not a time, or one at the very ends of the calendar
        raise RecordingError("bad_request", f"{name} must be {example}") from None


def parse_unix_ms(text: str | None, name: str) -> float:
    """A playback URL's Unix milliseconds as Unix seconds (RecordingError `bad_request`)."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 15:
        raise RecordingError("bad_request", f"{name} must be Unix time in whole milliseconds")
    return int(text) / 1000


class PlaybackClock:
    """The recording's time for one playback encoder: `start` at the first reading, then
    forward at real time (the monotonic clock), so the first frame shows exactly `start`.

    Read from the encoder's thread only.
    """

    def __init__(self, start: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.start = start
        self._monotonic = monotonic
        self._origin: float | None = None

    def __call__(self) -> float:
        now = self._monotonic()
        if self._origin is None:
            self._origin = now
        return self.start + (now - self._origin)
