"""Drawing a camera's badges (`console.provenance.badges`): small, low-contrast pills, the same
on a tile (its bottom-right corner, clear of the alert label on the left) and in the camera
tree (right of the camera's name). They inform; they do not alarm: the alarm colours stay the
alarms'. The words are the core's; the tooltip says why and gives the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QWidget

from console.provenance.badges import Badge, BadgeKind

# Muted ink on a dark, see-through pill: readable on any picture, never louder than the name.
BADGE_INK = {
    BadgeKind.FLAGGED: QColor(222, 178, 104),
    BadgeKind.CHECK: QColor(200, 190, 140),
    BadgeKind.UNKNOWN: QColor(150, 156, 165),
    BadgeKind.TIER: QColor(140, 176, 210),
}
BADGE_FILL = QColor(8, 9, 11, 170)
MARGIN = 6
SPACING = 4


def badge_font(base: QFont, height: int) -> QFont:
    """A little smaller than the tile's labels, sized with the tile (`height`)."""
    font = QFont(base)
    font.setPointSizeF(max(6.5, min(9.0, height / 28)))
    return font


def badge_tooltip(badges: Sequence[Badge]) -> str:
    """The badges' details, one paragraph each (plain text)."""
    return "\n\n".join(b.detail for b in badges)


def layout_badges(
    metrics: QFontMetrics,
    area: QRect,
    badges: Sequence[Badge],
    margin: int = MARGIN,
    *,
    centred: bool = False,
) -> list[tuple[QRect, str]]:
    """Pills right-aligned along the bottom of `area` (or its middle: `centred`), right to left
    in the badges' order, each with its text (in brief, then elided, when the room runs out; a
    badge with no room is left out)."""
    pad_x, height = 5, metrics.height() + 2
    right = area.right() - margin
    top = area.bottom() - margin - height + 1
    if centred:
        top = area.top() + (area.height() - height) // 2
    placed: list[tuple[QRect, str]] = []
    for badge in badges:
        room = right - (area.left() + margin) + 1 - 2 * pad_x
        if room < metrics.horizontalAdvance("W…"):
            break
        # The whole badge where it fits, else its brief form ("restricted vendor"), elided last.
        text = badge.text
        if metrics.horizontalAdvance(text) > room:
            text = metrics.elidedText(badge.brief, Qt.TextElideMode.ElideRight, room)
        width = metrics.horizontalAdvance(text) + 2 * pad_x
        pill = QRect(right - width + 1, top, width, height)
        placed.append((pill, text))
        right = pill.left() - SPACING
    return placed


def paint_pill(p: QPainter, pill: QRect, text: str, kind: BadgeKind) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BADGE_FILL)
    p.drawRoundedRect(pill, 3, 3)
    p.setPen(BADGE_INK[kind])
    p.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


class TileBadges:
    """A tile's badges, drawn into an image once and copied on each paint (the picture under
    them changes 15 times a second, the badges almost never). The image covers the pills
    only, so each frame blends a few hundred pixels, not the tile."""

    def __init__(self, widget: QWidget) -> None:
        self._widget = widget
        self.key: tuple[Any, ...] | None = None
        self.image = QImage()
        self._box = QRect()  # where the image goes, relative to the tile's rectangle
        self.pills: list[tuple[QRect, str]] = []  # as last drawn, in the tile (tests read them)

    def paint(self, p: QPainter, rect: QRect, badges: Sequence[Badge]) -> None:
        if not badges:
            self.pills = []
            return
        widget = self._widget
        ratio = widget.devicePixelRatioF()
        key = (rect.size(), ratio, widget.font().key(), tuple(badges))
        if key != self.key:
            self.key = key
            self.image = self._draw(rect, badges, ratio)
        if not self._box.isEmpty():
            p.drawImage(rect.topLeft() + self._box.topLeft(), self.image)

    def _draw(self, rect: QRect, badges: Sequence[Badge], ratio: float) -> QImage:
        font = badge_font(self._widget.font(), rect.height())
        metrics = QFontMetrics(font, self._widget)
        placed = layout_badges(metrics, QRect(0, 0, rect.width(), rect.height()), badges)
        self.pills = [(pill.translated(rect.topLeft()), text) for pill, text in placed]
        box = QRect()
        for pill, _text in placed:
            box = box.united(pill)
        self._box = box
        if box.isEmpty():
            return QImage()
        image = QImage(
            round(box.width() * ratio),
            round(box.height() * ratio),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font)
        for (pill, text), badge in zip(placed, badges, strict=False):
            paint_pill(p, pill.translated(-box.topLeft()), text, badge.kind)
        p.end()
        return image
