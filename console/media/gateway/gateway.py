"""`StreamGateway`: RTSP cameras for libvlc, remuxed and served over HTTP on 127.0.0.1.

The HTTP server is the standard library's `ThreadingHTTPServer` on a thread of its own, one
handler thread per viewer: the console's import contracts keep aiohttp in the hub drivers,
a viewer's response is a blocking loop over its queue (the readers are threads too), and a
wall has tens of viewers at most, not thousands.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from console.base.redact import redact_url
from console.media.gateway.upstream import (
    CONTENT_TYPES,
    SessionStats,
    UpstreamSession,
    send_all,
)
from console.media.gateway.urls import GATEWAY_SCHEMES, scheme_of

log = logging.getLogger(__name__)

PATH_PREFIX = "/camera/"


@dataclass(frozen=True)
class GatewayStats:
    port: int | None
    registered: int  # upstream URLs that have a local URL
    sessions: tuple[SessionStats, ...]  # upstream sessions open now, one per upstream URL
    viewers: int
    sessions_opened: int  # upstream sessions started since `start()`
    sessions_closed: int

    def sessions_for(self, redacted_url: str) -> int:
        """Upstream sessions open now for one upstream (its redacted URL): 0 or 1."""
        return sum(1 for s in self.sessions if s.upstream == redacted_url)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: StreamGateway) -> None:
        self.gateway = gateway
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body runs until the connection closes
    server: _Server

    def do_GET(self) -> None:
        self.server.gateway._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("gateway http: " + format, *args)  # local URLs only: no credentials


class StreamGateway:
    """The console's stream gateway (see README.md). Thread-safe; `start()` before use."""

    def __init__(
        self,
        linger_s: float = 10.0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        join_timeout_s: float = 4.0,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 3.0,
        max_gop_bytes: int = 16 * 1024 * 1024,
        max_backlog_bytes: int = 16 * 1024 * 1024,
        send_timeout_s: float = 10.0,
    ) -> None:
        self._linger_s = linger_s
        self._host = host
        self._port = port
        self._join_timeout_s = join_timeout_s
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        self._max_gop_bytes = max_gop_bytes
        self._max_backlog_bytes = max_backlog_bytes
        self._send_timeout_s = send_timeout_s
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}  # upstream URL -> token
        self._urls: dict[str, str] = {}  # token -> upstream URL
        self._sessions: dict[str, UpstreamSession] = {}  # token -> open session
        self._opened = 0
        self._closed_sessions = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # ---- life ----------------------------------------------------------------------------

    def start(self) -> None:
        """Bind 127.0.0.1 (port 0: a free one) and serve on a thread of its own."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the stream gateway is closed")
            if self._server is not None:
                return
            self._server = _Server((self._host, self._port), self)
            self._port = int(self._server.server_address[1])
            self._thread = threading.Thread(
                target=self._accept, args=(self._server,), name="tessera-gateway-http", daemon=True
            )
            self._thread.start()
        log.info("stream gateway serving on http://%s:%d", self._host, self._port)

    @staticmethod
    def _accept(server: _Server) -> None:
        """Accept viewers until the listening socket is shut down (no polling: an idle
        gateway costs nothing, where `serve_forever` wakes up every poll interval)."""
        while True:
            try:
                request, address = server.socket.accept()
            except OSError:
                return  # shut down by close()
            server.process_request(request, address)  # a handler thread per viewer

    @property
    def port(self) -> int | None:
        return self._port if self._server is not None else None

    def close(self, timeout_s: float = 2.0) -> bool:
        """Stop serving, end every response and every upstream session; wait at most
        `timeout_s`. False when a reader thread was still blocked (it is a daemon thread and
        ends within its read timeout)."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            if self._closed:
                return True
            self._closed = True
            server, thread = self._server, self._thread
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.stop()
        if server is not None:
            with contextlib.suppress(OSError):
                server.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            server.server_close()
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
        ok = all(s.join(deadline - time.monotonic()) for s in sessions)
        if not ok:
            log.warning("stream gateway: a camera reader did not end in time (left to its timeout)")
        return ok and (thread is None or not thread.is_alive())

    # ---- the API -------------------------------------------------------------------------

    def local_url(self, upstream_url: str) -> str:
        """The loopback URL libvlc plays for `upstream_url` (registered on first call; the
        same URL every time; it never carries the upstream's credentials). Any thread."""
        if scheme_of(upstream_url) not in GATEWAY_SCHEMES:
            raise ValueError(
                f"the gateway reads rtsp:// and rtsps://, not {redact_url(upstream_url)}"
            )
        with self._lock:
            if self._server is None or self._closed:
                raise RuntimeError("the stream gateway is not running (start() it first)")
            token = self._tokens.get(upstream_url)
            if token is None:
                token = secrets.token_urlsafe(12)
                self._tokens[upstream_url] = token
                self._urls[token] = upstream_url
                log.debug("gateway: %s registered", redact_url(upstream_url))
            return f"http://{self._host}:{self._port}{PATH_PREFIX}{token}"

    def stats(self) -> GatewayStats:
        with self._lock:
            sessions = list(self._sessions.values())
            registered, opened, closed = len(self._urls), self._opened, self._closed_sessions
        per = tuple(s.stats() for s in sessions)
        return GatewayStats(
            port=self.port,
            registered=registered,
            sessions=per,
            viewers=sum(s.viewers for s in per),
            sessions_opened=opened,
            sessions_closed=closed,
        )

    # ---- sessions ------------------------------------------------------------------------

    def _session_for(self, token: str) -> UpstreamSession | None:
        """The open session of `token`, started on first use (caller adds its viewer)."""
        with self._lock:
            if self._closed:
                return None
            url = self._urls.get(token)
            if url is None:
                return None
            session = self._sessions.get(token)
            if session is None:
                self._opened += 1
                session = UpstreamSession(
                    url,
                    name=f"cam{self._opened}",
                    linger_s=self._linger_s,
                    open_timeout_s=self._open_timeout_s,
                    read_timeout_s=self._read_timeout_s,
                    max_gop_bytes=self._max_gop_bytes,
                    max_backlog_bytes=self._max_backlog_bytes,
                    retire=self._retire,
                )
                self._sessions[token] = session
                session.start()
            return session

    def _retire(self, session: UpstreamSession) -> bool:
        """Called by a session's reader once it lingered: forget it unless a viewer came back
        meanwhile. Under the gateway lock, so a new viewer gets either this session (before)
        or a new one (after)."""
        with self._lock:
            if session.viewer_count:
                return False
            for token, known in list(self._sessions.items()):
                if known is session:
                    del self._sessions[token]
                    self._closed_sessions += 1
            return True

    def _viewer_session(self, token: str) -> tuple[UpstreamSession, Any] | None:
        for _ in range(3):  # a session that retired right now: take the next one
            session = self._session_for(token)
            if session is None:
                return None
            with self._lock:
                if self._sessions.get(token) is session:
                    return session, session.add_viewer()
        return None

    # ---- HTTP (handler threads) ------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        path = handler.path.split("?", 1)[0]
        token = path[len(PATH_PREFIX) :] if path.startswith(PATH_PREFIX) else ""
        found = self._viewer_session(token) if token else None
        if found is None:
            self._refuse(handler, 404, "no such camera in the stream gateway")
            return
        session, viewer = found
        try:
            problem = session.wait_started(viewer, self._join_timeout_s)
            if problem is not None:
                self._refuse(handler, 502, problem)
                return
            handler.send_response(200)
            kind = CONTENT_TYPES.get(session.kind or "ts", "video/mp2t")
            handler.send_header("Content-Type", kind)
            handler.send_header("Cache-Control", "no-cache, no-store")
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.flush()
            session.attach_socket(viewer, handler.connection)
            while True:
                chunks = session.next_chunks(viewer, 1.0)
                if chunks is None:
                    break
                if chunks:
                    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                    send_all(handler.connection, data, self._send_timeout_s)
        except (OSError, ValueError):
            pass  # the viewer went away (libvlc stopped the player)
        finally:
            session.remove_viewer(viewer)
            why = viewer.ended or "closed by the viewer"
            log.debug("gateway %s: viewer %d left (%s)", session.name, viewer.number, why)

    @staticmethod
    def _refuse(handler: _Handler, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8", "replace")
        with contextlib.suppress(OSError):
            handler.send_response(status)
            handler.send_header("Content-Type", "text/plain; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        log.info("gateway: a viewer was refused: %s", message)
