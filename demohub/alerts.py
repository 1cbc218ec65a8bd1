"""The demo hub's alerts and alarms (docs/hub-api.md, "Alerts and alarms") and its scenario.

`AlertBoard` (loop thread only) keeps the alerts and changes them: raise, update (box or
message), end, acknowledge, close. Every change is published as one `alert` event through the
hub's `EventLog`, and an alert's `revision` is the seq of that event.

The scripted scenario is a pure function of Unix time: `scenario_at(t)` says which scripted
alerts are active at `t`, with ids made from the 60 s cycle and the step (`sc-<cycle>-<step>`)
and boxes taken from the very scene sprites the hub draws for the camera. `ScenarioRunner`
plays it on a board about five times a second.

`parse_raise` and `parse_note` read request bodies strictly; they raise `AlertError` with the
contract's error code and a message that names the field.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import json
import logging
import math
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from demohub.cameras import CAMERAS
from demohub.events import EventLog, iso_time
from demohub.scenes import Scene, Sprite

__all__ = [
    "CHANGES",
    "CYCLE_S",
    "DEFAULT_DURATION_S",
    "KINDS",
    "MAX_ALERTS",
    "PRIORITIES",
    "RAISE_FIELDS",
    "SCENARIO",
    "Alert",
    "AlertAction",
    "AlertBoard",
    "AlertBox",
    "AlertError",
    "AlertLine",
    "RaiseRequest",
    "ScenarioAlert",
    "ScenarioRunner",
    "ScenarioStep",
    "cycle_start",
    "default_scene",
    "parse_note",
    "parse_raise",
    "read_object",
    "scenario_at",
    "scenario_id",
    "sprite_labelled",
    "unix_iso",
]

log = logging.getLogger(__name__)

KINDS = ("motion", "object", "line_crossing", "plate", "tamper", "video_loss", "panic")
PRIORITIES = ("low", "medium", "high", "critical")
STATES = ("new", "acknowledged", "closed")
CHANGES = ("raised", "updated", "ended", "acknowledged", "closed")
DIRECTIONS = ("in", "out")
MAX_ALERTS = 10000  # the board forgets the oldest closed alerts first beyond this
MAX_NOTE = 500
MAX_MESSAGE = 500
MAX_LABEL = 64
MAX_PLATE = 32
DEFAULT_DURATION_S = 10.0
MAX_DURATION_S = 3600.0
CYCLE_S = 60.0  # the scenario repeats every minute of Unix time
TICK_S = 0.2  # the scenario runner's pace
MIN_UPDATE_S = 0.2  # at most five box updates a second per alert
RAISE_FIELDS = (
    "kind",
    "camera_id",
    "priority",
    "label",
    "box",
    "line",
    "plate",
    "message",
    "duration_s",
)

Clock = Callable[[], float]


class RequestError(Exception):
    """A refused request: `code` is the contract's error code, `message` plain words."""

    STATUS = {"not_found": 404, "unavailable": 503}  # every other code: 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status that goes with `code`."""
        return self.STATUS.get(self.code, 400)


class AlertError(RequestError):
    """A refused alert request."""


def unix_iso(t: float) -> str:
    """Unix time `t` (seconds) as the contract's `2026-11-22T10:00:00.000Z`."""
    return iso_time(datetime.fromtimestamp(t, timezone.utc))


def _shown_ms(t: float) -> int:
    """Unix time `t` in whole milliseconds as `unix_iso` writes it (to the microsecond, then
    cut to the millisecond), as datetime.fromtimestamp rounds it."""
    frac, whole = math.modf(t)
    return int(whole) * 1000 + round(frac * 1_000_000) // 1000


