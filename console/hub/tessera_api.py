"""Driver for the documented Tessera hub API v1 (what the embedded demo hub speaks).

The only module of the hub library that imports aiohttp. It validates every payload strictly
into `console.hub.models` (a wrong or missing field raises HubProtocolError naming the field,
never echoing the payload) and maps every aiohttp failure onto `console.hub.errors`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

from console.hub.base import HubClient
from console.hub.errors import (
    HubConnectionLost,
    HubError,
    HubHttpError,
    HubNotFound,
    HubProtocolError,
    HubUnreachable,
)
from console.hub.models import (
    EVENT_HUB_HELLO,
    KNOWN_EVENT_TYPES,
    Camera,
    HubEvent,
    HubInfo,
    StreamEndpoint,
    StreamProfile,
)
from console.hub.registry import HubConfig, register_driver
from console.redact import redact_text, redact_url

log = logging.getLogger(__name__)

API_VERSION = 1
API_PREFIX = "/api/v1"
OPERATOR_HEADER = "X-Tessera-Operator"
# The hub sends a heartbeat every 5 s when idle; three missed ones mean the channel is dead.
DEFAULT_EVENT_IDLE_TIMEOUT_S = 15.0
# Closing waits this long at most for the hub's close reply (a dead hub never sends one).
WS_CLOSE_TIMEOUT_S = 1.0
MAX_BODY_BYTES = 8 * 1024 * 1024
_ERROR_BODY_BYTES = 64 * 1024

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
        name=_str(obj, "name", path),
        software=_str(obj, "software", path),
        version=_str(obj, "version", path),
        capabilities=_str_set(obj, "capabilities", path),
        time=_time(obj["time"], f"{path}.time") if obj.get("time") is not None else None,
    )


def parse_profile(payload: object, path: str) -> StreamProfile:
    obj = _obj(payload, path)
    return StreamProfile(
        name=_str(obj, "name", path, empty=False),
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
        id=_str(obj, "id", path, empty=False),
        name=_str(obj, "name", path),
        group=_str(obj, "group", path),
        location=_str(obj, "location", path),
        vendor=_str(obj, "vendor", path),
        model=_str(obj, "model", path),
        firmware=_str(obj, "firmware", path),
        capabilities=_str_set(obj, "capabilities", path),
        profiles=profiles,
    )


def parse_cameras(payload: object) -> list[Camera]:
    obj = _obj(payload, "response")
    cameras = [
        parse_camera(c, f"cameras[{i}]") for i, c in enumerate(_list(obj, "cameras", "response"))
    ]
    ids = [c.id for c in cameras]
    if len(set(ids)) != len(ids):
        raise HubProtocolError("cameras: duplicate camera ids", field="cameras")
    return cameras


def parse_stream(payload: object) -> StreamEndpoint:
    path = "stream"
    obj = _obj(payload, path)
    url = _str(obj, "url", path, empty=False)
    try:
        parts = urlsplit(url)
        absolute = bool(parts.scheme and (parts.netloc or parts.scheme == "file"))
    except ValueError:
        absolute = False
    if not absolute:
        raise HubProtocolError("stream.url: expected an absolute URL", field="stream.url")
    return StreamEndpoint(
        camera_id=_str(obj, "camera_id", path, empty=False),
        profile=_str(obj, "profile", path, empty=False),
        url=url,
        container=_str(obj, "container", path),
        transport=_str(obj, "transport", path),
        codec=_str(obj, "codec", path),
        width=_int(obj, "width", path, minimum=1),
        height=_int(obj, "height", path, minimum=1),
        fps=_positive_number(obj, "fps", path),
    )


def parse_event(payload: object) -> HubEvent | None:
    """A typed event, or None for what is safely skipped: heartbeats and unknown types.

    The envelope of a known type is checked strictly, since a wrong seq would break resuming.
    """
    obj = _obj(payload, "event")
    kind = _str(obj, "type", "event", empty=False)
    if kind == "heartbeat" or kind not in KNOWN_EVENT_TYPES:
        return None
    camera_id = obj.get("camera_id")
    if camera_id is not None and not isinstance(camera_id, str):
        _bad("event.camera_id", "a string or null", camera_id)
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        _bad("event.data", "an object", data)
    return HubEvent(
        # hello carries the hub's latest seq, which is 0 while the hub has had no event yet.
        seq=_int(obj, "seq", "event", minimum=0 if kind == EVENT_HUB_HELLO else 1),
        type=kind,
        time=_time(_field(obj, "time", "event"), "event.time"),
        camera_id=camera_id,
        data=data,
    )


# ---------------------------------------------------------------- the driver


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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"TesseraHubClient({redact_url(self.config.url)!r})"

    @property
    def safe_url(self) -> str:
        return redact_url(self.config.url)

    # -- plumbing

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this hub client is closed")
        loop = asyncio.get_running_loop()
        if self._session is None:
            headers = {"User-Agent": "tessera-console", "Accept": "application/json"}
            if self.config.operator:
                headers[OPERATOR_HEADER] = self.config.operator
            # Created here, inside the running loop, never in __init__.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
                headers=headers,
            )
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("a hub client must be used from the event loop that first used it")
        return self._session

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

    async def _get_json(self, *segments: str) -> object:
        url = self._url(*segments)
        what = "GET " + "/".join(segments)
        log.debug("GET %s", redact_url(str(url)))
        try:
            async with self._get_session().get(url) as resp:
                if resp.status >= 400:
                    body, _ = await self._read_limited(resp, _ERROR_BODY_BYTES)
                    raise self._http_error(resp.status, body, what)
                body, too_big = await self._read_limited(resp, MAX_BODY_BYTES)
        except HubError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error = self._map_client_error(exc, what)
            log.debug("%s", error)
            raise error from None
        if too_big:
            raise HubProtocolError(f"{what}: answer larger than {MAX_BODY_BYTES} bytes")
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
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
        cls = HubNotFound if status == 404 else HubHttpError
        error = cls(status, code, message)
        log.debug("%s: %s", what, error)
        return error

    # -- the API

    async def info(self) -> HubInfo:
        return parse_hub_info(await self._get_json("hub"))

    async def cameras(self) -> list[Camera]:
        return parse_cameras(await self._get_json("cameras"))

    async def camera(self, camera_id: str) -> Camera:
        camera = parse_camera(await self._get_json("cameras", camera_id))
        if camera.id != camera_id:
            raise HubProtocolError("camera.id: does not match the camera asked for", field="id")
        return camera

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        endpoint = parse_stream(await self._get_json("cameras", camera_id, "streams", profile))
        log.debug("stream %s/%s at %s", camera_id, profile, endpoint.safe_url)
        return endpoint

    async def events(self, since: int | None = None) -> AsyncIterator[HubEvent]:
        url = self._url("events")
        if since is not None:
            url = url.with_query(since=str(since))
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
                    try:
                        payload = json.loads(msg.data)
                    except json.JSONDecodeError:
                        raise HubProtocolError("events: message is not valid JSON") from None
                    event = parse_event(payload)
                    if event is None:
                        log.debug("events: skipped a heartbeat or unknown event type")
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

    async def close(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


def _create(config: HubConfig) -> HubClient:
    return TesseraHubClient(config)


register_driver("tessera", _create)
# The embedded demo hub speaks exactly this API.
register_driver("demo", _create)
