"""The incident views offscreen: the replay alarm list is marked as a replay and acknowledges as
the trainee with Enter or A; the panel edits pause points and notes and asks for seeks and
saves; the summary dialog lists the re-fired alerts."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from console.incident.model import IncidentSession, PausePoint
from console.incident.replay import IncidentReplay
from tests.console.incident.incidentdata import HandClock, alert, at, history
from widgets.common.hub_text import shown
from widgets.incident.incident_panel import IncidentPanel
from widgets.incident.replay_alarm_list import (
    ALERT,
    BAND_TEXT,
    DOCK_TITLE,
    ORIGINAL,
    TRAINEE,
    ReplayAlarmList,
)
from widgets.incident.replay_summary import ReplaySummaryDialog

NAMES = {"cam-01": "Gate", "cam-02": "Fence"}


def make_replay(*points: PausePoint) -> tuple[IncidentReplay, HandClock]:
    session = IncidentSession(
        "inc-1", "Van at the gate", ("cam-01", "cam-02"), at(0), at(60), pause_points=points
    )
    clock = HandClock()
    alerts = (alert("a1", "cam-01", 0, 20, ack_s=12, by="ana"), alert("a2", "cam-02", 5, 9))
    return IncidentReplay(session, history(*alerts), clock), clock


def make_list(qtbot):
    replay, clock = make_replay()
    view = ReplayAlarmList(replay, NAMES.__getitem__)
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    return replay, clock, view


def cell(view, row: int, col: int) -> str:
    return view.table.item(row, col).text()


def test_the_replay_list_says_plainly_that_it_is_not_live(qtbot):
    _replay, _clock, view = make_list(qtbot)
    assert view.band.text() == BAND_TEXT and view.band.isVisible()
    assert "REPLAY" in BAND_TEXT and "not live" in BAND_TEXT
    assert view.windowTitle() == DOCK_TITLE == "Replay alarms — training"
    assert "background" in view.styleSheet()  # a tint of its own
    assert view.table.rowCount() == 0


def test_re_fired_alerts_are_listed_and_enter_or_a_acknowledges_as_the_trainee(qtbot):
    replay, clock, view = make_list(qtbot)
    clock.move(6)
    assert view.table.rowCount() == 2  # refreshed on `changed`
    assert cell(view, 0, ALERT) == shown("Person") + " (replaying)"
    assert cell(view, 1, ORIGINAL) == f"by {shown('ana')} after 12 s"
    assert cell(view, 0, ORIGINAL) == "nobody"
    assert view.select("a1")
    clock.move(9)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert replay.trainee_ack("a1") is not None and replay.trainee_ack("a1").delay_s == 9
    assert cell(view, 1, TRAINEE) == "after 9 s"
    assert view.selected_id() == "a1"  # kept selected across the refresh
    assert view.select("a2")
    clock.move(10)
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    assert replay.trainee_ack("a2").delay_s == 5
    assert "2 acknowledged by the trainee" in view.status.text()
    assert "incomplete" not in view.status.text()


def test_an_incomplete_history_is_said_in_the_list(qtbot):
    session = IncidentSession("inc-2", "Gate", ("cam-01",), at(0), at(60))
    partial = replace(history(alert("a1", "cam-01", 0, 5)), more=True)
    replay = IncidentReplay(session, partial, HandClock())
    view = ReplayAlarmList(replay, NAMES.__getitem__)
    qtbot.addWidget(view)
    assert replay.incomplete and "some alerts may be missing" in view.status.text()


def test_the_panel_adds_removes_and_seeks_to_pause_points(qtbot):
    replay, clock = make_replay()
    panel = IncidentPanel(replay.session, clock, NAMES.__getitem__)
    qtbot.addWidget(panel)
    panel.show()
    changed, seeks, saves = [], [], []
    panel.session_changed.connect(changed.append)
    panel.session_changed.connect(replay.set_session)
    panel.seek_requested.connect(seeks.append)
    panel.save_requested.connect(saves.append)
    assert "Van at the gate" in panel.heading.text() and "Fence" in panel.heading.text()

    assert panel.add_pause_point("no position yet") is None
    clock.move(20)
    point = panel.add_pause_point("Who saw the van?")
    assert point == PausePoint(at(20), "Who saw the van?")
    assert changed[-1].pause_points == (point,) and panel.points.count() == 1
    assert "Who saw the van?" in panel.points.item(0).text()
    clock.move(90)  # past the end: refused in plain words
    assert panel.add_pause_point("late") is None
    assert "outside the replay" in panel.status.text()

    panel.points.setCurrentRow(0)
    qtbot.keyClick(panel.points, Qt.Key.Key_Return)
    assert seeks == [at(20)]
    clock.move(0)  # the trainer went back: the new pause point stops the replay once
    clock.move(21)
    assert clock.paused == 1

    panel.notes.setPlainText("Debrief: gate left open")
    assert panel.session.notes == "Debrief: gate left open"
    panel.save_button.click()
    assert saves[-1].notes == "Debrief: gate left open" and saves[-1].pause_points == (point,)

    panel.points.setCurrentRow(0)
    qtbot.keyClick(panel.points, Qt.Key.Key_Delete)
    assert panel.session.pause_points == () and panel.points.count() == 0


def test_the_panel_asks_for_file_work_and_shows_an_opened_session(qtbot):
    replay, clock = make_replay(PausePoint(at(3), "first"))
    panel = IncidentPanel(replay.session, clock, NAMES.__getitem__)
    qtbot.addWidget(panel)
    exports, opens = [], []
    panel.export_requested.connect(exports.append)
    panel.open_requested.connect(lambda: opens.append(True))
    panel.export_button.click()
    panel.open_button.click()
    assert exports == [replay.session] and opens == [True]
    other = replay.session.with_notes("from another console").without_pause_point(at(3))
    panel.set_session(other)
    assert panel.notes.toPlainText() == "from another console" and panel.points.count() == 0


def test_the_summary_dialog_lists_the_re_fired_alerts(qtbot):
    replay, clock = make_replay()
    clock.move(10)
    replay.acknowledge("a1")
    dialog = ReplaySummaryDialog(replay.summary(), replay.session, NAMES.__getitem__)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    rows = [
        [dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
        for r in range(2)
    ]
    assert rows[0][1:] == [
        shown("Gate"),
        shown("Person"),
        f"{shown('ana')} after 12 s",
        "after 10 s",
        "faster by 2 s",
    ]
    assert rows[1][-1] == "missed"
    text = dialog.text.toPlainText()
    assert text.startswith("Acknowledged 1 of 2 re-fired alerts.")
    assert "Fence" in text
