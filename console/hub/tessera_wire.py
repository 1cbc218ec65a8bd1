"""The Tessera hub API v1 on the wire: strict, item-by-item parsing of what a hub sends.

Every payload is validated into `console.hub.models`; a wrong or missing field raises
HubProtocolError naming the field, never echoing the payload. Lists are read entry by entry
(`ItemReader`): an unreadable entry is left out and reported (`Rejected`), the readable ones are
used. Text meant for people is cleaned (`console.base.safe_text`); identifiers must be clean and
at most `MAX_ID_CHARS` long. No I/O here: `console.hub.tessera_api` (the client) reads the
answers and the event channel and hands them to these parsers.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, Generic, NoReturn, TypeVar
from urllib.parse import urlencode, urlsplit

from console.base.safe_text import clean_text, is_clean
from console.hub.errors import (
    HubProtocolError,
)
from console.hub.identity import SessionInfo, parse_rights
from console.hub.models import (
    EVENT_ALERT,
    EVENT_BOOKMARK,
    EVENT_HUB_HELLO,
    EVENT_PTZ_LOCK,
    EVENT_PTZ_PRESETS,
    EVENT_PTZ_TOURS,
    KNOWN_EVENT_TYPES,
    PLAYBACK_SPEEDS,
    SHARING_TIERS,
    TIER_PUBLIC,
    TIER_REGISTRY_ONLY,
    AlarmAction,
    AlarmState,
    Alert,
    AlertBox,
    AlertChange,
    AlertHistory,
    AlertKind,
    AlertLine,
    AlertPriority,
    AlertSnapshot,
    Bookmark,
    BookmarkChange,
    BookmarkList,
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    PlaybackEndpoint,
    PtzCapabilities,
    PtzChange,
    PtzLock,
    PtzPosition,
    PtzPreset,
    PtzRange,
    PtzStatus,
    PtzTour,
    PtzTourStep,
    Recordings,
    RecordingSpan,
    RecordingsSearch,
    Rejected,
    Sharing,
    StreamEndpoint,
    StreamProfile,
)

log = logging.getLogger(__name__)

# Identifiers (camera, preset, alert ids; profile names) travel in URLs and logs: longer ones, or
# ones with control characters, make their entry unreadable.
MAX_ID_CHARS = 256
API_VERSION = 1

UNSUPPORTED_VERSION_MESSAGE = (
    "This video hub speaks a different version of the hub interface than this console. "
    "Update the console or the hub."
)


# ---------------------------------------------------------------- strict payload parsing


def _type_name(value: object) -> str:  # noqa: PLR0911 (older than the rule; split when next changed)
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


def expect_object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _bad(path, "an object", value)
    return value


def expect_field(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise HubProtocolError(f"{path}.{key}: missing", field=f"{path}.{key}")
    return obj[key]


def _str(obj: Mapping[str, Any], key: str, path: str, *, empty: bool = True) -> str:
    value = expect_field(obj, key, path)
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
    value = expect_field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(f"{path}.{key}", "an integer", value)
    if minimum is not None and value < minimum:
        raise HubProtocolError(f"{path}.{key}: must be at least {minimum}", field=f"{path}.{key}")
    return value


def _positive_number(obj: Mapping[str, Any], key: str, path: str) -> float:
    value = expect_field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        _bad(f"{path}.{key}", "a positive number", value)
    return float(value)


def _str_set(obj: Mapping[str, Any], key: str, path: str) -> frozenset[str]:
    value = expect_field(obj, key, path)
    if not isinstance(value, list):
        _bad(f"{path}.{key}", "an array of strings", value)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            _bad(f"{path}.{key}[{i}]", "a string", item)
    return frozenset(value)


def _list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = expect_field(obj, key, path)
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
    value = expect_field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _bad(f"{path}.{key}", "a number", value)
    return float(value)


def _bool(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = expect_field(obj, key, path)
    if not isinstance(value, bool):
        _bad(f"{path}.{key}", "a boolean", value)
    return value


def _range(obj: Mapping[str, Any], key: str, path: str, *, positive: bool = False) -> PtzRange:
    where = f"{path}.{key}"
    rng = expect_object(expect_field(obj, key, path), where)
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
    obj = expect_object(payload, path)
    fov_path = f"{path}.fov"
    fov = expect_object(expect_field(obj, "fov", path), fov_path)
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
    obj = expect_object(payload, path)
    return PtzPosition(
        pan=_number(obj, "pan", path),
        tilt=_number(obj, "tilt", path),
        zoom=_number(obj, "zoom", path),
    )


def parse_ptz_lock(payload: object, path: str = "lock") -> PtzLock | None:
    """A Lock object, or None for null (a free camera). Also for `ptz.lock` event data."""
    if payload is None:
        return None
    obj = expect_object(payload, path)
    priority = _int(obj, "priority", path, minimum=0)
    return PtzLock(
        operator=_text(obj, "operator", path, empty=False),
        priority=priority,
        since=_time(expect_field(obj, "since", path), f"{path}.since"),
        idle_release_s=_positive_number(obj, "idle_release_s", path),
    )


def parse_ptz_status(payload: object, path: str = "ptz") -> PtzStatus:
    obj = expect_object(payload, path)
    tour = expect_field(obj, "tour", path)
    tour_id: str | None = None
    if tour is not None:
        tour_id = _str(expect_object(tour, f"{path}.tour"), "id", f"{path}.tour", empty=False)
    ignored = obj.get("ignored", False)
    if not isinstance(ignored, bool):
        _bad(f"{path}.ignored", "a boolean", ignored)
    return PtzStatus(
        position=parse_ptz_position(expect_field(obj, "position", path), f"{path}.position"),
        moving=_bool(obj, "moving", path),
        lock=parse_ptz_lock(expect_field(obj, "lock", path), f"{path}.lock"),
        tour_id=tour_id,
        ignored=ignored,
    )


def parse_ptz_preset(payload: object, path: str = "preset") -> PtzPreset:
    obj = expect_object(payload, path)
    return PtzPreset(
        id=_id(obj, "id", path),
        name=_text(obj, "name", path, empty=False),
        position=parse_ptz_position(expect_field(obj, "position", path), f"{path}.position"),
    )


def parse_ptz_presets(payload: object, path: str = "presets") -> list[PtzPreset]:
    """The array of a preset list (`{"presets": [...]}`'s value, or `ptz.presets` event data):
    its readable presets (an unreadable one is left out and logged)."""
    if not isinstance(payload, list):
        _bad(path, "an array", payload)
    return ItemReader(payload, path, parse_ptz_preset, key=lambda p: p.id).read().items


def parse_ptz_tour(payload: object, path: str = "tour") -> PtzTour:
    obj = expect_object(payload, path)
    steps: list[PtzTourStep] = []
    for i, item in enumerate(_list(obj, "steps", path)):
        where = f"{path}.steps[{i}]"
        step = expect_object(item, where)
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
    obj = expect_object(payload, path)
    return AlertBox(
        _unit(obj, "x", path), _unit(obj, "y", path), _unit(obj, "w", path), _unit(obj, "h", path)
    )


def parse_alert_line(payload: object, path: str = "line") -> AlertLine | None:
    if payload is None:
        return None
    obj = expect_object(payload, path)
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
    obj = expect_object(payload, path)
    note = _optional_text(obj, "note", path) or ""
    return AlarmAction(
        by=_text(obj, "by", path, empty=False),
        at=_time(expect_field(obj, "at", path), f"{path}.at"),
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
    obj = expect_object(payload, path)
    kind_text = _str(obj, "kind", path, empty=False)
    ended = expect_field(obj, "ended", path)
    message = _optional_text(obj, "message", path) or ""
    source = _optional_text(obj, "source", path) or ""
    return Alert(
        id=_id(obj, "id", path),
        kind=_KINDS.get(kind_text, AlertKind.OTHER),
        camera_id=_id(obj, "camera_id", path),
        priority=_enum_field(obj, "priority", path, _PRIORITIES),
        started=_time(expect_field(obj, "started", path), f"{path}.started"),
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


def alert_snapshot_reader(
    payload: object, *, consume: bool = False
) -> tuple[ItemReader[Alert], int]:
    obj = expect_object(payload, "response")
    seq = _int(obj, "seq", "response", minimum=0)
    alerts = _list(obj, "alerts", "response")
    reader = ItemReader(alerts, "response.alerts", parse_alert, key=lambda a: a.id, consume=consume)
    return reader, seq


def parse_alert_snapshot(payload: object) -> AlertSnapshot:
    """The hub's alerts: the readable ones, and the unreadable ones in `rejected`."""
    reader, seq = alert_snapshot_reader(payload)
    reader.read()
    return AlertSnapshot(tuple(reader.items), seq, tuple(reader.rejected))


def parse_alert_event_data(data: Mapping[str, Any]) -> tuple[AlertChange, Alert]:
    change = _enum_field(data, "change", "event.data", _CHANGES)
    return change, parse_alert(expect_field(data, "alert", "event.data"), "event.data.alert")


MAX_BOOKMARK_TAGS = 20  # more is an unreadable bookmark (the contract allows 20)
MAX_TAG_CHARS = 64
MAX_DESCRIPTION = 2000


def parse_bookmark(payload: object, path: str = "bookmark") -> Bookmark:
    """A Bookmark (docs/hub-api.md "Bookmarks"), read strictly: an id or camera id that is not
    clean, a span that ends before it starts, a tag that is not text make it unreadable; the
    name, description and tags are cleaned for display."""
    obj = expect_object(payload, path)
    start = _time(expect_field(obj, "start", path), f"{path}.start")
    end = _time(expect_field(obj, "end", path), f"{path}.end")
    if end < start:
        raise HubProtocolError(f"{path}.end: before start", field=f"{path}.end")
    raw_tags = _list(obj, "tags", path)
    if len(raw_tags) > MAX_BOOKMARK_TAGS:
        raise HubProtocolError(f"{path}.tags: more than {MAX_BOOKMARK_TAGS}", field=f"{path}.tags")
    tags: list[str] = []
    for i, item in enumerate(raw_tags):
        if not isinstance(item, str):
            _bad(f"{path}.tags[{i}]", "a string", item)
        tag = clean_text(item, MAX_TAG_CHARS)
        if tag and tag not in tags:
            tags.append(tag)
    created_path = f"{path}.created"
    created = expect_object(expect_field(obj, "created", path), created_path)
    by = _optional_text(created, "by", created_path)
    return Bookmark(
        id=_id(obj, "id", path),
        camera_id=_id(obj, "camera_id", path),
        start=start,
        end=end,
        name=_text(obj, "name", path),
        description=clean_text(_optional_str(obj, "description", path) or "", MAX_DESCRIPTION),
        tags=tuple(tags),
        protected=_bool(obj, "protected", path),
        created_at=_time(expect_field(created, "at", created_path), f"{created_path}.at"),
        created_by=by or None,
        revision=_int(obj, "revision", path, minimum=1),
    )


def bookmark_list_reader(
    payload: object, *, consume: bool = False
) -> tuple[ItemReader[Bookmark], int]:
    """A reader of the bookmark list answer, entry by entry (an id seen before is unreadable),
    and its seq. Only an answer without a `bookmarks` array (or `seq`) is refused whole."""
    obj = expect_object(payload, "response")
    seq = _int(obj, "seq", "response", minimum=0)
    entries = _list(obj, "bookmarks", "response")
    reader = ItemReader(
        entries, "response.bookmarks", parse_bookmark, key=lambda b: b.id, consume=consume
    )
    return reader, seq


def parse_bookmark_list(payload: object) -> BookmarkList:
    reader, seq = bookmark_list_reader(payload)
    reader.read()
    return BookmarkList(tuple(reader.items), seq, tuple(reader.rejected))


_BOOKMARK_CHANGES = {c.value: c for c in BookmarkChange}


def parse_bookmark_event_data(data: Mapping[str, Any]) -> tuple[BookmarkChange, Bookmark]:
    change = _enum_field(data, "change", "event.data", _BOOKMARK_CHANGES)
    bookmark = parse_bookmark(expect_field(data, "bookmark", "event.data"), "event.data.bookmark")
    return change, bookmark


def parse_hub_info(payload: object) -> HubInfo:
    path = "hub"
    obj = expect_object(payload, path)
    version = _int(obj, "api_version", path)
    if version != API_VERSION:
        raise HubProtocolError(
            f"hub.api_version: unsupported version {version}; this console speaks {API_VERSION}",
            field="hub.api_version",
            operator_message=UNSUPPORTED_VERSION_MESSAGE,
        )
    return HubInfo(
        api_version=version,
        name=_text(obj, "name", path),
        software=_text(obj, "software", path),
        version=_text(obj, "version", path),
        capabilities=_str_set(obj, "capabilities", path),
        time=_time(obj["time"], f"{path}.time") if obj.get("time") is not None else None,
        # Anything but "required" reads as an open hub: its requests then fail with 401 if
        # that was wrong, which asks for sign-in too.
        sign_in="required" if obj.get("sign_in") == "required" else "none",
        tls=obj.get("tls") is True,
        reasons_required=_reasons_required(obj.get("reasons_required")),
        watermark=_policy_watermark(obj.get("policy")),
    )


def _policy_watermark(policy: object) -> bool:
    """Whether the hub's `policy` asks for the operator watermark: only a `true` does (junk
    reads as not asked; the console's own settings still apply)."""
    return isinstance(policy, dict) and policy.get("watermark") is True


def _reasons_required(value: object) -> frozenset[str]:
    """The hub's actions that need a reason; junk reads as none (the console's own policy
    still applies), a name this console does not know is kept and ignored."""
    if not isinstance(value, list) or len(value) > 32:
        return frozenset()
    return frozenset(
        v for v in value if isinstance(v, str) and 0 < len(v) <= 32 and v.isprintable()
    )


# The most cameras a session's rights may name (a hub with more is refused, not truncated).
MAX_SESSION_CAMERAS = 100_000
MAX_OWNER_CHARS = 200
_told_tiers: set[str] = set()  # unknown sharing tiers already logged (a few, not per camera)


def parse_session(payload: object, path: str = "session") -> SessionInfo:
    """Who a session is and what it may do (POST/GET /api/v1/session), strictly checked: the
    console shows only what this says, and the hub enforces it anyway."""
    obj = expect_object(payload, path)
    rights = expect_object(expect_field(obj, "rights", path), f"{path}.rights")

    def right_set(value: object, where: str) -> frozenset[str]:
        try:
            return parse_rights(value, where)
        except ValueError as exc:
            raise HubProtocolError(str(exc), field=where) from None

    cameras = expect_object(rights.get("cameras", {}), f"{path}.rights.cameras")
    if len(cameras) > MAX_SESSION_CAMERAS:
        raise HubProtocolError(f"{path}.rights.cameras: too many", field=f"{path}.rights.cameras")
    per_camera: dict[str, frozenset[str]] = {}
    for camera_id, value in cameras.items():
        if not isinstance(camera_id, str) or not camera_id or len(camera_id) > MAX_ID_CHARS:
            raise HubProtocolError(f"{path}.rights.cameras: a bad camera id")
        if not is_clean(camera_id):
            raise HubProtocolError(f"{path}.rights.cameras: a camera id with control characters")
        per_camera[camera_id] = right_set(value, f"{path}.rights.cameras[{camera_id!r}]")
    expires = _time(expect_field(obj, "expires", path), f"{path}.expires")
    return SessionInfo(
        user=_text(obj, "user", path, empty=False),
        role=_text(obj, "role", path, empty=False),
        expires=expires.timestamp(),
        rights_all=right_set(rights.get("all", []), f"{path}.rights.all"),
        camera_rights=per_camera,
    )


def parse_profile(payload: object, path: str) -> StreamProfile:
    obj = expect_object(payload, path)
    return StreamProfile(
        name=_id(obj, "name", path),
        width=_int(obj, "width", path, minimum=1),
        height=_int(obj, "height", path, minimum=1),
        fps=_positive_number(obj, "fps", path),
        codec=_str(obj, "codec", path),
    )


def parse_camera(payload: object, path: str = "camera") -> Camera:
    obj = expect_object(payload, path)
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
        sharing=parse_sharing(obj.get("sharing"), f"{path}.sharing"),
    )


