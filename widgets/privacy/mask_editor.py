"""The mask editor: a supervisor draws and deletes a camera's privacy masks over its current
picture, and saves them (to the hub that keeps them, else to this console's file).

Drawing: a click adds a corner; Enter (or a double click) closes the polygon into a mask of the
style and label chosen; Backspace takes the last corner back; Escape drops the polygon being
drawn (a second Escape closes the editor). Masks are listed below the picture; Delete removes
the selected one. Nothing changes for anyone until Save; the registry then says whether the hub
took them (a refusal is shown in plain words).

On a PTZ camera whose position is known (`set_view`), a new mask carries that position as its
anchor, so it follows the scene when the head moves; the masks already there are shown where
their part of the scene is in the current view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import TaskOwner
from console.privacy.follow import FieldOfView, HeadPosition, anchor_of, project_mask
from console.privacy.masks import MAX_MASKS, MAX_POINTS, PrivacyMask
from console.privacy.registry import MaskRegistry

__all__ = ["MaskCanvas", "MaskEditor"]

STYLE_WORDS = {"solid": "Solid (a flat colour)", "blur": "Blurred (a coarse mosaic)"}


class MaskCanvas(QWidget):
    """The picture with the masks drawn as outlines (solid ones filled), and the polygon being
    drawn. Points are kept in the picture's 0..1 coordinates."""

    def __init__(self, image: npt.NDArray[np.uint8] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mask-canvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(480, 270)
        self._image: QImage | None = None
        if image is not None and image.ndim == 3 and image.shape[2] == 4:
            data = np.ascontiguousarray(image)
            height, width = data.shape[:2]
            fmt = QImage.Format.Format_RGB32  # BGRA in memory
            self._image = QImage(data.data, width, height, width * 4, fmt).copy()
        self.masks: list[PrivacyMask] = []
        # PTZ: where the head points in this picture, and the field of view (None: unknown).
        self.view: HeadPosition | None = None
        self.fov: FieldOfView | None = None
        self.drawing: list[tuple[float, float]] = []
        self.selected: int | None = None
        self.on_close_polygon: Callable[[], None] = lambda: None

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn (letterboxed at its aspect; 16:9 without a picture)."""
        aspect = (
            self._image.width() / self._image.height()
            if self._image is not None and self._image.height() > 0
            else 16 / 9
        )
        w, h = float(self.width()), float(self.height())
        if w / h > aspect:
            pw, ph = h * aspect, h
        else:
            pw, ph = w, w / aspect
        return QRectF((w - pw) / 2, (h - ph) / 2, pw, ph)

    def to_picture(self, pos: QPointF) -> tuple[float, float] | None:
        r = self.picture_rect()
        x, y = (pos.x() - r.x()) / r.width(), (pos.y() - r.y()) / r.height()
        if not (-0.02 <= x <= 1.02 and -0.02 <= y <= 1.02):
            return None
        return (min(1.0, max(0.0, x)), min(1.0, max(0.0, y)))

    def _points(self, points: Sequence[tuple[float, float]]) -> list[QPointF]:
        r = self.picture_rect()
        return [QPointF(r.x() + x * r.width(), r.y() + y * r.height()) for x, y in points]

    def _polygon(self, points: Sequence[tuple[float, float]]) -> QPolygonF:
        return QPolygonF(self._points(points))

    def add_point(self, point: tuple[float, float]) -> None:
        if len(self.drawing) < MAX_POINTS:
            self.drawing.append(point)
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            point = self.to_picture(event.position())
            if point is not None:
                self.add_point(point)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.on_close_polygon()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.on_close_polygon()
        elif key == Qt.Key.Key_Backspace and self.drawing:
            self.drawing.pop()
            self.update()
        elif key == Qt.Key.Key_Escape and self.drawing:
            self.drawing.clear()
            self.update()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 20, 20))
        r = self.picture_rect()
        if self._image is not None:
            p.drawImage(r, self._image)
        else:
            p.setPen(QColor(160, 160, 160))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "No picture of this camera yet")
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index, drawn in enumerate(self.masks):
            mask = project_mask(drawn, self.view, self.fov)
            if mask is None:
                continue  # its part of the scene is out of view
            chosen = index == self.selected
            p.setPen(QPen(QColor(255, 200, 0) if chosen else QColor(230, 230, 230), 2))
            fill = QColor(48, 48, 48, 200) if mask.style == "solid" else QColor(120, 160, 255, 90)
            p.setBrush(QBrush(fill))
            p.drawPolygon(self._polygon(mask.points))
        if self.drawing:
            p.setPen(QPen(QColor(255, 80, 80), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(self._polygon(self.drawing))
            for point in self._points(self.drawing):
                p.drawEllipse(point, 3, 3)
        p.end()


class MaskEditor(QDialog):
    """Edit `camera_id`'s masks; `image`: its current picture (BGRA), or None."""

    def __init__(
        self,
        registry: MaskRegistry,
        camera_id: str,
        camera_name: str,
        image: npt.NDArray[np.uint8] | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mask-editor")
        self.setWindowTitle(f"Privacy masks · {camera_name}")
        self._registry = registry
        self._camera_id = camera_id
        self._tasks = TaskOwner("mask-editor")
        self._next = 1
        kept_by = "the video hub" if registry.kept_by_hub(camera_id) else "this console"
        intro = QLabel(
            "Click the corners of an area to hide, then press Enter. Every picture of this "
            f"camera (live, playback, snapshots, exports) has the masks drawn in. Kept by "
            f"{kept_by}.",
            self,
        )
        intro.setWordWrap(True)
        self.canvas = MaskCanvas(image, self)
        self.canvas.masks = list(registry.masks(camera_id))
        self.canvas.on_close_polygon = self.close_polygon
        self.style_box = QComboBox(self)
        for style, words in STYLE_WORDS.items():
            self.style_box.addItem(words, style)
        self.label_edit = QLineEdit(self)
        self.label_edit.setPlaceholderText("what it hides, e.g. Neighbour's window")
        self.label_edit.setMaxLength(120)
        self.mask_list = QListWidget(self)
        self.mask_list.setObjectName("mask-list")
        self.mask_list.currentRowChanged.connect(self._select)
        self.mask_list.installEventFilter(self)
        self.delete_button = QPushButton("&Delete mask", self)
        self.delete_button.clicked.connect(self.delete_selected)
        self.problem = QLabel("", self)
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("&Style", self.style_box)
        form.addRow("&Label", self.label_edit)
        row = QHBoxLayout()
        row.addWidget(self.mask_list, 1)
        row.addWidget(self.delete_button)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(self.canvas, 1)
        column.addLayout(form)
        column.addLayout(row)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self._refresh_list()
        self.canvas.setFocus()

    @property
    def masks(self) -> list[PrivacyMask]:
        return list(self.canvas.masks)

    def set_view(self, position: HeadPosition | None, fov: FieldOfView | None) -> None:
        """The PTZ head's position the picture shows, and the camera's field of view: new
        masks are anchored there (None: not a PTZ camera, or not known; masks stay on the
        picture)."""
        self.canvas.view, self.canvas.fov = position, fov
        self.canvas.update()

    def close_polygon(self) -> None:
        """Make the polygon being drawn a mask (at least three corners)."""
        points = self.canvas.drawing
        if len(points) < 3:
            self.problem.setText("A mask needs at least three corners.")
            return
        if len(self.canvas.masks) >= MAX_MASKS:
            self.problem.setText(f"A camera has at most {MAX_MASKS} masks.")
            return
        taken = {m.id for m in self.canvas.masks}
        while f"mask-{self._next}" in taken:
            self._next += 1
        mask = PrivacyMask(
            f"mask-{self._next}",
            tuple(points),
            str(self.style_box.currentData()),
            self.label_edit.text().strip(),
            anchor_of(self.canvas.view) if self.canvas.view is not None else None,
        )
        self.canvas.masks.append(mask)
        self.canvas.drawing = []
        self.label_edit.clear()
        self.problem.setText("")
        self._refresh_list()
        self.mask_list.setCurrentRow(len(self.canvas.masks) - 1)
        self.canvas.setFocus()

    def delete_selected(self) -> None:
        row = self.mask_list.currentRow()
        if 0 <= row < len(self.canvas.masks):
            del self.canvas.masks[row]
            self._refresh_list()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Delete in the list of masks removes the selected one."""
        if (
            watched is self.mask_list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
        ):
            self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    def _select(self, row: int) -> None:
        self.canvas.selected = row if row >= 0 else None
        self.canvas.update()

    def _refresh_list(self) -> None:
        self.mask_list.clear()
        for mask in self.canvas.masks:
            style = "solid" if mask.style == "solid" else "blurred"
            self.mask_list.addItem(f"{mask.label or mask.id} ({style}, {len(mask.points)} corners)")
        self.delete_button.setEnabled(bool(self.canvas.masks))
        self.canvas.selected = None
        self.canvas.update()

    def save(self) -> None:
        self.buttons.setEnabled(False)
        self.problem.setText("Saving…")
        self._tasks.spawn(self._save(), "mask-save")

    async def _save(self) -> None:
        try:
            await self._registry.save(self._camera_id, tuple(self.canvas.masks))
        except Exception as exc:  # a refusal or a hub that cannot be reached: plain words
            words = getattr(exc, "operator_message", None) or str(exc) or exc.__class__.__name__
            self.problem.setText(f"The masks were not saved: {words}")
            self.buttons.setEnabled(True)
            return
        self.accept()

    async def aclose(self) -> None:
        await self._tasks.close()
