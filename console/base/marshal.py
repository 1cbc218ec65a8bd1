"""The one way for other threads (libvlc callbacks, executors) to reach the GUI thread.

With qasync the asyncio loop is the Qt event loop, so `loop.call_soon_threadsafe` runs the call
on the GUI thread; without a display the same code runs on the loop's thread. Nothing else in the
project may hand work across threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Marshal:
    """Schedules calls on the loop's thread from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` on the loop's thread soon. Safe from any thread; never blocks."""
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:
            # The loop is closed: the application is shutting down and nobody is listening.
            log.debug("marshal after loop close dropped %r", fn)
