"""The console side of `bench.chaos`: the real console in this process, driven over stdin/stdout.

`python -m bench.chaos --worker --hub URL --tiles 16` starts `ConsoleApp` (Qt offscreen at
1920x1080, composited path, no joystick) on the hub, with an empty wall until told what to show,
then speaks JSON lines:

- out, unasked: `{"ev": "started", ...}` once the camera list is loaded; `{"ev": "state", "t",
  "tile", "camera", "status", "reason", "countdown"}` whenever a tile's state changes (polled
  every 50 ms on the GUI thread; `t` is `time.monotonic()`, the same clock as the parent's on
  Linux);
- in: `{"cmd": ...}`, each answered by `{"ev": "reply", "cmd": ..., "t": ...}`:
  `assign` (cameras onto the tiles in order), `stall` (the console's `StallMonitor`, `reset`
  optional), `snapshot` (every tile's state), `reload` (fetch the hub's camera list again, as a
  restart would, bounded by `bound_s`; `list_taken` says whether the console took it),
  `notices` (the operator's messages), `alarms` (ids in the alarm book) and `quit`.

`faulthandler` is on, so a crash in libvlc or Qt leaves a Python stack on stderr (the parent
keeps its tail).
"""

from __future__ import annotations

import asyncio
import faulthandler
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench._harness import (
    PRESETS,
    _console_open,
    _ensure_screen_config,
    _keep_wall_empty,
    run_in_qt_loop,
)

POLL_S = 0.05


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run_worker(hub_url: str, tiles: int) -> int:
    faulthandler.enable()
    folder = Path(tempfile.mkdtemp(prefix="tessera-chaos-"))
    os.environ.setdefault("TESSERA_CONFIG_DIR", str(folder / "config"))
    _ensure_screen_config("composited", folder)
    return run_in_qt_loop(lambda qapp: _serve(hub_url, tiles, qapp))


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """A reader thread: each line of stdin onto the loop's queue; None at EOF (parent gone)."""

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="chaos-stdin", daemon=True).start()


def _tile_state(view: Any) -> dict[str, Any]:
    feed = view.feed
    state = feed.state if feed is not None else None
    return {
        "tile": view.tile.id,
        "camera": view.tile.camera_id,
        "status": state.status.value if state is not None else None,
        "reason": state.reason if state is not None else None,
        "countdown": state.retry_in_s is not None if state is not None else False,
        "frames": int(getattr(view, "frames_shown", 0) or 0),
    }


async def _serve(hub_url: str, tiles: int, qapp: Any) -> int:
    from console.app.console_app import ConsoleApp, ConsoleOptions
    from console.wall.layout import assign

    if tiles not in PRESETS:
        raise ValueError(f"tiles must be one of {sorted(PRESETS)}")
    undo = _keep_wall_empty()
    app = ConsoleApp(
        ConsoleOptions(
            hub_url=hub_url,
            layout=PRESETS[tiles],
            render_path="composited",
            joystick=False,
            operator="chaos",
        ),
        qapp,
    )
    if await app.start() != 0:
        emit({"ev": "error", "message": "the console did not start"})
        return 1
    try:
        station, window = await _console_open(app, undo, 30)
        wall = station.walls[0]
        views = window.wall_view.tile_views
        emit(
            {
                "ev": "started",
                "t": time.monotonic(),
                "pid": os.getpid(),
                "tiles": [t.id for t in wall.layout.tiles],
                "cameras": [c.id for c in station.directory.cameras],
            }
        )

        last: dict[int, tuple[Any, ...]] = {}
        lists_taken = [0]  # how often the directory took a camera list

        def taken(_cameras: Any) -> None:
            lists_taken[0] += 1

        station.directory.changed.connect(taken)

        async def poll() -> None:
            while True:
                now = time.monotonic()
                for view in window.wall_view.tile_views:
                    st = _tile_state(view)
                    key = (st["camera"], st["status"], st["reason"], st["countdown"])
                    if last.get(st["tile"]) != key:
                        last[st["tile"]] = key
                        emit({"ev": "state", "t": now, **st})
                await asyncio.sleep(POLL_S)

        loop = asyncio.get_running_loop()
        poller = loop.create_task(poll())
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        _stdin_lines(loop, queue)
        try:
            while True:
                line = await queue.get()
                if line is None:
                    return 0
                if not line.strip():
                    continue
                msg = json.loads(line)
                cmd = msg.get("cmd")
                reply: dict[str, Any] = {"ev": "reply", "cmd": cmd}
                if cmd == "quit":
                    emit({**reply, "t": time.monotonic()})
                    return 0
                if cmd == "assign":
                    layout = wall.layout
                    for tile, cam in zip(layout.tiles, msg["cameras"], strict=False):
                        layout = assign(layout, tile.id, cam)
                    reply["t_assign"] = time.monotonic()
                    wall.set_layout(layout)
                elif cmd == "stall":
                    reply["max_stall_ms"] = round(app.stall.max_stall_ms, 1)
                    reply["stalls_over_100ms"] = app.stall.stalls_over_warn
                    if msg.get("reset"):
                        app.stall.reset()
                elif cmd == "snapshot":
                    reply["tiles"] = [_tile_state(v) for v in views]
                elif cmd == "reload":
                    lists_before = lists_taken[0]
                    t0 = time.monotonic()
                    try:
                        await asyncio.wait_for(station.directory.load(), msg.get("bound_s", 20))
                        reply["timed_out"] = False
                    except asyncio.TimeoutError:
                        reply["timed_out"] = True
                    except Exception as exc:  # reported, not fatal: the console goes on
                        reply["error"] = f"{type(exc).__name__}: {exc}"
                    reply["elapsed_s"] = round(time.monotonic() - t0, 2)
                    reply["list_taken"] = lists_taken[0] > lists_before
                    reply["cameras"] = len(station.directory.cameras)
                    reply["notices"] = [n.text for n in app.notices.items]
                elif cmd == "notices":
                    reply["notices"] = [n.text for n in app.notices.items]
                elif cmd == "alarms":
                    book = app.alarms
                    reply["ids"] = [a.id for a in book.alarms()] if book is not None else []
                    reply["unreadable"] = getattr(book, "unreadable", None)
                else:
                    reply["error"] = f"unknown command {cmd!r}"
                reply["t"] = time.monotonic()
                emit(reply)
        finally:
            poller.cancel()
    finally:
        await app.shutdown()
