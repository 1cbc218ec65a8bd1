"""Steering a PTZ camera on its tile with the mouse and the keyboard.

In PTZ mode (key P or the tile's menu) the tile's picture becomes the control surface:

- **drag**: the camera moves with a speed proportional to how far the cursor is from where the
  drag started (half the picture = full speed), like a joystick; letting go stops it;
- **click**: the clicked point becomes the centre of the picture (a relative move);
- **Shift+drag** a rectangle: area zoom, the rectangle fills the picture;
- **wheel**: zoom in and out; **arrow keys** pan and tilt, **+ / -** zoom, while held (Shift:
  full speed).

A held drag or key produces an input sample every 100 ms even when the hand is still, because
the control chain stops the camera after 0.5 s without input (its dead-man). Everything goes
through `console.ptz.desk.PtzDesk`; nothing here talks to the hub or waits for it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen

from console.ptz.desk import PtzDesk
from console.ptz.geometry import drag_velocity
from widgets.common import theme

HOLD_SAMPLE_MS = 100
KEY_SPEED = 0.5
WHEEL_ZOOM_STEP = 1.25
CLICK_MAX_PX = 6
# Without relative zoom, one wheel notch zooms continuously for this long.
WHEEL_PULSE_MS = 250

_KEY_AXES: dict[int, tuple[float, float, float]] = {
    Qt.Key.Key_Left: (-1.0, 0.0, 0.0),
    Qt.Key.Key_Right: (1.0, 0.0, 0.0),
    Qt.Key.Key_Up: (0.0, 1.0, 0.0),
    Qt.Key.Key_Down: (0.0, -1.0, 0.0),
    Qt.Key.Key_Plus: (0.0, 0.0, 1.0),
    Qt.Key.Key_Equal: (0.0, 0.0, 1.0),  # "+" without Shift on most layouts
    Qt.Key.Key_Minus: (0.0, 0.0, -1.0),
}


class TileSteering(QObject):
    """Mouse and keyboard PTZ for one tile; the tile forwards its events while in PTZ mode."""

    changed = Signal()  # the overlay (drag line, rectangle) needs a repaint

    def __init__(
        self, desk: PtzDesk, picture: Callable[[], QRect], parent: QObject | None = None
    ) -> None:
        """`picture()` says where the tile draws the picture now (clicks are relative to it)."""
        super().__init__(parent)
        self._desk = desk
        self._picture_rect = picture
        self.camera_id: str | None = None
        self._press: QPointF | None = None
        self._cursor: QPointF | None = None
        self._area = False  # this drag draws an area-zoom rectangle
        self._dragging = False
        self._keys: dict[int, tuple[float, float, float]] = {}
        self._key_speed = KEY_SPEED
        self._hold = QTimer(self)
        self._hold.setInterval(HOLD_SAMPLE_MS)
        self._hold.timeout.connect(self._sample)
        self._pulse = QTimer(self)
        self._pulse.setSingleShot(True)
        self._pulse.timeout.connect(lambda: self.stop("wheel pulse over"))

    # -- state --------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """A drag or a key is steering now."""
        return self._dragging or bool(self._keys)

    def stop(self, reason: str = "release") -> None:
        """Let go of everything and stop the camera (focus lost, tile changed, mode off)."""
        busy = self.active or self._pulse.isActive() or self._press is not None
        self._press = self._cursor = None
        self._dragging = self._area = False
        self._keys.clear()
        self._hold.stop()
        self._pulse.stop()
        if busy and self.camera_id is not None:
            self._desk.release(self.camera_id, reason)
        self.changed.emit()

    def _normalized(self, pos: QPointF) -> tuple[float, float]:
        pic = self._picture_rect()
        if pic.width() <= 0 or pic.height() <= 0:
            return 0.5, 0.5
        return (pos.x() - pic.left()) / pic.width(), (pos.y() - pic.top()) / pic.height()

    # -- mouse ----------------------------------------------------------------------------------
    def press(self, pos: QPointF, shift: bool) -> None:
        self._press = QPointF(pos)
        self._cursor = QPointF(pos)
        self._area = shift
        self._dragging = False

    def move(self, pos: QPointF) -> None:
        if self._press is None:
            return
        self._cursor = QPointF(pos)
        if not self._dragging and (pos - self._press).manhattanLength() > CLICK_MAX_PX:
            self._dragging = True
            if not self._area:
                self._hold.start()
        if self._dragging and not self._area:
            self._sample()
        self.changed.emit()

    def release(self, pos: QPointF) -> None:
        start, dragging, area = self._press, self._dragging, self._area
        camera_id = self.camera_id
        self._press = self._cursor = None
        self._dragging = self._area = False
        if not self._keys:
            self._hold.stop()
        self.changed.emit()
        if start is None or camera_id is None:
            return
        if dragging and not area:
            self._desk.steer(camera_id, 0.0, 0.0, 0.0)  # let go: stop now
            return
        x1, y1 = self._normalized(pos)
        if dragging and area:
            x0, y0 = self._normalized(start)
            self._desk.zoom_to_area(camera_id, x0, y0, x1, y1)
        else:
            self._desk.centre_on(camera_id, x1, y1)

    def wheel(self, notches: float) -> None:
        camera_id = self.camera_id
        caps = self._desk.capabilities(camera_id)
        if camera_id is None or caps is None or notches == 0:
            return
        if caps.relative:
            self._desk.relative(camera_id, 0.0, 0.0, WHEEL_ZOOM_STEP**notches)
        elif caps.continuous:
            self._desk.steer(camera_id, 0.0, 0.0, KEY_SPEED if notches > 0 else -KEY_SPEED)
            self._pulse.start(WHEEL_PULSE_MS)

    # -- keyboard -------------------------------------------------------------------------------
    def key_press(self, key: int, shift: bool, auto_repeat: bool) -> bool:
        """True when the key steers (the caller then does not use it for anything else): the
        arrows and + / - while held, 1 to 9 go to that preset."""
        if self.camera_id is not None and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            if not auto_repeat:
                self._desk.goto_preset_number(self.camera_id, key - Qt.Key.Key_0)
            return True
        axes = _KEY_AXES.get(key)
        if axes is None or self.camera_id is None:
            return False
        self._key_speed = 1.0 if shift else KEY_SPEED
        if not auto_repeat or key not in self._keys:
            self._keys[key] = axes
            self._hold.start()
            self._sample()
        return True

    def key_release(self, key: int, auto_repeat: bool) -> bool:
        if key not in _KEY_AXES:
            return False
        if auto_repeat:
            return True  # the key is still held
        self._keys.pop(key, None)
        if self._keys:
            self._sample()
        else:
            if not self._dragging:
                self._hold.stop()
            if self.camera_id is not None:
                self._desk.steer(self.camera_id, 0.0, 0.0, 0.0)
        return True

    # -- the samples ----------------------------------------------------------------------------
    def _sample(self) -> None:
        if self.camera_id is None:
            return
        pan = tilt = zoom = 0.0
        if self._dragging and not self._area and self._press is not None and self._cursor:
            pic = self._picture_rect()
            half_w = max(1.0, pic.width() / 2)
            half_h = max(1.0, pic.height() / 2)
            d = self._cursor - self._press
            pan, tilt = drag_velocity(d.x() / half_w, d.y() / half_h)
        for kp, kt, kz in self._keys.values():
            pan += kp * self._key_speed
            tilt += kt * self._key_speed
            zoom += kz * self._key_speed
        # All zero (the cursor back at the start point) stops the camera at once.
        self._desk.steer(self.camera_id, pan, tilt, zoom)

    # -- overlay --------------------------------------------------------------------------------
    def paint(self, p: QPainter) -> None:
        """The drag line or the area rectangle, over the picture."""
        if self._press is None or self._cursor is None or not self._dragging:
            return
        pen = QPen(QColor(theme.ACCENT))
        pen.setWidth(2)
        p.setPen(pen)
        if self._area:
            p.setBrush(QColor(theme.ACCENT.red(), theme.ACCENT.green(), theme.ACCENT.blue(), 40))
            p.drawRect(QRectF(self._press, self._cursor).normalized())
            p.setBrush(Qt.BrushStyle.NoBrush)
        else:
            p.drawLine(self._press, self._cursor)
            p.drawEllipse(self._press, 5, 5)


def paint_crosshair(p: QPainter, picture: QRect) -> None:
    """A small centre mark: the tile is in PTZ mode, and where click-to-centre aims."""
    c = picture.center()
    pen = QPen(QColor(255, 255, 255, 150))
    pen.setWidth(1)
    p.setPen(pen)
    size = max(6, min(picture.width(), picture.height()) // 30)
    p.drawLine(c.x() - size, c.y(), c.x() + size, c.y())
    p.drawLine(c.x(), c.y() - size, c.x(), c.y() + size)
