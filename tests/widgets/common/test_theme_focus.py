"""The keyboard's place is visible (issue 14: focus was barely visible anywhere): a focused
field, list or button has a white ring, and nothing moves when the focus arrives."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from tests.e2e.conftest import qimage_to_array
from widgets.common import theme


def test_a_focused_field_and_button_have_a_white_ring_and_keep_their_size(qtbot):
    box = QWidget()
    box.setStyleSheet(theme.STYLESHEET)
    field, button = QLineEdit(box), QPushButton("Go to", box)
    column = QVBoxLayout(box)
    column.addWidget(field)
    column.addWidget(button)
    qtbot.addWidget(box)
    box.show()
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    for widget, other in ((field, button), (button, field)):
        other.setFocus()
        qtbot.waitUntil(other.hasFocus)
        size = widget.size()
        before = qimage_to_array(widget.grab().toImage())
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus)
        after = qimage_to_array(widget.grab().toImage())
        assert widget.size() == size
        edge = after[after.shape[0] // 2, 0].astype(int)
        assert (edge > 230).all(), edge  # white
        assert np.abs(before[before.shape[0] // 2, 0].astype(int) - edge).max() > 100
