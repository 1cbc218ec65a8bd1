"""Painting a decoded frame: every view that shows video (wall tiles, the alarm replay) paints
it the same way, so what is drawn over the picture lands on the same pixels in each."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QImage, QPainter

from console.media.player import Frame


def fit_rect(rect: QRect, width: int, height: int) -> QRect:
    """The largest rectangle of `width`:`height` aspect centred in `rect`."""
    if width <= 0 or height <= 0:
        return rect
    scale = min(rect.width() / width, rect.height() / height)
    w, h = round(width * scale), round(height * scale)
    return QRect(rect.left() + (rect.width() - w) // 2, rect.top() + (rect.height() - h) // 2, w, h)


def paint_frame(p: QPainter, rect: QRect, frame: Frame) -> QRect:
    """Paint `frame` scaled (smoothly, once) into the largest rectangle of its aspect centred
    in `rect`; return that rectangle (where overlays go)."""
    image = QImage(
        frame.image.data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB32
    )
    target = fit_rect(rect, frame.display_width, frame.display_height)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.drawImage(QRectF(target), image)
    return target