def parse_sharing(payload: object, path: str = "camera.sharing") -> Sharing | None:
    """A camera's `sharing` (absent or null: public). Never refuses the camera for it: what
    cannot be read is taken as the strictest tier (registry only: no video), since showing a
    private camera's video by mistake is the worse error; the tier the hub sent is kept in
    `unknown_tier` so the operator is told why."""
    if payload is None:
        return None
    if not isinstance(payload, dict):
        _tell_tier("(unreadable)")
        return Sharing(TIER_REGISTRY_ONLY, "", unknown_tier="(unreadable)")
    tier = payload.get("tier")
    owner = payload.get("owner")
    owner_text = clean_text(owner)[:MAX_OWNER_CHARS] if isinstance(owner, str) else ""
    if tier == TIER_PUBLIC:
        return None
    if isinstance(tier, str) and tier in SHARING_TIERS:
        return Sharing(tier, owner_text)
    shown = clean_text(tier)[:40] if isinstance(tier, str) else "(not a word)"
    _tell_tier(shown or "(empty)")
    return Sharing(TIER_REGISTRY_ONLY, owner_text, unknown_tier=shown or "(empty)")


def _tell_tier(shown: str) -> None:
    if shown not in _told_tiers and len(_told_tiers) < 20:
        _told_tiers.add(shown)
        log.warning(
            "camera sharing tier %r is not known here: such cameras are treated as registry "
            "only (no video)",
            shown,
        )


