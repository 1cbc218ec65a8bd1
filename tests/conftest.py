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

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)
