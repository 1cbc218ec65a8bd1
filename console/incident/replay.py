"""`IncidentReplay`: re-fires a past incident's alerts in step with the wall's replay clock.

The wall plays the incident's cameras from the recordings in sync (console.playback, on its own
side); all this module sees of it is a `ReplayClock`: where the replay is, a `ticked` signal,
and `pause()`. As the clock's position passes an alert's original start, the alert is re-fired
here: it is active on its tile from its start to its end (`UNKNOWN_END_S` when the hub gave no
end), then fades for `OVERLAY_FADE_S` of replay time, and it is listed in the replay's own alarm
list. Seeking back un-fires what lies after the new position. Pause points stop the clock once
per pass, moving forward.

Kept apart from live alarms: this object reads only the `AlertHistory` it was given. It never
touches the live `AlarmBook` or a hub facet and sends nothing anywhere; the trainee's
acknowledgements live in this object alone, timed against the original operators'.
`overlays(camera_id)` answers like `AlarmBook.overlays`, so a tile draws replayed alerts with the
same borders, labels and boxes; each alert it hands out is a copy as it stood at that moment of
the replay (new until the trainee acknowledges it), never the hub's current copy.

Loop thread only: the clock's `ticked` must arrive on the thread that reads this object.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from console.alerts.book import OVERLAY_FADE_S, Overlay
from console.base.safe_text import isolate
from console.base.signals import Signal
from console.hub.models import AlarmAction, AlarmState, Alert, AlertHistory
from console.incident.model import UNKNOWN_END_S, IncidentSession

log = logging.getLogger(__name__)


class ReplayClock(Protocol):
    """What the replay needs of the wall's synchronized playback."""

    # Emits (position: datetime) several times a second while playing, and after every seek
    # or frame step.
    ticked: Signal

    def position(self) -> datetime | None: ...

    def pause(self) -> None: ...


@dataclass(frozen=True)
class OriginalAck:
    """How the original operators acknowledged an alert: who, when, and how long after the
    alert started."""

    by: str
    at: datetime
    delay_s: float
    note: str = ""


@dataclass(frozen=True)
class TraineeAck:
    """The trainee's acknowledgement: the replay's position when they acknowledged, and how
    long after the alert's start that was."""

    at: datetime
    delay_s: float


@dataclass(frozen=True)
class ReplayEntry:
    """One re-fired alert in the replay alarm list. `alert` is as replayed (new until the
    trainee acknowledges it); `offset_s` is from the session's `play_from`."""

    alert: Alert
    offset_s: float
    active: bool
    original: OriginalAck | None
    trainee: TraineeAck | None


@dataclass(frozen=True)
class SummaryRow:
    """One re-fired alert in the summary. `difference_s`: trainee minus original (negative:
    the trainee was faster); None unless both acknowledged."""

    alert: Alert
    original: OriginalAck | None
    trainee: TraineeAck | None

    @property
    def missed(self) -> bool:
        """Re-fired, and the trainee never acknowledged it."""
        return self.trainee is None

    @property
    def difference_s(self) -> float | None:
        if self.original is None or self.trainee is None:
            return None
        return self.trainee.delay_s - self.original.delay_s

    def verdict(self) -> str:
        """ "faster by 4 s", "slower by 3 s", "as fast", "missed", "nobody acknowledged it then"."""
        if self.trainee is None:
            return "missed"
        if self.original is None:
            return "acknowledged; nobody acknowledged it then"
        diff = self.difference_s
        assert diff is not None
        if abs(diff) < 0.5:
            return "as fast as the original"
        word = "faster" if diff < 0 else "slower"
        return f"{word} by {seconds_text(abs(diff))}"