def camera_list_reader(
    payload: object, limit: int | None = None, *, consume: bool = False
) -> ItemReader[Camera]:
    """A reader of the camera list answer: each camera on its own (a camera with an id seen
    before is unreadable), at most `limit` of them. Only a response that has no `cameras`
    array at all is refused as a whole."""
    entries = _list(expect_object(payload, "response"), "cameras", "response")
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
    return StreamEndpoint(**_endpoint_fields(expect_object(payload, path), path))


_DIRECTIONS = {"forward": False, "reverse": True}


def parse_playback(payload: object) -> PlaybackEndpoint:
    """A PlaybackEndpoint (docs/hub-api.md "Recordings"): a StreamEndpoint plus `start`, and
    `speed`, `direction`, `intra_only` (absent from a hub that predates them: 1x forward with
    every frame; present, they must be what the contract allows)."""
    path = "playback"
    obj = expect_object(payload, path)
    fields = _endpoint_fields(obj, path)
    speed = 1.0
    if "speed" in obj:
        speed = _number(obj, "speed", path)
        if speed not in PLAYBACK_SPEEDS:
            raise HubProtocolError(
                f"{path}.speed: not a playback speed (a power of two from 1/8 to 16)",
                field=f"{path}.speed",
            )
    reverse = _enum_field(obj, "direction", path, _DIRECTIONS) if "direction" in obj else False
    intra_only = _bool(obj, "intra_only", path) if "intra_only" in obj else False
    return PlaybackEndpoint(
        **fields,
        start=_time(expect_field(obj, "start", path), f"{path}.start"),
        speed=speed,
        reverse=reverse,
        intra_only=intra_only,
    )


