"""A tile's labels: the camera's name and the feed's state in plain words.

The labels change a few times a minute, the picture under them 15 times a second: `TileLabels`
draws them once into an image and each frame only copies that image. The top line is the
camera's name (hub text, isolated and elided into the room the state leaves, see
`widgets.common.hub_text.layout_label_line`) and the state; a PTZ line under it; a lost signal
also gets its reason across the middle of the tile.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QWidget

from console.media.feed import FeedState, FeedStatus
from console.wall.layout import TileRole
from widgets.common import theme
from widgets.common.hub_text import LabelLine, layout_label_line

ROLE_MARKS = {TileRole.PINNED: "  · pinned", TileRole.ALARM: "  · alarm tile"}


def describe_state(state: FeedState | None, profile: str | None = None) -> tuple[str, QColor]:
    """The tile's state line in plain words, and its colour."""
    if state is None or state.status is FeedStatus.IDLE:
        return "", theme.MUTED
    if state.status is FeedStatus.CONNECTING:
        again = f" (attempt {state.attempt + 1})" if state.attempt else ""
        return f"Connecting…{again}", theme.WARN
    if state.status is FeedStatus.LIVE and state.frozen_s is not None:
        return f"Frozen: picture unchanged for {state.frozen_s:.0f} s", theme.ALARM
    if state.status is FeedStatus.LIVE:
        fps = f" · {state.fps:.0f} fps" if state.fps is not None else ""
        stream = f" · {profile}" if profile else ""
        decoder = f" · {state.decoding.split()[0]}" if state.decoding else ""  # HW or SW
        return f"Live{fps}{stream}{decoder}", theme.LIVE
    retry = ""
    if state.retry_in_s is not None:
        retry = f" · reconnecting in {state.retry_in_s:.0f} s"
    return f"Signal lost: {state.reason or 'no video'}{retry}", theme.ALARM


def label_font(widget: QWidget, rect: QRect) -> QFont:
    """The labels' font for a tile of `rect`: the widget's, sized with the tile."""
    font = QFont(widget.font())
    font.setPointSizeF(max(7.0, min(11.0, rect.height() / 22)))
    return font


class TileLabels:
    """The labels of one tile (`widget`), kept as an image until what they say changes."""

    def __init__(self, widget: QWidget) -> None:
        self._widget = widget
        self.key: tuple[Any, ...] | None = None  # what `image` shows
        self.image = QImage()
        # The top line as last drawn (tests check that the camera's name never covers the state).
        self.line: LabelLine | None = None

    def paint(
        self,
        p: QPainter,
        rect: QRect,
        name: str,
        text: str,
        colour: QColor,
        ptz: tuple[str, QColor] | None,
        lost: bool,
        mark: str = "",
    ) -> None:
        widget = self._widget
        key = (
            rect.size(),
            widget.devicePixelRatioF(),
            widget.font().key(),
            name,
            text,
            colour.rgba(),
            (ptz[0], ptz[1].rgba()) if ptz else None,
            lost,
            mark,
        )
        if key != self.key:
            self.key = key
            self.image = self.draw(rect, name, text, colour, ptz, lost, mark)
        p.drawImage(rect.topLeft(), self.image)

    def draw(
        self,
        rect: QRect,
        name: str,
        text: str,
        colour: QColor,
        ptz: tuple[str, QColor] | None,
        lost: bool,
        mark: str = "",
    ) -> QImage:
        """The labels as an image of the tile's size (only as high as the lines, unless the
        signal is lost)."""
        widget = self._widget
        font = label_font(widget, rect)
        metrics = QFontMetrics(font, widget)
        pad = 4
        line = metrics.height() + 2
        height = rect.height() if lost else min(rect.height(), line + pad + (line if ptz else 0))
        ratio = widget.devicePixelRatioF()
        image = QImage(
            round(rect.width() * ratio),
            round(height * ratio),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.setFont(font)
        width = rect.width()
        band = QRect(0, 0, width, line + pad)
        p.fillRect(band, QColor(0, 0, 0, 150))
        top = self.line = layout_label_line(
            metrics, band.adjusted(pad, 0, -pad, 0), name, mark, text
        )
        p.setPen(theme.TEXT)
        p.drawText(top.name_rect, Qt.AlignmentFlag.AlignVCenter, top.name)
        if top.state:
            p.setPen(colour)
            p.drawText(
                top.state_rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                top.state,
            )
        if ptz is not None:
            ptz_band = QRect(0, band.bottom() + 1, width, line)
            p.fillRect(ptz_band, QColor(0, 0, 0, 120))
            p.setPen(ptz[1])
            p.drawText(
                ptz_band.adjusted(pad, 0, -pad, 0),
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(ptz[0], Qt.TextElideMode.ElideRight, width - 2 * pad),
            )
        if lost:
            p.setPen(theme.ALARM)
            p.drawText(
                QRect(0, 0, width, rect.height()).adjusted(pad, line, -pad, -pad),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                text,
            )
        p.end()
        return image