# -- the records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertBox:
    """Where an object is, normalized to the picture: top-left corner and size, all 0..1."""

    x: float
    y: float
    w: float
    h: float

    def to_json(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}

    @classmethod
    def of_sprite(cls, sprite: Sprite) -> AlertBox | None:
        """The part of a sprite inside the picture, rounded to 1e-4 (None: wholly outside)."""
        x0, x1 = max(0.0, sprite.x), min(1.0, sprite.x + sprite.w)
        y0, y1 = max(0.0, sprite.y), min(1.0, sprite.y + sprite.h)
        if x1 <= x0 or y1 <= y0:
            return None
        x, y = round(x0, 4), round(y0, 4)
        return cls(x, y, round(round(x1, 4) - x, 4), round(round(y1, 4) - y, 4))


@dataclass(frozen=True)
class AlertLine:
    """A virtual line (normalized like `AlertBox`) and the direction it was crossed in."""

    x1: float
    y1: float
    x2: float
    y2: float
    direction: str  # "in" or "out"

    def to_json(self) -> dict[str, Any]:
        return {
            "x1": self.x1,
            "y1": self.y1,
            "x2": self.x2,
            "y2": self.y2,
            "direction": self.direction,
        }


@dataclass(frozen=True)
class AlertAction:
    """Who acknowledged or closed an alert, when (Unix time) and with what note."""

    by: str
    at: float
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "at": unix_iso(self.at), "note": self.note}


@dataclass(eq=False)
class Alert:
    """One alert: what was detected (and whether it goes on) and where the operators are with it.

    Times are Unix seconds; `to_json()` gives the contract's Alert object.
    """

    id: str
    kind: str
    camera_id: str
    priority: str
    started: float
    source: str
    label: str | None = None
    box: AlertBox | None = None
    line: AlertLine | None = None
    plate: str | None = None
    message: str = ""
    ended: float | None = None
    state: str = "new"
    acknowledged: AlertAction | None = None
    closed: AlertAction | None = None
    revision: int = 0

    @property
    def active(self) -> bool:
        """The detection is still going on (it has not ended)."""
        return self.ended is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "camera_id": self.camera_id,
            "priority": self.priority,
            "started": unix_iso(self.started),
            "ended": None if self.ended is None else unix_iso(self.ended),
            "active": self.active,
            "label": self.label,
            "box": None if self.box is None else self.box.to_json(),
            "line": None if self.line is None else self.line.to_json(),
            "plate": self.plate,
            "message": self.message,
            "source": self.source,
            "state": self.state,
            "acknowledged": None if self.acknowledged is None else self.acknowledged.to_json(),
            "closed": None if self.closed is None else self.closed.to_json(),
            "revision": self.revision,
        }


def alert_record(alert: Alert) -> dict[str, Any]:
    """The alert as the hub keeps it on disk: every field, times in Unix seconds. (Built by
    hand: `dataclasses.asdict` deep-copies, and took 0.4 s for a full board of 10,000.)"""

    def action(a: AlertAction | None) -> dict[str, Any] | None:
        return None if a is None else {"by": a.by, "at": a.at, "note": a.note}

    box, line = alert.box, alert.line
    return {
        "id": alert.id,
        "kind": alert.kind,
        "camera_id": alert.camera_id,
        "priority": alert.priority,
        "started": alert.started,
        "source": alert.source,
        "label": alert.label,
        "box": None if box is None else {"x": box.x, "y": box.y, "w": box.w, "h": box.h},
        "line": None
        if line is None
        else {
            "x1": line.x1,
            "y1": line.y1,
            "x2": line.x2,
            "y2": line.y2,
            "direction": line.direction,
        },
        "plate": alert.plate,
        "message": alert.message,
        "ended": alert.ended,
        "state": alert.state,
        "acknowledged": action(alert.acknowledged),
        "closed": action(alert.closed),
        "revision": alert.revision,
    }


