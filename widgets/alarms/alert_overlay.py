"""Drawing alerts over a tile: a border in the priority's colour, a label, object boxes.

Boxes come normalized to the picture (0..1), so they are mapped onto the rectangle the picture
is painted in and scale with it; a line crossing also shows its line. An alert that ended is
drawn with its fading opacity. An acknowledged alert keeps its boxes but its border turns thin
and dashed: someone is on it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from console.alerts.book import Overlay
from console.hub.models import AlarmState, AlertPriority
from widgets.common import theme
from widgets.common.hub_text import elided, shown

# A tile draws at most this many boxes (the most urgent, then the newest); its label counts the
# rest. A storm of alerts on one camera must not cost a frame per paint.
MAX_BOXES = 8

PRIORITY_COLOURS = {
    AlertPriority.LOW: QColor(120, 170, 220),
    AlertPriority.MEDIUM: theme.WARN,
    AlertPriority.HIGH: QColor(245, 125, 40),
    AlertPriority.CRITICAL: theme.ALARM,
}


def alert_colour(priority: AlertPriority, opacity: float = 1.0) -> QColor:
    colour = QColor(PRIORITY_COLOURS.get(priority, theme.WARN))
    colour.setAlphaF(max(0.0, min(1.0, opacity)))
    return colour


def alert_text(overlay: Overlay, more: int = 0) -> str:
    """The tile's label: "PERSON · Medium · 10:02:03" (local time of the start), "+N" for
    more alerts on the same camera."""
    alert = overlay.alert
    when = alert.started.astimezone().strftime("%H:%M:%S")
    state = " · ack" if alert.state is AlarmState.ACKNOWLEDGED else ""
    extra = f" · +{more}" if more else ""
    # The title may be the hub's label or number plate: isolated from the console's words.
    return f"{shown(alert.title.upper())} · {alert.priority.title} · {when}{state}{extra}"


def paint_alert_border(p: QPainter, rect: QRect, top: Overlay) -> None:
    acknowledged = top.alert.state is not AlarmState.NEW
    pen = QPen(alert_colour(top.alert.priority, top.opacity))
    pen.setWidth(2 if acknowledged else 4)
    if acknowledged:
        pen.setStyle(Qt.PenStyle.DashLine)
    p.save()
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    inset = pen.width() // 2
    p.drawRect(rect.adjusted(inset, inset, -inset - 1, -inset - 1))
    p.restore()


def paint_alert_label(p: QPainter, rect: QRect, top: Overlay, more: int = 0) -> None:
    p.save()
    font = QFont(p.font())
    font.setBold(True)
    font.setPointSizeF(max(7.0, min(11.0, rect.height() / 22)))
    p.setFont(font)
    metrics = p.fontMetrics()
    text = metrics.elidedText(alert_text(top, more), Qt.TextElideMode.ElideRight, rect.width() - 16)
    w, h = metrics.horizontalAdvance(text) + 12, metrics.height() + 4
    pill = QRect(rect.left() + 6, rect.bottom() - h - 6, w, h)
    p.fillRect(pill, alert_colour(top.alert.priority, 0.85 * top.opacity))
    p.setPen(QColor(0, 0, 0, round(255 * top.opacity)))
    p.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()


def paint_alert_boxes(p: QPainter, picture: QRect, overlays: list[Overlay]) -> None:
    """The overlays' boxes (and lines) mapped onto the painted picture: the first MAX_BOXES
    (the caller's order: live before fading, most urgent first)."""
    if picture.width() <= 0 or picture.height() <= 0:
        return
    overlays = overlays[:MAX_BOXES]
    p.save()
    font = QFont(p.font())
    font.setPointSizeF(max(6.5, min(9.0, picture.height() / 30)))
    p.setFont(font)
    p.setBrush(Qt.BrushStyle.NoBrush)
    x0, y0, pw, ph = picture.x(), picture.y(), picture.width(), picture.height()
    for overlay in overlays:
        alert = overlay.alert
        p.setPen(QPen(alert_colour(alert.priority, overlay.opacity), 2.0))
        if alert.line is not None:
            line = alert.line
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)  # only slanted lines need it
            p.drawLine(
                QPointF(x0 + line.x1 * pw, y0 + line.y1 * ph),
                QPointF(x0 + line.x2 * pw, y0 + line.y2 * ph),
            )
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if alert.box is None:
            continue
        box = alert.box
        r = QRect(
            round(x0 + box.x * pw), round(y0 + box.y * ph), round(box.w * pw), round(box.h * ph)
        )
        p.drawRect(r)
        label = alert.label or alert.plate or alert.kind.title
        room = x0 + pw - (r.left() + 2)  # a long label stops at the picture's edge
        p.drawText(r.left() + 2, max(r.top() - 3, y0 + 10), elided(p.fontMetrics(), label, room))
    p.restore()
