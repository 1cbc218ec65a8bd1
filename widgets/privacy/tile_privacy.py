"""Privacy masks on a wall's tiles: the context menu's entries, the tile's line while masks are
lifted ("masks lifted, 4:32 left"), and the lift itself (a reason first, then the hub).

Who may do what is asked of the signed-in identity (`unmask` lifts, `masks` edits); an entry
the operator may not use is shown disabled, saying why, and the hub refuses anyway. One object
per wall view; its one-second timer runs only while a lift is in force.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from console.base.tasks import TaskOwner
from console.identity.reasons import ReasonPolicy
from console.privacy.registry import MaskRegistry

log = logging.getLogger(__name__)

__all__ = ["TilePrivacy", "lifted_text"]

LIFT_MINUTES = 5


def lifted_text(until: float, now: float) -> str:
    """`masks lifted, 4:32 left` (never below 0:00)."""
    left = max(0, int(until - now + 0.999))
    return f"masks lifted, {left // 60}:{left % 60:02d} left"


class TilePrivacy(QObject):
    """See the module docstring. `identity`: the signed-in operator (`refusal(right, camera,
    name)`), None on a hub without sign-in (the hub then decides alone); `notify(words)`:
    where a failure is said."""

    def __init__(
        self,
        registry: MaskRegistry,
        identity: Any,
        reasons: ReasonPolicy,
        camera_name: Callable[[str], str],
        notify: Callable[[str], object],
        *,
        clock: Callable[[], float] = time.time,
        ptz: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self._identity = identity
        self._reasons = reasons
        self._camera_name = camera_name
        self._notify = notify
        self._clock = clock
        # The PTZ desk (console.ptz.desk.PtzDesk): the editor anchors new masks of a PTZ camera
        # at its head's position. None: masks stay on the picture.
        self._ptz = ptz
        self._tasks = TaskOwner("tile-privacy")
        self._views: weakref.WeakSet[QWidget] = weakref.WeakSet()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self.dialog: QDialog | None = None  # the reason dialog or editor while open
        registry.changed.connect(self._on_changed)

    # -- tiles --------------------------------------------------------------------------------
    def attach(self, view: QWidget) -> None:
        self._views.add(view)

    def status_text(self, camera_id: str | None) -> str | None:
        """The tile's line while this operator has the camera's masks lifted."""
        if camera_id is None:
            return None
        until = self.registry.lifted_until(camera_id)
        return None if until is None else lifted_text(until, self._clock())

    def tooltip_line(self, camera_id: str | None) -> str | None:
        if camera_id is None or not self.registry.masks(camera_id):
            return None
        count = len(self.registry.masks(camera_id))
        line = f"Privacy masks: {count}, drawn into every picture of this camera"
        status = self.status_text(camera_id)
        return f"{line} ({status})" if status else line

    def refusal(self, right: str, camera_id: str) -> str | None:
        if self._identity is None:
            return None
        refusal: str | None = self._identity.refusal(right, camera_id, self._camera_name(camera_id))
        return refusal

    def add_menu_entries(self, menu: QMenu, parent: QWidget, camera_id: str | None) -> None:
        """The masks entries of a tile's context menu (none for an empty tile)."""
        if camera_id is None:
            return
        menu.addSeparator()
        edit_refusal = self.refusal("masks", camera_id)
        edit = menu.addAction(
            "Privacy masks…",
            lambda: self.open_editor(parent, camera_id, getattr(parent, "feed", None)),
        )
        edit.setEnabled(edit_refusal is None)
        if edit_refusal:
            edit.setText(f"Privacy masks… ({edit_refusal})")
        if not self.registry.masks(camera_id):
            return
        if self.registry.lifted_until(camera_id) is not None:
            menu.addAction("Put privacy masks back", lambda: self.end_lift(camera_id))
            return
        lift_refusal = self.refusal("unmask", camera_id)
        lift = menu.addAction(
            f"Lift privacy masks for {LIFT_MINUTES} minutes…",
            lambda: self.ask_lift(parent, camera_id),
        )
        lift.setEnabled(lift_refusal is None)
        if lift_refusal:
            lift.setText(f"Lift privacy masks… ({lift_refusal})")

    # -- lifting ------------------------------------------------------------------------------
    def ask_lift(self, parent: QWidget, camera_id: str) -> None:
        """The reason dialog; on OK, the lift."""
        from widgets.identity.reason_dialog import ReasonDialog

        refusal = self.refusal("unmask", camera_id)
        if refusal:
            self._notify(refusal)
            return
        dialog = ReasonDialog("unmask", self._reasons, self._camera_name(camera_id), parent)
        self.dialog = dialog

        def done(code: int) -> None:
            self.dialog = None
            if code:
                reason = dialog.reason()
                details = reason.details()
                words = " — ".join(x for x in (details["reason"], details["words"]) if x)
                self.lift(camera_id, words, details["case"])
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def lift(self, camera_id: str, reason: str, case: str, minutes: float = LIFT_MINUTES) -> None:
        async def run() -> None:
            try:
                await self.registry.lift(camera_id, reason, case, minutes)
            except Exception as exc:  # refused (403), no reason, hub down: plain words
                words = getattr(exc, "operator_message", None) or str(exc)
                self._notify(f"The privacy masks of {self._camera_name(camera_id)} stay: {words}")

        self._tasks.spawn(run(), "masks-lift")

    def end_lift(self, camera_id: str) -> None:
        self._tasks.spawn(self.registry.end_lift(camera_id), "masks-lift-end")

    # -- editing ------------------------------------------------------------------------------
    def open_editor(self, parent: QWidget, camera_id: str, feed: Any = None) -> None:
        from widgets.privacy.mask_editor import MaskEditor

        player = getattr(feed, "player", None)
        frame = player.latest_frame() if player is not None else None
        image = None if frame is None else frame.image.copy()
        editor = MaskEditor(self.registry, camera_id, self._camera_name(camera_id), image, parent)
        self.dialog = editor
        caps = self._ptz.capabilities(camera_id) if self._ptz is not None else None
        if caps is not None:
            # The position last known at once, then read again (the head may have moved since
            # the last answer): a mask is anchored where the head points when it is closed.
            editor.set_view(self._ptz.position(camera_id), caps)
            self._tasks.spawn(self._read_view(editor, camera_id, caps), "mask-editor-view")

        def done(_code: int) -> None:
            self.dialog = None
            self._tasks.spawn(editor.aclose(), "mask-editor-close")
            editor.deleteLater()

        editor.finished.connect(done)
        editor.open()

    async def _read_view(self, editor: Any, camera_id: str, caps: Any) -> None:
        status = await self._ptz.read_status(camera_id)
        still_open = self.dialog is editor
        if status is not None and still_open:  # no answer, or the editor closed: nothing
            editor.set_view(status.position, caps)

    # -- the countdown ------------------------------------------------------------------------
    def _on_changed(self, camera_id: str) -> None:
        self._tick()

    def _tick(self) -> None:
        lifted = False
        for view in list(self._views):
            tile = getattr(view, "tile", None)
            camera_id = getattr(tile, "camera_id", None)
            if camera_id is not None and self.registry.lifted_until(camera_id) is not None:
                lifted = True
            view.update()
            refresh = getattr(view, "refresh_tooltip", None)
            if refresh is not None:
                refresh()
        if lifted and not self._timer.isActive():
            self._timer.start()
        elif not lifted:
            self._timer.stop()

    async def aclose(self) -> None:
        self._timer.stop()
        self.registry.changed.disconnect(self._on_changed)
        await self._tasks.close()
