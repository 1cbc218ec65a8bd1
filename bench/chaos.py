"""`python -m bench.chaos`: the real console against a network that fails, a hub that dies and a hub
that misbehaves, measured over repeated trials.

    python -m bench.chaos --quick --json out.json   # 2 trials of each, the hostile hub; < 2 min
    python -m bench.chaos --json out.json           # 10 trials of each, the hostile hub
    python -m bench.chaos --soak --json out.json    # ... and a 60-minute soak of 16 live tiles
    python -m bench.chaos --soak --soak-minutes 10  # a shorter soak (warm-up scaled down)

The parts (see bench/README.md and docs/reliability.md):

- one demo hub process (`tests.support.hubproc.HubProcess`, 16 cameras, scripted alerts off);
- a loopback proxy owned by the benchmark (`tests.support.blackhole_proxy`) between the console
  and that hub: API, event channel and streams all pass through it;
- the real console (`ConsoleApp`) in a child process per phase (`--worker`, bench/_chaos_worker.py)
  with a 4x4 wall, one distinct camera per tile; it reports every tile state change with its
  `time.monotonic()`, the clock this process uses too;
- a hostile hub (`tests.support.hostile_hub`) in this process, in front of the same demo hub.

Phases: **cut** (the proxy forwards nothing for 10 s: time until every tile has shown "Signal
lost", then from the resume until every tile is live again), **hub kill** (SIGKILL, restart on
the same port: from the restarted hub's first answer until every tile is live again), **hostile**
(streams that never give a picture, hostile names, unreadable events and a 2 MB message on the
channel, then the camera list malformed, 50,000 entries long, 20 MB, and dripped a byte a second:
crashes, stuck tiles, the longest GUI-thread stall), **soak** (`--soak`: RSS, threads and open
files of the console process every 15 s).

Missed targets are reported, not failed; exit status 1 only when a phase could not be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TILES = 16
CUT_S = 10.0
LIVE_TIMEOUT_S = 60.0  # every tile live before a trial
RECOVER_TIMEOUT_S = 30.0  # after a cut or a hub restart
STUCK_AFTER_S = 15.0  # the hostile wall is judged this long after the call-up
STUCK_CONNECTING_S = 10.0  # ... a tile "Connecting…" without a break this long is stuck
SOAK_SAMPLE_S = 15.0
SOAK_WARMUP_MIN = 15.0  # for a soak of at least an hour; shorter soaks scale it down
SETTLE_S = 2.0  # between trials, once every tile is live again
TAIL_LINES = 40

FLAG_TARGET_S = 2.0
CUT_RECOVER_TARGET_S = 5.0
KILL_RECOVER_TARGET_S = 10.0
STALL_TARGET_MS = 100.0
HOSTILE_FLAG_TARGET_S = 5.0
SOAK_TARGET_PCT = 5.0


@dataclass
class Plan:
    cut_trials: int
    kill_trials: int
    cut_s: float = CUT_S
    tiles: int = TILES
    hostile: bool = True
    drip_bound_s: float = 20.0
    settle_s: float = SETTLE_S
    soak_minutes: float | None = None


def percentiles(values: list[float], failed: int = 0) -> dict[str, Any]:
    """p50 and p95 (nearest rank), the count, and the trials that never got there (`failed`,
    counted in the ranks as the timeout value they were given)."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0, "failed": failed}
    s = sorted(values)

    def rank(q: float) -> float:
        return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]

    return {
        "p50": round(rank(0.50), 2),
        "p95": round(rank(0.95), 2),
        "max": round(s[-1], 2),
        "n": len(s),
        "failed": failed,
    }