def alert_from_record(raw: dict[str, Any]) -> Alert:
    """`alert_record`'s inverse (KeyError, TypeError or ValueError for anything else)."""

    def action(value: Any) -> AlertAction | None:
        if value is None:
            return None
        return AlertAction(str(value["by"]), float(value["at"]), str(value["note"]))

    def optional(value: Any, kind: Callable[..., Any]) -> Any:
        return None if value is None else kind(**value)

    ended = raw["ended"]
    alert = Alert(
        id=str(raw["id"]),
        kind=str(raw["kind"]),
        camera_id=str(raw["camera_id"]),
        priority=str(raw["priority"]),
        started=float(raw["started"]),
        source=str(raw["source"]),
        label=None if raw["label"] is None else str(raw["label"]),
        box=optional(raw["box"], AlertBox),
        line=optional(raw["line"], AlertLine),
        plate=None if raw["plate"] is None else str(raw["plate"]),
        message=str(raw["message"]),
        ended=None if ended is None else float(ended),
        state=str(raw["state"]),
        acknowledged=action(raw["acknowledged"]),
        closed=action(raw["closed"]),
        revision=int(raw["revision"]),
    )
    if alert.state not in ("new", "acknowledged", "closed"):
        raise ValueError(f"alert {alert.id!r}: unknown state {alert.state!r}")
    return alert


# -- the board ----------------------------------------------------------------------------------


