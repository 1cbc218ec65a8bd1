"""Fixtures for the core's tests: real `DemoHub`s on 127.0.0.1 (port 0), each in a thread.

The hub runs on its own asyncio loop in a background thread, so tests can use blocking clients
(urllib, PyAV, libvlc) directly and `asyncio.run` for aiohttp clients. `hub_factory(**options)`
makes hubs with `DemoHub` options and closes them after the test, checking that no encoder
thread is left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.hubthread import HubThread, encoder_threads, wait_until


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
