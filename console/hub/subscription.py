"""A resilient event subscription over any `HubClient`.

It reconnects with backoff after a drop and resumes with `since=<last seq seen>`, so no event
is lost while the hub still retains it, and it drops any event whose seq it already delivered,
so none is yielded twice. Driver-independent: every driver gets this for free.

A backlog (a burst of alerts, a replay after a reconnect) arrives as frames already buffered,
which an `async for` reads without ever suspending. So the subscription hands events over in
slices of at most `READ_SLICE_S` (reading plus what its consumer does with them) and lets the
loop run in between: on the GUI thread, Qt paints and takes input while a backlog drains.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Protocol

from console.base.signals import Signal
from console.hub.errors import HubConnectionLost, HubError
from console.hub.models import EVENT_HUB_HELLO, HubEvent
from console.hub.retry import Backoff

log = logging.getLogger(__name__)

# A connection that stayed up this long counts as healthy: the next drop starts backoff afresh.
STABLE_AFTER_S = 10.0
READ_SLICE_S = 0.008  # the longest stretch events are handed over without the loop running


class EventSource(Protocol):
    """What a subscription needs of a hub client: one connection to the event channel
    (`HubClient.events`)."""

    def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]: ...


class EventSubscription:
    """Async-iterate it for a gapless, duplicate-free stream of hub events.

    `hub.hello` is not yielded (it describes the connection, not the hub's history): it is
    emitted on `connected(hello_event)`. A hello whose seq is below the last seq delivered means
    the hub restarted and numbers afresh: `restarted(hello_event)` is emitted first and the
    resume point moves to the new numbering (what happened during the restart is not replayed;
    consumers re-read their state from the hub). `disconnected(error, delay)` is emitted before each
    wait, so a view can show "reconnecting in N s". Non-retryable errors (a protocol error, a
    4xx) end the iteration by raising; retryable ones never do unless `max_failures` is set.
    """

    def __init__(
        self,
        client: EventSource,
        *,
        since: int | None = None,
        types: frozenset[str] | None = None,
        backoff: Backoff | None = None,
        max_failures: int | None = None,
    ) -> None:
        self._client = client
        self._types = types
        self._backoff = backoff or Backoff()
        self._max_failures = max_failures
        self.last_seq: int | None = since
        self.reconnects = 0
        self.connected = Signal()
        self.disconnected = Signal()
        self.restarted = Signal()

    def __aiter__(self) -> AsyncIterator[HubEvent]:
        return self._run()

    async def _run(self) -> AsyncIterator[HubEvent]:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            started = loop.time()
            slice_started = time.perf_counter()
            try:
                stream = self._client.events(since=self.last_seq, types=self._types)
                try:
                    async for event in stream:
                        if time.perf_counter() - slice_started > READ_SLICE_S:
                            await asyncio.sleep(0)  # the loop's turn (paint, input), then on
                            slice_started = time.perf_counter()
                        if event.type == EVENT_HUB_HELLO:
                            # Its seq may equal the hub's latest seq while replay follows, so it
                            # must not move the resume point, unless the hub started over.
                            if self.last_seq is not None and event.seq < self.last_seq:
                                log.warning(
                                    "the hub restarted (its seq went from %s back to %s)",
                                    self.last_seq,
                                    event.seq,
                                )
                                self.last_seq = event.seq
                                self.restarted.emit(event)
                            self.connected.emit(event)
                            continue
                        if self.last_seq is not None and event.seq <= self.last_seq:
                            log.debug("skipping event seq %s already delivered", event.seq)
                            continue
                        self.last_seq = event.seq
                        failures = 0
                        self._backoff.reset()
                        yield event
                finally:
                    # Close the connection now, also when our consumer stops iterating.
                    aclose = getattr(stream, "aclose", None)
                    if aclose is not None:
                        await aclose()
                error: HubError = HubConnectionLost("the hub closed the event channel")
            except HubError as exc:
                if not exc.retryable:
                    raise
                error = exc
            failures += 1
            if self._max_failures is not None and failures > self._max_failures:
                raise error
            if loop.time() - started >= STABLE_AFTER_S:
                self._backoff.reset()
            delay = self._backoff.next_delay()
            self.reconnects += 1
            log.warning(
                "event channel lost after seq %s: %s; reconnecting in %.2f s",
                self.last_seq,
                error,
                delay,
            )
            self.disconnected.emit(error, delay)
            await asyncio.sleep(delay)
