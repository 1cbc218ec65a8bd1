"""`python -m bench.soak`: the real console playing a wall for minutes; memory over time.

    python -m bench.soak --minutes 12 --tiles 16                 # sub tiles (chosen by size)
    python -m bench.soak --minutes 12 --tiles 16 --alerts off --json soak.json
    python -m bench.soak --minutes 12 --tiles 16 --tracemalloc   # + Python allocations by line

One demo hub process (`--cameras tiles + 1`) and one console worker process (`--worker`): the real
`ConsoleApp` on a qasync loop, offscreen at 1920x1080, as `bench.wall` runs it, with the first
`tiles` cameras put on the wall once the empty wall has been measured. Every `--period` seconds
(15) the console's resident memory (anonymous and file-backed, `/proc/PID/smaps_rollup`), its
threads and open file descriptors are sampled, the hub's too, and inside the console glibc's
heap (`mallinfo2`: bytes in use and free bytes kept in the arenas, and how many arenas there
are) and, with `--tracemalloc`, Python's own allocations.

The sampler is meant to be reused (the chaos benchmark's soak): `sample_process(pid)` reads one
sample of any process, `SoakSampler` takes them every period on a thread of its own, and
`growth_pct` says how much resident memory grew after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._system import MIB, machine_info

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PERIOD_S = 15.0
LIVE_TIMEOUT_S = 60.0


# -- the reusable sampler ------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessSample:
    """One look at a process. Memory in MiB; `anon_mib` is anonymous memory (heaps, libvlc's
    picture pools, Python objects), `file_mib` resident file-backed pages (libraries)."""

    at_s: float  # seconds since the sampler started
    rss_mib: float
    anon_mib: float | None
    file_mib: float | None
    threads: int
    fds: int


def sample_process(pid: int, t0: float | None = None) -> ProcessSample | None:
    """RSS, anonymous and file-backed memory, threads and open fds of `pid`; None if it is gone."""
    proc = Path(f"/proc/{pid}")
    try:
        status = proc.joinpath("status").read_text()
        fds = len(os.listdir(proc / "fd"))
    except OSError:
        return None
    fields = dict(
        (k, v.strip()) for k, _, v in (line.partition(":") for line in status.splitlines())
    )

    def kib(text: str | None) -> float | None:
        return int(text.split()[0]) / 1024 if text else None

    rss = kib(fields.get("VmRSS")) or 0.0
    anon = file = None
    with contextlib.suppress(OSError):
        rollup = dict(
            (k, v.strip())
            for k, _, v in (
                line.partition(":")
                for line in proc.joinpath("smaps_rollup").read_text().splitlines()
            )
        )
        anon = kib(rollup.get("Anonymous"))
        file = kib(rollup.get("Rss"))
        if file is not None and anon is not None:
            file -= anon
    return ProcessSample(
        at_s=round(time.monotonic() - (t0 if t0 is not None else time.monotonic()), 1),
        rss_mib=round(rss, 1),
        anon_mib=round(anon, 1) if anon is not None else None,
        file_mib=round(file, 1) if file is not None else None,
        threads=int(fields.get("Threads", "0") or 0),
        fds=fds,
    )


class SoakSampler:
    """Samples processes every `period_s` on a daemon thread of its own until `stop()` (or
    `max_s`, whichever comes first). `extra()`, when given, runs at every sample on that thread
    and its dict is kept beside the samples (in-process figures such as `malloc_stats`)."""

    def __init__(
        self,
        pids: dict[str, int],
        period_s: float = DEFAULT_PERIOD_S,
        max_s: float = 6 * 3600.0,
        extra: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.pids = dict(pids)
        self.period_s = period_s
        self.max_s = max_s
        self.extra = extra
        self.samples: dict[str, list[ProcessSample]] = {name: [] for name in pids}
        self.extras: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.t0 = time.monotonic()

    def start(self) -> SoakSampler:
        self.t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)
        self._thread.start()
        return self

    def sample_now(self) -> None:
        for name, pid in self.pids.items():
            s = sample_process(pid, self.t0)
            if s is not None:
                self.samples[name].append(s)
        if self.extra is not None:
            try:
                self.extras.append({"at_s": round(time.monotonic() - self.t0, 1), **self.extra()})
            except Exception as e:  # a diagnostic must not end the soak
                self.extras.append({"error": repr(e)})

    def _run(self) -> None:
        deadline = self.t0 + self.max_s
        while True:
            self.sample_now()
            if self._stop.wait(self.period_s) or time.monotonic() >= deadline:
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


def growth_pct(samples: list[ProcessSample], warmup_s: float) -> float | None:
    """Resident memory growth after `warmup_s`: the median of the last three samples against the
    median of the first three at or after the warm-up, in percent; None without enough samples."""
    after = [s.rss_mib for s in samples if s.at_s >= warmup_s]
    if len(after) < 4:
        return None
    first, last = statistics.median(after[:3]), statistics.median(after[-3:])
    return round(100.0 * (last - first) / first, 2)


def mib_per_min(samples: list[ProcessSample], from_s: float, to_s: float) -> float | None:
    """Least-squares slope of RSS over [from_s, to_s], MiB per minute."""
    pts = [(s.at_s, s.rss_mib) for s in samples if from_s <= s.at_s <= to_s]
    if len(pts) < 3:
        return None
    mx = statistics.fmean(p[0] for p in pts)
    my = statistics.fmean(p[1] for p in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    if den <= 0:
        return None
    return round(60.0 * sum((x - mx) * (y - my) for x, y in pts) / den, 2)


# -- glibc heap figures, in this process -------------------------------------------------------
class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def malloc_stats() -> dict[str, Any]:
    """glibc's heap of this process: bytes handed out (`in_use_mib`), free bytes it keeps in its
    arenas (`free_kept_mib`), mmapped blocks, and how many arenas exist (`malloc_info`)."""
    libc = _libc()
    out: dict[str, Any] = {}
    if hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _MallInfo2
        mi = libc.mallinfo2()
        out.update(
            heap_mib=round(mi.arena / MIB, 1),
            in_use_mib=round(mi.uordblks / MIB, 1),
            free_kept_mib=round(mi.fordblks / MIB, 1),
            mmapped_mib=round(mi.hblkhd / MIB, 1),
        )
    with tempfile.NamedTemporaryFile("r", suffix=".xml") as tmp:
        libc.fopen.restype = ctypes.c_void_p
        libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        fp = libc.fopen(tmp.name.encode(), b"w")
        if fp:
            libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
            libc.fclose.argtypes = [ctypes.c_void_p]
            libc.malloc_info(0, fp)
            libc.fclose(fp)
            xml = Path(tmp.name).read_text()
            out["arenas"] = len(re.findall(r"<heap nr=", xml))
    return out


# -- the console worker --------------------------------------------------------------------------
def worker(args: argparse.Namespace) -> int:
    """The console in this process; one JSON line per sample on stdout, then a summary line."""
    from bench._harness import PRESETS, _ensure_screen_config, _keep_wall_empty

    folder = Path(tempfile.mkdtemp(prefix="tessera-soak-"))
    os.environ.setdefault("TESSERA_CONFIG_DIR", str(folder / "config"))
    _ensure_screen_config("composited", folder)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start(args.tracemalloc_frames)
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(_soak(args, app, PRESETS, _keep_wall_empty)))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


async def _soak(args: argparse.Namespace, qapp: Any, presets: Any, keep_empty: Any) -> int:
    import gc

    from console.app.console_app import ConsoleApp, ConsoleOptions
    from console.wall.layout import assign
    from widgets.wall import tile_view

    painted: dict[int, int] = {}

    def probe(view: Any, _frame: Any, _at: float) -> None:
        painted[id(view)] = painted.get(id(view), 0) + 1

    if args.vlc_arg:
        from console.media import engine

        original = engine.MediaSettings.instance_args

        def instance_args(self: Any, render_path: Any) -> list[str]:
            return [*original(self, render_path), *args.vlc_arg]

        engine.MediaSettings.instance_args = instance_args  # type: ignore[method-assign]
    if args.no_heap_release:
        from console.media import reaper

        reaper.release_free_heap = lambda: False  # the console as it was before (diagnosis)
    undo = keep_empty()
    options = ConsoleOptions(
        hub_url=args.hub, layout=presets[args.tiles], profile=args.profile, joystick=False
    )
    app = ConsoleApp(options, qapp)
    if await app.start() != 0:
        _emit({"error": "the console did not start"})
        return 1
    trim = _libc().malloc_trim if args.trim_every else None
    try:
        station = app.station
        assert station is not None
        deadline = time.monotonic() + 20
        while not station.directory.cameras and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        undo()
        wall = station.walls[0]
        window = app.windows[0]
        window.setGeometry(window.screen().availableGeometry())
        await asyncio.sleep(1.0)
        gc.collect()
        empty = sample_process(os.getpid())
        _emit({"empty_wall": asdict(empty) if empty else None, "malloc": malloc_stats()})
        layout = wall.layout
        cameras = [c.id for c in station.directory.cameras][: args.tiles]
        for tile, cam in zip(layout.tiles, cameras, strict=False):
            layout = assign(layout, tile.id, cam)
        tile_view.set_paint_probe(probe)
        wall.set_layout(layout)
        views = window.wall_view.tile_views
        t_live = time.monotonic()
        while sum(1 for v in views if painted.get(id(v))) < len(cameras):
            if time.monotonic() - t_live > LIVE_TIMEOUT_S:
                _emit({"error": f"only {len(painted)} of {len(cameras)} tiles live"})
                return 1
            await asyncio.sleep(0.1)
        _emit({"live_after_s": round(time.monotonic() - t_live, 2), "tiles": len(cameras)})
        tile_view.set_paint_probe(None)

        first_snapshot = None
        if args.tracemalloc:
            import tracemalloc

            first_snapshot = tracemalloc.take_snapshot()

        def extra() -> dict[str, Any]:
            record: dict[str, Any] = {"malloc": malloc_stats()}
            if args.tracemalloc:
                import tracemalloc

                record["python_traced_mib"] = round(tracemalloc.get_traced_memory()[0] / MIB, 1)
            return record

        sampler = SoakSampler({"console": os.getpid()}, args.period, extra=extra).start()
        next_trim = time.monotonic() + (args.trim_every or 0)
        next_churn = time.monotonic() + (args.churn_every or 0)
        end = time.monotonic() + args.minutes * 60.0
        reported = 0
        while time.monotonic() < end:
            await asyncio.sleep(1.0)
            if trim is not None and time.monotonic() >= next_trim:
                trim(0)
                next_trim += args.trim_every
            if args.churn_every and time.monotonic() >= next_churn:
                # Every tile plays its stream again (what a reconnect storm does): a new libvlc
                # player per tile, the old one released by the reaper.
                next_churn += args.churn_every
                full = wall.layout
                cleared = full
                for tile in full.tiles:
                    cleared = assign(cleared, tile.id, None)
                wall.set_layout(cleared)
                await asyncio.sleep(0.5)
                wall.set_layout(full)
            samples = sampler.samples["console"]
            while reported < len(samples) and reported < len(sampler.extras):
                _emit({"sample": asdict(samples[reported]), **sampler.extras[reported]})
                reported += 1
        sampler.stop()
        summary: dict[str, Any] = {"done": True, "gc_objects": len(gc.get_objects())}
        if first_snapshot is not None:
            import tracemalloc

            stats = tracemalloc.take_snapshot().compare_to(first_snapshot, "lineno")
            summary["python_growth_top"] = [
                {
                    "where": str(s.traceback[0]),
                    "kib": round(s.size_diff / 1024, 1),
                    "n": s.count_diff,
                }
                for s in stats[:15]
            ]
        _emit(summary)
        return 0
    finally:
        await app.shutdown()


# -- the command ---------------------------------------------------------------------------------
def run_soak(args: argparse.Namespace) -> dict[str, Any]:
    from tests.support.hubproc import HubProcess

    hub = HubProcess(cameras=args.tiles + 1, alerts=args.alerts).start()
    env = dict(os.environ)
    if args.arena_max:
        env["MALLOC_ARENA_MAX"] = str(args.arena_max)
    cmd = [sys.executable, "-m", "bench.soak", "--worker", "--hub", hub.url]
    cmd += [
        "--tiles",
        str(args.tiles),
        "--minutes",
        str(args.minutes),
        "--period",
        str(args.period),
    ]
    if args.profile:
        cmd += ["--profile", args.profile]
    if args.tracemalloc:
        cmd += ["--tracemalloc", "--tracemalloc-frames", str(args.tracemalloc_frames)]
    if args.trim_every:
        cmd += ["--trim-every", str(args.trim_every)]
    if args.churn_every:
        cmd += ["--churn-every", str(args.churn_every)]
    if args.no_heap_release:
        cmd.append("--no-heap-release")
    for arg in args.vlc_arg:
        cmd.append(f"--vlc-arg={arg}")
    records: list[dict[str, Any]] = []
    hub_sampler = SoakSampler({"hub": hub.pid}, args.period)
    try:
        with tempfile.TemporaryDirectory(prefix="tessera-soak-") as tmp:
            env["TESSERA_CONFIG_DIR"] = str(Path(tmp) / "config")
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            assert proc.stdout is not None
            hub_sampler.start()
            try:
                limit = time.monotonic() + args.minutes * 60.0 + 180.0
                for line in proc.stdout:
                    with contextlib.suppress(json.JSONDecodeError):
                        record = json.loads(line)
                        records.append(record)
                        if "sample" in record:
                            s, m = record["sample"], record.get("malloc", {})
                            print(
                                f"{s['at_s']:7.0f} s  rss {s['rss_mib']:6.1f}  anon "
                                f"{s['anon_mib']:6.1f}  heap in use {m.get('in_use_mib')}  "
                                f"free kept {m.get('free_kept_mib')}  arenas {m.get('arenas')}  "
                                f"threads {s['threads']}  fds {s['fds']}",
                                flush=True,
                            )
                        else:
                            print(line.rstrip(), flush=True)
                    if time.monotonic() > limit:
                        break
            finally:
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(5)
                hub_sampler.stop()
    finally:
        hub.stop()
    return summarise(args, records, hub_sampler.samples["hub"])


def summarise(
    args: argparse.Namespace, records: list[dict[str, Any]], hub: list[ProcessSample]
) -> dict[str, Any]:
    samples = [ProcessSample(**r["sample"]) for r in records if "sample" in r]
    empty = next((r["empty_wall"] for r in records if "empty_wall" in r), None)
    tiles = next((r["tiles"] for r in records if "tiles" in r), args.tiles)
    end = samples[-1].at_s if samples else 0.0
    steady = [s.rss_mib for s in samples if s.at_s >= end - 120.0]
    out: dict[str, Any] = {
        "benchmark": "soak",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m bench.soak " + " ".join(args.argv),
        "machine": machine_info(),
        "tiles": tiles,
        "minutes": args.minutes,
        "empty_wall": empty,
        "first": asdict(samples[0]) if samples else None,
        "last": asdict(samples[-1]) if samples else None,
        "rss_mib_per_min_first_10": mib_per_min(samples, 0, 600),
        "rss_mib_per_min_after_10": mib_per_min(samples, 600, end),
        "growth_pct_after_warmup": growth_pct(samples, args.warmup_min * 60.0),
        "steady_rss_mib": round(statistics.median(steady), 1) if steady else None,
        "hub_first": asdict(hub[0]) if hub else None,
        "hub_last": asdict(hub[-1]) if hub else None,
        "records": records,
    }
    if steady and empty:
        out["steady_mib_per_tile"] = round(
            (statistics.median(steady) - empty["rss_mib"]) / max(1, tiles), 1
        )
    return out


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=12.0, help="how long the wall plays (12)")
    p.add_argument("--tiles", type=int, default=16, choices=(1, 4, 9, 16, 25))
    p.add_argument(
        "--profile", choices=("sub", "main"), help="force one profile (default: by size)"
    )
    p.add_argument("--alerts", choices=("scripted", "off"), help="the hub's alert scenario")
    p.add_argument("--period", type=float, default=DEFAULT_PERIOD_S, help="seconds between samples")
    p.add_argument("--warmup-min", type=float, default=10.0, help="warm-up before growth counts")
    p.add_argument("--arena-max", type=int, help="MALLOC_ARENA_MAX for the console (diagnosis)")
    p.add_argument("--trim-every", type=float, help="malloc_trim(0) every S seconds (diagnosis)")
    p.add_argument("--vlc-arg", action="append", default=[], help="extra libvlc option (diagnosis)")
    p.add_argument(
        "--churn-every", type=float, help="every S seconds every tile plays its stream again"
    )
    p.add_argument(
        "--no-heap-release",
        action="store_true",
        help="released players' heap stays with glibc (the console before; diagnosis)",
    )
    p.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    p.add_argument("--tracemalloc-frames", type=int, default=1)
    p.add_argument("--json", type=Path, help="write the results here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--hub", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.argv = argv
    if args.worker:
        return worker(args)
    # SIGTERM (and SIGINT, which a background job ignores) end the soak the same way: the
    # console worker and the hub are stopped by `run_soak`'s cleanup, never left running.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    result = run_soak(args)
    keys = ("first", "last", "rss_mib_per_min_first_10", "rss_mib_per_min_after_10")
    for key in (*keys, "growth_pct_after_warmup", "steady_rss_mib", "steady_mib_per_tile"):
        print(f"{key}: {result.get(key)}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if result.get("last") else 1


if __name__ == "__main__":
    sys.exit(main())
