"""The end of a replay: how the trainee's acknowledgements compare with the original operators'.

A table of the re-fired alerts (offset, camera, alert, original, trainee, the difference) and the
summary in plain words (`ReplaySummary.lines`), marked as a replay like the replay alarm list.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.incident.model import IncidentSession
from console.incident.replay import ReplaySummary, SummaryRow, seconds_text
from widgets.alarms.alert_overlay import alert_colour
from widgets.common import theme
from widgets.common.hub_text import shown
from widgets.incident.replay_alarm_list import REPLAY_COLOUR, offset_text

COLUMNS = ("Offset", "Camera", "Alert", "Original", "Trainee", "Result")
OFFSET, CAMERA, ALERT, ORIGINAL, TRAINEE, RESULT = range(len(COLUMNS))


def _original(row: SummaryRow) -> str:
    if row.original is None:
        return "nobody"
    return f"{shown(row.original.by)} after {seconds_text(row.original.delay_s)}"


def _trainee(row: SummaryRow) -> str:
    return "—" if row.trainee is None else f"after {seconds_text(row.trainee.delay_s)}"


class ReplaySummaryDialog(QDialog):
    """The summary of one replay."""

    def __init__(
        self,
        summary: ReplaySummary,
        session: IncidentSession,
        camera_name: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.summary = summary
        self.setWindowTitle("Replay summary — training")
        band = QLabel("REPLAY · how the trainee compares with the original operators", self)
        band.setObjectName("replayBand")
        band.setAlignment(Qt.AlignmentFlag.AlignCenter)
        band.setStyleSheet(
            f"background: {REPLAY_COLOUR.name()}; color: white; font-weight: bold; padding: 4px;"
        )
        title = QLabel(shown(session.title), self)
        title.setTextFormat(Qt.TextFormat.PlainText)

        self.table = QTableWidget(len(summary.rows), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, row in enumerate(summary.rows):
            alert = row.alert
            texts = (
                offset_text(session.offset_s(alert.started)),
                shown(camera_name(alert.camera_id)),
                shown(alert.title),
                _original(row),
                _trainee(row),
                row.verdict(),
            )
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col == ALERT:
                    item.setForeground(alert_colour(alert.priority))
                if col == RESULT and row.missed:
                    item.setForeground(theme.ALARM)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()

        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText("\n".join(summary.lines(camera_name, quote=shown)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addWidget(band)
        column.addWidget(title)
        column.addWidget(self.table, 2)
        column.addWidget(self.text, 1)
        column.addWidget(buttons)
        self.resize(720, 420)
