"""Go to a time offscreen: typed in local time and answered in UTC, the calendar in step with
the typed date, and a time outside the recordings refused in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from widgets.playback.go_to_time import DISPLAY_FORMAT, GoToTimeDialog, reach_text

INITIAL = datetime(2026, 12, 7, 9, 30, 15, 400000, tzinfo=UTC)
EARLIEST = datetime(2026, 12, 7, 8, 0, 0, 250000, tzinfo=UTC)
LATEST = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def dialog(qtbot) -> GoToTimeDialog:
    widget = GoToTimeDialog(None, INITIAL, EARLIEST, LATEST)
    qtbot.addWidget(widget)
    return widget


def local_qt(t: datetime) -> QDateTime:
    local = t.astimezone()
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second)
    )


def test_it_opens_on_the_initial_time_in_local_time_to_the_second(dialog):
    assert dialog.edit.displayFormat() == DISPLAY_FORMAT
    shown = INITIAL.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert dialog.edit.text() == shown
    assert dialog.chosen() == INITIAL.replace(microsecond=0)
    assert dialog.chosen().tzinfo == UTC
    assert dialog.ok_button().isEnabled() and dialog.reach.isHidden()
    assert dialog.calendar.selectedDate() == dialog.edit.date()


def test_a_typed_time_is_answered_in_utc(dialog, qtbot):
    wanted = datetime(2026, 12, 7, 9, 45, 7, tzinfo=UTC)
    dialog.show()
    dialog.edit.setFocus()
    # the digits alone: each section moves on to the next when it is full
    qtbot.keyClicks(dialog.edit, wanted.astimezone().strftime("%Y%m%d%H%M%S"))
    assert dialog.chosen() == wanted
    assert dialog.ok_button().isEnabled()


def test_the_calendar_and_the_typed_date_keep_in_step(dialog):
    dialog.edit.setDateTime(local_qt(INITIAL + timedelta(days=1)))
    assert dialog.calendar.selectedDate() == dialog.edit.date()
    time_before = dialog.edit.time()
    dialog.calendar.setSelectedDate(dialog.edit.date().addDays(-1))
    assert dialog.edit.date() == dialog.calendar.selectedDate()
    assert dialog.edit.time() == time_before  # picking a day keeps the time of day
    assert dialog.chosen() == INITIAL.replace(microsecond=0)


def test_a_time_outside_the_recordings_is_refused_in_plain_words(dialog):
    dialog.edit.setDateTime(local_qt(LATEST + timedelta(minutes=5)))
    assert not dialog.ok_button().isEnabled()
    assert not dialog.reach.isHidden()
    assert dialog.reach.text().startswith("Recordings reach from ")
    assert EARLIEST.astimezone().strftime("%H:%M:%S") in dialog.reach.text()
    dialog.edit.setDateTime(local_qt(EARLIEST - timedelta(seconds=1)))
    assert not dialog.ok_button().isEnabled()
    dialog.edit.setDateTime(local_qt(EARLIEST))  # the earliest second itself is fine
    assert dialog.ok_button().isEnabled() and dialog.reach.isHidden()


def test_reach_in_words_with_open_ends():
    assert reach_text(EARLIEST, None).startswith("Recordings start at ")
    assert reach_text(None, LATEST).startswith("Recordings reach up to ")
    assert reach_text(None, None) == ""


def finish_dialog(accept: bool) -> None:
    def finish() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, GoToTimeDialog)
        if accept:
            dialog.edit.setDateTime(local_qt(INITIAL + timedelta(minutes=1)))
            dialog.accept()
        else:
            dialog.reject()

    QTimer.singleShot(0, finish)


def test_ask_answers_utc_or_none_when_cancelled(qtbot):
    finish_dialog(accept=True)
    assert GoToTimeDialog.ask(None, INITIAL, EARLIEST, LATEST) == datetime(
        2026, 12, 7, 9, 31, 15, tzinfo=UTC
    )
    finish_dialog(accept=False)
    assert GoToTimeDialog.ask(None, INITIAL, None, None) is None


def test_enter_on_a_refused_time_does_not_accept(dialog, qtbot):
    dialog.edit.setDateTime(local_qt(LATEST + timedelta(hours=1)))
    dialog.show()
    dialog.edit.setFocus()
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert dialog.result() != QDialog.DialogCode.Accepted
