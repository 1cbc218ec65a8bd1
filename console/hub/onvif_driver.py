"""Driver for one ONVIF camera (Profile S: device, media, PTZ and events services).

The only module of the console that imports `onvif` (onvif-zeep-async 4.3) and `zeep`: it talks
SOAP through the WSDLs that library ships, never through hand-written envelopes. Chosen because
it is the maintained async ONVIF client (Home Assistant's), runs on aiohttp like the rest of
the hub library, and brings the WSDLs for every service this driver uses.

What it maps (`HubConfig.url` is `http://host:port` of the device service, `username` and
`password` its WS-Security user; empty strings when the camera has none):

- `info()`: GetDeviceInformation -> `HubInfo` (name from the camera's `name` scope, software
  "vendor model", version the firmware).
- `cameras()`: one `Camera` per video source the media profiles name (most cameras: one), with
  vendor, model and firmware; its video profiles become `main` (largest resolution) and `sub`
  (smallest, when there are two or more). A camera whose media service has no profile has no
  camera here: the list is empty (the connection test says "no profiles").
- `stream()`: GetStreamUri (RTP unicast over RTSP) with the user and password put into the
  RTSP URL in memory (the stream gateway needs them; `StreamEndpoint.__repr__` redacts; logs
  get `safe_url`). `snapshot_url()` gives GetSnapshotUri of the main profile.
- PTZ (cameras whose profile has a PTZ configuration; `Camera.ptz` says what the PTZ node
  offers): ContinuousMove with the ONVIF `Timeout` as the dead-man (a lost stop still ends the
  move), Stop, AbsoluteMove, RelativeMove, GotoHomePosition/SetHomePosition, presets
  (GetPresets, SetPreset, RemovePreset, GotoPreset), GetStatus. ONVIF's generic spaces carry no
  units: positions are mapped linearly onto nominal degrees (`NOMINAL_PAN_DEG`,
  `NOMINAL_TILT_DEG`) and zoom onto a nominal magnification (`NOMINAL_ZOOM_MAX`), from the
  ranges the camera's node declares; speeds in [-1, 1] onto its velocity space.
  `seq` is kept here, per camera: a move not newer than the last command is not sent (status
  `ignored`), and a move whose answer comes after a newer stop is followed by another stop.
- **The lock is local.** ONVIF has no operator lock: `ptz_lock` always grants it, to this
  console's operator, and `ptz_unlock` forgets it. Two consoles can steer one camera at once.
- **No tours**: ONVIF's preset tours are optional and rare; `ptz_*tour*` raise HubNotSupported
  and `PtzCapabilities.tours` is False.
- Events (cameras with an events service): a PullPoint subscription (CreatePullPointSubscription,
  a PullMessages loop, Renew before it expires, Unsubscribe on close) read by the topic parsers
  of `console.hub.onvif_events` into alerts. **The camera keeps no alarm records**: this driver
  keeps the alerts it raised in memory (acknowledged and closed here, for this console only),
  numbers its events with its own `seq` and replays them on `events(since)` while it runs. A
  restart of the console starts the numbering afresh, and what happens while no subscription
  runs is not seen. A camera without an events service has no alerts facet (`alerts_facet` is
  None once the camera was read; before that `alerts()` answers HubNotSupported) and its event
  channel carries only the hello.

Errors: no answer or a refused connection -> HubUnreachable; a NotAuthorized fault or HTTP 401
-> HubAuthFailed; something that answers but does not speak ONVIF -> HubProtocolError "... is
not an ONVIF device"; an action the camera lacks -> HubNotSupported; other faults ->
HubHttpError. Everything the camera sends is untrusted: names pass `clean_text`, identifiers
must be clean and at most 256 characters or their entry is left out, numbers must be finite.

Limits: the media service of ONVIF Profile S only (no Media2: H.265 profiles that only Media2
lists are not seen); every call is bounded by `HubConfig.timeout_s` but the library reads whole
answers into memory (no size limit like the Tessera driver's); the device's clock is not
adjusted for (WS-Security needs it within the camera's tolerance, ipycam's is 5 minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from console.base.redact import redact_text, redact_url
from console.base.safe_text import clean_text
from console.hub.base import HubClient
from console.hub.errors import (
    HubAuthFailed,
    HubConnectionLost,
    HubError,
    HubHttpError,
    HubNotFound,
    HubNotSupported,
    HubProtocolError,
    HubUnreachable,
)
from console.hub.facets import AlertsFacet, PtzFacet
from console.hub.models import (
    EVENT_ALERT,
    EVENT_HUB_HELLO,
    AlarmAction,
    AlarmState,
    Alert,
    AlertBox,
    AlertChange,
    AlertKind,
    AlertPriority,
    AlertSnapshot,
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    PtzCapabilities,
    PtzLock,
    PtzPosition,
    PtzPreset,
    PtzRange,
    PtzStatus,
    PtzTour,
    PtzTourStep,
    Rejected,
    StreamEndpoint,
    StreamProfile,
)
from console.hub.onvif_events import (
    EventMessage,
    EventSkipLog,
    ParsedEvent,
    UnreadableEventError,
    parse_event,
)
from console.hub.registry import HubConfig, register_driver


def _import_onvif() -> tuple[Any, Any, Any]:
    """`onvif`, `onvif.exceptions` and `zeep.exceptions`, without their side effects on logging.

    onvif.client calls `logging.basicConfig(level=INFO)` at import: with no handler on the root
    logger yet, that would configure the console's logging. A placeholder handler makes it a
    no-op and is removed again.
    """
    root = logging.getLogger()
    placeholder = logging.NullHandler() if not root.handlers else None
    if placeholder is not None:
        root.addHandler(placeholder)
    try:
        import onvif
        import onvif.exceptions
        import zeep.exceptions
    finally:
        if placeholder is not None:
            root.removeHandler(placeholder)
    return onvif, onvif.exceptions, zeep.exceptions


_onvif, _onvif_errors, _zeep_errors = _import_onvif()
# zeep logs a full traceback at ERROR for every value of an answer it cannot convert (ipycam's
# GetStatus sends a template placeholder as its UtcTime). The value arrives as None and this
# driver validates what it uses, so those lines say nothing the driver does not.
logging.getLogger("zeep.xsd.types.simple").setLevel(logging.CRITICAL)

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ID_CHARS = 256
MAX_TEXT_CHARS = 256
# ONVIF's generic spaces have no units. The console's PTZ model speaks degrees and
# magnification: the camera's declared ranges are mapped linearly onto these.
NOMINAL_PAN_DEG = 180.0  # the pan range's ends are -180 and +180 degrees
NOMINAL_TILT_DEG = 90.0
NOMINAL_ZOOM_MAX = 10.0  # the zoom range's ends are 1x and 10x
NOMINAL_FOV_H = 60.0
NOMINAL_FOV_V = 34.0
# The lock this driver grants locally is released after this long without a command.
LOCAL_LOCK_IDLE_S = 300.0
# Events
PULL_TIMEOUT_S = 5.0  # how long one PullMessages waits on the camera for messages
PULL_MESSAGE_LIMIT = 64
SUBSCRIPTION_S = 60.0  # the termination time asked for; renewed at half of it
EVENTS_RETAINED = 1000  # events kept for `events(since)`
MAX_CLOSED_ALERTS = 1000  # closed alerts kept (open ones always are)
PULSE_ALERT_S = 5.0  # a pulse event (a line crossed) shows this long before it ends
# Setting up a service parses its WSDL (in a thread, once per process): local work, not the
# network, so it is not bound by the request timeout.
SERVICE_SETUP_TIMEOUT_S = 60.0

_NS_EVENTS = "http://www.onvif.org/ver10/events/wsdl"
_NS_PTZ = "http://www.onvif.org/ver20/ptz/wsdl"
_NS_MEDIA = "http://www.onvif.org/ver10/media/wsdl"
_NS_PULLPOINT = _NS_EVENTS + "/PullPointSubscription"

_FIXED_HOME_MESSAGE = "This camera's home position is fixed; it cannot be changed."
_NOT_ONVIF_HINT = "Check the address and port (the camera's ONVIF port, often 80 or 8000)."


# -- untrusted values --------------------------------------------------------------------------


def _field(obj: Any, name: str) -> Any:
    """`obj.name` of a zeep object, or None (zeep raises AttributeError for unknown names)."""
    if obj is None:
        return None
    try:
        return getattr(obj, name)
    except (AttributeError, KeyError, TypeError):
        return None


def _items(obj: Any) -> list[Any]:
    if obj is None:
        return []
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def _text(value: Any, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Text for people: cleaned and bounded; "" for anything that is not text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value) if isinstance(value, (int, float)) else ""
    return clean_text(value, max_chars)


def _token(value: Any, what: str) -> str:
    """An identifier: a clean string of 1..256 characters, else HubProtocolError(field=what)."""
    if not isinstance(value, str) or not value.strip():
        raise HubProtocolError(f"{what}: missing or not text", field=what)
    if len(value) > MAX_ID_CHARS or clean_text(value, MAX_ID_CHARS + 1) != value:
        raise HubProtocolError(f"{what}: not a usable identifier", field=what)
    return value


def _usable_token(value: Any) -> str | None:
    """`value` when it is a usable identifier (to name an entry left out), else None."""
    try:
        return _token(value, "token")
    except HubProtocolError:
        return None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HubProtocolError(f"{what}: missing or not a number", field=what)
    number = float(value)
    if not math.isfinite(number):
        raise HubProtocolError(f"{what}: not a finite number", field=what)
    return number


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- what the driver read of the camera --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Axis:
    """One axis of a generic space: ONVIF's [lo, hi] against the console's [out_lo, out_hi]."""

    lo: float
    hi: float
    out_lo: float
    out_hi: float

    def out(self, value: float) -> float:
        if self.hi == self.lo:
            return self.out_lo
        return self.out_lo + (value - self.lo) * (self.out_hi - self.out_lo) / (self.hi - self.lo)

    def inward(self, value: float) -> float:
        span = self.out_hi - self.out_lo
        if span == 0:
            return self.lo
        v = self.lo + (value - self.out_lo) * (self.hi - self.lo) / span
        return min(self.hi, max(self.lo, v))

    def scale(self) -> float:
        """ONVIF units per console unit (for translations)."""
        span = self.out_hi - self.out_lo
        return (self.hi - self.lo) / span if span else 0.0


@dataclass(frozen=True, slots=True)
class _PtzTarget:
    """How to steer one camera: the profile the PTZ commands name and the node's spaces."""

    profile_token: str
    pan: _Axis
    tilt: _Axis
    zoom: _Axis | None
    speed_pan: float  # the velocity space's largest |x|
    speed_tilt: float
    speed_zoom: float
    fixed_home: bool  # the node says its home position cannot be set
    capabilities: PtzCapabilities


