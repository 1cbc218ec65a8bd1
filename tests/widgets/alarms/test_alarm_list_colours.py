"""The alarm list's colours (issue 14): high and critical rows tinted with their priority's
colour so they stand out at a glance; low and medium rows plain; closed rows muted, untinted."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from console.alerts.book import AlarmBook
from console.hub.models import AlarmState, AlertChange, AlertPriority
from tests.console.alerts.alertdata import make_alert
from tests.support.minimal_client import MinimalClient
from widgets.alarms.alarm_list import ALERT_ROLE, AlarmListPanel
from widgets.alarms.alert_overlay import alert_colour
from widgets.common import theme

CRITICAL = AlertPriority.CRITICAL


def test_high_and_critical_rows_are_tinted_and_closed_ones_are_not(qtbot):
    book = AlarmBook(client=MinimalClient())
    panel = AlarmListPanel(book, lambda c: f"Camera {c}", lambda _alert: None)
    qtbot.addWidget(panel)
    for priority in AlertPriority:
        book.apply(make_alert(priority.wire, "cam-01", priority), AlertChange.RAISED)
    closed = replace(
        make_alert("closed", "cam-02", AlertPriority.CRITICAL), state=AlarmState.CLOSED
    )
    book.apply(closed, AlertChange.RAISED)
    panel.model.flush(limit=None)
    model = panel.model
    rows = {model.data(model.index(r, 0), ALERT_ROLE).id: r for r in range(model.rowCount())}

    def colours(alert_id, role):
        """The row's colours in `role`, across its columns (as RGB numbers, or None)."""
        found = (model.data(model.index(rows[alert_id], c), role) for c in range(6))
        return {c.rgb() if c is not None else None for c in found}

    background = Qt.ItemDataRole.BackgroundRole
    assert colours("critical", background) == {theme.tint(alert_colour(CRITICAL)).rgb()}
    assert colours("high", background) == {theme.tint(alert_colour(AlertPriority.HIGH)).rgb()}
    assert colours("medium", background) == colours("low", background) == {None}
    assert colours("closed", background) == {None}
    # The tints differ from each other and from the list's background, and keep text readable.
    critical, high = (
        theme.tint(alert_colour(p)) for p in (AlertPriority.CRITICAL, AlertPriority.HIGH)
    )
    assert len({critical.rgb(), high.rgb(), theme.SURFACE.rgb()}) == 3
    assert all(c.lightness() < theme.TEXT.lightness() - 60 for c in (critical, high))
    # Unchanged: closed rows muted, the priority column in the priority's colour.
    foreground = Qt.ItemDataRole.ForegroundRole
    assert model.data(model.index(rows["closed"], 2), foreground) == theme.MUTED
    assert model.data(model.index(rows["high"], 0), foreground) == alert_colour(AlertPriority.HIGH)
