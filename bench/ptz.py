"""`python -m bench.ptz`: the PTZ control chain, from a joystick to the hub, measured.

The real parts, in one process so that both ends read the same `time.monotonic()` clock:

- the demo hub (`demohub.DemoHub`) on 127.0.0.1 on its own loop in a thread; it records
  when each PTZ request arrived (`DemoHub.ptz_commands[i].received`);
- SDL's virtual joystick (`console.joystick.virtual.VirtualJoystick`: SDL treats it like a USB
  device) read by the console's `JoystickInput` at 100 Hz;
- the console's `PtzDesk` and `PtzControl` chain over real HTTP, on the main asyncio loop,
  joystick samples wired to `PtzDesk.steer` as the console wires the selected tile's camera.

Three measurements:

1. **command latency**: the stick moves to a new position (`set_axis` returns) until the hub
   receives the first `move` carrying the new speed; step changes 150 ms apart.
2. **commands per second at 100 Hz**: the stick sweeps continuously, a new position every 10 ms,
   for some seconds; the hub's `move`s per second after coalescing.
3. **stop after release**: deflect, hold until the hub has the move, let go; the time from
   letting go until the hub receives `stop`. A stop missing after 1 s counts as missing. Run on
   a normal hub and on a slow one (`--slow-answer-ms`, answers delayed after the command is
   applied), where a stop must not queue behind a move still waiting for its answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._harness import percentiles
from bench._system import Window, machine_info
from console.base.marshal import Marshal
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.joystick.mapping import JoystickProfile
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInput
from console.joystick.virtual import VirtualJoystick
from console.ptz.desk import PtzDesk
from console.ptz.stop_line import StopLine
from demohub.background import BackgroundHub

ROOT = Path(__file__).resolve().parents[1]
PTZ_CAM = "cam-08"
STOP_MISSING_AFTER_S = 1.0
AXIS_PAN = 0
STOP_TARGET_MS = 100.0


class HubThread(BackgroundHub):
    """The demo hub on its own loop; `records` reads its PTZ command log there."""

    def __init__(self, **options: Any) -> None:
        super().__init__(camera_count=10, **options)

    def records(self, since: float) -> list[Any]:
        """The hub's PTZ commands for the bench camera received at or after `since`.

        Read from this thread (a copy of the append-only log, taken under the GIL) instead of
        hopping to the hub's loop and waiting for it: polling every 2 ms must not block the
        loop that sends the stop, least of all on a loaded machine."""
        for _ in range(3):
            try:
                log = self.hub.ptz_commands.copy()
            except RuntimeError:  # appended to while copied
                continue
            return [c for c in log if c.camera_id == PTZ_CAM and c.received >= since]
        return self.call(
            lambda: [
                c for c in self.hub.ptz_commands if c.camera_id == PTZ_CAM and c.received >= since
            ]
        )


@dataclass(frozen=True)
class Received:
    """A PTZ command as a hub in another process logged it (`PtzCommandRecord`'s fields)."""

    command: str
    received: float
    applied: bool
    body: dict[str, Any]


class HubChild:
    """The same demo hub in a process of its own (`--hub-worker`), for the run under load: a
    real hub is not in the console's process, and in it the hub would wait for the GIL behind
    sixteen tiles' video callbacks. Its log comes over a pipe as it grows; `received` is the
    hub's `time.monotonic()`, the same clock in every process of one machine (Linux
    CLOCK_MONOTONIC)."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.ptz", "--hub-worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,  # closed when we end: the worker then ends too
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = json.loads(self._proc.stdout.readline())["url"]
        self._log: list[Received] = []
        self._reader = threading.Thread(target=self._read, name="hub-child-log", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            with contextlib.suppress(json.JSONDecodeError, TypeError):
                self._log.append(Received(**json.loads(line)))

    def records(self, since: float) -> list[Received]:
        return [r for r in list(self._log) if r.received >= since]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)


def hub_worker() -> int:
    """`--hub-worker`: the demo hub; prints its URL, then every PTZ command for the bench camera
    as it arrives (JSON lines), until stdin closes."""
    hub = HubThread(ptz_lock_idle_s=30.0)
    print(json.dumps({"url": hub.url}), flush=True)
    stop = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    sent = 0
    try:
        while not stop.wait(0.001):
            log = hub.records(0.0)
            for r in log[sent:]:
                record = {"command": r.command, "received": r.received, "applied": r.applied}
                print(json.dumps({**record, "body": r.body}), flush=True)
            sent = max(sent, len(log))
    finally:
        hub.close()
    return 0


async def until(predicate: Callable[[], bool], timeout: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()


class Chain:
    """Joystick → PtzDesk → hub, as the console wires it."""

    def __init__(self, hub: HubThread | HubChild, folder: Path, operator: str) -> None:
        self.hub = hub
        self.folder = folder
        self.operator = operator
        self.returned_at = 0.0  # when the last set_pan's executor call came back
        self.zero_samples: list[float] = []  # when a released stick's zeros reached the loop
        self.stops_sent: list[float] = []  # when the camera's chain sent a stop
        self.line_stops: list[float] = []  # when SDL's thread handed a stop to the stop line

    async def __aenter__(self) -> Chain:
        loop = asyncio.get_running_loop()
        url = self.hub.url
        self.client = TesseraHubClient(HubConfig(url=url, operator=self.operator, timeout_s=5))
        directory = CameraDirectory(self.client, Notices())
        directory.set_cameras(await self.client.cameras())
        self.desk = PtzDesk(self.client, directory, self.operator)
        self.desk.control(PTZ_CAM).sent.connect(self._on_sent)
        profiles = JoystickProfiles(self.folder / "joysticks.json")
        self.input = JoystickInput(Marshal(loop), profiles)
        self.input.axes.connect(lambda _key, p, t, z: self._on_axes(p, t, z))
        self.input.axes.connect(lambda _key, p, t, z: self.desk.steer(PTZ_CAM, p, t, z))
        # As `JoystickSteering` wires it: the stick at rest stops the camera from the stop line,
        # on SDL's thread, without waiting for the loop.
        config = HubConfig(url=url, operator=self.operator, timeout_s=5)
        self.stop_line = StopLine(lambda: TesseraHubClient(config)).start()
        self.input.on_rest = self._on_rest
        self.input.start()
        if not await loop.run_in_executor(None, self.input.wait_ready, 5.0):
            raise RuntimeError(f"SDL did not start: {self.input.problem}")
        if self.input.problem:
            raise RuntimeError(self.input.problem)
        self.stick = VirtualJoystick(self.input, name="bench stick")
        guid = await loop.run_in_executor(None, self.stick.attach)
        # Linear response, small dead zone: a stick position maps to a speed we can recognise.
        profile = JoystickProfile(key=guid, name="bench stick", dead_zone=0.05, exponent=1.0)
        await loop.run_in_executor(None, profiles.update, profile)
        await asyncio.sleep(0.2)
        return self

    async def set_pan(self, value: float) -> float:
        """Move the stick; returns `time.monotonic()` when SDL has the new position.

        The time is read on SDL's thread right after the axis is set, before the next poll can
        see it. (Read after the executor hands the answer back, it can be later than the hub
        receiving the stop when this thread waits for a core: that stop was then not counted.)
        """
        loop = asyncio.get_running_loop()
        held, self.returned_at = await loop.run_in_executor(None, self._set_pan_timed, value)
        return held

    def _set_pan_timed(self, value: float) -> tuple[float, float]:
        def set_axis() -> float:
            self.stick.set_axis(AXIS_PAN, value)  # already on SDL's thread: runs at once
            return time.monotonic()

        held = self.input.call_in_sdl_thread(set_axis)
        return held, time.monotonic()

    def _on_axes(self, pan: float, tilt: float, zoom: float) -> None:
        if pan == tilt == zoom == 0.0:
            self.zero_samples.append(time.monotonic())
        else:
            self.stop_line.prepare(PTZ_CAM)

    def _on_rest(self, _key: str) -> None:  # SDL's thread
        self.line_stops.append(time.monotonic())
        self.stop_line.stop(PTZ_CAM)

    def _on_sent(self, command: str, *_args: Any) -> None:
        if command == "stop":
            self.stops_sent.append(time.monotonic())

    async def __aexit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.stick.detach)
        await loop.run_in_executor(None, self.input.stop)
        await loop.run_in_executor(None, self.stop_line.close)
        await self.desk.close()
        await self.client.close()


def expected_speed(axis: float, dead_zone: float = 0.05) -> float:
    magnitude = (abs(axis) - dead_zone) / (1 - dead_zone)
    return math.copysign(max(0.0, magnitude), axis)


async def command_latency(chain: Chain, trials: int) -> list[float]:
    latencies: list[float] = []
    levels = [0.3, 0.5, 0.7, 0.9, -0.4, -0.6, -0.8]
    for i in range(trials):
        axis = levels[i % len(levels)]
        want = expected_speed(axis)
        t0 = await chain.set_pan(axis)

        def arrived(t0: float = t0, want: float = want) -> bool:
            return any(
                r.command == "move" and abs(r.body.get("pan", 0.0) - want) < 0.02
                for r in chain.hub.records(t0)
            )

        if await until(arrived, 2.0, 0.005):
            first = min(
                r.received
                for r in chain.hub.records(t0)
                if r.command == "move" and abs(r.body.get("pan", 0.0) - want) < 0.02
            )
            latencies.append((first - t0) * 1000)
        await asyncio.sleep(0.15)
    await chain.set_pan(0.0)
    await asyncio.sleep(0.3)
    return latencies


async def commands_at_100hz(chain: Chain, seconds: float) -> tuple[float, int]:
    start = time.monotonic()
    samples = 0
    while time.monotonic() - start < seconds:
        # A slow sweep that never rests: every sample is a new position.
        phase = (time.monotonic() - start) / 2.0 * 2 * math.pi
        await chain.set_pan(0.2 + 0.7 * (0.5 + 0.5 * math.sin(phase)))
        samples += 1
        await asyncio.sleep(max(0.0, start + samples * 0.01 - time.monotonic()))
    end = time.monotonic()
    moves = [r for r in chain.hub.records(start) if r.command == "move" and r.received <= end]
    await chain.set_pan(0.0)
    await asyncio.sleep(0.3)
    return len(moves) / (end - start), samples


async def stops_after_release(
    chain: Chain, releases: int, diagnosis: dict[str, Any] | None = None
) -> tuple[list[float], int]:
    """`releases` trials; (stop latencies in ms, stops missing). `diagnosis`, when given, gets
    what happened around every missing stop and how late the old way of timing was."""
    latencies: list[float] = []
    missing = 0
    hops: list[float] = []
    early = 0  # stops received before the executor call setting the stick had come back
    timelines: list[dict[str, Any]] = []
    stages: dict[str, list[float]] = {
        name: []
        for name in (
            "sdl_to_loop",
            "loop_to_sent",
            "loop_sent_to_hub",
            "sdl_to_stop_line",
            "stop_line_to_hub",
        )
    }
    stages["first_from_stop_line"] = []
    for trial in range(releases):
        t0 = await chain.set_pan(0.8)

        def moved(t0: float = t0) -> bool:
            return any(r.command == "move" for r in chain.hub.records(t0))

        await until(moved, 2.0)
        await asyncio.sleep(0.02)
        released = await chain.set_pan(0.0)
        hops.append((chain.returned_at - released) * 1000)

        def stopped(released: float = released) -> bool:
            return any(r.command == "stop" for r in chain.hub.records(released))

        if await until(stopped, STOP_MISSING_AFTER_S):
            first = min(r.received for r in chain.hub.records(released) if r.command == "stop")
            latencies.append((first - released) * 1000)
            early += first < chain.returned_at
            # Where the time went: SDL to the loop (the zero sample), the loop to the request
            # leaving (the chain's stop), the request to the hub's handler.
            at_loop = [t for t in chain.zero_samples if t >= released]
            sent = [t for t in chain.stops_sent if t >= released]
            line = [t for t in chain.line_stops if t >= released]
            if at_loop and sent:
                stages["sdl_to_loop"].append((at_loop[0] - released) * 1000)
                stages["loop_to_sent"].append((sent[0] - at_loop[0]) * 1000)
                if first >= sent[0]:  # else the stop line's stop came first
                    stages["loop_sent_to_hub"].append((first - sent[0]) * 1000)
            if line:
                stages["sdl_to_stop_line"].append((line[0] - released) * 1000)
                stages["stop_line_to_hub"].append((first - line[0]) * 1000)
                stages["first_from_stop_line"].append(
                    float(first - line[0] < (sent or [1e18])[0] - line[0])
                )
        else:
            missing += 1
            if len(timelines) < 10:

                def ms(t: float, released: float = released) -> float:
                    return round((t - released) * 1000, 1)

                timelines.append(
                    {
                        "trial": trial,
                        "hub_received": [
                            (r.command, ms(r.received), r.applied) for r in chain.hub.records(t0)
                        ],
                        "zero_sample_at_loop": [ms(t) for t in chain.zero_samples if t >= t0],
                        "stop_sent": [ms(t) for t in chain.stops_sent if t >= t0],
                        "moving": chain.desk.control(PTZ_CAM).moving,
                    }
                )
        await asyncio.sleep(0.03)
    if diagnosis is not None:
        diagnosis["executor_return_ms"] = summary(hops)
        diagnosis["stops_before_executor_return"] = early
        diagnosis["missing_trials"] = timelines
        first_from_line = stages.pop("first_from_stop_line")
        diagnosis["stages_ms"] = {name: summary(values) for name, values in stages.items()}
        diagnosis["stops_first_from_stop_line"] = int(sum(first_from_line))
        # The loop that polls for the stop can itself be late on a loaded machine, so a stop
        # that came after more than 1 s is counted as arrived, and reported here.
        diagnosis["stops_later_than_1s"] = sum(
            1 for v in latencies if v > STOP_MISSING_AFTER_S * 1000
        )
    return latencies, missing


def summary(values: list[float]) -> dict[str, Any]:
    p = percentiles(values)
    return {**p, "max": round(max(values), 1) if values else None, "n": len(values)}


async def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    hub = HubThread(ptz_lock_idle_s=30.0)
    try:
        async with Chain(hub, folder, "bench") as chain:
            print(f"command latency: {args.latency_trials} step changes …", flush=True)
            result["command_latency_ms"] = summary(
                await command_latency(chain, args.latency_trials)
            )
            print(f"commands at 100 Hz input for {args.sweep_s:g} s …", flush=True)
            rate, samples = await commands_at_100hz(chain, args.sweep_s)
            result["commands_per_s_at_100hz"] = round(rate, 1)
            result["input_samples_per_s"] = round(samples / args.sweep_s, 1)
            print(f"stop after release: {args.releases} releases …", flush=True)
            diagnosis: dict[str, Any] = {}
            busy = Window().start()
            stops, missing = await stops_after_release(chain, args.releases, diagnosis)
            result["machine_busy_pct_during_stops"] = round(
                float(busy.stop()["machine_busy_pct"]),  # type: ignore[arg-type]
                1,
            )
            result["stop_after_release_ms"] = summary(stops)
            result["stops_missing"] = missing
            result["releases"] = args.releases
            result["stop_diagnosis"] = diagnosis
    finally:
        hub.close()
    if args.slow_releases:
        slow = HubThread(ptz_lock_idle_s=30.0, ptz_answer_delay_s=args.slow_answer_ms / 1000)
        try:
            async with Chain(slow, folder, "bench-slow") as chain:
                print(
                    f"stop after release, hub answering {args.slow_answer_ms} ms late: "
                    f"{args.slow_releases} releases …",
                    flush=True,
                )
                stops, missing = await stops_after_release(chain, args.slow_releases)
                result["slow_hub"] = {
                    "answer_delay_ms": args.slow_answer_ms,
                    "releases": args.slow_releases,
                    "stop_after_release_ms": summary(stops),
                    "stops_missing": missing,
                }
        finally:
            slow.close()
    return result


def report(result: dict[str, Any]) -> str:
    def trio(d: dict[str, Any]) -> str:
        return f"p50 {d['p50']} ms, p95 {d['p95']} ms, max {d['max']} ms (n={d['n']})"

    lines = [
        f"input-to-hub command latency: {trio(result['command_latency_ms'])}",
        f"commands per second at 100 Hz input: {result['commands_per_s_at_100hz']} "
        f"(input: {result['input_samples_per_s']} samples/s)",
        f"stop after release: {trio(result['stop_after_release_ms'])}; "
        f"missing: {result['stops_missing']} of {result['releases']}",
    ]
    slow = result.get("slow_hub")
    if slow:
        lines.append(
            f"stop after release, hub answering {slow['answer_delay_ms']} ms late: "
            f"{trio(slow['stop_after_release_ms'])}; missing: {slow['stops_missing']} of "
            f"{slow['releases']}"
        )
    worst = [result["stop_after_release_ms"]["max"]]
    if slow:
        worst.append(slow["stop_after_release_ms"]["max"])
    missing = result["stops_missing"] + (slow["stops_missing"] if slow else 0)
    ok = missing == 0 and all(w is not None and w <= STOP_TARGET_MS for w in worst)
    lines.append(
        f"target (stop within {STOP_TARGET_MS:.0f} ms of every release, none missing): "
        + ("met" if ok else "MISSED")
    )
    load = result.get("load")
    if load:
        lines.append(
            f"stop after release, {load['tiles']} {load['profile']} tiles playing and "
            f"{load['busy_processes']} busy processes (machine {load['machine_busy_pct']} % busy, "
            f"slowest tile {load['shown_fps_min']} fps): {trio(load['stop_after_release_ms'])}; "
            f"missing: {load['stops_missing']} of {load['releases']}"
        )
        p95 = load["stop_after_release_ms"]["p95"]
        ok = load["stops_missing"] == 0 and p95 is not None and p95 <= STOP_TARGET_MS
        lines.append(
            f"target under load (stop p95 <= {STOP_TARGET_MS:.0f} ms, none missing): "
            + ("met" if ok else "MISSED")
        )
    return "\n".join(lines)


# -- under load: 16 main tiles playing in this process, every core kept busy -------------------
LOAD_TILES = 16
LOAD_LAYOUT = "4x4"
LOAD_PROFILE = "main"


def run_load(args: argparse.Namespace) -> dict[str, Any]:
    """The loaded stop trial in a fresh process (`--load-worker`): its own Qt platform, and the
    quiet run's figures are not disturbed by what it leaves behind."""
    with tempfile.TemporaryDirectory(prefix="tessera-bench-ptz-load-") as tmp:
        out = Path(tmp) / "load.json"
        cmd = [sys.executable, "-m", "bench.ptz", "--load-worker", "--json", str(out)]
        cmd += ["--releases", str(args.load_releases)]
        env = {**os.environ, "TESSERA_CONFIG_DIR": str(Path(tmp) / "config")}
        budget = 240.0 + args.load_releases * 4.0  # a trial takes up to ~3 s on a saturated machine
        proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=budget, check=False)
        if not out.exists():
            raise RuntimeError(f"the load worker wrote no results (exit {proc.returncode})")
        return dict(json.loads(out.read_text()))


