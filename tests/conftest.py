"""Session-wide test set-up: offscreen Qt, a private config directory, one asyncio+Qt loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def private_config_dir(tmp_path, monkeypatch):
    """No test reads or writes the real user's settings and layouts."""
    folder = tmp_path / "config"
    monkeypatch.setenv("TESSERA_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop: asyncio on the Qt GUI thread, as the console runs it."""
    import qasync
    import shiboken6

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        # qasync runs asyncio's timers on one QObject per loop, and a cancelled timer (each
        # finished `wait_for` leaves one) stays registered with Qt until it is due. Left to the
        # garbage collector, a closed loop's timer object was freed at some later moment, while
        # Qt was delivering it a timer event in another test's loop: a segfault. Delete it now,
        # outside any event, which also unregisters its timers.
        timer = getattr(loop, "_timer", None)
        if timer is not None:
            shiboken6.delete(timer)
