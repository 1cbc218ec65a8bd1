"""Fixtures for the demo hub tests: a real `DemoHub` on 127.0.0.1 (port 0) in a thread.

The hub runs on its own asyncio loop in a background thread, so tests can use blocking clients
(urllib, PyAV, libvlc) directly and `asyncio.run` for aiohttp clients.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from console.demohub import DemoHub
from console.demohub.streams import THREAD_PREFIX

T = TypeVar("T")


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


def encoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def hub_factory() -> Iterator[Callable[..., HubThread]]:
    hubs: list[HubThread] = []

    def make(**options: Any) -> HubThread:
        hub = HubThread(**options)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()
    assert wait_until(lambda: not encoder_threads()), "encoder threads left behind"


@pytest.fixture
def hub(hub_factory: Callable[..., HubThread]) -> HubThread:
    return hub_factory()
