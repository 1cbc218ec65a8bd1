"""The camera tree's badges: the same pills as on the tiles, right of the camera's name (which
is elided to leave them room), in the row's own font a little smaller."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from console.provenance.badges import Badge
from widgets.provenance.badge_paint import layout_badges, paint_pill

BADGE_ROLE = Qt.ItemDataRole.UserRole + 3
TREE_MARGIN = 2
BADGE_SHARE = 0.45


def tree_badge_font(base: QFont) -> QFont:
    font = QFont(base)
    size = base.pointSizeF()
    if size > 0:
        font.setPointSizeF(max(6.5, size * 0.85))
    return font


class BadgeDelegate(QStyledItemDelegate):
    """Paints a row as usual, its text elided before the badges, then the badges."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        badges = index.data(BADGE_ROLE)
        if not badges:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rect = QRect(opt.rect)
        font = tree_badge_font(opt.font)
        metrics = QFontMetrics(font)
        # The camera's name keeps most of the row: the badges get its right part at most.
        area = QRect(rect)
        area.setLeft(rect.right() - round(rect.width() * BADGE_SHARE))
        pills = layout_badges(metrics, area, list(badges), TREE_MARGIN, centred=True)
        if pills:
            left = min(pill.left() for pill, _text in pills)
            room = max(0, left - rect.left() - 8)
            text_metrics = QFontMetrics(opt.font)
            opt.text = text_metrics.elidedText(
                opt.text,
                Qt.TextElideMode.ElideRight,
                room,
            )
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(font)
        for (pill, text), badge in zip(pills, badges, strict=False):
            paint_pill(painter, pill, text, badge.kind)
        painter.restore()


def badges_in(value: object) -> tuple[Badge, ...]:
    """The badges stored in an item's BADGE_ROLE (empty for anything else)."""
    if isinstance(value, tuple) and all(isinstance(b, Badge) for b in value):
        return value
    return ()
