"""The banner across the top of a wall while its hub does not answer.

Tiles that lost their streams say so one by one; an outage of the hub itself is one fact about
the whole wall, so it is said once, across it, in plain words, from `HubReachability.went_down`
until `back`. The banner lies over the top of the tiles (the tiles keep their size, so their
streams are not switched) and lets the mouse through to them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from widgets.common import theme

BANNER_TEXT = "HUB UNREACHABLE · retrying — the tiles come back by themselves when it answers"
BANNER_BACKGROUND = QColor(150, 32, 26)  # opaque: read over any picture
BANNER_TEXT_COLOUR = QColor(255, 255, 255)


class HubBanner(QLabel):
    """An opaque strip; `native` on a wall whose video is in native windows (libvlc's), so
    the strip is a window above theirs rather than painted under them."""

    def __init__(self, parent: QWidget, native: bool) -> None:
        super().__init__(BANNER_TEXT, parent)
        self.setObjectName("hub-banner")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            f"QLabel#hub-banner {{ background: {BANNER_BACKGROUND.name()};"
            f" color: {BANNER_TEXT_COLOUR.name()}; font-weight: bold; padding: 6px;"
            f" border-bottom: 2px solid {theme.ALARM.name()}; }}"
        )
        if native:
            self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow, True)
            self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors, True)
        self.hide()

    def place(self) -> None:
        """Across the top of the parent, above the tiles."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.setGeometry(0, 0, parent.width(), self.sizeHint().height())
        self.raise_()
