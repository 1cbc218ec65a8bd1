"""The demo hub's HTTP server: the hub API v1 (docs/hub-api.md) over aiohttp.

`DemoHub` serves the JSON API (cameras, streams, PTZ, alerts, recordings), the WebSocket event
channel, the live MPEG-TS streams and the playback streams on one port; with `alert_scenario` it
plays the scripted alerts of `demohub/alerts.py`. `run_hub` runs it in the foreground
until SIGINT/SIGTERM and announces the bound port on stdout with one line, `Tessera demo hub
listening on http://HOST:PORT`, which the console reads when it starts the hub in a child
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import math
import signal
import socket
import ssl
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from demohub.access import (
    MAX_SIGN_IN_BODY,
    SESSION_LIFETIME_S,
    AccessControl,
    AccessDeniedError,
    PasswordBook,
    Session,
    SignInError,
    TicketError,
    UnauthorizedError,
    demo_users,
    load_users,
    parse_sign_in,
)
from demohub.alerts import (
    DEFAULT_DURATION_S,
    Alert,
    AlertBoard,
    AlertBox,
    AlertError,
    AlertLine,
    RaiseRequest,
    RequestError,
    ScenarioRunner,
    parse_note,
    parse_raise,
    read_object,
    unix_iso,
)
from demohub.audit import (
    AuditLog,
    AuditLogError,
    AuditRequestError,
    add_damaged_routes,
)
from demohub.audit import add_routes as add_audit_routes
from demohub.bookmarks import (
    BookmarkBook,
    BookmarkError,
    check_id,
    parse_bookmark_body,
    parse_query,
)
from demohub.bookmarks import read_object as read_bookmark_object
from demohub.cameras import PROFILES, PUBLIC_CAMERAS, CameraSpec, Profile, catalogue
from demohub.consent import (
    MAX_ACCESS_REQUEST_BODY,
    ConsentBook,
    ConsentRefusedError,
    parse_access_request,
)
from demohub.events import Event, EventLog, Subscription, iso_time
from demohub.export import add_export_routes
from demohub.masks import (
    DEFAULT_MASKS,
    MASKS_FILE,
    MAX_LIFT_MINUTES,
    MaskBook,
    MaskError,
    parse_lift_body,
    parse_masks_body,
)
from demohub.ptz import DEFAULT_LOCK_IDLE_S, PtzCamera, PtzError, TourStep
from demohub.reasons import ReasonRequiredError, reason_of
from demohub.recordings import (
    DEFAULT_MAX_PLAYBACKS,
    DEFAULT_RETENTION_S,
    INTRA_ONLY_FPS,
    START_GRACE_S,
    PlaybackClock,
    Recorder,
    RecordingError,
    Span,
    format_speed,
    parse_direction,
    parse_flag,
    parse_speed,
    parse_time,
    parse_unix_ms,
)
from demohub.scenes import Scene
from demohub.state import SavedState, StateFile
from demohub.streams import LiveEncoder, StreamManager, Viewer
from demohub.tls import certificate_fingerprint, ensure_certificate, server_context

__all__ = [
    "API_VERSION",
    "FINGERPRINT_LINE",
    "HUB_NAME",
    "HUB_VERSION",
    "LISTEN_LINE",
    "OPERATOR_HEADER",
    "DemoHub",
    "PtzCommandRecord",
    "run_hub",
]

log = logging.getLogger(__name__)

API_VERSION = 1
HUB_NAME = "Tessera demo hub"
HUB_SOFTWARE = "tessera-demohub"
HUB_VERSION = "0.1.0"
LISTEN_LINE = "Tessera demo hub listening on {url}"
FINGERPRINT_LINE = "Tessera demo hub TLS certificate SHA-256 fingerprint {fingerprint}"
# The session of the request being handled (DemoHub._authorize); None with sign-in off.
_request_session: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "demohub_session", default=None
)
# The close code of an event channel whose session ended (signed out, revoked, expired).
WS_SESSION_ENDED = 4401
# Events whose change the state file keeps (demohub.state), and how often what the hub changes
# by itself is saved.
_SAVED_EVENT_TYPES = frozenset({"alert", "ptz.presets", "ptz.tours", "bookmark"})
STATE_SAVE_INTERVAL_S = 1.0
OPERATOR_HEADER = "X-Tessera-Operator"
# The multi-camera recordings search takes at most this many cameras; the event history
# answers at most HISTORY_MAX_LIMIT alerts (HISTORY_DEFAULT_LIMIT unless asked).
MAX_SEARCH_CAMERAS = 100
HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 1000

_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    500: "internal",
    503: "unavailable",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_PTZ_ERROR_STATUS = {"not_found": 404, "conflict": 409, "ptz_locked": 409}  # others: 400

_TS_HEADERS = {
    "Content-Type": "video/mp2t",
    "Cache-Control": "no-cache, no-store",
    "X-Content-Type-Options": "nosniff",
}


def error_response(
    status: int, message: str, code: str | None = None, **extra: Any
) -> web.Response:
    """The contract's JSON error body with a fitting HTTP status (`extra`: e.g. the lock)."""
    error = {"code": code or _ERROR_CODES.get(status, "error"), "message": message, **extra}
    return web.json_response({"error": error}, status=status)


def _request_error_response(exc: RequestError) -> web.Response:
    return error_response(exc.status, exc.message, exc.code)


def _ptz_error_response(exc: PtzError) -> web.Response:
    extra = {} if exc.lock is None else {"lock": exc.lock.to_json()}
    return error_response(_PTZ_ERROR_STATUS.get(exc.code, 400), exc.message, exc.code, **extra)


@dataclass(frozen=True)
class PtzCommandRecord:
    """One PTZ command as the hub received it (`DemoHub.ptz_commands`, for tests and benches)."""

    received: float  # time.monotonic() when the request arrived
    camera_id: str
    operator: str | None
    command: str  # "move", "stop", "absolute", ... (the names in DemoHub._add_ptz_routes)
    body: dict[str, Any]
    applied: bool  # False: refused, invalid, or ignored for its seq


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else exc.reason
        if isinstance(exc, web.HTTPNotFound) and message == exc.reason:
            message = f"no such endpoint: {request.path}"
        elif isinstance(exc, web.HTTPMethodNotAllowed):
            message = f"{request.method} is not allowed on {request.path}"
        response = error_response(exc.status, message)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("request %s %s failed", request.method, request.path)
        return error_response(500, "the hub failed to handle this request")


