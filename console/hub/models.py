"""The project's own typed models for what a hub knows: itself, cameras, streams, recordings and
events.

Drivers turn vendor payloads into these frozen dataclasses; nothing above the driver layer ever
sees a vendor dictionary. The models are plain Python (no Qt, no aiohttp).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, IntEnum
from types import MappingProxyType
from typing import Any

from console.base.redact import redact_url

# Event types of hub API v1. Later versions add more; clients ignore the types they do not know.
EVENT_HUB_HELLO = "hub.hello"
EVENT_CAMERA_STATUS = "camera.status"
EVENT_STREAM_VIEWERS = "stream.viewers"
# PTZ (additive within v1): data {"lock": Lock | null}, {"presets": [...]}, {"tours": [...]}.
EVENT_PTZ_LOCK = "ptz.lock"
EVENT_PTZ_PRESETS = "ptz.presets"
EVENT_PTZ_TOURS = "ptz.tours"
# Alerts (additive within v1): data {"change": ..., "alert": Alert}; the driver parses it into
# `HubEvent.alert`.
EVENT_ALERT = "alert"
# Bookmarks (additive within v1): data {"change": ..., "bookmark": Bookmark}; the driver parses
# it into `HubEvent.bookmark`.
EVENT_BOOKMARK = "bookmark"
# A camera's privacy masks changed or a lift began or ended (docs/hub-api.md "Privacy masks").
EVENT_CAMERA_MASKS = "camera.masks"
# Capabilities (hub-wide in HubInfo, per camera in Camera) that the console acts on.
CAPABILITY_RECORDINGS = "recordings"
CAPABILITY_BOOKMARKS = "bookmarks"
# Playback speeds of hub API v1: powers of two from 1/8 to 16 (docs/hub-api.md, "Playback at a
# speed").
PLAYBACK_SPEEDS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
KNOWN_EVENT_TYPES = frozenset(
    {
        EVENT_HUB_HELLO,
        EVENT_CAMERA_STATUS,
        EVENT_STREAM_VIEWERS,
        EVENT_PTZ_LOCK,
        EVENT_PTZ_PRESETS,
        EVENT_PTZ_TOURS,
        EVENT_ALERT,
        EVENT_BOOKMARK,
        EVENT_CAMERA_MASKS,
    }
)


@dataclass(frozen=True, slots=True)
class HubInfo:
    """Who the hub is and what it can do (capabilities such as "live", "events")."""

    api_version: int
    name: str
    software: str
    version: str
    capabilities: frozenset[str]
    time: datetime | None = None
    # "required": every request needs a session (console.hub.identity); "none": an open hub.
    sign_in: str = "none"
    tls: bool = False
    # Actions the hub wants a reason for ("playback", "export", "unmask"): issue 17, section 3.
    reasons_required: frozenset[str] = frozenset()
    # The hub's policy asks every console to draw the operator watermark over video (issue 18,
    # section 5: "policy": {"watermark": true}); a console's own settings may ask for it too.
    watermark: bool = False

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


@dataclass(frozen=True, slots=True)
class StreamProfile:
    """One encoding a camera offers (typically "main" and "sub")."""

    name: str
    width: int
    height: int
    fps: float
    codec: str


@dataclass(frozen=True, slots=True)
class PtzRange:
    """The closed range one PTZ axis can reach (pan and tilt in degrees, zoom a magnification)."""

    min: float
    max: float

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))

    def __contains__(self, value: object) -> bool:
        return isinstance(value, (int, float)) and self.min <= value <= self.max


@dataclass(frozen=True, slots=True)
class PtzCapabilities:
    """What a steerable camera can do. Show only what it declares.

    `fov_h`/`fov_v` are the field of view in degrees at `zoom.min` (the widest view); at zoom
    `z` it is `fov * zoom.min / z`. `lock_idle_s`: the operator lock is released after this
    long without a command from its holder.
    """

    continuous: bool
    absolute: bool
    relative: bool
    presets: bool
    home: bool
    tours: bool
    pan: PtzRange
    tilt: PtzRange
    zoom: PtzRange
    fov_h: float
    fov_v: float
    lock_idle_s: float

    def fov_at(self, zoom: float) -> tuple[float, float]:
        """(horizontal, vertical) field of view in degrees at magnification `zoom`."""
        z = self.zoom.clamp(zoom) if zoom > 0 else self.zoom.min
        scale = self.zoom.min / z
        return self.fov_h * scale, self.fov_v * scale


@dataclass(frozen=True, slots=True)
class Camera:
    id: str
    name: str
    group: str
    location: str
    vendor: str
    model: str
    firmware: str
    capabilities: frozenset[str]
    profiles: tuple[StreamProfile, ...]
    # None: the camera cannot be steered (or its hub does not say how).
    ptz: PtzCapabilities | None = None
    # The source the camera comes from, as the operator named it; empty when the console talks
    # to one hub alone (set by console.sources.multi, never by a driver).
    source: str = ""
    # A private camera's owner and sharing tier (issue 18); None: a public camera.
    sharing: Sharing | None = None

    def profile(self, name: str) -> StreamProfile | None:
        """The profile called `name`, or None when the camera does not offer it."""
        for p in self.profiles:
            if p.name == name:
                return p
        return None

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def has_recordings(self) -> bool:
        """Whether the hub keeps recordings of this camera (it can be played from the past)."""
        return CAPABILITY_RECORDINGS in self.capabilities


@dataclass(frozen=True, slots=True)
class Rejected:
    """One entry of a list from the hub that this console could not read and left out.

    `position` is the entry's 0-based index in the hub's list; `item_id` its id when it had a
    readable one (cleaned for display), else None; `reason` says what is wrong in plain words,
    naming the field, never its value (which may hold a secret).
    """

    position: int
    item_id: str | None
    reason: str

    def describe(self) -> str:
        """`cam-12: 'name' is missing` or `#8 (no id): ...` (the position counted from 1)."""
        who = self.item_id if self.item_id is not None else f"#{self.position + 1} (no id)"
        return f"{who}: {self.reason}"


@dataclass(frozen=True, slots=True)
class CameraList:
    """The hub's cameras as this console could read them.

    Readable cameras are in `cameras` (the hub's order); each unreadable entry is in `rejected`.
    `total` is how many entries the hub sent; `not_read` counts those past the console's limit,
    which were not looked at (see `TesseraHubClient.camera_list`).
    """

    cameras: tuple[Camera, ...]
    rejected: tuple[Rejected, ...] = ()
    total: int = 0
    not_read: int = 0


def _repr_redacting_url(self: Any) -> str:
    """A dataclass repr with its `url` redacted (it may carry credentials) and times in ISO."""
    parts = []
    for f in dataclasses.fields(self):
        value = getattr(self, f.name)
        if f.name == "url":
            value = redact_url(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        parts.append(f"{f.name}={value!r}")
    return f"{type(self).__name__}({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class StreamEndpoint:
    """Where to play one camera profile from. `url` may carry credentials: never log it raw."""

    camera_id: str
    profile: str
    url: str
    container: str
    transport: str
    codec: str
    width: int
    height: int
    fps: float

    __repr__ = __str__ = _repr_redacting_url

    @property
    def safe_url(self) -> str:
        """The url with credentials replaced, for logs and the UI."""
        return redact_url(self.url)


@dataclass(frozen=True, slots=True)
class RecordingSpan:
    """A stretch of time the hub has recorded without a gap; aware UTC times, start <= end."""

    start: datetime
    end: datetime

    def covers(self, t: datetime) -> bool:
        """Whether the aware time `t` lies within the span (both ends included)."""
        return self.start <= t <= self.end

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Recordings:
    """What the hub has recorded of one camera, as it answered at one moment.

    `spans` are oldest first and do not overlap; the newest may end "now" and grow.
    `retention_s`: how long the hub keeps recordings (None when it does not say).
    """

    camera_id: str
    spans: tuple[RecordingSpan, ...]
    retention_s: float | None

    def covers(self, t: datetime) -> bool:
        """Whether the aware time `t` is recorded."""
        return any(span.covers(t) for span in self.spans)

    def nearest(self, t: datetime) -> datetime | None:
        """The recorded moment closest to the aware time `t` (`t` itself when it is recorded),
        or None when nothing is recorded. For "play from when the alarm fired" when the alarm
        is a little older than the recordings."""
        best: datetime | None = None
        best_gap: timedelta | None = None
        for span in self.spans:
            moment = min(span.end, max(span.start, t))
            gap = abs(moment - t)
            if best_gap is None or gap < best_gap:
                best, best_gap = moment, gap
        return best


@dataclass(frozen=True, slots=True)
class PlaybackEndpoint:
    """Where to play a camera's recording from: the fields of a StreamEndpoint (it is not one:
    a recording is not live) and `start`.

    `start` (aware UTC) is the recorded moment the stream's first picture shows, as the hub
    resolved the one asked for. The stream runs from there at `speed` recorded seconds per
    second, backwards when `reverse`, with key frames only when `intra_only` (a hub that does
    not say runs forward at 1x with every frame), and ends where its recorded span ends. `fps`
    is the stream's own frame rate. `url` may carry credentials: never log it raw.
    """

    camera_id: str
    profile: str
    url: str
    container: str
    transport: str
    codec: str
    width: int
    height: int
    fps: float
    start: datetime
    speed: float = 1.0
    reverse: bool = False
    intra_only: bool = False

    __repr__ = __str__ = _repr_redacting_url

    @property
    def safe_url(self) -> str:
        """The url with credentials replaced, for logs and the UI."""
        return redact_url(self.url)


@dataclass(frozen=True, slots=True)
class PtzPosition:
    """Where a camera points: pan and tilt in degrees (right and up grow), zoom magnification."""

    pan: float
    tilt: float
    zoom: float


@dataclass(frozen=True, slots=True)
class PtzLock:
    """Who may steer a camera now; `since` is an aware UTC time."""

    operator: str
    priority: int
    since: datetime
    idle_release_s: float


@dataclass(frozen=True, slots=True)
class PtzPreset:
    id: str
    name: str
    position: PtzPosition


@dataclass(frozen=True, slots=True)
class PtzTourStep:
    preset_id: str
    dwell_s: float


@dataclass(frozen=True, slots=True)
class PtzTour:
    id: str
    name: str
    steps: tuple[PtzTourStep, ...]
    running: bool


@dataclass(frozen=True, slots=True)
class PtzStatus:
    """A PTZ camera's state as the hub answered it.

    `ignored` is true when the hub dropped the command that this status answers because a
    newer one (a higher `seq`) from the same operator had already been applied.
    """

    position: PtzPosition
    moving: bool
    lock: PtzLock | None
    tour_id: str | None
    ignored: bool = False


def _frozen_mapping(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(data or {}))


class AlertKind(Enum):
    """What an alert is about. A kind this console does not know arrives as OTHER."""

    MOTION = "motion"
    OBJECT = "object"
    LINE_CROSSING = "line_crossing"
    PLATE = "plate"
    TAMPER = "tamper"
    VIDEO_LOSS = "video_loss"
    PANIC = "panic"
    OTHER = "other"

    @property
    def title(self) -> str:
        """The kind in plain words ("Line crossing")."""
        return _KIND_TITLES[self]


_KIND_TITLES = {
    AlertKind.MOTION: "Motion",
    AlertKind.OBJECT: "Object",
    AlertKind.LINE_CROSSING: "Line crossing",
    AlertKind.PLATE: "Number plate",
    AlertKind.TAMPER: "Camera tamper",
    AlertKind.VIDEO_LOSS: "Video loss",
    AlertKind.PANIC: "Panic button",
    AlertKind.OTHER: "Alert",
}


class AlertPriority(IntEnum):
    """How urgent an alert is; a larger value is more urgent."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def wire(self) -> str:
        """The name on the wire and in settings files (`"high"`)."""
        return self.name.lower()

    @property
    def title(self) -> str:
        return self.name.capitalize()

    @classmethod
    def parse(cls, text: str) -> AlertPriority:
        """`"high"` -> HIGH; ValueError for anything else."""
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(p.wire for p in cls)
            raise ValueError(f"unknown priority {text!r}; use one of {names}") from None


