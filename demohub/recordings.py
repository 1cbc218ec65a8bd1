"""Recordings in the demo hub: what it has "recorded", the times in requests, playback clocks.

The demo hub writes nothing to disk. Its scenes are pure functions of time, so the recording of a
camera at a past moment T is the scene rendered at T, time code included. What the hub keeps is
one stretch per recorded camera: from when the hub started (or `since`) or `retention_s` ago,
whichever is later, up to now, cut by the camera's gap schedule (`GAP_SCHEDULES`: cam-10 is not
recorded for one minute in every ten, so clients see "no recording" periods). A PTZ camera is
not recorded: its picture depends on how it was steered, and the hub keeps no steering history.

A playback viewer gets its own `LiveEncoder` whose clock is a `PlaybackClock`: the recording's
time, starting at the requested moment on the first frame and running at `speed` recorded
seconds per wall second, forward or backwards (`parse_speed`, `parse_direction`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from demohub.alerts import RequestError, unix_iso

__all__ = [
    "DEFAULT_MAX_PLAYBACKS",
    "DEFAULT_RETENTION_S",
    "GAP_SCHEDULES",
    "INTRA_ONLY_FPS",
    "SPEEDS",
    "START_GRACE_S",
    "GapSchedule",
    "PlaybackClock",
    "Recorder",
    "RecordingError",
    "Span",
    "format_speed",
    "parse_direction",
    "parse_flag",
    "parse_speed",
    "parse_time",
    "parse_unix_ms",
]

DEFAULT_RETENTION_S = 3600.0
# Playback sessions (encoder threads) at once, per hub: a 4x4 wall in playback, with room for
# the frame grabs of a frame step and the sessions still closing after a seek.
DEFAULT_MAX_PLAYBACKS = 32
# A playback URL's `start` may have slid this far out of the recordings (at the retention edge)
# between asking for the URL and opening it.
START_GRACE_S = 30.0
# Playback speeds: powers of two from 1/8 to 16 (ONVIF Profile G's replay `Scale` does the same
# job; a hub may offer fewer).
SPEEDS = tuple(2.0**k for k in range(-3, 5))
DIRECTIONS = ("forward", "reverse")
# An intra-only playback (key frames only, for a fast scan) runs at this frame rate, every
# frame a key frame.
INTRA_ONLY_FPS = 5


class RecordingError(RequestError):
    """A refused recordings or playback request."""


@dataclass(frozen=True)
class GapSchedule:
    """A camera that is not recorded from `offset_s` to `offset_s + length_s` of every
    `period_s` seconds of Unix time (the recorded spans end at a gap's start and begin again
    at its end)."""

    period_s: float
    offset_s: float
    length_s: float

    def gaps(self, start: float, end: float) -> list[tuple[float, float]]:
        """The gaps that overlap [start, end], oldest first."""
        first = math.floor((start - self.offset_s - self.length_s) / self.period_s)
        last = math.floor((end - self.offset_s) / self.period_s)
        found = []
        for k in range(first, last + 1):
            g0 = k * self.period_s + self.offset_s
            g1 = g0 + self.length_s
            if g1 > start and g0 < end:
                found.append((g0, g1))
        return found


# cam-10 (Warehouse Aisle 4) records on a schedule: nothing from minute 8 to minute 9 of every
# ten minutes of Unix time (hh:08-hh:09, hh:18-hh:19, ... UTC), so there are gaps to find.
GAP_SCHEDULES: dict[str, GapSchedule] = {"cam-10": GapSchedule(600.0, 480.0, 60.0)}


@dataclass(frozen=True)
class Span:
    """A recorded stretch of time, Unix seconds on whole milliseconds, `start <= end`.

    `growing`: it ends now and keeps growing (no gap after it).
    """

    start: float
    end: float
    growing: bool = False

    def covers(self, t: float, grace_s: float = 0.0) -> bool:
        return self.start - grace_s <= t <= self.end

    def overlaps(self, start: float | None, end: float | None) -> bool:
        return (start is None or self.end >= start) and (end is None or self.start <= end)

    def describe(self) -> str:
        return f"{unix_iso(self.start)} to {unix_iso(self.end)}"

    def to_json(self) -> dict[str, Any]:
        return {"start": unix_iso(self.start), "end": unix_iso(self.end)}


class Recorder:
    """What the demo hub has recorded: one stretch for every recorded camera, cut by the
    camera's gap schedule.

    `retention_s` 0 means no recordings at all. `since`: the Unix time recording began (None:
    when `begin()` is called, i.e. when the hub starts). `gaps`: the gap schedules by camera id
    (`GAP_SCHEDULES`; empty: no gaps). `clock`: Unix time.
    """

    def __init__(
        self,
        retention_s: float = DEFAULT_RETENTION_S,
        since: float | None = None,
        clock: Callable[[], float] = time.time,
        gaps: Mapping[str, GapSchedule] | None = None,
    ) -> None:
        if not (math.isfinite(retention_s) and retention_s >= 0):
            raise ValueError("the recordings' retention must be 0 or more seconds")
        self.retention_s = float(retention_s)
        self.since = since
        self.gaps: dict[str, GapSchedule] = dict(GAP_SCHEDULES if gaps is None else gaps)
        self._clock = clock

    def now(self) -> float:
        return self._clock()

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
        return Span(start_ms / 1000, end_ms / 1000, growing=True)

    def in_gap(self, camera_id: str, t: float) -> bool:
        """Whether `t` falls inside one of the camera's scheduled gaps (not at its ends)."""
        schedule = self.gaps.get(camera_id)
        return schedule is not None and any(g0 < t < g1 for g0, g1 in schedule.gaps(t, t))

    def spans(self, camera_id: str, now: float | None = None) -> list[Span]:
        """What is recorded of `camera_id` now, oldest first: `span()` cut by the camera's gap
        schedule (a span ends at a gap's start and the next begins at its end)."""
        whole = self.span(now)
        if whole is None:
            return []
        schedule = self.gaps.get(camera_id)
        if schedule is None:
            return [whole]
        spans = []
        cursor = whole.start
        for g0, g1 in schedule.gaps(whole.start, whole.end):
            if g0 > cursor:
                spans.append(Span(cursor, g0))
            cursor = max(cursor, g1)
        if cursor <= whole.end:
            spans.append(Span(cursor, whole.end, growing=True))
        return spans

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


