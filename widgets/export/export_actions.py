"""The window's way into export: an Export menu with "Export…" (Ctrl+E: the wall's cameras and
the span the playback timeline shows, else the last minute) and "Export the selected
bookmark…" (its camera and span). The role is checked first (`ExportDesk.refusal`: the
"export" right, camera by camera); a refusal is a notice, not a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from console.export.desk import ExportDesk
from console.hub.models import Bookmark
from widgets.export.export_dialog import ExportDialog

__all__ = ["EXPORT_KEYS", "ExportActions"]

EXPORT_KEYS = "Ctrl+E"
LAST_MINUTE = timedelta(seconds=60)
SETTLE = timedelta(seconds=10)  # the newest seconds may not be recorded yet


class ExportActions:
    """Adds the Export menu to `window`. `cameras()`: the wall's (id, name) pairs; `span()`:
    the timeline's span when the wall plays back, else None; `bookmark()`: the selected one;
    `notify(words)`: a notice to the operator."""

    def __init__(
        self,
        window: QMainWindow,
        desk: ExportDesk,
        cameras: Callable[[], list[tuple[str, str]]],
        span: Callable[[], tuple[datetime, datetime] | None],
        bookmark: Callable[[], Bookmark | None],
        notify: Callable[[str], object],
    ) -> None:
        self._window = window
        self._desk = desk
        self._cameras = cameras
        self._span = span
        self._bookmark = bookmark
        self._notify = notify
        self.dialog: ExportDialog | None = None
        menu = window.menuBar().addMenu("E&xport")
        self.export_action = QAction("Export…", window)
        self.export_action.setShortcut(QKeySequence(EXPORT_KEYS))
        self.export_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.export_action.setToolTip(
            "Export the wall's cameras over the span on the timeline as a signed evidence pack "
            f"({QKeySequence(EXPORT_KEYS).toString()})"
        )
        self.export_action.triggered.connect(lambda _checked=False: self.open())
        self.bookmark_action = QAction("Export the selected bookmark…", window)
        self.bookmark_action.triggered.connect(lambda _checked=False: self.open_bookmark())
        window.addAction(self.export_action)
        menu.addActions([self.export_action, self.bookmark_action])

    def _allowed(self, cameras: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
        """The cameras the operator may export; None (and a notice) when there are none."""
        if not cameras:
            self._notify("Put a camera on the wall, or select a bookmark, to export.")
            return None
        allowed = [c for c in cameras if self._desk.refusal([c[0]]) is None]
        if not allowed:
            why = self._desk.refusal([cameras[0][0]])
            self._notify(why or "You may not export these cameras.")
            return None
        return allowed

    def open(self) -> ExportDialog | None:
        """The export dialog over the wall's cameras and the timeline's span."""
        cameras = self._allowed(self._cameras())
        if cameras is None:
            return None
        now = datetime.now(timezone.utc)
        span = self._span()
        start, end = span if span is not None else (now - SETTLE - LAST_MINUTE, now - SETTLE)
        return self._show(
            ExportDialog(self._desk, cameras, start, min(end, now), parent=self._window)
        )

    def open_bookmark(self) -> ExportDialog | None:
        """The export dialog over the selected bookmark's camera and span."""
        bookmark = self._bookmark()
        if bookmark is None:
            self._notify("Select a bookmark in the bookmarks to export it.")
            return None
        names = dict(self._cameras())
        camera = (bookmark.camera_id, names.get(bookmark.camera_id, bookmark.camera_id))
        if self._allowed([camera]) is None:
            return None
        end = bookmark.end if bookmark.end > bookmark.start else bookmark.start + LAST_MINUTE
        dialog = ExportDialog(
            self._desk,
            [camera],
            bookmark.start,
            end,
            bookmark=bookmark.id,
            parent=self._window,
        )
        return self._show(dialog)

    def _show(self, dialog: ExportDialog) -> ExportDialog:
        self.dialog = dialog
        dialog.open()
        return dialog
