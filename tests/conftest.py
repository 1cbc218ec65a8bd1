"""Session-wide test set-up: offscreen Qt, a private config directory, one asyncio+Qt loop, and
real `DemoHub`s on 127.0.0.1 (port 0), each in a thread (`hub_factory`, `hub`).

A hub runs on its own asyncio loop in a background thread, so tests can use blocking clients
(urllib, PyAV, libvlc) directly and `asyncio.run` for aiohttp clients. `hub_factory(**options)`
makes hubs with `DemoHub` options and closes them after the test, checking that no encoder
thread is left behind.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from console.sources.credentials import forget_session_passwords
from tests.support.hubthread import HubThread, encoder_threads, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def private_config_dir(tmp_path, monkeypatch):
    """No test reads or writes the real user's settings and layouts, nor the demo hub's state
    (a hub the console starts keeps it in the data folder)."""
    folder = tmp_path / "config"
    monkeypatch.setenv("TESSERA_CONFIG_DIR", str(folder))
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path / "data"))
    return folder


# Keyrings chosen explicitly (a headless machine has none, and no test may touch a real user's):
# keyring's own config and data roots are per test; by default there is no backend at all.
PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"
FAIL = "keyring.backends.fail.Keyring"


@pytest.fixture(autouse=True)
def no_session_passwords() -> Iterator[None]:
    forget_session_passwords()
    yield
    forget_session_passwords()


@pytest.fixture(autouse=True)
def private_keyring_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """keyring's config and data roots (keyringrc.cfg, keyrings.alt's files) under tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    return tmp_path / "xdg-data" / "python_keyring"


@pytest.fixture
def plaintext_keyring(private_keyring_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """keyrings.alt's plaintext file, chosen explicitly; the file's path."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT)
    return private_keyring_dirs / "keyring_pass.cfg"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL)


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


# -- pytest-xdist: tests that must share one worker ---------------------------------------------
#
# The bench smoke tests run one after another on one worker (beside the rest of the suite):
# a bench measures its own processes, so two at once would each count the other's load.
# xdist's own `xdist_group` mark has no effect with pytest 9.2 (xdist 3.8 renames the test by
# assigning `item._nodeid`, which pytest 9's node ids no longer read), so the grouping is by
# path here, in the scheduler that `--dist loadgroup` asks for. Tests that need the whole
# machine are marked `serial` instead and run after the parallel pass (packaging/setup.sh).
WORKER_GROUPS = {"tests/bench/": "bench"}


def _worker_group(nodeid: str) -> str | None:
    for prefix, group in WORKER_GROUPS.items():
        if nodeid.startswith(prefix):
            return group
    return None


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: absent with -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        """loadgroup, with WORKER_GROUPS as groups too (a group goes to one worker whole)."""

        def _split_scope(self, nodeid: str) -> str:
            return _worker_group(nodeid) or super()._split_scope(nodeid)

    return PathGroupScheduling(config, log)
