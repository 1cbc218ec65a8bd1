"""The timeline's data: merged spans, coverage, jumping across gaps, and loading it from the
real demo hub (cam-10's scheduled gaps, alerts with their acknowledgements, bookmarks) and from
hubs that fail or cannot."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from console.hub.errors import HubNotSupported, HubUnreachable
from console.hub.models import (
    AlarmAction,
    AlarmState,
    Alert,
    AlertHistory,
    AlertKind,
    AlertPriority,
    Bookmark,
    BookmarkList,
    Recordings,
    RecordingSpan,
    RecordingsSearch,
)
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.playback.timeline_data import (
    MARK_ACK,
    MARK_ALERT,
    MARK_BOOKMARK,
    MARK_TRAINEE_ACK,
    MORE_ALERTS,
    NOT_ASKED,
    CameraTrack,
    TimelineData,
    TimelineMark,
    TimelineSpan,
    load_timeline,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def span(a: float, b: float) -> TimelineSpan:
    return TimelineSpan(at(a), at(b))


def data(**tracks: list[TimelineSpan]) -> TimelineData:
    cameras = tuple(CameraTrack(cid, cid, tuple(s), bool(s)) for cid, s in tracks.items())
    return TimelineData(at(0), at(60), cameras, ())


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_merged_joins_touching_and_overlapping_spans_of_all_cameras_in_order():
    timeline = data(
        a=[span(0, 5), span(20, 30)],
        b=[span(4, 10), span(10, 12), span(40, 41)],
        c=[span(25, 26)],
        d=[],
    )
    assert timeline.merged() == (span(0, 12), span(20, 30), span(40, 41))
    assert data().merged() == ()


def test_covered_is_per_camera_with_both_ends_included():
    timeline = data(a=[span(0, 5), span(20, 30)], b=[span(5, 20)])
    assert timeline.covered("a", at(0)) and timeline.covered("a", at(5))
    assert timeline.covered("a", at(25)) and timeline.covered("a", at(30))
    assert not timeline.covered("a", at(10)) and not timeline.covered("a", at(31))
    assert not timeline.covered("a", at(-1))
    assert timeline.covered("b", at(10))
    assert not timeline.covered("nobody", at(1))


def test_next_recorded_jumps_over_gaps_of_all_cameras():
    timeline = data(a=[span(0, 5), span(30, 40)], b=[span(10, 12)])
    assert timeline.next_recorded(at(3), forward=True) == at(3)  # recorded: stays
    assert timeline.next_recorded(at(6), forward=True) == at(10)
    assert timeline.next_recorded(at(13), forward=True) == at(30)
    assert timeline.next_recorded(at(41), forward=True) is None
    assert timeline.next_recorded(at(20), forward=False) == at(12)
    assert timeline.next_recorded(at(8), forward=False) == at(5)
    assert timeline.next_recorded(at(-1), forward=False) is None


def test_with_marks_adds_in_time_order_and_marks_of_picks_a_kind():
    alert = TimelineMark(at(5), None, MARK_ALERT, "a", "Motion", 2, "al-1")
    trainee = TimelineMark(at(3), None, MARK_TRAINEE_ACK, "a", "Acknowledged by you", 2, "al-1")
    timeline = TimelineData(at(0), at(60), (), (alert,)).with_marks([trainee])
    assert timeline.marks == (trainee, alert)
    assert timeline.marks_of(MARK_ALERT) == (alert,)
    assert timeline.marks_of(MARK_BOOKMARK) == ()


# ------------------------------------------------------------------ hubs that fail or cannot


def alert(i: int, acked: datetime | None = None) -> Alert:
    return Alert(
        id=f"al-{i}",
        kind=AlertKind.PANIC,
        camera_id="cam-01",
        priority=AlertPriority.CRITICAL,
        started=at(i),
        active=False,
        state=AlarmState.ACKNOWLEDGED if acked else AlarmState.NEW,
        revision=1,
        ended=at(i + 1),
        acknowledged=AlarmAction("ana", acked) if acked else None,
    )


class CannedRecordings:
    def __init__(self, search: Any, history: Any) -> None:
        self.search, self.history = search, history
        self.limits: list[int] = []

    async def recordings_search(self, camera_ids, start=None, end=None):
        if isinstance(self.search, Exception):
            raise self.search
        return self.search

    async def event_history(self, start, end, camera_ids=None, kinds=None, limit=100):
        self.limits.append(limit)
        if isinstance(self.history, Exception):
            raise self.history
        return self.history


class CannedBookmarks:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.queries: list[Any] = []

    async def bookmarks(self, query=None):
        self.queries.append(query)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


CAMERAS = [("cam-01", "Entrance"), ("cam-02", "Yard")]
SEARCH = RecordingsSearch(
    (Recordings("cam-01", (RecordingSpan(at(-10), at(20)), RecordingSpan(at(30), at(90))), 60),),
    not_recorded=("cam-02",),
)


def test_a_hub_that_answers_gives_spans_clipped_alerts_acks_and_bookmarks():
    history = AlertHistory(at(0), at(60), (alert(1, acked=at(2)), alert(5)), more=True)
    bookmark = Bookmark("bm-1", "cam-02", at(7), at(8), "Gate", at(9))
    recordings = CannedRecordings(SEARCH, history)
    bookmarks = CannedBookmarks(BookmarkList((bookmark,), 1))
    timeline = run(load_timeline(recordings, bookmarks, CAMERAS, at(0), at(60)))  # type: ignore[arg-type]
    first, second = timeline.cameras
    assert (first.name, first.recorded, first.spans) == (
        "Entrance",
        True,
        (span(0, 20), span(30, 60)),
    )
    assert (second.camera_id, second.recorded, second.spans) == ("cam-02", False, ())
    assert [(m.kind, m.at, m.ref_id) for m in timeline.marks] == [
        (MARK_ALERT, at(1), "al-1"),
        (MARK_ACK, at(2), "al-1"),
        (MARK_ALERT, at(5), "al-5"),
        (MARK_BOOKMARK, at(7), "bm-1"),
    ]
    ack = timeline.marks_of(MARK_ACK)[0]
    assert ack.title == "Acknowledged by ana" and ack.priority == AlertPriority.CRITICAL
    assert timeline.marks_of(MARK_ALERT)[0].priority == 4
    assert timeline.marks_of(MARK_BOOKMARK)[0].end == at(8)
    assert recordings.limits == [1000]
    query = bookmarks.queries[0]
    assert query.camera_ids == {"cam-01", "cam-02"} and (query.start, query.end) == (at(0), at(60))
    assert timeline.problem == MORE_ALERTS


def test_missing_or_unsupported_facets_give_empty_parts_and_no_problem():
    timeline = run(load_timeline(None, None, CAMERAS, at(0), at(60)))
    assert [(t.camera_id, t.recorded, t.spans) for t in timeline.cameras] == [
        ("cam-01", False, ()),
        ("cam-02", False, ()),
    ]
    assert timeline.marks == () and timeline.problem == ""
    unsupported = HubNotSupported(message="no")
    timeline = run(
        load_timeline(
            CannedRecordings(unsupported, unsupported),  # type: ignore[arg-type]
            CannedBookmarks(unsupported),  # type: ignore[arg-type]
            CAMERAS,
            at(0),
            at(60),
        )
    )
    assert timeline.marks == () and timeline.problem == ""


def test_a_failing_hub_gives_the_parts_that_worked_and_says_why_in_plain_words():
    down = HubUnreachable("connect refused to http://10.0.0.1")
    recordings = CannedRecordings(SEARCH, down)
    timeline = run(
        load_timeline(recordings, CannedBookmarks(down), CAMERAS, at(0), at(60), alerts=True)  # type: ignore[arg-type]
    )
    assert timeline.cameras[0].spans == (span(0, 20), span(30, 60))
    assert timeline.problem == down.operator_message  # said once, not per part
    assert "http" not in timeline.problem
    quiet = CannedRecordings(SEARCH, down)
    timeline = run(load_timeline(quiet, None, CAMERAS, at(0), at(60), alerts=False))  # type: ignore[arg-type]
    assert quiet.limits == [] and timeline.problem == ""


# ------------------------------------------------------------------------ the real demo hub


def test_the_demo_hubs_recordings_gaps_alerts_and_bookmarks(hub_factory):
    hub = hub_factory(recorded_since=time.time() - 1300)

    async def main() -> TimelineData:
        client = TesseraHubClient(HubConfig(url=hub.url, operator="ana"))
        async with client:
            raised = await client.raise_alert(
                AlertKind.PANIC, "cam-10", AlertPriority.CRITICAL, duration_s=0
            )
            await client.acknowledge_alert(raised.id, "on it")
            now = datetime.now(UTC)
            bookmark = Bookmark(
                client.new_bookmark_id("cam-03"),
                "cam-03",
                now - timedelta(seconds=60),
                now - timedelta(seconds=30),
                "Van at the gate",
                now,
            )
            await client.save_bookmark(bookmark, revision=0)
            cameras = [("cam-03", "Car Park"), ("cam-10", "Platform 2"), ("cam-08", "Rooftop")]
            return await load_timeline(
                client.recordings_facet,
                client.bookmarks_facet,
                cameras,
                now - timedelta(seconds=1250),
                now + timedelta(seconds=5),
            )

    timeline = run(main())
    assert timeline.problem == ""
    cam03, cam10, cam08 = timeline.cameras
    assert cam03.recorded and cam10.recorded and not cam08.recorded and cam08.spans == ()
    assert len(cam03.spans) == 1 and len(cam10.spans) >= 2
    # The first whole gap of cam-10: minute 8 to 9 of a ten-minute cycle of Unix time.
    gap_start = cam10.spans[0].end
    assert gap_start.timestamp() % 600 == 480
    middle = gap_start + timedelta(seconds=30)
    assert not timeline.covered("cam-10", middle)
    assert timeline.covered("cam-03", middle)
    (merged,) = timeline.merged()  # cam-03 fills cam-10's gaps (their ends grow with now)
    assert merged.start == cam03.spans[0].start and merged.end >= cam03.spans[0].end
    alerts = timeline.marks_of(MARK_ALERT)
    assert [(m.camera_id, m.priority) for m in alerts if m.title == "Panic button"] == [
        ("cam-10", 4)
    ]
    acks = timeline.marks_of(MARK_ACK)
    assert [m.title for m in acks if m.camera_id == "cam-10"] == ["Acknowledged by ana"]
    assert [m.title for m in timeline.marks_of(MARK_BOOKMARK)] == ["Van at the gate"]


def test_a_camera_the_client_refuses_to_ask_about_is_a_problem_not_an_exception():
    refused = CannedRecordings(ValueError("camera id 'cam,03' cannot be sent"), ValueError("no"))
    timeline = run(load_timeline(refused, None, CAMERAS, at(0), at(60)))  # type: ignore[arg-type]
    assert timeline.problem == NOT_ASKED
    assert [t.spans for t in timeline.cameras] == [(), ()]