def parse_recording_span(payload: object, path: str) -> RecordingSpan:
    obj = expect_object(payload, path)
    start = _time(expect_field(obj, "start", path), f"{path}.start")
    end = _time(expect_field(obj, "end", path), f"{path}.end")
    if end < start:
        raise HubProtocolError(f"{path}.end: before start", field=f"{path}.end")
    return RecordingSpan(start, end)


def parse_recordings(payload: object, path: str = "recordings") -> Recordings:
    """A camera's Recordings (docs/hub-api.md "Recordings"); spans come out oldest first."""
    obj = expect_object(payload, path)
    # A span that cannot be read is left out (logged): the rest can still be played.
    reader = ItemReader(_list(obj, "spans", path), f"{path}.spans", parse_recording_span)
    spans = reader.read().items
    retention = expect_field(obj, "retention_s", path)
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


def _camera_id_entry(payload: object, path: str) -> str:
    """One camera id of a list of ids (`not_recorded`), held to the rules of ids."""
    return _id({"id": payload}, "id", path)


def parse_recordings_search(payload: object) -> RecordingsSearch:
    """The answer of a recordings search (docs/hub-api.md "Recordings"), read entry by entry:
    an unreadable Recordings (or one whose camera came earlier) or an unreadable id in
    `not_recorded` is left out and reported in `rejected`; the rest is used. Only an answer
    without the two lists is refused as a whole."""
    path = "response"
    obj = expect_object(payload, path)
    found = ItemReader(
        _list(obj, "recordings", path),
        f"{path}.recordings",
        parse_recordings,
        key=lambda r: r.camera_id,
    ).read()
    missing = ItemReader(
        _list(obj, "not_recorded", path), f"{path}.not_recorded", _camera_id_entry, key=str
    ).read()
    return RecordingsSearch(
        tuple(found.items), tuple(missing.items), tuple(found.rejected + missing.rejected)
    )


