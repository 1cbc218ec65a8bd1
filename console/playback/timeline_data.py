"""What the playback timeline shows for a time range: each camera's recorded spans, alerts,
the operators' acknowledgements and bookmarks (issue 16, sections 2 and 4).

`load_timeline` asks the hub once per kind (one recordings search for all cameras, one page of
event history, one bookmark query) and never raises for hub trouble: what could not be read is
left empty and `TimelineData.problem` says so in plain words. Everything here is plain data;
the Qt view (`widgets/playback/timeline_view.py`) paints it.
"""

from __future__ import annotations

import bisect
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from console.hub.errors import HubError, HubNotSupported
from console.hub.facets import MAX_HISTORY_LIMIT, BookmarksFacet, RecordingsFacet
from console.hub.models import BookmarkQuery

__all__ = [
    "MARK_ACK",
    "MARK_ALERT",
    "MARK_BOOKMARK",
    "MARK_TRAINEE_ACK",
    "MORE_ALERTS",
    "NOT_ASKED",
    "CameraTrack",
    "TimelineData",
    "TimelineMark",
    "TimelineSpan",
    "load_timeline",
    "merge_spans",
]

MARK_ALERT = "alert"
MARK_BOOKMARK = "bookmark"
MARK_ACK = "ack"
MARK_TRAINEE_ACK = "trainee_ack"

_T = TypeVar("_T")

NOT_ASKED = "Some of these cameras could not be looked up on the hub."
MORE_ALERTS = "There are more alerts than shown; zoom in to see them all."


@dataclass(frozen=True)
class TimelineSpan:
    """A recorded stretch of time, aware UTC, start <= end."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class TimelineMark:
    """Something that happened on a camera: an alert (`end`: when it ended, None while active),
    a bookmark (`end`: its end), an acknowledgement (`end` None). `title` is hub text;
    `priority` an alert's (`AlertPriority` value, 0 for the others); `ref_id` the alert's or
    bookmark's id."""

    at: datetime
    end: datetime | None
    kind: str
    camera_id: str
    title: str
    priority: int = 0
    ref_id: str = ""


@dataclass(frozen=True)
class CameraTrack:
    """One camera's row: its recorded spans (oldest first, not overlapping) and whether the hub
    records it at all."""

    camera_id: str
    name: str
    spans: tuple[TimelineSpan, ...]
    recorded: bool