def load_worker(args: argparse.Namespace) -> int:
    """The console (16 main tiles) and the PTZ chain on one qasync loop, as in the product."""
    from bench._harness import _ensure_screen_config

    folder = Path(os.environ.get("TESSERA_CONFIG_DIR") or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    _ensure_screen_config("composited", folder)
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        result = loop.run_until_complete(_loaded(args, app, folder))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


async def _loaded(args: argparse.Namespace, qapp: Any, folder: Path) -> dict[str, Any]:
    from bench._harness import _keep_wall_empty
    from bench._load import busy_processes
    from console.app.console_app import ConsoleApp, ConsoleOptions
    from console.wall.layout import assign
    from tests.support.hubproc import HubProcess
    from widgets.wall import tile_view

    painted: dict[int, int] = {}

    def probe(view: Any, _frame: Any, _at: float) -> None:
        painted[id(view)] = painted.get(id(view), 0) + 1

    streams = HubProcess(cameras=LOAD_TILES).start()
    undo = _keep_wall_empty()
    options = ConsoleOptions(
        hub_url=streams.url, layout=LOAD_LAYOUT, profile=LOAD_PROFILE, joystick=False
    )
    console = ConsoleApp(options, qapp)
    hub: HubChild | None = None
    try:
        if await console.start() != 0:
            raise RuntimeError("the console did not start")
        station = console.station
        assert station is not None
        await until(lambda: bool(station.directory.cameras), 20.0, 0.05)
        undo()
        wall, window = station.walls[0], console.windows[0]
        window.setGeometry(window.screen().availableGeometry())
        layout = wall.layout
        cameras = [c.id for c in station.directory.cameras][:LOAD_TILES]
        for tile, cam in zip(layout.tiles, cameras, strict=False):
            layout = assign(layout, tile.id, cam)
        tile_view.set_paint_probe(probe)
        wall.set_layout(layout)
        views = window.wall_view.tile_views
        if not await until(lambda: all(painted.get(id(v)) for v in views), 60.0, 0.1):
            raise RuntimeError(f"only {len(painted)} of {len(views)} tiles showed video")
        print(f"load: {len(views)} {LOAD_PROFILE} tiles live", flush=True)
        hub = HubChild()
        async with Chain(hub, folder, "bench-load") as chain:
            cores = os.cpu_count() or 1
            with busy_processes(cores, max_s=60.0 + args.releases * 1.0):
                await asyncio.sleep(1.0)  # let the busy processes take the cores
                console.stall.reset()
                shown0 = [painted.get(id(v), 0) for v in views]
                window_ = Window(hub_pid=streams.pid).start()
                print(f"load: stop after release, {args.releases} releases …", flush=True)
                diagnosis: dict[str, Any] = {}
                stops, missing = await stops_after_release(chain, args.releases, diagnosis)
                measured = window_.stop()
                shown1 = [painted.get(id(v), 0) for v in views]
        elapsed = float(measured["elapsed_s"])  # type: ignore[arg-type]
        fps = [(b - a) / elapsed for a, b in zip(shown0, shown1, strict=True)]
        return {
            "tiles": len(views),
            "profile": LOAD_PROFILE,
            "busy_processes": cores,
            "releases": args.releases,
            "stop_after_release_ms": summary(stops),
            "stops_missing": missing,
            "stop_diagnosis": diagnosis,
            "seconds": round(elapsed, 1),
            "machine_busy_pct": round(float(measured["machine_busy_pct"]), 1),  # type: ignore[arg-type]
            "console_cores": round(float(measured["cpu_s"]) / elapsed, 2),  # type: ignore[arg-type]
            "hub_cores": round(float(measured["hub_cpu_s"] or 0) / elapsed, 2),  # type: ignore[arg-type]
            "shown_fps_min": round(min(fps), 2),
            "shown_fps_mean": round(sum(fps) / len(fps), 2),
            "gui_max_stall_ms": round(float(console.stall.max_stall_ms), 1),
        }
    finally:
        tile_view.set_paint_probe(None)
        if hub is not None:
            hub.close()
        await console.shutdown()
        streams.stop()


DOC = ROOT / "docs" / "performance-ptz.md"
RESULTS = Path(__file__).resolve().parent / "results" / "ptz-full.json"


def performance_doc(result: dict[str, Any]) -> str:
    """`docs/performance-ptz.md`, entirely from one full run's results."""
    m = result["machine"]
    slow = result.get("slow_hub") or {}

    def row(name: str, d: dict[str, Any] | None) -> str:
        if not d:
            return f"| {name} | - | - | - | - |"
        return f"| {name} | {d['p50']} | {d['p95']} | {d['max']} | {d['n']} |"

    slow_name = f"stop after release, hub answering {slow.get('answer_delay_ms', '-')} ms late"
    load = result.get("load") or {}
    load_name = (
        f"stop after release, {load.get('tiles')} {load.get('profile')} tiles playing and "
        f"every core busy"
    )
    load_rows = f"\n{row(load_name, load.get('stop_after_release_ms'))}" if load else ""
    load_text = ""
    if load:
        d = load.get("stop_diagnosis", {})
        stages = d.get("stages_ms", {})

        def stage(name: str) -> str:
            v = stages.get(name) or {}
            return f"{v.get('p50', '-')} / {v.get('p95', '-')} / {v.get('max', '-')}"

        late = d.get("stops_later_than_1s", 0)
        load_text = f"""
Under load (`--load`, after the quiet run, same machine, in a second process): the real console
(`ConsoleApp`) plays {load["tiles"]} `{load["profile"]}` tiles from a demo hub process on the
same loop that runs the PTZ chain, {load["busy_processes"]} other processes spin one core each
for the whole trial, and the PTZ hub runs in a process of its own, as a real hub would (in the
console's process it would wait for the GIL behind the tiles' video callbacks; its times are
`time.monotonic()` there, the same clock in every process of one machine). The stick is wired
as `JoystickSteering` wires it: at rest, SDL's thread hands the stop to the stop line
(`console.ptz.stop_line`). Machine {load["machine_busy_pct"]} % busy over the {load["seconds"]} s
of the trial (console {load["console_cores"]} cores, stream hub {load["hub_cores"]}); slowest tile
{load["shown_fps_min"]} fps (mean {load["shown_fps_mean"]}); longest GUI-thread stall
{load["gui_max_stall_ms"]} ms. Stops missing: **{load["stops_missing"]}** of {load["releases"]}
(slowest {load["stop_after_release_ms"]["max"]} ms; {late} later than 1 s).
Target: stop p95 <= 100 ms, none missing.

Where the time went (ms, p50 / p95 / max): SDL's thread to the stop line
{stage("sdl_to_stop_line")}, stop line to the hub {stage("stop_line_to_hub")}; for comparison,
the zero sample (what the stop waited for before the stop line) reached the GUI loop after
{stage("sdl_to_loop")}. The first stop the hub received came from the stop line in
{d.get("stops_first_from_stop_line", "-")} of {load["releases"]} releases (the loop's own stop
was first in the others).
Each release is timed on SDL's thread at the moment the stick is set; the executor call that
set it came back up to {(d.get("executor_return_ms") or {}).get("max", "-")} ms later, and
{d.get("stops_before_executor_return", "-")} stops reached the hub before it did (timed after
the hand-back, as the benchmark did before, each of those looked like a stop missing).
"""
    analysis = _kept_analysis()
    return f"""# PTZ control performance

Written by `python -m bench.ptz --write-doc [--load]` from its latest full run (the JSON is kept in
`bench/results/ptz-full.json`). How it measures: the docstring of [bench/ptz.py](../bench/ptz.py).

- Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory_gib"]} GiB; {m["os"]}; Python {m["python"]}
- Command: `{result["command"]}`
- Date: {result["date"]}
- Chain: SDL's virtual joystick → the console's `JoystickInput` (100 Hz polling) →
  `PtzDesk` / `PtzControl` → HTTP on loopback → the demo hub, all in one process so both ends
  read the same monotonic clock; times are taken where the hub receives each request.

| measurement (ms) | p50 | p95 | max | trials |
|---|---|---|---|---|
{row("input-to-hub command latency", result.get("command_latency_ms"))}
{row("stop after release", result.get("stop_after_release_ms"))}
{row(slow_name, slow.get("stop_after_release_ms"))}{load_rows}

- Commands per second at 100 Hz input (after coalescing): **{result["commands_per_s_at_100hz"]}**
  (input {result["input_samples_per_s"]} samples/s; at most one move in flight, at most one
  every 50 ms).
- The machine was {result.get("machine_busy_pct_during_stops", "-")} % busy (all programs)
  during the quiet stop trial.
- Stops missing (none within 1 s of a release): **{result["stops_missing"]}** of
  {result["releases"]}; on the slow hub {slow.get("stops_missing", "-")} of
  {slow.get("releases", "-")}.
- Target: stop delivered within 100 ms of release in every trial, including a slow hub; none
  missing.

Latency starts when SDL holds the stick's new position and includes up to one 10 ms poll
period. On the slow hub every PTZ answer arrives 400 ms after the command was applied, so a move
is still waiting for its answer when the stick is let go: the stop goes out on its own
connection with a higher `seq` and does not wait for it.
{load_text}{analysis}"""


ANALYSIS = re.compile(r"<!-- analysis:begin.*?<!-- analysis:end -->\n?", re.S)


def _kept_analysis() -> str:
    """The hand-written part of the existing doc (between the analysis markers), kept."""
    try:
        found = ANALYSIS.search(DOC.read_text())
    except OSError:
        return ""
    return "\n" + found.group(0) if found else ""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ptz", description=__doc__.split("\n")[0])
    p.add_argument("--json", type=Path, help="write the results here")
    p.add_argument("--releases", type=int, default=500, help="stop-after-release trials (500)")
    p.add_argument("--latency-trials", type=int, default=100, help="command latency trials")
    p.add_argument("--sweep-s", type=float, default=5.0, help="seconds of 100 Hz input (5)")
    p.add_argument(
        "--slow-releases", type=int, default=200, help="releases on a slow hub (200; 0: skip)"
    )
    p.add_argument("--slow-answer-ms", type=int, default=400, help="the slow hub's answer delay")
    p.add_argument("--quick", action="store_true", help="fewer trials, for a smoke run")
    p.add_argument(
        "--load",
        action="store_true",
        help=f"also the stop trial with {LOAD_TILES} {LOAD_PROFILE} tiles playing and every core "
        "busy (a second process, after the quiet run)",
    )
    p.add_argument("--load-releases", type=int, help="releases under load (as --releases)")
    p.add_argument("--load-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--hub-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--write-doc",
        action="store_true",
        help="after a full run keep its JSON in bench/results/ and rewrite docs/performance-ptz.md",
    )
    p.add_argument("--from-json", type=Path, help="with --write-doc: write the doc from this JSON")
    args = p.parse_args(argv)
    if args.hub_worker:
        return hub_worker()
    if args.write_doc and args.from_json:
        DOC.write_text(performance_doc(json.loads(args.from_json.read_text())))
        print(f"wrote {DOC}")
        return 0
    if args.quick:
        args.releases, args.latency_trials, args.sweep_s, args.slow_releases = 20, 10, 1.0, 10
    if args.load_worker:
        return load_worker(args)
    if args.load_releases is None:
        args.load_releases = args.releases
    with tempfile.TemporaryDirectory(prefix="tessera-bench-ptz-") as tmp:
        os.environ["TESSERA_CONFIG_DIR"] = tmp
        started = datetime.now(timezone.utc)
        result = asyncio.run(measure(args, Path(tmp)))
    if args.load:
        print(
            f"stop after release with {LOAD_TILES} {LOAD_PROFILE} tiles playing and every core "
            f"busy: {args.load_releases} releases (a second process) …",
            flush=True,
        )
        result["load"] = run_load(args)
    result = {
        "benchmark": "ptz",
        "date": started.isoformat(timespec="seconds"),
        "command": "python -m bench.ptz " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine_info(),
        **result,
    }
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    if args.write_doc and not args.quick:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        DOC.write_text(performance_doc(result))
        print(f"wrote {RESULTS} and {DOC}")
    missing = result["stops_missing"] + result.get("slow_hub", {}).get("stops_missing", 0)
    missing += result.get("load", {}).get("stops_missing", 0)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
