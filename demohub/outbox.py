"""A bounded outbox per consumer: a consumer that falls too far behind is dropped, not buffered.

Stream viewers and event listeners both get one, so a slow client never grows the hub's memory
or holds the others back. `None` in the queue tells the consumer its stream is over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Outbox(Generic[T]):
    """Loop thread only. `put` queues an item; a full outbox ends (drops) the consumer."""

    def __init__(self, capacity: int, what: str, on_drop: Callable[[], None] | None = None) -> None:
        # One slot more than the capacity, so the end marker always fits.
        self.queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=capacity + 1)
        self._capacity = capacity
        self._what = what
        self.on_drop = on_drop
        self.dropped = False
        self.ended = False

    def put(self, item: T) -> None:
        if self.ended:
            return
        if self.queue.qsize() >= self._capacity:
            log.warning("%s too slow, dropping it", self._what)
            self.dropped = True
            self.end()
            if self.on_drop is not None:
                self.on_drop()
            return
        self.queue.put_nowait(item)

    def end(self) -> None:
        """Stop this consumer's stream: clear what is pending and queue the end marker."""
        if self.ended:
            return
        self.ended = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)
