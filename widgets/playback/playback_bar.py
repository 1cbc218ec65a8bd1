"""The strip under a wall in playback: the transport (speed, pause, steps, go to a time, back to
live) and the timeline of the wall's cameras (recorded spans, alerts, bookmarks).

It shows a `PlaybackSession` and sends it the operator's commands; the keys on the wall (J K L,
arrows, ...) are the wall view's (`widgets.wall.wall_view`) and reach the same session. The
timeline's data is loaded for the visible range (`load_timeline`) when the range changes and
every `RELOAD_S` while playing, as a task: nothing blocks the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import TaskOwner
from console.hub.base import HubClient
from console.playback.session import PlaybackSession, PlaybackState
from console.playback.timeline_data import TimelineData, TimelineMark, load_timeline
from console.playback.wall_playback import speed_text
from widgets.common import theme
from widgets.playback.go_to_time import GoToTimeDialog
from widgets.playback.timeline_view import TimelineView

log = logging.getLogger(__name__)

POSITION_REFRESH_MS = 100  # the time label and the timeline's cursor, at most this often
RELOAD_S = 10.0  # the timeline's spans grow with the present: loaded again this often
INITIAL_RANGE = timedelta(minutes=10)


def _speed_text(state: PlaybackState) -> str:
    if state.paused:
        return "Paused"
    return ("◀ " if state.reverse else "▶ ") + speed_text(state.speed)


class PlaybackBar(QWidget):
    """Signals: `live_requested()` (the operator wants the wall live again)."""

    live_requested = Signal()

    def __init__(
        self,
        client: HubClient,
        cameras: Callable[[], Sequence[tuple[str, str]]],
        parent: QWidget | None = None,
    ) -> None:
        """`cameras`: the wall's cameras now, as (camera id, name)."""
        super().__init__(parent)
        self.setObjectName("playback-bar")
        self._client = client
        self._cameras = cameras
        self._session: PlaybackSession | None = None
        self._tasks = TaskOwner("playback-bar")
        self._load: asyncio.Task[None] | None = None
        self._loaded_at = 0.0
        self._extra_marks: tuple[TimelineMark, ...] = ()
        self._position: datetime | None = None
        self._build_transport()
        self.timeline = TimelineView(self)
        self.timeline.seek_requested.connect(self._seek)
        self.timeline.range_changed.connect(lambda _s, _e: self.reload())
        self.timeline.go_to_requested.connect(self.go_to)
        self.timeline.set_follow(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(self._transport_row())
        box.addWidget(self.timeline)
        self._refresh = QTimer(self)
        self._refresh.setInterval(POSITION_REFRESH_MS)
        self._refresh.timeout.connect(self._show_position)

    def _build_transport(self) -> None:
        self.live_button = QPushButton("● Live", self)
        self.live_button.setToolTip("Back to live video (Ctrl+L)")
        self.live_button.clicked.connect(self.live_requested.emit)
        self.reverse_button = QPushButton("◀ J", self)
        self.reverse_button.setToolTip("Play backwards; again: faster (J)")
        self.pause_button = QPushButton("❚❚ K", self)
        self.pause_button.setToolTip("Pause or play (K or Space)")
        self.forward_button = QPushButton("▶ L", self)
        self.forward_button.setToolTip("Play forwards; again: faster (L)")
        self.back_frame = QPushButton("◀|", self)
        self.back_frame.setToolTip("One picture back (Left)")
        self.next_frame = QPushButton("|▶", self)
        self.next_frame.setToolTip("One picture on (Right)")
        self.go_button = QPushButton("Go to…", self)
        self.go_button.setToolTip("Go to a time, typed or from a calendar (Ctrl+G)")
        self.speed_label = QLabel("", self)
        self.time_label = QLabel("", self)
        self.message_label = QLabel("", self)
        self.message_label.setStyleSheet(f"color: {theme.WARN.name()};")
        for button in (
            self.live_button,
            self.reverse_button,
            self.pause_button,
            self.forward_button,
            self.back_frame,
            self.next_frame,
            self.go_button,
        ):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys are the wall's
        self.reverse_button.clicked.connect(lambda: self._command("shuttle", -1))
        self.forward_button.clicked.connect(lambda: self._command("shuttle", 1))
        self.pause_button.clicked.connect(lambda: self._command("toggle_pause"))
        self.back_frame.clicked.connect(lambda: self._command("step", -1))
        self.next_frame.clicked.connect(lambda: self._command("step", 1))
        self.go_button.clicked.connect(self.go_to)

    def _transport_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.live_button)
        row.addSpacing(12)
        for widget in (
            self.reverse_button,
            self.pause_button,
            self.forward_button,
            self.back_frame,
            self.next_frame,
        ):
            row.addWidget(widget)
        row.addSpacing(12)
        row.addWidget(self.speed_label)
        row.addSpacing(12)
        row.addWidget(self.time_label)
        row.addSpacing(12)
        row.addWidget(self.message_label, 1)
        row.addWidget(self.go_button)
        return row

    def add_button(self, action: QAction) -> QToolButton:
        """A button for a window action at the end of the transport row (Export…)."""
        button = QToolButton(self)
        button.setDefaultAction(action)
        outer = self.layout()
        first = outer.itemAt(0) if outer is not None else None
        row = first.layout() if first is not None else None
        if row is not None:
            row.addWidget(button)
        return button

    # -- the session -----------------------------------------------------------------------------
    @property
    def session(self) -> PlaybackSession | None:
        return self._session

    def set_session(self, session: PlaybackSession | None) -> None:
        if self._session is not None:
            self._session.changed.disconnect(self._on_state)
        self._session = session
        if session is None:
            self._refresh.stop()
            return
        session.changed.connect(self._on_state)
        at = session.position() or datetime.now(timezone.utc)
        self.timeline.set_range(at - INITIAL_RANGE * 0.8, at + INITIAL_RANGE * 0.2)
        self._on_state(session.state)
        self._refresh.start()
        self.reload()

    def set_extra_marks(self, marks: Sequence[TimelineMark]) -> None:
        """Marks of the console's own (a replay's trainee acknowledgements) on the timeline."""
        self._extra_marks = tuple(marks)
        data = self.timeline.data()
        if data is not None:
            self.timeline.set_data(data.with_marks(self._extra_marks))

    def _command(self, name: str, *args: object) -> None:
        session = self._session
        if session is not None:
            getattr(session, name)(*args)

    def _seek(self, at: datetime) -> None:
        if self._session is not None:
            self._session.seek(at)

    def go_to(self) -> None:
        """Ask for a time (typed or from a calendar) and go there."""
        session = self._session
        if session is None:
            return
        now = datetime.now(timezone.utc)
        data = self.timeline.data()
        merged = data.merged() if data is not None else ()
        earliest = merged[0].start if merged else None
        chosen = GoToTimeDialog.ask(self, session.position() or now, earliest, now)
        if chosen is not None and self._session is session:
            session.seek(chosen)

    def _on_state(self, state: PlaybackState) -> None:
        self.speed_label.setText(_speed_text(state))
        self.pause_button.setText("▶ K" if state.paused else "❚❚ K")
        waiting = "Waiting for a tile…" if state.holding else ""
        self.message_label.setText(state.message or waiting)
        self._show_position()

    def _show_position(self) -> None:
        session = self._session
        position = session.position() if session is not None else None
        if position is None:
            self.time_label.setText("")
            return
        if position != self._position:
            self._position = position
            local = position.astimezone()
            self.time_label.setText(
                local.strftime("%Y-%m-%d %H:%M:%S") + f".{local.microsecond // 100_000}"
            )
            self.timeline.set_position(position)
        stale = time.monotonic() - self._loaded_at > RELOAD_S
        if session is not None and not session.state.paused and stale:
            self.reload()

    # -- the timeline's data ---------------------------------------------------------------------
    def reload(self) -> None:
        """Load the timeline's spans, alerts and bookmarks for the visible range again."""
        if self._load is not None and not self._load.done():
            self._load.cancel()
        self._loaded_at = time.monotonic()
        start, end = self.timeline.visible_range()
        self._load = self._tasks.spawn(self._load_range(start, end), "playback-timeline")

    async def _load_range(self, start: datetime, end: datetime) -> None:
        cameras = list(self._cameras())
        data: TimelineData = await load_timeline(
            self._client.recordings_facet,
            self._client.bookmarks_facet,
            cameras,
            start,
            end,
        )
        self.timeline.set_data(data.with_marks(self._extra_marks) if self._extra_marks else data)

    def close_bar(self) -> None:
        self.set_session(None)
        self._tasks.cancel()
