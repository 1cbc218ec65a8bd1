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
- sizes and times are bounded: answers (`MAX_BODY_BYTES`), event messages (`MAX_EVENT_BYTES`,
  in `console.hub.tessera_events`, the event channel's own module),
  cameras read (`camera_list(limit)`), and every request's total time (`HubConfig.timeout_s`),
  so a hub that drips its answer is given up on; large answers are parsed in slices by ijson
  (`console.hub.sliced_json`) so the GUI thread never waits long for them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

from console.base.redact import redact_text, redact_url
from console.base.safe_text import clean_text
from console.hub.base import HubClient
from console.hub.errors import (
    HubAuthFailed,
    HubCertificateError,
    HubConnectionLost,
    HubError,
    HubForbidden,
    HubHttpError,
    HubNotFound,
    HubNotSupported,
    HubPrivateCamera,
    HubProtocolError,
    HubPtzLocked,
    HubSignInFailed,
    HubSignInRequired,
    HubUnreachable,
)
from console.hub.facets import (
    MAX_HISTORY_LIMIT,
    AlertsFacet,
    BookmarksFacet,
    PtzFacet,
    RecordingsFacet,
)
from console.hub.identity import SessionFacet, SessionInfo, SignedIn
from console.hub.models import (
    PLAYBACK_SPEEDS,
    Alert,
    AlertBox,
    AlertHistory,
    AlertKind,
    AlertPriority,
    AlertSnapshot,
    Bookmark,
    BookmarkList,
    BookmarkQuery,
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    PlaybackEndpoint,
    PtzLock,
    PtzPreset,
    PtzStatus,
    PtzTour,
    PtzTourStep,
    Recordings,
    RecordingsSearch,
    Rejected,
    StreamEndpoint,
)
from console.hub.registry import HubConfig, register_driver
from console.hub.skip_log import SkipLog
from console.hub.sliced_json import UnreadableJsonError, collector_paused, loads_in_slices
from console.hub.tessera_audit import TesseraAuditMixin
from console.hub.tessera_consent import TesseraConsentMixin
from console.hub.tessera_events import (
    DEFAULT_EVENT_IDLE_TIMEOUT_S,
    MAX_WS_MESSAGE_BYTES,
    WS_CLOSE_TIMEOUT_S,
    channel_url,
    read_channel,
)
from console.hub.tessera_export import TesseraExportMixin
from console.hub.tessera_masks import TesseraMasksMixin
from console.hub.tessera_wire import (
    alert_history_from,
    alert_history_reader,
    alert_snapshot_reader,
    bookmark_list_reader,
    camera_list_from,
    camera_list_reader,
    expect_field,
    expect_object,
    format_time,
    parse_alert,
    parse_bookmark,
    parse_camera,
    parse_hub_info,
    parse_playback,
    parse_ptz_lock,
    parse_ptz_preset,
    parse_ptz_presets,
    parse_ptz_status,
    parse_ptz_tour,
    parse_ptz_tours,
    parse_recordings,
    parse_recordings_search,
    parse_session,
    parse_stream,
    read_in_slices,
    reason_header,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

API_PREFIX = "/api/v1"
OPERATOR_HEADER = "X-Tessera-Operator"


# The largest answer read: a list of 50,000 cameras is about 20 MB. A larger one is refused, in
# plain words, after reading no more than this.
MAX_BODY_BYTES = 32 * 1024 * 1024
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
_NO_SUCH_PLAYBACK_MESSAGE = "The video hub cannot play recordings at that speed or direction."
# The most cameras one recordings search names (the contract's limit); more are asked in turns.
MAX_SEARCH_CAMERAS = 100
_RECORDING_CODE_MESSAGES = {
    "out_of_range": "There is no recording of this camera at that moment.",
    "unavailable": (
        "The video hub is already playing as many recordings as it can. Close a playback and "
        "try again."
    ),
    "reason_required": (
        "The video hub asks for a reason before playing back recordings. Play back the wall "
        "(Ctrl+P) and give a case number or a reason."
    ),
}


def _too_many_attempts(
    detail: str, fields: Mapping[str, Any], headers: Mapping[str, str]
) -> HubSignInFailed:
    """429: the hub locked the name out for a while (its body's `retry_after_s`, else the
    Retry-After header; at most an hour)."""
    wait = fields.get("retry_after_s")
    if not isinstance(wait, (int, float)) or isinstance(wait, bool):
        try:
            wait = float(headers.get("Retry-After", "0"))
        except ValueError:
            wait = 0.0
    wait = min(max(float(wait), 0.0), 3600.0)
    return HubSignInFailed(
        detail,
        operator_message=f"Too many attempts to sign in with this name. Try again in {wait:.0f} s.",
        retry_after_s=wait,
    )


class TesseraHubClient(
    HubClient,
    PtzFacet,
    AlertsFacet,
    RecordingsFacet,
    BookmarksFacet,
    SessionFacet,
    TesseraAuditMixin,
    TesseraMasksMixin,
    TesseraExportMixin,
    TesseraConsentMixin,
):
    """HTTP + WebSocket client of a Tessera API v1 hub (the demo hub and compatible ones): live
    video and events, and every facet (PTZ, alerts, recordings, bookmarks)."""

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
        self._skipped_events = SkipLog("events: skipped", logger=log)

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
        if self.config.username and self.config.password is not None:
            # A hub behind sign-in (a proxy with Basic auth): the password stays in memory.
            # Built by hand: aiohttp 3.14 deprecates BasicAuth, and its encode_basic_auth is
            # newer than the aiohttp this project allows.
            pair = f"{self.config.username}:{self.config.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return aiohttp.ClientSession(
            # limit_per_host=0: no per-host limit below `limit` (0 = no limit at all).
            connector=aiohttp.TCPConnector(limit=limit, limit_per_host=0, ssl=self._tls_check()),
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
            headers=headers,
        )

    def _tls_check(self) -> aiohttp.Fingerprint | bool:
        """How an https hub's certificate is checked: against the fingerprint the operator
        confirmed (a self-signed hub), else by the system's authorities (True: verified)."""
        pinned = self.config.tls_fingerprint
        if not pinned:
            return True
        try:
            return aiohttp.Fingerprint(bytes.fromhex(pinned.replace(":", "")))
        except ValueError:
            raise HubCertificateError(
                "the pinned certificate fingerprint is not a SHA-256 hex digest",
                fingerprint=None,
                changed=True,
            ) from None

    def _auth_headers(self) -> tuple[dict[str, str], str | None]:
        """The session header of a hub with sign-in, and the token it carries (or None)."""
        auth = self.config.auth
        token = auth.token if auth is not None else None
        if token is None:
            return {}, None
        return {"Authorization": f"Bearer {token}"}, token

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
        certificate = _certificate_error(exc, what, where, detail)
        if certificate is not None:
            return certificate
        if isinstance(exc, aiohttp.ClientConnectorError):
            return HubUnreachable(f"{what}: cannot connect to {where}: {detail}")
        if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
            return HubConnectionLost(f"{what}: connection to {where} dropped: {detail}")
        if isinstance(exc, (aiohttp.ClientConnectionError, OSError)):
            return HubConnectionLost(f"{what}: connection to {where} failed: {detail}")
        return HubUnreachable(f"{what}: request to {where} failed: {detail}")

    async def _read_limited(
        self, resp: aiohttp.ClientResponse, limit: int
    ) -> tuple[bytearray, bool]:
        """The answer's first `limit` bytes, and whether there was more.

        Read into one growing buffer rather than joined at the end: the join of a 20 MB answer
        touched 20 MB of fresh memory in one step (5,000 page faults, 10 ms of kernel time
        beside 16 ms of copying on the GUI thread); growing the buffer touches each page once,
        a chunk at a time."""
        data = bytearray()
        reads = 0
        while True:
            chunk = await resp.content.read(64 * 1024)
            if not chunk:
                return data, False
            data += chunk
            if len(data) > limit:
                del data[limit:]
                return data, True
            reads += 1
            if reads % 16 == 0:
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
        extra_headers: Mapping[str, str] | None = None,
    ) -> object:
        """One request; the answer's JSON, or None for an empty answer (204)."""
        url = self._url(*segments)
        if query:
            url = url.with_query(query)
        what = f"{method} " + "/".join(segments)
        log.debug("%s %s", method, redact_url(str(url)))
        headers, token = self._auth_headers()
        if extra_headers:
            headers = {**headers, **extra_headers}
        try:
            session = self._get_session(urgent=urgent)
            async with session.request(method, url, json=body, headers=headers) as resp:
                if resp.status >= 400:
                    data, _ = await self._read_limited(resp, _ERROR_BODY_BYTES)
                    error = self._http_error(resp.status, data, what, resp.headers)
                    if isinstance(error, HubSignInRequired) and token is not None:
                        assert self.config.auth is not None
                        self.config.auth.refused(token, error.reason)
                    raise error
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
        if status == 204 or not data or data.isspace():  # (strip() would copy 20 MB)
            return None
        try:
            return await loads_in_slices(data)
        except UnreadableJsonError as exc:
            log.debug("%s: answer is not valid JSON: %s", what, exc)
            raise HubProtocolError(f"{what}: answer is not valid JSON") from None

    def _http_error(
        self,
        status: int,
        body: bytes | bytearray,
        what: str,
        headers: Mapping[str, str] | None = None,
    ) -> HubError:
        code: str | None = None
        message = ""
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = None
        # Tolerate anything here: proxies answer 502 with HTML, old hubs with plain text.
        err = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(err, str) and isinstance(payload, dict):
            err = {**payload, "code": err}  # {"error": "code", "message": ...} read alike
        if isinstance(err, dict):
            if isinstance(err.get("code"), str):
                code = err["code"][:100]
            if isinstance(err.get("message"), str):
                message = err["message"][:500]
        if not message:
            message = f"{what} failed"
        error: HubError
        if status in (401, 403, 429):
            error = self._access_error(status, code, message, err, what, headers or {})
        elif code == "ptz_locked":
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
    def _access_error(
        status: int,
        code: str | None,
        message: str,
        err: object,
        what: str,
        headers: Mapping[str, str],
    ) -> HubError:
        """401, 403 and 429: the hub's sign-in and rights (docs/hub-api.md), or a proxy in front
        of it refusing who we are (not a fault of the hub)."""
        detail = f"{what}: HTTP {status}" + (f" {code}" if code else "")
        fields = err if isinstance(err, dict) else {}
        plain = clean_text(message) if message else None
        error: HubError
        if code == "sign_in_failed":
            error = HubSignInFailed(detail, operator_message=plain)
        elif code == "too_many_attempts" or status == 429:
            error = _too_many_attempts(detail, fields, headers)
        elif code == "unauthorized":
            reason = fields.get("reason")
            error = HubSignInRequired(detail, reason=reason if isinstance(reason, str) else "")
        elif code == "reason_required":  # the action needs a reason (docs/hub-api.md, Reasons)
            error = HubHttpError(status, code, message, operator_message=plain)
        elif status == 403 and code in HubPrivateCamera.CODES:
            error = HubPrivateCamera(detail, code=code or "", operator_message=plain)
        elif code == "forbidden":
            right = fields.get("right")
            camera = fields.get("camera")
            error = HubForbidden(
                detail,
                right=clean_text(right) if isinstance(right, str) else None,
                camera_id=clean_text(camera) if isinstance(camera, str) else None,
                operator_message=plain,
            )
        else:
            error = HubAuthFailed(detail)
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
        url = channel_url(self._url("events"), since, types)
        log.debug("events: connecting to %s", redact_url(str(url)))
        headers, token = self._auth_headers()
        try:
            ws = await self._get_session().ws_connect(
                url,
                headers=headers,
                # The total request timeout must not end a long-lived channel; idleness does.
                timeout=aiohttp.ClientWSTimeout(
                    ws_receive=None, ws_close=min(self.config.timeout_s, WS_CLOSE_TIMEOUT_S)
                ),
                autoping=True,
                max_msg_size=MAX_WS_MESSAGE_BYTES,
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                if token is not None and self.config.auth is not None:
                    self.config.auth.refused(token, "invalid")
                raise HubSignInRequired(f"events: HTTP {exc.status}") from None
            if exc.status == 403:
                raise HubAuthFailed(f"events: HTTP {exc.status}") from None
            cls = HubNotFound if exc.status == 404 else HubHttpError
            raise cls(exc.status, None, "event channel refused") from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise self._map_client_error(exc, "events") from None
        try:
            async for event in read_channel(ws, types, self._idle_timeout_s, self._skipped_events):
                yield event
        except (aiohttp.ClientError, OSError) as exc:
            raise self._map_client_error(exc, "events") from None
        finally:
            await ws.close()

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
        payload = expect_object(await self._get_json(*self._ptz(camera_id, "presets")), "response")
        return parse_ptz_presets(expect_field(payload, "presets", "response"))

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
        payload = expect_object(await self._get_json(*self._ptz(camera_id, "tours")), "response")
        return parse_ptz_tours(expect_field(payload, "tours", "response"))

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
            reader, seq = alert_snapshot_reader(payload, consume=True)
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
        self,
        segments: Sequence[str],
        query: Mapping[str, str] | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> object:
        """A recordings request, its refusals in plain words about recordings."""
        try:
            return await self._request_json(
                "GET", segments, query=query, extra_headers=extra_headers
            )
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

    async def recordings_search(
        self,
        camera_ids: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> RecordingsSearch:
        wanted = list(dict.fromkeys(camera_ids))
        for camera_id in wanted:
            if not camera_id or "," in camera_id:
                raise ValueError(f"a recordings search cannot name the camera {camera_id!r}")
        times = {}
        if start is not None:
            times["from"] = format_time(start)
        if end is not None:
            times["to"] = format_time(end)
        found: list[Recordings] = []
        not_recorded: list[str] = []
        rejected: list[Rejected] = []
        for first in range(0, len(wanted), MAX_SEARCH_CAMERAS):
            batch = wanted[first : first + MAX_SEARCH_CAMERAS]
            query = {"cameras": ",".join(batch), **times}
            answer = parse_recordings_search(await self._recording_json(("recordings",), query))
            asked = set(batch)
            rejected.extend(answer.rejected)
            for position, recordings in enumerate(answer.recordings):
                if recordings.camera_id in asked:
                    found.append(recordings)
                else:  # an answer about a camera nobody asked for is not used
                    rejected.append(Rejected(position, None, "a camera that was not asked for"))
            not_recorded.extend(c for c in answer.not_recorded if c in asked)
        return RecordingsSearch(tuple(found), tuple(not_recorded), tuple(rejected))

    async def event_history(
        self,
        start: datetime,
        end: datetime,
        camera_ids: Sequence[str] | None = None,
        kinds: Sequence[AlertKind] | None = None,
        limit: int = 100,
    ) -> AlertHistory:
        if not 1 <= limit <= MAX_HISTORY_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_HISTORY_LIMIT}")
        query = {"from": format_time(start), "to": format_time(end), "limit": str(int(limit))}
        for key, names in (
            ("cameras", camera_ids),
            ("kinds", None if kinds is None else [k.value for k in kinds]),
        ):
            if names is None:
                continue
            if not names or any(not n or "," in n or n == AlertKind.OTHER.value for n in names):
                raise ValueError(f"{key} must name one or more (without commas)")
            query[key] = ",".join(dict.fromkeys(names))
        with collector_paused():
            payload = await self._recording_json(("events", "history"), query)
            reader, fields = alert_history_reader(payload)
            await read_in_slices(reader)
            return alert_history_from(reader, fields)

    async def playback(
        self,
        camera_id: str,
        profile: str,
        start: datetime,
        *,
        speed: float = 1.0,
        reverse: bool = False,
        intra_only: bool = False,
        reason: Mapping[str, str] | None = None,
    ) -> PlaybackEndpoint:
        if speed not in PLAYBACK_SPEEDS:
            raise ValueError(f"a playback speed is a power of two from 1/8 to 16, not {speed!r}")
        query = {"start": format_time(start)}
        # Only what differs from a plain playback: a hub that predates the modes still answers.
        if speed != 1.0:
            query["speed"] = str(int(speed)) if float(speed).is_integer() else str(float(speed))
        if reverse:
            query["direction"] = "reverse"
        if intra_only:
            query["intra_only"] = "true"
        payload = await self._recording_json(
            ("cameras", camera_id, "playback", profile), query, reason_header(reason)
        )
        endpoint = parse_playback(payload)
        if endpoint.camera_id != camera_id:
            raise HubProtocolError(
                "playback.camera_id: does not match the camera asked for",
                field="playback.camera_id",
            )
        if (endpoint.speed, endpoint.reverse, endpoint.intra_only) != (
            float(speed),
            reverse,
            intra_only,
        ):
            # A hub that ignored the mode (one that predates it) would play something else.
            raise HubNotSupported(
                message="the hub answered a playback of another speed, direction or frames",
                operator_message=_NO_SUCH_PLAYBACK_MESSAGE,
            )
        log.debug(
            "playback %s/%s from %s (%gx%s%s) at %s",
            camera_id,
            profile,
            endpoint.start.isoformat(),
            endpoint.speed,
            " reverse" if endpoint.reverse else "",
            " key frames only" if endpoint.intra_only else "",
            endpoint.safe_url,
        )
        return endpoint

    # -- bookmarks

    async def bookmarks(self, query: BookmarkQuery | None = None) -> BookmarkList:
        params: dict[str, str] = {}
        if query is not None:
            if query.text:
                params["text"] = query.text
            if query.tags:
                params["tags"] = ",".join(sorted(query.tags))
            if query.camera_ids:
                params["camera_id"] = ",".join(sorted(query.camera_ids))
            if query.start is not None:
                params["from"] = format_time(query.start)
            if query.end is not None:
                params["to"] = format_time(query.end)
            if query.protected is not None:
                params["protected"] = "true" if query.protected else "false"
        with collector_paused():
            payload = await self._request_json("GET", ("bookmarks",), query=params)
            reader, seq = bookmark_list_reader(payload, consume=True)
            await read_in_slices(reader)
            return BookmarkList(tuple(reader.items), seq, tuple(reader.rejected))

    async def bookmark(self, bookmark_id: str) -> Bookmark:
        return self._same_bookmark(
            bookmark_id, parse_bookmark(await self._get_json("bookmarks", bookmark_id))
        )

    async def save_bookmark(self, bookmark: Bookmark, *, revision: int | None = None) -> Bookmark:
        body: dict[str, Any] = {
            "camera_id": bookmark.camera_id,
            "start": format_time(bookmark.start),
            "end": format_time(bookmark.end),
            "name": bookmark.name,
            "description": bookmark.description,
            "tags": list(bookmark.tags),
        }
        if revision is not None:
            body["revision"] = int(revision)
        payload = await self._request_json("PUT", ("bookmarks", bookmark.id), body)
        return self._same_bookmark(bookmark.id, parse_bookmark(payload))

    async def delete_bookmark(self, bookmark_id: str) -> None:
        await self._request_json("DELETE", ("bookmarks", bookmark_id))

    async def protect_bookmark(self, bookmark_id: str, protected: bool = True) -> Bookmark:
        action = "protect" if protected else "unprotect"
        payload = await self._request_json("POST", ("bookmarks", bookmark_id, action))
        return self._same_bookmark(bookmark_id, parse_bookmark(payload))

    @staticmethod
    def _same_bookmark(bookmark_id: str, bookmark: Bookmark) -> Bookmark:
        if bookmark.id != bookmark_id:
            raise HubProtocolError(
                "bookmark.id: does not match the bookmark asked for", field="bookmark.id"
            )
        return bookmark

    # -- sign-in (console.hub.identity)

    async def _new_session_for(self, body: Mapping[str, Any]) -> SignedIn:
        payload = await self._request_json("POST", ("session",), body)
        obj = expect_object(payload, "session")
        token = obj.get("token")
        if not isinstance(token, str) or not 16 <= len(token) <= 512 or not token.isprintable():
            raise HubProtocolError("session.token: not a token", field="session.token")
        return SignedIn(token=token, info=parse_session(obj))

    async def sign_in(self, user: str, password: str) -> SignedIn:
        return await self._new_session_for({"user": user, "password": password})

    async def sign_in_display(self, display_token: str) -> SignedIn:
        return await self._new_session_for({"display_token": display_token})

    async def sign_in_bootstrap(self, secret: str) -> SignedIn:
        return await self._new_session_for({"bootstrap": secret})

    async def session_info(self) -> SessionInfo:
        return parse_session(await self._get_json("session"))

    async def sign_out(self) -> None:
        await self._request_json("DELETE", ("session",))

    async def close(self) -> None:
        self._closed = True
        for session in (self._session, self._urgent_session):
            if session is not None and not session.closed:
                await session.close()
        self._session = self._urgent_session = None


async def peer_certificate(url: str, timeout_s: float = 5.0) -> tuple[str, bytes]:
    """The certificate an https hub presents (DER) and its SHA-256 fingerprint, read without
    trusting it: what the console shows the operator to compare before pinning it (trust on
    first use). Raises HubUnreachable when nothing answers with TLS."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("only an https:// hub has a certificate")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # read only: nothing is sent over this connection
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                parts.hostname, parts.port or 443, ssl=context, server_hostname=parts.hostname
            ),
            timeout_s,
        )
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as exc:
        raise HubUnreachable(
            f"certificate of {redact_url(url)}: {type(exc).__name__}: {redact_text(str(exc))}"
        ) from None
    try:
        tls = writer.get_extra_info("ssl_object")
        der = tls.getpeercert(binary_form=True) if tls is not None else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    if not der:
        raise HubUnreachable(f"certificate of {redact_url(url)}: none presented")
    return format_fingerprint(hashlib.sha256(der).hexdigest()), bytes(der)


def format_fingerprint(hex_digest: str) -> str:
    """'ab12...' as 'AB:12:...', the way certificate viewers show it."""
    digits = hex_digest.replace(":", "").upper()
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _certificate_error(
    exc: BaseException, what: str, where: str, detail: str
) -> HubCertificateError | None:
    """An https hub's certificate refused: not the one confirmed, or not trusted at all."""
    if isinstance(exc, aiohttp.ServerFingerprintMismatch):
        return HubCertificateError(
            f"{what}: {where} presented a certificate with fingerprint {exc.got.hex()}, not "
            "the one confirmed",
            fingerprint=exc.got.hex(),
            changed=True,
        )
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return HubCertificateError(
            f"{what}: {where} presented a certificate this computer does not trust: {detail}",
            fingerprint=None,
            changed=False,
        )
    return None


def _create(config: HubConfig) -> HubClient:
    return TesseraHubClient(config)


register_driver("tessera", _create)
# The embedded demo hub speaks exactly this API.
register_driver("demo", _create)
