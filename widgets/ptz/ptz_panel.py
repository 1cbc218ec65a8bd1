"""The PTZ panel: presets, home, tours and the operator lock of the selected tile's camera.

It follows whichever tile the operator selected last, on any wall. It shows only what the camera
declares (a camera without tours has no tour section), and every action goes through the
console's `PtzDesk`, which reports failures on the tile and here in plain words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.hub.models import PtzLock, PtzPosition, PtzPreset, PtzTour, PtzTourStep
from console.ptz.desk import PtzDesk
from widgets.common import theme
from widgets.common.hub_text import shown, shown_html

HINT = (
    "On the tile: P for PTZ mode, then drag to move, click to centre, Shift+drag to zoom to "
    "an area, wheel to zoom; arrow keys and + / - while held; 1 to 9 go to presets 1 to 9."
)


def position_text(position: PtzPosition) -> str:
    """The read-out: "Pan 12.5° · Tilt -3.0° · Zoom 2.0x"."""
    return f"Pan {position.pan:.1f}° · Tilt {position.tilt:.1f}° · Zoom {position.zoom:.1f}x"


def _row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for b in buttons:
        row.addWidget(b)
    return row


class PtzPanel(QWidget):
    # After any action from the panel: the window gives the keyboard back to the wall.
    acted = Signal()

    def __init__(  # noqa: PLR0915 (older than the rule; split when next changed)
        self, desk: PtzDesk, camera_name: Callable[[str], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._desk = desk
        self._camera_name = camera_name
        self.camera_id: str | None = None

        self.title = QLabel("Select the tile of a PTZ camera", self)
        self.title.setWordWrap(True)
        self.position_label = QLabel("", self)
        self.position_label.setObjectName("ptz-position")
        self.position_label.setToolTip("Where the camera points, as the hub last said")
        self.lock_label = QLabel("", self)
        self.lock_label.setWordWrap(True)
        # Both may quote the hub (an operator's name, a refusal's words): never read as markup.
        self.lock_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label = QLabel("", self)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {theme.ALARM.name()};")
        self.take_button = QPushButton("Take control", self)
        self.release_button = QPushButton("Release", self)
        self.take_button.clicked.connect(lambda: self._act(desk.take_control))
        self.release_button.clicked.connect(lambda: self._act(desk.give_up_control))

        self.presets_box = QGroupBox("Presets", self)
        self.presets = QListWidget(self.presets_box)
        self.presets.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.presets.itemActivated.connect(lambda _item: self.goto_selected_preset())
        self.goto_button = QPushButton("Go to", self)
        self.save_button = QPushButton("Save…", self)
        self.rename_button = QPushButton("Rename…", self)
        self.delete_button = QPushButton("Delete", self)
        self.goto_button.clicked.connect(self.goto_selected_preset)
        self.save_button.clicked.connect(self._ask_save_preset)
        self.rename_button.clicked.connect(self._ask_rename_preset)
        self.delete_button.clicked.connect(self._delete_preset)
        presets_layout = QVBoxLayout(self.presets_box)
        presets_layout.addWidget(self.presets)
        presets_layout.addLayout(_row(self.goto_button, self.save_button))
        presets_layout.addLayout(_row(self.rename_button, self.delete_button))

        self.home_button = QPushButton("Home", self)
        self.set_home_button = QPushButton("Set home here", self)
        self.home_button.clicked.connect(lambda: self._act(desk.home))
        self.set_home_button.clicked.connect(lambda: self._act(desk.set_home))

        self.tours_box = QGroupBox("Tours", self)
        self.tours = QListWidget(self.tours_box)
        self.start_tour_button = QPushButton("Start", self)
        self.stop_tour_button = QPushButton("Stop", self)
        self.new_tour_button = QPushButton("New…", self)
        self.delete_tour_button = QPushButton("Delete", self)
        self.start_tour_button.clicked.connect(self.start_selected_tour)
        self.stop_tour_button.clicked.connect(self.stop_running_tour)
        self.new_tour_button.clicked.connect(self._ask_new_tour)
        self.delete_tour_button.clicked.connect(self._delete_tour)
        tours_layout = QVBoxLayout(self.tours_box)
        tours_layout.addWidget(self.tours)
        tours_layout.addLayout(_row(self.start_tour_button, self.stop_tour_button))
        tours_layout.addLayout(_row(self.new_tour_button, self.delete_tour_button))

        hint = QLabel(HINT, self)
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {theme.MUTED.name()};")

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.position_label)
        layout.addWidget(self.lock_label)
        layout.addLayout(_row(self.take_button, self.release_button))
        layout.addWidget(self.problem_label)
        layout.addWidget(self.presets_box, 2)
        layout.addLayout(_row(self.home_button, self.set_home_button))
        layout.addWidget(self.tours_box, 1)
        layout.addWidget(hint)

        desk.lock_changed.connect(self._on_lock)
        desk.position_changed.connect(self._on_position)
        desk.presets_changed.connect(self._on_presets)
        desk.tours_changed.connect(self._on_tours)
        desk.problem.connect(self._on_problem)
        self.set_camera(None)

    # -- following the selection ---------------------------------------------------------------
    def set_camera(self, camera_id: str | None) -> None:
        caps = self._desk.capabilities(camera_id)
        if caps is None:
            camera_id = None
        if camera_id == self.camera_id and camera_id is not None:
            return
        self.camera_id = camera_id
        self.problem_label.setText("")
        steerable = caps is not None
        for w in (self.take_button, self.release_button):
            w.setEnabled(steerable)
        self.presets_box.setVisible(caps is not None and caps.presets)
        self.tours_box.setVisible(caps is not None and caps.tours)
        self.home_button.setVisible(caps is not None and caps.home)
        self.set_home_button.setVisible(caps is not None and caps.home)
        if camera_id is None:
            self.title.setText("Select the tile of a PTZ camera")
            self.position_label.setText("")
            self.lock_label.setText("")
            self.presets.clear()
            self.tours.clear()
            return
        self.title.setText(f"<b>{shown_html(self._camera_name(camera_id))}</b>")
        refusal = self._desk.refusal(camera_id)
        if refusal is not None:
            # Not this operator's to steer: the panel says why and offers nothing to press.
            for w in (self.take_button, self.release_button):
                w.setEnabled(False)
            self.presets_box.setVisible(False)
            self.tours_box.setVisible(False)
            self.home_button.setVisible(False)
            self.set_home_button.setVisible(False)
            self.problem_label.setText(refusal)
        self._desk.watch(camera_id)
        self._on_lock(camera_id, self._desk.lock(camera_id))
        position = self._desk.position(camera_id)
        self.position_label.setText(position_text(position) if position is not None else "")
        self._on_presets(camera_id, self._desk.presets(camera_id))
        self._on_tours(camera_id, self._desk.tours(camera_id))

    # -- desk -> view --------------------------------------------------------------------------
    def _on_lock(self, camera_id: str, lock: PtzLock | None) -> None:
        if camera_id != self.camera_id:
            return
        if lock is None:
            self.lock_label.setText("Free: the first operator to move it takes control.")
            self.lock_label.setStyleSheet(f"color: {theme.MUTED.name()};")
        elif lock.operator == self._desk.operator:
            self.lock_label.setText("You have control.")
            self.lock_label.setStyleSheet(f"color: {theme.LIVE.name()};")
        else:
            since = lock.since.astimezone().strftime("%H:%M:%S")
            self.lock_label.setText(
                f"Held by {shown(lock.operator)} since {since} (priority {lock.priority}). It is "
                f"released after {lock.idle_release_s:g} s without commands."
            )
            self.lock_label.setStyleSheet(f"color: {theme.WARN.name()};")

    def _on_presets(self, camera_id: str, presets: list[PtzPreset]) -> None:
        if camera_id != self.camera_id:
            return
        current = self.selected_preset()
        self.presets.clear()
        for number, preset in enumerate(presets, start=1):
            item = QListWidgetItem(f"{number}  {shown(preset.name)}")
            item.setData(Qt.ItemDataRole.UserRole, preset.id)
            self.presets.addItem(item)
            if current is not None and preset.id == current:
                self.presets.setCurrentItem(item)

    def _on_tours(self, camera_id: str, tours: list[PtzTour]) -> None:
        if camera_id != self.camera_id:
            return
        self.tours.clear()
        for tour in tours:
            state = " (running)" if tour.running else ""
            item = QListWidgetItem(f"{shown(tour.name)}{state} · {len(tour.steps)} steps")
            item.setData(Qt.ItemDataRole.UserRole, tour.id)
            self.tours.addItem(item)

    def _on_position(self, camera_id: str, position: PtzPosition) -> None:
        if camera_id == self.camera_id:
            self.position_label.setText(position_text(position))

    def _on_problem(self, camera_id: str, message: str) -> None:
        if camera_id == self.camera_id:
            self.problem_label.setText(message)

    # -- actions -------------------------------------------------------------------------------
    def _act(self, action: Callable[[str], None]) -> None:
        if self.camera_id is not None:
            self.problem_label.setText("")
            action(self.camera_id)
            self.acted.emit()

    def selected_preset(self) -> str | None:
        item = self.presets.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def selected_tour(self) -> str | None:
        item = self.tours.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def goto_selected_preset(self) -> None:
        preset_id = self.selected_preset()
        if preset_id is not None:
            self._act(lambda cam: self._desk.goto_preset(cam, preset_id))

    def save_preset(self, name: str) -> None:
        self._act(lambda cam: self._desk.save_preset(cam, name))

    def _ask_save_preset(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Name for where the camera points:")
        if ok and name.strip():
            self.save_preset(name.strip())

    def _ask_rename_preset(self) -> None:
        preset_id = self.selected_preset()
        if preset_id is None or self.camera_id is None:
            return
        old = next((p.name for p in self._desk.presets(self.camera_id) if p.id == preset_id), "")
        name, ok = QInputDialog.getText(
            self, "Rename preset", "New name:", QLineEdit.EchoMode.Normal, old
        )
        if ok and name.strip():
            self._act(lambda cam: self._desk.rename_preset(cam, preset_id, name.strip()))

    def _delete_preset(self) -> None:
        preset_id = self.selected_preset()
        if preset_id is not None:
            self._act(lambda cam: self._desk.delete_preset(cam, preset_id))

    def start_selected_tour(self) -> None:
        tour_id = self.selected_tour()
        if tour_id is not None:
            self._act(lambda cam: self._desk.start_tour(cam, tour_id))

    def stop_running_tour(self) -> None:
        if self.camera_id is None:
            return
        running = [t.id for t in self._desk.tours(self.camera_id) if t.running]
        for tour_id in running:
            self._act(functools.partial(self._stop_tour, tour_id=tour_id))

    def _stop_tour(self, camera_id: str, tour_id: str) -> None:
        self._desk.stop_tour(camera_id, tour_id)

    def _delete_tour(self) -> None:
        tour_id = self.selected_tour()
        if tour_id is None:
            return
        answer = QMessageBox.question(self, "Delete tour", "Delete this tour?")
        if answer == QMessageBox.StandardButton.Yes:
            self._act(lambda cam: self._desk.delete_tour(cam, tour_id))

    def _ask_new_tour(self) -> None:
        if self.camera_id is None:
            return
        presets = self._desk.presets(self.camera_id)
        if not presets:
            self.problem_label.setText("Save some presets first: a tour visits presets.")
            return
        dialog = TourDialog(presets, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            name, steps = dialog.result_tour()
            if name and steps:
                self._act(lambda cam: self._desk.save_tour(cam, name, steps))


class TourDialog(QDialog):
    """Build a tour: a name, the presets to visit in order, and how long to stay at each."""

    def __init__(self, presets: list[PtzPreset], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New tour")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. Night round")
        self.steps = QListWidget(self)
        for preset in presets:
            item = QListWidgetItem(preset.name)
            item.setData(Qt.ItemDataRole.UserRole, preset.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.steps.addItem(item)
        self.steps.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.dwell = QDoubleSpinBox(self)
        self.dwell.setRange(1.0, 3600.0)
        self.dwell.setValue(10.0)
        self.dwell.setSuffix(" s")
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Presets (drag to order)", self.steps)
        form.addRow("Stay at each", self.dwell)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_tour(self) -> tuple[str, list[PtzTourStep]]:
        steps = []
        for i in range(self.steps.count()):
            item = self.steps.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                preset_id = str(item.data(Qt.ItemDataRole.UserRole))
                steps.append(PtzTourStep(preset_id, self.dwell.value()))
        return self.name.text().strip(), steps
