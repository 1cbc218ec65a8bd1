"""Go to a time (issue 16, section 2): a date and time typed to the second, or a day picked on a
calendar, in local time; the answer is an aware UTC datetime. Typing starts at the year and
moves on by itself section by section (Tab / arrows move too, Up / Down step a section).

The typed time and the calendar are kept in step. A time outside what is recorded
([earliest, latest], either end may be open) is not clamped: the dialog says in plain words how
far the recordings reach and OK stays disabled until the time is within them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QCalendarWidget,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.common import theme

DISPLAY_FORMAT = "yyyy-MM-dd HH:mm:ss"
TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"


def _to_qt(t: datetime) -> QDateTime:
    """An aware datetime as a local QDateTime (whole seconds)."""
    return QDateTime.fromSecsSinceEpoch(int(t.timestamp()))


def _from_qt(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def _local(t: datetime) -> str:
    return t.astimezone().strftime(TEXT_FORMAT)


def reach_text(earliest: datetime | None, latest: datetime | None) -> str:
    """How far the recordings reach, in plain words."""
    if earliest is not None and latest is not None:
        return f"Recordings reach from {_local(earliest)} to {_local(latest)}."
    if earliest is not None:
        return f"Recordings start at {_local(earliest)}."
    if latest is not None:
        return f"Recordings reach up to {_local(latest)}."
    return ""


class GoToTimeDialog(QDialog):
    """A date and time to go to: typed (yyyy-MM-dd HH:mm:ss) or from the calendar."""

    def __init__(
        self,
        parent: QWidget | None,
        initial: datetime,
        earliest: datetime | None = None,
        latest: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Go to time")
        self._earliest = earliest
        self._latest = latest
        self.edit = QDateTimeEdit(self)
        self.edit.setDisplayFormat(DISPLAY_FORMAT)
        self.edit.setAccessibleName("Date and time to go to")
        self.calendar = QCalendarWidget(self)
        self.calendar.setGridVisible(True)
        self.reach = QLabel(self)
        self.reach.setWordWrap(True)
        self.reach.setStyleSheet(f"color: {theme.WARN.name()}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Go to (local time):", self))
        layout.addWidget(self.edit)
        layout.addWidget(self.calendar)
        layout.addWidget(self.reach)
        layout.addWidget(self.buttons)
        self.edit.dateTimeChanged.connect(self._edit_changed)
        self.calendar.selectionChanged.connect(self._calendar_changed)
        self.edit.setDateTime(_to_qt(initial))
        self._edit_changed(self.edit.dateTime())
        self.edit.setFocus()
        # Typing starts at the year; the sections advance by themselves as each is filled, so
        # "20261207094507" (or the digits of any section after Tab) is a whole time.
        self.edit.setCurrentSectionIndex(0)
        self.edit.setSelectedSection(QDateTimeEdit.Section.YearSection)

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def chosen(self) -> datetime:
        """The time entered, aware UTC."""
        return _from_qt(self.edit.dateTime())

    def within_reach(self) -> bool:
        t = self.chosen()
        return (self._earliest is None or t >= self._earliest.replace(microsecond=0)) and (
            self._latest is None or t <= self._latest
        )

    def _edit_changed(self, value: QDateTime) -> None:
        date: QDate = value.date()
        if self.calendar.selectedDate() != date:
            self.calendar.blockSignals(True)
            self.calendar.setSelectedDate(date)
            self.calendar.blockSignals(False)
        inside = self.within_reach()
        self.reach.setText("" if inside else reach_text(self._earliest, self._latest))
        self.reach.setVisible(not inside)
        self.ok_button().setEnabled(inside)

    def _calendar_changed(self) -> None:
        time: QTime = self.edit.time()
        self.edit.setDateTime(QDateTime(self.calendar.selectedDate(), time))

    @staticmethod
    def ask(
        parent: QWidget | None,
        initial: datetime,
        earliest: datetime | None,
        latest: datetime | None,
    ) -> datetime | None:
        """Ask for a time (modal); the aware UTC time chosen, or None when cancelled."""
        dialog = GoToTimeDialog(parent, initial, earliest, latest)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.within_reach():
                return dialog.chosen()
            return None
        finally:
            dialog.deleteLater()


__all__ = ["DISPLAY_FORMAT", "GoToTimeDialog", "reach_text"]
