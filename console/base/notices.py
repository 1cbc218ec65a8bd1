"""Plain-words messages for the operator (a damaged file, a hub that does not answer, ...).

The core posts; the window's status area shows them. Nothing here is for debugging: log that.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import Enum

from console.base.redact import redact_text
from console.base.signals import Signal

log = logging.getLogger(__name__)


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    text: str
    level: Level = Level.INFO
    key: str | None = None  # a notice with the same key replaces the older one
    time: float = field(default_factory=time.time)


class Notices:
    """The operator's message list. `posted(notice)` and `withdrawn(key)` are emitted."""

    def __init__(self) -> None:
        self._items: list[Notice] = []
        self.posted = Signal()
        self.withdrawn = Signal()

    @property
    def items(self) -> list[Notice]:
        return list(self._items)

    def post(self, text: str, level: Level = Level.INFO, key: str | None = None) -> Notice:
        notice = Notice(redact_text(text), level, key)
        if key is not None:
            self._items = [n for n in self._items if n.key != key]
        self._items.append(notice)
        log.log(
            {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING}.get(level, logging.ERROR),
            "operator notice: %s",
            notice.text,
        )
        self.posted.emit(notice)
        return notice

    def withdraw(self, key: str) -> None:
        before = len(self._items)
        self._items = [n for n in self._items if n.key != key]
        if len(self._items) != before:
            self.withdrawn.emit(key)
