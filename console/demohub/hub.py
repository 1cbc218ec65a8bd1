"""The demo hub's HTTP server: the hub API v1 (docs/hub-api.md) over aiohttp.

`DemoHub` serves the JSON API, the WebSocket event channel and the live MPEG-TS streams on one
port. `run_hub` runs it in the foreground until SIGINT/SIGTERM and announces the bound port on
stdout with one line, `Tessera demo hub listening on http://HOST:PORT`, which the console reads
when it starts the hub in a child process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from console.demohub.cameras import CAMERAS, PROFILES, CameraSpec, Profile, catalogue
from console.demohub.events import Event, EventLog, Subscription, iso_time
from console.demohub.scenes import Scene
from console.demohub.streams import StreamManager, Viewer

__all__ = ["API_VERSION", "HUB_NAME", "HUB_VERSION", "LISTEN_LINE", "DemoHub", "run_hub"]

log = logging.getLogger(__name__)

API_VERSION = 1
HUB_NAME = "Tessera demo hub"
HUB_SOFTWARE = "tessera-demohub"
HUB_VERSION = "0.1.0"
LISTEN_LINE = "Tessera demo hub listening on {url}"

_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    500: "internal",
    503: "unavailable",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, message: str, code: str | None = None) -> web.Response:
    """The contract's JSON error body with a fitting HTTP status."""
    body = {"error": {"code": code or _ERROR_CODES.get(status, "error"), "message": message}}
    return web.json_response(body, status=status)


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
    """The embedded demo hub: ten synthetic cameras behind the hub API v1."""

    def __init__(
        self,
        *,
        heartbeat_s: float = 5.0,
        viewer_queue_frames: int = 30,
        stream_sndbuf: int | None = 256 * 1024,
        camera_count: int = len(CAMERAS),
    ) -> None:
        self.cameras: dict[str, CameraSpec] = {c.id: c for c in catalogue(camera_count)}
        self.heartbeat_s = heartbeat_s
        self.viewer_queue_frames = viewer_queue_frames
        self.stream_sndbuf = stream_sndbuf
        self.events = EventLog()
        self._scenes: dict[str, Scene] = {}
        self._streams: StreamManager | None = None
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._viewers: set[Viewer] = set()
        self._subscriptions: set[Subscription] = set()

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start serving on `host:port` (0 = a free port); returns the bound port."""
        if self._runner is not None:
            raise RuntimeError("the hub is already running")
        loop = asyncio.get_running_loop()
        self._streams = StreamManager(loop, self._on_viewers)
        app = web.Application(middlewares=[_json_errors])
        app.router.add_get("/api/v1/hub", self._hub_info)
        app.router.add_get("/api/v1/cameras", self._list_cameras)
        app.router.add_get("/api/v1/cameras/{camera_id}", self._get_camera)
        app.router.add_get("/api/v1/cameras/{camera_id}/streams/{profile}", self._stream_endpoint)
        app.router.add_get("/api/v1/events", self._events_ws)
        app.router.add_get("/streams/{camera_id}/{profile}.ts", self._stream)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])
        for camera in self.cameras.values():
            self.events.publish("camera.status", camera.id, {"status": "online"})
        log.info("demo hub listening on %s", self.url)
        return self._port

    async def stop(self) -> None:
        """Stop serving: end every stream and event connection, stop the encoders."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        for viewer in list(self._viewers):
            viewer.end()
        for sub in list(self._subscriptions):
            sub.end()
        self.events.close()
        if self._streams is not None:
            await self._streams.close()
        await runner.cleanup()
        log.info("demo hub stopped")

    @property
    def url(self) -> str:
        """`http://HOST:PORT` of the running hub."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def streams(self) -> StreamManager:
        if self._streams is None:
            raise RuntimeError("the hub is not running")
        return self._streams

    def scene(self, camera_id: str) -> Scene:
        """The scene of a camera (shared by its encoders; renders are pure functions of t)."""
        scene = self._scenes.get(camera_id)
        if scene is None:
            scene = self._scenes[camera_id] = self.cameras[camera_id].make_scene()
        return scene

    # -- helpers --------------------------------------------------------------------------------
    def _camera(self, request: web.Request) -> CameraSpec:
        camera_id = request.match_info["camera_id"]
        camera = self.cameras.get(camera_id)
        if camera is None:
            raise web.HTTPNotFound(text=f"no camera {camera_id!r}")
        return camera

    def _profile(self, request: web.Request) -> Profile:
        name = request.match_info["profile"]
        profile = PROFILES.get(name)
        if profile is None:
            raise web.HTTPNotFound(text=f"no stream profile {name!r}")
        return profile

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
                "capabilities": ["live", "events"],
                "time": iso_time(),
            }
        )

    async def _list_cameras(self, request: web.Request) -> web.Response:
        return web.json_response({"cameras": [c.to_json() for c in self.cameras.values()]})

    async def _get_camera(self, request: web.Request) -> web.Response:
        return web.json_response(self._camera(request).to_json())

    async def _stream_endpoint(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        profile = self._profile(request)
        url = f"{request.scheme}://{request.host}/streams/{camera.id}/{profile.name}.ts"
        return web.json_response(
            {
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
        )

    # -- live streams ---------------------------------------------------------------------------
    async def _stream(self, request: web.Request) -> web.StreamResponse:
        camera = self._camera(request)
        profile = self._profile(request)
        headers = {
            "Content-Type": "video/mp2t",
            "Cache-Control": "no-cache, no-store",
            "X-Content-Type-Options": "nosniff",
        }
        if request.method == "HEAD":
            return web.Response(headers=headers)
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        response.force_close()  # a live stream is never followed by another request
        await response.prepare(request)
        transport = request.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None and self.stream_sndbuf:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.stream_sndbuf)

        def abort() -> None:
            if transport is not None and not transport.is_closing():
                transport.abort()

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
            while True:
                data = await viewer.queue.get()
                if data is None:
                    break
                await response.write(data)
                viewer.bytes_sent += len(data)
        except (ConnectionError, OSError):
            log.debug("viewer %s of %s/%s went away", peer, camera.id, profile.name)
        finally:
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

    # -- events ---------------------------------------------------------------------------------
    async def _events_ws(self, request: web.Request) -> web.StreamResponse:
        since_text = request.query.get("since")
        since: int | None = None
        if since_text is not None:
            try:
                since = int(since_text)
            except ValueError:
                raise web.HTTPBadRequest(text="since must be a whole number") from None
            if since < 0:
                raise web.HTTPBadRequest(text="since must not be negative")
        ws = web.WebSocketResponse(heartbeat=None, autoping=True, timeout=1.0)
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="this endpoint needs a WebSocket upgrade")
        await ws.prepare(request)
        # Subscribe and take the replay in one step (no await between): nothing is missed or
        # sent twice.
        sub = self.events.subscribe()
        self._subscriptions.add(sub)
        hello = {
            "seq": self.events.last_seq,
            "type": "hub.hello",
            "time": iso_time(),
            "data": {"api_version": API_VERSION, "name": HUB_NAME, "version": HUB_VERSION},
        }
        replay = self.events.since(since) if since is not None else []
        reader = asyncio.create_task(self._drain_ws(ws, sub))
        try:
            await ws.send_str(json.dumps(hello))
            for old in replay:
                await ws.send_str(json.dumps(old))
            event: Event | None
            while not ws.closed:
                try:
                    event = await asyncio.wait_for(sub.queue.get(), self.heartbeat_s)
                except asyncio.TimeoutError:
                    await ws.send_str(json.dumps({"type": "heartbeat", "time": iso_time()}))
                    continue
                if event is None:
                    break
                await ws.send_str(json.dumps(event))
        except (ConnectionError, OSError):
            log.debug("event listener went away")
        finally:
            self.events.unsubscribe(sub)
            self._subscriptions.discard(sub)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            if not ws.closed:
                await ws.close()
        return ws

    @staticmethod
    async def _drain_ws(ws: web.WebSocketResponse, sub: Subscription) -> None:
        """Read (and ignore) client messages; end the subscription when the client leaves."""
        async for msg in ws:
            if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
        sub.end()


def run_hub(host: str, port: int, camera_count: int = len(CAMERAS)) -> int:
    """Run the demo hub in the foreground until SIGINT/SIGTERM; returns the exit status.

    Prints `Tessera demo hub listening on http://HOST:PORT` (flushed) once it accepts
    connections.
    """

    async def main() -> None:
        hub = DemoHub(camera_count=camera_count)
        try:
            await hub.start(host, port)
        except OSError as exc:
            print(f"Tessera demo hub could not listen on {host}:{port}: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
        print(LISTEN_LINE.format(url=hub.url), flush=True)
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
