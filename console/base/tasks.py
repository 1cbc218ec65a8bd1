"""`TaskOwner`: the asyncio tasks one long-lived object started, kept, and ended by its owner.

asyncio keeps only a weak reference to a task, so a task nobody holds can be collected while it
runs, and a task nobody cancels outlives the object that started it. Every long-lived owner
(the PTZ desk, the alarm book, the alarm list, the alarm replay, a wall window, the application)
holds its tasks in one `TaskOwner`: `spawn()` starts one on the running loop and keeps it until
it ends, an exception it ends with is logged (not lost until the loop closes), and `close()`
cancels what is left and waits for it. Shutdown closes the owners; nothing sweeps the loop.

Loop thread only: `spawn` takes the console's one asyncio loop from `current_loop()` (with
qasync it is the GUI thread's); other threads hand work over with `Marshal`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

CLOSE_TIMEOUT_S = 2.0


def current_loop() -> asyncio.AbstractEventLoop:
    """The console's asyncio loop, for code on its thread: the running loop, or, before it runs
    (a view built, a button pressed while qasync is processing Qt events), the loop set as this
    thread's current one (qasync sets it first). The one place the core finds its loop."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        with contextlib.suppress(RuntimeError):
            return asyncio.get_event_loop_policy().get_event_loop()
        raise


class TaskOwner:
    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def __len__(self) -> int:
        """Tasks started and not yet ended."""
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(self, coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        """Start `coro` on the running loop and keep it until it ends. After `close()` the
        coroutine is not started: a task spawned during shutdown is cancelled at once."""
        task = current_loop().create_task(coro, name=name or f"{self._owner}-task")
        if self._closed:
            task.cancel()
            return task
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("%s: task %s failed", self._owner, task.get_name(), exc_info=error)

    def cancel(self) -> None:
        """Cancel every task (without waiting), and start no more."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()

    async def close(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Cancel every task and wait, at most `timeout_s`, for them to end."""
        self.cancel()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _done, still = await asyncio.wait(pending, timeout=timeout_s)
            for task in still:
                log.warning("%s: task %s did not end when cancelled", self._owner, task.get_name())
