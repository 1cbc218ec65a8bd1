"""A tile's labels: the camera's name and the feed's state in plain words.

The labels change a few times a minute, the picture under them 15 times a second: `TileLabels`
draws them once into an image and each frame only copies that image. The top line is the
camera's name (hub text, isolated and elided into the room the state leaves, see
`widgets.common.hub_text.layout_label_line`) on a dark band that keeps it readable on any
picture, and the state; a PTZ line under it. A tile whose picture is not live (connecting,
frozen, signal lost) says so in a short word across its middle, on an opaque band
(`state_band`); the full reason is in the tile's tooltip (`state_detail`).
"""

from __future__ import annotations

import math
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
    """The tile's state in a few plain words, and its colour: "Live · 15 fps · sub · SW",
    "Connecting…", "FROZEN · 12 s", "NO SIGNAL · retry in 3 s" (the feed's countdown). The
    long words (why, which attempt) are `state_detail`'s."""
    if state is None or state.status is FeedStatus.IDLE:
        return "", theme.MUTED
    if state.playback is not None:
        colour = {FeedStatus.LIVE: theme.PLAYBACK, FeedStatus.CONNECTING: theme.WARN}
        return state.playback, colour.get(state.status, theme.ALARM)
    if state.status is FeedStatus.CONNECTING:
        return "Connecting…", theme.WARN
    if state.status is FeedStatus.LIVE and state.frozen_s is not None:
        return f"FROZEN · {state.frozen_s:.0f} s", theme.ALARM
    if state.status is FeedStatus.LIVE:
        fps = f" · {state.fps:.0f} fps" if state.fps is not None else ""
        stream = f" · {profile}" if profile else ""
        decoder = f" · {state.decoding.split()[0]}" if state.decoding else ""  # HW or SW
        return f"Live{fps}{stream}{decoder}", theme.LIVE
    retry = ""
    if state.retry_in_s is not None:
        retry = f" · retry in {math.ceil(state.retry_in_s)} s"
    return f"NO SIGNAL{retry}", theme.ALARM


def state_detail(state: FeedState | None) -> str:
    """The state in full, for the tile's tooltip (plain text; "" while live or idle)."""
    if state is None or state.status is FeedStatus.IDLE:
        return ""
    if state.playback is not None:
        return state.reason or ""
    if state.status is FeedStatus.CONNECTING:
        again = f" (attempt {state.attempt + 1})" if state.attempt else ""
        return f"Connecting to the camera's stream{again}."
    if state.status is FeedStatus.LIVE and state.frozen_s is not None:
        return (
            f"Frozen: picture unchanged for {state.frozen_s:.0f} s (frames keep coming, "
            "the picture in them does not move)."
        )
    if state.status is FeedStatus.LIVE:
        return ""
    reason = (state.reason or "no video").rstrip(".")
    retry = ""
    if state.retry_in_s is not None:
        retry = f" Reconnecting in {math.ceil(state.retry_in_s)} s"
        retry += f" ({state.attempt} attempts failed so far)." if state.attempt > 1 else "."
    return f"Signal lost: {reason}.{retry}"


def picture_is_live(state: FeedState | None) -> bool:
    """Whether the tile's picture is what the camera sees now: not while connecting (the last
    picture of a lost stream, or none), not when frozen, not when the signal is lost."""
    if state is None or state.status is FeedStatus.IDLE:
        return True  # nothing is claimed about a tile without a feed
    return state.status is FeedStatus.LIVE and state.frozen_s is None


def label_font(widget: QWidget, rect: QRect) -> QFont:
    """The labels' font for a tile of `rect`: the widget's, sized with the tile."""
    font = QFont(widget.font())
    font.setPointSizeF(max(7.0, min(11.0, rect.height() / 22)))
    return font


# The top band (name, state) and the PTZ line under it: dark enough that light text reads on a
# white sky or a lit car park, light enough that the picture under it is still seen.
NAME_BAND = QColor(8, 9, 11, 215)
PTZ_BAND = QColor(8, 9, 11, 190)
# The band across a tile whose picture is not live: opaque, so the word is read at a glance.
STATE_BAND = QColor(12, 13, 16)


