"""A quiet dark theme for a dim control room: the video gets the light, the chrome stays low."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = QColor(16, 18, 21)
SURFACE = QColor(26, 29, 33)
RAISED = QColor(36, 40, 46)
TEXT = QColor(200, 205, 212)
MUTED = QColor(120, 127, 137)
ACCENT = QColor(64, 140, 220)
LIVE = QColor(70, 190, 110)
PLAYBACK = QColor(90, 180, 235)  # a tile playing a recording: not the live green
WARN = QColor(230, 170, 50)
ALARM = QColor(225, 70, 60)
# The selected tile's frame: white, so it is never read as an alarm's priority colour (low
# blue, medium amber, high orange, critical red; widgets.alarms.alert_overlay).
SELECTED = QColor(255, 255, 255)

# How much of a priority's colour tints an alarm row (high and critical): clear, not loud.
ROW_TINT = 0.25


def tint(colour: QColor, share: float = ROW_TINT) -> QColor:
    """`colour` mixed into SURFACE (the lists' background) at `share`, opaque."""
    keep = 1.0 - share
    return QColor(
        round(SURFACE.red() * keep + colour.red() * share),
        round(SURFACE.green() * keep + colour.green() * share),
        round(SURFACE.blue() * keep + colour.blue() * share),
    )


STYLESHEET = f"""
QMainWindow, QDockWidget, QWidget#wall {{ background: {BACKGROUND.name()}; }}
QToolBar {{ background: {SURFACE.name()}; border: none; spacing: 6px; padding: 2px 6px; }}
QStatusBar {{ background: {SURFACE.name()}; color: {MUTED.name()}; }}
QStatusBar QLabel#notice[level="warning"] {{ color: {WARN.name()}; }}
QStatusBar QLabel#notice[level="error"] {{ color: {ALARM.name()}; }}
QDockWidget::title {{ background: {SURFACE.name()}; padding: 4px; color: {MUTED.name()}; }}
QTreeView, QLineEdit, QComboBox {{
    background: {SURFACE.name()}; color: {TEXT.name()}; border: 1px solid {RAISED.name()};
    selection-background-color: {ACCENT.darker(160).name()};
}}
QLineEdit {{ padding: 3px 6px; }}
QToolButton, QPushButton {{ color: {TEXT.name()}; background: transparent; padding: 3px 8px; }}
QToolButton:hover, QPushButton:hover {{ background: {RAISED.name()}; }}
QMenu {{ background: {SURFACE.name()}; color: {TEXT.name()}; }}
QMenu::item:selected {{ background: {ACCENT.darker(160).name()}; }}
/* The keyboard's place, visible in every pane (a 2 px ring in the selection's white); the
   wall's own ring is its selected tile's frame. The border width does not change on focus, so
   nothing moves when the keyboard arrives. */
QTreeView, QTableView, QListWidget, QLineEdit, QComboBox, QSpinBox {{
    border: 2px solid {RAISED.name()};
}}
QPushButton, QToolButton {{ border: 2px solid transparent; }}
QTreeView:focus, QTableView:focus, QListWidget:focus, QLineEdit:focus, QComboBox:focus,
QSpinBox:focus, QPushButton:focus, QToolButton:focus {{
    border: 2px solid {SELECTED.name()};
}}
"""


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, BACKGROUND)
    pal.setColor(QPalette.ColorRole.WindowText, TEXT)
    pal.setColor(QPalette.ColorRole.Base, SURFACE)
    pal.setColor(QPalette.ColorRole.AlternateBase, RAISED)
    pal.setColor(QPalette.ColorRole.Text, TEXT)
    pal.setColor(QPalette.ColorRole.Button, SURFACE)
    pal.setColor(QPalette.ColorRole.ButtonText, TEXT)
    pal.setColor(QPalette.ColorRole.Highlight, ACCENT.darker(150))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    pal.setColor(QPalette.ColorRole.ToolTipBase, RAISED)
    pal.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    pal.setColor(QPalette.ColorRole.PlaceholderText, MUTED)
    app.setPalette(pal)
    app.setStyleSheet(STYLESHEET)