class AlertBoard:
    """The hub's alerts, oldest first, and every change to them as an `alert` event.

    Loop thread only (alerts raised with a duration end on a loop timer). Keeps at most
    `capacity` alerts: beyond that the oldest closed one is forgotten, or the oldest of all when
    none is closed. Forgetting publishes nothing. `clock` gives Unix time for the records.
    """

    def __init__(
        self, events: EventLog, *, capacity: int = MAX_ALERTS, clock: Clock = time.time
    ) -> None:
        self.events = events
        self.capacity = max(1, capacity)
        self.clock = clock
        self._alerts: dict[str, Alert] = {}
        self._order: dict[str, int] = {}  # raise order, for forgetting the oldest closed first
        self._closed: list[tuple[int, str]] = []  # a heap of (raise order, id) of closed alerts
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._ends_at: dict[str, float] = {}  # Unix time each timed alert ends (with _timers)
        self._raised = itertools.count(1)
        self._next_id = itertools.count(1)
        self._last_id = 0  # the highest N of the board's own `al-N` ids handed out

    def __len__(self) -> int:
        return len(self._alerts)

    def __iter__(self) -> Iterator[Alert]:
        return iter(list(self._alerts.values()))

    def get(self, alert_id: str) -> Alert | None:
        """The alert with this id, or None (unknown or forgotten)."""
        return self._alerts.get(alert_id)

    def alerts(self, *, open_only: bool = True) -> list[Alert]:
        """The alerts oldest first; `open_only`: those not closed."""
        return [a for a in self._alerts.values() if not (open_only and a.state == "closed")]

    def history(
        self,
        start: float,
        end: float,
        *,
        cameras: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        limit: int | None = None,
    ) -> list[Alert]:
        """The alerts of [start, end] (Unix times), oldest `started` first, at most `limit`:
        those active at some moment of it (still active ones: up to now) and those
        acknowledged or closed in it. `cameras`, `kinds`: only these (None: all). The board's
        history is what it keeps (`capacity` alerts; the oldest closed ones go first)."""

        # Compared as the answers show them, to the millisecond (unix_iso): an alert raised
        # in the very millisecond a client then names as `to` is in its history.
        first, last = _shown_ms(start), _shown_ms(end)

        def acted(action: AlertAction | None) -> bool:
            return action is not None and first <= _shown_ms(action.at) <= last

        now = self.clock()
        found = [
            alert
            for alert in self._alerts.values()
            if (cameras is None or alert.camera_id in cameras)
            and (kinds is None or alert.kind in kinds)
            and (
                (
                    _shown_ms(alert.started) <= last
                    and _shown_ms(now if alert.ended is None else alert.ended) >= first
                )
                or acted(alert.acknowledged)
                or acted(alert.closed)
            )
        ]
        found.sort(key=lambda a: (a.started, self._order[a.id]))
        return found if limit is None else found[:limit]

    def raise_alert(
        self,
        *,
        kind: str,
        camera_id: str,
        priority: str,
        source: str = "raised",
        label: str | None = None,
        box: AlertBox | None = None,
        line: AlertLine | None = None,
        plate: str | None = None,
        message: str = "",
        duration_s: float | None = None,
        alert_id: str | None = None,
        started: float | None = None,
    ) -> Alert:
        """Raise a new alert and publish `raised`.

        `duration_s`: None stays active until `end` (or `close`); 0 raises it already ended
        (one `raised` event with `active` false); more ends it that many seconds later on a
        loop timer. `alert_id`: the board's own `al-N` unless given (ValueError if taken).
        `started`: Unix time, `clock()` unless given.
        """
        if alert_id is None:
            self._last_id = next(self._next_id)
            while f"al-{self._last_id}" in self._alerts:
                self._last_id = next(self._next_id)
            alert_id = f"al-{self._last_id}"
        elif alert_id in self._alerts:
            raise ValueError(f"alert {alert_id!r} already exists")
        start = self.clock() if started is None else started
        alert = Alert(
            id=alert_id,
            kind=kind,
            camera_id=camera_id,
            priority=priority,
            started=start,
            source=source,
            label=label,
            box=box,
            line=line,
            plate=plate,
            message=message,
        )
        if duration_s is not None and duration_s <= 0:
            alert.ended = start
        self._make_room()
        self._alerts[alert_id] = alert
        self._order[alert_id] = next(self._raised)
        self._publish(alert, "raised")
        if duration_s is not None and duration_s > 0:
            self._end_later(alert_id, start + duration_s)
        return alert

    def _end_later(self, alert_id: str, at: float) -> None:
        """End the alert at Unix time `at` on a loop timer (at once when that has passed)."""
        loop = asyncio.get_running_loop()
        self._ends_at[alert_id] = at
        self._timers[alert_id] = loop.call_later(
            max(0.0, at - self.clock()), self._expire, alert_id, at
        )

    def update(
        self, alert_id: str, *, box: AlertBox | None = None, message: str | None = None
    ) -> Alert | None:
        """Move the box and/or change the message (None: leave as is); publishes `updated`
        when something changed. None for an unknown alert."""
        alert = self._alerts.get(alert_id)
        if alert is None:
            return None
        changed = False
        if box is not None and box != alert.box:
            alert.box, changed = box, True
        if message is not None and message != alert.message:
            alert.message, changed = message, True
        if changed:
            self._publish(alert, "updated")
        return alert

    def end(self, alert_id: str, at: float | None = None) -> Alert | None:
        """The detection stopped (at Unix time `at`, `clock()` unless given): publishes `ended`
        once; an alert that already ended is left as is. None for an unknown alert."""
        alert = self._alerts.get(alert_id)
        if alert is None:
            return None
        self._cancel_timer(alert_id)
        if alert.active:
            alert.ended = self.clock() if at is None else at
            self._publish(alert, "ended")
        return alert

    def acknowledge(self, alert_id: str, operator: str, note: str = "") -> Alert:
        """`new` -> `acknowledged` and publish `acknowledged`; an alert already acknowledged or
        closed is answered as it is, with no event. AlertError `not_found` when unknown."""
        alert = self._known(alert_id)
        if alert.state == "new":
            alert.state = "acknowledged"
            alert.acknowledged = AlertAction(operator, self.clock(), note)
            self._publish(alert, "acknowledged")
        return alert

    def close(self, alert_id: str, operator: str, note: str = "") -> Alert:
        """Close an alert and publish `closed` (one event: an active alert ends with it, so that
        event carries `active` false and `ended`); a closed alert is answered as it is, with no
        event. AlertError `not_found` when unknown."""
        alert = self._known(alert_id)
        if alert.state == "closed":
            return alert
        now = self.clock()
        self._cancel_timer(alert_id)
        if alert.active:
            alert.ended = now
        alert.state = "closed"
        alert.closed = AlertAction(operator, now, note)
        heapq.heappush(self._closed, (self._order[alert_id], alert_id))
        self._publish(alert, "closed")
        return alert

    # -- what outlives the process (demohub.state) ------------------------------------------
    def saved(self) -> dict[str, Any]:
        """Every alert, oldest first, with when a timed one ends, and the last `al-N` handed
        out; as JSON (times in Unix seconds)."""
        return {
            "alerts": [
                {**alert_record(a), "ends_at": self._ends_at.get(a.id)}
                for a in self._alerts.values()
            ],
            "last_alert_id": self._last_id,
        }

    def restore(self, saved: dict[str, Any]) -> None:
        """What `saved()` gave, on the running loop before the hub serves: timed alerts end
        when they were due (at once when that has passed). Publishes nothing. KeyError,
        TypeError or ValueError when `saved` is not that."""
        alerts = [alert_from_record(raw) for raw in saved["alerts"]]
        ends_at = {raw["id"]: raw.get("ends_at") for raw in saved["alerts"]}
        last_id = int(saved["last_alert_id"])
        self.shutdown()
        self._alerts, self._order, self._closed = {}, {}, []
        for alert in alerts:
            self._alerts[alert.id] = alert
            self._order[alert.id] = next(self._raised)
            if alert.state == "closed":
                heapq.heappush(self._closed, (self._order[alert.id], alert.id))
        self._last_id = last_id
        self._next_id = itertools.count(last_id + 1)
        for alert in alerts:
            due = ends_at.get(alert.id)
            if alert.active and isinstance(due, (int, float)):
                self._end_later(alert.id, float(due))

    def shutdown(self) -> None:
        """Cancel the timers that would end raised alerts (the hub is stopping)."""
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._ends_at.clear()

    # -- internals --------------------------------------------------------------------------
    def _known(self, alert_id: str) -> Alert:
        alert = self._alerts.get(alert_id)
        if alert is None:
            raise AlertError("not_found", f"no alert {alert_id!r}")
        return alert

    def _publish(self, alert: Alert, change: str) -> None:
        # The event's own seq is the alert's revision, in the event's data too: nothing else
        # publishes between reading last_seq and publishing (loop thread only).
        alert.revision = self.events.last_seq + 1
        event = self.events.publish(
            "alert", alert.camera_id, {"change": change, "alert": alert.to_json()}
        )
        alert.revision = event["seq"]

    def _expire(self, alert_id: str, at: float) -> None:
        self._timers.pop(alert_id, None)
        self._ends_at.pop(alert_id, None)
        self.end(alert_id, at)

    def _cancel_timer(self, alert_id: str) -> None:
        self._ends_at.pop(alert_id, None)
        handle = self._timers.pop(alert_id, None)
        if handle is not None:
            handle.cancel()

    def _make_room(self) -> None:
        while len(self._alerts) >= self.capacity:
            victim: str | None = None
            while self._closed and victim is None:
                _, candidate = heapq.heappop(self._closed)
                if candidate in self._alerts:
                    victim = candidate
            if victim is None:
                victim = next(iter(self._alerts))
            self._cancel_timer(victim)
            del self._alerts[victim]
            del self._order[victim]