@dataclass(frozen=True)
class ReplaySummary:
    """How the trainee's acknowledgements compare with the original operators'."""

    rows: tuple[SummaryRow, ...]

    @property
    def fired(self) -> int:
        return len(self.rows)

    @property
    def acknowledged(self) -> int:
        return sum(1 for r in self.rows if r.trainee is not None)

    @property
    def missed(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if r.missed)

    @property
    def median_trainee_s(self) -> float | None:
        delays = [r.trainee.delay_s for r in self.rows if r.trainee is not None]
        return statistics.median(delays) if delays else None

    @property
    def median_original_s(self) -> float | None:
        delays = [r.original.delay_s for r in self.rows if r.original is not None]
        return statistics.median(delays) if delays else None

    def lines(
        self,
        camera_name: Callable[[str], str] = str,
        quote: Callable[[str], str] = isolate,
    ) -> list[str]:
        """The summary in plain words, a line each. Hub text (alert titles, camera names,
        operators) goes through `quote` (a bidi isolate by default)."""
        if not self.rows:
            return ["No alerts were re-fired in this replay."]
        out = [
            f"Acknowledged {self.acknowledged} of {self.fired} re-fired "
            f"alert{'s' if self.fired != 1 else ''}."
        ]
        trainee, original = self.median_trainee_s, self.median_original_s
        if trainee is not None or original is not None:
            mine = seconds_text(trainee) if trainee is not None else "none acknowledged"
            then = seconds_text(original) if original is not None else "none acknowledged"
            out.append(f"Median time to acknowledge: trainee {mine}; original operators {then}.")
        for row in self.rows:
            alert = row.alert
            what = f"{quote(alert.title)} on {quote(camera_name(alert.camera_id))}"
            mine = (
                f"trainee after {seconds_text(row.trainee.delay_s)}"
                if row.trainee is not None
                else "not acknowledged by the trainee"
            )
            then = (
                f"originally {quote(row.original.by)} after {seconds_text(row.original.delay_s)}"
                if row.original is not None
                else "nobody acknowledged it originally"
            )
            out.append(f"{what}: {mine}; {then} ({row.verdict()}).")
        return out


def seconds_text(seconds: float) -> str:
    """12.4 -> "12 s"; 125 -> "2 min 5 s"."""
    whole = round(seconds)
    if abs(whole) < 90:
        return f"{whole} s"
    minutes, rest = divmod(abs(whole), 60)
    sign = "-" if whole < 0 else ""
    return f"{sign}{minutes} min {rest} s" if rest else f"{sign}{minutes} min"


def _alert_end(alert: Alert) -> datetime:
    if alert.ended is not None and alert.ended > alert.started:
        return alert.ended
    return alert.started + timedelta(seconds=UNKNOWN_END_S)


