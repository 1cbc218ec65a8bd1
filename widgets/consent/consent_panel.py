"""What a tile shows of a private camera: a plain panel instead of video where the owner shares
none now, and how long a granted access has left.

- registry only: "Registry only: owner X, location Y; no video is shared."
- on request: "Access needs a request ..." with a Request access button (A on the wall with
  the tile selected); the reason dialog (`widgets.identity.reason_dialog`) asks a case number
  and a reason; the hub grants or refuses, and a refusal is said on the panel in its words.
- granted: the video plays and a small line at the foot of the tile counts down the access left;
  when the grant ends the panel comes back ("Access ended").
- recordings only: "Recordings only ..." (playback works as for any camera).

The panel only subscribes to `console.consent.PrivateAccess`; the tile's feed is started and
stopped by the wall's feeds, which ask the same core (`Workstation.set_live_gate`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from console.base.tasks import TaskOwner
from console.consent.core import REASON_ACTION, LiveVerdict, PrivateAccess
from console.identity.reasons import Reason, ReasonPolicy
from widgets.common.hub_text import shown
from widgets.identity.reason_dialog import ReasonDialog

__all__ = ["ConsentPanel"]

COUNTDOWN_MS = 1000


def _left(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


class ConsentPanel(QWidget):
    """Lies over one tile (its parent) and follows the tile's camera (`set_camera`)."""

    def __init__(
        self,
        tile: QWidget,
        access: PrivateAccess,
        camera_name: object = None,
        policy: ReasonPolicy | None = None,
    ) -> None:
        super().__init__(tile)
        self.setObjectName("consent-panel")
        self.setAutoFillBackground(True)
        self._access = access
        self._camera_name = camera_name  # callable: camera id -> display name, or None
        self._policy = policy or ReasonPolicy()
        self._camera_id: str | None = None
        self._playback = False  # the wall plays its recordings: their rules apply
        self._tasks = TaskOwner("consent-panel")
        self.dialog: ReasonDialog | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 12, 12, 12)
        box.addStretch(1)
        self.message = QLabel("", self)
        self.message.setObjectName("consent-message")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.message)
        self.request_button = QPushButton("Request access… (A)", self)
        self.request_button.setObjectName("consent-request")
        self.request_button.clicked.connect(self.open_request)
        box.addWidget(self.request_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.problem = QLabel("", self)
        self.problem.setObjectName("consent-problem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.problem)
        box.addStretch(1)
        # The countdown of a granted access: a line at the foot of the tile, over the video.
        self.countdown = QLabel("", tile)
        self.countdown.setObjectName("consent-countdown")
        self.countdown.setTextFormat(Qt.TextFormat.PlainText)
        self.countdown.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.countdown.setStyleSheet("background: rgba(0, 0, 0, 160); color: #f0c060;")
        self._timer = QTimer(self)
        self._timer.setInterval(COUNTDOWN_MS)
        self._timer.timeout.connect(self._tick)
        slot = access.changed.connect(self._on_changed)
        tasks = self._tasks

        def gone() -> None:  # the tile is deleted: the core must not call into it any more
            access.changed.disconnect(slot)
            tasks.cancel()

        tile.destroyed.connect(gone)
        tile.installEventFilter(self)
        self.hide()
        self.countdown.hide()

    # -- following ---------------------------------------------------------------------------
    def set_camera(self, camera_id: str | None) -> None:
        if camera_id != self._camera_id:
            self.problem.setText("")
        self._camera_id = camera_id
        self.refresh()

    @property
    def offers_request(self) -> bool:
        """The panel shows a request button now (A on the wall presses it)."""
        return self.isVisible() and self.request_button.isVisible() and self.dialog is None

    def set_playback(self, on: bool) -> None:
        if on != self._playback:
            self._playback = on
            self.refresh()

    def _on_changed(self, camera_id: str) -> None:
        if not camera_id or camera_id == self._camera_id:
            self.refresh()

    def refresh(self) -> None:
        """Show the panel, the countdown or nothing, as the core says for the camera now."""
        camera_id = self._camera_id
        state = self._access.state(camera_id, playback=self._playback) if camera_id else None
        blocked = state is not None and state.verdict is not LiveVerdict.PLAY
        if state is not None and blocked:
            self.message.setText(shown(state.text))
            self.request_button.setVisible(state.may_request)
        self.setVisible(blocked)
        if blocked:
            self._fit()
            self.raise_()
        granted = state is not None and state.granted_until is not None
        self.countdown.setVisible(granted)
        if granted:
            self._tick()
            self._timer.start()
        else:
            self._timer.stop()

    def _tick(self) -> None:
        left = self._access.remaining_s(self._camera_id) if self._camera_id else None
        if left is None:
            self._timer.stop()
            self.countdown.hide()
            return
        self.countdown.setText(f" Private camera · access {_left(left)} left ")
        self.countdown.adjustSize()
        self._fit()
        self.countdown.raise_()

    def _fit(self) -> None:
        tile = self.parentWidget()
        if tile is None:
            return
        self.setGeometry(tile.rect())
        hint = self.countdown.sizeHint()
        top = tile.height() - hint.height() - 4
        self.countdown.setGeometry(4, top, hint.width(), hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    # -- requesting --------------------------------------------------------------------------
    def open_request(self) -> None:
        """The reason dialog; once accepted, the request goes to the hub."""
        camera_id = self._camera_id
        if camera_id is None:
            return
        name = self._camera_name(camera_id) if callable(self._camera_name) else camera_id
        dialog = self.dialog = ReasonDialog(REASON_ACTION, self._policy, shown(str(name)), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(code: int) -> None:
            self.dialog = None
            if code == ReasonDialog.DialogCode.Accepted:
                # Read now: the dialog is deleted once closed.
                self._tasks.spawn(self._request(camera_id, dialog.reason()), "consent-request")

        dialog.finished.connect(finished)
        dialog.open()

    async def _request(self, camera_id: str, reason: Reason) -> None:
        self.request_button.setEnabled(False)
        self.problem.setText("Asking the hub…")
        try:
            problem = await self._access.request(camera_id, reason)
        finally:
            self.request_button.setEnabled(True)
        if camera_id == self._camera_id:
            self.problem.setText(shown(problem) if problem else "")
        self.refresh()
