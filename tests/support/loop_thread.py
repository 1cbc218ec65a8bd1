"""The end of an asyncio loop that runs in a thread of its own, as the test servers here do
(`BlackholeProxy`, `HostileHub`, `HostileStreams`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any


def stop_loop_thread(
    loop: asyncio.AbstractEventLoop,
    thread: threading.Thread,
    cleanup: Callable[[], Coroutine[Any, Any, Any]],
    timeout: float,
) -> None:
    """Run `cleanup()` on the loop (at most `timeout` s, errors ignored), stop the loop, join
    its thread and close the loop once the thread has ended. Nothing when the thread is not
    running (never started, or stopped before)."""
    if not thread.is_alive():
        return
    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(cleanup(), loop).result(timeout)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    if not thread.is_alive():
        loop.close()
