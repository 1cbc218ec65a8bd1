"""`python -m bench.ptz`: the PTZ control chain, from a joystick to the hub, measured.

The real parts, in one process so that both ends read the same `time.monotonic()` clock:

- the demo hub (`console.demohub.DemoHub`) on 127.0.0.1 on its own loop in a thread; it records
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
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._harness import percentiles
from bench._system import machine_info
from console.cameras import CameraDirectory
from console.demohub.background import BackgroundHub
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.joystick.mapping import JoystickProfile
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInput
from console.joystick.virtual import VirtualJoystick
from console.marshal import Marshal
from console.notices import Notices
from console.ptz.desk import PtzDesk

PTZ_CAM = "cam-08"
STOP_MISSING_AFTER_S = 1.0
AXIS_PAN = 0
STOP_TARGET_MS = 100.0


class HubThread(BackgroundHub):
    """The demo hub on its own loop; `records` reads its PTZ command log there."""

    def __init__(self, **options: Any) -> None:
        super().__init__(camera_count=10, **options)

    def records(self, since: float) -> list[Any]:
        return self.call(
            lambda: [
                c for c in self.hub.ptz_commands if c.camera_id == PTZ_CAM and c.received >= since
            ]
        )


async def until(predicate: Callable[[], bool], timeout: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()


class Chain:
    """Joystick → PtzDesk → hub, as the console wires it."""

    def __init__(self, hub: HubThread, folder: Path, operator: str) -> None:
        self.hub = hub
        self.folder = folder
        self.operator = operator

    async def __aenter__(self) -> Chain:
        loop = asyncio.get_running_loop()
        url = self.hub.url
        self.client = TesseraHubClient(HubConfig(url=url, operator=self.operator, timeout_s=5))
        directory = CameraDirectory(self.client, Notices())
        directory.set_cameras(await self.client.cameras())
        self.desk = PtzDesk(self.client, directory, self.operator)
        profiles = JoystickProfiles(self.folder / "joysticks.json")
        self.input = JoystickInput(Marshal(loop), profiles)
        self.input.axes.connect(lambda _key, p, t, z: self.desk.steer(PTZ_CAM, p, t, z))
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
        """Move the stick; returns `time.monotonic()` when SDL has the new position."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.stick.set_axis, AXIS_PAN, value)
        return time.monotonic()

    async def __aexit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.stick.detach)
        await loop.run_in_executor(None, self.input.stop)
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


async def stops_after_release(chain: Chain, releases: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    missing = 0
    for _ in range(releases):
        t0 = await chain.set_pan(0.8)
        await until(lambda t0=t0: any(r.command == "move" for r in chain.hub.records(t0)), 2.0)
        await asyncio.sleep(0.02)
        released = await chain.set_pan(0.0)

        def stopped(released: float = released) -> bool:
            return any(r.command == "stop" for r in chain.hub.records(released))

        if await until(stopped, STOP_MISSING_AFTER_S):
            first = min(r.received for r in chain.hub.records(released) if r.command == "stop")
            latencies.append((first - released) * 1000)
        else:
            missing += 1
        await asyncio.sleep(0.03)
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
            stops, missing = await stops_after_release(chain, args.releases)
            result["stop_after_release_ms"] = summary(stops)
            result["stops_missing"] = missing
            result["releases"] = args.releases
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
    return "\n".join(lines)


DOC = Path(__file__).resolve().parents[1] / "docs" / "performance-ptz.md"
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
    return f"""# PTZ control performance

Written by `python -m bench.ptz --write-doc` from its latest full run (the JSON is kept in
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
{row(slow_name, slow.get("stop_after_release_ms"))}

- Commands per second at 100 Hz input (after coalescing): **{result["commands_per_s_at_100hz"]}**
  (input {result["input_samples_per_s"]} samples/s; at most one move in flight, at most one
  every 50 ms).
- Stops missing (none within 1 s of a release): **{result["stops_missing"]}** of
  {result["releases"]}; on the slow hub {slow.get("stops_missing", "-")} of
  {slow.get("releases", "-")}.
- Target: stop delivered within 100 ms of release in every trial, including a slow hub; none
  missing.

Latency starts when SDL holds the stick's new position and includes up to one 10 ms poll
period. On the slow hub every PTZ answer arrives 400 ms after the command was applied, so a move
is still waiting for its answer when the stick is let go: the stop goes out on its own
connection with a higher `seq` and does not wait for it.
"""


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
        "--write-doc",
        action="store_true",
        help="after a full run keep its JSON in bench/results/ and rewrite docs/performance-ptz.md",
    )
    p.add_argument("--from-json", type=Path, help="with --write-doc: write the doc from this JSON")
    args = p.parse_args(argv)
    if args.write_doc and args.from_json:
        DOC.write_text(performance_doc(json.loads(args.from_json.read_text())))
        print(f"wrote {DOC}")
        return 0
    if args.quick:
        args.releases, args.latency_trials, args.sweep_s, args.slow_releases = 20, 10, 1.0, 10
    with tempfile.TemporaryDirectory(prefix="tessera-bench-ptz-") as tmp:
        os.environ["TESSERA_CONFIG_DIR"] = tmp
        started = datetime.now(timezone.utc)
        result = asyncio.run(measure(args, Path(tmp)))
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
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
