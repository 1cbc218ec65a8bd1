"""Guard against a Qt binding that corrupts reference counts on the paint path.

PySide6 6.12.0 drops a reference to None on every call of a method returning void; on Python
3.11 None is not immortal, so a wall painting 9 tiles at 15 fps aborted the interpreter
("none_dealloc") within minutes. pyproject.toml pins below it; this test fails on any version
that brings the bug back.
"""

import sys

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


def test_void_calls_on_the_paint_path_keep_none_alive(qtbot):
    target = QImage(64, 36, QImage.Format.Format_RGB32)
    frame = QImage(32, 18, QImage.Format.Format_RGB32)
    widget = QWidget()
    qtbot.addWidget(widget)
    painter = QPainter(target)
    before = sys.getrefcount(None)
    for _ in range(500):
        painter.drawImage(QRectF(0, 0, 64, 36), frame)
        widget.update()
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 50, f"None lost {before - after} references in 1000 calls"
