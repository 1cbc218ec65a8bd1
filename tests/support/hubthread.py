"""A real `DemoHub` on 127.0.0.1 (port 0), served from its own asyncio loop in a daemon thread.

Tests can then use blocking clients (urllib, PyAV, libvlc) directly, and `asyncio.run` or the
qasync loop for aiohttp clients. The PTZ tests measure when commands reach the hub
(`DemoHub.ptz_commands[i].received`, `time.monotonic()` when the hub got the request): with the
hub on a loop of its own, a busy console loop cannot delay the hub's clock readings.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from console.demohub import DemoHub
from console.demohub.streams import THREAD_PREFIX

T = TypeVar("T")

PTZ_CAM = "cam-08"  # the demo hub's PTZ camera


class HubThread:
    """A DemoHub served from a private loop in a daemon thread."""

    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.hub = DemoHub(**options)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.port = self.run(self.hub.start("127.0.0.1", 0))
        self.url = self.hub.url

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the hub's loop thread (where its state lives) and return its result."""

        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    def get_json(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    @staticmethod
    def encoder_threads() -> list[threading.Thread]:
        return encoder_threads()

    @staticmethod
    def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        return wait_until(predicate, timeout)

    def close(self) -> None:
        try:
            self.run(self.hub.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()

    def commands(self, camera_id: str = PTZ_CAM) -> list[Any]:
        """A snapshot of the PTZ command records of `camera_id`, oldest first."""
        return self.call(lambda: [c for c in self.hub.ptz_commands if c.camera_id == camera_id])


def encoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` from a coroutine until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()
