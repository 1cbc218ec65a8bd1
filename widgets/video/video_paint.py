"""Painting a decoded frame: every view that shows video (wall tiles, the alarm replay) paints
it the same way, so what is drawn over the picture lands on the same pixels in each. A picture
that is not live (the last frame of a lost stream, a frozen one) is painted grey and dimmed
(`paint_frame(..., live=False)`), so it cannot pass for live at a glance."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from console.media.frame import Frame, fit_within


def fit_rect(rect: QRect, width: int, height: int) -> QRect:
    """The largest rectangle of `width`:`height` aspect centred in `rect`."""
    if width <= 0 or height <= 0:
        return rect
    w, h = fit_within(width, height, rect.width(), rect.height())
    return QRect(rect.left() + (rect.width() - w) // 2, rect.top() + (rect.height() - h) // 2, w, h)


def letterbox(rect: QRect, picture: QRect) -> list[QRect]:
    """The parts of `rect` outside `picture` (a centred picture leaves two bars, or none)."""
    if picture == rect:
        return []
    if not picture.isValid():
        return [rect]
    bars = [
        QRect(rect.left(), rect.top(), rect.width(), picture.top() - rect.top()),
        QRect(rect.left(), picture.bottom() + 1, rect.width(), rect.bottom() - picture.bottom()),
        QRect(rect.left(), picture.top(), picture.left() - rect.left(), picture.height()),
        QRect(picture.right() + 1, picture.top(), rect.right() - picture.right(), picture.height()),
    ]
    return [bar for bar in bars if bar.width() > 0 and bar.height() > 0]


# A picture that is not live: grey, under a shade that leaves about 40 % of its light.
NOT_LIVE_SHADE = QColor(0, 0, 0, 150)


def paint_frame(
    p: QPainter, rect: QRect, frame: Frame, device_ratio: float = 1.0, *, live: bool = True
) -> QRect:
    """Paint `frame` into the largest rectangle of its aspect centred in `rect`; return that
    rectangle (where overlays go). Not `live`: in grey and dimmed (still recognisable: which
    camera, what it last saw), converted on each paint (a lost stream paints no more frames).

    A frame libvlc made for this tile (`TilePlayer.set_picture_box`) is already the picture's
    size in device pixels and is copied unscaled; any other (a tile that changed size since,
    a stream of an unexpected size) is scaled smoothly, once.
    """
    image = QImage(
        frame.pixels.data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB32
    )
    if not live:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    target = fit_rect(rect, frame.display_width, frame.display_height)
    device_box = (round(rect.width() * device_ratio), round(rect.height() * device_ratio))
    if (frame.width, frame.height) == fit_within(
        frame.display_width, frame.display_height, *device_box
    ):
        # Centred on whole device pixels, as fit_rect centres on whole logical ones.
        left = (device_box[0] - frame.width) // 2 / device_ratio
        top = (device_box[1] - frame.height) // 2 / device_ratio
        image.setDevicePixelRatio(device_ratio)
        p.drawImage(QPointF(rect.left() + left, rect.top() + top), image)
    else:
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(target), image)
    if not live:
        p.fillRect(target, NOT_LIVE_SHADE)
    return target