class AlarmState(Enum):
    """Where the operators are with an alarm."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class AlertBox:
    """Where an object is, normalized to the picture (0..1 of its width and height)."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class AlertLine:
    """The virtual line of a line-crossing alert (normalized like AlertBox)."""

    x1: float
    y1: float
    x2: float
    y2: float
    direction: str  # "in" or "out"


@dataclass(frozen=True, slots=True)
class AlarmAction:
    """Who acknowledged or closed an alarm, when, and what they noted."""

    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert and its alarm state, as the hub last described it.

    `revision` is the seq of the hub event that last changed it: of two copies of one alert,
    the one with the larger revision is the newer.
    """

    id: str
    kind: AlertKind
    camera_id: str
    priority: AlertPriority
    started: datetime
    active: bool
    state: AlarmState
    revision: int
    ended: datetime | None = None
    label: str | None = None
    box: AlertBox | None = None
    line: AlertLine | None = None
    plate: str | None = None
    message: str = ""
    source: str = ""
    acknowledged: AlarmAction | None = None
    closed: AlarmAction | None = None

    @property
    def title(self) -> str:
        """A short name for lists and tile labels: "Person", "Number plate TSR 420"."""
        if self.kind is AlertKind.PLATE and self.plate:
            return f"Number plate {self.plate}"
        if self.kind is AlertKind.OBJECT and self.label:
            return self.label.capitalize()
        return self.kind.title


class AlertChange(Enum):
    """What an `alert` event says happened to the alert it carries."""

    RAISED = "raised"
    UPDATED = "updated"
    ENDED = "ended"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class AlertSnapshot:
    """The hub's alerts at one moment; `seq` is the hub's latest event seq at that moment."""

    alerts: tuple[Alert, ...]
    seq: int
    # Alerts of the snapshot this console could not read (left out of `alerts`).
    rejected: tuple[Rejected, ...] = ()


@dataclass(frozen=True, slots=True)
class PtzChange:
    """What a PTZ event says, as read by the driver: the camera's lock now (`ptz.lock`; None:
    nobody holds it), or all of its presets (`ptz.presets`) or tours (`ptz.tours`) now."""

    lock: PtzLock | None = None
    presets: tuple[PtzPreset, ...] = ()
    tours: tuple[PtzTour, ...] = ()


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A moment of a camera's video as a span (docs/hub-api.md "Bookmarks"): aware UTC times,
    `start <= end`.

    `id` is chosen by the client that created it (the same id twice is one bookmark).
    `revision` is the seq of the hub event that last changed it: of two copies, the larger is
    the newer; 0 for a bookmark the hub has not acknowledged yet (still in the console's
    journal only). `created_by` is None when the hub was told no operator.
    """

    id: str
    camera_id: str
    start: datetime
    end: datetime
    name: str
    created_at: datetime
    description: str = ""
    tags: tuple[str, ...] = ()
    protected: bool = False
    created_by: str | None = None
    revision: int = 0

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