@dataclass(frozen=True, slots=True)
class _Device:
    info: HubInfo
    cameras: tuple[Camera, ...]
    rejected: tuple[Rejected, ...]
    profiles: Mapping[str, Mapping[str, str]]  # camera id -> profile name -> profile token
    ptz: Mapping[str, _PtzTarget]
    source_of: Mapping[str, str]  # video source or source configuration token -> camera id
    has_events: bool


@dataclass(slots=True)
class _PtzState:
    last_seq: int | None = None
    stops: int = 0  # counts stops sent, so a move can tell that one was sent while it ran
    lock: PtzLock | None = None
    last_status: PtzStatus | None = None
    last_command: float = 0.0  # monotonic time of the last command (for the lock's idle release)


class OnvifHubClient(HubClient, PtzFacet, AlertsFacet):
    """One ONVIF camera as a hub (see the module doc for what is mapped and its limits)."""

    def __init__(
        self,
        config: HubConfig,
        *,
        pull_timeout_s: float = PULL_TIMEOUT_S,
        subscription_s: float = SUBSCRIPTION_S,
    ) -> None:
        parts = urlsplit(config.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"an ONVIF camera url must be http(s)://host[:port], got {redact_url(config.url)!r}"
            )
        if parts.username or parts.password:
            raise ValueError("give the ONVIF user and password on their own, not in the url")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"bad port in {redact_url(config.url)!r}") from None
        self.config = config
        self._host = parts.hostname
        self._port = port or (443 if parts.scheme == "https" else 80)
        # The library builds "http://host:port/onvif/device_service" from a host that may carry
        # the scheme.
        self._host_arg = f"https://{self._host}" if parts.scheme == "https" else self._host
        self._where = f"{self._host}:{self._port}"
        self._user = config.username or ""
        self._password = config.password or ""
        self._pull_timeout_s = pull_timeout_s
        self._subscription_s = subscription_s
        self._camera: Any = None  # onvif.ONVIFCamera, created inside the running loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._device: _Device | None = None
        self._connect_lock: asyncio.Lock | None = None
        self._closed = False
        self._ptz_state: dict[str, _PtzState] = {}
        # events and alerts, kept here (the camera keeps none)
        self._tag = secrets.token_hex(3)
        self._seq = 0
        self._log: deque[HubEvent] = deque(maxlen=EVENTS_RETAINED)
        self._log_changed: asyncio.Event | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._pump_error: HubError | None = None
        self._alerts: dict[str, Alert] = {}
        self._open_by_condition: dict[tuple[str, str, str, str], str] = {}
        self._alert_counter = 0
        self._pulse_handles: set[asyncio.TimerHandle] = set()
        self.skipped_events = EventSkipLog("onvif events: skipped")

    def __repr__(self) -> str:
        return f"OnvifHubClient({redact_url(self.config.url)!r})"

    @property
    def safe_url(self) -> str:
        return redact_url(self.config.url)

    @property
    def alerts_facet(self) -> AlertsFacet | None:
        device = self._device
        return None if device is not None and not device.has_events else self

    # -- plumbing --------------------------------------------------------------------------------

    def _check_loop(self) -> None:
        if self._closed:
            raise RuntimeError("this hub client is closed")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._connect_lock = asyncio.Lock()
            self._log_changed = asyncio.Event()
        elif self._loop is not loop:
            raise RuntimeError("a hub client must be used from the event loop that first used it")

    def _new_camera(self) -> Any:
        # ONVIFCamera() drops http_proxy/https_proxy from the process environment; the console
        # keeps its environment as it was.
        saved = {k: os.environ[k] for k in ("http_proxy", "https_proxy") if k in os.environ}
        try:
            return _onvif.ONVIFCamera(
                self._host_arg,
                self._port,
                self._user,
                self._password,
                no_cache=True,  # no sqlite WSDL cache on disk: the WSDLs are local files
            )
        finally:
            os.environ.update(saved)

    def _map_error(self, exc: BaseException, what: str, *, first_contact: bool = False) -> HubError:
        """Any failure of the library as one of `console.hub.errors` (technical words redacted)."""
        if isinstance(exc, HubError):
            return exc
        if isinstance(exc, (asyncio.TimeoutError, TimeoutError, _onvif_errors.ONVIFTimeoutError)):
            return HubUnreachable(
                f"{what}: no answer from {self._where} within {self.config.timeout_s:g} s",
                operator_message=(
                    "The camera is not answering in time. It may be busy or the network may be "
                    "slow."
                ),
            )
        if isinstance(exc, _onvif_errors.ONVIFAuthError):
            return HubAuthFailed(f"{what}: {self._where} refused the credentials")
        if isinstance(exc, _onvif_errors.ONVIFError):
            cause = exc.__cause__
            if cause is not None and cause is not exc:
                return self._map_error(cause, what, first_contact=first_contact)
            detail = redact_text(str(exc))[:300]
            cls = HubNotSupported if "support service" in detail else HubProtocolError
            return cls(message=f"{what}: {detail}")
        return self._map_soap(exc, what, first_contact) or self._map_connection(exc, what)

    def _map_soap(self, exc: BaseException, what: str, first_contact: bool) -> HubError | None:
        """A SOAP fault, an HTTP status, or an answer that is not SOAP (None: none of these)."""
        if isinstance(exc, _zeep_errors.Fault):
            return self._map_fault(exc, what, first_contact=first_contact)
        if isinstance(exc, _zeep_errors.TransportError):
            return self._map_http(int(getattr(exc, "status_code", 0) or 0), what, first_contact)
        if isinstance(exc, (_zeep_errors.Error, ValueError, LookupError)):
            # Not XML, not SOAP, or SOAP that is not ONVIF's.
            detail = redact_text(str(exc))[:300] or type(exc).__name__
            if first_contact:
                return self._not_onvif(f"{what}: {self._where} answered something else: {detail}")
            return HubProtocolError(
                f"{what}: unreadable answer from {self._where}: {detail}",
                operator_message="The camera sent an answer this console does not understand.",
            )
        return None

    def _map_http(self, status: int, what: str, first_contact: bool) -> HubError:
        if status in (401, 403):
            return HubAuthFailed(f"{what}: {self._where} answered HTTP {status}")
        if first_contact or status in (404, 405):
            return self._not_onvif(f"{what}: HTTP {status} from {self._where}")
        return HubHttpError(
            status or 502,
            "onvif_http",
            f"{what} failed",
            operator_message="The camera had a problem answering. It may recover by itself.",
        )

    def _map_connection(self, exc: BaseException, what: str) -> HubError:
        """A failure of the connection (aiohttp's errors, told apart by name: only the library
        imports aiohttp) or anything unexpected."""
        detail = redact_text(str(exc))[:300] or type(exc).__name__
        name = type(exc).__name__
        where = self._where
        if type(exc).__module__.startswith("aiohttp"):
            if "Connector" in name:
                return HubUnreachable(f"{what}: cannot connect to {where}: {detail}")
            if "InvalidURL" in name:
                return HubProtocolError(f"{what}: {where} gave an unusable address")
            return HubConnectionLost(f"{what}: connection to {where} dropped: {detail}")
        if isinstance(exc, OSError):
            return HubUnreachable(f"{what}: cannot connect to {where}: {detail}")
        log.debug("%s: unexpected failure", what, exc_info=exc)
        return HubProtocolError(f"{what}: unexpected failure {name}: {detail}")

    def _map_fault(self, fault: Any, what: str, *, first_contact: bool) -> HubError:
        message = str(getattr(fault, "message", "") or "")
        code = str(getattr(fault, "code", "") or "")
        subcodes = " ".join(
            str(getattr(s, "localname", s)) for s in (getattr(fault, "subcodes", None) or [])
        )
        words = f"{message} {subcodes}".lower()
        detail = redact_text(message)[:200]
        if "notauthorized" in words or "not authorized" in words or "unauthorized" in words:
            return HubAuthFailed(f"{what}: {self._where} refused the credentials ({detail})")
        if "notsupported" in words or "not supported" in words or "not implemented" in words:
            return HubNotSupported(message=f"{what}: {detail}")
        if any(s in words for s in ("noprofile", "notoken", "noentity", "nosuch", "no such")):
            return HubNotFound(
                message=f"{what}: {detail}",
                operator_message="The camera does not have this (any more).",
            )
        if first_contact and what.startswith("connect"):
            return self._not_onvif(f"{what}: a SOAP fault from {self._where}: {detail}")
        sender = "sender" in code.lower() or "client" in code.lower()
        return HubHttpError(
            400 if sender else 500,
            "onvif_fault",
            f"{what}: {detail}",
            operator_message="The camera refused the command.",
        )

    def _not_onvif(self, message: str) -> HubProtocolError:
        return HubProtocolError(
            message,
            operator_message=f"{self._where} answers, but it is not an ONVIF device. "
            + _NOT_ONVIF_HINT,
        )

    async def _call(
        self,
        what: str,
        factory: Callable[[], Awaitable[T]],
        *,
        timeout_s: float | None = None,
        first_contact: bool = False,
    ) -> T:
        """One library call within the request timeout, its failures as HubErrors."""
        try:
            return await asyncio.wait_for(factory(), timeout_s or self.config.timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = self._map_error(exc, what, first_contact=first_contact)
            log.debug("%s", error)
            raise error from None

    async def _service(self, name: str) -> Any:
        """A service proxy of the camera (its WSDL parsed once per process, off the loop)."""
        create = getattr(self._camera, f"create_{name}_service")
        return await self._call(f"set up {name}", create, timeout_s=SERVICE_SETUP_TIMEOUT_S)

    async def _ensure(self) -> _Device:
        """What the camera is and offers, read once (connecting first)."""
        self._check_loop()
        if self._device is not None:
            return self._device
        assert self._connect_lock is not None
        async with self._connect_lock:
            if self._device is None:
                self._device = await self._read_device()
        return self._device

    async def _read_device(self) -> _Device:
        if self._camera is None:
            self._camera = self._new_camera()
        cam = self._camera
        log.info("onvif: connecting to %s", self.safe_url)
        await self._service("devicemgmt")
        # GetServices (GetCapabilities where the camera lacks it): where the other services are.
        await self._call("connect (services)", cam.update_xaddrs, first_contact=True)
        devicemgmt = await self._service("devicemgmt")
        raw_info = await self._call(
            "connect (device information)", devicemgmt.GetDeviceInformation, first_contact=True
        )
        vendor = _text(_field(raw_info, "Manufacturer"))
        model = _text(_field(raw_info, "Model"))
        firmware = _text(_field(raw_info, "FirmwareVersion"))
        if not (vendor or model):
            raise self._not_onvif(f"connect: {self._where} sent no device information")
        name = await self._scope_name(devicemgmt) or " ".join(p for p in (vendor, model) if p)
        xaddrs: Mapping[str, str] = dict(getattr(cam, "xaddrs", {}) or {})
        has_ptz = _NS_PTZ in xaddrs
        has_events = _NS_EVENTS in xaddrs
        if _NS_MEDIA not in xaddrs:
            raise HubProtocolError(
                f"connect: {self._where} has no media service",
                operator_message=f"The ONVIF device at {self._where} offers no video.",
            )
        media = await self._service("media")
        raw_profiles = await self._call("profiles", media.GetProfiles)
        nodes: dict[str, Any] = {}
        if has_ptz:
            nodes = await self._ptz_nodes()
        cameras, rejected, profiles, ptz, source_of = self._cameras_from(
            _items(raw_profiles), nodes, name, vendor, model, firmware
        )
        capabilities = {"live"}
        if ptz:
            capabilities.add("ptz")
        if has_events:
            capabilities.add("events")
        info = HubInfo(
            api_version=1,  # the console's model; ONVIF has no Tessera API version
            name=name,
            software=" ".join(p for p in (vendor, model) if p),
            version=firmware,
            capabilities=frozenset(capabilities),
        )
        log.info(
            "onvif: %s is %s %s, %d camera(s), ptz %s, events %s",
            self.safe_url,
            vendor,
            model,
            len(cameras),
            bool(ptz),
            has_events,
        )
        return _Device(
            info=info,
            cameras=tuple(cameras),
            rejected=tuple(rejected),
            profiles=profiles,
            ptz=ptz,
            source_of=source_of,
            has_events=has_events,
        )

    async def _scope_name(self, devicemgmt: Any) -> str:
        """The camera's name from its `onvif://www.onvif.org/name/...` scope ("" if none)."""
        try:
            scopes = await self._call("scopes", devicemgmt.GetScopes)
        except HubError as e:
            log.debug("onvif: no scopes: %s", e)
            return ""
        for scope in _items(scopes):
            item = _field(scope, "ScopeItem")
            if isinstance(item, str) and "/name/" in item:
                return _text(unquote(item.rsplit("/name/", 1)[1]).replace("_", " "))
        return ""

    async def _ptz_nodes(self) -> dict[str, Any]:
        ptz = await self._service("ptz")
        try:
            raw = await self._call("ptz nodes", ptz.GetNodes)
        except (HubNotSupported, HubHttpError, HubProtocolError) as e:
            log.info("onvif: %s: PTZ service without readable nodes: %s", self.safe_url, e)
            return {}
        nodes: dict[str, Any] = {}
        for node in _items(raw):
            token = _field(node, "token")
            if isinstance(token, str) and token:
                nodes[token] = node
        return nodes

    def _cameras_from(
        self,
        raw_profiles: list[Any],
        nodes: Mapping[str, Any],
        name: str,
        vendor: str,
        model: str,
        firmware: str,
    ) -> tuple[
        list[Camera],
        list[Rejected],
        dict[str, dict[str, str]],
        dict[str, _PtzTarget],
        dict[str, str],
    ]:
        """Media profiles grouped by video source: one camera each."""
        groups: dict[str, list[tuple[int, str, StreamProfile, Any]]] = {}
        rejected: list[Rejected] = []
        source_of: dict[str, str] = {}
        order: list[str] = []
        for position, raw in enumerate(raw_profiles):
            try:
                token = _token(_field(raw, "token"), "profile.token")
                vsc = _field(raw, "VideoSourceConfiguration")
                vec = _field(raw, "VideoEncoderConfiguration")
                if vsc is None or vec is None:
                    continue  # an audio or metadata profile: no video to show
                source = _token(_field(vsc, "SourceToken"), "profile.video_source")
                resolution = _field(vec, "Resolution")
                width = int(_number(_field(resolution, "Width"), "profile.width"))
                height = int(_number(_field(resolution, "Height"), "profile.height"))
                if width < 1 or height < 1:
                    raise HubProtocolError("profile: resolution below 1", field="profile.width")
                fps_raw = _field(_field(vec, "RateControl"), "FrameRateLimit")
                fps = _number(fps_raw, "profile.fps") if fps_raw is not None else 0.0
                codec = _text(_field(vec, "Encoding"), 32).lower() or "unknown"
            except HubProtocolError as e:
                rejected.append(Rejected(position, _usable_token(_field(raw, "token")), e.message))
                continue
            vsc_token = _field(vsc, "token")
            if isinstance(vsc_token, str) and vsc_token:
                source_of.setdefault(vsc_token, source)
            source_of.setdefault(source, source)
            if source not in groups:
                groups[source] = []
                order.append(source)
            groups[source].append(
                (position, token, StreamProfile("", width, height, fps, codec), raw)
            )
        cameras: list[Camera] = []
        profiles: dict[str, dict[str, str]] = {}
        ptz: dict[str, _PtzTarget] = {}
        for index, source in enumerate(order):
            entries = sorted(groups[source], key=lambda e: (-e[2].width * e[2].height, e[0]))
            main = entries[0]
            chosen = [("main", main)]
            if len(entries) >= 2:
                chosen.append(("sub", entries[-1]))
            names = {label: entry[1] for label, entry in chosen}
            stream_profiles = tuple(replace(entry[2], name=label) for label, entry in chosen)
            target = self._ptz_target(entries, nodes)
            camera = Camera(
                id=source,
                name=name if len(order) == 1 else f"{name} {index + 1}",
                group="",
                location="",
                vendor=vendor,
                model=model,
                firmware=firmware,
                capabilities=frozenset({"live", "ptz"} if target is not None else {"live"}),
                profiles=stream_profiles,
                ptz=target.capabilities if target is not None else None,
            )
            cameras.append(camera)
            profiles[source] = names
            if target is not None:
                ptz[source] = target
        return cameras, rejected, profiles, ptz, source_of

    def _ptz_target(
        self, entries: Sequence[tuple[int, str, StreamProfile, Any]], nodes: Mapping[str, Any]
    ) -> _PtzTarget | None:
        """How to steer the camera of these profiles (None: it cannot be steered)."""
        for _, token, _, raw in entries:
            conf = _field(raw, "PTZConfiguration")
            if conf is None:
                continue
            node = nodes.get(str(_field(conf, "NodeToken") or ""))
            if node is None and len(nodes) == 1:
                node = next(iter(nodes.values()))
            if node is None:
                continue
            try:
                return self._target_from(token, node)
            except HubProtocolError as e:
                log.info("onvif: %s: PTZ node unreadable, no PTZ: %s", self.safe_url, e)
                return None
        return None

    @staticmethod
    def _range(space: Any, axis: str, what: str) -> tuple[float, float] | None:
        rng = _field(space, axis)
        if rng is None:
            return None
        lo = _number(_field(rng, "Min"), f"{what}.{axis}.Min")
        hi = _number(_field(rng, "Max"), f"{what}.{axis}.Max")
        if hi < lo:
            raise HubProtocolError(f"{what}.{axis}: Max below Min", field=what)
        return lo, hi

    def _target_from(self, profile_token: str, node: Any) -> _PtzTarget:
        spaces = _field(node, "SupportedPTZSpaces")
        absolute = _items(_field(spaces, "AbsolutePanTiltPositionSpace"))
        abs_zoom = _items(_field(spaces, "AbsoluteZoomPositionSpace"))
        relative = _items(_field(spaces, "RelativePanTiltTranslationSpace"))
        continuous = _items(_field(spaces, "ContinuousPanTiltVelocitySpace"))
        cont_zoom = _items(_field(spaces, "ContinuousZoomVelocitySpace"))
        pan_range = tilt_range = None
        if absolute:
            pan_range = self._range(absolute[0], "XRange", "node.position")
            tilt_range = self._range(absolute[0], "YRange", "node.position")
        pan = _Axis(*(pan_range or (-1.0, 1.0)), -NOMINAL_PAN_DEG, NOMINAL_PAN_DEG)
        tilt = _Axis(*(tilt_range or (-1.0, 1.0)), -NOMINAL_TILT_DEG, NOMINAL_TILT_DEG)
        zoom_range = self._range(abs_zoom[0], "XRange", "node.zoom") if abs_zoom else None
        zoom = _Axis(*zoom_range, 1.0, NOMINAL_ZOOM_MAX) if zoom_range else None

        def speed(spaces_: list[Any], axis: str) -> float:
            if not spaces_:
                return 0.0
            rng = self._range(spaces_[0], axis, "node.velocity")
            return max(abs(rng[0]), abs(rng[1])) if rng else 1.0

        presets_max = _field(node, "MaximumNumberOfPresets")
        has_presets = isinstance(presets_max, int) and presets_max > 0
        home = _field(node, "HomeSupported") is True
        caps = PtzCapabilities(
            continuous=bool(continuous or cont_zoom),
            absolute=bool(absolute),
            relative=bool(relative),
            presets=has_presets,
            home=home,
            tours=False,
            pan=PtzRange(-NOMINAL_PAN_DEG, NOMINAL_PAN_DEG),
            tilt=PtzRange(-NOMINAL_TILT_DEG, NOMINAL_TILT_DEG),
            zoom=PtzRange(1.0, NOMINAL_ZOOM_MAX if zoom is not None else 1.0),
            fov_h=NOMINAL_FOV_H,
            fov_v=NOMINAL_FOV_V,
            lock_idle_s=LOCAL_LOCK_IDLE_S,
        )
        return _PtzTarget(
            profile_token=profile_token,
            pan=pan,
            tilt=tilt,
            zoom=zoom,
            speed_pan=speed(continuous, "XRange"),
            speed_tilt=speed(continuous, "YRange"),
            speed_zoom=speed(cont_zoom, "XRange"),
            fixed_home=_field(node, "FixedHomePosition") is True,
            capabilities=caps,
        )

    # -- the hub API -----------------------------------------------------------------------------

    async def info(self) -> HubInfo:
        return (await self._ensure()).info

    async def cameras(self) -> list[Camera]:
        return list((await self.camera_list()).cameras)

    async def camera_list(self, limit: int | None = None) -> CameraList:
        # Read afresh: a camera's profiles can change (and this is what "reload" asks for).
        self._check_loop()
        assert self._connect_lock is not None
        async with self._connect_lock:
            device = self._device = await self._read_device()
        kept = device.cameras if limit is None else device.cameras[:limit]
        total = len(device.cameras) + len(device.rejected)
        return CameraList(kept, device.rejected, total, len(device.cameras) - len(kept))

    async def camera(self, camera_id: str) -> Camera:
        device = await self._ensure()
        for camera in device.cameras:
            if camera.id == camera_id:
                return camera
        raise HubNotFound(message=f"camera {camera_id!r}: not on this ONVIF device")

    def _profile_token(self, device: _Device, camera_id: str, profile: str) -> str:
        names = device.profiles.get(camera_id)
        if names is None:
            raise HubNotFound(message=f"camera {camera_id!r}: not on this ONVIF device")
        token = names.get(profile)
        if token is None:
            raise HubNotFound(message=f"camera {camera_id!r} has no profile {profile!r}")
        return token

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        device = await self._ensure()
        token = self._profile_token(device, camera_id, profile)
        media = await self._service("media")
        request = {
            "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
            "ProfileToken": token,
        }
        answer = await self._call("stream uri", lambda: media.GetStreamUri(request))
        uri = _field(answer, "Uri")
        if not isinstance(uri, str) or urlsplit(uri).scheme.lower() not in ("rtsp", "rtsps"):
            raise HubProtocolError("stream uri: not an rtsp url", field="MediaUri.Uri")
        camera = next(c for c in device.cameras if c.id == camera_id)
        spec = camera.profile(profile)
        assert spec is not None
        endpoint = StreamEndpoint(
            camera_id=camera_id,
            profile=profile,
            url=self._with_credentials(uri),
            container="rtp",
            transport="rtsp",
            codec=spec.codec,
            width=spec.width,
            height=spec.height,
            fps=spec.fps,
        )
        log.debug("stream %s/%s at %s", camera_id, profile, endpoint.safe_url)
        return endpoint

    def _with_credentials(self, uri: str) -> str:
        """`uri` with this driver's user and password in it (in memory only; never logged)."""
        if not self._user:
            return uri
        parts = urlsplit(uri)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        userinfo = quote(self._user, safe="")
        if self._password:
            userinfo += ":" + quote(self._password, safe="")
        return urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, parts.query, ""))

    async def snapshot_url(self, camera_id: str) -> str | None:
        """GetSnapshotUri of the camera's main profile (None: the camera offers none). The url
        carries no credentials: the camera asks for them over HTTP (ipycam: Basic only)."""
        device = await self._ensure()
        token = self._profile_token(device, camera_id, "main")
        media = await self._service("media")
        try:
            answer = await self._call(
                "snapshot uri", lambda: media.GetSnapshotUri({"ProfileToken": token})
            )
        except (HubNotSupported, HubHttpError):
            return None
        uri = _field(answer, "Uri")
        if not isinstance(uri, str) or urlsplit(uri).scheme.lower() not in ("http", "https"):
            return None
        return uri

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for handle in self._pulse_handles:
            handle.cancel()
        self._pulse_handles.clear()
        task, self._pump_task = self._pump_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self._log_changed is not None:
            self._log_changed.set()
        camera, self._camera = self._camera, None
        if camera is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(camera.close(), 5.0)

    # -- PTZ -------------------------------------------------------------------------------------

    async def _target(self, camera_id: str) -> _PtzTarget:
        device = await self._ensure()
        target = device.ptz.get(camera_id)
        if target is None:
            if camera_id not in device.profiles:
                raise HubNotFound(message=f"camera {camera_id!r}: not on this ONVIF device")
            raise HubNotSupported(message=f"camera {camera_id!r} has no PTZ")
        return target

    def _state(self, camera_id: str) -> _PtzState:
        state = self._ptz_state.get(camera_id)
        if state is None:
            state = self._ptz_state[camera_id] = _PtzState()
        return state

    def _lock_now(self, state: _PtzState) -> PtzLock | None:
        lock = state.lock
        if lock is not None and time.monotonic() - state.last_command > lock.idle_release_s:
            state.lock = lock = None
        return lock

    async def _ptz_call(self, what: str, camera_id: str, op: str, request: dict[str, Any]) -> Any:
        ptz = await self._service("ptz")
        method = getattr(ptz, op)
        if op != "GetStatus":
            self._state(camera_id).last_command = time.monotonic()
        return await self._call(f"ptz {what}", lambda: method(request))

    async def ptz_status(self, camera_id: str) -> PtzStatus:
        target = await self._target(camera_id)
        answer = await self._ptz_call(
            "status", camera_id, "GetStatus", {"ProfileToken": target.profile_token}
        )
        return self._status_from(camera_id, target, answer)

    def _status_from(
        self, camera_id: str, target: _PtzTarget, answer: Any, *, ignored: bool = False
    ) -> PtzStatus:
        state = self._state(camera_id)
        position = _field(answer, "Position")
        pan_tilt = _field(position, "PanTilt")
        zoom = _field(position, "Zoom")
        if pan_tilt is None and zoom is None:
            raise HubProtocolError("ptz status: no position", field="PTZStatus.Position")
        last = state.last_status.position if state.last_status is not None else None
        pan = (
            target.pan.out(_number(_field(pan_tilt, "x"), "PTZStatus.PanTilt.x"))
            if pan_tilt is not None
            else (last.pan if last else 0.0)
        )
        tilt = (
            target.tilt.out(_number(_field(pan_tilt, "y"), "PTZStatus.PanTilt.y"))
            if pan_tilt is not None
            else (last.tilt if last else 0.0)
        )
        magnification = 1.0
        if zoom is not None and target.zoom is not None:
            magnification = target.zoom.out(_number(_field(zoom, "x"), "PTZStatus.Zoom.x"))
        moves = _field(answer, "MoveStatus")
        moving = any(
            str(_field(moves, axis) or "").upper() == "MOVING" for axis in ("PanTilt", "Zoom")
        )
        status = PtzStatus(
            position=PtzPosition(pan, tilt, magnification),
            moving=moving,
            lock=self._lock_now(state),
            tour_id=None,
            ignored=ignored,
        )
        state.last_status = status
        return status

    async def _status_after(self, camera_id: str, target: _PtzTarget, *, moving: bool) -> PtzStatus:
        """The status once a command was applied; the last known one (or a bare one) when the
        camera cannot say: the command itself succeeded."""
        try:
            answer = await self._ptz_call(
                "status", camera_id, "GetStatus", {"ProfileToken": target.profile_token}
            )
            return self._status_from(camera_id, target, answer)
        except HubError as e:
            log.debug("ptz %s: no status after the command: %s", camera_id, e)
        state = self._state(camera_id)
        last = state.last_status
        position = last.position if last is not None else PtzPosition(0.0, 0.0, 1.0)
        return PtzStatus(position, moving, self._lock_now(state), None)

    def _ignored(self, camera_id: str) -> PtzStatus:
        state = self._state(camera_id)
        last = state.last_status
        position = last.position if last is not None else PtzPosition(0.0, 0.0, 1.0)
        return PtzStatus(position, False, self._lock_now(state), None, ignored=True)

    def _newer(self, state: _PtzState, seq: int | None) -> bool:
        """Whether a command with `seq` is newer than the last one (and take it as the last)."""
        if seq is None:
            return True
        if state.last_seq is not None and seq <= state.last_seq:
            return False
        state.last_seq = seq
        return True

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
        target = await self._target(camera_id)
        if not target.capabilities.continuous:
            raise HubNotSupported(message=f"camera {camera_id!r}: no continuous move")
        state = self._state(camera_id)
        if not self._newer(state, seq):
            return self._ignored(camera_id)
        velocity: dict[str, Any] = {}
        if target.speed_pan or target.speed_tilt:
            velocity["PanTilt"] = {
                "x": _speed(pan) * target.speed_pan,
                "y": _speed(tilt) * target.speed_tilt,
            }
        if target.speed_zoom:
            velocity["Zoom"] = {"x": _speed(zoom) * target.speed_zoom}
        request = {
            "ProfileToken": target.profile_token,
            "Velocity": velocity,
            # The camera's own dead-man: it stops after this even when no stop arrives.
            "Timeout": _duration(max(1, int(timeout_ms)) / 1000.0),
        }
        stops_before = state.stops
        await self._ptz_call("move", camera_id, "ContinuousMove", request)
        if state.stops != stops_before:
            # A stop went out while this move was on its way: the camera may have applied the
            # move after the stop. Stop again, so a late move cannot keep it turning.
            log.debug("ptz %s: a move answered after a stop; stopping again", camera_id)
            await self._send_stop(camera_id, target)
            return self._ignored(camera_id)
        return await self._status_after(camera_id, target, moving=True)

    async def _send_stop(self, camera_id: str, target: _PtzTarget) -> None:
        self._state(camera_id).stops += 1
        await self._ptz_call(
            "stop",
            camera_id,
            "Stop",
            {"ProfileToken": target.profile_token, "PanTilt": True, "Zoom": True},
        )

    async def ptz_stop(self, camera_id: str, *, seq: int | None = None) -> PtzStatus:
        target = await self._target(camera_id)
        state = self._state(camera_id)
        if not self._newer(state, seq):
            return self._ignored(camera_id)
        # Each service has its own connection pool: a stop never queues behind a slow request.
        await self._send_stop(camera_id, target)
        return await self._status_after(camera_id, target, moving=False)

    async def ptz_prepare_stop(self, camera_id: str) -> None:
        # Connects, parses the PTZ WSDL and warms a kept-alive connection, so the stop does not.
        with contextlib.suppress(HubError):
            target = await self._target(camera_id)
            await self._ptz_call(
                "status", camera_id, "GetStatus", {"ProfileToken": target.profile_token}
            )

    async def ptz_absolute(
        self,
        camera_id: str,
        pan: float | None = None,
        tilt: float | None = None,
        zoom: float | None = None,
    ) -> PtzStatus:
        target = await self._target(camera_id)
        if not target.capabilities.absolute:
            raise HubNotSupported(message=f"camera {camera_id!r}: no absolute move")
        position: dict[str, Any] = {}
        if pan is not None or tilt is not None:
            if pan is None or tilt is None:
                # ONVIF moves pan and tilt together: keep the axis not given where it is.
                now = (await self.ptz_status(camera_id)).position
                pan = now.pan if pan is None else pan
                tilt = now.tilt if tilt is None else tilt
            position["PanTilt"] = {
                "x": target.pan.inward(_finite(pan, "pan")),
                "y": target.tilt.inward(_finite(tilt, "tilt")),
            }
        if zoom is not None and target.zoom is not None:
            position["Zoom"] = {"x": target.zoom.inward(_finite(zoom, "zoom"))}
        if not position:
            return await self.ptz_status(camera_id)
        await self._ptz_call(
            "absolute",
            camera_id,
            "AbsoluteMove",
            {"ProfileToken": target.profile_token, "Position": position},
        )
        return await self._status_after(camera_id, target, moving=True)

    async def ptz_relative(
        self, camera_id: str, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> PtzStatus:
        target = await self._target(camera_id)
        if not target.capabilities.relative:
            raise HubNotSupported(message=f"camera {camera_id!r}: no relative move")
        translation: dict[str, Any] = {
            "PanTilt": {
                "x": _finite(pan, "pan") * target.pan.scale(),
                "y": _finite(tilt, "tilt") * target.tilt.scale(),
            }
        }
        factor = _finite(zoom_factor, "zoom_factor")
        if factor != 1.0 and target.zoom is not None and factor > 0:
            now = (await self.ptz_status(camera_id)).position.zoom
            goal = min(target.zoom.out_hi, max(target.zoom.out_lo, now * factor))
            translation["Zoom"] = {"x": target.zoom.inward(goal) - target.zoom.inward(now)}
        await self._ptz_call(
            "relative",
            camera_id,
            "RelativeMove",
            {"ProfileToken": target.profile_token, "Translation": translation},
        )
        return await self._status_after(camera_id, target, moving=True)

    async def ptz_home(self, camera_id: str) -> PtzStatus:
        target = await self._target(camera_id)
        if not target.capabilities.home:
            raise HubNotSupported(message=f"camera {camera_id!r}: no home position")
        await self._ptz_call(
            "home", camera_id, "GotoHomePosition", {"ProfileToken": target.profile_token}
        )
        return await self._status_after(camera_id, target, moving=True)

    async def ptz_set_home(self, camera_id: str) -> PtzStatus:
        target = await self._target(camera_id)
        if not target.capabilities.home:
            raise HubNotSupported(message=f"camera {camera_id!r}: no home position")
        if target.fixed_home:
            raise HubNotSupported(
                message=f"camera {camera_id!r}: fixed home position",
                operator_message=_FIXED_HOME_MESSAGE,
            )
        try:
            await self._ptz_call(
                "set home", camera_id, "SetHomePosition", {"ProfileToken": target.profile_token}
            )
        except HubNotSupported as e:
            raise HubNotSupported(
                message=e.server_message,
                operator_message=_FIXED_HOME_MESSAGE,
            ) from None
        return await self._status_after(camera_id, target, moving=False)

    async def ptz_presets(self, camera_id: str) -> list[PtzPreset]:
        target = await self._target(camera_id)
        if not target.capabilities.presets:
            raise HubNotSupported(message=f"camera {camera_id!r}: no presets")
        answer = await self._ptz_call(
            "presets", camera_id, "GetPresets", {"ProfileToken": target.profile_token}
        )
        presets: list[PtzPreset] = []
        for position, raw in enumerate(_items(answer)):
            try:
                presets.append(self._preset_from(target, raw))
            except HubProtocolError as e:
                log.info("ptz %s: preset #%d left out: %s", camera_id, position + 1, e)
        return presets

    def _preset_from(self, target: _PtzTarget, raw: Any) -> PtzPreset:
        token = _token(_field(raw, "token"), "Preset.token")
        where = _field(raw, "PTZPosition")
        pan_tilt = _field(where, "PanTilt")
        zoom = _field(where, "Zoom")
        pan = target.pan.out(_number(_field(pan_tilt, "x"), "Preset.x")) if pan_tilt else 0.0
        tilt = target.tilt.out(_number(_field(pan_tilt, "y"), "Preset.y")) if pan_tilt else 0.0
        magnification = 1.0
        if zoom is not None and target.zoom is not None:
            magnification = target.zoom.out(_number(_field(zoom, "x"), "Preset.zoom"))
        return PtzPreset(
            id=token,
            name=_text(_field(raw, "Name")) or token,
            position=PtzPosition(pan, tilt, magnification),
        )

    async def ptz_save_preset(self, camera_id: str, name: str) -> PtzPreset:
        target = await self._target(camera_id)
        if not target.capabilities.presets:
            raise HubNotSupported(message=f"camera {camera_id!r}: no presets")
        answer = await self._ptz_call(
            "save preset",
            camera_id,
            "SetPreset",
            {"ProfileToken": target.profile_token, "PresetName": name},
        )
        token = _token(answer, "SetPresetResponse.PresetToken")
        return await self._find_preset(camera_id, token)

    async def _find_preset(self, camera_id: str, token: str) -> PtzPreset:
        for preset in await self.ptz_presets(camera_id):
            if preset.id == token:
                return preset
        raise HubProtocolError(
            f"ptz {camera_id}: preset {token!r} saved but not listed", field="Preset.token"
        )

    async def ptz_rename_preset(self, camera_id: str, preset_id: str, name: str) -> PtzPreset:
        """ONVIF has no rename: SetPreset with the preset's token renames it but also stores the
        current position in it. So a preset is renamed only while the camera points at it;
        otherwise the refusal says so in plain words."""
        target = await self._target(camera_id)
        presets = {p.id: p for p in await self.ptz_presets(camera_id)}
        preset = presets.get(preset_id)
        if preset is None:
            raise HubNotFound(message=f"ptz {camera_id}: no preset {preset_id!r}")
        here = (await self.ptz_status(camera_id)).position
        if not _same_place(here, preset.position):
            raise HubNotSupported(
                message=f"ptz {camera_id}: rename of a preset the camera does not point at",
                operator_message=(
                    "An ONVIF camera renames a preset only while it points at it: go to the "
                    "preset first, then rename it."
                ),
            )
        answer = await self._ptz_call(
            "rename preset",
            camera_id,
            "SetPreset",
            {"ProfileToken": target.profile_token, "PresetName": name, "PresetToken": preset_id},
        )
        token = _token(answer, "SetPresetResponse.PresetToken")
        if token != preset_id:
            # The camera made a new preset instead (ipycam does): say so, keep both.
            raise HubNotSupported(
                message=f"ptz {camera_id}: the camera saved a new preset {token!r} instead",
                operator_message=(
                    "This camera cannot rename presets; it saved a new preset with that name."
                ),
            )
        return await self._find_preset(camera_id, token)

    async def ptz_delete_preset(self, camera_id: str, preset_id: str) -> None:
        target = await self._target(camera_id)
        await self._ptz_call(
            "delete preset",
            camera_id,
            "RemovePreset",
            {"ProfileToken": target.profile_token, "PresetToken": preset_id},
        )

    async def ptz_goto_preset(self, camera_id: str, preset_id: str) -> PtzStatus:
        target = await self._target(camera_id)
        await self._ptz_call(
            "goto preset",
            camera_id,
            "GotoPreset",
            {"ProfileToken": target.profile_token, "PresetToken": preset_id},
        )
        return await self._status_after(camera_id, target, moving=True)

    def _no_tours(self) -> HubNotSupported:
        return HubNotSupported(
            message="ONVIF driver: tours are not supported",
            operator_message="Tours are not available for ONVIF cameras.",
        )

    async def ptz_tours(self, camera_id: str) -> list[PtzTour]:
        raise self._no_tours()

    async def ptz_save_tour(
        self,
        camera_id: str,
        name: str,
        steps: Sequence[PtzTourStep],
        *,
        tour_id: str | None = None,
    ) -> PtzTour:
        raise self._no_tours()

    async def ptz_delete_tour(self, camera_id: str, tour_id: str) -> None:
        raise self._no_tours()

    async def ptz_start_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        raise self._no_tours()

    async def ptz_stop_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        raise self._no_tours()

    async def ptz_lock(self, camera_id: str, priority: int = 0) -> PtzLock:
        """Granted here, always: ONVIF has no operator lock (see the module doc)."""
        await self._target(camera_id)
        state = self._state(camera_id)
        state.last_command = time.monotonic()
        state.lock = PtzLock(
            operator=self.config.operator or "this console",
            priority=max(0, min(100, int(priority))),
            since=_now(),
            idle_release_s=LOCAL_LOCK_IDLE_S,
        )
        return state.lock

    async def ptz_unlock(self, camera_id: str) -> None:
        self._state(camera_id).lock = None

    # -- events and alerts -----------------------------------------------------------------------

    def _append(self, event_type: str, camera_id: str | None, **fields: Any) -> HubEvent:
        self._seq += 1
        event = HubEvent(seq=self._seq, type=event_type, time=_now(), camera_id=camera_id, **fields)
        self._log.append(event)
        self._wake()
        return event

    def _wake(self) -> None:
        changed = self._log_changed
        if changed is not None:
            changed.set()
            self._log_changed = asyncio.Event()

    def _start_pump(self, device: _Device) -> None:
        if not device.has_events or self._closed:
            return
        if self._pump_task is None or self._pump_task.done():
            self._pump_error = None
            self._pump_task = asyncio.get_running_loop().create_task(
                self._pump(), name=f"onvif-events-{self._where}"
            )

    async def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        device = await self._ensure()
        self._start_pump(device)
        yield HubEvent(
            seq=self._seq,
            type=EVENT_HUB_HELLO,
            time=_now(),
            data={"driver": "onvif", "events": device.has_events},
        )
        last = since if since is not None else self._seq
        while True:
            if self._closed:
                raise HubConnectionLost("the ONVIF client was closed")
            changed = self._log_changed
            assert changed is not None
            for event in [e for e in self._log if e.seq > last]:
                last = event.seq
                if types is None or event.type in types:
                    yield event
            error = self._pump_error
            if error is not None:
                raise error
            if changed is self._log_changed:
                await changed.wait()

    async def _pump(self) -> None:
        """Pull the camera's notifications into the event log until closed or failed."""
        subscription: Any = None
        try:
            events = await self._service("events")
            answer = await self._call(
                "events (subscribe)",
                lambda: events.CreatePullPointSubscription(
                    {"InitialTerminationTime": _duration(self._subscription_s)}
                ),
            )
            address = _field(_field(_field(answer, "SubscriptionReference"), "Address"), "_value_1")
            if not isinstance(address, str) or urlsplit(address).scheme not in ("http", "https"):
                raise HubProtocolError(
                    "events: no usable subscription address", field="SubscriptionReference"
                )
            log.debug("onvif events: subscribed at %s", redact_url(address))
            self._camera.xaddrs[_NS_PULLPOINT] = address
            pullpoint = await self._service("pullpoint")
            subscription = await self._call(
                "events (manager)",
                lambda: self._camera.create_subscription_service("PullPointSubscription"),
                timeout_s=SERVICE_SETUP_TIMEOUT_S,
            )
            loop = asyncio.get_running_loop()
            renew_at = loop.time() + self._subscription_s / 2
            while not self._closed:
                if loop.time() >= renew_at:
                    await self._call(
                        "events (renew)",
                        lambda: subscription.Renew(
                            {"TerminationTime": _duration(self._subscription_s)}
                        ),
                    )
                    renew_at = loop.time() + self._subscription_s / 2
                pulled = await self._call(
                    "events (pull)",
                    lambda: pullpoint.PullMessages(
                        {
                            "Timeout": _duration(self._pull_timeout_s),
                            "MessageLimit": PULL_MESSAGE_LIMIT,
                        }
                    ),
                    timeout_s=self._pull_timeout_s + self.config.timeout_s,
                )
                for message in _items(_field(pulled, "NotificationMessage")):
                    self._on_notification(message)
        except asyncio.CancelledError:
            raise
        except HubError as e:
            # Retryable for the consumers: a fault of a running subscription (expired, unknown)
            # is cured by subscribing again.
            if isinstance(e, (HubHttpError, HubProtocolError)) and not isinstance(
                e, (HubNotSupported, HubNotFound)
            ):
                e = HubConnectionLost(f"onvif events: the subscription failed: {e.message}")
            log.info("onvif events: %s: %s", self.safe_url, e)
            self._pump_error = e
            self._wake()
        finally:
            if subscription is not None:
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(subscription.Unsubscribe(), 2.0)

    def _on_notification(self, raw: Any) -> None:
        message = _message_from(raw)
        if message is None:
            self.skipped_events.note("(no topic)", "unreadable notification")
            return
        try:
            parsed = parse_event(message)
        except UnreadableEventError as e:
            self.skipped_events.note(message.topic, str(e))
            return
        if parsed is None:
            self.skipped_events.note(message.topic, "no parser for this topic")
            return
        device = self._device
        camera_id = self._camera_of(parsed, device)
        if camera_id is None:
            self.skipped_events.note(message.topic, "names no camera of this device")
            return
        self._apply(parsed, message, camera_id)

    @staticmethod
    def _camera_of(parsed: ParsedEvent, device: _Device | None) -> str | None:
        if device is None or not device.cameras:
            return None
        if parsed.source is not None and parsed.source in device.source_of:
            return device.source_of[parsed.source]
        if len(device.cameras) == 1:
            return device.cameras[0].id
        return None

    def _apply(self, parsed: ParsedEvent, message: EventMessage, camera_id: str) -> None:
        condition = (camera_id, parsed.kind.value, parsed.rule, parsed.label or "")
        open_id = self._open_by_condition.get(condition)
        at = message.time or _now()
        if parsed.active is False:
            if open_id is not None:
                del self._open_by_condition[condition]
                self._end_alert(open_id, at)
            return
        if open_id is not None and parsed.active is True:
            return  # still going on (a repeat, or Initialized after Changed)
        alert = self._new_alert(
            parsed.kind,
            camera_id,
            parsed.priority,
            started=at,
            label=parsed.label,
            message=parsed.message,
            source=f"onvif:{_text(message.topic, 128)}",
        )
        if parsed.active is None:
            self._end_later(alert.id, PULSE_ALERT_S)
        else:
            self._open_by_condition[condition] = alert.id

    def _new_alert(
        self,
        kind: AlertKind,
        camera_id: str,
        priority: AlertPriority,
        *,
        started: datetime,
        label: str | None = None,
        box: AlertBox | None = None,
        plate: str | None = None,
        message: str = "",
        source: str = "",
    ) -> Alert:
        self._alert_counter += 1
        alert = Alert(
            id=f"onvif-{self._tag}-{self._alert_counter}",
            kind=kind,
            camera_id=camera_id,
            priority=priority,
            started=started,
            active=True,
            state=AlarmState.NEW,
            revision=self._seq + 1,
            label=label,
            box=box,
            plate=plate,
            message=message,
            source=source,
        )
        self._alerts[alert.id] = alert
        self._append(EVENT_ALERT, camera_id, alert=alert, alert_change=AlertChange.RAISED)
        return alert

    def _change(self, alert_id: str, change: AlertChange, **fields: Any) -> Alert:
        old = self._alerts[alert_id]
        alert = replace(old, revision=self._seq + 1, **fields)
        self._alerts[alert_id] = alert
        self._append(EVENT_ALERT, alert.camera_id, alert=alert, alert_change=change)
        if alert.state is AlarmState.CLOSED:
            self._forget_closed()
        return alert

    def _end_alert(self, alert_id: str, at: datetime) -> None:
        alert = self._alerts.get(alert_id)
        if alert is not None and alert.active:
            self._change(alert_id, AlertChange.ENDED, active=False, ended=at)

    def _end_later(self, alert_id: str, delay_s: float) -> None:
        loop = asyncio.get_running_loop()

        def end() -> None:
            self._pulse_handles.discard(handle)
            if not self._closed:
                self._end_alert(alert_id, _now())

        handle = loop.call_later(delay_s, end)
        self._pulse_handles.add(handle)

    def _forget_closed(self) -> None:
        closed = [a.id for a in self._alerts.values() if a.state is AlarmState.CLOSED]
        for alert_id in closed[: max(0, len(closed) - MAX_CLOSED_ALERTS)]:
            del self._alerts[alert_id]

    async def alerts(self, *, include_closed: bool = False) -> AlertSnapshot:
        device = await self._ensure()
        if not device.has_events:
            raise HubNotSupported(
                message="this ONVIF camera has no events service",
                operator_message="This camera sends no events.",
            )
        self._start_pump(device)
        kept = tuple(
            a for a in self._alerts.values() if include_closed or a.state is not AlarmState.CLOSED
        )
        return AlertSnapshot(kept, self._seq)

    async def alert(self, alert_id: str) -> Alert:
        self._check_loop()
        alert = self._alerts.get(alert_id)
        if alert is None:
            raise HubNotFound(message=f"alert {alert_id!r}: not known to this console")
        return alert

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
        """A manual alarm, kept here like the camera's (the camera has nowhere to keep it)."""
        await self.camera(camera_id)
        alert = self._new_alert(
            kind,
            camera_id,
            priority,
            started=_now(),
            label=label,
            box=box,
            plate=plate,
            message=message or "",
            source="console",
        )
        if duration_s is not None:
            self._end_later(alert.id, max(0.0, float(duration_s)))
        return alert

    def _action(self, note: str) -> AlarmAction:
        return AlarmAction(by=self.config.operator or "this console", at=_now(), note=note)

    async def acknowledge_alert(self, alert_id: str, note: str = "") -> Alert:
        alert = await self.alert(alert_id)
        if alert.state is not AlarmState.NEW:
            return alert
        return self._change(
            alert_id,
            AlertChange.ACKNOWLEDGED,
            state=AlarmState.ACKNOWLEDGED,
            acknowledged=self._action(note),
        )

    async def close_alert(self, alert_id: str, note: str = "") -> Alert:
        alert = await self.alert(alert_id)
        if alert.state is AlarmState.CLOSED:
            return alert
        for condition, open_id in list(self._open_by_condition.items()):
            if open_id == alert_id:
                del self._open_by_condition[condition]
        return self._change(
            alert_id, AlertChange.CLOSED, state=AlarmState.CLOSED, closed=self._action(note)
        )


# -- helpers -----------------------------------------------------------------------------------


def _speed(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return max(-1.0, min(1.0, float(value)))


def _finite(value: float, what: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number")
    return number


def _duration(seconds: float) -> str:
    """xs:duration of `seconds` ("PT1S", "PT0.5S")."""
    return f"PT{max(0.0, seconds):.3f}".rstrip("0").rstrip(".") + "S"


def _same_place(a: PtzPosition, b: PtzPosition) -> bool:
    return (
        abs(a.pan - b.pan) <= 0.5 and abs(a.tilt - b.tilt) <= 0.5 and abs(a.zoom - b.zoom) <= 0.05
    )


def _simple_items(element: Any, part: str) -> dict[str, str]:
    """Name -> Value of the SimpleItems under `part` (Source, Key, Data) of a tt:Message,
    given as zeep objects or as an lxml element (cameras put it in an xsd:any)."""
    items: dict[str, str] = {}
    container = _field(element, part)
    if container is not None:
        for item in _items(_field(container, "SimpleItem")):
            name, value = _field(item, "Name"), _field(item, "Value")
            if isinstance(name, str) and value is not None:
                items[_text(name, 128)] = _text(value, 512)
        return items
    iterate = getattr(element, "iter", None)
    if not callable(iterate):
        return items
    for child in element:
        tag = getattr(child, "tag", "")
        if isinstance(tag, str) and tag.rsplit("}", 1)[-1] == part:
            for item in child.iter():
                itag = getattr(item, "tag", "")
                if isinstance(itag, str) and itag.rsplit("}", 1)[-1] == "SimpleItem":
                    name, value = item.get("Name"), item.get("Value")
                    if isinstance(name, str) and value is not None:
                        items[_text(name, 128)] = _text(value, 512)
    return items


def _message_from(raw: Any) -> EventMessage | None:
    """A NotificationMessage as a plain EventMessage (None when it has no readable topic)."""
    topic = _field(_field(raw, "Topic"), "_value_1")
    if not isinstance(topic, str) or not topic.strip() or len(topic) > 512:
        return None
    outer = _field(_field(raw, "Message"), "_value_1")
    if outer is None:
        return EventMessage(topic=topic.strip())
    # zeep gives either the tt:Message object or its lxml element.
    element = _field(outer, "Message") if _field(outer, "Message") is not None else outer
    operation: Any = _field(element, "PropertyOperation")
    when: Any = _field(element, "UtcTime")
    get = getattr(element, "get", None)
    if operation is None and callable(get) and hasattr(element, "tag"):
        operation = get("PropertyOperation")
        when = get("UtcTime")
    return EventMessage(
        topic=topic.strip(),
        operation=_text(operation, 32) if isinstance(operation, str) else "",
        time=_time(when),
        source=_simple_items(element, "Source"),
        key=_simple_items(element, "Key"),
        data=_simple_items(element, "Data"),
    )


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
    return None


def _create(config: HubConfig) -> HubClient:
    return OnvifHubClient(config)


register_driver("onvif", _create)


__all__ = ["OnvifHubClient"]
