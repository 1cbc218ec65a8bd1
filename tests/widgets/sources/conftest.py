"""Stand-ins for the Sources dialog's tests, and the dialog on the qasync loop.

`console.sources.credentials`, `.probe` and `.camera_lists` are stubs whose bodies another
branch is writing now; the classes here implement the same signatures so the dialog can be
tested against them. Each says which module it stands in for.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from console.hub.models import Camera
from console.sources import camera_lists
from console.sources.camera_lists import ListedCamera
from console.sources.model import SourceConfig
from console.sources.probe import ProbeOutcome, ProbeResult
from widgets.sources.sources_dialog import SourcesDialog

GUI_THREAD = threading.get_ident()


class FakeCredentials:
    """Stands in for `console.sources.credentials.Credentials` (being built on another branch):
    a dict for the keyring. Records the thread of every call: the dialog must never call it on
    the GUI thread (the real one blocks on D-Bus). `delay_s` makes each call slow."""

    def __init__(self, warning: str | None = None, delay_s: float = 0.0) -> None:
        self.kept: dict[str, str] = {}
        self.warning = warning
        self.delay_s = delay_s
        self.calls: list[tuple[str, str, int]] = []  # (method, key, thread)

    def _call(self, method: str, key: str = "") -> None:
        self.calls.append((method, key, threading.get_ident()))
        if self.delay_s:
            time.sleep(self.delay_s)

    def available(self) -> bool:
        self._call("available")
        return self.warning is None

    def backend_warning(self) -> str | None:
        self._call("backend_warning")
        return self.warning

    def get(self, key: str) -> str | None:
        self._call("get", key)
        return self.kept.get(key)

    def set(self, key: str, password: str) -> bool:
        self._call("set", key)
        self.kept[key] = password
        return self.warning is None

    def delete(self, key: str) -> None:
        self._call("delete", key)
        self.kept.pop(key, None)

    def on_gui_thread(self) -> list[tuple[str, str, int]]:
        return [c for c in self.calls if c[2] == GUI_THREAD]

    def methods(self, name: str) -> list[str]:
        return [key for method, key, _t in self.calls if method == name]


def camera(name: str, vendor: str = "Axis", model: str = "P1375") -> Camera:
    return Camera(
        id=name.lower().replace(" ", "-"),
        name=name,
        group="",
        location="",
        vendor=vendor,
        model=model,
        firmware="",
        capabilities=frozenset({"live"}),
        profiles=(),
    )


class FakeProbe:
    """Stands in for `console.sources.probe.probe_source` (being built on another branch): the
    same signature; reports `steps` as progress, each after the test lets it go on
    (`advance()`) when `gated`, then returns `result`. Records each call and whether it was
    cancelled."""

    def __init__(
        self, result: ProbeResult, steps: tuple[str, ...] = (), gated: bool = False
    ) -> None:
        self.result = result
        self.steps = steps
        self.gated = gated
        self.calls: list[tuple[SourceConfig, str | None]] = []
        self.cancelled = 0
        self.finished = 0
        self._go: asyncio.Event | None = None

    def advance(self) -> None:
        assert self._go is not None
        self._go.set()

    async def __call__(
        self,
        source: SourceConfig,
        password: str | None,
        *,
        progress: Callable[[str], None] | None = None,
        timeout_s: float = 10.0,
    ) -> ProbeResult:
        self.calls.append((source, password))
        self._go = asyncio.Event()
        try:
            for step in self.steps:
                if progress is not None:
                    progress(step)
                if self.gated:
                    await self._go.wait()
                    self._go.clear()
                else:
                    await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.finished += 1
        return self.result


OK_TWO = ProbeResult(
    ProbeOutcome.OK,
    "Signed in to the camera: 2 cameras.",
    cameras=(camera("Front Gate"), camera("Yard", "Hikvision", "DS-2CD")),
)
REFUSED = ProbeResult(ProbeOutcome.WRONG_PASSWORD, "The camera refused the user name or password.")


@pytest.fixture
def list_files(monkeypatch) -> dict[Path, list[ListedCamera]]:
    """The real `console.sources.camera_lists` load and save, with what was saved recorded
    (path -> cameras) so the tests can read what the dialog wrote."""
    written: dict[Path, list[ListedCamera]] = {}
    real_save = camera_lists.save_camera_list

    def save(path: Path, cameras: list[ListedCamera]) -> None:
        real_save(path, cameras)
        written[path] = list(cameras)

    monkeypatch.setattr(camera_lists, "save_camera_list", save)
    return written


class Applied:
    """The console's `apply(sources)`: records each list; `fail_with` makes the next raise."""

    def __init__(self) -> None:
        self.calls: list[list[SourceConfig]] = []
        self.fail_with: Exception | None = None

    async def __call__(self, sources: list[SourceConfig]) -> None:
        await asyncio.sleep(0)
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.calls.append(list(sources))


class Rig:
    def __init__(self, qtbot: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.qtbot = qtbot
        self.loop = loop
        self.credentials = FakeCredentials()
        self.probe = FakeProbe(OK_TWO)
        self.applied = Applied()
        self.dialogs: list[SourcesDialog] = []

    def open(self, sources: list[SourceConfig] | None = None, **options: Any) -> SourcesDialog:
        dialog = SourcesDialog(sources or [], self.credentials, self.probe, self.applied, **options)
        self.dialogs.append(dialog)  # closed by the rig (after its tasks), not by qtbot
        dialog.show()
        dialog.activateWindow()
        self.qtbot.waitExposed(dialog)
        self.until(dialog.isActiveWindow)
        self.until(lambda: self.credentials.methods("backend_warning"))
        self.pump()
        return dialog

    def until(self, predicate: Callable[[], object], timeout_s: float = 5.0) -> None:
        """Run the loop (the dialog's tasks, Qt's events) until `predicate` holds."""

        async def wait() -> None:
            deadline = time.monotonic() + timeout_s
            while not predicate():
                assert time.monotonic() < deadline, "timed out"
                await asyncio.sleep(0.005)

        self.loop.run_until_complete(wait())

    def pump(self, seconds: float = 0.02) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def key(self, key: Any, modifier: Any = None) -> None:
        """A key to whichever widget has the keyboard, as the operator presses it."""
        from PySide6.QtCore import Qt

        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard"
        self.qtbot.keyClick(target, key, modifier or Qt.KeyboardModifier.NoModifier)
        self.pump(0.01)

    def type(self, text: str) -> None:
        target = QApplication.focusWidget()
        assert target is not None
        self.qtbot.keyClicks(target, text)

    def close(self) -> None:
        for dialog in self.dialogs:
            if dialog.form is not None:
                dialog.form.done(0)
            dialog.done(0)
            self.loop.run_until_complete(dialog.aclose())
            dialog.deleteLater()
        self.pump(0.01)


@pytest.fixture
def rig(qtbot, qloop) -> Iterator[Rig]:
    r = Rig(qtbot, qloop)
    yield r
    r.close()
    # Every keyring call ran in the executor (the real keyring blocks on D-Bus).
    assert r.credentials.on_gui_thread() == []
