"""The trainer's incident panel: what the session is, its pause points and notes, and saving.

Shows the session's title, span and cameras; lists its pause points (P or "Add pause point"
adds one at the replay clock's position with a note; Delete removes the selected one; Enter or
a double-click asks to seek there through `seek_requested(datetime)`); and keeps the notes.
Every edit makes a new `IncidentSession`, announced by `session_changed(session)` (the owner
hands it to the replay, `IncidentReplay.set_session`).

Save, Save as file (to hand the session to another console) and Open only emit
`save_requested(session)`, `export_requested(session)` and `open_requested()`: the owner does
the file I/O (`console.incident.store`) off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.incident.model import IncidentSession, PausePoint
from console.incident.replay import ReplayClock
from widgets.common.hub_text import shown, shown_html
from widgets.incident.replay_alarm_list import offset_text

POINT_ROLE = Qt.ItemDataRole.UserRole + 1


def local_time(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")


class _PointList(QListWidget):
    def __init__(self, panel: IncidentPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._panel.remove_selected_pause_point()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._panel.seek_to_selected()
        elif key == Qt.Key.Key_P:
            self._panel.add_pause_point()
        else:
            super().keyPressEvent(event)


class IncidentPanel(QWidget):
    """One incident session as the trainer edits it during a replay."""

    session_changed = Signal(object)  # IncidentSession
    seek_requested = Signal(object)  # datetime
    save_requested = Signal(object)  # IncidentSession
    export_requested = Signal(object)  # IncidentSession
    open_requested = Signal()

    def __init__(
        self,
        session: IncidentSession,
        clock: ReplayClock,
        camera_name: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.camera_name = camera_name
        self._session = session
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.points = _PointList(self)
        self.points.setToolTip("P add at the replay's position · Delete remove · Enter go there")
        self.points.itemActivated.connect(lambda _item: self.seek_to_selected())
        self.add_button = QPushButton("Add pause point (P)", self)
        self.add_button.clicked.connect(self._add_asked)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected_pause_point)
        point_buttons = QHBoxLayout()
        point_buttons.addWidget(self.add_button)
        point_buttons.addWidget(self.remove_button)
        point_buttons.addStretch(1)
        self.notes = QPlainTextEdit(self)
        self.notes.setPlaceholderText("Notes for the debrief")
        self.notes.textChanged.connect(self._on_notes)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save", self)
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self._session))
        self.export_button = QPushButton("Save as file…", self)
        self.export_button.setToolTip("Write the session to a file to hand it to another console")
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self._session))
        self.open_button = QPushButton("Open…", self)
        self.open_button.clicked.connect(self.open_requested.emit)
        file_buttons = QHBoxLayout()
        for button in (self.save_button, self.export_button, self.open_button):
            file_buttons.addWidget(button)
        file_buttons.addStretch(1)

        column = QVBoxLayout(self)
        column.addWidget(self.heading)
        column.addWidget(QLabel("Pause points", self))
        column.addWidget(self.points, 1)
        column.addLayout(point_buttons)
        column.addWidget(QLabel("Notes", self))
        column.addWidget(self.notes, 1)
        column.addLayout(file_buttons)
        column.addWidget(self.status)
        self.set_session(session)

    # -- the session -----------------------------------------------------------------------------
    @property
    def session(self) -> IncidentSession:
        return self._session

    def set_session(self, session: IncidentSession) -> None:
        """Show another session (one just opened); does not emit `session_changed`."""
        self._session = session
        cameras = ", ".join(shown_html(self.camera_name(c)) for c in session.camera_ids)
        self.heading.setText(
            f"<b>{shown_html(session.title)}</b><br>"
            f"{session.start.astimezone():%Y-%m-%d %H:%M:%S} to {local_time(session.end)}"
            f" · from {session.lead_in_s:g} s before<br>{cameras}"
        )
        if self.notes.toPlainText() != session.notes:
            self.notes.blockSignals(True)
            self.notes.setPlainText(session.notes)
            self.notes.blockSignals(False)
        self._fill_points()

    def _change(self, session: IncidentSession) -> None:
        self._session = session
        self._fill_points()
        self.session_changed.emit(session)

    def _fill_points(self, select: datetime | None = None) -> None:
        self.points.clear()
        for point in self._session.pause_points:
            note = f" · {shown(point.note)}" if point.note else ""
            item = QListWidgetItem(
                f"{offset_text(self._session.offset_s(point.at))}  {local_time(point.at)}{note}"
            )
            item.setData(POINT_ROLE, point)
            self.points.addItem(item)
            if point.at == select:
                self.points.setCurrentItem(item)

    def _on_notes(self) -> None:
        try:
            self._session = self._session.with_notes(self.notes.toPlainText())
        except ValueError as e:
            self.status.setText(str(e))
            return
        self.session_changed.emit(self._session)

    # -- pause points ----------------------------------------------------------------------------
    def add_pause_point(self, note: str | None = None) -> PausePoint | None:
        """A pause point at the clock's position, with `note` (None: ask for one)."""
        position = self.clock.position()
        if position is None:
            self.status.setText("The replay has no position yet: play or seek first.")
            return None
        if note is None:
            text, accepted = QInputDialog.getText(
                self, "Pause point", f"Note for the pause at {local_time(position)}:"
            )
            if not accepted:
                return None
            note = text.strip()
        try:
            session = self._session.with_pause_point(position, note)
        except ValueError as e:
            self.status.setText(f"No pause point added: {e}.")
            return None
        self._change(session)
        self._fill_points(select=position)
        self.status.setText(f"Pause point added at {local_time(position)}.")
        return next(p for p in session.pause_points if p.at == position)

    def _add_asked(self) -> None:
        self.add_pause_point()  # `clicked` passes `checked`, not a note

    def selected_pause_point(self) -> PausePoint | None:
        item = self.points.currentItem()
        point = item.data(POINT_ROLE) if item is not None else None
        return point if isinstance(point, PausePoint) else None

    def remove_selected_pause_point(self) -> None:
        point = self.selected_pause_point()
        if point is None:
            return
        self._change(self._session.without_pause_point(point))
        self.status.setText(f"Pause point at {local_time(point.at)} removed.")

    def seek_to_selected(self) -> None:
        point = self.selected_pause_point()
        if point is not None:
            self.seek_requested.emit(point.at)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_P and not self.notes.hasFocus():
            self.add_pause_point()
        else:
            super().keyPressEvent(event)
