"""An incident session for trainers: which cameras, which span, where to stop for discussion.

`IncidentSession` is a frozen value: every edit (`with_pause_point`, `without_pause_point`,
`with_notes`) gives a new session, so a view can hand it to the store or to the replay without
either seeing it change under them. It is checked when made: the end after the start, 1 to
`MAX_CAMERAS` cameras, the lead-in not negative, each pause point within the span and its
lead-in; a broken one raises ValueError in plain words.

Made from an alarm (`from_alarm`: the alert's span and the cameras alarmed beside it), a
bookmark (`from_bookmark`) or a chosen span (`from_span`). Times are aware UTC datetimes.
Pure Python: no Qt, no I/O.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from console.hub.models import Alert, AlertHistory, Bookmark

MAX_CAMERAS = 16  # a replay puts every camera on one wall; 4x4 is the largest useful grid
ALARM_CAMERAS = 9  # from an alarm: its camera and at most 8 alarmed beside it (a 3x3 wall)
DEFAULT_LEAD_IN_S = 10.0
# An alert whose end is unknown (still active, or a bookmark of no length) spans this long.
UNKNOWN_END_S = 60.0
MAX_TITLE = 200
MAX_NOTE = 2000
MAX_NOTES = 20000


def new_session_id() -> str:
    """A fresh id for a session (used as its file name in the store)."""
    return f"inc-{uuid.uuid4().hex[:16]}"


def _aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"the {name} must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"the {name} must carry its time zone")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class PausePoint:
    """A moment where the replay stops for discussion, with the trainer's note."""

    at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _aware("pause point's time", self.at))
        if not isinstance(self.note, str):
            raise ValueError("a pause point's note must be text")
        if len(self.note) > MAX_NOTE:
            raise ValueError(f"a pause point's note is longer than {MAX_NOTE} characters")


