"""Real-socket test hubs for the hub client library.

`FakeHub` is a small aiohttp server on 127.0.0.1 (port 0) that speaks docs/CONTRACT-DRAFT.md.
It stands in for the demo hub until the end-to-end tests use the real one. Each way a hub can
misbehave is one flag of `Faults` (one flag per failure), so a test reads like a sentence:
`async with fake_hub(html_502=True) as hub: ...`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, TypeVar

import pytest
from aiohttp import web

T = TypeVar("T")

CAMERAS: list[dict[str, Any]] = [
    {
        "id": "cam-01",
        "name": "Main Street",
        "group": "Outdoor",
        "location": "North gate",
        "vendor": "Tessera Synthetic",
        "model": "SYN-720",
        "firmware": "1.0.0",
        "capabilities": ["live"],
        "profiles": [
            {"name": "main", "width": 1280, "height": 720, "fps": 15, "codec": "h264"},
            {"name": "sub", "width": 640, "height": 360, "fps": 15, "codec": "h264"},
        ],
    },
    {
        "id": "cam-02",
        "name": "Lobby",
        "group": "Indoor",
        "location": "Reception",
        "vendor": "Tessera Synthetic",
        "model": "SYN-PTZ",
        "firmware": "1.0.1",
        "capabilities": ["live", "ptz"],
        "profiles": [{"name": "sub", "width": 640, "height": 360, "fps": 12.5, "codec": "h264"}],
    },
]


# What the fake hub says it has recorded of every camera.
RECORDED = {"start": "2026-11-22T09:00:00.000Z", "end": "2026-11-22T10:00:00.000Z"}


@dataclass(frozen=True)
class Faults:
    """One flag per way a hub can fail."""

    fail_500_times: int = 0  # the first N API requests answer 500 with a JSON error, then recover
    html_502: bool = False  # API requests answer 502 with an HTML page (a proxy in front)
    malformed_json: bool = False  # 200 with a body that is not JSON
    drop_field: str | None = None  # this field is missing from the first camera
    wrong_type: str | None = None  # this field of the first camera holds a number
    api_version: int = 1  # what /hub and hub.hello claim
    drop_mid_response: bool = False  # headers and half a body, then the socket closes
    delay_s: float = 0.0  # every API answer comes this late
    stream_url: str | None = None  # the url handed out for streams (credentials tests)
    heartbeat_s: float = 5.0
    silent_events: bool = False  # the event channel sends nothing at all after hello
    drop_events_after: int | None = None  # the first event connection is cut after N events
    replay_inclusive: bool = False  # replays seq >= since (one duplicate) instead of > since
    # Fields of the recordings and playback answers replaced by these values (garbage tests).
    recording_fields: tuple[tuple[str, Any], ...] = ()
    camera_count: int = 0  # the camera list holds this many generated cameras instead
    bad_entries: bool = False  # the camera list has unreadable entries among the good ones
    padding_bytes: int = 0  # the camera list answer carries this much filler
    drip_s: float = 0.0  # the camera list answer is sent one byte every drip_s seconds


# What `bad_entries` puts into the camera list, at these positions (0-based) of the answer.
BAD_ENTRIES: list[tuple[int, Any]] = [
    (1, 42),  # not an object
    (2, {**CAMERAS[0], "id": None, "name": 7}),  # no id, and a name that is not text
    (3, {k: v for k, v in CAMERAS[1].items() if k != "profiles"} | {"id": "cam-12"}),
    (4, {**CAMERAS[0]}),  # the same id as the first
    (5, {**CAMERAS[0], "id": "cam-\u202e21"}),  # an id with a bidi override
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeHub:
    """A conforming hub with switchable faults; `publish()` adds an event (retained + live)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.url = ""
        self.requests: list[str] = []
        self.operators: list[str | None] = []
        self.event_connections: list[int | None] = []
        self.event_queries: list[dict[str, str]] = []  # each event connection's query
        self.retained: list[dict[str, Any]] = []
        self._seq = 0
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._api_calls = 0
        self._camera_list_cache: bytes | None = None
        self._runner: web.AppRunner | None = None
        app = web.Application()
        app.router.add_get("/api/v1/hub", self._hub)
        app.router.add_get("/api/v1/cameras", self._cameras)
        app.router.add_get("/api/v1/cameras/{camera_id}", self._camera)
        app.router.add_get("/api/v1/cameras/{camera_id}/streams/{profile}", self._stream)
        app.router.add_get("/api/v1/cameras/{camera_id}/recordings", self._recordings)
        app.router.add_get("/api/v1/cameras/{camera_id}/playback/{profile}", self._playback)
        app.router.add_get("/api/v1/events", self._events)
        self.app = app

    # -- lifecycle

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, shutdown_timeout=0.2, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def publish(
        self, type_: str, camera_id: str | None = None, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self._seq += 1
        event = {
            "seq": self._seq,
            "type": type_,
            "time": now_iso(),
            "camera_id": camera_id,
            "data": data or {},
        }
        self.retained.append(event)
        for q in self._queues:
            q.put_nowait(event)
        return event

    # -- faults shared by the JSON endpoints

    async def _faulty(self, request: web.Request) -> web.StreamResponse | None:
        self.requests.append(request.raw_path)
        self.operators.append(request.headers.get("X-Tessera-Operator"))
        self._api_calls += 1
        f = self.faults
        if f.delay_s:
            await asyncio.sleep(f.delay_s)
        if self._api_calls <= f.fail_500_times:
            return web.json_response(
                {"error": {"code": "internal", "message": "the hub is starting"}}, status=500
            )
        if f.html_502:
            return web.Response(
                status=502,
                text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                content_type="text/html",
            )
        if f.malformed_json:
            return web.Response(
                text='{"cameras": [{"id": "cam-01",', content_type="application/json"
            )
        if f.drop_mid_response:
            resp = web.StreamResponse(
                status=200, headers={"Content-Type": "application/json", "Content-Length": "4096"}
            )
            await resp.prepare(request)
            await resp.write(b'{"cameras": [{"id": "cam-01", "name": "Main')
            assert request.transport is not None
            request.transport.close()
            return resp
        return None

    def _camera_payload(self, index: int) -> dict[str, Any]:
        camera = dict(CAMERAS[index])
        if index == 0:
            if self.faults.drop_field:
                camera.pop(self.faults.drop_field, None)
            if self.faults.wrong_type:
                camera[self.faults.wrong_type] = 42
        return camera

    def _not_found(self, what: str) -> web.Response:
        return web.json_response(
            {"error": {"code": "not_found", "message": f"no such {what}"}}, status=404
        )

    # -- handlers

    async def _hub(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._faulty(request)) is not None:
            return bad
        return web.json_response(
            {
                "api_version": self.faults.api_version,
                "name": "Tessera demo hub",
                "software": "tessera-demohub",
                "version": "0.1.0",
                "capabilities": ["live", "events"],
                "time": "2026-11-22T10:00:00.000Z",
            }
        )

    def _camera_list_body(self) -> bytes:
        if self._camera_list_cache is None:
            f = self.faults
            if f.camera_count:
                cameras: list[Any] = [
                    {**CAMERAS[0], "id": f"cam-{i:05d}", "name": f"Camera {i}"}
                    for i in range(f.camera_count)
                ]
            else:
                cameras = [self._camera_payload(i) for i in range(len(CAMERAS))]
            if f.bad_entries:
                for position, entry in BAD_ENTRIES:
                    cameras.insert(position, entry)
            answer: dict[str, Any] = {"cameras": cameras}
            if f.padding_bytes:
                answer["padding"] = "x" * f.padding_bytes
            self._camera_list_cache = json.dumps(answer).encode()
        return self._camera_list_cache

    async def _cameras(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._faulty(request)) is not None:
            return bad
        body = self._camera_list_body()
        if not self.faults.drip_s:
            return web.Response(body=body, content_type="application/json")
        resp = web.StreamResponse(
            status=200,
            headers={"Content-Type": "application/json", "Content-Length": str(len(body))},
        )
        await resp.prepare(request)
        for i in range(len(body)):
            await resp.write(body[i : i + 1])
            await asyncio.sleep(self.faults.drip_s)
        return resp

    async def _camera(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._faulty(request)) is not None:
            return bad
        for i, camera in enumerate(CAMERAS):
            if camera["id"] == request.match_info["camera_id"]:
                return web.json_response(self._camera_payload(i))
        return self._not_found("camera")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._faulty(request)) is not None:
            return bad
        cam_id, profile = request.match_info["camera_id"], request.match_info["profile"]
        camera = next((c for c in CAMERAS if c["id"] == cam_id), None)
        if camera is None:
            return self._not_found("camera")
        prof = next((p for p in camera["profiles"] if p["name"] == profile), None)
        if prof is None:
            return self._not_found("profile")
        return web.json_response(
            {
                "camera_id": cam_id,
                "profile": profile,
                "url": self.faults.stream_url
                or f"http://{request.host}/streams/{cam_id}/{profile}.ts",
                "container": "mpegts",
                "transport": "http",
                "codec": prof["codec"],
                "width": prof["width"],
                "height": prof["height"],
                "fps": prof["fps"],
            }
        )

    async def _recordings(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._faulty(request)) is not None:
            return bad
        cam_id = request.match_info["camera_id"]
        if not any(c["id"] == cam_id for c in CAMERAS):
            return self._not_found("camera")
        answer = {"camera_id": cam_id, "spans": [dict(RECORDED)], "retention_s": 3600}
        return web.json_response({**answer, **dict(self.faults.recording_fields)})

    async def _playback(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._faulty(request)) is not None:
            return bad
        cam_id, profile = request.match_info["camera_id"], request.match_info["profile"]
        if not any(c["id"] == cam_id for c in CAMERAS):
            return self._not_found("camera")
        start = request.query.get("start", "")
        answer = {
            "camera_id": cam_id,
            "profile": profile,
            "start": start,
            "url": f"http://{request.host}/playback/{cam_id}/{profile}.ts?start=1",
            "container": "mpegts",
            "transport": "http",
            "codec": "h264",
            "width": 640,
            "height": 360,
            "fps": 15,
        }
        return web.json_response({**answer, **dict(self.faults.recording_fields)})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        since = int(request.query["since"]) if "since" in request.query else None
        self.event_connections.append(since)
        self.event_queries.append(dict(request.query))
        first_connection = len(self.event_connections) == 1
        f = self.faults
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.add(queue)  # before the replay snapshot, so nothing falls in between
        sent = 0
        last = since

        async def send(event: dict[str, Any]) -> bool:
            """Send one event; False once the connection was cut on purpose."""
            nonlocal sent, last
            await ws.send_json(event)
            sent += 1
            last = event["seq"]
            if first_connection and f.drop_events_after is not None and sent >= f.drop_events_after:
                assert request.transport is not None
                request.transport.close()  # abrupt: no close frame
                return False
            return True

        async def drain() -> None:
            # Read so that close frames are answered and a gone client is noticed.
            async for _ in ws:
                pass

        reader = asyncio.ensure_future(drain())
        try:
            # hello carries the hub's latest seq: it must not move a client's resume point.
            await ws.send_json(
                {
                    "seq": self._seq,
                    "type": "hub.hello",
                    "time": now_iso(),
                    "camera_id": None,
                    "data": {"api_version": f.api_version},
                }
            )
            if since is not None:
                for event in list(self.retained):
                    wanted = event["seq"] > since or (f.replay_inclusive and event["seq"] == since)
                    if wanted and not await send(event):
                        return ws
            while not ws.closed and not reader.done():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait(
                    {getter, reader}, timeout=f.heartbeat_s, return_when="FIRST_COMPLETED"
                )
                if not getter.done():
                    getter.cancel()
                    if reader.done():
                        break
                    if not f.silent_events:
                        await ws.send_json({"type": "heartbeat", "time": now_iso()})
                    continue
                event = getter.result()
                if last is not None and event["seq"] <= last:
                    continue
                if not await send(event):
                    return ws
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self._queues.discard(queue)
            reader.cancel()
        return ws


