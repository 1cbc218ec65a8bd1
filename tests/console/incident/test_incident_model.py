"""An incident session: checked when made, edited into new sessions, made from an alarm, a
bookmark or a span."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from console.hub.models import Bookmark
from console.incident.model import ALARM_CAMERAS, IncidentSession, PausePoint
from tests.console.incident.incidentdata import T0, alert, at, history


def session(**kw) -> IncidentSession:
    values = {
        "id": "inc-1",
        "title": "Gate",
        "camera_ids": ("cam-01",),
        "start": at(0),
        "end": at(60),
    }
    values.update(kw)
    return IncidentSession(**values)


def test_play_from_is_the_lead_in_before_the_start():
    s = session(lead_in_s=15)
    assert s.play_from == at(-15)
    assert s.duration_s == 75
    assert s.offset_s(at(0)) == 15


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"end": at(0)}, "end of the incident must come after its start"),
        ({"end": at(-5)}, "end of the incident must come after its start"),
        ({"camera_ids": ()}, "1 to 16 cameras; this one has 0"),
        ({"camera_ids": tuple(f"c{i}" for i in range(17))}, "1 to 16 cameras; this one has 17"),
        ({"camera_ids": ("cam-01", "cam-01")}, "listed twice"),
        ({"lead_in_s": -1}, "lead-in cannot be negative"),
        ({"start": datetime(2026, 11, 22, 10)}, "time zone"),
        ({"pause_points": (PausePoint(at(61)),)}, "outside the replay"),
        ({"pause_points": (PausePoint(at(-11)),)}, "outside the replay"),
    ],
)
def test_a_broken_session_is_refused_in_plain_words(changes, words):
    with pytest.raises(ValueError, match=words):
        session(**changes)


def test_pause_points_may_lie_in_the_lead_in_and_are_kept_in_order():
    s = session().with_pause_point(at(30), "who saw it?").with_pause_point(at(-10), "before")
    assert [p.at for p in s.pause_points] == [at(-10), at(30)]
    again = s.with_pause_point(at(30), "new note")
    assert [p.note for p in again.pause_points] == ["before", "new note"]
    assert s.without_pause_point(s.pause_points[0]).pause_points == (
        PausePoint(at(30), "who saw it?"),
    )
    assert s.without_pause_point(at(30)).pause_points == (PausePoint(at(-10), "before"),)
    assert s.with_notes("debrief").notes == "debrief"
    with pytest.raises(ValueError, match="outside the replay"):
        s.with_pause_point(at(90))


def test_from_alarm_takes_its_span_and_the_cameras_alarmed_beside_it():
    main = alert("a1", "cam-03", 0, 20)
    others = [
        alert("a0", "cam-09", -100, -50),  # long before: not in
        alert("a2", "cam-07", 5, 8),
        alert("a3", "cam-03", 6, 9),  # the same camera: once
        alert("a4", "cam-02", 19, None),  # still active, overlapping
        alert("a5", "cam-04", 21, 30),  # after the span
    ]
    s = IncidentSession.from_alarm(main, history(main, *others))
    assert s.camera_ids == ("cam-03", "cam-07", "cam-02")
    assert (s.start, s.end, s.lead_in_s) == (at(0), at(20), 10.0)
    assert s.origin == "alarm a1"
    assert s.title == "Person on cam-03"


def test_from_alarm_without_an_end_spans_a_minute_and_at_most_nine_cameras():
    main = alert("a1", "cam-00", 0, None)
    crowd = [alert(f"b{i}", f"cam-{i:02d}", i, i + 5) for i in range(1, 15)]
    s = IncidentSession.from_alarm(main, history(main, *crowd))
    assert s.end == at(60)
    assert len(s.camera_ids) == ALARM_CAMERAS and s.camera_ids[0] == "cam-00"
    alone = IncidentSession.from_alarm(main, None)
    assert alone.camera_ids == ("cam-00",)


def test_from_bookmark_and_from_span():
    mark = Bookmark("bm-1", "cam-05", at(0), at(30), "Van at the gate", T0, "white van")
    s = IncidentSession.from_bookmark(mark)
    assert (s.camera_ids, s.start, s.end, s.title, s.notes) == (
        ("cam-05",),
        at(0),
        at(30),
        "Van at the gate",
        "white van",
    )
    point = IncidentSession.from_bookmark(Bookmark("bm-2", "cam-05", at(0), at(0), "", T0))
    assert point.end == at(60) and point.title == "Bookmark"
    span = IncidentSession.from_span(
        ["cam-01", "cam-02", "cam-01"], at(0), at(0) + timedelta(minutes=2)
    )
    assert span.camera_ids == ("cam-01", "cam-02") and span.origin == "span"
    assert span.id != s.id