def parse_speed(text: str | None) -> float:
    """The playback `speed` parameter (default 1): a power of two from 1/8 to 16, written as a
    decimal number (`0.125`, `0.5`, `2`, `16.0`). RecordingError `bad_request` otherwise."""
    if text is None:
        return 1.0
    try:
        value = float(text) if len(text) <= 16 and text.isascii() else math.nan
    except ValueError:
        value = math.nan
    if value not in SPEEDS:
        raise RecordingError(
            "bad_request",
            "speed must be a power of two from 0.125 (1/8) to 16: "
            + ", ".join(format_speed(s) for s in SPEEDS),
        )
    return value


def format_speed(speed: float) -> str:
    """A speed as the URL and the answer write it: `0.125`, `1`, `16`."""
    return str(int(speed)) if speed.is_integer() else repr(speed)


def parse_direction(text: str | None) -> str:
    """The playback `direction` parameter: `forward` (the default) or `reverse`."""
    if text is None:
        return "forward"
    if text not in DIRECTIONS:
        raise RecordingError("bad_request", "direction must be forward or reverse")
    return text


def parse_flag(text: str | None, name: str) -> bool:
    """A boolean query parameter: `true` or `false` (absent: false)."""
    if text is None or text == "false":
        return False
    if text == "true":
        return True
    raise RecordingError("bad_request", f"{name} must be true or false")


class PlaybackClock:
    """The recording's time for one playback encoder: `start` at the first reading, then
    `rate` recorded seconds per second of the monotonic clock (2: twice as fast, -1: backwards
    at real time), so the first frame shows exactly `start`.

    Read from the encoder's thread only.
    """

    def __init__(
        self,
        start: float,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        rate: float = 1.0,
    ) -> None:
        self.start = start
        self.rate = rate
        self._monotonic = monotonic
        self._origin: float | None = None

    def __call__(self) -> float:
        now = self._monotonic()
        if self._origin is None:
            self._origin = now
        return self.start + (now - self._origin) * self.rate
