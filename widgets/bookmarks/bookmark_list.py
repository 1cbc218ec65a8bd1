"""The bookmark list: a dockable table of the operator's bookmarks (the hub's, with this
console's unsent changes over them), a search box and a filter to the selected camera, and the
replay pane where an opened bookmark plays from its start.

Keyboard first: in the table Enter opens (plays) the selected bookmark, E edits it, P protects
it or lifts the protection, Delete asks and deletes. In the search box, words are found in the
name or description and `#word` must be one of the tags; Down goes to the table.

It only calls `Bookmarks` (console/bookmarks) and `AlarmReplay.show_moment`; every hub text
(camera names, bookmark names, tags) goes through widgets.common.hub_text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.alerts.replay import AlarmReplay, Moment
from console.base.tasks import TaskOwner
from console.bookmarks.core import BookmarkError, Bookmarks, BookmarkSearch
from console.hub.models import Bookmark, BookmarkQuery
from widgets.alarms.alarm_replay import ReplayPanel
from widgets.common.hub_text import shown

COLUMNS = ("Camera", "Start", "Name", "Tags", "State")
SEARCH_DELAY_MS = 150  # typing in the search box asks once it pauses


def local_time(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def parse_search(text: str) -> BookmarkQuery:
    """ "gate #night #car" -> text "gate", tags {night, car}."""
    words = text.split()
    tags = frozenset(w[1:] for w in words if w.startswith("#") and len(w) > 1)
    rest = " ".join(w for w in words if not w.startswith("#"))
    return BookmarkQuery(text=rest or None, tags=tags)


def state_text(bookmark: Bookmark, found: BookmarkSearch) -> str:
    """The console's words: "pending" (not yet on the hub), "refused: …", "protected"."""
    words: list[str] = []
    refused = (found.refused or {}).get(bookmark.id)
    if refused is not None:
        words.append(f"refused: {refused}")
    elif bookmark.id in found.pending_ids:
        words.append("pending")
    if bookmark.protected:
        words.append("protected")
    return " · ".join(words)


class BookmarkTable(QTableWidget):
    """The table, with the list's keys (the panel does the work)."""

    def __init__(self, panel: BookmarkListPanel) -> None:
        super().__init__(0, len(COLUMNS), panel)
        self._panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._panel.open_selected()
        elif key == Qt.Key.Key_E:
            self._panel.edit_selected()
        elif key == Qt.Key.Key_P:
            self._panel.protect_selected()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._panel.delete_selected()
        else:
            super().keyPressEvent(event)