def alert_history_reader(payload: object) -> tuple[ItemReader[Alert], dict[str, Any]]:
    """A reader of the alert history's `alerts` (entry by entry, like the snapshot's) and the
    answer's other fields, checked: `from`, `to` (aware times) and `more`."""
    path = "response"
    obj = expect_object(payload, path)
    start = _time(expect_field(obj, "from", path), f"{path}.from")
    end = _time(expect_field(obj, "to", path), f"{path}.to")
    if end < start:
        raise HubProtocolError(f"{path}.to: before from", field=f"{path}.to")
    more = _bool(obj, "more", path)
    alerts = _list(obj, "alerts", path)
    reader = ItemReader(alerts, f"{path}.alerts", parse_alert, key=lambda a: a.id)
    return reader, {"start": start, "end": end, "more": more}


def alert_history_from(reader: ItemReader[Alert], fields: Mapping[str, Any]) -> AlertHistory:
    """The AlertHistory of a reader that has read its entries, oldest `started` first."""
    alerts = sorted(reader.items, key=lambda a: a.started)  # stable: the hub's order for ties
    return AlertHistory(alerts=tuple(alerts), rejected=tuple(reader.rejected), **fields)


def parse_alert_history(payload: object) -> AlertHistory:
    """The alert history of a time range (docs/hub-api.md "The history")."""
    reader, fields = alert_history_reader(payload)
    return alert_history_from(reader.read(), fields)


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
    obj = expect_object(payload, "event")
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
    ptz = _ptz_change(kind, data)
    bookmark: Bookmark | None = None
    bookmark_change: BookmarkChange | None = None
    if kind == EVENT_BOOKMARK:
        # Like an alert: an unreadable bookmark must not break the channel.
        try:
            bookmark_change, bookmark = parse_bookmark_event_data(data)
        except HubProtocolError as exc:
            log.warning("events: a bookmark this console cannot read: %s", exc)
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
        time=_time(expect_field(obj, "time", "event"), "event.time"),
        camera_id=camera_id,
        data=data,
        alert=alert,
        alert_change=change,
        ptz=ptz,
        bookmark=bookmark,
        bookmark_change=bookmark_change,
    )