@contextlib.asynccontextmanager
async def running_fake_hub(**faults: Any) -> AsyncIterator[FakeHub]:
    hub = FakeHub(replace(Faults(), **faults))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@contextlib.asynccontextmanager
async def running_raw_ws_hub(
    messages: list[object], *, then_close: bool = True
) -> AsyncIterator[str]:
    """A hub whose event channel sends exactly `messages` (dicts as JSON, str as raw text)."""

    async def events(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for message in messages:
            if isinstance(message, str):
                await ws.send_str(message)
            else:
                await ws.send_json(message)
        if then_close:
            await ws.close()
        else:
            await asyncio.sleep(30)
        return ws

    app = web.Application()
    app.router.add_get("/api/v1/events", events)
    runner = web.AppRunner(app, shutdown_timeout=0.2, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
def fake_hub() -> Callable[..., contextlib.AbstractAsyncContextManager[FakeHub]]:
    """`async with fake_hub(**Faults flags) as hub:` a real hub server on 127.0.0.1."""
    return running_fake_hub


@pytest.fixture
def raw_ws_hub() -> Callable[..., contextlib.AbstractAsyncContextManager[str]]:
    return running_raw_ws_hub


@pytest.fixture
def run() -> Callable[[Coroutine[Any, Any, T]], T]:
    """Run one coroutine to completion on a fresh loop, failing it after 15 s."""

    def _run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(asyncio.wait_for(coro, 15))

    return _run


@pytest.fixture
def closed_port_url() -> str:
    """A loopback url where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
