"""A minimal observer signal for the core, so models can be watched without Qt.

Views connect in their constructor and update in small handlers; models emit only once their
state is consistent. Emission is synchronous on the caller's thread: a model that is changed from
another thread must go through `console.base.marshal.Marshal` first.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Signal:
    """A list of callbacks called in connection order with the emitted arguments."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> Callable[..., Any]:
        self._slots.append(slot)
        return slot

    def disconnect(self, slot: Callable[..., Any]) -> None:
        with contextlib.suppress(ValueError):
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        # Copy: a slot may disconnect itself while we iterate.
        for slot in list(self._slots):
            try:
                slot(*args)
            except Exception:
                # One broken listener must not stop the others, nor the model that emitted.
                log.exception("listener %r failed", slot)

    def __len__(self) -> int:
        return len(self._slots)