class IncidentReplay:
    """The alerts of one incident, re-fired as the replay clock moves.

    Signals (emitted on the clock's thread):
    - `fired(alert)`: the position passed the alert's original start (the replayed copy).
    - `camera_changed(camera_id)`: what the camera's tile draws changed (repaint it).
    - `changed()`: the replay alarm list changed (alerts fired or un-fired, an ack).
    - `pause_reached(PausePoint)`: the position crossed a pause point moving forward; the
      clock was paused already.
    - `finished()`: the position passed the session's end.
    - `reset()`: views re-read everything (the replay was closed: it draws nothing more).

    With `overlays`, `camera_changed`, `reset` and `is_fading` it answers a wall view what the
    live `AlarmBook` does, so the same tiles can draw it.
    """

    def __init__(self, session: IncidentSession, history: AlertHistory, clock: ReplayClock) -> None:
        self.session = session
        self.clock = clock
        cameras = set(session.camera_ids)
        seen: set[str] = set()
        alerts: list[Alert] = []
        for alert in history.alerts:
            if alert.camera_id not in cameras or alert.id in seen:
                continue
            # The alerts of the replayed stretch: active at some moment of it.
            if alert.started <= session.end and _alert_end(alert) >= session.play_from:
                seen.add(alert.id)
                alerts.append(alert)
        alerts.sort(key=lambda a: (a.started, a.id))
        self._alerts = alerts
        # The hub answered only part of the span (`more`) or sent alerts this console could not
        # read: the replay shows what it has and says so.
        self.incomplete = history.more or bool(history.rejected)
        self._by_id = {a.id: a for a in alerts}
        self._fired: dict[str, Alert] = {}  # id -> the replayed copy, in firing order
        self._trainee: dict[str, TraineeAck] = {}
        self._armed: set[datetime] = {p.at for p in session.pause_points}
        self._position: datetime | None = None
        self._finished = False
        self._showing: dict[str, set[str]] = {}  # camera -> ids drawn at the last tick
        self.fired = Signal()
        self.camera_changed = Signal()
        self.changed = Signal()
        self.pause_reached = Signal()
        self.finished = Signal()
        self.reset = Signal()
        self._closed = False
        clock.ticked.connect(self._on_tick)

    def close(self) -> None:
        """Stop following the clock; the tiles draw nothing more of it (`reset`)."""
        if self._closed:
            return
        self._closed = True
        self.clock.ticked.disconnect(self._on_tick)
        self.reset.emit()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def position(self) -> datetime | None:
        """The last position the clock reported (None before its first tick)."""
        return self._position

    @property
    def is_finished(self) -> bool:
        return self._finished

    def alerts(self) -> list[Alert]:
        """Every alert of the incident, fired or not, oldest first (the hub's copies)."""
        return list(self._alerts)

    def overlays(self, camera_id: str) -> list[Overlay]:
        """What the camera's tile draws at the replay's position: its re-fired alerts that are
        active, then those fading out (in replay time), like `AlarmBook.overlays`."""
        position = self._position
        if position is None or self._closed:
            return []
        out = []
        for alert_id, shown in self._fired.items():
            original = self._by_id[alert_id]
            if original.camera_id != camera_id:
                continue
            opacity = self._opacity(original, position)
            if opacity > 0:
                out.append(Overlay(shown, opacity))
        out.sort(key=lambda o: (-o.opacity, -o.alert.priority, o.alert.started))
        return out

    def is_fading(self) -> bool:
        """Always False: a replayed alert fades in replay time, and every tick that moves a
        fade tells its tile (`camera_changed`), so a wall needs no fade timer of its own (one
        would run on while the replay is paused)."""
        return False

    def entries(self) -> list[ReplayEntry]:
        """The re-fired alerts, newest first, each with the original and the trainee's
        acknowledgement."""
        position = self._position
        out = []
        for alert_id, shown in self._fired.items():
            original = self._by_id[alert_id]
            out.append(
                ReplayEntry(
                    alert=shown,
                    offset_s=self.session.offset_s(original.started),
                    active=position is not None and self._opacity(original, position) >= 1.0,
                    original=self.original_ack(alert_id),
                    trainee=self._trainee.get(alert_id),
                )
            )
        out.sort(key=lambda e: (e.alert.started, e.alert.id), reverse=True)
        return out

    def original_ack(self, alert_id: str) -> OriginalAck | None:
        alert = self._by_id.get(alert_id)
        if alert is None or alert.acknowledged is None:
            return None
        action = alert.acknowledged
        delay = (action.at - alert.started).total_seconds()
        return OriginalAck(action.by, action.at, delay, action.note)

    def trainee_ack(self, alert_id: str) -> TraineeAck | None:
        return self._trainee.get(alert_id)

    def original_acks(self) -> list[tuple[datetime, Alert, AlarmAction]]:
        """The original operators' acknowledgements of the incident's alerts, in time order
        (the timeline's ack track)."""
        acks = [(a.acknowledged.at, a, a.acknowledged) for a in self._alerts if a.acknowledged]
        acks.sort(key=lambda item: (item[0], item[1].id))
        return acks

    def trainee_acks(self) -> list[tuple[datetime, Alert]]:
        """The trainee's acknowledgements in this replay, in time order (replayed copies)."""
        acks = [(ack.at, self._fired[i]) for i, ack in self._trainee.items() if i in self._fired]
        acks.sort(key=lambda item: (item[0], item[1].id))
        return acks

    def summary(self) -> ReplaySummary:
        """Per re-fired alert, oldest first: the original and the trainee's acknowledgement."""
        rows = [
            SummaryRow(shown, self.original_ack(alert_id), self._trainee.get(alert_id))
            for alert_id, shown in sorted(
                self._fired.items(), key=lambda item: (item[1].started, item[0])
            )
        ]
        return ReplaySummary(tuple(rows))

    # -- the trainee -----------------------------------------------------------------------------
    def acknowledge(self, alert_id: str) -> TraineeAck | None:
        """The trainee acknowledges a re-fired alert at the clock's position. Kept here only:
        nothing goes to the hub. None when the alert is not re-fired (or the clock has no
        position); an alert already acknowledged keeps its first acknowledgement."""
        if alert_id not in self._fired:
            return None
        if alert_id in self._trainee:
            return self._trainee[alert_id]
        position = self.clock.position() or self._position
        if position is None:
            return None
        original = self._by_id[alert_id]
        ack = TraineeAck(position, (position - original.started).total_seconds())
        self._trainee[alert_id] = ack
        self._fired[alert_id] = replace(
            self._fired[alert_id],
            state=AlarmState.ACKNOWLEDGED,
            acknowledged=AlarmAction("trainee", position),
        )
        self.camera_changed.emit(original.camera_id)
        self.changed.emit()
        return ack

    # -- the session (pause points edited during the replay) -------------------------------------
    def set_session(self, session: IncidentSession) -> None:
        """Follow an edited session (pause points, notes) of the same cameras and span. New
        pause points ahead of the position are armed; those behind it wait for a seek back."""
        if (
            session.camera_ids != self.session.camera_ids
            or session.start != self.session.start
            or session.end != self.session.end
            or session.lead_in_s != self.session.lead_in_s
        ):
            raise ValueError("a replay follows only edits of its own session's pause points")
        old = {p.at for p in self.session.pause_points}
        position = self._position
        armed = {at for at in self._armed if any(p.at == at for p in session.pause_points)}
        for point in session.pause_points:
            if point.at not in old and (position is None or point.at > position):
                armed.add(point.at)
        self._armed = armed
        self.session = session

    # -- following the clock ---------------------------------------------------------------------
    def _opacity(self, alert: Alert, position: datetime) -> float:
        if position < alert.started:
            return 0.0
        end = _alert_end(alert)
        if position < end:
            return 1.0
        return max(0.0, 1.0 - (position - end).total_seconds() / OVERLAY_FADE_S)

    def _on_tick(self, position: datetime) -> None:
        previous = self._position
        self._position = position
        if previous is not None and position < previous:
            self._went_back(position)
        else:
            self._went_forward(previous, position)
        self._repaint_changed(position)

    def _went_forward(self, previous: datetime | None, position: datetime) -> None:
        fired = False
        for alert in self._alerts:
            if alert.started > position:
                break
            if alert.id in self._fired:
                continue
            shown = replace(
                alert,
                active=True,
                ended=None,
                state=AlarmState.NEW,
                acknowledged=None,
                closed=None,
            )
            self._fired[alert.id] = shown
            fired = True
            self.fired.emit(shown)
        if fired:
            self.changed.emit()
        start = self.session.play_from if previous is None else previous
        crossed = [
            p
            for p in self.session.pause_points
            if p.at in self._armed
            and (start < p.at <= position or (previous is None and p.at == start == position))
        ]
        if crossed:
            for p in crossed:
                self._armed.discard(p.at)
            self.clock.pause()
            self.pause_reached.emit(crossed[-1])
        if not self._finished and position >= self.session.end:
            self._finished = True
            self.finished.emit()

    def _went_back(self, position: datetime) -> None:
        gone = [i for i, shown in self._fired.items() if shown.started > position]
        for alert_id in gone:
            del self._fired[alert_id]
            self._trainee.pop(alert_id, None)  # acknowledged again on the next pass
        for p in self.session.pause_points:
            if p.at > position:
                self._armed.add(p.at)
        if position < self.session.end:
            self._finished = False
        if gone:
            self.changed.emit()

    def _repaint_changed(self, position: datetime) -> None:
        """Tell the tiles whose drawing changed: alerts fired, ended, faded or un-fired (and
        every tick while one fades, so the fade moves)."""
        now: dict[str, set[str]] = {}
        fading: set[str] = set()
        for alert_id in self._fired:
            alert = self._by_id[alert_id]
            opacity = self._opacity(alert, position)
            if opacity > 0:
                now.setdefault(alert.camera_id, set()).add(alert_id)
                if opacity < 1.0:
                    fading.add(alert.camera_id)
        cameras = set(now) | set(self._showing)
        for camera_id in sorted(cameras):
            if camera_id in fading or now.get(camera_id) != self._showing.get(camera_id):
                self.camera_changed.emit(camera_id)
        self._showing = now
