"""The bookmark editor: a small non-modal window over the wall to name a bookmark, describe it,
tag it and move its start and end. The bookmark already exists (journaled) when it opens: the
editor only edits it, and closing it (Esc) leaves the bookmark as it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import TaskOwner
from console.bookmarks.core import BookmarkError, Bookmarks
from console.hub.models import Bookmark
from widgets.common.hub_text import shown

TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"


def parse_tags(text: str) -> list[str]:
    """Tags as typed: separated by commas; blanks dropped (the core checks the rest)."""
    return [t.strip() for t in text.split(",") if t.strip()]


def _to_qt(when: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(when.timestamp() * 1000), QTimeZone.systemTimeZone())


def _from_qt(when: QDateTime) -> datetime:
    return datetime.fromtimestamp(when.toMSecsSinceEpoch() / 1000, timezone.utc)


class BookmarkEditor(QDialog):
    """Edits `bookmark` through `bookmarks.edit` (Save, or Ctrl+Enter); Esc closes unchanged.
    `problem` shows why a save was refused (the editor stays open then)."""

    def __init__(
        self,
        bookmarks: Bookmarks,
        bookmark: Bookmark,
        camera_name: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self._bookmarks = bookmarks
        self.bookmark = bookmark
        self._tasks = TaskOwner("bookmark-editor")
        self.setWindowTitle("Bookmark")
        self.camera_label = QLabel(shown(camera_name(bookmark.camera_id)), self)
        self.camera_label.setTextFormat(Qt.TextFormat.PlainText)
        self.name_edit = QLineEdit(bookmark.name, self)
        self.description_edit = QPlainTextEdit(bookmark.description, self)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(60)
        self.tags_edit = QLineEdit(", ".join(bookmark.tags), self)
        self.tags_edit.setPlaceholderText("tags, separated by commas")
        self.start_edit = QDateTimeEdit(_to_qt(bookmark.start), self)
        self.end_edit = QDateTimeEdit(_to_qt(bookmark.end), self)
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat(TIME_FORMAT)
        # Sent only when changed: the hub keeps milliseconds, the editor shows seconds.
        self._shown_span = (self.start_edit.dateTime(), self.end_edit.dateTime())
        self.problem = QLabel("", self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Camera", self.camera_label)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Description", self.description_edit)
        form.addRow("&Tags", self.tags_edit)
        form.addRow("&Start", self.start_edit)
        form.addRow("&End", self.end_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addWidget(buttons)
        self.name_edit.selectAll()
        self.name_edit.setFocus()

    def save(self) -> None:
        self._tasks.spawn(self._save(), "bookmark-edit")

    async def _save(self) -> None:
        try:
            self.bookmark = await self._bookmarks.edit(
                self.bookmark.id,
                name=self.name_edit.text(),
                description=self.description_edit.toPlainText(),
                tags=parse_tags(self.tags_edit.text()),
                start=self._changed_time(self.start_edit, self._shown_span[0]),
                end=self._changed_time(self.end_edit, self._shown_span[1]),
            )
        except BookmarkError as e:
            self.problem.setText(str(e))
            return
        self.accept()

    @staticmethod
    def _changed_time(edit: QDateTimeEdit, shown_at_open: QDateTime) -> datetime | None:
        return None if edit.dateTime() == shown_at_open else _from_qt(edit.dateTime())

    async def aclose(self) -> None:
        await self._tasks.close()