# -- the console child -------------------------------------------------------------------------
class Worker:
    """`python -m bench.chaos --worker`: the console in a child process, its tile states here."""

    def __init__(self, hub_url: str, tiles: int, name: str, folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.stderr.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.chaos", "--worker", "--hub", hub_url,
             "--tiles", str(tiles)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env={**os.environ, "TESSERA_CONFIG_DIR": str(folder / f"{name}-config"),
                 "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"},
        )  # fmt: skip
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []  # state events, in arrival order
        self.current: dict[int, dict[str, Any]] = {}  # tile -> its latest state event
        self.started: dict[str, Any] | None = None
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name=f"chaos-{name}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            ev = msg.get("ev")
            if ev == "state":
                with self._lock:
                    self.events.append(msg)
                    self.current[msg["tile"]] = msg
            elif ev == "started":
                self.started = msg
                self._replies.put(msg)
            else:
                self._replies.put(msg)
        self._replies.put({"ev": "eof"})

    def wait_started(self, timeout_s: float = 60.0) -> dict[str, Any]:
        msg = self._next(timeout_s, "the console to start")
        if msg.get("ev") != "started":
            raise RuntimeError(f"the console did not start: {msg}; {self.tail(6)}")
        return msg

    def _next(self, timeout_s: float, what: str) -> dict[str, Any]:
        try:
            return self._replies.get(timeout=timeout_s)
        except queue.Empty:
            raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}") from None

    def cmd(self, cmd: str, timeout_s: float = 30.0, **kw: Any) -> dict[str, Any]:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the console exited ({self.exit_text()})")
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kw}) + "\n")
        self.proc.stdin.flush()
        msg = self._next(timeout_s, f"the console's answer to {cmd}")
        if msg.get("ev") != "reply":
            raise RuntimeError(f"the console exited ({self.exit_text()}): {self.tail(6)}")
        return msg

    def snapshot(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            return dict(self.current)

    def events_since(self, index: int) -> list[dict[str, Any]]:
        with self._lock:
            return self.events[index:]

    def event_count(self) -> int:
        with self._lock:
            return len(self.events)

    def all_live(self, tiles: list[int]) -> float | None:
        """When every tile became live (the latest of their last changes), or None."""
        now = self.snapshot()
        if all(now.get(t, {}).get("status") == "live" for t in tiles):
            return max(float(now[t]["t"]) for t in tiles)
        return None

    def wait_all_live(self, tiles: list[int], timeout_s: float) -> float | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            at = self.all_live(tiles)
            if at is not None:
                return at
            time.sleep(0.02)
        return self.all_live(tiles)

    def exit_text(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit {code}"

    def crashed(self) -> bool:
        code = self.proc.poll()
        return code is not None and code < 0

    def tail(self, lines: int = TAIL_LINES) -> str:
        self._log.flush()
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.cmd("quit", timeout_s=20)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)
        self._log.close()

    def crash_record(self, phase: str) -> dict[str, Any] | None:
        if not self.crashed():
            return None
        return {"phase": phase, "exit": self.exit_text(), "stderr_tail": self.tail()}


def _proc_counts(pid: int) -> dict[str, Any]:
    from bench._system import MIB, rss_bytes

    threads = None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
    fds = None
    with contextlib.suppress(OSError):
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    return {"rss_mib": round(rss_bytes(pid) / MIB, 1), "threads": threads, "fds": fds}


# -- phases -------------------------------------------------------------------------------------
def _wall(worker: Worker, cameras: list[str], tiles: int) -> list[int]:
    started = worker.started or {}
    tile_ids = list(started.get("tiles", []))[:tiles]
    worker.cmd("assign", cameras=cameras[: len(tile_ids)])
    return tile_ids[: min(len(tile_ids), len(cameras))]


def _when_settled(
    worker: Worker, tiles: list[int], settle_s: float, what: str, act: Callable[[], None]
) -> tuple[int, float] | dict[str, Any]:
    """Once every tile is live and `settle_s` more has passed, `act()` (the cut, the kill):
    the index of the next state event and the time just before it acted; or, when a tile was
    not live in time, the trial's error record."""
    if worker.wait_all_live(tiles, LIVE_TIMEOUT_S) is None:
        return {"error": f"not every tile was live before {what}", "states": _brief(worker, tiles)}
    time.sleep(settle_s)
    start = worker.event_count()
    t_act = time.monotonic()
    act()
    return start, t_act


def cut_trial(
    worker: Worker, proxy: Any, tiles: list[int], cut_s: float, settle_s: float
) -> dict[str, Any]:
    begun = _when_settled(worker, tiles, settle_s, "the cut", proxy.cut)
    if isinstance(begun, dict):
        return begun
    start, t_cut = begun
    cut_index = start
    flagged: dict[int, float] = {}
    live_during = 0
    while time.monotonic() < t_cut + cut_s:
        for ev in worker.events_since(start):
            start += 1
            if ev["tile"] not in tiles:
                continue
            if ev["status"] == "signal_lost" and ev["tile"] not in flagged:
                flagged[ev["tile"]] = float(ev["t"]) - t_cut
            elif ev["status"] == "live" and ev["t"] > t_cut + 0.5:
                live_during += 1
        time.sleep(0.02)
    proxy.resume()
    t_resume = time.monotonic()
    at = worker.wait_all_live(tiles, RECOVER_TIMEOUT_S)
    recovered = None if at is None else max(0.0, at - t_resume)
    return {
        "slowest_tile": _last_to_go_live(worker.events_since(cut_index), tiles, t_resume),
        "flag_s": round(max(flagged.values()), 3) if len(flagged) == len(tiles) else None,
        "first_flag_s": round(min(flagged.values()), 3) if flagged else None,
        "unflagged_tiles": [t for t in tiles if t not in flagged],
        "recover_s": None if recovered is None else round(recovered, 3),
        "not_recovered": [] if at is not None else _brief(worker, tiles, only_not_live=True),
        "live_events_during_cut": live_during,
    }


def _last_to_go_live(events: list[dict[str, Any]], tiles: list[int], t0: float) -> dict[str, Any]:
    """The tile that went live last and its states over the trial (times from `t0`, the end of
    the cut): shows why the slowest tile was slow (a second attempt, and its reason)."""
    went_live = {ev["tile"]: float(ev["t"]) for ev in events if ev["status"] == "live"}
    if not went_live:
        return {}
    slowest = max((t for t in tiles if t in went_live), key=went_live.__getitem__, default=None)
    if slowest is None:
        return {}
    return {
        "tile": slowest,
        "states": [
            {"t": round(float(ev["t"]) - t0, 2), "status": ev["status"], "reason": ev["reason"]}
            for ev in events
            if ev["tile"] == slowest
        ],
    }


def kill_trial(worker: Worker, hub: Any, tiles: list[int], settle_s: float) -> dict[str, Any]:
    begun = _when_settled(worker, tiles, settle_s, "the kill", hub.kill)
    if isinstance(begun, dict):
        return begun
    start, t_kill = begun
    hub.start()
    t_up = time.monotonic()
    at = worker.wait_all_live(tiles, RECOVER_TIMEOUT_S)
    events = worker.events_since(start)
    left = {ev["tile"] for ev in events if ev["status"] != "live"}
    back = {ev["camera"]: round(ev["t"] - t_up, 2) for ev in events if ev["status"] == "live"}
    return {
        "hub_restart_s": round(t_up - t_kill, 3),
        "recover_s": None if at is None else round(max(0.0, at - t_up), 3),
        "from_kill_s": None if at is None else round(max(0.0, at - t_kill), 3),
        "tiles_that_left_live": len(left & set(tiles)),
        "slowest_tiles_s": dict(sorted(back.items(), key=lambda kv: -kv[1])[:3]),
        "slowest_tile": _last_to_go_live(events, tiles, t_up),
        "not_recovered": [] if at is not None else _brief(worker, tiles, only_not_live=True),
    }


def _brief(worker: Worker, tiles: list[int], only_not_live: bool = False) -> list[dict[str, Any]]:
    now = worker.snapshot()
    out = []
    for t in tiles:
        st = now.get(t, {})
        if only_not_live and st.get("status") == "live":
            continue
        out.append({k: st.get(k) for k in ("tile", "camera", "status", "reason")} | {"tile": t})
    return out


def network_phases(hub: Any, plan: Plan, folder: Path, out: dict[str, Any]) -> None:
    """Cut trials, then hub kill trials, with one console behind the blackhole proxy."""
    from tests.support.blackhole_proxy import BlackholeProxy

    proxy = BlackholeProxy(hub.port).start()
    worker = Worker(proxy.url, plan.tiles, "network", folder)
    try:
        started = worker.wait_started()
        cameras = [c for c in started["cameras"]]
        tiles = _wall(worker, cameras, plan.tiles)
        first = worker.wait_all_live(tiles, LIVE_TIMEOUT_S)
        out["network_all_live_s"] = None if first is None else round(first - started["t"], 2)
        cuts = []
        for i in range(plan.cut_trials):
            print(f"  cut {i + 1}/{plan.cut_trials} ...", flush=True)
            cuts.append(cut_trial(worker, proxy, tiles, plan.cut_s, plan.settle_s))
            print(f"    {_line(cuts[-1])}", flush=True)
            if worker.proc.poll() is not None:
                break
        kills = []
        for i in range(plan.kill_trials):
            if worker.proc.poll() is not None:
                break
            print(f"  hub kill {i + 1}/{plan.kill_trials} ...", flush=True)
            kills.append(kill_trial(worker, hub, tiles, plan.settle_s))
            print(f"    {_line(kills[-1])}", flush=True)
        out["cut_trials"], out["kill_trials"] = cuts, kills
        flag = [c["flag_s"] for c in cuts if c.get("flag_s") is not None]
        rec = [c["recover_s"] for c in cuts if c.get("recover_s") is not None]
        kill = [k["recover_s"] for k in kills if k.get("recover_s") is not None]
        flag_failed = sum(1 for c in cuts if "flag_s" in c and c["flag_s"] is None)
        rec_failed = sum(1 for c in cuts if "recover_s" in c and c["recover_s"] is None)
        kill_failed = sum(1 for k in kills if "recover_s" in k and k["recover_s"] is None)
        # A trial that never got there counts at its limit, so the p95 cannot look better.
        out["cut_flag_s"] = percentiles(flag + [plan.cut_s] * flag_failed, flag_failed)
        out["cut_recover_s"] = percentiles(rec + [RECOVER_TIMEOUT_S] * rec_failed, rec_failed)
        out["hub_kill_recover_s"] = percentiles(
            kill + [RECOVER_TIMEOUT_S] * kill_failed, kill_failed
        )
        out["hub_kill_from_kill_s"] = percentiles(
            [k["from_kill_s"] for k in kills if k.get("from_kill_s") is not None]
        )
        out["hub_restart_s"] = percentiles(
            [k["hub_restart_s"] for k in kills if "hub_restart_s" in k]
        )
        errors = [t["error"] for t in cuts + kills if "error" in t]
        if errors:
            out["errors"].append(f"network: {len(errors)} trials not run: {errors[0]}")
        out["proxy_connections"] = proxy.accepted
    finally:
        proxy.stop()
        worker.stop()
        crash = worker.crash_record("network")
        if crash:
            out["crashes"].append(crash)


def _line(trial: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in trial.items() if not isinstance(v, list) or v)


def hostile_phase(hub: Any, plan: Plan, folder: Path, out: dict[str, Any]) -> None:
    from tests.support.hostile_hub import HostileHub

    hostile = HostileHub(hub.url).start()  # with its misbehaving stream server
    worker = Worker(hostile.url, plan.tiles, "hostile", folder)
    result: dict[str, Any] = {
        "stream_cases": dict(hostile.stream_urls),
        "stream_server": "tests/support/hostile_streams.py",
    }
    out["hostile"] = result
    stalls: list[float] = []
    try:
        started = worker.wait_started()
        offered = started["cameras"]
        bad = hostile.hostile_camera_ids() + hostile.named_camera_ids()
        result["cameras_offered"] = len(offered)
        result["hostile_cameras_listed"] = [c for c in bad if c in offered]
        good = [c for c in offered if c not in bad]
        shown = [c for c in bad if c in offered][: plan.tiles]
        shown += good[: plan.tiles - len(shown)]
        worker.cmd("stall", reset=True)
        reply = worker.cmd("assign", cameras=shown)
        t_assign = float(reply["t_assign"])
        tiles = list((worker.started or {}).get("tiles", []))[: len(shown)]
        by_tile = dict(zip(tiles, shown, strict=False))
        # The event channel: a real alert (the relay works), then unreadable events and a 2 MB
        # message, then another real alert: does the channel go on?
        time.sleep(2.0)
        control_id = _raise_alert(hub.url, good[0] if good else shown[0])
        time.sleep(1.0)
        result["channels_injected"] = hostile.inject_events(big=True)
        alert_id = _raise_alert(hub.url, good[0] if good else shown[0])
        time.sleep(max(0.0, t_assign + STUCK_AFTER_S - time.monotonic()))
        history = [e for e in worker.events_since(0) if e["t"] >= t_assign - 0.1]
        result["tiles"] = _judge_tiles(history, by_tile, t_assign, t_assign + STUCK_AFTER_S)
        alarms = worker.cmd("alarms")
        result["alert_before_bad_events_reached_console"] = (
            control_id is not None and control_id in alarms["ids"]
        )
        result["alert_after_bad_events"] = {
            "raised": alert_id,
            "reached_console": alert_id is not None and alert_id in alarms["ids"],
            "unreadable_events_counted": alarms.get("unreadable"),
        }
        stall = worker.cmd("stall", reset=True)
        stalls.append(stall["max_stall_ms"])
        result["streams_max_stall_ms"] = stall["max_stall_ms"]
        # The camera list, reloaded the way a restart would load it, in each hostile shape.
        list_cases: list[dict[str, Any]] = []
        for mode in ("malformed", "big", "drip", "huge"):
            hostile.set_list_mode(mode)
            bound = plan.drip_bound_s if mode == "drip" else 60.0
            print(f"  camera list: {mode} ...", flush=True)
            r = worker.cmd("reload", timeout_s=bound + 30, bound_s=bound)
            s = worker.cmd("stall", reset=True)
            stalls.append(s["max_stall_ms"])
            list_cases.append(
                {
                    "list": mode,
                    "list_taken": r.get("list_taken"),
                    "cameras_after": r.get("cameras"),
                    "elapsed_s": r.get("elapsed_s"),
                    "gave_up_after_bound": r.get("timed_out"),
                    "error": r.get("error"),
                    "notices": r.get("notices", [])[-3:],
                    "max_stall_ms": s["max_stall_ms"],
                }
            )
            print(f"    {_line(list_cases[-1])}", flush=True)
        hostile.set_list_mode("normal")
        result["camera_list_cases"] = list_cases
        result["good_cameras"] = len(good)
        snap = worker.cmd("snapshot")["tiles"]
        good_tiles = [t for t in snap if t["camera"] in good]
        result["good_tiles_live_at_end"] = (
            f"{sum(1 for t in good_tiles if t['status'] == 'live')} of {len(good_tiles)}"
        )
        # Frozen pictures keep arriving: "reported as frozen" is judged apart (its tile's row).
        no_picture = [
            t
            for t in result["tiles"]
            if t["camera"].startswith("hostile-") and t["camera"] != "hostile-frozen"
        ]
        flags = [t["first_signal_lost_s"] for t in no_picture]
        out["hostile_flag_s"] = (
            max(STUCK_AFTER_S if f is None else f for f in flags) if flags else None
        )
        stuck = [t for t in result["tiles"] if t["stuck"]]
        out["hostile_stuck_tiles"] = len(stuck)
        out["hostile_max_stall_ms"] = max(stalls) if stalls else None
        result["requests"] = dict(hostile.requests)
    finally:
        worker.stop()
        hostile.stop()
        crash = worker.crash_record("hostile")
        out["hostile_crashes"] = 1 if crash else 0
        if crash:
            out["crashes"].append(crash)
            out.setdefault("hostile_max_stall_ms", max(stalls) if stalls else None)


def _raise_alert(hub_url: str, camera_id: str) -> str | None:
    body = json.dumps(
        {"kind": "motion", "camera_id": camera_id, "priority": "low", "duration_s": 2}
    ).encode()
    req = urllib.request.Request(
        f"{hub_url}/api/v1/alerts", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return str(json.load(r)["id"])
    except (OSError, ValueError, KeyError):
        return None


def _judge_tiles(
    history: list[dict[str, Any]], by_tile: dict[int, str], t0: float, t_end: float
) -> list[dict[str, Any]]:
    """Per tile of the hostile wall: what it showed in the first STUCK_AFTER_S seconds.

    Stuck: it never showed a state but "Connecting…" (no picture, no "Signal lost" with a
    countdown), or at the end it had been "Connecting…" without a break for over
    STUCK_CONNECTING_S."""
    out = []
    for tile, camera in by_tile.items():
        evs = [
            e for e in history if e["tile"] == tile and e["camera"] == camera and e["t"] <= t_end
        ]
        statuses = [e["status"] for e in evs]
        first_lost = next((e for e in evs if e["status"] == "signal_lost"), None)
        first_live = next((e for e in evs if e["status"] == "live"), None)
        end = evs[-1] if evs else None
        connecting_since = None
        if end is not None and end["status"] == "connecting":
            connecting_since = end["t"]
            for e in reversed(evs):
                if e["status"] != "connecting":
                    break
                connecting_since = e["t"]
        never_left = not any(s in ("live", "signal_lost") for s in statuses)
        long_connecting = (
            connecting_since is not None and t_end - connecting_since > STUCK_CONNECTING_S
        )
        out.append(
            {
                "tile": tile,
                "camera": camera,
                "status_at_end": end["status"] if end else None,
                "first_signal_lost_s": round(first_lost["t"] - t0, 2) if first_lost else None,
                "first_reason": first_lost["reason"] if first_lost else None,
                "first_live_s": round(first_live["t"] - t0, 2) if first_live else None,
                "changes": len(evs),
                "stuck": bool(never_left or long_connecting),
            }
        )
    return out


def soak_phase(hub: Any, plan: Plan, folder: Path, out: dict[str, Any]) -> None:
    assert plan.soak_minutes is not None
    worker = Worker(hub.url, plan.tiles, "soak", folder)
    minutes = plan.soak_minutes
    warmup = SOAK_WARMUP_MIN if minutes >= 60 else minutes * SOAK_WARMUP_MIN / 60.0
    soak: dict[str, Any] = {"minutes": minutes, "warmup_minutes": round(warmup, 2)}
    if minutes < 60:
        soak["note"] = (
            f"a {minutes:g}-minute soak: the 15-minute warm-up is scaled to {warmup:.2f} min"
        )
    out["soak"] = soak
    try:
        started = worker.wait_started()
        tiles = _wall(worker, started["cameras"], plan.tiles)
        if worker.wait_all_live(tiles, LIVE_TIMEOUT_S) is None:
            out["errors"].append("soak: not every tile was live")
            return
        t0 = time.monotonic()
        samples = []
        end = t0 + minutes * 60.0
        while worker.proc.poll() is None:
            now = time.monotonic()
            live = sum(1 for t in tiles if worker.snapshot().get(t, {}).get("status") == "live")
            samples.append({"min": round((now - t0) / 60, 2), **_proc_counts(worker.pid),
                            "live_tiles": live})  # fmt: skip
            if now >= end:
                break
            time.sleep(min(SOAK_SAMPLE_S, max(0.0, end - time.monotonic())))
        soak["samples"] = samples
        if len(samples) < 3:
            out["errors"].append("soak: too few samples")
            return
        after = [s for s in samples if s["min"] >= warmup] or samples[-1:]
        base = statistics.median(s["rss_mib"] for s in after[:3])
        last = statistics.median(s["rss_mib"] for s in samples[-3:])
        out["soak_rss_growth_pct"] = round(100.0 * (last - base) / base, 2)
        soak.update(
            rss_mib_start=samples[0]["rss_mib"],
            rss_mib_after_warmup=base,
            rss_mib_end=last,
            threads_start=samples[0]["threads"],
            threads_end=samples[-1]["threads"],
            fds_start=samples[0]["fds"],
            fds_end=samples[-1]["fds"],
            live_tiles_min=min(s["live_tiles"] for s in samples),
        )
    finally:
        worker.stop()
        crash = worker.crash_record("soak")
        if crash:
            out["crashes"].append(crash)


# -- results ------------------------------------------------------------------------------------
def evaluate(r: dict[str, Any]) -> list[dict[str, Any]]:
    def p95(key: str) -> Any:
        return (r.get(key) or {}).get("p95")

    rows: list[tuple[str, str, Any, float, str]] = [
        ("cut_flag", "every tile flagged after a cut, p95 <= 2 s", p95("cut_flag_s"),
         FLAG_TARGET_S, "s"),
        ("cut_recover", "every tile live again after a cut, p95 <= 5 s", p95("cut_recover_s"),
         CUT_RECOVER_TARGET_S, "s"),
        ("hub_kill_recover", "every tile live again after a hub kill, p95 <= 10 s",
         p95("hub_kill_recover_s"), KILL_RECOVER_TARGET_S, "s"),
        ("hostile_crashes", "no console crash on the hostile hub", r.get("hostile_crashes"), 0,
         "crashes"),
        ("hostile_stuck_tiles", "no tile stuck in Connecting… on the hostile hub",
         r.get("hostile_stuck_tiles"), 0, "tiles"),
        ("hostile_flag", "a stream with no picture flagged within 5 s of its call-up (slowest)",
         r.get("hostile_flag_s"), HOSTILE_FLAG_TARGET_S, "s"),
        ("hostile_stall", "longest GUI stall on the hostile hub <= 100 ms",
         r.get("hostile_max_stall_ms"), STALL_TARGET_MS, "ms"),
    ]  # fmt: skip
    if "soak" in r:
        rows.append(("soak_growth", "RSS growth after the warm-up <= 5 %",
                     r.get("soak_rss_growth_pct"), SOAK_TARGET_PCT, "%"))  # fmt: skip
    return [
        {"id": i, "text": text, "value": v, "limit": lim, "unit": unit,
         "met": None if v is None else v <= lim}
        for i, text, v, lim, unit in rows
    ]  # fmt: skip


def report(r: dict[str, Any]) -> str:
    def pct(key: str) -> str:
        d = r.get(key) or {}
        failed = f", {d['failed']} never" if d.get("failed") else ""
        return f"p50 {d.get('p50')} s, p95 {d.get('p95')} s (n {d.get('n')}{failed})"

    lines = [
        f"cut {r['plan']['cut_s']:g} s, every tile flagged:   {pct('cut_flag_s')}",
        f"cut, every tile live again:        {pct('cut_recover_s')}",
        f"hub kill, every tile live again:   {pct('hub_kill_recover_s')}",
        f"  from the kill:                   {pct('hub_kill_from_kill_s')}",
        f"hostile hub: crashes {r.get('hostile_crashes')}, stuck tiles "
        f"{r.get('hostile_stuck_tiles')}, longest GUI stall {r.get('hostile_max_stall_ms')} ms",
    ]
    for t in (r.get("hostile") or {}).get("tiles", []):
        if t["camera"].startswith(("hostile-", "named-")):
            stuck = "  STUCK" if t["stuck"] else ""
            lines.append(
                f"  {t['camera']:<18} end {t['status_at_end']}, first signal lost "
                f"{t['first_signal_lost_s']} s ({t['first_reason']}){stuck}"
            )
    if "soak" in r:
        s = r["soak"]
        lines.append(
            f"soak {s['minutes']:g} min: RSS growth {r.get('soak_rss_growth_pct')} %, threads "
            f"{s.get('threads_start')} -> {s.get('threads_end')}, fds {s.get('fds_start')} -> "
            f"{s.get('fds_end')}"
        )
    verdict = {True: "met", False: "MISSED", None: "not measured"}
    lines += [f"target: {t['text']}: {t['value']} -> {verdict[t['met']]}" for t in r["targets"]]
    lines += [f"crash: {c['phase']}: {c['exit']}" for c in r["crashes"]]
    lines += [f"error: {e}" for e in r["errors"]]
    return "\n".join(lines)


def run(plan: Plan, argv: list[str]) -> dict[str, Any]:
    from bench._system import machine_info
    from bench.wall import versions
    from tests.support.hubproc import HubProcess

    started = time.monotonic()
    info = versions()
    out: dict[str, Any] = {
        "benchmark": "chaos",
        "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.chaos", *argv]).rstrip(),
        "machine": machine_info(),
        "libvlc": info["libvlc"],
        "pyside6": info["pyside6"],
        "plan": asdict(plan),
        "hub": {"process": f"python -m demohub --cameras {plan.tiles} --alerts off"},
        "errors": [],
        "crashes": [],
        "loadavg_start": [round(v, 2) for v in os.getloadavg()],  # other programs' share too
    }
    folder = Path(tempfile.mkdtemp(prefix="tessera-chaos-"))
    hub = HubProcess(cameras=plan.tiles, alerts="off").start()
    phases = [("network", network_phases)]
    if plan.hostile:
        phases.append(("hostile", hostile_phase))
    if plan.soak_minutes:
        phases.append(("soak", soak_phase))
    try:
        for name, phase in phases:
            print(f"{name} ...", flush=True)
            t0 = time.monotonic()
            try:
                phase(hub, plan, folder, out)
            except Exception as exc:
                out["errors"].append(f"{name}: {type(exc).__name__}: {exc}")
            out.setdefault("phase_s", {})[name] = round(time.monotonic() - t0, 1)
            if hub.proc is None or hub.proc.poll() is not None:
                hub.start()  # a failed kill trial must not take the next phase's hub
    finally:
        hub.stop()
    for key in ("cut_flag_s", "cut_recover_s", "hub_kill_recover_s"):
        out.setdefault(key, percentiles([]))
    if plan.hostile:
        for key in ("hostile_crashes", "hostile_stuck_tiles", "hostile_max_stall_ms"):
            out.setdefault(key, None)
    out["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    out["targets"] = evaluate(out)
    out["wall_time_s"] = round(time.monotonic() - started, 1)
    out["logs"] = str(folder)
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="2 trials of each, under 2 minutes")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON ('-': stdout)")
    p.add_argument("--cut-trials", type=int, help="blackhole trials (10; quick: 2)")
    p.add_argument("--kill-trials", type=int, help="hub kill trials (10; quick: 2)")
    p.add_argument("--cut-seconds", type=float, default=CUT_S, help="length of a cut (10)")
    p.add_argument("--tiles", type=int, default=TILES, help="tiles on the wall (16)")
    p.add_argument("--no-hostile", action="store_true", help="skip the hostile hub")
    p.add_argument("--soak", action="store_true", help="add the soak of 16 live tiles (60 min)")
    p.add_argument("--soak-minutes", type=float, help="the soak's length (60)")
    # The console worker (the benchmark starts it):
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--hub", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.worker:
        from bench._chaos_worker import run_worker

        return run_worker(args.hub, args.tiles)
    soak = args.soak_minutes if args.soak_minutes is not None else (60.0 if args.soak else None)
    plan = Plan(
        cut_trials=args.cut_trials if args.cut_trials is not None else (2 if args.quick else 10),
        kill_trials=args.kill_trials if args.kill_trials is not None else (2 if args.quick else 10),
        cut_s=args.cut_seconds,
        tiles=args.tiles,
        hostile=not args.no_hostile,
        drip_bound_s=6.0 if args.quick else 20.0,
        settle_s=1.0 if args.quick else SETTLE_S,
        soak_minutes=soak,
    )
    result = run(plan, argv)
    print(report(result), flush=True)
    if args.json:
        text = json.dumps(result, indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(text)
            print(f"wrote {args.json}", flush=True)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
