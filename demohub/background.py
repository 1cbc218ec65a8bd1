"""The demo hub on a loop of its own in a daemon thread, for tests and benchmarks.

Both ends then share one process and one `time.monotonic()` clock (the PTZ benchmark compares
when a command left with when the hub received it), while a busy caller's loop cannot delay
the hub. The console itself runs the hub in a child process (`console.app.hubprocess`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from demohub.hub import DemoHub

T = TypeVar("T")


class BackgroundHub:
    """A `DemoHub(**options)` serving 127.0.0.1 on a free port until `close()`.

    The hub is open (`sign_in=False`) unless asked: the feature tests and benchmarks use an
    open hub, where the `X-Tessera-Operator` header names the operator; the access tests sign
    in (`sign_in=True`). Passwords are hashed with the cheapest argon2 parameters
    (`fast_password_hashing=True`) so signing in costs a test nothing.
    """

    def __init__(self, **options: Any) -> None:
        options.setdefault("sign_in", False)
        options.setdefault("fast_password_hashing", True)
        self.loop = asyncio.new_event_loop()
        self.hub = DemoHub(**options)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.port = self.run(self.hub.start("127.0.0.1", 0))
        self.url = self.hub.url

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        """Run `coro` on the hub's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the hub's loop thread (where its state lives) and return its result."""

        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    def close(self) -> None:
        """Stop the hub and its loop (again: nothing; a test may close a hub it restarts)."""
        if self.loop.is_closed():
            return
        try:
            self.run(self.hub.stop())
            self.run(_end_leftover_tasks())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()


async def _end_leftover_tasks(timeout: float = 2.0) -> None:
    """Cancel what is still pending on the loop (a connection the server was still reading
    from when it stopped), as asyncio.run does, so that closing the loop destroys no pending
    task."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
