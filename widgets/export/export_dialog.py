"""The export dialog (issue 18, section 1): which cameras, the span, snapshots, the folder; then
a progress bar with Cancel, and the result in plain words (where the pack is, how to check it).

The span comes prefilled from the timeline or a bookmark; the reason is asked with the
identity's `ReasonDialog` where a policy requires one, before anything is fetched. The job
runs on the asyncio loop (qasync: the GUI thread, whose blocking parts are on worker threads)
and reports through `ExportJob`'s progress callback; Cancel asks it to stop and the job leaves
no pack behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import TaskOwner
from console.export.desk import ExportDesk, default_destination
from console.export.media import ExportCancelled
from console.export.pack import ExportError, ExportJob, ExportResult
from console.identity.reasons import Reason
from widgets.identity.reason_dialog import ReasonDialog

__all__ = ["ExportDialog"]

_UTC = QTimeZone.utc()


def _to_qt(when: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(when.timestamp() * 1000), _UTC)


def _from_qt(when: QDateTime) -> datetime:
    return datetime.fromtimestamp(when.toMSecsSinceEpoch() / 1000, timezone.utc)


class ExportDialog(QDialog):
    """Export one or several cameras' span. `finished_export(result_or_None)` when it ends."""

    finished_export = Signal(object)

    def __init__(
        self,
        desk: ExportDesk,
        cameras: Sequence[tuple[str, str]],
        start: datetime,
        end: datetime,
        *,
        chosen: Sequence[str] = (),
        bookmark: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export-dialog")
        self.setWindowTitle("Export evidence · Tessera")
        self._desk = desk
        self._bookmark = bookmark
        self._tasks = TaskOwner("export-dialog")
        self.job: ExportJob | None = None
        self.pack: ExportResult | None = None
        self.reason_dialog: ReasonDialog | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The pack holds the video, snapshots and a signed manifest that anyone can check "
            "with the verifier inside it. Every picture carries your name and this console's.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self._build_form(layout, cameras, chosen, start, end)
        self._build_progress(layout)

    def _build_form(
        self,
        layout: QVBoxLayout,
        cameras: Sequence[tuple[str, str]],
        chosen: Sequence[str],
        start: datetime,
        end: datetime,
    ) -> None:
        form = QFormLayout()
        self.camera_list = QListWidget(self)
        self.camera_list.setObjectName("export-cameras")
        for camera_id, name in cameras:
            item = QListWidgetItem(f"{name} ({camera_id})" if name != camera_id else camera_id)
            item.setData(Qt.ItemDataRole.UserRole, camera_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            picked = camera_id in chosen or not chosen
            item.setCheckState(Qt.CheckState.Checked if picked else Qt.CheckState.Unchecked)
            self.camera_list.addItem(item)
        self.camera_list.setMaximumHeight(140)
        self.start_edit = QDateTimeEdit(_to_qt(start), self)
        self.end_edit = QDateTimeEdit(_to_qt(end), self)
        for edit in (self.start_edit, self.end_edit):
            edit.setTimeZone(_UTC)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.snapshots_box = QCheckBox("Add a snapshot of each camera", self)
        self.snapshots_box.setChecked(True)
        self.folder_edit = QLineEdit(str(default_destination()), self)
        self.folder_edit.setObjectName("export-folder")
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        form.addRow("&Cameras", self.camera_list)
        form.addRow("&From", self.start_edit)
        form.addRow("&To", self.end_edit)
        form.addRow("", self.snapshots_box)
        form.addRow("F&older", folder_row)
        layout.addLayout(form)

    def _build_progress(self, layout: QVBoxLayout) -> None:
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("export-status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton("&Export", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

    def chosen_cameras(self) -> list[str]:
        return [
            str(self.camera_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.camera_list.count())
            if self.camera_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _say(self, words: str) -> None:
        self.status_label.setText(words)

    def start(self) -> None:
        """Check what can be checked here, ask the reason where needed, then run."""
        cameras = self.chosen_cameras()
        why = self._desk.refusal(cameras)
        if why is not None:
            self._say(why)
            return
        if not self._desk.needs_reason():
            self._run(cameras, None)
            return
        assert self._desk.reasons is not None
        what = ", ".join(cameras)
        dialog = self.reason_dialog = ReasonDialog("export", self._desk.reasons, what, self)
        dialog.accepted.connect(lambda: self._run(cameras, dialog.reason()))
        dialog.open()

    def _run(self, cameras: list[str], reason: Reason | None) -> None:
        folder = Path(self.folder_edit.text().strip()).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._say(f"The folder {folder} cannot be made: {exc.strerror or exc}.")
            return
        job = self.job = self._desk.job(
            cameras,
            _from_qt(self.start_edit.dateTime()),
            _from_qt(self.end_edit.dateTime()),
            folder,
            reason=reason,
            snapshots=self.snapshots_box.isChecked(),
            bookmark=self._bookmark,
            on_progress=self._on_progress,
        )
        problem = job.request.problem()
        if problem is not None:
            self._say(problem)
            self.job = None
            return
        self.export_button.setEnabled(False)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self._say("Starting…")
        self._tasks.spawn(self._follow(job), "export-job")

    async def _follow(self, job: ExportJob) -> None:
        try:
            result = await job.run()
        except ExportCancelled:
            self._say("Export cancelled. Nothing was written.")
            self._end(None)
            return
        except ExportError as exc:
            self._say(f"The export failed: {exc} Nothing was written.")
            self._end(None)
            return
        except asyncio.CancelledError:
            raise
        self.pack = result
        self.progress_bar.setValue(1000)
        self._say(result.words())
        self._end(result)

    def _end(self, result: ExportResult | None) -> None:
        self.job = None
        self.export_button.setEnabled(result is None)
        self.cancel_button.setText("Close")
        self.finished_export.emit(result)

    def _on_progress(self, fraction: float, words: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        self._say(words)

    def cancel(self) -> None:
        """Cancel a running export (it stops and leaves nothing), else close."""
        if self.job is not None:
            self.job.cancel()
            self._say("Cancelling…")
            return
        self.reject()

    def reject(self) -> None:
        if self.job is not None:  # Esc while running: cancel first, close when it has ended
            self.cancel()
            return
        super().reject()

    async def aclose(self) -> None:
        if self.job is not None:
            self.job.cancel()
        await self._tasks.close()
