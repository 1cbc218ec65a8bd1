"""Pulling the operator's attention to new alarms: sounds per priority and desktop notifications.

Both react to alerts raised while the console runs (not to alarms read at start-up) and both are
rate-limited, so a burst of a thousand alerts plays one sound and shows one notification that
sums it up. What is played and shown is decided here; how is up to the player and the notifier
given (`console.alerts.sounds` plays WAV files through `aplay`; the windows post desktop
notifications).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from console.alerts.book import AlarmBook
from console.alerts.settings import AlertSettings
from console.base.safe_text import isolate
from console.hub.models import AlarmState, Alert, AlertChange

SOUND_GAP_S = 2.0  # at most one sound this often, unless a more urgent one comes
NOTIFY_GATHER_S = 1.0  # alerts arriving within this time make one notification


class SoundPlayer(Protocol):
    def play(self, name: str) -> None: ...


class Notifier(Protocol):
    def in_front(self) -> bool:
        """Whether a console window is the active window (then no notification is needed)."""
        ...

    def notify(self, title: str, body: str, urgent: bool) -> None: ...


class AlertAttention:
    """Plays the sound of each new alert's priority and notifies the desktop when the console
    is not in front. `played` and `notified` count what was done (for tests and the status)."""

    def __init__(
        self,
        book: AlarmBook,
        settings: Callable[[], AlertSettings],
        player: SoundPlayer | None,
        notifier: Notifier | None,
        camera_name: Callable[[str], str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._player = player
        self._notifier = notifier
        self._camera_name = camera_name
        self._clock = clock
        self._last_sound: tuple[float, int] | None = None  # (when, priority)
        self._gathered: list[Alert] = []
        self._gather_handle: asyncio.TimerHandle | None = None
        self.played: list[str] = []
        self.notified: list[tuple[str, str]] = []
        book.changed.connect(self._on_changed)

    def _on_changed(self, alert: Alert, change: AlertChange | None) -> None:
        if change is not AlertChange.RAISED or alert.state is not AlarmState.NEW:
            return
        settings = self._settings()
        self._sound(alert, settings)
        if (
            settings.notifications_enabled
            and self._notifier is not None
            and alert.priority >= settings.notify_min_priority
            and not self._notifier.in_front()
        ):
            self._gathered.append(alert)
            if self._gather_handle is None:
                loop = asyncio.get_running_loop()
                self._gather_handle = loop.call_later(NOTIFY_GATHER_S, self._send_notification)

    def _sound(self, alert: Alert, settings: AlertSettings) -> None:
        name = settings.sound_for(alert)
        if name is None or self._player is None:
            return
        now = self._clock()
        if self._last_sound is not None:
            when, priority = self._last_sound
            if now - when < SOUND_GAP_S and alert.priority <= priority:
                return
        self._last_sound = (now, int(alert.priority))
        self.played.append(name)
        self._player.play(name)

    def _send_notification(self) -> None:
        self._gather_handle = None
        alerts, self._gathered = self._gathered, []
        if not alerts or self._notifier is None:
            return
        top = max(alerts, key=lambda a: (a.priority, a.started))
        where = isolate(self._camera_name(top.camera_id))
        what = isolate(top.title)
        if len(alerts) == 1:
            title = f"{top.priority.title} alarm: {what}"
            body = f"{where}. {isolate(top.message) if top.message else ''}".strip()
        else:
            title = f"{len(alerts)} new alarms"
            body = f"Most urgent: {what} on {where} ({top.priority.title})."
        self.notified.append((title, body))
        self._notifier.notify(title, body, int(top.priority) >= 3)

    def close(self) -> None:
        if self._gather_handle is not None:
            self._gather_handle.cancel()
            self._gather_handle = None
