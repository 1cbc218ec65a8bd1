"""Showing text that came from a hub (camera names, groups, alert labels, operator names) in Qt.

The driver has already removed control and bidi formatting characters (`console.base.safe_text`).
What is left for the views: wrap the text in a bidi isolate so a right-to-left name cannot
reorder the console's own words beside it, escape it where Qt reads rich text (a camera called
"<b>Gate" is a name, not markup), and elide it so it never covers the console's own text. The
tile's label line is laid out here: the state ("Live · 15 fps · sub · SW", "Signal lost …") is
the console's word on the camera and is shown whole; the name gets the room that is left.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics

from console.base.safe_text import ELLIPSIS, clean_text, isolate


def shown(text: str) -> str:
    """Hub text, cleaned and isolated, for plain-text widgets and painting."""
    return isolate(text)


def shown_html(text: str) -> str:
    """Hub text for a widget that reads rich text (QLabel, tooltips): isolated and escaped."""
    return html.escape(isolate(text), quote=False)


def elided(metrics: QFontMetrics, text: str, width: int) -> str:
    """Hub text cut with "…" to fit `width` pixels, then isolated (eliding after isolating could
    cut off the isolate's end and leave the isolate open)."""
    cut = metrics.elidedText(clean_text(text), Qt.TextElideMode.ElideRight, max(0, width))
    return isolate(cut) if cut else ""


@dataclass(frozen=True)
class LabelLine:
    """A tile's top line as drawn: the camera's name on the left, the state on the right. The
    two rectangles never overlap."""

    name: str
    name_rect: QRect
    state: str
    state_rect: QRect


def layout_label_line(
    metrics: QFontMetrics, band: QRect, name: str, mark: str, state: str
) -> LabelLine:
    """Lay out `name` (hub text) followed by `mark` (the console's, e.g. "  · pinned") and
    `state` in `band`: the state keeps its full width while that leaves room for at least
    "W…" of the name; otherwise it is elided too. The name is elided into what is left."""
    width = band.width()
    gap = metrics.horizontalAdvance("   ") if state else 0
    least_name = metrics.horizontalAdvance("W" + ELLIPSIS)
    state_shown = state
    if state and metrics.horizontalAdvance(state) > width - gap - least_name:
        state_shown = metrics.elidedText(
            state, Qt.TextElideMode.ElideRight, max(0, width - gap - least_name)
        )
    state_width = metrics.horizontalAdvance(state_shown) if state_shown else 0
    state_rect = QRect(band.right() + 1 - state_width, band.top(), state_width, band.height())
    room = max(0, width - state_width - gap)
    mark_width = metrics.horizontalAdvance(mark) if mark else 0
    if mark and mark_width > room - least_name:
        mark, mark_width = "", 0  # the name comes first when there is no room for both
    name_shown = elided(metrics, name, room - mark_width) + mark
    name_width = min(room, metrics.horizontalAdvance(name_shown))
    name_rect = QRect(band.left(), band.top(), name_width, band.height())
    return LabelLine(name_shown, name_rect, state_shown, state_rect)
