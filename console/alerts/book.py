"""The console's alarm book: every alert the hub reported, kept current from its event channel.

One `AlarmBook` per console. It starts from the hub's snapshot (`GET /api/v1/alerts`), follows
the `alert` events from the snapshot's seq on (so nothing falls between the two), and after a
reconnect reads the snapshot again and merges it: per alert the copy with the highest
`revision` wins, so replayed events, snapshots and answers to our own acknowledgements can
arrive in any order without an alarm going back in time or showing twice. A hub that restarted
numbers its revisions afresh: then its snapshot replaces what the book held, except that an
open alarm is never dropped on the book's own account: one the restarted hub no longer knows
stays, marked as gone from the hub (`gone_from_hub`), with a notice, until the operator closes
it here (the hub cannot act on an alarm it does not know).

Views subscribe to the signals; the book never waits on them. It emits once per change, and
views batch (the alarm list to the screen's refresh; tiles repaint at most once per frame).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from console.base.notices import Level, Notices
from console.base.safe_text import isolate
from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.hub.base import HubClient
from console.hub.errors import HubError, HubNotSupported
from console.hub.facets import AlertsFacet
from console.hub.models import (
    EVENT_ALERT,
    AlarmState,
    Alert,
    AlertChange,
    HubEvent,
)

log = logging.getLogger(__name__)

# How long an ended alert's overlay takes to fade out on its tile.
OVERLAY_FADE_S = 1.5
# The book forgets the oldest closed alarms beyond this many (open ones are always kept).
MAX_ALARMS = 20000
GONE_NOTICE_KEY = "hub-alarms-gone"


@dataclass(frozen=True, slots=True)
class Overlay:
    """What a tile draws for one alert: the alert, and how opaque (1 live, fading to 0)."""

    alert: Alert
    opacity: float


class OverlaySource(Protocol):
    """What a wall's tiles draw alerts from: the live `AlarmBook`, or an incident replay's
    re-fired alerts (`console.incident.replay.IncidentReplay`), never both at once.

    Signals: `camera_changed(camera_id)`, `reset()`."""

    camera_changed: Signal
    reset: Signal

    def overlays(self, camera_id: str) -> list[Overlay]: ...

    def is_fading(self) -> bool: ...


class AlarmBook:
    """All alarms this console knows, by id, plus which are active on which camera.

    Signals (emitted on the loop thread):
    - `changed(alert, change)`: an alarm is new or changed (`change` is an AlertChange, or None
      when it came from a snapshot).
    - `camera_changed(camera_id)`: what a camera's tile should draw changed.
    - `reset()`: the book was rebuilt from a restarted hub's snapshot (views re-read it all).
    - `problem(message)`: plain words for the operator (an acknowledgement the hub refused).
    """

    def __init__(
        self,
        client: HubClient,
        notices: Notices | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        # None: this hub's driver has no alerts; the book stays empty and follows nothing.
        self._facet: AlertsFacet | None = client.alerts_facet
        self._notices = notices
        self._clock = clock
        self._alarms: dict[str, Alert] = {}
        self._new: set[str] = set()  # ids of alarms in state NEW
        self._received: dict[str, float] = {}  # alert id -> when this console first heard of it
        self._active: dict[str, dict[str, Alert]] = {}  # camera id -> alert id -> alert
        self._fading: dict[str, dict[str, tuple[Alert, float]]] = {}  # camera -> id -> (a, end)
        self.changed = Signal()
        self.camera_changed = Signal()
        self.reset = Signal()
        self.problem = Signal()
        # (what: "acknowledge" | "close", Alert, note): this console's operator did it (the
        # audit trail's; `changed` also carries other consoles' changes).
        self.acted = Signal()
        self.unreadable = 0  # alert events this console could not read
        # Open alarms a restarted hub no longer knows: kept, and acted on here only.
        self._gone: set[str] = set()
        self.supported = self._facet is not None  # False too when the hub answers "not supported"
        self._connected_once = False
        self._tasks = TaskOwner("alarm-book")

    # -- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._alarms)

    def get(self, alert_id: str) -> Alert | None:
        return self._alarms.get(alert_id)

    def alarms(self) -> list[Alert]:
        """Every alarm, in the order the console first heard of them."""
        return list(self._alarms.values())

    def gone_from_hub(self, alert_id: str) -> bool:
        """Whether this open alarm was kept from before a hub restart that forgot it."""
        return alert_id in self._gone

    def received_at(self, alert_id: str) -> float | None:
        """When (monotonic) this console first heard of the alert."""
        return self._received.get(alert_id)

    @property
    def new_count(self) -> int:
        """How many alarms nobody has acknowledged yet."""
        return len(self._new)

    def unacknowledged(self) -> list[Alert]:
        """New alarms, most urgent first, then oldest first: the order an operator takes them."""
        waiting = [self._alarms[i] for i in self._new]
        return sorted(waiting, key=lambda a: (-a.priority, a.started, a.id))

    def next_unacknowledged(self, after: str | None = None) -> Alert | None:
        """The next new alarm in operator order after `after` (wrapping), or the first one."""
        waiting = self.unacknowledged()
        if not waiting:
            return None
        ids = [a.id for a in waiting]
        if after in ids:
            return waiting[(ids.index(after) + 1) % len(waiting)]
        return waiting[0]

    def overlays(self, camera_id: str) -> list[Overlay]:
        """What the camera's tile draws now: its active alerts, then the ones fading out."""
        out = [Overlay(a, 1.0) for a in self._active.get(camera_id, {}).values()]
        fading = self._fading.get(camera_id)
        if fading:
            now = self._clock()
            for alert_id, (alert, ended) in list(fading.items()):
                left = 1.0 - (now - ended) / OVERLAY_FADE_S
                if left <= 0:
                    del fading[alert_id]
                else:
                    out.append(Overlay(alert, left))
            if not fading:
                del self._fading[camera_id]
        out.sort(key=lambda o: (-o.opacity, -o.alert.priority, o.alert.started))
        return out

    def is_fading(self) -> bool:
        return bool(self._fading)

    # -- changing --------------------------------------------------------------------------------
    def apply(self, alert: Alert, change: AlertChange | None = None) -> bool:
        """Take a copy of an alert from the hub; False when the book already had it or newer."""
        old = self._alarms.get(alert.id)
        if alert.id in self._gone:
            # The hub gave a new alarm the id of one it forgot: the new one is the hub's.
            self._gone.discard(alert.id)
            if old is not None:
                self._say_gone_alarm_replaced(old)
            old = None
        if old is not None and old.revision >= alert.revision:
            return False
        self._alarms[alert.id] = alert
        self._count_new(alert)
        if old is None:
            self._received[alert.id] = self._clock()
            self._forget_old()
        self._track_activity(old, alert)
        self.changed.emit(alert, change)
        return True

    def apply_event(self, event: HubEvent) -> None:
        if event.type != EVENT_ALERT:
            return
        if event.alert is None:
            self.unreadable += 1
            if self.unreadable == 1 and self._notices is not None:
                self._notices.post(
                    "The hub sent an alert this console cannot read; it was skipped. "
                    "Check that the hub and the console are up to date.",
                    Level.WARNING,
                )
            return
        self.apply(event.alert, event.alert_change)

    def replace_all(self, alerts: Iterable[Alert]) -> None:
        """Start over from a snapshot (the hub restarted and numbers revisions afresh). Open
        alarms the snapshot lacks are kept, marked as gone from the hub, with a notice."""
        snapshot = {alert.id: alert for alert in alerts}
        kept = [
            alert
            for alert in self._alarms.values()
            if alert.id not in snapshot and alert.state is not AlarmState.CLOSED
        ]
        received = {a.id: self._received.get(a.id) for a in kept}
        cameras = set(self._active) | set(self._fading)
        self._alarms.clear()
        self._received.clear()
        self._active.clear()
        self._fading.clear()
        now = self._clock()
        self._new.clear()
        for alert in snapshot.values():
            self._alarms[alert.id] = alert
            self._count_new(alert)
            self._received[alert.id] = now
            self._track_activity(None, alert)
        newly_gone = [a for a in kept if a.id not in self._gone]
        self._gone = {a.id for a in kept}
        for alert in kept:  # in the list, never on a tile: nothing will end their overlays
            self._alarms[alert.id] = alert
            self._count_new(alert)
            self._received[alert.id] = received[alert.id] or now
        if newly_gone:
            self._say_gone(newly_gone)
        self.reset.emit()
        for camera_id in cameras - set(self._active):
            self.camera_changed.emit(camera_id)

    def _say_gone(self, gone: list[Alert]) -> None:
        unacknowledged = sum(1 for a in gone if a.state is AlarmState.NEW)
        alarms = "1 open alarm" if len(gone) == 1 else f"{len(gone)} open alarms"
        waiting = f", {unacknowledged} not yet acknowledged," if unacknowledged else ""
        message = (
            f"The hub restarted and no longer knows {alarms}{waiting} ("
            + ", ".join(isolate(a.title) for a in gone[:3])
            + (", ..." if len(gone) > 3 else "")
            + "). They stay in the alarm list, marked 'gone from hub'; close them there once "
            "dealt with."
        )
        log.warning("alarms: %s", message)
        if self._notices is not None:
            self._notices.post(message, Level.WARNING, GONE_NOTICE_KEY)

    def _say_gone_alarm_replaced(self, old: Alert) -> None:
        message = (
            f"The hub gave a new alarm the id of one it had forgotten ({isolate(old.title)}); that "
            "alarm could not be kept apart and is no longer listed."
        )
        log.warning("alarms: %s", message)
        if self._notices is not None:
            self._notices.post(message, Level.WARNING)

    def _count_new(self, alert: Alert) -> None:
        if alert.state is AlarmState.NEW:
            self._new.add(alert.id)
        else:
            self._new.discard(alert.id)

    def _track_activity(self, old: Alert | None, new: Alert) -> None:
        camera = new.camera_id
        showing = new.active and new.state is not AlarmState.CLOSED
        active = self._active.setdefault(camera, {})
        if showing:
            active[new.id] = new
            fading = self._fading.get(camera)
            if fading:
                fading.pop(new.id, None)
        elif new.id in active:
            del active[new.id]
            self._fading.setdefault(camera, {})[new.id] = (new, self._clock())
        if not active:
            del self._active[camera]
        if showing or old is not None:
            self.camera_changed.emit(camera)

    def _forget_old(self) -> None:
        if len(self._alarms) <= MAX_ALARMS:
            return
        for alert_id, alert in list(self._alarms.items()):
            if alert.state is AlarmState.CLOSED:
                del self._alarms[alert_id]
                self._received.pop(alert_id, None)
                if len(self._alarms) <= MAX_ALARMS:
                    return

    # -- talking to the hub ----------------------------------------------------------------------
    async def follow(self) -> None:
        """Read the hub's alarms, then keep them current from its event channel (runs forever)."""
        since = await self._load_snapshot(replace=True)
        if not self.supported:
            return
        subscription = self.client.resilient_events(since=since, types=frozenset({EVENT_ALERT}))
        subscription.connected.connect(self._on_connected)
        subscription.restarted.connect(self._on_restarted)
        try:
            # A backlog is handed over in slices, with Qt served between (the subscription's).
            async for event in subscription:
                self.apply_event(event)
        except HubError as e:
            # Only a refusal ends it (another API version, a 4xx): an unreadable event is
            # skipped by the driver and a dropped channel reconnects.
            log.warning("alarms: the hub refused the event channel: %s", e)
            if self._notices is not None:
                self._notices.post(f"Alarms are not updating: {e.operator_message}", Level.ERROR)

    async def _load_snapshot(self, *, replace: bool) -> int | None:
        """Read the hub's open alarms into the book; the snapshot's seq (None: not read)."""
        if self._facet is None:
            return None
        while True:
            try:
                snapshot = await self._facet.alerts()
            except HubNotSupported:  # a driver with the facet, talking to a hub without it
                log.info("alarms: this hub has no alerts")
                self.supported = False
                return None
            except HubError as e:
                if not e.retryable:
                    log.warning("alarms: cannot read the hub's alarms: %s", e)
                    if self._notices is not None:
                        self._notices.post(
                            f"Cannot read the hub's alarms: {e.operator_message}", Level.WARNING
                        )
                    return None
                log.info("alarms: hub not reachable yet (%s); retrying", e)
                await asyncio.sleep(1.0)
                continue
            if snapshot.rejected and self._notices is not None:
                total = len(snapshot.alerts) + len(snapshot.rejected)
                named = "; ".join(r.describe() for r in snapshot.rejected[:5])
                more = len(snapshot.rejected) - 5
                self._notices.post(
                    f"{len(snapshot.rejected)} of {total} alarms from the hub could not be read "
                    f"and {'is' if len(snapshot.rejected) == 1 else 'are'} not shown: "
                    f"{named}{f'; and {more} more' if more > 0 else ''}.",
                    Level.WARNING,
                    "hub-alarms-unread",
                )
            if replace:
                self.replace_all(snapshot.alerts)
            else:
                for alert in snapshot.alerts:
                    self.apply(alert)
            return snapshot.seq

    def _on_connected(self, _hello: HubEvent) -> None:
        if self._connected_once:
            # Back after a drop: the replay covers what the hub retained; the snapshot covers
            # anything older (a long outage). Merging by revision makes the overlap harmless.
            self._spawn(self._load_snapshot(replace=False))
        self._connected_once = True

    def _on_restarted(self, _hello: HubEvent) -> None:
        self._spawn(self._load_snapshot(replace=True))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        self._tasks.spawn(work, "alarm-book-snapshot")

    async def acknowledge(self, alert_id: str, note: str = "") -> Alert | None:
        """Acknowledge as this console's operator; the hub tells every console. None: refused
        (the reason went to `problem`)."""
        return await self._act(alert_id, note, "acknowledge")

    async def close(self, alert_id: str, note: str = "") -> Alert | None:
        return await self._act(alert_id, note, "close")

    async def _act(self, alert_id: str, note: str, what: str) -> Alert | None:
        if alert_id in self._gone:
            return self._act_here(alert_id, what)
        if self._facet is None:
            return None  # no alarm is shown that could be acted on
        try:
            if what == "acknowledge":
                alert = await self._facet.acknowledge_alert(alert_id, note)
            else:
                alert = await self._facet.close_alert(alert_id, note)
        except HubError as e:
            message = f"Could not {what} the alarm: {e.operator_message}"
            log.warning("alarms: %s %s failed: %s", what, alert_id, e)
            self.problem.emit(message)
            if self._notices is not None:
                self._notices.post(message, Level.WARNING)
            return None
        self.apply(alert, AlertChange.ACKNOWLEDGED if what == "acknowledge" else AlertChange.CLOSED)
        self.acted.emit(what, alert, note)
        return alert

    def _act_here(self, alert_id: str, what: str) -> Alert | None:
        """Acknowledge or close an alarm the hub no longer knows: in this book only (closing
        takes it off the list; the hub has nothing to record it in)."""
        alert = self._alarms.get(alert_id)
        if alert is None:
            return None
        state = AlarmState.ACKNOWLEDGED if what == "acknowledge" else AlarmState.CLOSED
        done = replace(alert, state=state)
        if state is AlarmState.CLOSED:
            del self._alarms[alert_id]
            self._received.pop(alert_id, None)
            self._gone.discard(alert_id)
            self._new.discard(alert_id)
            if not self._gone and self._notices is not None:
                self._notices.withdraw(GONE_NOTICE_KEY)
            self.reset.emit()
        else:
            self._alarms[alert_id] = done
            self._count_new(done)
            self.changed.emit(done, AlertChange.ACKNOWLEDGED)
        log.info("alarms: %s %s here (gone from the hub)", what, alert_id)
        return done

    async def aclose(self) -> None:
        await self._tasks.close(timeout_s=1.0)
