"""Re-firing an incident's alerts with a clock moved by hand: at their original offsets, on
their tiles while active, un-fired by a seek back; pause points; the trainee's acknowledgements
timed against the original operators'."""

from __future__ import annotations

from console.alerts.book import OVERLAY_FADE_S
from console.hub.models import AlarmState
from console.incident.model import IncidentSession, PausePoint
from console.incident.replay import IncidentReplay, ReplaySummary
from tests.console.incident.incidentdata import HandClock, alert, at, history

GATE = alert("a1", "cam-01", 0, 20, ack_s=12, by="ana")
FENCE = alert("a2", "cam-02", 5, None)  # never ended: active for 60 s
YARD = alert("a3", "cam-01", 30, 35, ack_s=33, by="bob")
ELSEWHERE = alert("a4", "cam-09", 10, 15)  # a camera not in the session
LONG_AGO = alert("a0", "cam-01", -500, -400)


def make(*points: PausePoint) -> tuple[IncidentReplay, HandClock, list]:
    session = IncidentSession(
        "inc-1", "Gate", ("cam-01", "cam-02"), at(0), at(60), lead_in_s=10, pause_points=points
    )
    clock = HandClock()
    replay = IncidentReplay(session, history(LONG_AGO, GATE, FENCE, ELSEWHERE, YARD), clock)
    events: list = []
    replay.fired.connect(lambda a: events.append(("fired", a.id)))
    replay.changed.connect(lambda: events.append(("changed",)))
    replay.camera_changed.connect(lambda c: events.append(("camera", c)))
    replay.pause_reached.connect(lambda p: events.append(("pause", p.note)))
    replay.finished.connect(lambda: events.append(("finished",)))
    return replay, clock, events


def ids(replay: IncidentReplay, camera_id: str) -> list[str]:
    return [o.alert.id for o in replay.overlays(camera_id)]


def test_alerts_are_re_fired_at_their_original_offsets():
    replay, clock, events = make()
    assert [a.id for a in replay.alerts()] == ["a1", "a2", "a3"]
    clock.move(-10)
    assert replay.entries() == [] and events == []
    clock.move(-0.1)
    assert replay.entries() == []
    clock.move(0)
    assert events == [("fired", "a1"), ("changed",), ("camera", "cam-01")]
    entry = replay.entries()[0]
    assert entry.offset_s == 10 and entry.active
    # As replayed: new, active, no one's acknowledgement yet (the hub's copy was acknowledged).
    assert entry.alert.state is AlarmState.NEW and entry.alert.acknowledged is None
    assert entry.original is not None and (entry.original.by, entry.original.delay_s) == ("ana", 12)
    assert entry.trainee is None
    events.clear()
    clock.move(6)
    assert events == [("fired", "a2"), ("changed",), ("camera", "cam-02")]
    assert [e.alert.id for e in replay.entries()] == ["a2", "a1"]  # newest first
    assert [e.offset_s for e in replay.entries()] == [15, 10]


def test_overlays_while_active_then_a_short_fade():
    replay, clock, events = make()
    assert replay.overlays("cam-01") == []
    clock.move(10)
    assert ids(replay, "cam-01") == ["a1"] and ids(replay, "cam-02") == ["a2"]
    assert replay.overlays("cam-01")[0].opacity == 1.0
    assert ids(replay, "cam-09") == []  # not in the session
    events.clear()
    clock.move(20 + OVERLAY_FADE_S / 2)
    [fading] = replay.overlays("cam-01")
    assert 0 < fading.opacity < 1
    assert ("camera", "cam-01") in events
    clock.move(20 + OVERLAY_FADE_S)
    assert replay.overlays("cam-01") == []
    clock.move(64.9)  # an alert without an end is active for 60 s
    assert ids(replay, "cam-02") == ["a2"]
    clock.move(65 + OVERLAY_FADE_S)
    assert ids(replay, "cam-02") == []
    # Ended alerts stay in the list.
    assert [e.alert.id for e in replay.entries()] == ["a3", "a2", "a1"]


def test_seeking_back_un_fires_what_lies_after():
    replay, clock, events = make()
    clock.move(40)
    assert [e.alert.id for e in replay.entries()] == ["a3", "a2", "a1"]
    replay.acknowledge("a3")
    events.clear()
    clock.move(3)
    assert [e.alert.id for e in replay.entries()] == ["a1"]
    assert ("changed",) in events and ("camera", "cam-02") in events
    assert ids(replay, "cam-02") == [] and ids(replay, "cam-01") == ["a1"]
    assert replay.trainee_acks() == []  # the ack of an un-fired alert goes with it
    events.clear()
    clock.move(31)
    assert ("fired", "a2") in events and ("fired", "a3") in events
    assert replay.entries()[0].trainee is None