def _ptz_change(kind: str, data: Mapping[str, Any]) -> PtzChange | None:
    """The PTZ event's data, read; None for another type, and for one this console cannot read
    (logged: like a malformed alert, it must not break the channel)."""
    try:
        if kind == EVENT_PTZ_LOCK:
            return PtzChange(lock=parse_ptz_lock(data.get("lock"), "lock"))
        if kind == EVENT_PTZ_PRESETS:
            return PtzChange(presets=tuple(parse_ptz_presets(data.get("presets"))))
        if kind == EVENT_PTZ_TOURS:
            return PtzChange(tours=tuple(parse_ptz_tours(data.get("tours"))))
    except HubProtocolError as exc:
        log.warning("events: a %s event this console cannot read: %s", kind, exc)
    return None


# ---------------------------------------------------------------- the driver


# Why the operator acts (issue 17, section 3), with a sensitive request: form-encoded case,
# reason and words (docs/hub-api.md, "Reasons").
REASON_HEADER = "X-Tessera-Reason"
_REASON_FIELDS = ("case", "reason", "words")


def reason_header(reason: Mapping[str, str] | None) -> dict[str, str] | None:
    """The header that carries `reason` (its case, reason and words; None: no reason)."""
    if not reason:
        return None
    fields = {k: reason[k] for k in _REASON_FIELDS if reason.get(k)}
    return {REASON_HEADER: urlencode(fields)} if fields else None


def decode_base64(
    value: object, field: str, *, size: int | None = None, limit: int = 65536
) -> bytes:
    """Base64 text from a hub (`field` names it in the error): at most `limit` bytes once
    decoded, exactly `size` when given; HubProtocolError otherwise."""
    if not isinstance(value, str) or len(value) > limit * 4 // 3 + 4:
        raise HubProtocolError(f"{field}: not base64 text of a fitting size", field=field)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise HubProtocolError(f"{field}: not base64", field=field) from None
    if size is not None and len(raw) != size:
        raise HubProtocolError(f"{field}: not {size} bytes", field=field)
    return raw
