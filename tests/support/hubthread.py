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
from collections.abc import Callable
from typing import Any

from demohub.background import BackgroundHub
from demohub.streams import THREAD_PREFIX

PTZ_CAM = "cam-08"  # the demo hub's PTZ camera


class HubThread(BackgroundHub):
    """The demo hub in a thread, with what tests ask of it."""

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
