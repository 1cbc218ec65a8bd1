"""The replay alarm list: the alerts an incident replay re-fired, for a trainee to acknowledge.

It must never be taken for the live alarm list: a coloured band across its top reads
"REPLAY · not live · nothing here goes to the hub", its background has a tint of its own, and
its dock is titled "Replay alarms — training" (`DOCK_TITLE`). It reads an `IncidentReplay`
alone, never the live alarm book; acknowledging here (Enter or A) is the trainee's, kept in the
replay and timed against the original operators'.

Columns: the alert's offset from the start of the replay, the camera, the alert, how the original
operators acknowledged it ("by ana after 12 s") and the trainee's acknowledgement. The list is
rebuilt on the replay's `changed` (a replay re-fires a handful of alerts, not thousands).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.incident.replay import IncidentReplay, ReplayEntry, seconds_text
from widgets.alarms.alarm_list import set_up_alarm_table
from widgets.alarms.alert_overlay import alert_colour
from widgets.common import theme
from widgets.common.hub_text import shown

DOCK_TITLE = "Replay alarms — training"
BAND_TEXT = "REPLAY · not live · nothing here goes to the hub"
# The replay's own colours: violet, a colour no alarm priority and no live state uses.
REPLAY_COLOUR = QColor(150, 90, 210)
REPLAY_TINT = theme.tint(REPLAY_COLOUR, 0.18)

COLUMNS = ("Offset", "Camera", "Alert", "Original ack", "Trainee ack")
OFFSET, CAMERA, ALERT, ORIGINAL, TRAINEE = range(len(COLUMNS))
COLUMN_WIDTHS = (70, 140, 170, 160)
ALERT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def offset_text(seconds: float) -> str:
    """Seconds from the start of the replay as "+1:05"."""
    whole = max(0, round(seconds))
    return f"+{whole // 60}:{whole % 60:02d}"


def original_text(entry: ReplayEntry) -> str:
    if entry.original is None:
        return "nobody"
    return f"by {shown(entry.original.by)} after {seconds_text(entry.original.delay_s)}"


def trainee_text(entry: ReplayEntry) -> str:
    if entry.trainee is None:
        return "—"
    return f"after {seconds_text(entry.trainee.delay_s)}"


class _Table(QTableWidget):
    def __init__(self, owner: ReplayAlarmList) -> None:
        super().__init__(0, len(COLUMNS), owner)
        self._owner = owner

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_A):
            self._owner.acknowledge_selected()
        else:
            super().keyPressEvent(event)


class ReplayAlarmList(QWidget):
    """The replay's re-fired alerts, newest first, marked unmistakably as a replay."""

    def __init__(
        self,
        replay: IncidentReplay,
        camera_name: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.replay = replay
        self.camera_name = camera_name
        self.setObjectName("replayAlarmList")
        self.setWindowTitle(DOCK_TITLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"QWidget#replayAlarmList {{ background: {REPLAY_TINT.name()}; }}"
            f"QLabel#replayBand {{ background: {REPLAY_COLOUR.name()}; color: white;"
            " font-weight: bold; padding: 4px; }"
            f"QTableWidget {{ background: {REPLAY_TINT.name()}; }}"
        )
        self.band = QLabel(BAND_TEXT, self)
        self.band.setObjectName("replayBand")
        self.band.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.band.setToolTip(
            "These alerts are replayed from the recordings for training. They are not live "
            "alarms, and acknowledging them here tells nobody."
        )

        self.table = _Table(self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        set_up_alarm_table(self.table, COLUMN_WIDTHS)
        self.table.setToolTip("Enter or A: acknowledge the selected alert as the trainee")
        self.table.doubleClicked.connect(lambda _i: self.acknowledge_selected())

        self.ack_button = QPushButton("Acknowledge (A)", self)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.status = QLabel(self)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 4)
        column.addWidget(self.band)
        column.addWidget(self.table, 1)
        column.addWidget(self.ack_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.status)

        replay.changed.connect(self.refresh)
        self.refresh()

    def close_replay(self) -> None:
        """Stop following the replay (before it is dropped)."""
        self.replay.changed.disconnect(self.refresh)

    def refresh(self) -> None:
        """Rebuild the rows from the replay, keeping the selected alert selected."""
        keep = self.selected_id()
        entries = self.replay.entries()
        self.table.setRowCount(len(entries))
        current = -1
        for row, entry in enumerate(entries):
            alert = entry.alert
            texts = (
                offset_text(entry.offset_s),
                shown(self.camera_name(alert.camera_id)),
                shown(alert.title) + (" (replaying)" if entry.active else ""),
                original_text(entry),
                trainee_text(entry),
            )
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(ALERT_ID_ROLE, alert.id)
                if col == ALERT:
                    item.setForeground(alert_colour(alert.priority))
                    item.setToolTip(alert.priority.title)
                self.table.setItem(row, col, item)
            if entry.alert.id == keep:
                current = row
        if current >= 0:
            self.table.setCurrentCell(current, 0)
        else:
            self.table.setCurrentCell(-1, -1)
        acked = sum(1 for e in entries if e.trainee is not None)
        text = f"{len(entries)} re-fired · {acked} acknowledged by the trainee"
        if self.replay.incomplete:
            text += " · the hub's history of this span is incomplete: some alerts may be missing"
        self.status.setText(text)

    def selected_id(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        value = item.data(ALERT_ID_ROLE) if item is not None else None
        return value if isinstance(value, str) else None

    def select(self, alert_id: str) -> bool:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(ALERT_ID_ROLE) == alert_id:
                self.table.setCurrentCell(row, 0)
                return True
        return False

    def acknowledge_selected(self) -> None:
        """The trainee acknowledges the selected alert (in the replay only)."""
        alert_id = self.selected_id()
        if alert_id is None:
            return
        if self.replay.acknowledge(alert_id) is None:
            self.status.setText("Cannot acknowledge: the replay has no position yet.")