@dataclass(frozen=True)
class IncidentSession:
    """What a trainer replays: cameras, the span [start, end] played from `lead_in_s` before
    the start, pause points (kept in time order), notes, and where it came from (`origin`,
    e.g. "alarm al-12")."""

    id: str
    title: str
    camera_ids: tuple[str, ...]
    start: datetime
    end: datetime
    lead_in_s: float = DEFAULT_LEAD_IN_S
    pause_points: tuple[PausePoint, ...] = field(default=())
    notes: str = ""
    origin: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError("an incident session needs an id")
        if not isinstance(self.title, str) or len(self.title) > MAX_TITLE:
            raise ValueError(f"the title must be text of at most {MAX_TITLE} characters")
        start = _aware("start", self.start)
        end = _aware("end", self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if end <= start:
            raise ValueError("the end of the incident must come after its start")
        object.__setattr__(self, "camera_ids", _checked_cameras(self.camera_ids))
        lead = self.lead_in_s
        if isinstance(lead, bool) or not isinstance(lead, (int, float)) or not math.isfinite(lead):
            raise ValueError("the lead-in must be a number of seconds")
        if lead < 0:
            raise ValueError("the lead-in cannot be negative")
        object.__setattr__(self, "lead_in_s", float(lead))
        points = tuple(self.pause_points)
        for point in points:
            if not isinstance(point, PausePoint):
                raise ValueError("pause points must be PausePoint values")
            if not self.play_from <= point.at <= end:
                raise ValueError(
                    f"a pause point at {point.at:%H:%M:%S} UTC lies outside the replay "
                    f"({self.play_from:%H:%M:%S} to {end:%H:%M:%S} UTC)"
                )
        object.__setattr__(self, "pause_points", tuple(sorted(points, key=lambda p: p.at)))
        if not isinstance(self.notes, str) or len(self.notes) > MAX_NOTES:
            raise ValueError(f"the notes must be text of at most {MAX_NOTES} characters")
        if not isinstance(self.origin, str):
            raise ValueError("the origin must be text")

    # -- reading ---------------------------------------------------------------------------------
    @property
    def play_from(self) -> datetime:
        """Where the replay starts: the lead-in before the incident's start."""
        return self.start - timedelta(seconds=self.lead_in_s)

    @property
    def duration_s(self) -> float:
        """From `play_from` to the end, in seconds."""
        return (self.end - self.play_from).total_seconds()

    def offset_s(self, at: datetime) -> float:
        """Seconds from `play_from` to `at` (negative before it)."""
        return (at - self.play_from).total_seconds()

    # -- editing (each gives a new session) ------------------------------------------------------
    def with_pause_point(self, at: datetime, note: str = "") -> IncidentSession:
        """With a pause point at `at` (one already there gets this note instead)."""
        point = PausePoint(at, note)
        kept = tuple(p for p in self.pause_points if p.at != point.at)
        return replace(self, pause_points=(*kept, point))

    def without_pause_point(self, point: PausePoint | datetime) -> IncidentSession:
        """Without the pause point at that moment (the same session when there is none)."""
        at = point.at if isinstance(point, PausePoint) else _aware("pause point's time", point)
        return replace(self, pause_points=tuple(p for p in self.pause_points if p.at != at))

    def with_notes(self, notes: str) -> IncidentSession:
        return replace(self, notes=notes)

    def with_title(self, title: str) -> IncidentSession:
        return replace(self, title=title)

    # -- making ----------------------------------------------------------------------------------
    @classmethod
    def from_alarm(
        cls, alert: Alert, history: AlertHistory | None = None, *, lead_in_s: float | None = None
    ) -> IncidentSession:
        """The alert's span (its start to its end, or `UNKNOWN_END_S` when it has none) on its
        camera and the cameras of the other alerts of `history` that overlap that span, in the
        order they started, at most `ALARM_CAMERAS` in all."""
        start = _aware("alert's start", alert.started)
        end = _alert_end(alert)
        cameras = [alert.camera_id]
        for other in history.alerts if history is not None else ():
            if len(cameras) >= ALARM_CAMERAS:
                break
            if other.camera_id in cameras:
                continue
            if _aware("alert's start", other.started) <= end and _alert_end(other) >= start:
                cameras.append(other.camera_id)
        return cls(
            id=new_session_id(),
            title=f"{alert.title} on {alert.camera_id}",
            camera_ids=tuple(cameras),
            start=start,
            end=end,
            lead_in_s=DEFAULT_LEAD_IN_S if lead_in_s is None else lead_in_s,
            origin=f"alarm {alert.id}",
        )

    @classmethod
    def from_bookmark(
        cls, bookmark: Bookmark, *, lead_in_s: float | None = None
    ) -> IncidentSession:
        """The bookmark's camera and span (one of no length spans `UNKNOWN_END_S`)."""
        start = _aware("bookmark's start", bookmark.start)
        end = _aware("bookmark's end", bookmark.end)
        if end <= start:
            end = start + timedelta(seconds=UNKNOWN_END_S)
        return cls(
            id=new_session_id(),
            title=(bookmark.name or "Bookmark")[:MAX_TITLE],
            camera_ids=(bookmark.camera_id,),
            start=start,
            end=end,
            lead_in_s=DEFAULT_LEAD_IN_S if lead_in_s is None else lead_in_s,
            notes=bookmark.description[:MAX_NOTES],
            origin=f"bookmark {bookmark.id}",
        )

    @classmethod
    def from_span(
        cls,
        camera_ids: Iterable[str],
        start: datetime,
        end: datetime,
        *,
        title: str = "",
        lead_in_s: float = DEFAULT_LEAD_IN_S,
    ) -> IncidentSession:
        """A span the trainer chose on these cameras."""
        cameras = tuple(dict.fromkeys(camera_ids))  # in order, each once
        start = _aware("start", start)
        return cls(
            id=new_session_id(),
            title=title or f"Incident at {start:%Y-%m-%d %H:%M} UTC",
            camera_ids=cameras,
            start=start,
            end=end,
            lead_in_s=lead_in_s,
            origin="span",
        )


def _checked_cameras(camera_ids: Iterable[str]) -> tuple[str, ...]:
    cameras = tuple(camera_ids)
    if not all(isinstance(c, str) and c for c in cameras):
        raise ValueError("every camera must be named by its id")
    if len(set(cameras)) != len(cameras):
        raise ValueError("a camera is listed twice")
    if not 1 <= len(cameras) <= MAX_CAMERAS:
        raise ValueError(
            f"an incident shows 1 to {MAX_CAMERAS} cameras; this one has {len(cameras)}"
        )
    return cameras


def _alert_end(alert: Alert) -> datetime:
    """When the alert ended, or `UNKNOWN_END_S` after its start when that is unknown (or not
    after the start)."""
    start = _aware("alert's start", alert.started)
    if alert.ended is not None:
        ended = _aware("alert's end", alert.ended)
        if ended > start:
            return ended
    return start + timedelta(seconds=UNKNOWN_END_S)