class BookmarkChange(Enum):
    """What a `bookmark` event says happened to the bookmark it carries."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    PROTECTED = "protected"
    UNPROTECTED = "unprotected"


@dataclass(frozen=True, slots=True)
class BookmarkQuery:
    """A bookmark search; every condition given must hold (None or empty: no condition).

    `text` is found in the name or the description, ignoring case; `tags` must all be carried;
    `camera_ids`: of any of them; the span overlaps [`start`, `end`] (aware times).
    """

    text: str | None = None
    tags: frozenset[str] = frozenset()
    camera_ids: frozenset[str] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    protected: bool | None = None

    def matches(self, bookmark: Bookmark) -> bool:
        if self.text:
            needle = self.text.casefold()
            if (
                needle not in bookmark.name.casefold()
                and needle not in bookmark.description.casefold()
            ):
                return False
        return (
            self.tags <= set(bookmark.tags)
            and (not self.camera_ids or bookmark.camera_id in self.camera_ids)
            and (self.start is None or bookmark.end >= self.start)
            and (self.end is None or bookmark.start <= self.end)
            and (self.protected is None or bookmark.protected is self.protected)
        )


@dataclass(frozen=True, slots=True)
class BookmarkList:
    """The hub's bookmarks that matched a search; `seq` is its latest event seq then; the
    entries this console could not read are in `rejected` (left out of `bookmarks`)."""

    bookmarks: tuple[Bookmark, ...]
    seq: int
    rejected: tuple[Rejected, ...] = ()


@dataclass(frozen=True, slots=True)
class HubEvent:
    """One event from the hub's event channel. `seq` is hub-wide and strictly increasing.

    For an `alert` event the driver parses the data into `alert` and `alert_change`; both are
    None when the hub sent an alert this console cannot read (`data` still has the raw data).
    Likewise a `ptz.lock`, `ptz.presets` or `ptz.tours` event carries `ptz`, None when it was
    unreadable.
    """

    seq: int
    type: str
    time: datetime
    camera_id: str | None = None
    # Read-only view; excluded from hashing because mappings are not hashable.
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)
    alert: Alert | None = field(default=None, compare=False)
    alert_change: AlertChange | None = None
    ptz: PtzChange | None = field(default=None, compare=False)
    # A `bookmark` event's data, read (None when unreadable, like `alert`).
    bookmark: Bookmark | None = field(default=None, compare=False)
    bookmark_change: BookmarkChange | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.data, MappingProxyType):
            object.__setattr__(self, "data", _frozen_mapping(self.data))


@dataclass(frozen=True, slots=True)
class RecordingsSearch:
    """What the hub has recorded of several cameras (one search): the Recordings of each
    recorded camera, in the order asked, and the cameras it does not record. `rejected`: entries
    this console could not read (left out)."""

    recordings: tuple[Recordings, ...]
    not_recorded: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()

    def of(self, camera_id: str) -> Recordings | None:
        """The Recordings of `camera_id`, or None when the answer has none."""
        return next((r for r in self.recordings if r.camera_id == camera_id), None)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One moment in the history of an alert: raised, ended, acknowledged or closed, when
    (aware UTC), and for the operators' steps who and with what note."""

    at: datetime
    change: AlertChange
    alert: Alert
    by: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class AlertHistory:
    """The alerts of a time range [start, end] (docs/hub-api.md, "The history"): each active
    at some moment of it, or acknowledged or closed in it, as it is now, oldest `started` first.
    `more`: the hub had more than it answered (ask again with a narrower range). `rejected`:
    alerts this console could not read (left out)."""

    start: datetime
    end: datetime
    alerts: tuple[Alert, ...]
    more: bool = False
    rejected: tuple[Rejected, ...] = ()

    def entries(self) -> tuple[HistoryEntry, ...]:
        """What happened within [start, end], in order of time: each alert's raise and end, and
        who acknowledged and closed it, when, with what note."""
        found: list[HistoryEntry] = []
        for alert in self.alerts:
            moments = [HistoryEntry(alert.started, AlertChange.RAISED, alert)]
            if alert.ended is not None:
                moments.append(HistoryEntry(alert.ended, AlertChange.ENDED, alert))
            for change, action in (
                (AlertChange.ACKNOWLEDGED, alert.acknowledged),
                (AlertChange.CLOSED, alert.closed),
            ):
                if action is not None:
                    moments.append(HistoryEntry(action.at, change, alert, action.by, action.note))
            found.extend(m for m in moments if self.start <= m.at <= self.end)
        order = {change: i for i, change in enumerate(AlertChange)}
        found.sort(key=lambda m: (m.at, order[m.change]))
        return tuple(found)


# -- private cameras (issue 18, section 3) --------------------------------------------------------

# The sharing tiers of hub API v1, from the most to the least shared (docs/hub-api.md "Private
# cameras and consent"). A tier this console does not know is read as the strictest.
TIER_PUBLIC = "public"
TIER_LIVE = "live"
TIER_ON_REQUEST = "on_request"
TIER_RECORDINGS_ONLY = "recordings_only"
TIER_REGISTRY_ONLY = "registry_only"
SHARING_TIERS = (TIER_PUBLIC, TIER_LIVE, TIER_ON_REQUEST, TIER_RECORDINGS_ONLY, TIER_REGISTRY_ONLY)


@dataclass(frozen=True, slots=True)
class Sharing:
    """Who owns a camera and how much they share: `tier` one of SHARING_TIERS. `unknown_tier`:
    the tier the hub sent when this console did not know it (then `tier` is registry-only)."""

    tier: str
    owner: str
    unknown_tier: str | None = None

    @property
    def private(self) -> bool:
        return self.tier != TIER_PUBLIC
