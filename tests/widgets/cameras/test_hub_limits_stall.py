"""A hub sending 50,000 cameras (17 MB) and a 2 MB event, or a 20 MB answer, does not stall the
GUI thread.

The real GUI loop (qasync) runs the real camera directory, hub client and camera tree; the hub is
a real server on 127.0.0.1 in a thread of its own (its work must not count as the console's).
The stall is measured two ways, against the issue's bound of 100 ms:
- the GUI thread's CPU time between two turns of the loop: what the console's own work costs,
  which a loaded machine's scheduling does not inflate; always checked;
- `console.base.stall.StallMonitor`, as the console measures it (wall clock), with the idle loop's
  own figure measured just before allowed on top. On a machine with more runnable processes
  than cores (the shared 2-core test machine runs five test suites at once) the wall clock
  measures the scheduler: a 50 ms stretch of work took 300 ms there. So it is checked only
  when the load average is below the number of cores, and printed always.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
from aiohttp import web

from console.base.notices import Notices
from console.base.stall import StallMonitor
from console.cameras.directory import CameraDirectory
from console.hub import HubConfig, HubConnectionLost
from console.hub.tessera_api import TesseraHubClient
from tests.console.hub.conftest import CAMERAS
from widgets.cameras.camera_tree import CameraTree

STALL_BOUND_MS = 100.0
CAMERA_COUNT = 50_000


class ThreadedHub:
    """A hub serving prepared answers from its own thread and event loop."""

    def __init__(self, cameras_body: bytes, events: list[str]) -> None:
        self._cameras_body = cameras_body
        self._events = events
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="threaded-hub", daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _cameras(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self._cameras_body, content_type="application/json")

    async def _events_channel(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for message in self._events:
            await ws.send_str(message)
        await ws.close()
        return ws

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/api/v1/cameras", self._cameras)
        app.router.add_get("/api/v1/events", self._events_channel)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> ThreadedHub:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    """As the console does once started (app.py): what exists lives on, out of the collector's
    full passes."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def answers() -> tuple[bytes, list[str]]:
    cameras = [
        {**CAMERAS[0], "id": f"cam-{i:05d}", "name": f"Camera {i}", "group": f"Site {i % 40}"}
        for i in range(CAMERA_COUNT)
    ]
    body = json.dumps({"cameras": cameras}).encode()
    hello = {"seq": 1, "type": "hub.hello", "time": "2026-11-22T10:00:00Z", "data": {}}
    hello["data"] = {"api_version": 1}
    huge = {"seq": 2, "type": "camera.status", "time": "2026-11-22T10:00:01Z"}
    huge["data"] = {"filler": "x" * (2 * 1024 * 1024)}
    good = {"seq": 3, "type": "camera.status", "time": "2026-11-22T10:00:02Z"}
    return body, [json.dumps(hello), json.dumps(huge), json.dumps(good)]


def loaded_tree(qtbot) -> CameraTree:
    tree = CameraTree(lambda _id: None)
    qtbot.addWidget(tree)
    tree.resize(320, 700)
    tree.show()
    qtbot.waitExposed(tree)
    return tree


def load_on_the_gui_loop(
    qloop, tree: CameraTree, notices: Notices, body: bytes, events: list[str]
) -> tuple[float, float, float, list[int]]:
    """The camera list and the event channel read from a hub serving `body` and `events`, on
    the real GUI loop into `tree`: the idle loop's stall, the stall, the longest stretch of GUI
    CPU, and the seqs of the events read."""

    async def busy_probe(stop: asyncio.Event, worst: list[float]) -> None:
        last = time.thread_time()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.thread_time()
            worst[0] = max(worst[0], (now - last) * 1000)
            last = now

    async def main(url: str) -> tuple[float, float, float, list[int]]:
        monitor = StallMonitor(asyncio.get_running_loop(), warn_ms=1e9)
        monitor.start()
        await asyncio.sleep(0.5)  # the idle loop's own stalls on this machine, now
        idle_ms = monitor.max_stall_ms
        monitor.reset()
        stop, worst_cpu = asyncio.Event(), [0.0]
        probe = asyncio.ensure_future(busy_probe(stop, worst_cpu))
        client = TesseraHubClient(HubConfig(url=url, timeout_s=30.0))
        try:
            directory = CameraDirectory(client, notices)
            directory.changed.connect(tree.set_cameras)
            seqs: list[int] = []

            async def follow() -> None:
                try:
                    async for event in client.events():
                        seqs.append(event.seq)
                except HubConnectionLost:
                    pass  # the test hub closes after its messages

            await asyncio.gather(directory.load(), follow())
            await asyncio.sleep(0.2)  # the tree's first paint
        finally:
            await client.close()
            stop.set()
            await probe
            monitor.stop()
        return idle_ms, monitor.max_stall_ms, worst_cpu[0], seqs

    with ThreadedHub(body, events) as hub:
        return qloop.run_until_complete(main(hub.url))


def assert_responsive(idle_ms: float, stall_ms: float, cpu_ms: float) -> None:
    print(f"idle stall {idle_ms:.0f} ms, stall {stall_ms:.0f} ms, GUI CPU stretch {cpu_ms:.0f} ms")
    assert cpu_ms <= STALL_BOUND_MS
    if os.getloadavg()[0] < (os.cpu_count() or 1):
        assert stall_ms <= STALL_BOUND_MS + idle_ms


def test_50000_cameras_and_a_2_mb_event_keep_the_gui_responsive(qtbot, qloop, frozen_heap):
    body, events = answers()
    assert len(body) > 16 * 1024 * 1024
    tree = loaded_tree(qtbot)
    notices = Notices()
    idle_ms, stall_ms, cpu_ms, seqs = load_on_the_gui_loop(qloop, tree, notices, body, events)

    assert len(tree.visible_camera_ids()) == 2000  # the first 2,000 are shown
    assert [n.text for n in notices.items] == [
        "The hub lists 50,000 cameras, more than this console shows (2,000); "
        "the last 48,000 of its list are not shown."
    ]
    assert seqs == [1, 3]  # the 2 MB event was skipped, the channel went on
    assert_responsive(idle_ms, stall_ms, cpu_ms)


def test_a_20_mb_answer_keeps_the_gui_responsive_and_its_cameras_are_shown(
    qtbot, qloop, frozen_heap
):
    # The hostile hub's "big" list: a few cameras and a 20 MB string beside them. It cost 8.8 s
    # of GUI-thread CPU (yajl lexed the string again with every 16 KiB chunk); now about 0.2 s.
    cameras = [{**CAMERAS[0], "id": f"cam-{i:02d}", "name": f"Camera {i}"} for i in range(20)]
    body = json.dumps({"cameras": cameras, "padding": "x" * (20 * 1024 * 1024)}).encode()
    hello = {"seq": 1, "type": "hub.hello", "time": "2026-11-22T10:00:00Z"}
    hello["data"] = {"api_version": 1}
    tree = loaded_tree(qtbot)
    notices = Notices()
    cpu_started = time.thread_time()
    idle_ms, stall_ms, cpu_ms, seqs = load_on_the_gui_loop(
        qloop, tree, notices, body, [json.dumps(hello)]
    )

    assert time.thread_time() - cpu_started < 3.0  # CPU time, which a busy machine does not inflate
    assert sorted(tree.visible_camera_ids()) == [c["id"] for c in cameras]
    assert notices.items == []
    assert seqs == [1]
    assert_responsive(idle_ms, stall_ms, cpu_ms)
