"""Painting the operator watermark over a tile's picture (composited walls).

The words and the places are the core's (`console.watermark.text`); this draws them: light
text at low opacity with a faint dark edge, so it reads on a bright or a dark picture without
hiding it. The layer is drawn into an image when its words or size change (once a second, as
the time moves on) and copied on every frame paint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QWidget

from console.watermark.text import watermark_positions

WATERMARK_INK = QColor(255, 255, 255, 72)
WATERMARK_EDGE = QColor(0, 0, 0, 56)


def watermark_font(base: QFont, height: int) -> QFont:
    font = QFont(base)
    font.setPointSizeF(max(7.0, min(13.0, height / 26)))
    return font


def paint_watermark_text(
    p: QPainter,
    area: QRect,
    lines: Sequence[str],
    metrics: QFontMetrics,
    spots: Sequence[tuple[int, int]] | None = None,
) -> int:
    """Draw `lines` with `p`'s font at `spots` in `area` (default: tiled over it, as
    `watermark_positions` places them); the number of copies drawn."""
    line_h = metrics.height()
    block_w = max((metrics.horizontalAdvance(line) for line in lines), default=0)
    block_h = line_h * len(lines)
    if spots is None:
        spots = watermark_positions(area.width(), area.height(), block_w, block_h)
    for x, y in spots:
        for n, line in enumerate(lines):
            base = QPoint(area.left() + x, area.top() + y + n * line_h + metrics.ascent())
            p.setPen(WATERMARK_EDGE)
            p.drawText(base + QPoint(1, 1), line)
            p.setPen(WATERMARK_INK)
            p.drawText(base, line)
    return len(spots)


class WatermarkLayer:
    """One tile's watermark: the text block drawn into a small image when its words or the
    picture's size change (once a second, as the time moves on), then copied to each place on
    every frame, so a frame blends the copies' pixels only, not the whole picture."""

    def __init__(self, widget: QWidget) -> None:
        self._widget = widget
        self.key: tuple[Any, ...] | None = None
        self.image = QImage()  # one copy of the text block
        self.spots: list[tuple[int, int]] = []  # where the copies go, in the picture
        self.copies = 0  # copies drawn at the last paint (tests read it)

    def paint(self, p: QPainter, picture: QRect, lines: Sequence[str]) -> None:
        if not lines or picture.width() <= 0 or picture.height() <= 0:
            self.copies = 0
            return
        ratio = self._widget.devicePixelRatioF()
        key = (picture.size(), ratio, self._widget.font().key(), tuple(lines))
        if key != self.key:
            self.key = key
            self._prepare(picture, lines, ratio)
        for x, y in self.spots:
            p.drawImage(QPoint(picture.left() + x, picture.top() + y), self.image)
        self.copies = len(self.spots)

    def _prepare(self, picture: QRect, lines: Sequence[str], ratio: float) -> None:
        font = watermark_font(self._widget.font(), picture.height())
        metrics = QFontMetrics(font)
        block_w = max(metrics.horizontalAdvance(line) for line in lines) + 1  # the edge
        block_h = metrics.height() * len(lines) + 1
        self.spots = watermark_positions(picture.width(), picture.height(), block_w, block_h)
        size = (round(block_w * ratio), round(block_h * ratio))
        image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.setFont(font)
        paint_watermark_text(p, QRect(0, 0, block_w, block_h), lines, metrics, [(0, 0)])
        p.end()
        self.image = image
