"""A hostile hub: a real HTTP/WebSocket hub (docs/hub-api.md) that misbehaves on purpose.

`HostileHub(upstream_url).start()` serves 127.0.0.1 on a free port from an aiohttp loop in a
daemon thread. Whatever it does not override it forwards to a real hub (`upstream_url`, the
demo hub), so the good cameras play the real hub's streams. On top it offers:

- **hostile stream cameras** (`hostile-<case>`): camera entries like the upstream's first one
  whose stream URL is a case of the misbehaving stream server, `tests/support/hostile_streams.py`
  (`CASES`: it connects and then never gives a live picture in one way or another);
- **hostile names**: a good camera renamed with a right-to-left override and one with a
  300-character name;
- **camera-list modes** (`list_mode`, switchable at any time): `normal`; `malformed` (one
  unreadable entry among the good ones); `huge` (50,000 extra, valid entries); `big` (a 20 MB
  response); `drip` (the list at one byte a second);
- **a hostile event channel**: the upstream's channel relayed, and `inject_events()` sends every
  connected console, between the upstream's events, events that cannot be read (not JSON, wrong
  types, an alert without its fields) and a 2 MB message.

The hub starts (and stops) its own `HostileStreams` unless it is handed one that is running.
Used by `bench.chaos` and by tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from tests.support.hostile_streams import CASES, HostileStreams
from tests.support.loop_thread import stop_loop_thread

T = TypeVar("T")
HOST = "127.0.0.1"
API = "/api/v1"

LIST_MODES = ("normal", "malformed", "huge", "big", "drip")
HUGE_EXTRA = 50_000
BIG_BYTES = 20 * 1024 * 1024
WS_BIG_BYTES = 2 * 1024 * 1024
RLO = "\u202e"
MALFORMED_ENTRIES: list[Any] = [
    {"id": 17, "name": None, "profiles": "none"},  # wrong types throughout
    "not a camera",
]
BAD_EVENTS: list[str] = [
    "{this is not json",
    json.dumps({"seq": "eleven", "type": 7, "time": []}),
    json.dumps({"seq": None, "type": "alert", "time": "never", "data": {"id": 5}}),
    json.dumps([1, 2, 3]),
]


class HostileHub:
    def __init__(self, upstream_url: str, streams: HostileStreams | None = None) -> None:
        self.upstream = upstream_url.rstrip("/")
        self.list_mode = "normal"
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hostile-hub")
        self._thread.daemon = True
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.streams = streams  # the misbehaving stream server; started here when not given
        self._own_streams = streams is None
        self.stream_urls: dict[str, str] = {}  # case -> absolute stream URL (filled at start)
        self.requests: dict[str, int] = {}  # path kind -> count, for tests
        self.injected = 0

    # -- owner's side ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> HostileHub:
        if self.streams is None:
            self.streams = HostileStreams().start()
        self.stream_urls = {case: self.streams.url(case) for case in CASES}
        self._thread.start()
        self.run(self._start())
        return self

    def stop(self) -> None:
        stop_loop_thread(self.loop, self._thread, self._stop, 15)
        if self._own_streams and self.streams is not None:
            self.streams.stop()
            self.streams = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def set_list_mode(self, mode: str) -> None:
        if mode not in LIST_MODES:
            raise ValueError(f"list mode must be one of {LIST_MODES}")
        self.list_mode = mode

    def inject_events(self, big: bool = True) -> int:
        """Send every connected event channel the unreadable events (and a 2 MB message);
        returns how many channels got them."""
        return self.run(self._inject(big))

    def hostile_camera_ids(self) -> list[str]:
        return [f"hostile-{case}" for case in self.stream_urls]

    def named_camera_ids(self) -> list[str]:
        return ["named-rlo", "named-long"]

    # -- the server ----------------------------------------------------------------------------
    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_get(f"{API}/cameras", self._cameras)
        app.router.add_get(f"{API}/cameras/{{cid}}", self._camera)
        app.router.add_get(f"{API}/cameras/{{cid}}/streams/{{profile}}", self._stream)
        app.router.add_get(f"{API}/events", self._events)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    def _own_current(self) -> None:
        """Handlers that may wait a long time are cancelled on stop (no task left pending)."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _count(self, kind: str) -> None:
        self.requests[kind] = self.requests.get(kind, 0) + 1

    async def _upstream_json(self, path: str) -> Any:
        assert self._session is not None
        async with self._session.get(self.upstream + path) as r:
            return await r.json()

    async def _good_cameras(self) -> list[dict[str, Any]]:
        return list((await self._upstream_json(f"{API}/cameras"))["cameras"])

    async def _camera_list(self) -> list[Any]:
        good = await self._good_cameras()
        template = good[0]
        extra: list[Any] = [
            {**template, "id": f"hostile-{case}", "name": f"Hostile {case}", "ptz": None,
             "capabilities": ["live"]}
            for case in self.stream_urls
        ]  # fmt: skip
        extra.append({**good[1 % len(good)], "id": "named-rlo", "name": f"Gate {RLO}evil",
                      "ptz": None, "capabilities": ["live"]})  # fmt: skip
        extra.append({**good[2 % len(good)], "id": "named-long", "name": "Long " * 60,
                      "ptz": None, "capabilities": ["live"]})  # fmt: skip
        cameras: list[Any] = good + extra
        if self.list_mode == "malformed":
            cameras = [*cameras[:2], *MALFORMED_ENTRIES, *cameras[2:]]
        elif self.list_mode == "huge":
            profile = template["profiles"][-1]
            cameras += [
                {"id": f"bulk-{i:05d}", "name": f"Bulk {i}", "group": "Bulk", "location": "",
                 "vendor": "", "model": "", "firmware": "", "capabilities": ["live"],
                 "profiles": [profile]}
                for i in range(HUGE_EXTRA)
            ]  # fmt: skip
        return cameras

    async def _cameras(self, request: web.Request) -> web.StreamResponse:
        self._count("cameras")
        mode = self.list_mode
        cameras = await self._camera_list()
        if mode == "big":
            body = json.dumps({"cameras": cameras, "padding": "x" * BIG_BYTES}).encode()
            return web.Response(body=body, content_type="application/json")
        body = json.dumps({"cameras": cameras}).encode()
        if mode != "drip":
            return web.Response(body=body, content_type="application/json")
        self._own_current()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(body)
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client gave up: that is the point
            for i in range(min(len(body), 600)):  # at most 10 minutes; clients give up sooner
                await response.write(body[i : i + 1])
                await asyncio.sleep(1.0)
        return response

    async def _camera(self, request: web.Request) -> web.StreamResponse:
        cid = request.match_info["cid"]
        for cam in await self._camera_list():
            if isinstance(cam, dict) and cam.get("id") == cid:
                return web.json_response(cam)
        return _error(404, "not_found", f"no camera {cid!r}")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        cid, profile = request.match_info["cid"], request.match_info["profile"]
        self._count("stream")
        good = await self._good_cameras()
        if cid.startswith("hostile-") and cid[8:] in self.stream_urls:
            source = good[0]
            url = self.stream_urls[cid[8:]]
        elif cid in ("named-rlo", "named-long"):
            source = good[1 if cid == "named-rlo" else 2 % len(good)]
            url = None
        else:
            return await self._forward(request)
        endpoint = await self._upstream_json(f"{API}/cameras/{source['id']}/streams/{profile}")
        if "url" not in endpoint:
            return web.json_response(endpoint, status=404)
        endpoint = {**endpoint, "camera_id": cid}
        if url is not None:
            endpoint["url"] = url
        return web.json_response(endpoint)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        """Anything not overridden: the upstream hub's answer, as it is."""
        assert self._session is not None
        self._count("forward")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with self._session.request(
            request.method,
            self.upstream + request.rel_url.path_qs,
            data=await request.read(),
            headers=headers,
        ) as r:
            body = await r.read()
            return web.Response(
                body=body, status=r.status, content_type=r.content_type or "application/json"
            )

    # -- the event channel ---------------------------------------------------------------------
    async def _events(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        self._count("events")
        self._own_current()
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            async with self._session.ws_connect(
                self.upstream + request.rel_url.path_qs, max_msg_size=0
            ) as up:

                async def drain_client() -> None:
                    async for _ in ws:  # the client sends nothing that matters
                        pass

                task = asyncio.get_running_loop().create_task(drain_client())
                try:
                    async for msg in up:
                        if msg.type != aiohttp.WSMsgType.TEXT or ws.closed:
                            break
                        await ws.send_str(msg.data)
                finally:
                    task.cancel()
        except (aiohttp.ClientError, ConnectionError):
            pass
        finally:
            self._sockets.discard(ws)
            await ws.close()
        return ws

    async def _inject(self, big: bool) -> int:
        count = 0
        for ws in list(self._sockets):
            if ws.closed:
                continue
            try:
                for text in BAD_EVENTS:
                    await ws.send_str(text)
                if big:
                    payload = {"type": "alert", "seq": None, "data": {"label": "x" * WS_BIG_BYTES}}
                    await ws.send_str(json.dumps(payload))
                count += 1
            except (ConnectionError, RuntimeError):
                continue
        self.injected += count
        return count


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