def test_a_pause_point_pauses_once_per_pass_and_re_arms_after_a_seek_back():
    _replay, clock, events = make(PausePoint(at(8), "Who saw it first?"))
    clock.move(5)
    assert clock.paused == 0
    clock.move(8.2)
    assert clock.paused == 1 and ("pause", "Who saw it first?") in events
    clock.move(9)
    clock.move(12)
    assert clock.paused == 1  # once per pass
    clock.move(2)  # seek back before it: armed again
    clock.move(8)
    assert clock.paused == 2
    clock.move(8)
    clock.move(8.5)
    assert clock.paused == 2


def test_several_pause_points_crossed_at_once_pause_once_at_the_last():
    _replay, clock, events = make(PausePoint(at(4), "one"), PausePoint(at(6), "two"))
    clock.move(0)
    clock.move(30)
    assert clock.paused == 1 and [e for e in events if e[0] == "pause"] == [("pause", "two")]


def test_pause_points_added_during_the_replay_are_followed():
    replay, clock, _events = make()
    clock.move(10)
    replay.set_session(replay.session.with_pause_point(at(20), "ahead").with_pause_point(at(5)))
    clock.move(25)
    assert clock.paused == 1  # the one ahead; the one behind waits for a seek back
    clock.move(0)
    clock.move(6)
    assert clock.paused == 2


def test_finished_when_the_position_passes_the_end():
    replay, clock, events = make()
    clock.move(59)
    assert ("finished",) not in events
    clock.move(60.2)
    clock.move(61)
    assert events.count(("finished",)) == 1
    assert replay.is_finished
    clock.move(30)
    clock.move(61)
    assert events.count(("finished",)) == 2


def test_the_trainee_acknowledges_here_only_timed_against_the_original():
    replay, clock, events = make()
    clock.move(7)
    assert replay.acknowledge("a3") is None  # not fired yet
    assert replay.acknowledge("nope") is None
    clock.move(8)
    events.clear()
    ack = replay.acknowledge("a1")
    assert ack is not None and ack.delay_s == 8 and ack.at == at(8)
    assert events == [("camera", "cam-01"), ("changed",)]
    assert replay.overlays("cam-01")[0].alert.state is AlarmState.ACKNOWLEDGED
    clock.move(9)
    assert replay.acknowledge("a1") == ack  # the first one counts
    clock.move(50)
    replay.acknowledge("a3")  # 20 s after it started; bob took 3 s
    assert [(t, a.id) for t, a in replay.trainee_acks()] == [(at(8), "a1"), (at(50), "a3")]
    assert [(t, a.id, act.by) for t, a, act in replay.original_acks()] == [
        (at(12), "a1", "ana"),
        (at(33), "a3", "bob"),
    ]

    summary = replay.summary()
    assert isinstance(summary, ReplaySummary)
    assert [r.alert.id for r in summary.rows] == ["a1", "a2", "a3"]
    a1, a2, a3 = summary.rows
    assert a1.difference_s == -4 and a1.verdict() == "faster by 4 s"
    assert a2.missed and a2.verdict() == "missed" and a2.difference_s is None
    assert a3.difference_s == 17 and a3.verdict() == "slower by 17 s"
    assert (summary.fired, summary.acknowledged) == (3, 2)
    assert summary.median_trainee_s == 14 and summary.median_original_s == 7.5
    names = {"cam-01": "Gate", "cam-02": "Fence"}
    lines = summary.lines(names.__getitem__, quote=str)
    assert lines[0] == "Acknowledged 2 of 3 re-fired alerts."
    assert lines[1] == "Median time to acknowledge: trainee 14 s; original operators 8 s."
    assert lines[2] == (
        "Person on Gate: trainee after 8 s; originally ana after 12 s (faster by 4 s)."
    )
    assert lines[3] == (
        "Person on Fence: not acknowledged by the trainee; nobody acknowledged it originally "
        "(missed)."
    )


def test_nothing_re_fired_says_so():
    replay, clock, _ = make()
    clock.move(-5)
    assert replay.summary().lines() == ["No alerts were re-fired in this replay."]


def test_the_replay_stops_following_the_clock_when_closed():
    replay, clock, events = make()
    clock.move(10)
    resets = []
    replay.reset.connect(lambda: resets.append(True))
    events.clear()
    replay.close()
    replay.close()
    assert resets == [True] and replay.overlays("cam-01") == []
    clock.move(40)
    assert events == [] and len(replay.entries()) == 2


def test_a_wall_needs_no_fade_timer_the_ticks_move_the_fade():
    replay, clock, events = make()
    clock.move(20.5)
    assert not replay.is_fading()
    events.clear()
    clock.move(20.6)
    clock.move(20.7)
    assert events == [("camera", "cam-01"), ("camera", "cam-01")]
