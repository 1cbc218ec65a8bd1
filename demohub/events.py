"""The demo hub's event log: hub-wide sequence numbers, retention for `since` replay, fan-out.

Loop thread only. Every published event gets the next `seq` (starting at 1) and is kept in a
ring of at least `retain` events (the demo hub: 20000, the contract asks for 1000 or more);
subscribers (WebSocket connections) each have a bounded queue, and one that falls `max_pending`
events behind (the demo hub: 5000) is dropped rather than growing memory. Both leave room for a
burst of a thousand alerts in a second.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

__all__ = ["MAX_PENDING", "MIN_RETAIN", "RETAIN", "Event", "EventLog", "Subscription", "iso_time"]

from demohub.outbox import Outbox

log = logging.getLogger(__name__)

Event = dict[str, Any]

RETAIN = 20000  # events kept for `since` replay
MIN_RETAIN = 1000  # what the contract promises at least
MAX_PENDING = 5000  # a listener this many events behind is disconnected


def iso_time(when: datetime | None = None) -> str:
    """UTC time as `2026-11-22T10:00:00.000Z` (millisecond precision)."""
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}Z"
    )


def _of_types(event: Event, types: frozenset[str] | None) -> bool:
    """Whether `event` passes a `types` filter (None: every event does)."""
    return types is None or event["type"] in types


class Subscription(Outbox[Event]):
    """One listener's queue of live events; `None` marks the end (dropped or closing).

    With `types`, only events of those types are queued (the `types` parameter of the API).
    """

    def __init__(self, max_pending: int, types: frozenset[str] | None = None) -> None:
        super().__init__(max_pending, "event listener")
        self.types = types

    def push(self, event: Event) -> None:
        if _of_types(event, self.types):
            self.put(event)


class EventLog:
    """Assigns sequence numbers, retains recent events and fans them out to subscribers."""

    def __init__(
        self,
        retain: int = RETAIN,
        max_pending: int = MAX_PENDING,
        on_publish: Callable[[Event], None] | None = None,
    ) -> None:
        self._on_publish = on_publish
        self._seq = 0
        self._retained: deque[Event] = deque(maxlen=max(retain, MIN_RETAIN))
        self._subscribers: set[Subscription] = set()
        self._max_pending = max_pending

    def continue_from(self, seq: int) -> None:
        """Number the next event `seq + 1` (a hub restored from its state goes on where it was
        saved). Only before the first event of this log."""
        if self._seq or self._retained:
            raise RuntimeError("the event log has numbered events already")
        self._seq = max(0, seq)

    @property
    def last_seq(self) -> int:
        """The seq of the newest event (0 before the first)."""
        return self._seq

    def publish(
        self, type_: str, camera_id: str | None = None, data: dict[str, Any] | None = None
    ) -> Event:
        self._seq += 1
        event: Event = {"seq": self._seq, "type": type_, "time": iso_time()}
        if camera_id is not None:
            event["camera_id"] = camera_id
        event["data"] = data or {}
        self._retained.append(event)
        if self._on_publish is not None:
            self._on_publish(event)
        for sub in list(self._subscribers):
            sub.push(event)
            if sub.ended:
                self._subscribers.discard(sub)
        return event

    def since(self, seq: int, types: frozenset[str] | None = None) -> list[Event]:
        """Retained events with a seq larger than `seq` (of `types` only, if given), oldest
        first."""
        if seq >= self._seq or not self._retained:
            return []
        # The retained seqs are consecutive: skip straight to the first one after `seq`.
        skip = max(0, seq + 1 - self._retained[0]["seq"])
        events = itertools.islice(self._retained, skip, None)
        return [event for event in events if _of_types(event, types)]

    def subscribe(self, types: frozenset[str] | None = None) -> Subscription:
        sub = Subscription(self._max_pending, types)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    def close(self) -> None:
        for sub in list(self._subscribers):
            sub.end()
        self._subscribers.clear()