class DemoHub:
    """The embedded demo hub: ten synthetic cameras behind the hub API v1.

    `alert_scenario`: play the scripted alert scenario (off by default, so tests get a quiet
    hub; `run_hub` and the command line turn it on). `alert_clock`: the Unix time the scenario
    and the alert records follow (tests offset it).

    `state_dir`: keep alerts, PTZ homes, presets and tours there across restarts (see
    `demohub.state`); None keeps them in memory only (tests, benchmarks).

    Recordings: every camera but a PTZ one is recorded, for `recording_retention_s` seconds
    (0: the hub keeps no recordings), since the hub started or since `recorded_since` (Unix
    time; tests and demos pretend the hub has been recording longer), with the gaps of
    `demohub.recordings.GAP_SCHEDULES` unless `recording_gaps` is false. At most
    `max_playback_sessions` playback streams run at once.

    `sign_in`: every /api/ request but `GET /api/v1/hub` and `POST /api/v1/session` needs a
    bearer token, and rights decide what it may do (demohub.access; off by default here, for
    the feature tests, on for the command line). `fast_password_hashing`: the cheapest argon2
    parameters (tests). `session_lifetime_s`, `session_clock`: how long a session lasts, and
    the clock it is judged by (tests expire sessions). `tls`: HTTPS with a self-signed
    certificate kept in `state_dir/tls` (a temporary folder without a state folder).
    `private_cameras`: add the private cameras (a doorbell, a shop, ...: demohub.consent) after
    the `camera_count` public ones (off here, on for the command line).
    """

    # Whether consoles are asked to draw the operator watermark over video (issue 18).
    watermark_policy = False

    def __init__(
        self,
        *,
        heartbeat_s: float = 5.0,
        viewer_queue_frames: int = 30,
        stream_sndbuf: int | None = 256 * 1024,
        camera_count: int = len(PUBLIC_CAMERAS),
        ptz_lock_idle_s: float = DEFAULT_LOCK_IDLE_S,
        ptz_answer_delay_s: float = 0.0,
        alert_scenario: bool = False,
        alert_clock: Callable[[], float] = time.time,
        recording_retention_s: float = DEFAULT_RETENTION_S,
        recorded_since: float | None = None,
        max_playback_sessions: int = DEFAULT_MAX_PLAYBACKS,
        recording_gaps: bool = True,
        state_dir: Path | None = None,
        sign_in: bool = False,
        fast_password_hashing: bool = False,
        display_tokens: tuple[str, ...] = (),
        bootstrap_secret: str | None = None,
        bootstrap_user: str = "supervisor",
        session_lifetime_s: float = SESSION_LIFETIME_S,
        session_clock: Callable[[], float] = time.time,
        users_file: Path | None = None,
        tls: bool = False,
        tls_files: tuple[Path, Path] | None = None,
        reasons_required: tuple[str, ...] = (),
        private_cameras: bool = False,
        demo_masks: bool = True,
    ) -> None:
        self.cameras: dict[str, CameraSpec] = {
            c.id: c for c in catalogue(camera_count, private=private_cameras)
        }
        # Private cameras' access grants (demohub.consent); loop thread only.
        self.consent = ConsentBook()
        self.heartbeat_s = heartbeat_s
        self.viewer_queue_frames = viewer_queue_frames
        self.stream_sndbuf = stream_sndbuf
        # What outlives the process (demohub.state); None: everything is kept in memory only.
        self.state_file = None if state_dir is None else StateFile(state_dir)
        # The tamper-evident audit log (demohub.audit): in the state folder, else a temporary
        # folder removed at stop.
        self.audit, self.audit_problem = _open_audit(state_dir)
        # Actions a console must give a reason for (issue 17, section 3), said in /api/v1/hub.
        self.reasons_required = tuple(reasons_required)
        self._playback_reasons_audited: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
        self._unsaved = False
        self._save_lock = asyncio.Lock()
        self._saver: asyncio.Task[None] | None = None
        self.events = EventLog(on_publish=self._on_event)
        self.ptz_lock_idle_s = ptz_lock_idle_s
        # Answers to PTZ commands wait this long after the command was applied (a slow hub).
        self.ptz_answer_delay_s = ptz_answer_delay_s
        self.ptz_commands: deque[PtzCommandRecord] = deque(maxlen=10000)
        self._ptz: dict[str, PtzCamera] = {
            c.id: PtzCamera(
                c.id, c.name, lock_idle_s=ptz_lock_idle_s, publish=self._ptz_publisher(c.id)
            )
            for c in self.cameras.values()
            if c.ptz
        }
        self._scenes: dict[str, Scene] = {}
        # Loop thread only: the alerts and their events.
        self.alerts = AlertBoard(self.events, clock=alert_clock)
        # Loop thread only: the bookmarks (demohub.bookmarks).
        self.bookmarks = BookmarkBook(self.events, clock=alert_clock)
        # Loop thread only: privacy masks and their lifts (demohub.masks), in masks.json.
        self.masks = MaskBook(
            None if state_dir is None else state_dir / MASKS_FILE,
            defaults=DEFAULT_MASKS if demo_masks else {},
        )
        self._masks_lock = asyncio.Lock()
        self.alert_scenario = alert_scenario
        self._alert_clock = alert_clock
        self._scenario: ScenarioRunner | None = None
        self._streams: StreamManager | None = None
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._viewers: set[Viewer] = set()
        self._subscriptions: set[Subscription] = set()
        self.recorder = Recorder(
            recording_retention_s, recorded_since, gaps=None if recording_gaps else {}
        )
        if max_playback_sessions < 0:
            raise ValueError("max_playback_sessions must be 0 or more")
        self.max_playback_sessions = max_playback_sessions
        # Loop thread only: the encoders of the playback streams being served, and every
        # playback encoder whose thread may still be running (joined when the hub stops).
        self._playbacks: set[LiveEncoder] = set()
        self._playback_encoders: list[LiveEncoder] = []
        self._playback_count = 0
        # Sign-in (demohub.access): None until start() when the hub is open (sign_in false).
        self.sign_in = sign_in
        self.access: AccessControl | None = None
        self._fast_password_hashing = fast_password_hashing
        self._access_options: dict[str, Any] = {
            "display_tokens": tuple(display_tokens),
            "bootstrap_secret": bootstrap_secret,
            "bootstrap_user": bootstrap_user,
            "session_lifetime_s": session_lifetime_s,
            "clock": session_clock,
        }
        self._passwords: PasswordBook | None = None
        self._users_file = users_file
        self._sessions_lock = asyncio.Lock()
        # HTTPS (demohub.tls): the certificate is made on the first start, in the state folder.
        self.tls = tls or tls_files is not None
        self._tls_files = tls_files
        self.tls_fingerprint: str | None = None
        self.tls_cert_path: Path | None = None
        # Where the self-signed certificate is kept (without a state folder: made in a
        # temporary folder on the first start).
        self._tls_dir = state_dir

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start serving on `host:port` (0 = a free port); returns the bound port."""
        if self._runner is not None:
            raise RuntimeError("the hub is already running")
        loop = asyncio.get_running_loop()
        self._restore_state()
        if self.sign_in:
            await self._start_access()
        ssl_context = await self._start_tls(host) if self.tls else None
        self._streams = StreamManager(loop, self._on_viewers)
        app = web.Application(
            middlewares=[_json_errors, self._authorize, self._save_before_answering]
        )
        app.router.add_get("/api/v1/hub", self._hub_info)
        self._add_session_routes(app)
        app.router.add_get("/api/v1/cameras", self._list_cameras)
        app.router.add_get("/api/v1/cameras/{camera_id}", self._get_camera)
        app.router.add_get("/api/v1/cameras/{camera_id}/streams/{profile}", self._stream_endpoint)
        app.router.add_get("/api/v1/cameras/{camera_id}/recordings", self._recordings)
        app.router.add_get("/api/v1/recordings", self._search_recordings)
        app.router.add_get(
            "/api/v1/cameras/{camera_id}/playback/{profile}", self._playback_endpoint
        )
        self._add_ptz_routes(app)
        app.router.add_get("/api/v1/alerts", self._list_alerts)
        app.router.add_post("/api/v1/alerts", self._post_alert)
        app.router.add_get("/api/v1/alerts/{alert_id}", self._get_alert)
        app.router.add_post(
            "/api/v1/alerts/{alert_id}/acknowledge", self._alert_action(self.alerts.acknowledge)
        )
        app.router.add_post(
            "/api/v1/alerts/{alert_id}/close", self._alert_action(self.alerts.close)
        )
        self._add_bookmark_routes(app)
        self._add_mask_routes(app)
        self._add_consent_routes(app)
        self._add_channel_routes(app)
        add_export_routes(app, self)  # demohub.export: evidence export, countersignature
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])
        self.recorder.begin()
        for camera in self.cameras.values():
            self.events.publish("camera.status", camera.id, {"status": "online"})
        if self.alert_scenario:
            self._scenario = ScenarioRunner(
                self.alerts, self.scene, self.cameras, clock=self._alert_clock
            )
            self._scenario.start()
        if self.state_file is not None:
            self._saver = loop.create_task(self._save_now_and_then(), name="demohub-state-saver")
        log.info("demo hub listening on %s", self.url)
        if self.tls_fingerprint is not None:
            log.info("demo hub TLS certificate SHA-256 fingerprint %s", self.tls_fingerprint)
        return self._port

    def _add_channel_routes(self, app: web.Application) -> None:
        """The audit log, the event channel and its history, the live and playback streams."""
        if self.audit is not None:
            add_audit_routes(app, self.audit, self._operator, self._reads_all_audit)
        else:
            add_damaged_routes(app, self.audit_problem or "The hub's audit log cannot be opened.")
        app.router.add_get("/api/v1/events", self._events_ws)
        app.router.add_get("/api/v1/events/history", self._event_history)
        app.router.add_get("/streams/{camera_id}/{profile}.ts", self._stream)
        app.router.add_get("/playback/{camera_id}/{profile}.ts", self._playback_stream)

    async def _start_tls(self, host: str) -> ssl.SSLContext:
        """The certificate (made on the first start, demohub.tls) and its server context."""
        if self._tls_files is not None:
            cert, key = self._tls_files
        else:
            if self._tls_dir is None:
                self._tls_dir = Path(tempfile.mkdtemp(prefix="tessera-demohub-tls-"))
            cert, key = await asyncio.to_thread(ensure_certificate, self._tls_dir, host)
        self.tls_cert_path = cert
        self.tls_fingerprint = certificate_fingerprint(cert.read_text(encoding="ascii"))
        return server_context(cert, key)

    async def _start_access(self) -> None:
        """The users (their demo passwords hashed once, here) and the kept sessions."""
        fast = self._fast_password_hashing
        self._passwords = passwords = await asyncio.to_thread(PasswordBook, fast)
        if self._users_file is not None:
            users = await asyncio.to_thread(load_users, self._users_file, passwords)
        else:
            users = await asyncio.to_thread(demo_users, passwords)
        state_dir = None if self.state_file is None else self.state_file.directory
        self.access = AccessControl(users, passwords, state_dir=state_dir, **self._access_options)
        self._access_options["bootstrap_secret"] = None  # one use, even across stop/start
        await asyncio.to_thread(self.access.load)

    async def stop(self) -> None:
        """Stop serving: end every stream and event connection, stop the encoders."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        scenario, self._scenario = self._scenario, None
        if scenario is not None:
            await scenario.stop()
        saver, self._saver = self._saver, None
        if saver is not None:
            saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saver
        await self.save_state()
        self.alerts.shutdown()
        for viewer in list(self._viewers):
            viewer.end()
        for sub in list(self._subscriptions):
            sub.end()
        for ptz in self._ptz.values():
            ptz.close()
        self.events.close()
        if self._streams is not None:
            await self._streams.close()
        await self._stop_playback_encoders()
        await runner.cleanup()
        if self.audit is not None:
            await asyncio.to_thread(self.audit.close)
        log.info("demo hub stopped")

    # -- state across restarts (demohub.state) ---------------------------------------------
    def _restore_state(self) -> None:
        masks_problem = self.masks.load()  # masks.json (demohub.masks)
        if masks_problem:
            log.warning("demo hub masks: %s", masks_problem)
        if self.state_file is None:
            return
        loaded = self.state_file.load()
        if loaded.problem:
            log.warning("demo hub state: %s", loaded.problem)
        saved = loaded.value
        if saved is None:
            return
        self.events.continue_from(saved.seq)
        self.alerts.restore(saved.alerts)
        if saved.bookmarks is not None:
            self.bookmarks.restore(saved.bookmarks)
        for camera_id, ptz_saved in saved.ptz.items():
            ptz = self._ptz.get(camera_id)
            if ptz is not None:  # a camera of a larger --cameras earlier: nothing to restore to
                ptz.restore(ptz_saved)
        log.info(
            "demo hub state restored from %s: %d alerts, seq %d",
            self.state_file.path,
            len(self.alerts),
            saved.seq,
        )

    def _on_event(self, event: Event) -> None:
        # A moved box is not worth a write (the scenario moves boxes five times a second); the
        # next save takes it along.
        if event["type"] in _SAVED_EVENT_TYPES and event["data"].get("change") != "updated":
            self._unsaved = True

    async def save_state(self) -> None:
        """Write the state file now if anything in it changed (nothing without a state dir).
        The state is read on the loop thread (a consistent copy, 15 ms for a full board) and
        encoded and written on a worker thread (about 100 ms for 10,000 alerts), one save at a
        time so an older copy never lands after a newer one. A folder that cannot be written
        is logged; the hub goes on serving."""
        if self.state_file is None or (not self._unsaved and not self._save_lock.locked()):
            return  # nothing to write and none being written (a PTZ move answers at once)
        async with self._save_lock:
            if not self._unsaved:
                return
            self._unsaved = False
            state = SavedState(
                seq=self.events.last_seq,
                alerts=self.alerts.saved(),
                ptz={camera_id: ptz.saved() for camera_id, ptz in self._ptz.items()},
                bookmarks=self.bookmarks.saved(),
            )
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.state_file.save, state)
            except OSError as exc:
                self._unsaved = True
                log.error("demo hub state: cannot write %s: %s", self.state_file.path, exc)

    @web.middleware
    async def _save_before_answering(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """A request that changed the kept state is answered once that state is on disk."""
        response = await handler(request)
        if request.method != "GET":
            await self.save_state()
        return response

    # -- sign-in and rights (demohub.access) ------------------------------------------------
    @web.middleware
    async def _authorize(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """With sign-in on, every /api/ request but the open ones needs a valid bearer token
        (its session is `_request_session` while the request is handled: each request is
        handled in a task of its own, one after another on a kept-alive connection); refusals
        are answered here, as JSON."""
        reset = _request_session.set(None)
        try:
            access = self.access
            open_path = request.path == "/api/v1/hub" or (
                request.path == "/api/v1/session" and request.method == "POST"
            )
            if access is not None and request.path.startswith("/api/") and not open_path:
                _request_session.set(access.authenticate(request.headers.get("Authorization")))
            return await handler(request)
        except UnauthorizedError as exc:
            return web.json_response(
                exc.to_json(), status=401, headers={"WWW-Authenticate": "Bearer"}
            )
        except TicketError as exc:
            body = {"error": "unauthorized", "reason": exc.reason, "message": exc.message}
            return web.json_response(body, status=401, headers={"WWW-Authenticate": "Bearer"})
        except (AccessDeniedError, ReasonRequiredError) as exc:
            return web.json_response(exc.to_json(), status=403)
        except ConsentRefusedError as exc:  # a private camera's tier (demohub.consent)
            return error_response(exc.status, exc.message, exc.code)
        except SignInError as exc:
            headers = {"Retry-After": str(exc.retry_after_s)} if exc.status == 429 else None
            response = web.json_response(exc.to_json(), status=exc.status, headers=headers)
            if exc.status == 400:  # the rest of an oversized body is not read: close
                response.force_close()
            return response
        finally:
            _request_session.reset(reset)

    @staticmethod
    def _session(request: web.Request) -> Session | None:
        """The session of the request being handled (None: sign-in is off)."""
        return _request_session.get()

    def _operator(self, request: web.Request) -> str | None:
        """Who acts: the token's user when sign-in is on (the header is then ignored), else
        the X-Tessera-Operator header (None when absent)."""
        session = self._session(request)
        if session is not None:
            return session.user
        return request.headers.get(OPERATOR_HEADER, "").strip() or None

    def _can_see(self, request: web.Request, camera_id: str) -> bool:
        """Whether the request may know of `camera_id` (a camera without `view` is hidden)."""
        session = self._session(request)
        return session is None or self._access().can(session, "view", camera_id)

    def _access(self) -> AccessControl:
        if self.access is None:
            raise RuntimeError("sign-in is off")
        return self.access

    def _require(self, request: web.Request, right: str, camera_id: str | None = None) -> None:
        """AccessDeniedError (403) unless the request's session holds `right` (nothing to check
        when sign-in is off)."""
        session = self._session(request)
        if session is None:
            return
        camera = None if camera_id is None else self.cameras.get(camera_id)
        name = camera.name if camera is not None else (camera_id or "")
        self._access().require(session, right, camera_id, name)

    def _require_any(self, request: web.Request, rights: tuple[str, ...], camera_id: str) -> None:
        session = self._session(request)
        if session is None:
            return
        if not any(self._access().can(session, r, camera_id) for r in rights):
            self._require(request, rights[0], camera_id)

    def _visible_ids(self, request: web.Request) -> list[str]:
        return [c for c in self.cameras if self._can_see(request, c)]

    def _with_ticket(
        self, request: web.Request, url: str, kind: str, camera: str, profile: str
    ) -> str:
        session = self._session(request)
        if session is None:
            return url
        ticket = self._access().ticket(session, kind, camera, profile)
        return f"{url}{'&' if '?' in url else '?'}ticket={ticket}"

    def _stream_session(
        self, request: web.Request, kind: str, camera: CameraSpec, profile: Profile
    ) -> Session | None:
        """The session whose ticket opens this stream (None with sign-in off). The session must
        still be valid and hold the right (`view` live, `playback` for recordings), and a
        private camera's tier must let the video out (ConsentRefusedError)."""
        if self.access is None:  # sign-in off: any operator's grant opens the camera
            self.consent.check(camera, kind, None, anyone=True)
            return None
        session = self.access.check_ticket(
            request.query.get("ticket"), kind, camera.id, profile.name
        )
        right = "view" if kind == "live" else "playback"
        self.access.require(session, right, camera.id, camera.name)
        self.consent.check(camera, kind, session.user)  # a grant may have ended since
        return session

    async def _save_sessions(self) -> None:
        """Write the sessions file (hashes only) now, in order, off the loop."""
        access = self.access
        if access is None or access.sessions_path is None:
            return
        async with self._sessions_lock:
            records = access.snapshot()
            try:
                await asyncio.to_thread(access.write, records)
            except OSError as exc:
                log.error("demo hub: cannot write %s: %s", access.sessions_path, exc)

    def _no_sign_in(self) -> web.Response:
        return error_response(
            404, "this hub has no sign-in (its /api/v1/hub says sign_in: none)", "not_supported"
        )

    def _add_session_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/session", self._post_session)
        app.router.add_get("/api/v1/session", self._get_session)
        app.router.add_delete("/api/v1/session", self._delete_session)
        app.router.add_get("/api/v1/users", self._list_users)
        app.router.add_post("/api/v1/users/{user}/revoke", self._revoke_user)

    async def _post_session(self, request: web.Request) -> web.Response:
        """Sign in: `{user, password}`, `{display_token}` or `{bootstrap}` -> a bearer token."""
        access, passwords = self.access, self._passwords
        if access is None or passwords is None:
            return self._no_sign_in()
        if (request.content_length or 0) > MAX_SIGN_IN_BODY:
            raise SignInError(
                400, "bad_request", f"the sign-in body is larger than {MAX_SIGN_IN_BODY} bytes"
            )
        raw = bytearray()  # read() answers what has arrived: read until the end or the limit
        while len(raw) <= MAX_SIGN_IN_BODY:
            chunk = await request.content.read(MAX_SIGN_IN_BODY + 1 - len(raw))
            if not chunk:
                break
            raw += chunk
        kind, fields = parse_sign_in(bytes(raw))

        async def verify(password_hash: str | None, password: str) -> bool:
            return await asyncio.to_thread(passwords.verify, password_hash, password)

        who = fields.get("user") if kind == "password" else None
        try:
            token, session = await access.sign_in(kind, fields, verify)
        except SignInError as exc:
            if exc.status in (401, 429):
                details = {"how": kind, "why": exc.code}
                await self._audit_hub(
                    who if isinstance(who, str) else None, "sign_in.failed", details
                )
            raise
        await self._save_sessions()
        role = access.user(session).role
        await self._audit_hub(session.user, "sign_in", {"how": kind, "role": role})
        answer = {"token": token, **access.session_json(session, self.cameras)}
        return web.json_response(answer, status=201, headers={"Cache-Control": "no-store"})

    async def _audit_hub(
        self,
        operator: str | None,
        action: str,
        details: dict[str, Any],
        camera_id: str | None = None,
    ) -> None:
        """An entry the hub writes itself (sign-in and out, masks, private cameras, reasons):
        file I/O, on a worker thread; a log that cannot be written is said in the hub's log,
        the answer goes out (the operator is not locked out by a full disk)."""
        audit = self.audit
        if audit is None:
            log.error("audit: %s of %s not recorded: the log is damaged", action, operator)
            return
        try:
            await asyncio.to_thread(audit.append_hub, operator, action, camera_id, details)
        except (OSError, AuditRequestError, AuditLogError) as exc:
            log.error("audit: cannot record %s of %s: %s", action, operator, exc)

    async def _audit_playback(
        self, request: web.Request, camera_id: str, reason: dict[str, str] | None
    ) -> None:
        """A playback the hub gave out with a reason: in the hub's own log, once per session,
        camera and reason (a frame step asks for many playbacks; the log needs one line)."""
        if reason is None:
            return
        session = self._session(request)
        key = (session.id if session is not None else "", camera_id, tuple(sorted(reason.items())))
        if key in self._playback_reasons_audited:
            return
        if len(self._playback_reasons_audited) > 10_000:
            self._playback_reasons_audited.clear()
        self._playback_reasons_audited.add(key)
        await self._audit_hub(
            self._operator(request),
            "playback.reason",
            {"camera": camera_id, "reason": reason},
            camera_id,  # `tessera audit show --camera` finds it
        )

    def _reads_all_audit(self, request: web.Request) -> bool:
        """Who may read and export the whole audit log: with sign-in, the `admin` right."""
        session = self._session(request)
        return session is None or self._access().can(session, "admin", None)

    async def _get_session(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._no_sign_in()
        return web.json_response(self._access().session_json(session, self.cameras))

    async def _delete_session(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._no_sign_in()
        self._access().revoke(session)
        await self._save_sessions()
        await self._audit_hub(session.user, "sign_out", {})
        return web.Response(status=204)

    async def _list_users(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._no_sign_in()
        self._require(request, "admin")
        access = self._access()
        counts = access.session_counts()
        users = [
            {"user": u.name, "role": u.role, "sessions": counts.get(u.name, 0)}
            for u in access.users.values()
        ]
        return web.json_response({"users": users})

    async def _revoke_user(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._no_sign_in()
        self._require(request, "admin")
        access = self._access()
        name = request.match_info["user"]
        if name not in access.users:
            return error_response(404, f"no user {name!r}")
        revoked = access.revoke_user(name)
        await self._save_sessions()
        return web.json_response({"revoked": revoked})

    async def _save_now_and_then(self) -> None:
        """What the hub changes by itself (the alert scenario), saved at most once a second."""
        while True:
            await asyncio.sleep(STATE_SAVE_INTERVAL_S)
            await self.save_state()

    @property
    def url(self) -> str:
        """`http://HOST:PORT` (`https://` with TLS) of the running hub."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{'https' if self.tls else 'http'}://{host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def streams(self) -> StreamManager:
        if self._streams is None:
            raise RuntimeError("the hub is not running")
        return self._streams

    def scene(self, camera_id: str) -> Scene:
        """The scene of a camera (shared by its encoders; renders are pure functions of t).

        A PTZ camera's scene follows its head (`ptz(camera_id).head`).
        """
        scene = self._scenes.get(camera_id)
        if scene is None:
            ptz = self._ptz.get(camera_id)
            head = None if ptz is None else ptz.head
            scene = self._scenes[camera_id] = self.cameras[camera_id].make_scene(head)
        return scene

    def ptz(self, camera_id: str) -> PtzCamera:
        """The PTZ engine of a camera (KeyError for an unknown or not steerable one).

        Loop thread only, except `ptz(...).position()`, which any thread may call.
        """
        return self._ptz[camera_id]

    # -- helpers --------------------------------------------------------------------------------
    def _camera(self, request: web.Request) -> CameraSpec:
        """The path's camera; one the session may not view is answered as unknown."""
        camera_id = request.match_info["camera_id"]
        camera = self.cameras.get(camera_id)
        if camera is None or not self._can_see(request, camera_id):
            raise web.HTTPNotFound(text=f"no camera {camera_id!r}")
        return camera

    def _profile(self, request: web.Request) -> Profile:
        name = request.match_info["profile"]
        profile = PROFILES.get(name)
        if profile is None:
            raise web.HTTPNotFound(text=f"no stream profile {name!r}")
        return profile

    def recorded(self, camera: CameraSpec) -> bool:
        """Whether the hub keeps recordings of `camera`."""
        return self.recorder.enabled and camera.recordable

    def _recorded_spans(self, camera: CameraSpec) -> list[Span]:
        """The camera's recorded spans, oldest first (RecordingError `not_supported` for a
        camera without recordings)."""
        if not (self.recorded(camera) and self.recorder.span() is not None):
            why = (
                "its picture depends on how it was steered, which the hub does not keep"
                if camera.ptz and self.recorder.enabled
                else "this hub keeps no recordings"
            )
            raise RecordingError("not_supported", f"camera {camera.name!r} is not recorded: {why}")
        return self.recorder.spans(camera.id)

    def _playback_slot_free(self) -> None:
        if self._runner is None:
            raise RecordingError("unavailable", "the hub is stopping")
        if len(self._playbacks) >= self.max_playback_sessions:
            raise RecordingError(
                "unavailable",
                f"all {self.max_playback_sessions} playback streams of the hub are in use; "
                "try again when one has been closed",
            )

    def _on_viewers(self, camera_id: str, profile: str, count: int) -> None:
        self.events.publish("stream.viewers", camera_id, {"profile": profile, "viewers": count})

    # -- JSON API -------------------------------------------------------------------------------
    async def _hub_info(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "api_version": API_VERSION,
                "name": HUB_NAME,
                "software": HUB_SOFTWARE,
                "version": HUB_VERSION,
                "capabilities": self._capabilities(),
                "time": iso_time(),
                "sign_in": "required" if self.sign_in else "none",
                "tls": self.tls,
                "reasons_required": list(self.reasons_required),
                "policy": {"watermark": self.watermark_policy},
            }
        )

    def _capabilities(self) -> list[str]:
        capabilities = ["live", "events", "alerts", "bookmarks", "audit"]
        capabilities.append("masks")
        if self.recorder.enabled:
            capabilities.append("recordings")
            capabilities.append("export")  # demohub.export
        return capabilities

    def _camera_json(self, camera: CameraSpec) -> dict[str, Any]:
        return camera.to_json(self.ptz_lock_idle_s, recorded=self.recorded(camera))

    async def _list_cameras(self, request: web.Request) -> web.Response:
        cameras = [
            self._camera_json(c) for c in self.cameras.values() if self._can_see(request, c.id)
        ]
        return web.json_response({"cameras": cameras})

    async def _get_camera(self, request: web.Request) -> web.Response:
        return web.json_response(self._camera_json(self._camera(request)))

    async def _stream_endpoint(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        profile = self._profile(request)
        await self._private_access(request, camera, "live")
        url = f"{request.scheme}://{request.host}/streams/{camera.id}/{profile.name}.ts"
        url = self._with_ticket(request, url, "live", camera.id, profile.name)
        return web.json_response(_endpoint_json(camera, profile, url))

    # -- recordings -----------------------------------------------------------------------------
    async def _recordings(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        self._require(request, "playback", camera.id)
        try:
            spans = self._recorded_spans(camera)
            start, end = _time_range(request, required=False)
        except RecordingError as exc:
            return _request_error_response(exc)
        return web.json_response(self._recordings_json(camera, spans, start, end))

    def _recordings_json(
        self, camera: CameraSpec, spans: list[Span], start: float | None, end: float | None
    ) -> dict[str, Any]:
        """A Recordings object: the spans that overlap [start, end], whole."""
        return {
            "camera_id": camera.id,
            "spans": [s.to_json() for s in spans if s.overlaps(start, end)],
            "retention_s": self.recorder.retention_json(),
        }

    async def _search_recordings(self, request: web.Request) -> web.Response:
        """`GET /api/v1/recordings?cameras=a,b&from&to`: the Recordings of several cameras."""
        try:
            camera_ids = _id_list(request, "cameras", required=True) or []
            if len(camera_ids) > MAX_SEARCH_CAMERAS:
                raise RecordingError(
                    "bad_request", f"cameras may name at most {MAX_SEARCH_CAMERAS} cameras"
                )
            start, end = _time_range(request, required=False)
            found = []
            not_recorded = []
            for camera_id in camera_ids:
                camera = self.cameras.get(camera_id)
                if camera is None or not self._can_see(request, camera_id):
                    raise RecordingError("not_found", f"no camera {camera_id!r} (in cameras)")
                self._require(request, "playback", camera_id)
                if self.recorded(camera):
                    spans = self.recorder.spans(camera.id)
                    found.append(self._recordings_json(camera, spans, start, end))
                else:
                    not_recorded.append(camera.id)
        except RecordingError as exc:
            return _request_error_response(exc)
        return web.json_response({"recordings": found, "not_recorded": not_recorded})

    async def _playback_endpoint(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        profile = self._profile(request)
        self._require(request, "playback", camera.id)
        reason = reason_of(request.headers, "playback", self.reasons_required)
        await self._private_access(request, camera, "playback")
        try:
            spans = self._recorded_spans(camera)
            text = request.query.get("start")
            if text is None:
                raise RecordingError(
                    "bad_request", "start is required: the recorded moment to play from"
                )
            mode = _PlaybackMode.of(request)
            start = parse_time(text, "start")
            if _covering(spans, start) is None:
                raise _outside(camera, spans, start)
            self._playback_slot_free()
        except RecordingError as exc:
            return _request_error_response(exc)
        start_ms = round(start * 1000)
        url = (
            f"{request.scheme}://{request.host}/playback/{camera.id}/{profile.name}.ts"
            f"?start={start_ms}{mode.query()}"
        )
        url = self._with_ticket(request, url, "playback", camera.id, profile.name)
        await self._audit_playback(request, camera.id, reason)
        answer = _endpoint_json(camera, profile, url)
        if mode.intra_only:
            answer["fps"] = INTRA_ONLY_FPS
        return web.json_response({**answer, "start": unix_iso(start_ms / 1000), **mode.to_json()})

    # -- private cameras (demohub.consent) -------------------------------------------------------
    def _add_consent_routes(self, app: web.Application) -> None:
        base = "/api/v1/cameras/{camera_id}/access-requests"
        app.router.add_post(base, self._post_access_request)
        app.router.add_get(base, self._list_access_grants)
        app.router.add_get("/api/v1/access-grants", self._list_all_access_grants)

    async def _private_access(self, request: web.Request, camera: CameraSpec, kind: str) -> None:
        """Refuse video the camera's tier does not let out to this operator (ConsentRefusedError,
        answered by `_authorize`); an access to a private camera is an audit entry."""
        if camera.sharing is None:
            return
        operator = self._operator(request)
        anyone = self._session(request) is None and self.access is None
        try:
            grant = self.consent.check(camera, kind, operator, anyone=anyone)
        except ConsentRefusedError as exc:
            await self._audit_private(
                operator, "private_access.refused", camera, kind=kind, why=exc.code
            )
            raise
        details: dict[str, Any] = {"kind": kind}
        if grant is not None:
            details["grant"] = grant.id
        await self._audit_private(operator, f"private_access.{kind}", camera, **details)

    async def _audit_private(
        self, operator: str | None, action: str, camera: CameraSpec, **details: Any
    ) -> None:
        assert camera.sharing is not None
        entry = {"tier": camera.sharing.tier, "owner": camera.sharing.owner, **details}
        await self._audit_hub(operator, action, entry, camera.id)

    def _cut_at_grant_end(
        self, camera: CameraSpec, session: Session | None, abort: Callable[[], None]
    ) -> asyncio.TimerHandle | None:
        """A live stream that rests on an access grant is cut when the grant ends."""
        if camera.tier != "on_request":
            return None
        grant = (
            self.consent.granted(camera.id, session.user)
            if session is not None
            else self.consent.check(camera, "live", None, anyone=True)
        )
        if grant is None:
            return None
        delay = max(0.0, grant.until - self.consent.clock())
        return asyncio.get_running_loop().call_later(delay, abort)

    async def _post_access_request(self, request: web.Request) -> web.Response:
        """`{reason, case}` -> a grant for a limited time, or a 403 saying why not."""
        camera = self._camera(request)
        operator = self._operator(request)
        if (request.content_length or 0) > MAX_ACCESS_REQUEST_BODY:
            raise ConsentRefusedError("bad_request", "the request body is too large", 400)
        reason, case = parse_access_request(await request.content.read(MAX_ACCESS_REQUEST_BODY))
        session = self._session(request)
        if session is not None and not self._access().can(session, "playback", camera.id):
            await self._audit_private_request(operator, camera, reason, case, "no_right")
            raise ConsentRefusedError(
                "forbidden",
                f"Your role may not request access to {camera.name}: it needs the right to "
                "play back its recordings.",
            )
        try:
            grant = self.consent.grant(camera, operator, reason, case)
        except ConsentRefusedError as exc:
            if camera.sharing is not None:
                await self._audit_private_request(operator, camera, reason, case, exc.code)
            raise
        await self._audit_private(
            operator,
            "private_access.granted",
            camera,
            grant=grant.id,
            reason=reason,
            case=case,
            until=grant.to_json()["granted_until"],
        )
        return web.json_response(grant.to_json(), status=201)

    async def _audit_private_request(
        self, operator: str | None, camera: CameraSpec, reason: str, case: str, why: str
    ) -> None:
        await self._audit_private(
            operator, "private_access.request_refused", camera, reason=reason, case=case, why=why
        )

    async def _list_access_grants(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        grants = self.consent.active(self._operator(request))
        shown = [g.to_json() for g in grants if g.camera_id == camera.id]
        return web.json_response({"grants": shown})

    async def _list_all_access_grants(self, request: web.Request) -> web.Response:
        """The requesting operator's grants in force, on every camera it may see."""
        grants = self.consent.active(self._operator(request))
        shown = [g.to_json() for g in grants if self._can_see(request, g.camera_id)]
        return web.json_response({"grants": shown})

    # -- alerts ---------------------------------------------------------------------------------
    def raise_alert(
        self,
        *,
        kind: str,
        camera_id: str,
        priority: str,
        label: str | None = None,
        box: AlertBox | Mapping[str, float] | None = None,
        line: AlertLine | Mapping[str, Any] | None = None,
        plate: str | None = None,
        message: str = "",
        duration_s: float = DEFAULT_DURATION_S,
    ) -> dict[str, Any]:
        """Raise an alert now (`source` "raised"), exactly as `POST /api/v1/alerts` does, and
        return its Alert object. Loop thread only. The fields are checked like the endpoint's
        body (AlertError: `bad_request` naming the field, `not_found` for an unknown camera).
        """
        body = {
            "kind": kind,
            "camera_id": camera_id,
            "priority": priority,
            "label": label,
            "box": box.to_json() if isinstance(box, AlertBox) else box,
            "line": line.to_json() if isinstance(line, AlertLine) else line,
            "plate": plate,
            "message": message,
            "duration_s": duration_s,
        }
        return self._raise(parse_raise(body)).to_json()

    def _raise(self, request: RaiseRequest) -> Alert:
        if request.camera_id not in self.cameras:
            raise AlertError("not_found", f"no camera {request.camera_id!r}")
        return self.alerts.raise_alert(
            kind=request.kind,
            camera_id=request.camera_id,
            priority=request.priority,
            label=request.label,
            box=request.box,
            line=request.line,
            plate=request.plate,
            message=request.message,
            duration_s=request.duration_s,
        )

    async def _list_alerts(self, request: web.Request) -> web.Response:
        state = request.query.get("state", "open")
        if state not in ("open", "all"):
            return error_response(400, "state must be open or all")
        alerts = [
            a.to_json()
            for a in self.alerts.alerts(open_only=state == "open")
            if self._can_see(request, a.camera_id)
        ]
        return web.json_response({"alerts": alerts, "seq": self.events.last_seq})

    async def _get_alert(self, request: web.Request) -> web.Response:
        alert_id = request.match_info["alert_id"]
        alert = self.alerts.get(alert_id)
        if alert is None or not self._can_see(request, alert.camera_id):
            return error_response(404, f"no alert {alert_id!r}")
        return web.json_response(alert.to_json())

    async def _post_alert(self, request: web.Request) -> web.Response:
        try:
            raised = parse_raise(read_object(await request.read()))
            if not self._can_see(request, raised.camera_id):
                raise AlertError("not_found", f"no camera {raised.camera_id!r}")
            self._require(request, "alarms", raised.camera_id)
            alert = self._raise(raised)
        except AlertError as exc:
            return _request_error_response(exc)
        return web.json_response(alert.to_json(), status=201)

    def _alert_action(self, action: Callable[[str, str, str], Alert]) -> Handler:
        """Acknowledge or close: a known alert, the operator header, then `{"note"}` (optional)."""

        async def handle(request: web.Request) -> web.Response:
            alert_id = request.match_info["alert_id"]
            operator = self._operator(request) or ""
            raw = await request.read()
            try:
                alert = self.alerts.get(alert_id)
                if alert is None or not self._can_see(request, alert.camera_id):
                    raise AlertError("not_found", f"no alert {alert_id!r}")
                self._require(request, "alarms", alert.camera_id)
                if not operator:
                    raise AlertError(
                        "operator_required",
                        f"acknowledging or closing an alert needs the {OPERATOR_HEADER} header",
                    )
                note = parse_note(read_object(raw))
                return web.json_response(action(alert_id, operator, note).to_json())
            except AlertError as exc:
                return _request_error_response(exc)

        return handle

    # -- bookmarks ------------------------------------------------------------------------------
    def kept_spans(self, camera_id: str) -> list[Span]:
        """The spans of `camera_id` kept out of retention: those of its protected bookmarks.

        The demo hub stores no video (a recording is the scene at that time), so nothing is
        deleted; this is the rule a retention sweep of a storing hub applies, and what the
        recordings answer may list beyond `retention_s`."""
        return self.bookmarks.protected_spans(camera_id)

    def _add_bookmark_routes(self, app: web.Application) -> None:
        base = "/api/v1/bookmarks"
        app.router.add_get(base, self._list_bookmarks)
        app.router.add_get(base + "/{bookmark_id}", self._get_bookmark)
        app.router.add_put(base + "/{bookmark_id}", self._put_bookmark)
        app.router.add_delete(base + "/{bookmark_id}", self._delete_bookmark)
        app.router.add_post(base + "/{bookmark_id}/protect", self._protect_bookmark(True))
        app.router.add_post(base + "/{bookmark_id}/unprotect", self._protect_bookmark(False))

    async def _list_bookmarks(self, request: web.Request) -> web.Response:
        try:
            query = parse_query(request.query)
        except BookmarkError as exc:
            return _request_error_response(exc)
        found = [
            b.to_json()
            for b in self.bookmarks.search(query)
            if self._may_read_bookmarks(request, b.camera_id)
        ]
        return web.json_response({"bookmarks": found, "seq": self.events.last_seq})

    async def _get_bookmark(self, request: web.Request) -> web.Response:
        bookmark_id = request.match_info["bookmark_id"]
        bookmark = self.bookmarks.get(bookmark_id)
        if bookmark is None or not self._can_see(request, bookmark.camera_id):
            return error_response(404, f"no bookmark {bookmark_id!r}")
        self._require_any(request, ("playback", "bookmark"), bookmark.camera_id)
        return web.json_response(bookmark.to_json())

    def _may_read_bookmarks(self, request: web.Request, camera_id: str) -> bool:
        """Reading a camera's bookmarks: `view` and `playback` or `bookmark` on it."""
        session = self._session(request)
        if session is None:
            return True
        access = self._access()
        return access.can(session, "view", camera_id) and (
            access.can(session, "playback", camera_id) or access.can(session, "bookmark", camera_id)
        )

    def _bookmark_camera(self, request: web.Request, bookmark_id: str) -> None:
        """A change to an existing bookmark needs `bookmark` on its camera (a bookmark of a
        camera the session may not view is answered as unknown)."""
        if self._session(request) is None:
            return
        bookmark = self.bookmarks.get(bookmark_id)
        if bookmark is None:
            return  # the book answers not_found, or gone for a deleted one
        if not self._can_see(request, bookmark.camera_id):
            raise BookmarkError("not_found", f"no bookmark {bookmark_id!r}")
        self._require(request, "bookmark", bookmark.camera_id)

    async def _put_bookmark(self, request: web.Request) -> web.Response:
        raw = await request.read()
        operator = (self._operator(request) or "")[:64] or None
        try:
            bookmark_id = check_id(request.match_info["bookmark_id"])
            body = parse_bookmark_body(read_bookmark_object(raw))
            if body.camera_id not in self.cameras or not self._can_see(request, body.camera_id):
                raise BookmarkError("not_found", f"no camera {body.camera_id!r}")
            self._require(request, "bookmark", body.camera_id)
            self._bookmark_camera(request, bookmark_id)
            bookmark, created = self.bookmarks.put(bookmark_id, body, operator)
        except BookmarkError as exc:
            return _request_error_response(exc)
        return web.json_response(bookmark.to_json(), status=201 if created else 200)

    async def _delete_bookmark(self, request: web.Request) -> web.Response:
        try:
            self._bookmark_camera(request, request.match_info["bookmark_id"])
            self.bookmarks.delete(request.match_info["bookmark_id"])
        except BookmarkError as exc:
            return _request_error_response(exc)
        return web.Response(status=204)

    def _protect_bookmark(self, protected: bool) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            bookmark_id = request.match_info["bookmark_id"]
            try:
                self._bookmark_camera(request, bookmark_id)
                bookmark = self.bookmarks.get(bookmark_id)
                camera = None if bookmark is None else self.cameras.get(bookmark.camera_id)
                if protected and camera is not None and not self.recorded(camera):
                    raise BookmarkError(
                        "not_supported",
                        f"camera {camera.name!r} is not recorded: there is no footage to keep",
                    )
                bookmark = self.bookmarks.protect(bookmark_id, protected)
            except BookmarkError as exc:
                return _request_error_response(exc)
            return web.json_response(bookmark.to_json())

        return handle

    async def _event_history(self, request: web.Request) -> web.Response:
        """`GET /api/v1/events/history?from&to[&cameras][&kinds][&limit]`: the alerts active
        in [from, to], or acknowledged or closed in it, oldest first, at most `limit`."""
        try:
            start, end = _time_range(request, required=True)
            cameras = _id_list(request, "cameras")
            kinds = _id_list(request, "kinds")
            limit = _history_limit(request)
        except RecordingError as exc:
            return _request_error_response(exc)
        assert start is not None and end is not None  # required
        if self._session(request) is not None:  # only the cameras the session may view
            visible = frozenset(self._visible_ids(request))
            cameras = [c for c in (cameras or visible) if c in visible]
        found = self.alerts.history(
            start,
            end,
            cameras=None if cameras is None else frozenset(cameras),
            kinds=None if kinds is None else frozenset(kinds),
            limit=limit + 1,
        )
        return web.json_response(
            {
                "from": unix_iso(start),
                "to": unix_iso(end),
                "alerts": [a.to_json() for a in found[:limit]],
                "more": len(found) > limit,
            }
        )

    # -- privacy masks (demohub.masks) ---------------------------------------------------------
    def _add_mask_routes(self, app: web.Application) -> None:
        base = "/api/v1/cameras/{camera_id}/masks"
        app.router.add_get(base, self._get_masks)
        app.router.add_put(base, self._put_masks)
        app.router.add_post(base + "/lift", self._lift_masks)
        app.router.add_delete(base + "/lift", self._end_mask_lift)

    def _mask_camera(self, request: web.Request) -> CameraSpec:
        """The camera of a masks request; 404 for one unknown or not the session's to see."""
        camera = self._camera(request)
        if not self._can_see(request, camera.id):
            raise web.HTTPNotFound(text=f"no camera {camera.id!r}")
        return camera

    def _lift_key(self, request: web.Request) -> str:
        """Whose lift: the session's id; with sign-in off, the X-Tessera-Operator."""
        session = self._session(request)
        return session.id if session is not None else f"operator:{self._operator(request) or ''}"

    def _masks_json(self, request: web.Request, camera_id: str) -> dict[str, Any]:
        lift = self.masks.lift_for(camera_id, self._lift_key(request))
        return {
            "camera_id": camera_id,
            "masks": self.masks.masks(camera_id),
            "lifted_until": None if lift is None else unix_iso(lift.until),
            "lift_max_minutes": MAX_LIFT_MINUTES,
            "seq": self.events.last_seq,
        }

    async def _audit_masks(
        self, operator: str | None, action: str, camera_id: str, details: dict[str, Any]
    ) -> None:
        """A masks entry in the hub's audit log."""
        await self._audit_hub(operator, action, details, camera_id)

    async def _get_masks(self, request: web.Request) -> web.Response:
        camera = self._mask_camera(request)
        return web.json_response(self._masks_json(request, camera.id))

    async def _put_masks(self, request: web.Request) -> web.Response:
        camera = self._mask_camera(request)
        self._require(request, "masks", camera.id)
        try:
            masks = parse_masks_body(await request.read())
        except MaskError as exc:
            return error_response(exc.status, exc.message, exc.code)
        operator = self._operator(request)
        async with self._masks_lock:  # one write at a time: an older copy never lands last
            self.masks.set_masks(camera.id, masks)
            snapshot = self.masks.snapshot()
            try:
                await asyncio.to_thread(self.masks.write, snapshot)
            except OSError as exc:
                log.error("demo hub masks: cannot write %s: %s", self.masks.path, exc)
                return error_response(500, "the hub could not keep the masks", "internal")
        await self._audit_masks(operator, "masks.changed", camera.id, {"masks": len(masks)})
        self.events.publish("camera.masks", camera.id, {"change": "masks", "by": operator})
        return web.json_response(self._masks_json(request, camera.id))

    async def _lift_masks(self, request: web.Request) -> web.Response:
        camera = self._mask_camera(request)
        self._require(request, "unmask", camera.id)
        try:
            lift_request = parse_lift_body(await request.read())
        except MaskError as exc:
            return error_response(exc.status, exc.message, exc.code)
        operator = self._operator(request)
        lift = self.masks.lift(camera.id, self._lift_key(request), operator or "", lift_request)
        details = {
            "reason": lift_request.reason,
            "case": lift_request.case,
            "minutes": lift_request.minutes,
            "until": unix_iso(lift.until),
        }
        await self._audit_masks(operator, "masks.lifted", camera.id, details)
        self.events.publish(
            "camera.masks",
            camera.id,
            {"change": "lifted", "by": operator, "until": unix_iso(lift.until)},
        )
        return web.json_response(self._masks_json(request, camera.id))

    async def _end_mask_lift(self, request: web.Request) -> web.Response:
        camera = self._mask_camera(request)
        ended = self.masks.end_lift(camera.id, self._lift_key(request))
        if ended is not None:
            operator = self._operator(request)
            await self._audit_masks(operator, "masks.lift_ended", camera.id, {})
            self.events.publish("camera.masks", camera.id, {"change": "restored", "by": operator})
        return web.json_response(self._masks_json(request, camera.id))

    # -- PTZ ------------------------------------------------------------------------------------
    def _ptz_publisher(self, camera_id: str) -> Callable[[str, dict[str, Any]], None]:
        def publish(type_: str, data: dict[str, Any]) -> None:
            self.events.publish(type_, camera_id, data)

        return publish

    def _add_ptz_routes(self, app: web.Application) -> None:
        """The PTZ endpoints of docs/hub-api.md; each command names the body fields it takes."""
        base = "/api/v1/cameras/{camera_id}/ptz"
        read, command = self._ptz_read, self._ptz_command
        move_fields = ("pan", "tilt", "zoom", "timeout_ms", "seq")
        steps = ("name", "steps")
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "", read(lambda ptz, _: ptz.status())),
            ("POST", "/move", command("move", _ptz_move, move_fields)),
            ("POST", "/stop", command("stop", _ptz_stop, ("seq",))),
            ("POST", "/absolute", command("absolute", _ptz_absolute, ("pan", "tilt", "zoom"))),
            (
                "POST",
                "/relative",
                command("relative", _ptz_relative, ("pan", "tilt", "zoom_factor")),
            ),
            ("POST", "/home", command("home", _ptz_home)),
            ("PUT", "/home", command("set_home", _ptz_set_home)),
            ("GET", "/presets", read(lambda ptz, _: {"presets": ptz.preset_json()})),
            ("POST", "/presets", command("preset_create", _ptz_add_preset, ("name",))),
            (
                "PATCH",
                "/presets/{preset_id}",
                command("preset_rename", _ptz_rename_preset, ("name",)),
            ),
            ("DELETE", "/presets/{preset_id}", command("preset_delete", _ptz_delete_preset)),
            ("POST", "/presets/{preset_id}/goto", command("preset_goto", _ptz_goto_preset)),
            ("GET", "/tours", read(lambda ptz, _: {"tours": ptz.tours_json()})),
            ("POST", "/tours", command("tour_create", _ptz_add_tour, steps)),
            ("PUT", "/tours/{tour_id}", command("tour_update", _ptz_replace_tour, steps)),
            ("DELETE", "/tours/{tour_id}", command("tour_delete", _ptz_delete_tour)),
            ("POST", "/tours/{tour_id}/start", command("tour_start", _ptz_start_tour)),
            ("POST", "/tours/{tour_id}/stop", command("tour_stop", _ptz_stop_tour)),
            ("POST", "/lock", command("lock", _ptz_lock, ("priority",))),
            ("DELETE", "/lock", command("unlock", _ptz_unlock)),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, base + path, handler)

    def _ptz_camera(self, camera_id: str, request: web.Request) -> PtzCamera:
        ptz = self._ptz.get(camera_id)
        if not self._can_see(request, camera_id):
            raise PtzError("not_found", f"no camera {camera_id!r}")
        if ptz is None:
            camera = self.cameras.get(camera_id)
            if camera is None:
                raise PtzError("not_found", f"no camera {camera_id!r}")
            raise PtzError("not_supported", f"camera {camera.name!r} cannot pan, tilt or zoom")
        return ptz

    def _ptz_read(self, read: Callable[[PtzCamera, Mapping[str, str]], Any]) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            try:
                ptz = self._ptz_camera(request.match_info["camera_id"], request)
                return web.json_response(read(ptz, request.match_info))
            except PtzError as exc:
                return _ptz_error_response(exc)

        return handle

    def _ptz_command(self, name: str, action: PtzAction, fields: tuple[str, ...] = ()) -> Handler:
        """A changing PTZ request: camera, operator, strict body, then `action`; every one is
        logged in `ptz_commands` and answered after `ptz_answer_delay_s`."""

        async def handle(request: web.Request) -> web.Response:
            received = time.monotonic()
            camera_id = request.match_info["camera_id"]
            operator = self._operator(request)
            raw = await request.read()
            data: dict[str, Any] = {}
            applied = False
            try:
                ptz = self._ptz_camera(camera_id, request)
                self._require(request, "ptz", camera_id)
                if operator is None:
                    raise PtzError(
                        "operator_required", f"PTZ commands need the {OPERATOR_HEADER} header"
                    )
                data = _json_object(raw)
                priority = data.get("priority")
                if name == "lock" and isinstance(priority, int) and priority > 0:
                    self._require(request, "ptz_priority", camera_id)
                payload, status = action(ptz, operator, _Body(data, fields), request.match_info)
                applied = not (isinstance(payload, dict) and payload.get("ignored"))
                if name == "set_home":
                    self._unsaved = True  # the one kept change that publishes no event
                if payload is None:
                    response = web.Response(status=204)
                else:
                    response = web.json_response(payload, status=status)
            except PtzError as exc:
                response = _ptz_error_response(exc)
            except AccessDeniedError:
                self.ptz_commands.append(
                    PtzCommandRecord(received, camera_id, operator, name, data, False)
                )
                raise
            self.ptz_commands.append(
                PtzCommandRecord(received, camera_id, operator, name, data, applied)
            )
            if self.ptz_answer_delay_s > 0:
                await asyncio.sleep(self.ptz_answer_delay_s)
            return response

        return handle

    # -- live streams ---------------------------------------------------------------------------
    async def _open_ts(self, request: web.Request) -> tuple[web.StreamResponse, Callable[[], None]]:
        """Start a chunked MPEG-TS answer; returns it and a function that aborts the socket."""
        response = web.StreamResponse(headers=_TS_HEADERS)
        response.enable_chunked_encoding()
        response.force_close()  # a stream is never followed by another request
        await response.prepare(request)
        transport = request.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None and self.stream_sndbuf:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.stream_sndbuf)

        def abort() -> None:
            if transport is not None and not transport.is_closing():
                transport.abort()

        return response, abort

    @staticmethod
    async def _send(viewer: Viewer, response: web.StreamResponse) -> None:
        """Write the viewer's bytes until its stream ends (ConnectionError: the client left)."""
        while True:
            data = await viewer.queue.get()
            if data is None:
                break
            await response.write(data)
            viewer.bytes_sent += len(data)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        camera = self._camera(request)
        profile = self._profile(request)
        session = self._stream_session(request, "live", camera, profile)
        if request.method == "HEAD":
            return web.Response(headers=_TS_HEADERS)
        response, abort = await self._open_ts(request)
        if session is not None:  # a revoked session's streams are cut
            session.on_revoke.add(abort)
        grant_end = self._cut_at_grant_end(camera, session, abort)
        viewer = Viewer(self.viewer_queue_frames, on_drop=abort)
        self._viewers.add(viewer)
        peer = request.remote
        log.info("viewer %s joined %s/%s", peer, camera.id, profile.name)
        self.streams.add_viewer(
            camera.id,
            profile.name,
            viewer,
            scene=self.scene(camera.id),
            size=(profile.width, profile.height),
            fps=profile.fps,
        )
        try:
            await self._send(viewer, response)
        except (ConnectionError, OSError):
            log.debug("viewer %s of %s/%s went away", peer, camera.id, profile.name)
        finally:
            if session is not None:
                session.on_revoke.discard(abort)
            if grant_end is not None:
                grant_end.cancel()
            self._viewers.discard(viewer)
            if self._streams is not None:
                self._streams.remove_viewer(camera.id, profile.name, viewer)
            log.info(
                "viewer %s left %s/%s (%d bytes%s)",
                peer,
                camera.id,
                profile.name,
                viewer.bytes_sent,
                ", too slow" if viewer.dropped else "",
            )
        if viewer.dropped:
            abort()
        return response

    # -- playback streams -----------------------------------------------------------------------
    async def _playback_stream(self, request: web.Request) -> web.StreamResponse:
        """One viewer, one encoder: the camera's scene from `start` on, at `speed` recorded
        seconds per second, forward or backwards, until the recording ends there."""
        camera = self._camera(request)
        profile = self._profile(request)
        session = self._stream_session(request, "playback", camera, profile)
        try:
            spans = self._recorded_spans(camera)
            start = parse_unix_ms(request.query.get("start"), "start")
            mode = _PlaybackMode.of(request)
            # Some grace at the retention edge: the URL was handed out a moment ago.
            span = _covering(spans, start, START_GRACE_S)
            if span is None:
                raise _outside(camera, spans, start)
            self._playback_slot_free()
        except RecordingError as exc:
            return _request_error_response(exc)
        if request.method == "HEAD":
            return web.Response(headers=_TS_HEADERS)
        self._playback_count += 1
        encoder = LiveEncoder(
            self.scene(camera.id),
            (profile.width, profile.height),
            INTRA_ONLY_FPS if mode.intra_only else profile.fps,
            loop=asyncio.get_running_loop(),
            name=f"playback-{camera.id}-{profile.name}-{self._playback_count}",
            clock=PlaybackClock(start, rate=-mode.speed if mode.reverse else mode.speed),
            keyframes_only=mode.intra_only,
            ends=self._playback_end(camera, span, start, reverse=mode.reverse),
        )
        # The session counts from here, before the first await: concurrent requests cannot
        # pass the limit together.
        self._playbacks.add(encoder)
        try:
            response, abort = await self._open_ts(request)
        except BaseException:
            self._playbacks.discard(encoder)
            raise
        if self._runner is None:  # the hub began stopping meanwhile: start nothing new
            self._playbacks.discard(encoder)
            return response
        if session is not None:  # a revoked session's streams are cut
            session.on_revoke.add(abort)
        viewer = Viewer(self.viewer_queue_frames, on_drop=abort)
        self._viewers.add(viewer)
        encoder.add(viewer)  # before the worker starts: its first frame is a key frame
        self._playback_encoders = [e for e in self._playback_encoders if e.alive]
        self._playback_encoders.append(encoder)
        encoder.start()
        peer = request.remote
        log.info(
            "viewer %s plays %s/%s from %s (%s)",
            peer,
            camera.id,
            profile.name,
            unix_iso(start),
            mode.describe(),
        )
        try:
            await self._send(viewer, response)
        except (ConnectionError, OSError):
            log.debug("playback viewer %s of %s/%s went away", peer, camera.id, profile.name)
        finally:
            if session is not None:
                session.on_revoke.discard(abort)
            self._viewers.discard(viewer)
            encoder.remove(viewer)
            encoder.stop()
            self._playbacks.discard(encoder)
            log.info(
                "viewer %s stopped playing %s/%s (%d bytes%s)",
                peer,
                camera.id,
                profile.name,
                viewer.bytes_sent,
                ", too slow"
                if viewer.dropped
                else ", the recording ended"
                if encoder.ended
                else "",
            )
        if viewer.dropped:
            abort()
        return response

    def _playback_end(
        self, camera: CameraSpec, span: Span, start: float, *, reverse: bool
    ) -> Callable[[float], bool]:
        """When a playback from `start` in `span` is over, as a test of the recorded time `t`
        it has reached: forward, past the span's end (a gap), or past the present for the
        span that grows, or inside a gap scheduled meanwhile; backwards, before the span's
        start (or `start` itself, when the URL's grace let it begin before the span)."""
        if reverse:
            first = min(span.start, start)
            return lambda t: t < first
        recorder, camera_id = self.recorder, camera.id
        if not span.growing:
            last = span.end
            return lambda t: t > last
        return lambda t: t > recorder.now() or recorder.in_gap(camera_id, t)

    async def _stop_playback_encoders(self, timeout: float = 5.0) -> None:
        encoders, self._playback_encoders = self._playback_encoders, []
        self._playbacks.clear()
        for encoder in encoders:
            encoder.stop()
        for encoder in encoders:
            if not await asyncio.to_thread(encoder.join, timeout):
                log.warning("encoder %s did not stop within %.1f s", encoder.name, timeout)

    # -- events ---------------------------------------------------------------------------------
    async def _events_ws(self, request: web.Request) -> web.StreamResponse:
        since = _since(request.query.get("since"))
        types = _event_types(request.query.get("types"))
        ws = web.WebSocketResponse(heartbeat=None, autoping=True, timeout=1.0)
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="this endpoint needs a WebSocket upgrade")
        await ws.prepare(request)
        # Subscribe and take the replay in one step (no await between): nothing is missed or
        # sent twice.
        sub = self.events.subscribe(types)
        self._subscriptions.add(sub)
        hello = {
            "seq": self.events.last_seq,
            "type": "hub.hello",
            "time": iso_time(),
            "data": {"api_version": API_VERSION, "name": HUB_NAME, "version": HUB_VERSION},
        }
        replay = self.events.since(since, types) if since is not None else []
        reader = asyncio.create_task(self._drain_ws(ws, sub))
        session = self._session(request)
        ended = False  # the session ended: the channel closes with WS_SESSION_ENDED

        def end_session() -> None:
            nonlocal ended
            ended = True
            sub.end()

        if session is not None:
            session.on_revoke.add(end_session)
        try:
            await ws.send_str(json.dumps(hello))
            ended = await self._send_events(request, ws, sub, replay) or ended
        except (ConnectionError, OSError):
            log.debug("event listener went away")
        finally:
            self.events.unsubscribe(sub)
            self._subscriptions.discard(sub)
            if session is not None:
                session.on_revoke.discard(end_session)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            if not ws.closed:
                if ended:
                    await ws.close(code=WS_SESSION_ENDED, message=b"session ended")
                else:
                    await ws.close()
        return ws

    async def _send_events(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        sub: Subscription,
        replay: list[Event],
    ) -> bool:
        """Send the replay, then each event as it comes and a heartbeat when none has for
        `heartbeat_s`, until the subscription ends; True when the session has expired. Events
        of cameras the session may not view are left out."""
        session = self._session(request)

        def shown(event: Event) -> bool:
            camera_id = event.get("camera_id")
            return camera_id is None or self._can_see(request, camera_id)

        for old in replay:
            if shown(old):
                await ws.send_str(json.dumps(old))
        event: Event | None
        while not ws.closed:
            try:
                event = await asyncio.wait_for(sub.queue.get(), self.heartbeat_s)
            except asyncio.TimeoutError:
                if session is not None and not self._access().valid(session):
                    return True
                await ws.send_str(json.dumps({"type": "heartbeat", "time": iso_time()}))
                continue
            if event is None:
                break
            if shown(event):
                await ws.send_str(json.dumps(event))
        return False

    @staticmethod
    async def _drain_ws(ws: web.WebSocketResponse, sub: Subscription) -> None:
        """Read (and ignore) client messages; end the subscription when the client leaves."""
        async for msg in ws:
            if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
        sub.end()


def _since(text: str | None) -> int | None:
    """The `since` parameter of the event channel (None: absent)."""
    if text is None:
        return None
    try:
        since = int(text)
    except ValueError:
        raise web.HTTPBadRequest(text="since must be a whole number") from None
    if since < 0:
        raise web.HTTPBadRequest(text="since must not be negative")
    return since


def _event_types(text: str | None) -> frozenset[str] | None:
    """The `types` parameter of the event channel: comma-separated event types, or None."""
    if text is None:
        return None
    types = frozenset(part.strip() for part in text.split(","))
    if "" in types:
        raise web.HTTPBadRequest(text="types must be event types separated by commas")
    return types


def _optional_time(request: web.Request, key: str) -> float | None:
    text = request.query.get(key)
    return None if text is None else parse_time(text, key)


def _time_range(request: web.Request, *, required: bool) -> tuple[float | None, float | None]:
    """The `from` and `to` query parameters (RecordingError `bad_request` naming the one that
    is missing or malformed, or `to` before `from`)."""
    if required:
        for key in ("from", "to"):
            if key not in request.query:
                raise RecordingError("bad_request", f"{key} is required")
    start = _optional_time(request, "from")
    end = _optional_time(request, "to")
    if start is not None and end is not None and end < start:
        raise RecordingError("bad_request", "to must not be before from")
    return start, end


def _id_list(request: web.Request, key: str, *, required: bool = False) -> list[str] | None:
    """A comma-separated list parameter (`cameras=a,b`), in order, without repeats; None when
    absent and not `required`. An empty name is a 400 naming the parameter."""
    text = request.query.get(key)
    if text is None:
        if required:
            raise RecordingError("bad_request", f"{key} is required: names separated by commas")
        return None
    names = [part.strip() for part in text.split(",")]
    if "" in names:
        raise RecordingError("bad_request", f"{key} must be names separated by commas")
    return list(dict.fromkeys(names))


def _covering(spans: list[Span], t: float, grace_s: float = 0.0) -> Span | None:
    """The span that holds `t` (the oldest one with `grace_s` at its start: the retention
    edge), or None."""
    for i, span in enumerate(spans):
        if span.covers(t, grace_s if i == 0 else 0.0):
            return span
    return None


def _outside(camera: CameraSpec, spans: list[Span], t: float) -> RecordingError:
    """The `out_of_range` refusal of a playback `start` at `t`, saying what is recorded."""
    if not spans:
        what = f"nothing of {camera.name!r} is recorded at the moment"
    elif spans[0].start < t < spans[-1].end:
        before = max((s for s in spans if s.end < t), key=lambda s: s.end)
        after = min((s for s in spans if s.start > t), key=lambda s: s.start)
        return RecordingError(
            "out_of_range",
            f"start falls in a gap in the recordings of {camera.name!r}: nothing is recorded "
            f"from {unix_iso(before.end)} to {unix_iso(after.start)}",
        )
    else:
        whole = Span(spans[0].start, spans[-1].end)
        gaps = " (with gaps)" if len(spans) > 1 else ""
        what = f"the recordings of {camera.name!r}, which run from {whole.describe()}{gaps}"
    return RecordingError("out_of_range", f"start is outside {what}")


@dataclass(frozen=True)
class _PlaybackMode:
    """How a playback runs: `speed` recorded seconds per second, backwards when `reverse`,
    key frames only when `intra_only` (the query parameters of the playback endpoint and URL)."""

    speed: float = 1.0
    reverse: bool = False
    intra_only: bool = False

    @classmethod
    def of(cls, request: web.Request) -> _PlaybackMode:
        query = request.query
        return cls(
            parse_speed(query.get("speed")),
            parse_direction(query.get("direction")) == "reverse",
            parse_flag(query.get("intra_only"), "intra_only"),
        )

    def query(self) -> str:
        """The URL's parameters beyond `start` (none for a plain 1x forward playback)."""
        parts = []
        if self.speed != 1.0:
            parts.append(f"&speed={format_speed(self.speed)}")
        if self.reverse:
            parts.append("&direction=reverse")
        if self.intra_only:
            parts.append("&intra_only=true")
        return "".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "speed": int(self.speed) if self.speed.is_integer() else self.speed,
            "direction": "reverse" if self.reverse else "forward",
            "intra_only": self.intra_only,
        }

    def describe(self) -> str:
        direction = "reverse" if self.reverse else "forward"
        intra = ", key frames only" if self.intra_only else ""
        return f"{format_speed(self.speed)}x {direction}{intra}"


def _history_limit(request: web.Request) -> int:
    text = request.query.get("limit")
    if text is None:
        return HISTORY_DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= HISTORY_MAX_LIMIT:
        raise RecordingError(
            "bad_request", f"limit must be a whole number from 1 to {HISTORY_MAX_LIMIT}"
        )
    return int(text)


def _endpoint_json(camera: CameraSpec, profile: Profile, url: str) -> dict[str, Any]:
    """A StreamEndpoint (a PlaybackEndpoint adds `start`)."""
    return {
        "camera_id": camera.id,
        "profile": profile.name,
        "url": url,
        "container": "mpegts",
        "transport": "http",
        "codec": profile.codec,
        "width": profile.width,
        "height": profile.height,
        "fps": profile.fps,
    }


# -- PTZ request bodies and commands ------------------------------------------------------------


def _json_object(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (an empty body is `{}`)."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PtzError("bad_request", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise PtzError("bad_request", "the body must be a JSON object")
    return data


class _Body:
    """A command's JSON object read strictly: an unknown field, or one of the wrong type, is a
    400 `bad_request` naming it (a typo such as `zoom` for `zoom_factor` must not pass)."""

    def __init__(self, data: dict[str, Any], fields: tuple[str, ...]) -> None:
        for key in data:
            if key not in fields:
                allowed = ", ".join(fields) or "none"
                raise PtzError("bad_request", f"unknown field {key!r} (allowed: {allowed})")
        self.data = data

    def number(self, key: str, default: float) -> float:
        return default if key not in self.data else _number(self.data[key], key)

    def optional_number(self, key: str) -> float | None:
        return None if key not in self.data else _number(self.data[key], key)

    def whole(self, key: str) -> int | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PtzError("bad_request", f"{key} must be a whole number (0 or more)")
        return value

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str):
            raise PtzError("bad_request", f"{key} must be a string")
        return value

    def steps(self, key: str) -> list[TourStep]:
        value = self.data.get(key)
        if not isinstance(value, list):
            raise PtzError("bad_request", f"{key} must be an array of steps")
        steps = []
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            if not isinstance(item, dict) or set(item) != {"preset_id", "dwell_s"}:
                raise PtzError("bad_request", f"{where} must be {{preset_id, dwell_s}}")
            if not isinstance(item["preset_id"], str):
                raise PtzError("bad_request", f"{where}.preset_id must be a string")
            steps.append(TourStep(item["preset_id"], _number(item["dwell_s"], f"{where}.dwell_s")))
        return steps


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PtzError("bad_request", f"{key} must be a number")
    return float(value)


PtzAnswer = tuple[Any, int]  # the JSON payload (None: 204 No Content) and the HTTP status
PtzAction = Callable[[PtzCamera, str, _Body, Mapping[str, str]], PtzAnswer]


def _ptz_move(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    applied = ptz.move(
        operator,
        body.number("pan", 0.0),
        body.number("tilt", 0.0),
        body.number("zoom", 0.0),
        timeout_ms=body.number("timeout_ms", 1000.0),
        seq=body.whole("seq"),
    )
    return ptz.status(ignored=not applied), 200


def _ptz_stop(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    applied = ptz.stop(operator, seq=body.whole("seq"))
    return ptz.status(ignored=not applied), 200


def _ptz_absolute(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    pan, tilt, zoom = (body.optional_number(axis) for axis in ("pan", "tilt", "zoom"))
    ptz.absolute(operator, pan, tilt, zoom)
    return ptz.status(), 200


def _ptz_relative(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    ptz.relative(
        operator,
        body.number("pan", 0.0),
        body.number("tilt", 0.0),
        body.number("zoom_factor", 1.0),
    )
    return ptz.status(), 200


def _ptz_home(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    ptz.go_home(operator)
    return ptz.status(), 200


def _ptz_set_home(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    ptz.set_home(operator)
    return ptz.status(), 200


def _ptz_add_preset(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    return ptz.add_preset(operator, body.text("name")).to_json(), 201


def _ptz_rename_preset(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    return ptz.rename_preset(operator, params["preset_id"], body.text("name")).to_json(), 200


def _ptz_delete_preset(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    ptz.delete_preset(operator, params["preset_id"])
    return None, 204


def _ptz_goto_preset(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    ptz.goto_preset(operator, params["preset_id"])
    return ptz.status(), 200


def _ptz_add_tour(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    tour = ptz.add_tour(operator, body.text("name"), body.steps("steps"))
    return ptz.tour_json(tour), 201


def _ptz_replace_tour(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    tour = ptz.replace_tour(operator, params["tour_id"], body.text("name"), body.steps("steps"))
    return ptz.tour_json(tour), 200


def _ptz_delete_tour(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    ptz.delete_tour(operator, params["tour_id"])
    return None, 204


def _ptz_start_tour(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    ptz.start_tour(operator, params["tour_id"])
    return ptz.status(), 200


def _ptz_stop_tour(
    ptz: PtzCamera, operator: str, body: _Body, params: Mapping[str, str]
) -> PtzAnswer:
    ptz.stop_tour(operator, params["tour_id"])
    return ptz.status(), 200


def _ptz_lock(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    return ptz.take_lock(operator, body.whole("priority")).to_json(), 200


def _ptz_unlock(ptz: PtzCamera, operator: str, body: _Body, _: Mapping[str, str]) -> PtzAnswer:
    ptz.release_lock(operator)
    return None, 204


def _open_audit(state_dir: Path | None) -> tuple[AuditLog | None, str | None]:
    """The audit log (in the state folder, else a temporary one), or why it cannot be used:
    a damaged log is not appended to, and the hub says so to every console that asks."""
    try:
        return AuditLog(None if state_dir is None else state_dir / "audit"), None
    except AuditLogError as exc:
        log.error("audit: %s", exc)
        return None, str(exc)


def run_hub(
    host: str,
    port: int,
    camera_count: int = len(PUBLIC_CAMERAS),
    ptz_lock_idle_s: float = DEFAULT_LOCK_IDLE_S,
    alert_scenario: bool = True,
    recording_retention_s: float = DEFAULT_RETENTION_S,
    state_dir: Path | None = None,
    recording_gaps: bool = True,
    max_playback_sessions: int = DEFAULT_MAX_PLAYBACKS,
    recorded_for_s: float = 0.0,
    *,
    sign_in: bool = True,
    display_tokens: tuple[str, ...] = (),
    bootstrap_secret: str | None = None,
    bootstrap_user: str = "supervisor",
    tls: bool = False,
    users_file: Path | None = None,
    tls_files: tuple[Path, Path] | None = None,
    reasons_required: tuple[str, ...] = (),
    private_cameras: bool = True,
    demo_masks: bool = True,
) -> int:
    """Run the demo hub in the foreground until SIGINT/SIGTERM; returns the exit status.

    `alert_scenario`: play the scripted alerts (`--alerts scripted`, the default).
    `recording_retention_s`: how long recordings are kept (`--retention-s`; 0: none).
    `recording_gaps`: cam-10's scheduled gaps (`--recording-gaps on`, the default).
    `max_playback_sessions`: playback streams at once (`--max-playbacks`).
    `recorded_for_s`: recorded history at start (`--recorded-for`; 0: recording begins now).
    `sign_in`: every request but the hub's description and sign-in needs a token
    (`--no-sign-in` turns it off); `display_tokens`, `bootstrap_secret`, `bootstrap_user`: see
    demohub.access. `tls`: serve HTTPS with the state folder's certificate (`--tls`).

    Prints `Tessera demo hub listening on http://HOST:PORT` (flushed) once it accepts
    connections (`https://` with TLS, then a line with the certificate's SHA-256 fingerprint).
    """

    async def main() -> None:
        hub = DemoHub(
            camera_count=camera_count,
            ptz_lock_idle_s=ptz_lock_idle_s,
            alert_scenario=alert_scenario,
            recording_retention_s=recording_retention_s,
            recording_gaps=recording_gaps,
            state_dir=state_dir,
            max_playback_sessions=max_playback_sessions,
            recorded_since=time.time() - recorded_for_s if recorded_for_s > 0 else None,
            sign_in=sign_in,
            display_tokens=display_tokens,
            bootstrap_secret=bootstrap_secret,
            bootstrap_user=bootstrap_user,
            tls=tls,
            users_file=users_file,
            tls_files=tls_files,
            reasons_required=reasons_required,
            private_cameras=private_cameras,
            demo_masks=demo_masks,
        )
        try:
            await hub.start(host, port)
        except OSError as exc:
            print(f"Tessera demo hub could not listen on {host}:{port}: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
        except (ValueError, ssl.SSLError) as exc:  # --users FILE, --tls-cert/--tls-key
            print(f"Tessera demo hub cannot start: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
        print(LISTEN_LINE.format(url=hub.url), flush=True)
        if hub.tls_fingerprint is not None:
            print(FINGERPRINT_LINE.format(fingerprint=hub.tls_fingerprint), flush=True)
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, done.set)
            except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(done.set))
        try:
            await done.wait()
        finally:
            await hub.stop()

    try:
        asyncio.run(main())
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 0
    return 0
