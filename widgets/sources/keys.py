"""Enter on a list in a dialog: acts on the list's current row, and only that.

A list view emits `activated` on Enter and then passes the key on, so the dialog would also
press its default button (Enter on a found camera would fill the form and then save it). The
filter here does the row's action and keeps the key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class _EnterFilter(QObject):
    def __init__(self, view: QAbstractItemView, action: Callable[[], None]) -> None:
        super().__init__(view)
        self._view = view
        self._action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in ENTER_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            if self._view.currentIndex().isValid():
                self._action()
            return True
        return False


def enter_acts(view: QAbstractItemView, action: Callable[[], None]) -> None:
    """Enter (and double-click) on `view` call `action`, and the dialog does not see the key."""
    view.installEventFilter(_EnterFilter(view, action))
    view.doubleClicked.connect(lambda _index: action())