class _SearchBox(QLineEdit):
    def __init__(self, panel: BookmarkListPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self._panel.table.setFocus(Qt.FocusReason.TabFocusReason)
            if self._panel.table.currentRow() < 0 and self._panel.table.rowCount():
                self._panel.table.selectRow(0)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._panel.refresh_now()
        else:
            super().keyPressEvent(event)


def _ask_delete(parent: QWidget, bookmark: Bookmark) -> bool:
    answer = QMessageBox.question(
        parent,
        "Delete bookmark",
        f"Delete the bookmark “{shown(bookmark.name)}”? It is deleted on the hub too.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class BookmarkListPanel(QWidget):
    """Search, table and replay pane. `edit(bookmark)` opens the editor (the window's);
    `confirm_delete(parent, bookmark)` asks before a delete (a question box by default)."""

    def __init__(
        self,
        bookmarks: Bookmarks,
        camera_name: Callable[[str], str],
        edit: Callable[[Bookmark], None],
        parent: QWidget | None = None,
        *,
        replay: AlarmReplay | None = None,
        confirm_delete: Callable[[QWidget, Bookmark], bool] = _ask_delete,
    ) -> None:
        super().__init__(parent)
        self.bookmarks = bookmarks
        self._camera_name = camera_name
        self._edit = edit
        self._confirm_delete = confirm_delete
        self.replay = replay
        self._tasks = TaskOwner("bookmark-list")
        self._search_task: asyncio.Task[None] | None = None
        self._camera: str | None = None
        self.found = BookmarkSearch((), from_hub=False)
        # The query `found` answers: until the newest search is back, the list is the last
        # answer, which may be for what the search box said a moment ago.
        self.found_for: BookmarkQuery | None = None
        self.refreshed = 0  # searches shown (tests wait on it)

        self._build(camera_name, replay)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.refresh_now)
        self.search.textChanged.connect(lambda _t: self._delay.start())
        self.camera_only.toggled.connect(lambda _on: self.refresh_now())
        bookmarks.changed.connect(self._on_changed)
        bookmarks.pending_changed.connect(self._on_changed)
        self.destroyed.connect(lambda: self._disconnect(bookmarks))
        self.refresh_now()

    def _build(self, camera_name: Callable[[str], str], replay: AlarmReplay | None) -> None:
        self.search = _SearchBox(self)
        self.search.setPlaceholderText("Find bookmarks: words, #tag")
        self.search.setClearButtonEnabled(True)
        self.camera_only = QCheckBox("Selected camera only", self)
        self.camera_only.setToolTip("Only the bookmarks of the camera on the selected tile")
        self.summary = QLabel("", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.table = BookmarkTable(self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Enter play · E edit · P protect · Delete delete")
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.camera_only)
        list_part = QWidget(self)
        column = QVBoxLayout(list_part)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.table, 1)
        column.addWidget(self.summary)
        self.replay_panel: ReplayPanel | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        if replay is None:
            outer.addWidget(list_part)
        else:
            splitter = QSplitter(Qt.Orientation.Horizontal, self)
            splitter.addWidget(list_part)
            self.replay_panel = ReplayPanel(replay, camera_name, None, splitter)
            splitter.addWidget(self.replay_panel)
            outer.addWidget(splitter)

    def _disconnect(self, bookmarks: Bookmarks) -> None:
        bookmarks.changed.disconnect(self._on_changed)
        bookmarks.pending_changed.disconnect(self._on_changed)

    # -- what is shown -----------------------------------------------------------------------
    def set_camera(self, camera_id: str | None) -> None:
        """The camera on the selected tile (the filter's camera)."""
        if camera_id == self._camera:
            return
        self._camera = camera_id
        if self.camera_only.isChecked():
            self.refresh_now()

    def query(self) -> BookmarkQuery:
        query = parse_search(self.search.text())
        if self.camera_only.isChecked():
            wanted = frozenset({self._camera}) if self._camera else frozenset({""})
            query = BookmarkQuery(text=query.text, tags=query.tags, camera_ids=wanted)
        return query

    def _on_changed(self, *_args: object) -> None:
        self._delay.start()  # a burst of changes (a round of sends) asks once

    def refresh_now(self) -> None:
        self._delay.stop()
        task = self._search_task
        if task is not None and not task.done():
            task.cancel()  # the newest search wins
        self._search_task = self._tasks.spawn(self._refresh(self.query()), "bookmark-search")

    async def _refresh(self, query: BookmarkQuery) -> None:
        try:
            found = await self.bookmarks.search(query)
        except BookmarkError as e:  # the journal is closed or failed
            self.summary.setText(str(e))
            return
        self.found_for = query
        self._show(found)

    def _show(self, found: BookmarkSearch) -> None:
        keep = self.selected()
        self.found = found
        table = self.table
        table.setRowCount(len(found.bookmarks))
        for row, bookmark in enumerate(found.bookmarks):
            cells = (
                shown(self._camera_name(bookmark.camera_id)),
                local_time(bookmark.start),
                shown(bookmark.name),
                ", ".join(shown(t) for t in bookmark.tags),
                state_text(bookmark, found),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, bookmark.id)
                table.setItem(row, col, item)
        if keep is not None:
            self.select(keep.id)
        words = f"{len(found.bookmarks)} bookmark{'s' if len(found.bookmarks) != 1 else ''}"
        if found.pending_ids:
            words += f" · {len(found.pending_ids)} not yet on the hub"
        if not found.from_hub and found.problem:
            words += f" · the hub's are not shown: {found.problem}"
        self.summary.setText(words)
        self.refreshed += 1

    # -- selection ---------------------------------------------------------------------------
    def selected(self) -> Bookmark | None:
        row = self.table.currentRow()
        if 0 <= row < len(self.found.bookmarks):
            return self.found.bookmarks[row]
        return None

    def select(self, bookmark_id: str) -> bool:
        for row, bookmark in enumerate(self.found.bookmarks):
            if bookmark.id == bookmark_id:
                self.table.selectRow(row)
                return True
        return False

    # -- actions -----------------------------------------------------------------------------
    def open_selected(self) -> None:
        """Play the selected bookmark from its start in the replay pane."""
        bookmark = self.selected()
        if bookmark is None or self.replay is None:
            return
        self.replay.show_moment(
            Moment(bookmark.camera_id, bookmark.start, bookmark.name, until=bookmark.end)
        )

    def edit_selected(self) -> None:
        bookmark = self.selected()
        if bookmark is not None:
            self._edit(bookmark)

    def protect_selected(self) -> None:
        bookmark = self.selected()
        if bookmark is not None:
            self._act(self.bookmarks.protect(bookmark.id, not bookmark.protected))

    def delete_selected(self) -> None:
        bookmark = self.selected()
        if bookmark is not None and self._confirm_delete(self, bookmark):
            self._act(self.bookmarks.delete(bookmark.id))

    def _act(self, change: Coroutine[Any, Any, object]) -> None:
        async def run() -> None:
            try:
                await change
            except BookmarkError as e:
                self.summary.setText(str(e))

        self._tasks.spawn(run(), "bookmark-change")

    async def aclose(self) -> None:
        await self._tasks.close()