def merge_spans(spans: Iterable[TimelineSpan]) -> tuple[TimelineSpan, ...]:
    """The union of `spans`, sorted, with touching and overlapping spans joined."""
    merged: list[TimelineSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = TimelineSpan(merged[-1].start, span.end)
        else:
            merged.append(span)
    return tuple(merged)


@dataclass(frozen=True)
class TimelineData:
    """The timeline of [start, end]: one track per camera (in the order asked), the marks (by
    time), and `problem`: what could not be read, in plain words ("" when all was)."""

    start: datetime
    end: datetime
    cameras: tuple[CameraTrack, ...]
    marks: tuple[TimelineMark, ...]
    problem: str = ""

    def merged(self) -> tuple[TimelineSpan, ...]:
        """When any camera is recorded: the union of all cameras' spans."""
        return merge_spans(span for track in self.cameras for span in track.spans)

    def marks_of(self, kind: str) -> tuple[TimelineMark, ...]:
        return tuple(mark for mark in self.marks if mark.kind == kind)

    def track(self, camera_id: str) -> CameraTrack | None:
        return next((t for t in self.cameras if t.camera_id == camera_id), None)

    def covered(self, camera_id: str, t: datetime) -> bool:
        """Whether `camera_id` is recorded at the aware time `t` (ends included)."""
        track = self.track(camera_id)
        if track is None:
            return False
        starts = [span.start for span in track.spans]
        i = bisect.bisect_right(starts, t) - 1
        return i >= 0 and track.spans[i].end >= t

    def next_recorded(self, t: datetime, forward: bool) -> datetime | None:
        """The nearest moment at or after `t` (`forward`) or at or before it that some camera
        recorded: `t` itself when it is recorded, otherwise the start of the next recording
        (the end of the previous one); None when there is none that way. For "jump to the next
        recording" across gaps."""
        merged = self.merged()
        for span in merged if forward else reversed(merged):
            if span.start <= t <= span.end:
                return t
            if forward and span.start > t:
                return span.start
            if not forward and span.end < t:
                return span.end
        return None

    def with_marks(self, extra: Iterable[TimelineMark]) -> TimelineData:
        """The same timeline with `extra` marks (e.g. the trainee's acknowledgements) added."""
        marks = sorted((*self.marks, *extra), key=lambda m: m.at)
        return replace(self, marks=tuple(marks))


def _clipped(start: datetime, end: datetime, a: datetime, b: datetime) -> TimelineSpan | None:
    lo, hi = max(start, a), min(end, b)
    return TimelineSpan(lo, hi) if lo <= hi else None


async def load_timeline(
    recordings: RecordingsFacet | None,
    bookmarks: BookmarksFacet | None,
    cameras: Sequence[tuple[str, str]],
    start: datetime,
    end: datetime,
    *,
    alerts: bool = True,
) -> TimelineData:
    """The timeline of `cameras` ((camera_id, display name)) over [start, end] (aware): one
    recordings search, the alert history of those cameras (`alerts`), their bookmarks. A facet
    that is None or not supported gives nothing of its kind; a hub error gives what did work,
    with the error in plain words in `problem`. Never raises a HubError."""
    camera_ids = [camera_id for camera_id, _ in cameras]
    problems: list[str] = []
    spans: dict[str, tuple[TimelineSpan, ...]] = {}
    marks: list[TimelineMark] = []
    if recordings is not None and camera_ids:
        spans = await _asked(problems, {}, _recorded_spans(recordings, camera_ids, start, end))
        if alerts:
            marks += await _asked(
                problems, [], _alert_marks(recordings, camera_ids, start, end, problems)
            )
    if bookmarks is not None and camera_ids:
        marks += await _asked(problems, [], _bookmark_marks(bookmarks, camera_ids, start, end))
    tracks = tuple(
        CameraTrack(camera_id, name, spans.get(camera_id, ()), camera_id in spans)
        for camera_id, name in cameras
    )
    marks.sort(key=lambda m: m.at)
    return TimelineData(start, end, tracks, tuple(marks), " ".join(dict.fromkeys(problems)))


async def _asked(problems: list[str], empty: _T, asking: Awaitable[_T]) -> _T:
    """What `asking` answers; `empty` when the hub cannot, and also when it fails, with the
    failure in plain words added to `problems`."""
    try:
        return await asking
    except HubNotSupported:
        return empty
    except HubError as exc:
        problems.append(exc.operator_message)
        return empty
    except ValueError:  # the client refused to ask (a camera id it cannot send, say)
        problems.append(NOT_ASKED)
        return empty


async def _recorded_spans(
    recordings: RecordingsFacet, camera_ids: list[str], start: datetime, end: datetime
) -> dict[str, tuple[TimelineSpan, ...]]:
    """Each recorded camera's spans within [start, end] (a camera not recorded is absent)."""
    search = await recordings.recordings_search(camera_ids, start, end)
    spans: dict[str, tuple[TimelineSpan, ...]] = {}
    for found in search.recordings:
        clipped = (_clipped(start, end, s.start, s.end) for s in found.spans)
        spans[found.camera_id] = tuple(s for s in clipped if s is not None)
    return spans


async def _alert_marks(
    recordings: RecordingsFacet,
    camera_ids: list[str],
    start: datetime,
    end: datetime,
    problems: list[str],
) -> list[TimelineMark]:
    """An alert mark per alert of [start, end] and an acknowledgement mark per alert
    acknowledged within it; when the hub has more than one page, says so in `problems`."""
    history = await recordings.event_history(
        start, end, camera_ids=camera_ids, limit=MAX_HISTORY_LIMIT
    )
    marks: list[TimelineMark] = []
    for alert in history.alerts:
        priority = int(alert.priority)
        marks.append(
            TimelineMark(
                alert.started,
                alert.ended,
                MARK_ALERT,
                alert.camera_id,
                alert.title,
                priority,
                alert.id,
            )
        )
        ack = alert.acknowledged
        if ack is not None and start <= ack.at <= end:
            title = f"Acknowledged by {ack.by}"
            marks.append(
                TimelineMark(ack.at, None, MARK_ACK, alert.camera_id, title, priority, alert.id)
            )
    if history.more:
        problems.append(MORE_ALERTS)
    return marks


async def _bookmark_marks(
    bookmarks: BookmarksFacet, camera_ids: list[str], start: datetime, end: datetime
) -> list[TimelineMark]:
    query = BookmarkQuery(camera_ids=frozenset(camera_ids), start=start, end=end)
    found = await bookmarks.bookmarks(query)
    return [
        TimelineMark(b.start, b.end, MARK_BOOKMARK, b.camera_id, b.name, 0, b.id)
        for b in found.bookmarks
    ]
