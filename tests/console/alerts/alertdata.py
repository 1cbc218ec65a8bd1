"""Alerts as the hub describes them, for tests of the console's alarm logic (pure data)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from console.hub.models import AlarmAction, AlarmState, Alert, AlertBox, AlertKind, AlertPriority

T0 = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)
PERSON_BOX = AlertBox(0.4, 0.3, 0.1, 0.3)


def make_alert(
    alert_id: str = "al-1",
    camera_id: str = "cam-01",
    priority: AlertPriority = AlertPriority.HIGH,
    *,
    revision: int = 1,
    kind: AlertKind = AlertKind.OBJECT,
    active: bool = True,
    state: AlarmState = AlarmState.NEW,
    started_s: float = 0.0,
    box: AlertBox | None = PERSON_BOX,
) -> Alert:
    return Alert(
        id=alert_id,
        kind=kind,
        camera_id=camera_id,
        priority=priority,
        started=T0 + timedelta(seconds=started_s),
        active=active,
        state=state,
        revision=revision,
        label="person" if kind is AlertKind.OBJECT else None,
        box=box,
    )


def acknowledged(alert: Alert, revision: int, by: str = "ana", note: str = "") -> Alert:
    return replace(
        alert,
        state=AlarmState.ACKNOWLEDGED,
        acknowledged=AlarmAction(by, T0 + timedelta(seconds=5), note),
        revision=revision,
    )


def ended(alert: Alert, revision: int) -> Alert:
    return replace(alert, active=False, ended=T0 + timedelta(seconds=9), revision=revision)