# -- request bodies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseRequest:
    """A checked `POST /api/v1/alerts` body (the camera is checked by the hub)."""

    kind: str
    camera_id: str
    priority: str
    label: str | None = None
    box: AlertBox | None = None
    line: AlertLine | None = None
    plate: str | None = None
    message: str = ""
    duration_s: float = DEFAULT_DURATION_S


def read_object(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (an empty body is `{}`)."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AlertError("bad_request", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise AlertError("bad_request", "the body must be a JSON object")
    return data


def parse_raise(data: Mapping[str, Any]) -> RaiseRequest:
    """Check a `POST /api/v1/alerts` body: unknown fields, a bad kind or priority, a box or line
    outside 0..1 and the like are AlertError `bad_request` naming the field."""
    _only(data, RAISE_FIELDS)
    kind = _choice(data, "kind", KINDS)
    camera_id = data.get("camera_id")
    if not isinstance(camera_id, str) or not camera_id:
        raise AlertError("bad_request", "camera_id must be a camera's id (a string)")
    priority = _choice(data, "priority", PRIORITIES)
    box = None if data.get("box") is None else _box(data["box"])
    line = None if data.get("line") is None else _line(data["line"])
    if line is not None and kind != "line_crossing":
        raise AlertError("bad_request", "line is only for line_crossing alerts")
    plate = _text(data, "plate", MAX_PLATE)
    if plate is not None and kind != "plate":
        raise AlertError("bad_request", "plate is only for plate alerts")
    duration = data.get("duration_s", DEFAULT_DURATION_S)
    if not _is_number(duration) or not 0 <= duration <= MAX_DURATION_S:
        raise AlertError("bad_request", f"duration_s must be a number from 0 to {MAX_DURATION_S:g}")
    return RaiseRequest(
        kind=kind,
        camera_id=camera_id,
        priority=priority,
        label=_text(data, "label", MAX_LABEL),
        box=box,
        line=line,
        plate=plate,
        message=_text(data, "message", MAX_MESSAGE) or "",
        duration_s=float(duration),
    )


def parse_note(data: Mapping[str, Any]) -> str:
    """The `note` of an acknowledge or close body (`""` when there is none)."""
    _only(data, ("note",))
    return _text(data, "note", MAX_NOTE) or ""


def _only(data: Mapping[str, Any], fields: Sequence[str]) -> None:
    for key in data:
        if key not in fields:
            raise AlertError("bad_request", f"unknown field {key!r} (allowed: {', '.join(fields)})")


def _choice(data: Mapping[str, Any], key: str, options: Sequence[str]) -> str:
    value = data.get(key)
    if value not in options:
        what = "is missing" if value is None else f"{value!r} is not known"
        raise AlertError("bad_request", f"{key} {what}: it must be one of {', '.join(options)}")
    return str(value)


def _text(data: Mapping[str, Any], key: str, max_len: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AlertError("bad_request", f"{key} must be a string")
    if len(value) > max_len:
        raise AlertError("bad_request", f"{key} is longer than {max_len} characters")
    return value


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _unit(obj: Mapping[str, Any], key: str, where: str) -> float:
    value = obj[key]
    if not _is_number(value) or not 0 <= value <= 1:
        raise AlertError("bad_request", f"{where}.{key} must be a number from 0 to 1")
    return float(value)


def _box(value: object) -> AlertBox:
    if not isinstance(value, dict) or set(value) != {"x", "y", "w", "h"}:
        raise AlertError("bad_request", "box must be an object with x, y, w and h (or null)")
    x, y, w, h = (_unit(value, key, "box") for key in ("x", "y", "w", "h"))
    if x + w > 1 + 1e-9 or y + h > 1 + 1e-9:
        raise AlertError("bad_request", "box reaches outside the picture (x + w or y + h over 1)")
    return AlertBox(x, y, w, h)


def _line(value: object) -> AlertLine:
    keys = {"x1", "y1", "x2", "y2", "direction"}
    if not isinstance(value, dict) or set(value) != keys:
        raise AlertError(
            "bad_request", "line must be an object with x1, y1, x2, y2 and direction (or null)"
        )
    x1, y1, x2, y2 = (_unit(value, key, "line") for key in ("x1", "y1", "x2", "y2"))
    if value["direction"] not in DIRECTIONS:
        raise AlertError("bad_request", "line.direction must be 'in' or 'out'")
    return AlertLine(x1, y1, x2, y2, value["direction"])


# -- the scripted scenario ----------------------------------------------------------------------

Target = Callable[[Scene, float], Sprite | None]


def sprite_labelled(label: str, *, moving: bool = False) -> Target:
    """Finds a scene's sprite at `t` by label: the first one, or with `moving` the first one
    that is somewhere else 0.1 s earlier (a car driving in, not one that stands)."""

    def find(scene: Scene, t: float) -> Sprite | None:
        now = [s for s in scene.sprites(t) if s.label == label]
        if not moving:
            return now[0] if now else None
        before = [s for s in scene.sprites(t - 0.1) if s.label == label]
        for sprite, earlier in zip(now, before, strict=False):
            if (sprite.x, sprite.y, sprite.w, sprite.h) != (
                earlier.x,
                earlier.y,
                earlier.w,
                earlier.h,
            ):
                return sprite
        return None

    return find


@dataclass(frozen=True)
class ScenarioStep:
    """One scripted alert: active from `start` to `end` seconds into every cycle; its box
    follows the sprite `target` finds in the camera's scene (None: no box)."""

    camera_id: str
    kind: str
    priority: str
    start: float
    end: float
    message: str
    label: str | None = None
    plate: str | None = None
    line: AlertLine | None = None
    target: Target | None = None


# The perimeter walker's feet move along y = 0.92 and cross x = 0.5 going right at 7.5 s of
# every cycle (its path repeats every 30 s); the line runs across the path there.
PERIMETER_LINE = AlertLine(0.5, 0.62, 0.5, 0.98, "in")

SCENARIO: tuple[ScenarioStep, ...] = (
    ScenarioStep(
        "cam-03",
        "object",
        "medium",
        1.5,
        9.0,
        "Person entering reception",
        label="person",
        target=sprite_labelled("person"),
    ),
    ScenarioStep(
        "cam-07",
        "line_crossing",
        "high",
        7.5,
        10.5,
        "Person crossed the line on the fence path",
        label="person",
        line=PERIMETER_LINE,
        target=sprite_labelled("person"),
    ),
    ScenarioStep(
        "cam-02",
        "plate",
        "medium",
        25.0,
        29.0,
        "Watch-list plate TSR 420 coming in",
        label="car",
        plate="TSR 420",
        target=sprite_labelled("car", moving=True),
    ),
    ScenarioStep(
        "cam-04",
        "motion",
        "low",
        32.0,
        38.0,
        "Motion in the corridor",
        target=sprite_labelled("person"),
    ),
    ScenarioStep("cam-05", "tamper", "medium", 44.0, 49.0, "Camera view blocked or moved"),
    ScenarioStep("cam-09", "panic", "critical", 50.0, 58.0, "Help point pressed on the platform"),
)


@dataclass(frozen=True)
class ScenarioAlert:
    """A scripted alert at one moment: its deterministic id, its step (index into the
    scenario), when it started and ends (Unix time) and its box at that moment."""

    id: str
    index: int
    step: ScenarioStep
    started: float
    ended: float
    box: AlertBox | None


def cycle_start(t: float) -> float:
    """The start of the scenario cycle that holds Unix time `t` (a multiple of 60 s)."""
    return math.floor(t / CYCLE_S) * CYCLE_S


def scenario_id(cycle: float, index: int) -> str:
    """The id of step `index` in the cycle that starts at `cycle`: `sc-<unix seconds>-<step>`."""
    return f"sc-{int(cycle)}-{index}"


@functools.cache
def default_scene(camera_id: str) -> Scene:
    """A scene of one of the ten catalogue cameras (the same pictures the hub draws)."""
    spec = next(c for c in CAMERAS if c.id == camera_id)
    return spec.make_scene()


def scenario_at(
    t: float,
    scene_of: Callable[[str], Scene] = default_scene,
    cameras: Collection[str] | None = None,
    steps: Sequence[ScenarioStep] = SCENARIO,
) -> list[ScenarioAlert]:
    """The scripted alerts active at Unix time `t` (start <= second of the cycle < end), in
    step order, each with its box from `scene_of(camera_id).sprites(t)`. `cameras`: only
    steps for these cameras (None: all)."""
    active = []
    for index, step in enumerate(steps):
        if cameras is not None and step.camera_id not in cameras:
            continue
        for cycle in (cycle_start(t) - CYCLE_S, cycle_start(t)):  # a step may reach past 60 s
            if not cycle + step.start <= t < cycle + step.end:
                continue
            sprite = None if step.target is None else step.target(scene_of(step.camera_id), t)
            box = None if sprite is None else AlertBox.of_sprite(sprite)
            active.append(
                ScenarioAlert(
                    scenario_id(cycle, index),
                    index,
                    step,
                    cycle + step.start,
                    cycle + step.end,
                    box,
                )
            )
    return active


@dataclass
class _Playing:
    """A scripted alert the runner raised and has not ended yet."""

    ended: float
    box: AlertBox | None
    updated: float  # scenario clock time of the last box sent


class ScenarioRunner:
    """Plays the scenario on a board: every `tick_s` it raises the steps whose time has come
    (also those already under way when it starts), sends moved boxes (at most five a second per
    alert) and ends the steps whose time is over. Loop thread only.

    `clock` is the Unix time the scenario follows (tests offset it).
    """

    def __init__(
        self,
        board: AlertBoard,
        scene_of: Callable[[str], Scene] = default_scene,
        cameras: Collection[str] | None = None,
        *,
        clock: Clock = time.time,
        tick_s: float = TICK_S,
        steps: Sequence[ScenarioStep] = SCENARIO,
    ) -> None:
        self.board = board
        self.clock = clock
        self.tick_s = tick_s
        self._scene_of = scene_of
        self._cameras = None if cameras is None else frozenset(cameras)
        self._steps = tuple(steps)
        self._playing: dict[str, _Playing] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Raise what is under way now, then tick on the running loop until `stop()`.

        Scripted alerts a restored board holds active but whose time is over (the hub was down
        when they ended) are ended now; those still under way are played on."""
        if self._task is not None:
            return
        now = self.clock()
        current = {a.id for a in scenario_at(now, self._scene_of, self._cameras, self._steps)}
        for alert in self.board:
            if alert.source == "scenario" and alert.active and alert.id not in current:
                self.board.end(alert.id, at=now)
        self.tick(now)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def tick(self, now: float | None = None) -> None:
        """One step of the play at Unix time `now` (`clock()` unless given)."""
        now = self.clock() if now is None else now
        current = {a.id: a for a in scenario_at(now, self._scene_of, self._cameras, self._steps)}
        for alert_id, over in list(self._playing.items()):
            if alert_id not in current:  # its time is over: end it at its scripted end
                del self._playing[alert_id]
                self.board.end(alert_id, at=min(now, over.ended))
        for alert_id, item in current.items():
            playing = self._playing.get(alert_id)
            if playing is None:
                if self.board.get(alert_id) is None:
                    step = item.step
                    self.board.raise_alert(
                        kind=step.kind,
                        camera_id=step.camera_id,
                        priority=step.priority,
                        source="scenario",
                        label=step.label,
                        box=item.box,
                        line=step.line,
                        plate=step.plate,
                        message=step.message,
                        alert_id=alert_id,
                        started=item.started,
                    )
                self._playing[alert_id] = _Playing(item.ended, item.box, now)
                continue
            alert = self.board.get(alert_id)
            if (
                alert is not None
                and alert.active
                and item.box is not None
                and item.box != playing.box
                and now - playing.updated >= MIN_UPDATE_S - 1e-3
            ):
                self.board.update(alert_id, box=item.box)
                playing.box, playing.updated = item.box, now

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                self.tick()
            except Exception:
                log.exception("the alert scenario failed a step")
