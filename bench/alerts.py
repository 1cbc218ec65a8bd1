"""`python -m bench.alerts`: alerts on a live 16-tile wall, from the hub to the operator's eyes.

    python -m bench.alerts                   # full: 200 paced alerts, then the 1,000-alert burst
    python -m bench.alerts --quick           # under a minute: 20 paced alerts, the same burst
    python -m bench.alerts --json out.json   # also write the results as JSON
    python -m bench.alerts --write-doc       # full run, keep its JSON, rewrite the doc
    python -m bench.alerts --write-doc --from-json bench/results/alerts-full.json

The parts:

- the demo hub in its own process (`python -m demohub --cameras 16 --alerts off`: no
  scripted scenario), so its encoding of 16 streams does not share the console's GIL;
- the real console (`ConsoleApp`) in this process on a qasync loop, Qt's offscreen platform
  at 1920x1080, composited path, a 4x4 wall with a live camera on every tile (16 distinct
  cameras; the tile a fresh configuration keeps free for alarms gets one too);
- alerts raised through the hub's API (`POST /api/v1/alerts`), never on the GUI thread.

Three measurements:

1. **alert to overlay**: alerts (`object`, medium, with a box, active 1 s) go out one at a time
   100-200 ms apart, round-robin over the 16 cameras, from a thread of this process over one
   keep-alive HTTP connection. Latency: `time.monotonic()` just before the POST is sent until
   the first time a tile finishes painting an overlay of that alert
   (`widgets.wall.tile_view.set_overlay_probe`). Split into raised-to-book (the console's
   `AlarmBook.received_at`, i.e. hub + event channel + parsing) and book-to-overlay (the tile's
   repaint), both on the same clock.
2. **burst**: 1,000 alerts within one second (10 batches of 100 concurrent POSTs, 100 ms apart,
   over a pool of keep-alive connections), raised by a worker process
   (`--burst-worker`) so that its HTTP client does not run on the console's GIL either. The
   console's `StallMonitor` is reset just before; its longest GUI-thread stall is read once
   every alert has reached the alarm list, again after their ends (`duration_s` later) have
   arrived and the overlays have faded. `burst_sent` counts the alerts the hub confirmed
   (201); `burst_lost` those of them the alarm list model does not hold 10 s later.
3. **idle**: the longest stall with the same wall and no alerts, as the baseline.

Exit status 1 when the burst lost an alert or a phase failed; missed latency and stall targets
are reported, not failed. `--profile FILE` runs cProfile on the GUI thread during the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._harness import (
    LIVE_TIMEOUT_S,
    _ensure_screen_config,
    _wait,
    percentiles,
    run_in_qt_loop,
)
from bench._report import ANALYSIS_BEGIN, ANALYSIS_END, _kept_analysis
from bench._system import Window, machine_info
from bench.wall import versions
from tests.support.hubproc import HubProcess

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance-alerts.md"
RESULTS = ROOT / "bench" / "results" / "alerts-full.json"

TILES = 16
LAYOUT = "4x4"
LATENCY_SPACING_S = (0.10, 0.20)
LATENCY_ACTIVE_S = 1.0  # how long each paced alert stays active
OVERLAY_TIMEOUT_S = 2.0  # a paced alert with no overlay this long after the last POST: missed
LIST_TIMEOUT_S = 10.0  # a burst alert not in the alarm list this long after the burst: lost
SETTLE_AFTER_BURST_S = 0.5

P95_TARGET_MS = 100.0
STALL_TARGET_MS = 50.0


# -- the hub -----------------------------------------------------------------------------------
def alert_body(camera_id: str, rng: random.Random, duration_s: float, note: str) -> dict[str, Any]:
    """An `object` alert (a person, medium: below auto-pop's default) with a box in the picture."""
    w, h = rng.uniform(0.08, 0.25), rng.uniform(0.15, 0.4)
    return {
        "kind": "object",
        "camera_id": camera_id,
        "priority": "medium",
        "label": "person",
        "box": {
            "x": round(rng.uniform(0.0, 1.0 - w), 3),
            "y": round(rng.uniform(0.0, 1.0 - h), 3),
            "w": round(w, 3),
            "h": round(h, 3),
        },
        "message": note,
        "duration_s": duration_s,
    }


# -- paced alerts: a thread of this process, one keep-alive connection ---------------------------
@dataclass
class Raised:
    sent_at: float  # time.monotonic() just before the request went out
    answered_at: float
    status: int
    alert_id: str | None


class PacedRaiser(threading.Thread):
    """POSTs `count` alerts 100-200 ms apart (seeded), round-robin over `cameras`."""

    def __init__(self, hub_url: str, cameras: list[str], count: int, seed: int = 1) -> None:
        super().__init__(name="bench-alert-raiser", daemon=True)
        self.host, port = hub_url.split("//", 1)[1].rsplit(":", 1)
        self.port = int(port)
        self.cameras = cameras
        self.count = count
        self.rng = random.Random(seed)
        self.raised: list[Raised] = []
        self.error: str | None = None

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        try:
            due = time.monotonic()
            for i in range(self.count):
                body = alert_body(
                    self.cameras[i % len(self.cameras)], self.rng, LATENCY_ACTIVE_S, f"paced {i}"
                )
                data = json.dumps(body)
                time.sleep(max(0.0, due - time.monotonic()))
                sent = time.monotonic()
                conn.request("POST", "/api/v1/alerts", data, headers)
                answer = conn.getresponse()
                payload = answer.read()
                done = time.monotonic()
                alert_id = json.loads(payload).get("id") if answer.status == 201 else None
                self.raised.append(Raised(sent, done, answer.status, alert_id))
                due += self.rng.uniform(*LATENCY_SPACING_S)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()


@dataclass
class OverlaySeen:
    """The overlay probe: when a tile first finished painting each alert's overlay."""

    first: dict[str, float] = field(default_factory=dict)
    calls: int = 0

    def __call__(self, view: Any, overlays: list[Any], painted_at: float) -> None:
        self.calls += 1
        first = self.first
        for overlay in overlays:
            alert_id = overlay.alert.id
            if alert_id not in first:
                first[alert_id] = painted_at


# -- the burst: a worker process -----------------------------------------------------------------
async def burst_worker(args: argparse.Namespace) -> dict[str, Any]:
    """`--burst-worker`: open the connections, say `ready`, wait for a line on stdin, then raise
    `--count` alerts in `--batches` batches spread over `--window` seconds; return what the hub
    answered. Times are seconds since the go line, on this process's clock."""
    import aiohttp

    url = f"{args.hub}/api/v1/alerts"
    cameras = args.cameras.split(",")
    rng = random.Random(args.seed)
    bodies = [
        json.dumps(alert_body(cameras[i % len(cameras)], rng, args.duration, f"burst {i}")).encode()
        for i in range(args.count)
    ]
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=60)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def touch() -> None:
            async with session.get(f"{args.hub}/api/v1/hub") as r:
                await r.read()

        # Every connection of the pool open before the burst: it pays no TCP handshakes.
        await asyncio.gather(*(touch() for _ in range(args.connections)))
        print("ready", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        cpu0 = time.process_time()
        start = time.monotonic()
        started = [0.0] * args.count
        answered = [0.0] * args.count
        status = [0] * args.count
        ids: list[str | None] = [None] * args.count
        errors: list[str] = []

        async def post(i: int) -> None:
            started[i] = time.monotonic() - start
            try:
                async with session.post(url, data=bodies[i], headers=headers) as r:
                    payload = await r.read()
                    status[i] = r.status
                    if r.status == 201:
                        ids[i] = json.loads(payload)["id"]
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            answered[i] = time.monotonic() - start

        tasks: list[asyncio.Task[None]] = []
        issued_last = 0.0
        for b in range(args.batches):
            await asyncio.sleep(max(0.0, start + b * args.window / args.batches - time.monotonic()))
            issued_last = time.monotonic() - start
            lo, hi = b * args.count // args.batches, (b + 1) * args.count // args.batches
            tasks += [loop.create_task(post(i)) for i in range(lo, hi)]
        await asyncio.gather(*tasks)
        cpu = time.process_time() - cpu0
    ok = [i for i in range(args.count) if ids[i] is not None]
    last = max(answered) if answered else 0.0
    return {
        "asked": args.count,
        "sent": len(ok),
        "ids": [ids[i] for i in ok],
        "statuses": {str(s): status.count(s) for s in sorted(set(status))},
        "errors": errors[:5],
        "error_count": len(errors),
        "last_batch_issued_s": round(issued_last, 4),
        "last_answer_s": round(last, 4),
        "answer_ms": percentiles([(answered[i] - started[i]) * 1000 for i in ok]),
        "raiser_cpu_s": round(cpu, 3),
    }


class BurstWorker:
    """The worker process, started and made ready before the burst so its start-up is not in it."""

    def __init__(
        self, hub_url: str, cameras: list[str], count: int, window_s: float, batches: int,
        connections: int, duration_s: float,
    ) -> None:  # fmt: skip
        self.args = [
            sys.executable, "-m", "bench.alerts", "--burst-worker", "--hub", hub_url,
            "--cameras", ",".join(cameras), "--count", str(count), "--window", str(window_s),
            "--batches", str(batches), "--connections", str(connections),
            "--duration", str(duration_s),
        ]  # fmt: skip
        self.proc: subprocess.Popen[str] | None = None

    async def ready(self) -> None:
        loop = asyncio.get_running_loop()
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(loop.run_in_executor(None, self.proc.stdout.readline), 30)
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the burst worker did not get ready ({line.strip()!r})")

    def go(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    async def result(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        text = await asyncio.wait_for(loop.run_in_executor(None, self.proc.stdout.read), 60)
        await loop.run_in_executor(None, self.proc.wait, 10)
        if self.proc.returncode != 0 or not text.strip():
            raise RuntimeError(f"the burst worker failed (exit {self.proc.returncode})")
        return dict(json.loads(text))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


# -- the console ---------------------------------------------------------------------------------
@dataclass
class Plan:
    latency_alerts: int
    settle_s: float
    idle_s: float
    burst: int = 1000
    burst_window_s: float = 1.0
    burst_batches: int = 10
    burst_connections: int = 100
    burst_duration_s: float = 2.0
    momentary_burst: bool = True
    profile: Path | None = None


def run_console(plan: Plan, hub: HubProcess) -> dict[str, Any]:
    """Start the console in this process (offscreen, composited) and run the measurements."""
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-alerts-"))
    os.environ["TESSERA_CONFIG_DIR"] = str(folder / "config")  # a fresh start, nothing saved
    _ensure_screen_config("composited", folder)
    return run_in_qt_loop(lambda qapp: _measure(plan, hub, qapp))


def _fill_every_tile(wall: Any, camera_ids: list[str]) -> int:
    """Put a camera not yet on the wall on every empty tile (the alarm tile a fresh
    configuration keeps free included), in one layout change. Returns how many were added."""
    from console.wall.layout import assign

    layout = wall.layout
    on_wall = set(layout.camera_ids())
    spare = [c for c in camera_ids if c not in on_wall]
    empty = [t for t in layout.tiles if t.camera_id is None]
    for tile, cam in zip(empty, spare, strict=False):
        layout = assign(layout, tile.id, cam)
    wall.set_layout(layout)
    return min(len(empty), len(spare))


def summary(values: list[float]) -> dict[str, Any]:
    p = percentiles(values)
    return {**p, "max": round(max(values), 1) if values else None}


async def _measure(plan: Plan, hub: HubProcess, qapp: Any) -> dict[str, Any]:
    from console.app.console_app import ConsoleApp, ConsoleOptions
    from widgets.wall import tile_view

    notes: list[str] = []
    out: dict[str, Any] = {"notes": notes}
    app = ConsoleApp(
        ConsoleOptions(
            hub_url=hub.url,
            layout=LAYOUT,
            render_path="composited",
            joystick=False,
            operator="bench",
        ),
        qapp,
    )
    t_start = time.monotonic()
    if await app.start() != 0:
        raise RuntimeError("the console did not start")
    seen = OverlaySeen()
    try:
        station, book = app.station, app.alarms
        assert station is not None and book is not None
        window = app.windows[0]
        panel = window.alarm_panel
        assert panel is not None
        model = panel.model
        window.setGeometry(window.screen().availableGeometry())  # maximised, as on a desktop
        await _wait(lambda: len(station.directory.cameras) >= TILES, 20, "the hub's cameras")
        wall, wall_view = station.walls[0], window.wall_view
        camera_ids = [c.id for c in station.directory.cameras]
        await asyncio.sleep(0)  # the start-up fill runs from the directory's signal
        added = _fill_every_tile(wall, camera_ids)
        if added:
            notes.append(
                f"{added} empty tile(s) given a camera (a fresh wall keeps one for alarms)"
            )
        on_wall = [t.camera_id for t in wall.layout.tiles if t.camera_id]
        if len(on_wall) != TILES or len(set(on_wall)) != TILES:
            raise RuntimeError(f"the wall shows {len(set(on_wall))} cameras, not {TILES}")
        live_s = await _wait(
            lambda: len(wall_view.tile_views) == TILES and not wall_view.tiles_without_video(),
            LIVE_TIMEOUT_S,
            "every tile's first frame",
        )
        out["wall"] = {
            "tiles": TILES,
            "layout": LAYOUT,
            "path": "composited",
            "qt_platform": os.environ.get("QT_QPA_PLATFORM", "").split(":")[0],
            "wall_px": [wall_view.width(), wall_view.height()],
            "all_live_s": round(live_s, 2),
            "startup_s": round(time.monotonic() - t_start, 2),
            "profiles": sorted({str(getattr(v, "_profile", None)) for v in wall_view.tile_views}),
            "cameras": on_wall,
        }
        await asyncio.sleep(plan.settle_s)

        # Idle: the wall alone, no alerts.
        app.stall.reset()
        idle = Window(hub_pid=hub.pid).start(threads=True)
        await asyncio.sleep(plan.idle_s)
        idle_cpu = idle.stop()
        out["idle"] = {
            "seconds": plan.idle_s,
            "max_stall_ms": round(app.stall.max_stall_ms, 1),
            **_cores(idle_cpu),
        }

        # Alert to overlay.
        tile_view.set_overlay_probe(seen)
        out.update(await _latency(plan, hub, app, book, seen, on_wall))
        tile_view.set_overlay_probe(None)

        # The burst, as asked: alerts with boxes, active for a while.
        burst = await _burst(
            plan, hub, app, book, model, on_wall, plan.burst_duration_s, plan.profile
        )
        out["burst_sent"] = burst["sent"]
        out["burst_lost"] = burst["lost"]
        out["burst_max_stall_ms"] = burst["max_stall_ms"]
        out["burst"] = burst
        # The same burst of momentary alerts (ended when raised: no overlay, no second wave of
        # ends): what the event channel, the alarm book and the list cost on their own.
        if plan.momentary_burst:
            out["burst_momentary"] = await _burst(plan, hub, app, book, model, on_wall, 0.0)
        return out
    finally:
        tile_view.set_overlay_probe(None)
        await app.shutdown()


def _cores(measured: dict[str, object], others_cpu_s: float = 0.0) -> dict[str, Any]:
    """Console, GUI-thread, hub and other programs' CPU (cores) over a `Window`;
    `others_cpu_s`: CPU of our own helpers (the burst worker), not counted as other programs."""
    elapsed = float(measured["elapsed_s"])  # type: ignore[arg-type]
    threads: dict[str, float] = measured.get("threads") or {}  # type: ignore[assignment]
    console = float(measured["cpu_s"])  # type: ignore[arg-type]
    hub = measured.get("hub_cpu_s")
    busy = float(measured["machine_busy_pct"]) / 100.0 * (os.cpu_count() or 1)  # type: ignore[arg-type]
    other = busy - (console + float(hub or 0.0) + others_cpu_s) / elapsed  # type: ignore[arg-type]
    return {
        "console_cores": round(console / elapsed, 3),
        "gui_thread_cores": round(threads.get("gui (main thread)", 0.0) / elapsed, 3),
        "hub_cores": round(float(hub) / elapsed, 3) if hub is not None else None,  # type: ignore[arg-type]
        "machine_busy_pct": round(float(measured["machine_busy_pct"]), 1),  # type: ignore[arg-type]
        "other_cores": round(max(0.0, other), 3),
    }


async def _latency(
    plan: Plan, hub: HubProcess, app: Any, book: Any, seen: OverlaySeen, cameras: list[str]
) -> dict[str, Any]:
    print(f"alert to overlay: {plan.latency_alerts} alerts, 100-200 ms apart ...", flush=True)
    app.stall.reset()
    raiser = PacedRaiser(hub.url, cameras, plan.latency_alerts)
    raiser.start()
    await _wait(lambda: not raiser.is_alive(), plan.latency_alerts * 0.5 + 30, "the paced alerts")
    if raiser.error:
        raise RuntimeError(f"raising alerts failed: {raiser.error}")
    ok = [r for r in raiser.raised if r.alert_id is not None]
    ids = [r.alert_id for r in ok]
    with contextlib.suppress(TimeoutError):
        await _wait(lambda: all(i in seen.first for i in ids), OVERLAY_TIMEOUT_S, "overlays")
    stall = app.stall.max_stall_ms
    total, to_book, to_paint, answer = [], [], [], []
    for r in ok:
        assert r.alert_id is not None
        answer.append((r.answered_at - r.sent_at) * 1000)
        painted = seen.first.get(r.alert_id)
        received = book.received_at(r.alert_id)
        if painted is not None:
            total.append((painted - r.sent_at) * 1000)
        if received is not None:
            to_book.append((received - r.sent_at) * 1000)
            if painted is not None:
                to_paint.append((painted - received) * 1000)
    return {
        "latency_alerts": len(raiser.raised),
        "latency_refused": len(raiser.raised) - len(ok),
        "latency_missed": len(ok) - len(total),
        "alert_to_overlay_ms": summary(total),
        "raised_to_book_ms": summary(to_book),
        "book_to_overlay_ms": summary(to_paint),
        "post_answer_ms": summary(answer),
        "latency_max_stall_ms": round(stall, 1),
    }


async def _burst(
    plan: Plan,
    hub: HubProcess,
    app: Any,
    book: Any,
    model: Any,
    cameras: list[str],
    active_s: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """One burst; the stall is read (and the monitor reset) at the end of each phase: until
    every alert is in the list, until their ends have arrived, until the overlays faded."""
    worker = BurstWorker(
        hub.url,
        cameras,
        plan.burst,
        plan.burst_window_s,
        plan.burst_batches,
        plan.burst_connections,
        active_s,
    )
    await worker.ready()
    # Earlier alerts have ended and faded, the worker's start-up is over: a quiet wall.
    await _wait(lambda: not book.is_fading(), 10, "earlier overlays to fade")
    await asyncio.sleep(plan.settle_s)
    print(
        f"burst: {plan.burst} alerts active {active_s:g} s, in {plan.burst_window_s:g} s "
        f"({plan.burst_batches} batches, {plan.burst_connections} connections) ...",
        flush=True,
    )
    flushes: list[tuple[float, int]] = []

    def on_flush() -> None:
        flushes.append((time.monotonic(), model.rowCount()))

    model.flushed.connect(on_flush)
    rows0, flushes0 = model.rowCount(), model.flushes
    model.longest_flush_ms = 0.0
    stalls: dict[str, float] = {}
    over_100ms = 0

    def phase(name: str) -> None:
        nonlocal over_100ms
        stalls[name] = round(app.stall.max_stall_ms, 1)
        over_100ms += app.stall.stalls_over_warn
        app.stall.reset()

    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
    try:
        app.stall.reset()
        cpu = Window(hub_pid=hub.pid).start(threads=True)
        if profiler is not None:
            profiler.enable()
        go = time.monotonic()
        worker.go()
        raised = await worker.result()
        ids: list[str] = raised.pop("ids")
        in_list = False
        with contextlib.suppress(TimeoutError):
            await _wait(
                lambda: all(model.row_of(i) is not None for i in ids), LIST_TIMEOUT_S, "the list"
            )
            in_list = True
        phase("until_listed")
        arrival_cpu = cpu.stop()
        if active_s > 0:
            # Their ends arrive `active_s` after each alert: a second burst of events.
            with contextlib.suppress(TimeoutError):
                await _wait(
                    lambda: all(not (a := book.get(i)) or not a.active for i in ids),
                    active_s + LIST_TIMEOUT_S,
                    "the burst's ends",
                )
            phase("ends")
            with contextlib.suppress(TimeoutError):
                await _wait(lambda: not book.is_fading(), LIST_TIMEOUT_S, "the overlays to fade")
        await asyncio.sleep(SETTLE_AFTER_BURST_S)
        phase("fade_and_settle" if active_s > 0 else "settle")
        episode_s = time.monotonic() - go
    finally:
        if profiler is not None:
            profiler.disable()
        model.flushed.disconnect(on_flush)
        worker.stop()
    if profiler is not None and profile is not None:
        profiler.dump_stats(str(profile))
        print(f"wrote {profile} (cProfile of the GUI thread during the burst)", flush=True)
    lost = [i for i in ids if model.row_of(i) is None]
    last_row = max((model.row_of(i) or 0) for i in ids) if ids and not lost else None
    to_list_s = None
    if last_row is not None:
        to_list_s = next((t - go for t, rows in flushes if rows > last_row), None)
    last_answer = raised["last_answer_s"]
    return {
        **raised,
        "lost": len(lost),
        "max_stall_ms": max(stalls.values()),
        "window_s": plan.burst_window_s,
        "batches": plan.burst_batches,
        "connections": plan.burst_connections,
        "alert_active_s": active_s,
        "rate_per_s": round(raised["sent"] / last_answer, 1) if last_answer else None,
        "all_in_list": in_list,
        "to_list_s": round(to_list_s, 3) if to_list_s is not None else None,
        "max_stall_ms_by_phase": stalls,
        "stalls_over_100ms": over_100ms,
        "episode_s": round(episode_s, 2),
        "rows_added": model.rowCount() - rows0,
        "alarm_rows_after": model.rowCount(),
        "flushes": model.flushes - flushes0,
        "longest_flush_ms": round(model.longest_flush_ms, 2),
        "lost_ids": lost[:20],
        **_cores(arrival_cpu, raised["raiser_cpu_s"]),
    }


# -- results -------------------------------------------------------------------------------------
def evaluate(result: dict[str, Any]) -> list[dict[str, Any]]:
    p95 = (result.get("alert_to_overlay_ms") or {}).get("p95")
    stall = result.get("burst_max_stall_ms")
    lost = result.get("burst_lost")
    sent = result.get("burst_sent")
    targets = [
        ("latency_p95", "alert-to-overlay p95 <= 100 ms on loopback", p95, P95_TARGET_MS, "ms"),
        ("burst_stall", "longest GUI stall in the burst <= 50 ms", stall, STALL_TARGET_MS, "ms"),
        ("burst_lost", "no alert of the burst lost", lost, 0, "alerts"),
    ]
    out = []
    for tid, text, value, limit, unit in targets:
        met = None if value is None else value <= limit
        if tid == "burst_lost" and not sent:
            met = None  # nothing confirmed: nothing to judge
        out.append(
            {"id": tid, "text": text, "value": value, "limit": limit, "unit": unit, "met": met}
        )
    return out


def _verdict(target: dict[str, Any]) -> str:
    return {True: "met", False: "MISSED", None: "not measured"}[target["met"]]


def _burst_line(b: dict[str, Any]) -> str:
    phases = ", ".join(f"{k} {v}" for k, v in b["max_stall_ms_by_phase"].items())
    return (
        f"{b['asked']} asked in {b['window_s']:g} s, active {b['alert_active_s']:g} s: hub "
        f"confirmed {b['sent']} (last answer after {b['last_answer_s']} s: {b['rate_per_s']}/s), "
        f"lost {b['lost']}, all listed after {b['to_list_s']} s; longest GUI stall "
        f"{b['max_stall_ms']} ms ({phases}); {b['flushes']} list flushes, longest "
        f"{b['longest_flush_ms']} ms; console {b['console_cores']} cores (GUI thread "
        f"{b['gui_thread_cores']}), hub {b['hub_cores']}, machine {b['machine_busy_pct']} % busy"
    )


def _rate_note(b: dict[str, Any]) -> str | None:
    if b["rate_per_s"] is None or b["last_answer_s"] <= b["window_s"] * 1.1:
        return None
    return (
        f"the hub confirmed the {b['sent']} alerts over {b['last_answer_s']} s, not "
        f"{b['window_s']:g} s: the raise rate reached {b['rate_per_s']}/s on this machine"
    )


def report(result: dict[str, Any]) -> str:
    def row(name: str, d: dict[str, Any] | None) -> str:
        d = d or {}
        cells = [d.get("p50"), d.get("p95"), d.get("max"), d.get("n")]
        return f"{name:<34}" + "".join(f"{'-' if c is None else c:>9}" for c in cells)

    idle = result["idle"]
    lines = [
        f"{'(ms)':<34}{'p50':>9}{'p95':>9}{'max':>9}{'n':>9}",
        row("alert to overlay painted", result["alert_to_overlay_ms"]),
        row("  raised to alarm book", result["raised_to_book_ms"]),
        row("  alarm book to overlay painted", result["book_to_overlay_ms"]),
        row("POST answered (hub)", result["post_answer_ms"]),
        f"paced alerts: {result['latency_alerts']}, refused {result['latency_refused']}, "
        f"no overlay within {OVERLAY_TIMEOUT_S:g} s: {result['latency_missed']}; "
        f"longest stall meanwhile {result['latency_max_stall_ms']} ms",
        f"idle wall ({idle['seconds']:g} s): longest GUI stall {idle['max_stall_ms']} ms; console "
        f"{idle['console_cores']} cores (GUI thread {idle['gui_thread_cores']}), "
        f"hub {idle['hub_cores']}",
        "burst: " + _burst_line(result["burst"]),
    ]
    if result.get("burst_momentary"):
        lines.append("burst of momentary alerts: " + _burst_line(result["burst_momentary"]))
    notes = [n for n in (_rate_note(result["burst"]),) if n] + result.get("notes", [])
    lines += [f"target: {t['text']}: {t['value']} -> {_verdict(t)}" for t in result["targets"]]
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)


def _burst_rows(b: dict[str, Any]) -> str:
    phases = b["max_stall_ms_by_phase"]
    names = {
        "until_listed": "from the first POST until every alert was in the alarm list",
        "ends": "then until every alert's end had arrived",
        "fade_and_settle": f"then until the overlays faded, + {SETTLE_AFTER_BURST_S:g} s",
        "settle": f"then {SETTLE_AFTER_BURST_S:g} s more",
    }
    rows = [
        ("alerts the hub confirmed", f"{b['sent']} of {b['asked']}"),
        ("hub's last answer after", f"{b['last_answer_s']} s ({b['rate_per_s']} alerts/s)"),
        ("alerts missing from the alarm list", str(b["lost"])),
        ("all of them in the alarm list after", f"{b['to_list_s']} s"),
        ("**longest GUI-thread stall**", f"**{b['max_stall_ms']} ms**"),
        *((f"- {names.get(k, k)}", f"{v} ms") for k, v in phases.items()),
        ("stalls over 100 ms", str(b["stalls_over_100ms"])),
        ("alarm list flushes / longest flush", f"{b['flushes']} / {b['longest_flush_ms']} ms"),
        ("rows in the alarm list afterwards", str(b["alarm_rows_after"])),
        (
            "console CPU until all were listed (GUI thread)",
            f"{b['console_cores']} ({b['gui_thread_cores']}) cores",
        ),
        ("hub CPU meanwhile / machine busy", f"{b['hub_cores']} cores / {b['machine_busy_pct']} %"),
        ("other programs' CPU meanwhile", f"{b['other_cores']} cores"),
    ]
    return "\n".join(f"| {k} | {v} |" for k, v in rows)


def performance_doc(result: dict[str, Any]) -> str:
    """`docs/performance-alerts.md`, from one full run's results (and the kept analysis)."""
    m = result["machine"]
    b = result["burst"]
    bm = result.get("burst_momentary")
    idle = result["idle"]
    wall = result["wall"]

    def row(name: str, d: dict[str, Any]) -> str:
        return f"| {name} | {d['p50']} | {d['p95']} | {d['max']} | {d['n']} |"

    targets = "\n".join(
        f"| {t['text']} | {t['value']} {t['unit']} | {_verdict(t)} |" for t in result["targets"]
    )
    gap = b["window_s"] * 1000 / b["batches"]
    rate = _rate_note(b)
    rate_note = f"\n\nNote: {rate}." if rate else ""
    momentary = ""
    if bm:
        momentary = f"""
### The same burst of momentary alerts

The same POSTs ({bm["asked"]}) with `duration_s` 0: each alert is raised already ended, so
the console gets one event per alert, lists it and draws no overlay. This is what the event
channel, the alarm book and the alarm list cost without the tiles' overlays and without the
second wave of ends. It ran after the first burst, so the list already held its rows.

| measurement | value |
|---|---|
{_burst_rows(bm)}
"""
    return f"""# Alert performance

Written by `python -m bench.alerts --write-doc` from its latest full run (the JSON is kept in
`bench/results/alerts-full.json`); only the part between the `analysis` markers is written by
hand. How it measures: the docstring of [bench/alerts.py](../bench/alerts.py).

- Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory_gib"]} GiB, no GPU; {m["os"]};
  Python {m["python"]}
- libvlc {result["libvlc"]}; PySide6 {result["pyside6"]}
- Command: `{result["command"]}`
- Date: {result["date"]}
- Wall: {wall["tiles"]} live tiles ({wall["layout"]}, composited path, Qt {wall["qt_platform"]},
  1920x1080 screen, stream profile {", ".join(wall["profiles"])}); 16 distinct cameras
- Hub: `{result["hub"]["process"]}`, its own process; the console runs
  in the benchmark's process
- Idle baseline, the same wall with no alerts for {idle["seconds"]:g} s:
  - longest GUI-thread stall: {idle["max_stall_ms"]} ms
  - CPU: console {idle["console_cores"]} cores (GUI thread {idle["gui_thread_cores"]}), hub
    {idle["hub_cores"]}, other programs {idle["other_cores"]}

## Targets

| target | this run | |
|---|---|---|
{targets}

## Alert to overlay

{result["latency_alerts"]} alerts (`object`, medium, with a box, active {LATENCY_ACTIVE_S:g} s),
one every 100-200 ms, round-robin over the 16 cameras on the wall, POSTed to the hub over one
keep-alive connection from a thread of the console's process. From just before each POST is
sent until a tile has finished painting that alert's overlay; one process's
`time.monotonic()` throughout.

| measurement (ms) | p50 | p95 | max | alerts |
|---|---|---|---|---|
{row("raised to overlay painted", result["alert_to_overlay_ms"])}
{row("raised to the console's alarm book", result["raised_to_book_ms"])}
{row("alarm book to overlay painted", result["book_to_overlay_ms"])}
{row("POST answered by the hub", result["post_answer_ms"])}

- Alerts the hub refused: {result["latency_refused"]}
- Alerts with no overlay within {OVERLAY_TIMEOUT_S:g} s: {result["latency_missed"]}
- Longest GUI-thread stall meanwhile: {result["latency_max_stall_ms"]} ms

"Raised to alarm book" is the hub handling the POST and publishing the event, the WebSocket
event channel on loopback, and the console reading and parsing the event on its GUI thread
(qasync); "alarm book to overlay" is the tile's repaint: the tile asks the wall's
`RepaintPacer` when the book changes, which repaints at most 4 tiles per event-loop turn.

## A burst of {b["asked"]} alerts in {b["window_s"]:g} s

The alerts go out in batches of concurrent POSTs over keep-alive connections opened beforehand,
from a worker process (its HTTP client does not share the console's GIL):
{b["batches"]} batches of {b["asked"] // b["batches"]}, {gap:g} ms apart, over {b["connections"]}
connections. Every alert is an `object`, medium, with a box, active
{b["alert_active_s"]:g} s, round-robin over the 16 cameras on the wall: up to
{b["asked"] // 16} live overlays per tile. The hub ends each alert when its time is up, a
second burst of events, and the overlays then fade out over 1.5 s; the episode lasted
{b["episode_s"]} s. The stall is how late the console's 20 ms `StallMonitor` timer ran: the
longest time the GUI thread could not react; it is read at the end of each phase.

| measurement | value |
|---|---|
{_burst_rows(b)}{rate_note}
{momentary}
## What limits it, what would move it

{ANALYSIS_BEGIN}
{_kept_analysis(DOC)}
{ANALYSIS_END}
"""


# -- command line --------------------------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="20 paced alerts and the burst, < 60 s")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON ('-': stdout)")
    p.add_argument("--alerts", type=int, help="paced alerts for the latency (200; quick: 20)")
    p.add_argument("--burst", type=int, default=1000, help="alerts in the burst (1000)")
    p.add_argument("--burst-window", type=float, default=1.0, help="seconds the burst spans (1)")
    p.add_argument("--burst-batches", type=int, default=10, help="batches in the burst (10)")
    p.add_argument("--burst-connections", type=int, default=100, help="connections (100)")
    p.add_argument("--no-momentary", action="store_true", help="skip the burst of momentary alerts")
    p.add_argument("--profile", type=Path, help="cProfile the GUI thread during the burst")
    p.add_argument("--write-doc", action="store_true", help="full run, then the doc and its JSON")
    p.add_argument("--from-json", type=Path, help="with --write-doc: from these results")
    # The burst worker (the benchmark starts it):
    p.add_argument("--burst-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--hub", help=argparse.SUPPRESS)
    p.add_argument("--cameras", help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, default=1000, help=argparse.SUPPRESS)
    p.add_argument("--window", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--batches", type=int, default=10, help=argparse.SUPPRESS)
    p.add_argument("--connections", type=int, default=100, help=argparse.SUPPRESS)
    p.add_argument("--duration", type=float, default=2.0, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=2, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _write_json(data: dict[str, Any], target: str | Path) -> None:
    text = json.dumps(data, indent=2) + "\n"
    if str(target) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text)


def write_doc(result: dict[str, Any]) -> None:
    DOC.write_text(performance_doc(result))
    print(f"wrote {DOC.relative_to(ROOT)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.burst_worker:
        _write_json(asyncio.run(burst_worker(args)), "-")
        return 0
    if args.write_doc and args.from_json:
        write_doc(json.loads(args.from_json.read_text()))
        return 0
    full = not args.quick and args.alerts is None
    if args.write_doc and not full:
        print("--write-doc takes a full run (not --quick or --alerts)", file=sys.stderr)
        return 2
    plan = Plan(
        latency_alerts=args.alerts or (20 if args.quick else 200),
        settle_s=1.0 if args.quick else 2.0,
        idle_s=2.0 if args.quick else 5.0,
        burst=args.burst,
        burst_window_s=args.burst_window,
        burst_batches=args.burst_batches,
        burst_connections=args.burst_connections,
        momentary_burst=not args.no_momentary,
        profile=args.profile,
    )
    started = time.monotonic()
    date = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    hub = HubProcess(cameras=TILES, alerts="off").start()
    try:
        measured = run_console(plan, hub)
    finally:
        hub.stop()
    info = versions()
    result: dict[str, Any] = {
        "benchmark": "alerts",
        "date": date,
        "command": "python -m bench.alerts " + " ".join(argv),
        "machine": machine_info(),
        "libvlc": info["libvlc"],
        "pyside6": info["pyside6"],
        "quick": bool(args.quick),
        "hub": {
            "cameras": TILES,
            "process": f"python -m demohub --cameras {TILES} --alerts off",
        },
        **measured,
    }
    result["command"] = result["command"].rstrip()
    result["targets"] = evaluate(result)
    result["wall_time_s"] = round(time.monotonic() - started, 1)
    print(report(result), flush=True)
    if args.json:
        _write_json(result, args.json)
        print(f"wrote {args.json}", flush=True)
    if args.write_doc:
        _write_json(result, RESULTS)
        write_doc(result)
        print(f"wrote {RESULTS.relative_to(ROOT)}", flush=True)
    momentary = result.get("burst_momentary") or {}
    return 1 if result["burst_lost"] or not result["burst_sent"] or momentary.get("lost") else 0


if __name__ == "__main__":
    sys.exit(main())
