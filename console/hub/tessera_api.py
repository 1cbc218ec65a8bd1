"""Driver for the documented Tessera hub API v1 (what the embedded demo hub speaks).

The only module of the hub library that imports aiohttp. It validates every payload strictly
into `console.hub.models` (a wrong or missing field raises HubProtocolError naming the field,
never echoing the payload) and maps every aiohttp failure onto `console.hub.errors`.

A hub is not trusted (docs/hub-api.md "What the console does with what a hub sends"):
- lists are read entry by entry: an unreadable camera, alert, preset, tour or recorded span is
  left out and reported (`Rejected`), the readable ones are used; an unreadable event is skipped
  and logged and the event channel goes on;
- text meant for people (names, groups, locations, labels, operator names) is cleaned of control
  and bidi formatting characters (`console.base.safe_text`), identifiers must be clean or the
  entry is left out;
- sizes and times are bounded: answers (`MAX_BODY_BYTES`), event messages (`MAX_EVENT_BYTES`),
  cameras read (`camera_list(limit)`), and every request's total time (`HubConfig.timeout_s`),
  so a hub that drips its answer is given up on; large answers are parsed in slices by ijson
  (`console.hub.sliced_json`) so the GUI thread never waits long for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Generic, NoReturn, TypeVar
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

from console.base.redact import redact_text, redact_url
from console.base.safe_text import clean_text, is_clean
from console.hub.base import HubClient
from console.hub.errors import (
    HubConnectionLost,
    HubError,
    HubHttpError,
    HubNotFound,
    HubNotSupported,
    HubProtocolError,
    HubPtzLocked,
    HubUnreachable,
)
from console.hub.models import (
    EVENT_ALERT,
    EVENT_HUB_HELLO,
    KNOWN_EVENT_TYPES,
    AlarmAction,
    AlarmState,
    Alert,
    AlertBox,
    AlertChange,
    AlertKind,
    AlertLine,
    AlertPriority,
    AlertSnapshot,
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    PlaybackEndpoint,
    PtzCapabilities,
    PtzLock,
    PtzPosition,
    PtzPreset,
    PtzRange,
    PtzStatus,
    PtzTour,
    PtzTourStep,
    Recordings,
    RecordingSpan,
    Rejected,
    StreamEndpoint,
    StreamProfile,
)
from console.hub.registry import HubConfig, register_driver
from console.hub.sliced_json import UnreadableJsonError, collector_paused, loads_in_slices

log = logging.getLogger(__name__)

API_VERSION = 1
API_PREFIX = "/api/v1"
OPERATOR_HEADER = "X-Tessera-Operator"
# The hub sends a heartbeat every 5 s when idle; three missed ones mean the channel is dead.
DEFAULT_EVENT_IDLE_TIMEOUT_S = 15.0
# Closing waits this long at most for the hub's close reply (a dead hub never sends one).
WS_CLOSE_TIMEOUT_S = 1.0
# The largest answer read: a list of 50,000 cameras is about 20 MB. A larger one is refused, in
# plain words, after reading no more than this.
MAX_BODY_BYTES = 32 * 1024 * 1024
# An event message larger than this is skipped unread (no event of the API comes near it); the
# WebSocket refuses messages over MAX_WS_MESSAGE_BYTES outright (the channel then reconnects).
MAX_EVENT_BYTES = 1024 * 1024
MAX_WS_MESSAGE_BYTES = 4 * 1024 * 1024
# Identifiers (camera, preset, alert ids; profile names) travel in URLs and logs: longer ones, or
# ones with control characters, make their entry unreadable.
MAX_ID_CHARS = 256
_ERROR_BODY_BYTES = 64 * 1024
# Connections of the main pool (all hosts together; aiohttp's default, said out loud). PTZ stops
# never use it: they have a pool of their own without a limit, so a stop is never queued behind
# slow requests, whatever else is in flight (see `ptz_stop`).
MAX_CONNECTIONS = 100

# Plain words for the PTZ error codes of the contract that have no class of their own.
_PTZ_CODE_MESSAGES = {
    "operator_required": (
        "The hub needs an operator name for this (PTZ control, acknowledging alarms). Set one "
        "in the settings and try again."
    ),
    "out_of_range": "The camera cannot move that far.",
}

# Plain words for refusals of recordings and playback (docs/hub-api.md "Recordings").
_NOT_RECORDED_MESSAGE = "The video hub has no recordings of this camera."
_RECORDING_CODE_MESSAGES = {
    "out_of_range": "There is no recording of this camera at that moment.",
    "unavailable": (
        "The video hub is already playing as many recordings as it can. Close a playback and "
        "try again."
    ),
}

_UNSUPPORTED_VERSION_MESSAGE = (
    "This video hub speaks a different version of the hub interface than this console. "
    "Update the console or the hub."
)


# ---------------------------------------------------------------- strict payload parsing


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _bad(path: str, expected: str, value: object) -> NoReturn:
    # Only the type of the offending value is named: payloads may carry secrets (stream URLs).
    raise HubProtocolError(f"{path}: expected {expected}, got {_type_name(value)}", field=path)


def _obj(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _bad(path, "an object", value)
    return value


def _field(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise HubProtocolError(f"{path}.{key}: missing", field=f"{path}.{key}")
    return obj[key]


def _str(obj: Mapping[str, Any], key: str, path: str, *, empty: bool = True) -> str:
    value = _field(obj, key, path)
    if not isinstance(value, str) or (not empty and not value):
        _bad(f"{path}.{key}", "a string" if empty else "a non-empty string", value)
    return value


def _text(obj: Mapping[str, Any], key: str, path: str, *, empty: bool = True) -> str:
    """A string meant for people (a name, a label), cleaned for display (`clean_text`)."""
    text = clean_text(_str(obj, key, path, empty=empty))
    if not empty and not text:
        raise HubProtocolError(f"{path}.{key}: nothing readable", field=f"{path}.{key}")
    return text


def _optional_text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = _optional_str(obj, key, path)
    return None if value is None else clean_text(value)


def _id(obj: Mapping[str, Any], key: str, path: str) -> str:
    """An identifier: kept exactly as the hub sent it (it goes back into URLs), so one with
    control or formatting characters, or an overlong one, is not accepted at all."""
    value = _str(obj, key, path, empty=False)
    if len(value) > MAX_ID_CHARS:
        raise HubProtocolError(
            f"{path}.{key}: longer than {MAX_ID_CHARS} characters", field=f"{path}.{key}"
        )
    if not is_clean(value):
        raise HubProtocolError(
            f"{path}.{key}: has control or formatting characters", field=f"{path}.{key}"
        )
    return value


def _int(obj: Mapping[str, Any], key: str, path: str, *, minimum: int | None = None) -> int:
    value = _field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(f"{path}.{key}", "an integer", value)
    if minimum is not None and value < minimum:
        raise HubProtocolError(f"{path}.{key}: must be at least {minimum}", field=f"{path}.{key}")
    return value


def _positive_number(obj: Mapping[str, Any], key: str, path: str) -> float:
    value = _field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        _bad(f"{path}.{key}", "a positive number", value)
    return float(value)


def _str_set(obj: Mapping[str, Any], key: str, path: str) -> frozenset[str]:
    value = _field(obj, key, path)
    if not isinstance(value, list):
        _bad(f"{path}.{key}", "an array of strings", value)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            _bad(f"{path}.{key}[{i}]", "a string", item)
    return frozenset(value)


def _list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = _field(obj, key, path)
    if not isinstance(value, list):
        _bad(f"{path}.{key}", "an array", value)
    return value


def _time(value: object, path: str) -> datetime:
    if not isinstance(value, str):
        _bad(path, "an ISO 8601 time string", value)
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise HubProtocolError(f"{path}: not an ISO 8601 time", field=path) from None
    # The contract sends UTC; a naive time is read as UTC rather than as local time.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _number(obj: Mapping[str, Any], key: str, path: str) -> float:
    value = _field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _bad(f"{path}.{key}", "a number", value)
    return float(value)


def _bool(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = _field(obj, key, path)
    if not isinstance(value, bool):
        _bad(f"{path}.{key}", "a boolean", value)
    return value


def _range(obj: Mapping[str, Any], key: str, path: str, *, positive: bool = False) -> PtzRange:
    where = f"{path}.{key}"
    rng = _obj(_field(obj, key, path), where)
    low = _positive_number(rng, "min", where) if positive else _number(rng, "min", where)
    high = _number(rng, "max", where)
    if high < low:
        raise HubProtocolError(f"{where}: max is below min", field=f"{where}.max")
    return PtzRange(low, high)


_EXPECTED = re.compile(r"^expected (.+), got (\w+)$")
_ARTICLES = {"null": "null", "array": "an array", "object": "an object"}


def plain_reason(error: HubProtocolError, item_path: str) -> str:
    """Why an entry could not be read, in words for the operator: the field within the entry
    and what is wrong with it ("'name' should be a string, not a number")."""
    message = error.message
    field = error.field or ""
    prefix = f"{field}: " if field and message.startswith(f"{field}: ") else ""
    detail = message[len(prefix) :] if prefix else message.partition(": ")[2] or message
    inner = field[len(item_path) :].lstrip(".") if field.startswith(item_path) else field
    what = f"'{inner}'" if inner else "the entry"
    if detail == "missing":
        return f"{what} is missing"
    expected = _EXPECTED.match(detail)
    if expected:
        got = expected.group(2)
        return f"{what} should be {expected.group(1)}, not {_ARTICLES.get(got, 'a ' + got)}"
    return f"{what}: {detail}"


T = TypeVar("T")
RELEASE_CHUNK = 2000  # entries let go per step once the reader's limit is reached


class ItemReader(Generic[T]):
    """Reads a list from the hub entry by entry: readable entries go to `items`, each unreadable
    one to `rejected` (position, id when readable, plain reason), so one bad entry costs only
    itself. Entries past `limit` are counted in `not_read` and not looked at. With `consume`
    the reader empties `entries` as it goes (see `steps`).

    `steps()` reads one entry per step, so a caller on the event loop can let the loop run
    between entries (`read_in_slices`); `read()` reads them all at once.
    """

    def __init__(
        self,
        entries: list[Any],
        path: str,
        parse: Callable[[object, str], T],
        *,
        key: Callable[[T], str] | None = None,
        limit: int | None = None,
        consume: bool = False,
    ) -> None:
        self._entries = entries
        self._total = len(entries)
        self._consume = consume
        self._path = path
        self._parse = parse
        self._key = key
        self._limit = limit
        self.items: list[T] = []
        self.rejected: list[Rejected] = []
        self.not_read = 0

    @property
    def total(self) -> int:
        return self._total

    def steps(self) -> Iterator[None]:
        """One step per entry read, then one per `RELEASE_CHUNK` entries let go.

        With `consume`, each entry is let go (in the hub's list, which is the parsed answer's
        and used once) as soon as it is read, and entries past the limit a chunk at a time:
        freed all at once, the 50,000 entries of a large answer cost 38 ms of CPU in one go.
        """
        entries = self._entries
        seen: set[str] = set()
        for position in range(len(entries)):
            if self._limit is not None and len(self.items) >= self._limit:
                self.not_read = len(entries) - position
                while self._consume and len(entries) > position:
                    del entries[max(position, len(entries) - RELEASE_CHUNK) :]
                    yield
                return
            entry = entries[position]
            if self._consume:
                entries[position] = None
            where = f"{self._path}[{position}]"
            try:
                item = self._parse(entry, where)
            except HubProtocolError as exc:
                self.rejected.append(Rejected(position, _entry_id(entry), plain_reason(exc, where)))
                yield
                continue
            item_key = self._key(item) if self._key is not None else None
            if item_key is None:
                self.items.append(item)
            elif item_key in seen:
                self.rejected.append(
                    Rejected(position, _entry_id(entry), "an earlier entry has the same id")
                )
            else:
                seen.add(item_key)
                self.items.append(item)
            yield

    def read(self) -> ItemReader[T]:
        for _ in self.steps():
            pass
        if self.rejected:
            log.warning(
                "%s: %d of %d entries unreadable and left out: %s",
                self._path,
                len(self.rejected),
                self.total,
                "; ".join(r.describe() for r in self.rejected[:5]),
            )
        return self


def _entry_id(entry: object) -> str | None:
    """The id of an entry that could not be read, for telling the operator which (cleaned and
    cut short: it may be the very thing that was wrong)."""
    if not isinstance(entry, dict):
        return None
    value = entry.get("id")
    if not isinstance(value, str):
        return None
    text = clean_text(value, 40)
    return text or None


async def read_in_slices(reader: ItemReader[T], slice_s: float = 0.008) -> ItemReader[T]:
    """`reader.read()`, letting the loop run every `slice_s` (50,000 cameras take about a
    second to read on a loaded machine)."""
    started = time.perf_counter()
    for _ in reader.steps():
        if time.perf_counter() - started > slice_s:
            await asyncio.sleep(0)
            started = time.perf_counter()
    if reader.rejected:
        log.warning(
            "%d of %d entries unreadable and left out: %s",
            len(reader.rejected),
            reader.total,
            "; ".join(r.describe() for r in reader.rejected[:5]),
        )
    return reader


def parse_ptz_capabilities(payload: object, path: str = "ptz") -> PtzCapabilities:
    obj = _obj(payload, path)
    fov_path = f"{path}.fov"
    fov = _obj(_field(obj, "fov", path), fov_path)
    return PtzCapabilities(
        continuous=_bool(obj, "continuous", path),
        absolute=_bool(obj, "absolute", path),
        relative=_bool(obj, "relative", path),
        presets=_bool(obj, "presets", path),
        home=_bool(obj, "home", path),
        tours=_bool(obj, "tours", path),
        pan=_range(obj, "pan", path),
        tilt=_range(obj, "tilt", path),
        zoom=_range(obj, "zoom", path, positive=True),
        fov_h=_positive_number(fov, "horizontal", fov_path),
        fov_v=_positive_number(fov, "vertical", fov_path),
        lock_idle_s=_positive_number(obj, "lock_idle_s", path),
    )


def parse_ptz_position(payload: object, path: str = "position") -> PtzPosition:
    obj = _obj(payload, path)
    return PtzPosition(
        pan=_number(obj, "pan", path),
        tilt=_number(obj, "tilt", path),
        zoom=_number(obj, "zoom", path),
    )


def parse_ptz_lock(payload: object, path: str = "lock") -> PtzLock | None:
    """A Lock object, or None for null (a free camera). Also for `ptz.lock` event data."""
    if payload is None:
        return None
    obj = _obj(payload, path)
    priority = _int(obj, "priority", path, minimum=0)
    return PtzLock(
        operator=_text(obj, "operator", path, empty=False),
        priority=priority,
        since=_time(_field(obj, "since", path), f"{path}.since"),
        idle_release_s=_positive_number(obj, "idle_release_s", path),
    )


def parse_ptz_status(payload: object, path: str = "ptz") -> PtzStatus:
    obj = _obj(payload, path)
    tour = _field(obj, "tour", path)
    tour_id: str | None = None
    if tour is not None:
        tour_id = _str(_obj(tour, f"{path}.tour"), "id", f"{path}.tour", empty=False)
    ignored = obj.get("ignored", False)
    if not isinstance(ignored, bool):
        _bad(f"{path}.ignored", "a boolean", ignored)
    return PtzStatus(
        position=parse_ptz_position(_field(obj, "position", path), f"{path}.position"),
        moving=_bool(obj, "moving", path),
        lock=parse_ptz_lock(_field(obj, "lock", path), f"{path}.lock"),
        tour_id=tour_id,
        ignored=ignored,
    )


def parse_ptz_preset(payload: object, path: str = "preset") -> PtzPreset:
    obj = _obj(payload, path)
    return PtzPreset(
        id=_id(obj, "id", path),
        name=_text(obj, "name", path, empty=False),
        position=parse_ptz_position(_field(obj, "position", path), f"{path}.position"),
    )


def parse_ptz_presets(payload: object, path: str = "presets") -> list[PtzPreset]:
    """The array of a preset list (`{"presets": [...]}`'s value, or `ptz.presets` event data):
    its readable presets (an unreadable one is left out and logged)."""
    if not isinstance(payload, list):
        _bad(path, "an array", payload)
    return ItemReader(payload, path, parse_ptz_preset, key=lambda p: p.id).read().items


def parse_ptz_tour(payload: object, path: str = "tour") -> PtzTour:
    obj = _obj(payload, path)
    steps: list[PtzTourStep] = []
    for i, item in enumerate(_list(obj, "steps", path)):
        where = f"{path}.steps[{i}]"
        step = _obj(item, where)
        steps.append(
            PtzTourStep(
                preset_id=_id(step, "preset_id", where),
                dwell_s=_positive_number(step, "dwell_s", where),
            )
        )
    return PtzTour(
        id=_id(obj, "id", path),
        name=_text(obj, "name", path, empty=False),
        steps=tuple(steps),
        running=_bool(obj, "running", path),
    )


def parse_ptz_tours(payload: object, path: str = "tours") -> list[PtzTour]:
    """The array of a tour list (`{"tours": [...]}`'s value, or `ptz.tours` event data): its
    readable tours (an unreadable one is left out and logged)."""
    if not isinstance(payload, list):
        _bad(path, "an array", payload)
    return ItemReader(payload, path, parse_ptz_tour, key=lambda t: t.id).read().items


def _optional_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        _bad(f"{path}.{key}", "a string or null", value)
    return value


def _unit(obj: Mapping[str, Any], key: str, path: str) -> float:
    value = _number(obj, key, path)
    # A little slack: a hub rounding 1.0000001 is not worth refusing an alarm over.
    if not -0.01 <= value <= 1.01:
        raise HubProtocolError(f"{path}.{key}: must be within 0..1", field=f"{path}.{key}")
    return min(1.0, max(0.0, value))


def parse_alert_box(payload: object, path: str = "box") -> AlertBox | None:
    if payload is None:
        return None
    obj = _obj(payload, path)
    return AlertBox(
        _unit(obj, "x", path), _unit(obj, "y", path), _unit(obj, "w", path), _unit(obj, "h", path)
    )


def parse_alert_line(payload: object, path: str = "line") -> AlertLine | None:
    if payload is None:
        return None
    obj = _obj(payload, path)
    direction = _optional_str(obj, "direction", path) or ""
    return AlertLine(
        _unit(obj, "x1", path),
        _unit(obj, "y1", path),
        _unit(obj, "x2", path),
        _unit(obj, "y2", path),
        direction,
    )


def parse_alarm_action(payload: object, path: str) -> AlarmAction | None:
    if payload is None:
        return None
    obj = _obj(payload, path)
    note = _optional_text(obj, "note", path) or ""
    return AlarmAction(
        by=_text(obj, "by", path, empty=False),
        at=_time(_field(obj, "at", path), f"{path}.at"),
        note=note,
    )


def _enum_field(obj: Mapping[str, Any], key: str, path: str, values: Mapping[str, Any]) -> Any:
    text = _str(obj, key, path, empty=False)
    if text not in values:
        raise HubProtocolError(
            f"{path}.{key}: expected one of {', '.join(values)}", field=f"{path}.{key}"
        )
    return values[text]


_KINDS = {k.value: k for k in AlertKind if k is not AlertKind.OTHER}
_PRIORITIES = {p.wire: p for p in AlertPriority}
_STATES = {s.value: s for s in AlarmState}
_CHANGES = {c.value: c for c in AlertChange}


def parse_alert(payload: object, path: str = "alert") -> Alert:
    """An Alert (docs/hub-api.md "Alerts and alarms"). An unknown kind becomes OTHER."""
    obj = _obj(payload, path)
    kind_text = _str(obj, "kind", path, empty=False)
    ended = _field(obj, "ended", path)
    message = _optional_text(obj, "message", path) or ""
    source = _optional_text(obj, "source", path) or ""
    return Alert(
        id=_id(obj, "id", path),
        kind=_KINDS.get(kind_text, AlertKind.OTHER),
        camera_id=_id(obj, "camera_id", path),
        priority=_enum_field(obj, "priority", path, _PRIORITIES),
        started=_time(_field(obj, "started", path), f"{path}.started"),
        active=_bool(obj, "active", path),
        state=_enum_field(obj, "state", path, _STATES),
        revision=_int(obj, "revision", path, minimum=0),
        ended=None if ended is None else _time(ended, f"{path}.ended"),
        label=_optional_text(obj, "label", path),
        box=parse_alert_box(obj.get("box"), f"{path}.box"),
        line=parse_alert_line(obj.get("line"), f"{path}.line"),
        plate=_optional_text(obj, "plate", path),
        message=message,
        source=source,
        acknowledged=parse_alarm_action(obj.get("acknowledged"), f"{path}.acknowledged"),
        closed=parse_alarm_action(obj.get("closed"), f"{path}.closed"),
    )


def _alert_snapshot_reader(
    payload: object, *, consume: bool = False
) -> tuple[ItemReader[Alert], int]:
    obj = _obj(payload, "response")
    seq = _int(obj, "seq", "response", minimum=0)
    alerts = _list(obj, "alerts", "response")
    reader = ItemReader(alerts, "response.alerts", parse_alert, key=lambda a: a.id, consume=consume)
    return reader, seq


def parse_alert_snapshot(payload: object) -> AlertSnapshot:
    """The hub's alerts: the readable ones, and the unreadable ones in `rejected`."""
    reader, seq = _alert_snapshot_reader(payload)
    reader.read()
    return AlertSnapshot(tuple(reader.items), seq, tuple(reader.rejected))


def parse_alert_event_data(data: Mapping[str, Any]) -> tuple[AlertChange, Alert]:
    change = _enum_field(data, "change", "event.data", _CHANGES)
    return change, parse_alert(_field(data, "alert", "event.data"), "event.data.alert")


def parse_hub_info(payload: object) -> HubInfo:
    path = "hub"
    obj = _obj(payload, path)
    version = _int(obj, "api_version", path)
    if version != API_VERSION:
        raise HubProtocolError(
            f"hub.api_version: unsupported version {version}; this console speaks {API_VERSION}",
            field="hub.api_version",
            operator_message=_UNSUPPORTED_VERSION_MESSAGE,
        )
    return HubInfo(
        api_version=version,
        name=_text(obj, "name", path),
        software=_text(obj, "software", path),
        version=_text(obj, "version", path),
        capabilities=_str_set(obj, "capabilities", path),
        time=_time(obj["time"], f"{path}.time") if obj.get("time") is not None else None,
    )


def parse_profile(payload: object, path: str) -> StreamProfile:
    obj = _obj(payload, path)
    return StreamProfile(
        name=_id(obj, "name", path),
        width=_int(obj, "width", path, minimum=1),
        height=_int(obj, "height", path, minimum=1),
        fps=_positive_number(obj, "fps", path),
        codec=_str(obj, "codec", path),
    )


def parse_camera(payload: object, path: str = "camera") -> Camera:
    obj = _obj(payload, path)
    profiles = tuple(
        parse_profile(p, f"{path}.profiles[{i}]")
        for i, p in enumerate(_list(obj, "profiles", path))
    )
    names = [p.name for p in profiles]
    if len(set(names)) != len(names):
        raise HubProtocolError(
            f"{path}.profiles: duplicate profile names", field=f"{path}.profiles"
        )
    return Camera(
        id=_id(obj, "id", path),
        name=_text(obj, "name", path),
        group=_text(obj, "group", path),
        location=_text(obj, "location", path),
        vendor=_text(obj, "vendor", path),
        model=_text(obj, "model", path),
        firmware=_text(obj, "firmware", path),
        capabilities=_str_set(obj, "capabilities", path),
        profiles=profiles,
        # Absent or null: not steerable. A camera listing "ptz" without saying how it moves is
        # treated as not steerable too (the contract requires the object).
        ptz=parse_ptz_capabilities(obj["ptz"], f"{path}.ptz")
        if obj.get("ptz") is not None
        else None,
    )


def camera_list_reader(
    payload: object, limit: int | None = None, *, consume: bool = False
) -> ItemReader[Camera]:
    """A reader of the camera list answer: each camera on its own (a camera with an id seen
    before is unreadable), at most `limit` of them. Only a response that has no `cameras`
    array at all is refused as a whole."""
    entries = _list(_obj(payload, "response"), "cameras", "response")
    return ItemReader(
        entries, "cameras", parse_camera, key=lambda c: c.id, limit=limit, consume=consume
    )


def camera_list_from(reader: ItemReader[Camera]) -> CameraList:
    return CameraList(tuple(reader.items), tuple(reader.rejected), reader.total, reader.not_read)


def parse_camera_list(payload: object, limit: int | None = None) -> CameraList:
    """The camera list answer read camera by camera (see `camera_list_reader`)."""
    return camera_list_from(camera_list_reader(payload, limit).read())


def _endpoint_fields(obj: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The fields a StreamEndpoint and a PlaybackEndpoint share, checked."""
    url = _str(obj, "url", path, empty=False)
    try:
        parts = urlsplit(url)
        absolute = bool(parts.scheme and (parts.netloc or parts.scheme == "file"))
    except ValueError:
        absolute = False
    if not absolute:
        raise HubProtocolError(f"{path}.url: expected an absolute URL", field=f"{path}.url")
    return {
        "camera_id": _str(obj, "camera_id", path, empty=False),
        "profile": _str(obj, "profile", path, empty=False),
        "url": url,
        "container": _str(obj, "container", path),
        "transport": _str(obj, "transport", path),
        "codec": _str(obj, "codec", path),
        "width": _int(obj, "width", path, minimum=1),
        "height": _int(obj, "height", path, minimum=1),
        "fps": _positive_number(obj, "fps", path),
    }


def parse_stream(payload: object) -> StreamEndpoint:
    path = "stream"
    return StreamEndpoint(**_endpoint_fields(_obj(payload, path), path))


def parse_playback(payload: object) -> PlaybackEndpoint:
    """A PlaybackEndpoint (docs/hub-api.md "Recordings"): a StreamEndpoint plus `start`."""
    path = "playback"
    obj = _obj(payload, path)
    fields = _endpoint_fields(obj, path)
    return PlaybackEndpoint(**fields, start=_time(_field(obj, "start", path), f"{path}.start"))


def parse_recording_span(payload: object, path: str) -> RecordingSpan:
    obj = _obj(payload, path)
    start = _time(_field(obj, "start", path), f"{path}.start")
    end = _time(_field(obj, "end", path), f"{path}.end")
    if end < start:
        raise HubProtocolError(f"{path}.end: before start", field=f"{path}.end")
    return RecordingSpan(start, end)


def parse_recordings(payload: object) -> Recordings:
    """A camera's Recordings (docs/hub-api.md "Recordings"); spans come out oldest first."""
    path = "recordings"
    obj = _obj(payload, path)
    # A span that cannot be read is left out (logged): the rest can still be played.
    reader = ItemReader(_list(obj, "spans", path), f"{path}.spans", parse_recording_span)
    spans = reader.read().items
    retention = _field(obj, "retention_s", path)
    retention_s = None
    if retention is not None:
        if isinstance(retention, bool) or not isinstance(retention, (int, float)):
            _bad(f"{path}.retention_s", "a number or null", retention)
        if not (math.isfinite(retention) and retention >= 0):
            raise HubProtocolError(
                f"{path}.retention_s: must be 0 or more", field=f"{path}.retention_s"
            )
        retention_s = float(retention)
    return Recordings(
        camera_id=_id(obj, "camera_id", path),
        spans=tuple(sorted(spans, key=lambda span: span.start)),
        retention_s=retention_s,
    )


def format_time(when: datetime) -> str:
    """An aware datetime as the contract's `2026-11-22T10:00:00.000Z` (ValueError if naive)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("a hub time must be an aware datetime (with a time zone)")
    text = when.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_event(payload: object, types: frozenset[str] | None = None) -> HubEvent | None:
    """A typed event, or None for what is safely skipped: heartbeats, unknown types, and with
    `types` any type not in it (`hub.hello` always passes; a hub that ignores the `types`
    parameter then costs no parsing either).

    The envelope of a known type is checked strictly, since a wrong seq would break resuming.
    """
    obj = _obj(payload, "event")
    kind = _str(obj, "type", "event", empty=False)
    if kind == "heartbeat" or kind not in KNOWN_EVENT_TYPES:
        return None
    if types is not None and kind not in types and kind != EVENT_HUB_HELLO:
        return None
    camera_id = obj.get("camera_id")
    if camera_id is not None and not isinstance(camera_id, str):
        _bad("event.camera_id", "a string or null", camera_id)
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        _bad("event.data", "an object", data)
    alert: Alert | None = None
    change: AlertChange | None = None
    if kind == EVENT_ALERT:
        # A malformed alert must not break the channel (it would come back on every resume):
        # it arrives without `alert`, and the consumer says so.
        try:
            change, alert = parse_alert_event_data(data)
        except HubProtocolError as exc:
            log.warning("events: an alert this console cannot read: %s", exc)
    return HubEvent(
        # hello carries the hub's latest seq, which is 0 while the hub has had no event yet.
        seq=_int(obj, "seq", "event", minimum=0 if kind == EVENT_HUB_HELLO else 1),
        type=kind,
        time=_time(_field(obj, "time", "event"), "event.time"),
        camera_id=camera_id,
        data=data,
        alert=alert,
        alert_change=change,
    )


# ---------------------------------------------------------------- the driver


class SkipLog:
    """Warns about skipped input without flooding the log: the first `burst` in each
    `window_s`, then one line counting the rest when the next window begins. `count` is the
    total so far (for tests and diagnostics)."""

    def __init__(self, prefix: str, *, burst: int = 3, window_s: float = 60.0) -> None:
        self._prefix = prefix
        self._burst = burst
        self._window_s = window_s
        self._window_started = -math.inf
        self._in_window = 0
        self._suppressed = 0
        self.count = 0

    def note(self, what: str) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._window_started >= self._window_s:
            if self._suppressed:
                log.warning("%s %d more (not logged one by one)", self._prefix, self._suppressed)
            self._window_started, self._in_window, self._suppressed = now, 0, 0
        if self._in_window < self._burst:
            self._in_window += 1
            log.warning("%s %s", self._prefix, redact_text(what))
        else:
            self._suppressed += 1


class TesseraHubClient(HubClient):
    """HTTP + WebSocket client of a Tessera API v1 hub (the demo hub and compatible ones)."""

    def __init__(
        self,
        config: HubConfig,
        *,
        event_idle_timeout_s: float = DEFAULT_EVENT_IDLE_TIMEOUT_S,
    ) -> None:
        parts = urlsplit(config.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"a Tessera hub url must be http(s)://host[:port], got {redact_url(config.url)!r}"
            )
        self.config = config
        self._base = config.url.rstrip("/")
        self._idle_timeout_s = event_idle_timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._urgent_session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._skipped_events = SkipLog("events: skipped")

    def __repr__(self) -> str:
        return f"TesseraHubClient({redact_url(self.config.url)!r})"

    @property
    def safe_url(self) -> str:
        return redact_url(self.config.url)

    # -- plumbing

    def _get_session(self, *, urgent: bool = False) -> aiohttp.ClientSession:
        """The shared session, or with `urgent` the one reserved for PTZ stops.

        The urgent session has a connection pool of its own with no limit, so a stop goes out
        at once on a free (usually kept-alive) connection, never waiting for a connection of the
        main pool that slow requests hold.
        """
        if self._closed:
            raise RuntimeError("this hub client is closed")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("a hub client must be used from the event loop that first used it")
        # Created here, inside the running loop, never in __init__.
        if urgent:
            if self._urgent_session is None:
                self._urgent_session = self._new_session(limit=0)
            return self._urgent_session
        if self._session is None:
            self._session = self._new_session(limit=MAX_CONNECTIONS)
        return self._session

    def _new_session(self, *, limit: int) -> aiohttp.ClientSession:
        headers = {"User-Agent": "tessera-console", "Accept": "application/json"}
        if self.config.operator:
            headers[OPERATOR_HEADER] = self.config.operator
        return aiohttp.ClientSession(
            # limit_per_host=0: no per-host limit below `limit` (0 = no limit at all).
            connector=aiohttp.TCPConnector(limit=limit, limit_per_host=0),
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
            headers=headers,
        )

    def _url(self, *segments: str) -> URL:
        # Each id is quoted as one path segment: an id with "/" must not change the route.
        path = "/".join(quote(s, safe="") for s in segments)
        return URL(f"{self._base}{API_PREFIX}/{path}", encoded=True)

    def _map_client_error(self, exc: BaseException, what: str) -> HubError:
        where = redact_url(self.config.url)
        detail = redact_text(str(exc)) or type(exc).__name__
        if isinstance(exc, asyncio.TimeoutError):
            return HubUnreachable(
                f"{what}: no answer from {where} within {self.config.timeout_s:g} s",
                operator_message=(
                    "The video hub is not answering in time. It may be overloaded or the "
                    "network may be slow."
                ),
            )
        if isinstance(exc, aiohttp.ClientConnectorError):
            return HubUnreachable(f"{what}: cannot connect to {where}: {detail}")
        if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
            return HubConnectionLost(f"{what}: connection to {where} dropped: {detail}")
        if isinstance(exc, (aiohttp.ClientConnectionError, OSError)):
            return HubConnectionLost(f"{what}: connection to {where} failed: {detail}")
        return HubUnreachable(f"{what}: request to {where} failed: {detail}")

    async def _read_limited(self, resp: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await resp.content.read(64 * 1024)
            if not chunk:
                return b"".join(chunks), False
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
            chunks.append(chunk)
            if len(chunks) % 16 == 0:
                # Data already buffered is read without the loop running: a 17 MB answer took
                # 35 ms of CPU in one go. Let it run every megabyte.
                await asyncio.sleep(0)

    async def _get_json(self, *segments: str) -> object:
        return await self._request_json("GET", segments)

    async def _get_parsed(
        self, segments: Sequence[str], parse: Callable[[object], Awaitable[T]]
    ) -> T:
        """A GET whose answer may be large: JSON and models are read in slices, and the answer's
        raw containers are gone before the collector runs again (see `sliced_json`)."""
        with collector_paused():
            return await parse(await self._request_json("GET", segments))

    async def _request_json(
        self,
        method: str,
        segments: Sequence[str],
        body: Mapping[str, Any] | None = None,
        *,
        urgent: bool = False,
        query: Mapping[str, str] | None = None,
    ) -> object:
        """One request; the answer's JSON, or None for an empty answer (204)."""
        url = self._url(*segments)
        if query:
            url = url.with_query(query)
        what = f"{method} " + "/".join(segments)
        log.debug("%s %s", method, redact_url(str(url)))
        try:
            session = self._get_session(urgent=urgent)
            async with session.request(method, url, json=body) as resp:
                if resp.status >= 400:
                    data, _ = await self._read_limited(resp, _ERROR_BODY_BYTES)
                    raise self._http_error(resp.status, data, what)
                data, too_big = await self._read_limited(resp, MAX_BODY_BYTES)
                status = resp.status
        except HubError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error = self._map_client_error(exc, what)
            log.debug("%s", error)
            raise error from None
        if too_big:
            raise HubProtocolError(
                f"{what}: answer larger than {MAX_BODY_BYTES} bytes",
                operator_message=(
                    f"The video hub sent an answer larger than {MAX_BODY_BYTES // 2**20} MB, "
                    "more than this console reads. The hub may be misconfigured."
                ),
            )
        if status == 204 or not data.strip():
            return None
        try:
            return await loads_in_slices(data)
        except UnreadableJsonError as exc:
            log.debug("%s: answer is not valid JSON: %s", what, exc)
            raise HubProtocolError(f"{what}: answer is not valid JSON") from None

    def _http_error(self, status: int, body: bytes, what: str) -> HubHttpError:
        code: str | None = None
        message = ""
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = None
        # Tolerate anything here: proxies answer 502 with HTML, old hubs with plain text.
        err = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(err, dict):
            if isinstance(err.get("code"), str):
                code = err["code"][:100]
            if isinstance(err.get("message"), str):
                message = err["message"][:500]
        if not message:
            message = f"{what} failed"
        error: HubHttpError
        if code == "ptz_locked":
            error = HubPtzLocked(status, code, message, lock=self._error_lock(err))
        elif code == "not_supported":
            error = HubNotSupported(status, code, message)
        elif status == 404:
            error = HubNotFound(status, code, message)
        else:
            plain = _PTZ_CODE_MESSAGES.get(code or "")
            if code == "conflict":
                # The contract's messages are plain words: "a preset named 'Gate' exists already".
                plain = f"The hub refused the change: {message}."
            error = HubHttpError(status, code, message, operator_message=plain)
        log.debug("%s: %s", what, error)
        return error

    @staticmethod
    def _error_lock(err: object) -> PtzLock | None:
        # The refusal itself is what matters; a lock we cannot read only loses the holder's name.
        if not isinstance(err, dict) or err.get("lock") is None:
            return None
        try:
            return parse_ptz_lock(err["lock"], "error.lock")
        except HubProtocolError as exc:
            log.debug("ptz_locked: unreadable lock: %s", exc)
            return None

    # -- the API

    async def info(self) -> HubInfo:
        return parse_hub_info(await self._get_json("hub"))

    async def cameras(self) -> list[Camera]:
        return list((await self.camera_list()).cameras)

    async def camera_list(self, limit: int | None = None) -> CameraList:
        async def parse(payload: object) -> CameraList:
            reader = camera_list_reader(payload, limit, consume=True)
            return camera_list_from(await read_in_slices(reader))

        return await self._get_parsed(("cameras",), parse)

    async def camera(self, camera_id: str) -> Camera:
        camera = parse_camera(await self._get_json("cameras", camera_id))
        if camera.id != camera_id:
            raise HubProtocolError("camera.id: does not match the camera asked for", field="id")
        return camera

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        endpoint = parse_stream(await self._get_json("cameras", camera_id, "streams", profile))
        log.debug("stream %s/%s at %s", camera_id, profile, endpoint.safe_url)
        return endpoint

    async def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        url = self._url("events")
        query: dict[str, str] = {}
        if since is not None:
            query["since"] = str(since)
        if types is not None:
            query["types"] = ",".join(sorted(types))
        if query:
            url = url.with_query(query)
        log.debug("events: connecting to %s", redact_url(str(url)))
        what = "events"
        try:
            ws = await self._get_session().ws_connect(
                url,
                # The total request timeout must not end a long-lived channel; idleness does.
                timeout=aiohttp.ClientWSTimeout(
                    ws_receive=None, ws_close=min(self.config.timeout_s, WS_CLOSE_TIMEOUT_S)
                ),
                autoping=True,
                max_msg_size=MAX_WS_MESSAGE_BYTES,
            )
        except aiohttp.WSServerHandshakeError as exc:
            cls = HubNotFound if exc.status == 404 else HubHttpError
            raise cls(exc.status, None, "event channel refused") from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise self._map_client_error(exc, what) from None
        try:
            while True:
                try:
                    msg = await ws.receive(timeout=self._idle_timeout_s)
                except asyncio.TimeoutError:
                    raise HubConnectionLost(
                        f"events: nothing from the hub for {self._idle_timeout_s:g} s"
                    ) from None
                if msg.type == aiohttp.WSMsgType.TEXT:
                    event = await self._read_event(msg.data, types)
                    if event is None:
                        continue
                    if event.type == EVENT_HUB_HELLO:
                        version = event.data.get("api_version")
                        if version != API_VERSION:
                            raise HubProtocolError(
                                f"event.data.api_version: unsupported version {version!r}",
                                field="event.data.api_version",
                                operator_message=_UNSUPPORTED_VERSION_MESSAGE,
                            )
                    yield event
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    log.debug("events: skipped a binary message")
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    raise HubConnectionLost(f"events: channel error: {redact_text(str(msg.data))}")
                else:  # CLOSE, CLOSING, CLOSED
                    raise HubConnectionLost(
                        f"events: the hub closed the channel ({msg.extra or msg.data})"
                    )
        except (aiohttp.ClientError, OSError) as exc:
            raise self._map_client_error(exc, what) from None
        finally:
            await ws.close()

    async def _read_event(self, text: str, types: frozenset[str] | None) -> HubEvent | None:
        """One message of the event channel as an event, or None: a heartbeat, a type not asked
        for or not known, or a message that cannot be read. The last is skipped and logged
        (rate-limited, never its content): one bad event must not end the channel, or it would
        come back on every resume."""
        if len(text) > MAX_EVENT_BYTES:
            self._skipped_events.note(f"a message of {len(text)} characters (too large)")
            return None
        try:
            payload = await loads_in_slices(text)
        except UnreadableJsonError:
            self._skipped_events.note("a message that is not valid JSON")
            return None
        try:
            event = parse_event(payload, types)
        except HubProtocolError as exc:
            self._skipped_events.note(f"an unreadable event ({exc.message})")
            return None
        if event is None:
            log.debug("events: skipped a heartbeat or unknown event type")
        return event

    # -- PTZ

    def _ptz(self, camera_id: str, *segments: str) -> tuple[str, ...]:
        return ("cameras", camera_id, "ptz", *segments)

    async def _ptz_status(
        self,
        method: str,
        camera_id: str,
        *segments: str,
        body: Mapping[str, Any] | None = None,
        urgent: bool = False,
    ) -> PtzStatus:
        payload = await self._request_json(
            method, self._ptz(camera_id, *segments), body, urgent=urgent
        )
        return parse_ptz_status(payload)

    async def ptz_status(self, camera_id: str) -> PtzStatus:
        return await self._ptz_status("GET", camera_id)

    async def ptz_move(
        self,
        camera_id: str,
        pan: float,
        tilt: float,
        zoom: float,
        *,
        timeout_ms: int = 1000,
        seq: int | None = None,
    ) -> PtzStatus:
        body: dict[str, Any] = {
            "pan": float(pan),
            "tilt": float(tilt),
            "zoom": float(zoom),
            "timeout_ms": int(timeout_ms),
        }
        if seq is not None:
            body["seq"] = int(seq)
        return await self._ptz_status("POST", camera_id, "move", body=body)

    async def ptz_stop(self, camera_id: str, *, seq: int | None = None) -> PtzStatus:
        # The urgent pool: a stop never waits for a connection behind in-flight requests.
        body = {"seq": int(seq)} if seq is not None else {}
        return await self._ptz_status("POST", camera_id, "stop", body=body, urgent=True)

    async def ptz_prepare_stop(self, camera_id: str) -> None:
        # A status read over the urgent pool leaves a kept-alive connection there, so the
        # stop that ends this steering does not connect first (a cold connect on a busy machine
        # took 150 ms once). aiohttp keeps an idle connection for 15 s.
        with contextlib.suppress(HubError):
            await self._ptz_status("GET", camera_id, urgent=True)

    async def ptz_absolute(
        self,
        camera_id: str,
        pan: float | None = None,
        tilt: float | None = None,
        zoom: float | None = None,
    ) -> PtzStatus:
        body = {
            axis: float(value)
            for axis, value in (("pan", pan), ("tilt", tilt), ("zoom", zoom))
            if value is not None
        }
        return await self._ptz_status("POST", camera_id, "absolute", body=body)

    async def ptz_relative(
        self, camera_id: str, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> PtzStatus:
        body = {"pan": float(pan), "tilt": float(tilt), "zoom_factor": float(zoom_factor)}
        return await self._ptz_status("POST", camera_id, "relative", body=body)

    async def ptz_home(self, camera_id: str) -> PtzStatus:
        return await self._ptz_status("POST", camera_id, "home")

    async def ptz_set_home(self, camera_id: str) -> PtzStatus:
        return await self._ptz_status("PUT", camera_id, "home")

    async def ptz_presets(self, camera_id: str) -> list[PtzPreset]:
        payload = _obj(await self._get_json(*self._ptz(camera_id, "presets")), "response")
        return parse_ptz_presets(_field(payload, "presets", "response"))

    async def ptz_save_preset(self, camera_id: str, name: str) -> PtzPreset:
        payload = await self._request_json("POST", self._ptz(camera_id, "presets"), {"name": name})
        return parse_ptz_preset(payload)

    async def ptz_rename_preset(self, camera_id: str, preset_id: str, name: str) -> PtzPreset:
        payload = await self._request_json(
            "PATCH", self._ptz(camera_id, "presets", preset_id), {"name": name}
        )
        return parse_ptz_preset(payload)

    async def ptz_delete_preset(self, camera_id: str, preset_id: str) -> None:
        await self._request_json("DELETE", self._ptz(camera_id, "presets", preset_id))

    async def ptz_goto_preset(self, camera_id: str, preset_id: str) -> PtzStatus:
        return await self._ptz_status("POST", camera_id, "presets", preset_id, "goto")

    async def ptz_tours(self, camera_id: str) -> list[PtzTour]:
        payload = _obj(await self._get_json(*self._ptz(camera_id, "tours")), "response")
        return parse_ptz_tours(_field(payload, "tours", "response"))

    async def ptz_save_tour(
        self,
        camera_id: str,
        name: str,
        steps: Sequence[PtzTourStep],
        *,
        tour_id: str | None = None,
    ) -> PtzTour:
        body = {
            "name": name,
            "steps": [{"preset_id": s.preset_id, "dwell_s": float(s.dwell_s)} for s in steps],
        }
        if tour_id is None:
            payload = await self._request_json("POST", self._ptz(camera_id, "tours"), body)
        else:
            payload = await self._request_json("PUT", self._ptz(camera_id, "tours", tour_id), body)
        return parse_ptz_tour(payload)

    async def ptz_delete_tour(self, camera_id: str, tour_id: str) -> None:
        await self._request_json("DELETE", self._ptz(camera_id, "tours", tour_id))

    async def ptz_start_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        return await self._ptz_status("POST", camera_id, "tours", tour_id, "start")

    async def ptz_stop_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        return await self._ptz_status("POST", camera_id, "tours", tour_id, "stop")

    async def ptz_lock(self, camera_id: str, priority: int = 0) -> PtzLock:
        payload = await self._request_json(
            "POST", self._ptz(camera_id, "lock"), {"priority": int(priority)}
        )
        lock = parse_ptz_lock(payload)
        if lock is None:
            raise HubProtocolError("lock: expected an object, got null", field="lock")
        return lock

    async def ptz_unlock(self, camera_id: str) -> None:
        await self._request_json("DELETE", self._ptz(camera_id, "lock"))

    # -- alerts

    async def alerts(self, *, include_closed: bool = False) -> AlertSnapshot:
        query = {"state": "all" if include_closed else "open"}
        with collector_paused():
            payload = await self._request_json("GET", ("alerts",), query=query)
            reader, seq = _alert_snapshot_reader(payload, consume=True)
            await read_in_slices(reader)
            return AlertSnapshot(tuple(reader.items), seq, tuple(reader.rejected))

    async def alert(self, alert_id: str) -> Alert:
        return parse_alert(await self._get_json("alerts", alert_id))

    async def raise_alert(
        self,
        kind: AlertKind,
        camera_id: str,
        priority: AlertPriority,
        *,
        label: str | None = None,
        box: AlertBox | None = None,
        plate: str | None = None,
        message: str | None = None,
        duration_s: float | None = None,
    ) -> Alert:
        body: dict[str, Any] = {
            "kind": kind.value,
            "camera_id": camera_id,
            "priority": priority.wire,
        }
        if label is not None:
            body["label"] = label
        if box is not None:
            body["box"] = {"x": box.x, "y": box.y, "w": box.w, "h": box.h}
        if plate is not None:
            body["plate"] = plate
        if message is not None:
            body["message"] = message
        if duration_s is not None:
            body["duration_s"] = float(duration_s)
        return parse_alert(await self._request_json("POST", ("alerts",), body))

    async def acknowledge_alert(self, alert_id: str, note: str = "") -> Alert:
        body = {"note": note} if note else {}
        return parse_alert(
            await self._request_json("POST", ("alerts", alert_id, "acknowledge"), body)
        )

    async def close_alert(self, alert_id: str, note: str = "") -> Alert:
        body = {"note": note} if note else {}
        return parse_alert(await self._request_json("POST", ("alerts", alert_id, "close"), body))

    # -- recordings

    async def _recording_json(
        self, segments: Sequence[str], query: Mapping[str, str] | None
    ) -> object:
        """A recordings request, its refusals in plain words about recordings."""
        try:
            return await self._request_json("GET", segments, query=query)
        except HubNotSupported as exc:
            raise HubNotSupported(
                exc.status, exc.code, exc.server_message, operator_message=_NOT_RECORDED_MESSAGE
            ) from None
        except HubHttpError as exc:
            plain = _RECORDING_CODE_MESSAGES.get(exc.code or "")
            if plain is None:
                raise
            raise HubHttpError(
                exc.status, exc.code, exc.server_message, operator_message=plain
            ) from None

    async def recordings(
        self, camera_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> Recordings:
        query = {}
        if start is not None:
            query["from"] = format_time(start)
        if end is not None:
            query["to"] = format_time(end)
        payload = await self._recording_json(("cameras", camera_id, "recordings"), query)
        recordings = parse_recordings(payload)
        if recordings.camera_id != camera_id:
            raise HubProtocolError(
                "recordings.camera_id: does not match the camera asked for",
                field="recordings.camera_id",
            )
        return recordings

    async def playback(self, camera_id: str, profile: str, start: datetime) -> PlaybackEndpoint:
        query = {"start": format_time(start)}
        payload = await self._recording_json(("cameras", camera_id, "playback", profile), query)
        endpoint = parse_playback(payload)
        if endpoint.camera_id != camera_id:
            raise HubProtocolError(
                "playback.camera_id: does not match the camera asked for",
                field="playback.camera_id",
            )
        log.debug(
            "playback %s/%s from %s at %s",
            camera_id,
            profile,
            endpoint.start.isoformat(),
            endpoint.safe_url,
        )
        return endpoint

    async def close(self) -> None:
        self._closed = True
        for session in (self._session, self._urgent_session):
            if session is not None and not session.closed:
                await session.close()
        self._session = self._urgent_session = None


def _create(config: HubConfig) -> HubClient:
    return TesseraHubClient(config)


register_driver("tessera", _create)
# The embedded demo hub speaks exactly this API.
register_driver("demo", _create)
