"""The connection test on screen: the probe's steps as they happen with a busy bar, a Cancel,
then the result in the probe's plain words and the cameras it found (hub text, shown safely)."""

from __future__ import annotations

import asyncio
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import current_loop
from console.sources.model import SourceConfig
from console.sources.probe import ProbeOutcome, ProbeResult
from widgets.common import theme
from widgets.common.hub_text import shown
from widgets.sources.seams import ProbeFunction, plain_words

# A list of thousands of cameras is summed up rather than listed (the test is a check, not the
# camera tree).
MAX_CAMERAS_LISTED = 200

OUTCOME_WORDS = {
    ProbeOutcome.OK: "OK",
    ProbeOutcome.UNREACHABLE: "No answer",
    ProbeOutcome.WRONG_PASSWORD: "Password refused",
    ProbeOutcome.NOT_ONVIF: "Not an ONVIF device",
    ProbeOutcome.NO_CAMERAS: "No cameras",
    ProbeOutcome.NEEDS_PASSWORD: "Needs a password",
    ProbeOutcome.ERROR: "Failed",
}


def result_summary(result: ProbeResult) -> str:
    """A few words for the sources list: "OK · 4 cameras", "Password refused"."""
    if result.ok:
        count = len(result.cameras)
        return f"OK · {count} camera{'' if count == 1 else 's'}"
    return OUTCOME_WORDS.get(result.outcome, "Failed")


def camera_line(name: str, vendor: str, model: str) -> str:
    """One found camera: its name, then vendor and model, each isolated (hub text)."""
    make = " ".join(part for part in (vendor.strip(), model.strip()) if part)
    return f"{shown(name)} · {shown(make)}" if make else shown(name)


class ProbePanel(QWidget):
    """Runs one probe at a time; `test()` returns its result, or None when cancelled."""

    def __init__(self, probe: ProbeFunction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._probe = probe
        self._task: asyncio.Task[ProbeResult] | None = None
        self._cancelled = False

        self.progress_label = QLabel("", self)
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_label.setWordWrap(True)
        self.progress_label.setAccessibleName("Test progress")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # no end known: a busy indicator
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName("Testing")
        self.cancel_button = QPushButton("Cance&l test", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setAccessibleName("Cancel the connection test")
        self.cancel_button.clicked.connect(self.cancel)
        self.result_label = QLabel("", self)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)
        self.result_label.setAccessibleName("Test result")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cameras = QListWidget(self)
        self.cameras.setAccessibleName("Cameras found by the test")
        self.cameras.setMaximumHeight(120)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress_label, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addWidget(self.result_label)
        layout.addWidget(self.cameras)
        self.clear()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def clear(self) -> None:
        self.progress_label.setText("")
        self.result_label.setText("")
        self.cameras.clear()
        self._show_running(False)
        self.cameras.setVisible(False)
        self.setVisible(False)

    def _show_running(self, on: bool) -> None:
        self.busy.setVisible(on)
        self.cancel_button.setVisible(on)
        self.cancel_button.setEnabled(on)

    def cancel(self) -> None:
        if self.running:
            assert self._task is not None
            self._cancelled = True
            self._task.cancel()

    async def test(self, source: SourceConfig, password: str | None) -> ProbeResult | None:
        """Test `source`, showing its progress; None when the operator cancelled. A probe that
        raises (it should not) reads as a failed test with the error's words."""
        self.cancel()
        self.clear()
        self.setVisible(True)
        self._cancelled = False
        self.progress_label.setText(f"Testing {source.display_name}…")
        self._show_running(True)
        loop = current_loop()
        gui_thread = threading.get_ident()

        def progress(step: str) -> None:
            if threading.get_ident() == gui_thread:
                self._on_progress(step)
            else:  # a probe that reports from a worker thread
                loop.call_soon_threadsafe(self._on_progress, step)

        async def run() -> ProbeResult:
            return await self._probe(source, password, progress=progress)

        task = loop.create_task(run(), name="sources-probe")
        self._task = task
        result: ProbeResult | None
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not self._cancelled:  # the dialog is closing: stop the probe too
                task.cancel()
                raise
            result = None
        except Exception as error:
            result = ProbeResult(ProbeOutcome.ERROR, f"The test failed: {plain_words(error)}")
        finally:
            if self._task is task:
                self._task = None
                self._show_running(False)
        if result is None:
            self.progress_label.setText("Test cancelled.")
            return None
        self.show_result(result)
        return result

    def _on_progress(self, step: str) -> None:
        if self.running:
            self.progress_label.setText(step)

    def show_result(self, result: ProbeResult) -> None:
        self.setVisible(True)
        self.progress_label.setText("Test finished." if result.ok else "Test failed.")
        self.result_label.setText(result.message)
        colour = theme.LIVE if result.ok else theme.ALARM
        self.result_label.setStyleSheet(f"color: {colour.name()};")
        self.cameras.clear()
        for camera in result.cameras[:MAX_CAMERAS_LISTED]:
            self.cameras.addItem(camera_line(camera.name, camera.vendor, camera.model))
        more = len(result.cameras) - MAX_CAMERAS_LISTED
        if more > 0:
            self.cameras.addItem(f"… and {more} more")
        self.cameras.setVisible(bool(result.cameras))
