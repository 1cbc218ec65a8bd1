"""An incident's alerts and a replay clock moved by hand, for the incident tests (pure data)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from console.base.signals import Signal
from console.hub.models import (
    AlarmAction,
    AlarmState,
    Alert,
    AlertBox,
    AlertHistory,
    AlertKind,
    AlertPriority,
)

T0 = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def alert(
    alert_id: str,
    camera_id: str,
    started_s: float,
    ended_s: float | None,
    *,
    ack_s: float | None = None,
    by: str = "ana",
    priority: AlertPriority = AlertPriority.HIGH,
    kind: AlertKind = AlertKind.OBJECT,
) -> Alert:
    acknowledged = AlarmAction(by, at(ack_s), "on it") if ack_s is not None else None
    return Alert(
        id=alert_id,
        kind=kind,
        camera_id=camera_id,
        priority=priority,
        started=at(started_s),
        active=ended_s is None,
        state=AlarmState.ACKNOWLEDGED if acknowledged else AlarmState.NEW,
        revision=1,
        ended=None if ended_s is None else at(ended_s),
        label="person" if kind is AlertKind.OBJECT else None,
        box=AlertBox(0.4, 0.3, 0.1, 0.3),
        acknowledged=acknowledged,
    )


def history(*alerts: Alert, start_s: float = -60, end_s: float = 120) -> AlertHistory:
    return AlertHistory(at(start_s), at(end_s), tuple(alerts))


class HandClock:
    """A ReplayClock moved by the test: `move(s)` sets the position and ticks."""

    def __init__(self) -> None:
        self.ticked = Signal()
        self._position: datetime | None = None
        self.paused = 0

    def position(self) -> datetime | None:
        return self._position

    def pause(self) -> None:
        self.paused += 1

    def move(self, seconds: float) -> None:
        self.move_to(at(seconds))

    def move_to(self, position: datetime) -> None:
        self._position = position
        self.ticked.emit(position)