def band_font(widget: QWidget, rect: QRect) -> QFont:
    """The state band's font: bold, larger than the labels'."""
    font = QFont(widget.font())
    font.setBold(True)
    font.setPointSizeF(max(8.0, min(14.0, rect.height() / 16)))
    return font


class TileLabels:
    """The labels of one tile (`widget`), kept as an image until what they say changes."""

    def __init__(self, widget: QWidget) -> None:
        self._widget = widget
        self.key: tuple[Any, ...] | None = None  # what `image` shows
        self.image = QImage()
        # The top line as last drawn (tests check that the camera's name never covers the state).
        self.line: LabelLine | None = None
        self.band: QRect | None = None  # the state band as last drawn, in the tile
        self.band_lines: list[str] = []  # ... and its lines of text

    def paint(
        self,
        p: QPainter,
        rect: QRect,
        name: str,
        text: str,
        colour: QColor,
        ptz: tuple[str, QColor] | None,
        band: bool,
        mark: str = "",
    ) -> None:
        """Draw the labels over the tile; with `band` the state (`text`) is said across the
        middle of the tile instead of on the top line."""
        widget = self._widget
        key = (
            rect.size(),
            widget.devicePixelRatioF(),
            widget.font().key(),
            name,
            text,
            colour.rgba(),
            (ptz[0], ptz[1].rgba()) if ptz else None,
            band,
            mark,
        )
        if key != self.key:
            self.key = key
            self.image = self.draw(rect, name, text, colour, ptz, band, mark)
        p.drawImage(rect.topLeft(), self.image)

    def draw(
        self,
        rect: QRect,
        name: str,
        text: str,
        colour: QColor,
        ptz: tuple[str, QColor] | None,
        band: bool,
        mark: str = "",
    ) -> QImage:
        """The labels as an image of the tile's size (only as high as the lines, unless the
        state is shown on a band across the middle)."""
        widget = self._widget
        font = label_font(widget, rect)
        metrics = QFontMetrics(font, widget)
        pad = 4
        line = metrics.height() + 2
        height = rect.height() if band else min(rect.height(), line + pad + (line if ptz else 0))
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
        top_band = QRect(0, 0, width, line + pad)
        p.fillRect(top_band, NAME_BAND)
        top = self.line = layout_label_line(
            metrics, top_band.adjusted(pad, 0, -pad, 0), name, mark, "" if band else text
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
            ptz_band = QRect(0, top_band.bottom() + 1, width, line)
            p.fillRect(ptz_band, PTZ_BAND)
            p.setPen(ptz[1])
            p.drawText(
                ptz_band.adjusted(pad, 0, -pad, 0),
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(ptz[0], Qt.TextElideMode.ElideRight, width - 2 * pad),
            )
        if band and text:
            self.band = self._draw_band(p, QRect(0, 0, width, rect.height()), text, colour)
        else:
            self.band, self.band_lines = None, []
        p.end()
        return image

    def _draw_band(self, p: QPainter, rect: QRect, text: str, colour: QColor) -> QRect:
        """`text` across the middle of `rect` on an opaque band edged in `colour`; on a tile too
        narrow for one line, the word and the rest ("NO SIGNAL", "retry in 3 s") on two."""
        font = band_font(self._widget, rect)
        metrics = QFontMetrics(font, self._widget)
        pad = 6
        room = rect.width() - 2 * pad
        lines = [text]
        if metrics.horizontalAdvance(text) > room and " · " in text:
            lines = text.split(" · ", 1)
        height = min(rect.height(), metrics.height() * (len(lines) + 1))
        band = QRect(0, rect.top() + (rect.height() - height) // 2, rect.width(), height)
        p.fillRect(band, STATE_BAND)
        edge = max(1, metrics.height() // 8)
        p.fillRect(QRect(band.left(), band.top(), band.width(), edge), colour)
        p.fillRect(QRect(band.left(), band.bottom() + 1 - edge, band.width(), edge), colour)
        p.setFont(font)
        p.setPen(colour)
        self.band_lines = [
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, room) for line in lines
        ]
        p.drawText(
            band.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignCenter, "\n".join(self.band_lines)
        )
        return band
