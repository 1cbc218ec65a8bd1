"""The alarm list: batched updates, filters, sorting, and the keyboard (N, Enter)."""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import Qt

from console.alerts.book import AlarmBook
from console.hub.models import AlarmState, AlertChange, AlertPriority
from tests.console.alerts.alertdata import acknowledged, make_alert
from tests.support.minimal_client import MinimalClient
from widgets.alarms.alarm_list import MAX_ROWS_PER_FLUSH, PRIORITY, AlarmListPanel
from widgets.common.hub_text import shown

LOW, MEDIUM, HIGH, CRITICAL = (
    AlertPriority.LOW,
    AlertPriority.MEDIUM,
    AlertPriority.HIGH,
    AlertPriority.CRITICAL,
)


def make_panel(qtbot):
    book = AlarmBook(client=MinimalClient())  # fed by hand; acks are e2e-tested
    opened = []
    panel = AlarmListPanel(book, lambda c: f"Camera {c}", opened.append)
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    return book, panel, opened


def visible_ids(panel) -> list[str]:
    proxy = panel.proxy
    return [
        proxy.data(proxy.index(r, 0), Qt.ItemDataRole.UserRole + 2).id
        for r in range(proxy.rowCount())
    ]


def test_a_burst_reaches_the_table_in_a_few_batches_not_row_by_row(qtbot):
    book, panel, _ = make_panel(qtbot)
    inserts = []
    panel.model.rowsInserted.connect(lambda _p, a, b: inserts.append(b - a + 1))
    for i in range(1000):
        book.apply(make_alert(f"a{i}", f"cam-{i % 16:02d}", HIGH), AlertChange.RAISED)
    assert panel.model.rowCount() == 0  # nothing yet: the batch waits for the next refresh
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1000)
    # Batched (one insertion per refresh), and no batch so big that one flush stalls the GUI.
    assert sum(inserts) == 1000
    assert max(inserts) == MAX_ROWS_PER_FLUSH
    assert len(inserts) == panel.model.flushes == -(-1000 // MAX_ROWS_PER_FLUSH)
    assert "1000 new" in panel.summary.text()


def test_changed_rows_are_signalled_as_runs_not_one_span_over_the_rows_between(qtbot):
    book, panel, _ = make_panel(qtbot)
    alerts = [make_alert(f"a{i}", "cam-01", HIGH) for i in range(100)]
    for alert in alerts:
        book.apply(alert, AlertChange.RAISED)
    panel.model.flush(limit=None)
    spans = []
    panel.model.dataChanged.connect(lambda a, b, _roles=(): spans.append((a.row(), b.row())))
    for i in (0, 1, 2, 50, 99):
        book.apply(acknowledged(alerts[i], 5), AlertChange.ACKNOWLEDGED)
    panel.model.flush()
    assert spans == [(0, 2), (50, 50), (99, 99)]


def test_filters_by_priority_state_and_camera_and_sorts_by_priority(qtbot):
    book, panel, _ = make_panel(qtbot)
    book.apply(make_alert("low", "cam-01", LOW, started_s=1), AlertChange.RAISED)
    book.apply(make_alert("crit", "cam-02", CRITICAL, started_s=2), AlertChange.RAISED)
    book.apply(make_alert("med", "cam-01", MEDIUM, started_s=3), AlertChange.RAISED)
    done = acknowledged(make_alert("done", "cam-03", HIGH, started_s=4), 7, note="guard sent")
    book.apply(done, AlertChange.RAISED)
    from dataclasses import replace

    closed = replace(make_alert("closed", "cam-03", HIGH, started_s=5), state=AlarmState.CLOSED)
    book.apply(closed, AlertChange.RAISED)
    panel.model.flush()
    assert set(visible_ids(panel)) == {"low", "crit", "med", "done"}  # open ones by default
    panel.priority_box.setCurrentIndex(2)  # High+
    assert set(visible_ids(panel)) == {"crit", "done"}
    panel.priority_box.setCurrentIndex(0)
    panel.state_box.setCurrentText("New")
    assert set(visible_ids(panel)) == {"low", "crit", "med"}
    panel.state_box.setCurrentText("Closed")
    assert visible_ids(panel) == ["closed"]
    panel.state_box.setCurrentText("All")
    panel.set_cameras([("cam-01", "Camera 1"), ("cam-03", "Camera 3")])
    panel.camera_box.setCurrentIndex(1)
    assert set(visible_ids(panel)) == {"low", "med"}
    panel.camera_box.setCurrentIndex(0)
    panel.table.sortByColumn(PRIORITY, Qt.SortOrder.DescendingOrder)
    assert visible_ids(panel)[0] == "crit" and visible_ids(panel)[-1] == "low"
    # The operator's name is hub text: shown in a bidi isolate (issue 12).
    assert panel.model.data(panel.model.index(3, 5)).startswith(shown("ana") + " ")
    assert "guard sent" in panel.model.data(panel.model.index(3, 5))


def test_n_goes_to_the_most_urgent_new_alarm_and_shows_its_camera_enter_shows_the_selected(
    qtbot,
):
    book, panel, opened = make_panel(qtbot)
    crit = make_alert("crit", "cam-09", CRITICAL, started_s=2)
    book.apply(make_alert("high", "cam-05", HIGH, started_s=1), AlertChange.RAISED)
    book.apply(crit, AlertChange.RAISED)
    panel.model.flush()
    panel.table.setFocus()
    panel.select("high")
    # N goes to the most urgent new alarm whichever row is selected (issue 14: it went to the
    # row after the selected one), and stays there while that alarm is new.
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    assert panel.selected().id == "crit" and opened[-1].id == "crit"
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    assert panel.selected().id == "crit"
    book.apply(acknowledged(crit, 9), AlertChange.ACKNOWLEDGED)
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    assert panel.selected().id == "high" and opened[-1].camera_id == "cam-05"
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert len(opened) == 4 and opened[-1].id == "high"
    assert panel.replay_panel is None  # no replay given: the list alone


def test_tab_leaves_the_table(qtbot):
    book, panel, _ = make_panel(qtbot)
    for i in range(3):
        book.apply(make_alert(f"a{i}", "cam-01", HIGH), AlertChange.RAISED)
    panel.model.flush()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    panel.select("a0")
    qtbot.keyClick(panel.table, Qt.Key.Key_Tab)
    assert not panel.table.hasFocus()  # it walked cell by cell inside and never left


def test_c_closes_after_a_pause_that_ctrl_z_can_take_back(qtbot, qloop, monkeypatch):
    monkeypatch.setattr("widgets.alarms.alarm_list.CLOSE_UNDO_S", 0.3)
    book, panel, _ = make_panel(qtbot)
    closed = closes_recorded(book, monkeypatch)
    book.apply(make_alert("a1", "cam-01", HIGH), AlertChange.RAISED)
    book.apply(make_alert("a2", "cam-02", HIGH), AlertChange.RAISED)
    panel.model.flush()
    panel.table.setFocus()
    panel.select("a1")
    qtbot.keyClick(panel.table, Qt.Key.Key_C)
    assert panel.closing() == ["a1"] and panel.undo_button.isVisible()
    assert "Ctrl+Z" in panel.detail.text()
    qtbot.keyClick(panel.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.closing() == [] and not panel.undo_button.isVisible()
    assert "Not closed" in panel.detail.text()
    panel.select("a2")
    qtbot.keyClick(panel.table, Qt.Key.Key_C)
    qloop.run_until_complete(until(lambda: closed == ["a2"]))  # after the pause, to the hub
    assert panel.closing() == [] and closed == ["a2"]


def closes_recorded(book, monkeypatch) -> list[str]:
    """The ids the book is asked to close, in order (the hub is not what is tested here)."""
    closed: list[str] = []

    async def close(alert_id: str, note: str = ""):
        closed.append(alert_id)

    monkeypatch.setattr(book, "close", close)
    return closed


async def until(predicate, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_a_close_still_waiting_goes_to_the_hub_at_shutdown(qtbot, qloop, monkeypatch):
    book, panel, _ = make_panel(qtbot)
    closed = closes_recorded(book, monkeypatch)
    book.apply(make_alert("a1", "cam-01", HIGH), AlertChange.RAISED)
    panel.model.flush()
    panel.select("a1")
    panel.close_selected(ask_note=False)
    qloop.run_until_complete(panel.aclose())
    assert closed == ["a1"]
