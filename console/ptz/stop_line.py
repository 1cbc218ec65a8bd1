"""The stop line: PTZ stops that do not wait for the GUI thread.

Every PTZ command normally goes out from the console's one asyncio loop, which with qasync is
the GUI thread. On a loaded machine that thread can be busy for hundreds of milliseconds
(painting a wall of main streams while other programs hold the cores); a joystick released
meanwhile then waited for it twice, once for its zero sample to be handled and once for the
stop request to be written (measured: stop p95 829 ms, up to 1.7 s, docs/performance-ptz.md).

`StopLine` owns one daemon thread with an asyncio loop and a hub client of its own (its own
connections), and sends `ptz_stop` from there the moment `stop(camera_id)` is called, from any
thread: the joystick's SDL thread calls it as soon as it sees the stick come back to rest. The
chain on the GUI loop still sends its own stop when the zero sample reaches it; a stop is
idempotent, and its seq (the process-wide `next_seq`) is higher than any move sent before, so
a move still in flight cannot restart the camera. The hub's dead-man stays the last line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from console.hub.base import HubClient
from console.hub.errors import HubError
from console.hub.facets import PtzFacet
from console.ptz.control import PREPARE_STOP_EVERY_S, next_seq

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 2.0


class StopLine:
    """Stops sent from a thread of its own (see the module doc). `start()` before use, `close()`
    at the end (it waits for stops in flight, at most `STOP_TIMEOUT_S`)."""

    def __init__(
        self,
        client_factory: Callable[[], HubClient],
        seq: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = client_factory
        self._seq = seq or next_seq
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: HubClient | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._pending: set[Future[Any]] = set()
        self._prepared: dict[str, float] = {}
        self._lock = threading.Lock()
        self.sent = 0  # stops sent, for tests and diagnostics
        self.failed = 0

    def start(self) -> StopLine:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="tessera-ptz-stop", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    # -- any thread ------------------------------------------------------------------------------
    def stop(self, camera_id: str) -> Future[Any] | None:
        """Send `stop` for `camera_id` now, from the stop line's thread. Never blocks; returns a
        future for tests (None when the line is not running)."""
        return self._submit(self._stop(camera_id, self._seq()))

    def prepare(self, camera_id: str) -> None:
        """Make the stop's connection ready (steering started); at most every
        `PREPARE_STOP_EVERY_S` per camera, so it can be called with every input sample."""
        now = self._clock()
        with self._lock:
            if now - self._prepared.get(camera_id, -PREPARE_STOP_EVERY_S) < PREPARE_STOP_EVERY_S:
                return
            self._prepared[camera_id] = now
        self._submit(self._prepare(camera_id))

    def _submit(self, coro: Any) -> Future[Any] | None:
        loop = self._loop
        if loop is None or loop.is_closed():
            coro.close()
            return None
        try:
            future = asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError:  # the loop was closed meanwhile
            coro.close()
            return None
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    # -- the stop line's thread -----------------------------------------------------------------
    def _get_ptz(self) -> PtzFacet | None:
        if self._client is None:
            self._client = self._factory()
        return self._client.ptz_facet

    async def _stop(self, camera_id: str, seq: int) -> None:
        ptz = self._get_ptz()
        if ptz is None:
            return  # a hub without PTZ has nothing to stop
        try:
            await asyncio.wait_for(ptz.ptz_stop(camera_id, seq=seq), STOP_TIMEOUT_S)
        except (HubError, asyncio.TimeoutError) as error:
            self.failed += 1
            # The chain on the GUI loop sends its own stop; that one reports failures.
            log.info("ptz %s: stop from the stop line failed: %s", camera_id, error)
        else:
            self.sent += 1

    async def _prepare(self, camera_id: str) -> None:
        ptz = self._get_ptz()
        with contextlib.suppress(HubError, asyncio.TimeoutError):
            if ptz is not None:
                await asyncio.wait_for(ptz.ptz_prepare_stop(camera_id), STOP_TIMEOUT_S)

    async def _close_client(self) -> None:
        if self._client is not None:
            await self._client.close()

    # -- the end ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Wait for stops in flight (at most `STOP_TIMEOUT_S`), close the client, end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or loop.is_closed():
            return
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            with contextlib.suppress(Exception):
                future.result(STOP_TIMEOUT_S)
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close_client(), loop).result(STOP_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STOP_TIMEOUT_S)
        self._thread = None
