"""The alarm replay pane: the recording of an opened alarm's camera, from just before it fired.

It only subscribes to `AlarmReplay` (console/alerts/replay.py). The picture is painted like a
wall tile's (`widgets.video.video_paint`), with the alert's border and label over it as on the wall,
so what the wall draws over an alarm's video holds in the replay too. The alert's box is not
drawn: the hub reports where the object is now, not where it was at the recorded moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.alerts.book import AlarmBook, Overlay
from console.alerts.replay import AlarmReplay, ReplayState, ReplayStatus
from console.hub.models import Alert
from console.identity.reasons import ReasonPolicy
from widgets.alarms.alert_overlay import paint_alert_border, paint_alert_label
from widgets.common import theme
from widgets.common.hub_text import shown
from widgets.identity.reason_dialog import ReasonDialog
from widgets.video.video_paint import paint_frame


def offset_text(position: datetime, started: datetime) -> str:
    """Where the replay is against the alarm: "3 s before the alarm", "at the alarm", "+12 s"."""
    seconds = round((position - started).total_seconds())
    if seconds < 0:
        return f"{-seconds} s before the alarm"
    if seconds == 0:
        return "at the alarm"
    return f"{seconds} s after the alarm"


class ReplayPicture(QWidget):
    """The replayed picture with the alert's border and label, or the replay's state in words."""

    def __init__(self, replay: AlarmReplay, book: AlarmBook | None, parent: QWidget) -> None:
        super().__init__(parent)
        self._replay = replay
        self._book = book
        self.picture = QRect()
        self.frames_shown = 0
        self.setMinimumSize(240, 135)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def _alert(self) -> Alert | None:
        alert = self._replay.state.alert
        if alert is not None and self._book is not None:
            return self._book.get(alert.id) or alert  # its current state (acknowledged...)
        return alert

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = self.rect()
        p.fillRect(rect, QColor(0, 0, 0))
        state = self._replay.state
        player = self._replay.player
        frame = None
        if state.status is ReplayStatus.PLAYING and player is not None:
            frame = player.latest_frame()
        alert = self._alert()
        if frame is not None:
            self.picture = paint_frame(p, rect, frame, self.devicePixelRatioF())
            self.frames_shown += 1
        else:
            self.picture = QRect()
            p.setPen(theme.ALARM if state.status is ReplayStatus.FAILED else theme.MUTED)
            text = state.message or "Open an alarm (Enter) to replay the moment it fired."
            p.drawText(
                rect.adjusted(8, 8, -8, -8),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                text,
            )
        if alert is not None and state.status in (ReplayStatus.PLAYING, ReplayStatus.LOADING):
            overlay = Overlay(alert, 1.0)
            paint_alert_border(p, rect, overlay)
            paint_alert_label(p, rect, overlay)
        p.end()


class ReplayPanel(QWidget):
    """Caption, picture and the replay's buttons (Replay again, Stop)."""

    def __init__(
        self,
        replay: AlarmReplay,
        camera_name: Callable[[str], str],
        book: AlarmBook | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._replay = replay
        self._camera_name = camera_name
        self.caption = QLabel("Replay", self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)  # it names a camera: hub text
        self.caption.setStyleSheet(f"color: {theme.TEXT.name()};")
        self.picture = ReplayPicture(replay, book, self)
        self.again_button = QPushButton("Replay again (R)", self)
        self.again_button.clicked.connect(self.replay_again)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.clicked.connect(replay.stop)
        # Where the hub asks a reason before playback (issue 17): asked here, once, and kept
        # by the replay for the next ones (until another operator signs in).
        self.reasons = ReasonPolicy()
        self.reason_button = QPushButton("Give a reason…", self)
        self.reason_button.clicked.connect(self.ask_reason)
        self.reason_dialog: ReasonDialog | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.reason_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.caption)
        column.addWidget(self.picture, 1)
        column.addLayout(buttons)
        self._caption_text = ""
        replay.changed.connect(self._on_state)
        replay.frame_ready.connect(self._on_frame)
        self.destroyed.connect(lambda: self._disconnect(replay))
        self._on_state(replay.state)

    def _disconnect(self, replay: AlarmReplay) -> None:
        replay.changed.disconnect(self._on_state)
        replay.frame_ready.disconnect(self._on_frame)

    def replay_again(self) -> None:
        state = self._replay.state
        if state.alert is not None:
            self._replay.show(state.alert)
        elif state.moment is not None:
            self._replay.show_moment(state.moment)

    def ask_reason(self) -> None:
        """The reason dialog; once given, the replay opens again with it."""
        dialog = self.reason_dialog = ReasonDialog("playback", self.reasons, "alarm replay", self)
        dialog.accepted.connect(lambda: self._replay.give_reason(dialog.reason().details()))
        dialog.open()

    def _on_state(self, state: ReplayState) -> None:
        self.reason_button.setVisible(state.status is ReplayStatus.REASON_NEEDED)
        self.again_button.setEnabled(state.alert is not None or state.moment is not None)
        self.stop_button.setEnabled(state.status in (ReplayStatus.LOADING, ReplayStatus.PLAYING))
        self._refresh_caption()
        self.picture.update()

    def _on_frame(self) -> None:
        self._refresh_caption()
        self.picture.update()

    def _refresh_caption(self) -> None:
        state = self._replay.state
        alert = state.alert
        text = "Replay"
        if alert is not None:
            text = f"Replay · {shown(self._camera_name(alert.camera_id))} · {shown(alert.title)}"
            position = self._replay.position()
            if position is not None:
                local = position.astimezone().strftime("%H:%M:%S")
                text += f" · recorded {local} ({offset_text(position, alert.started)})"
            elif state.status is ReplayStatus.LOADING:
                text += " · loading…"
        elif state.moment is not None:
            moment = state.moment
            text = f"Replay · {shown(self._camera_name(moment.camera_id))} · {shown(moment.title)}"
            position = self._replay.position()
            if position is not None:
                text += f" · recorded {position.astimezone().strftime('%H:%M:%S')}"
            elif state.status is ReplayStatus.LOADING:
                text += " · loading…"
        if text != self._caption_text:  # a label re-layout per frame is wasted work
            self._caption_text = text
            self.caption.setText(text)
