"""One benchmark run: the real console, in this process, on a hub in another process.

`python -m bench.wall --one-run tiles=9,profile=sub,path=composited --hub URL --json -` calls
`run_one`. Every run gets a fresh process, so the Qt platform (offscreen for the composited path,
xcb on Xvfb for the native path), the CPU time and the resident memory are this run's alone.

Order of a run:
1. start the console (`ConsoleApp`) with an empty grid of the asked-for size, forced to one
   stream profile, and measure its resident memory with no video (the baseline);
2. put the first N hub cameras on the wall and wait until every tile has painted a frame;
3. settle, then measure for `seconds`: distinct frames painted per tile (composited: the
   tile view's paint probe; native: libvlc's displayed-picture count), process CPU, RSS, and
   glass-to-glass latency from the hub's time code in the painted pictures;
4. call-up trials: clear a tile, wait, put a camera that is not on the wall on it and time
   until that tile paints the new camera's first frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bench._system import MIB, Window, rss_bytes

if TYPE_CHECKING:
    from console.app.console_app import ConsoleApp
    from console.wall.workstation import Workstation
    from widgets.shell.wall_window import WallWindow

PRESETS = {1: "1x1", 4: "2x2", 9: "3x3", 16: "4x4", 25: "5x5"}
LATENCY_SAMPLE_S = 0.2  # at most 5 time-code reads per tile per second
LIVE_TIMEOUT_S = 60.0
CALLUP_TIMEOUT_S = 10.0
SCREEN = (1920, 1080)
T = TypeVar("T")


@dataclass(frozen=True)
class RunSpec:
    tiles: int
    profile: str
    path: str

    @classmethod
    def parse(cls, text: str) -> RunSpec:
        """`tiles=9,profile=sub,path=composited`"""
        values = dict(part.split("=", 1) for part in text.split(",") if part)
        spec = cls(
            int(values.get("tiles", 9)),
            values.get("profile", "sub"),
            values.get("path", "composited"),
        )
        if spec.tiles not in PRESETS:
            raise ValueError(f"tiles must be one of {sorted(PRESETS)}")
        if spec.path not in ("composited", "native"):
            raise ValueError("path must be composited or native")
        return spec

    def __str__(self) -> str:
        return f"tiles={self.tiles},profile={self.profile},path={self.path}"


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50 and p95 (nearest rank on the sorted samples), and the sample count."""
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    s = sorted(values)

    def rank(q: float) -> float:
        return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]

    return {"p50": round(rank(0.50), 1), "p95": round(rank(0.95), 1), "n": len(s)}


@dataclass
class _TileStats:
    count: int = 0  # distinct frames painted (probe calls)
    last_at: float | None = None  # time.monotonic() of the last one
    first_at: float | None = None
    next_read_at: float = 0.0


@dataclass
class _Probe:
    """The paint probe: counts frames per tile, samples the time code, resolves call-ups."""

    latency_on: bool = False
    latencies: list[float] = field(default_factory=list)
    reads: int = 0
    unreadable: int = 0
    cpu_s: float = 0.0
    tiles: dict[int, _TileStats] = field(default_factory=dict)  # by id(view)
    waiting: dict[int, tuple[str, asyncio.Future[float]]] = field(default_factory=dict)
    read_code: Callable[..., int | None] | None = None  # console.base.timecode.read

    def __call__(self, view: Any, frame: Any, painted_at: float) -> None:
        c0 = time.thread_time()
        st = self.tiles.get(id(view))
        if st is None:
            st = self.tiles[id(view)] = _TileStats()
        st.count += 1
        st.last_at = painted_at
        if st.first_at is None:
            st.first_at = painted_at
        wait = self.waiting.get(view.tile.id)
        if wait is not None and view.tile.camera_id == wait[0] and not wait[1].done():
            wait[1].set_result(painted_at)
        if self.latency_on and self.read_code and painted_at >= st.next_read_at:
            st.next_read_at = painted_at + LATENCY_SAMPLE_S
            now_ms = time.time() * 1000.0 - (time.monotonic() - painted_at) * 1000.0
            code = self.read_code(frame.image, fmt="bgrx")
            self.reads += 1
            if code is None:
                self.unreadable += 1
            else:
                self.latencies.append(now_ms - code)
        self.cpu_s += time.thread_time() - c0


def _native_displayed(player: Any) -> int:
    """libvlc's displayed-picture count of a native-window player, read now.

    `TilePlayer.frame_count` is polled every 0.25 s; call-up timing needs the value at once, so
    read the same statistic directly (falls back to `frame_count`)."""
    try:
        import vlc

        session = player._session
        stats = vlc.MediaStats()
        if session is not None and session.media.get_stats(stats):
            return int(stats.displayed_pictures)
    except Exception:
        pass
    return int(player.frame_count)


def _ensure_screen_config(path: str, folder: Path) -> None:
    """Qt platform for this run: offscreen at 1920x1080 (composited), or xcb (native)."""
    if path == "native":
        if not os.environ.get("DISPLAY"):
            raise RuntimeError("the native path needs an X server (DISPLAY); bench.wall starts one")
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return
    if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        cfg = folder / "offscreen.json"
        w, h = SCREEN
        cfg.write_text(
            '{"screens": [{"name": "bench", "x": 0, "y": 0, '
            f'"width": {w}, "height": {h}, "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}}]}}'
        )
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={cfg}"


def run_one(
    spec: RunSpec,
    hub_url: str,
    *,
    seconds: float = 10.0,
    settle_s: float = 2.0,
    callups: int = 12,
    callup_wait_s: float = 1.0,
    hub_pid: int | None = None,
    threads: bool = True,
    live_buffer_ms: int | None = None,
) -> dict[str, Any]:
    """Run one wall in this process and return its measurements (a JSON-able dict)."""
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    os.environ.setdefault("TESSERA_CONFIG_DIR", str(folder / "config"))
    _ensure_screen_config(spec.path, folder)
    return run_in_qt_loop(
        lambda app: _run(
            spec,
            hub_url,
            seconds,
            settle_s,
            callups,
            callup_wait_s,
            hub_pid,
            threads,
            live_buffer_ms,
            app,
        )
    )


def run_in_qt_loop(main: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """`main(app)` run to its end on a qasync loop over this process's `QApplication` (made
    here when there is none; it does not quit when its last window closes; the dark theme)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    with contextlib.suppress(Exception):
        from widgets.common.theme import apply_dark_theme

        apply_dark_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main(app))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def _wait(predicate: Callable[[], bool], timeout_s: float, what: str) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def _options(spec: RunSpec, hub_url: str, live_buffer_ms: int | None, notes: list[str]) -> Any:
    from console.app.console_app import ConsoleOptions

    names = {f.name for f in dataclasses.fields(ConsoleOptions)}
    kwargs: dict[str, Any] = {
        "hub_url": hub_url,
        "layout": PRESETS[spec.tiles],
        "render_path": spec.path,
    }
    if "profile" in names:
        kwargs["profile"] = spec.profile
    else:
        notes.append("console has no profile option: tiles chose their own profile")
    if live_buffer_ms is not None:
        kwargs["live_buffer_ms"] = live_buffer_ms
    return ConsoleOptions(**kwargs)


def _live_buffer_ms(wall: Any, asked: int | None) -> int | None:
    """The live buffer (libvlc network caching) the wall's players use, as the console picks it."""
    if asked is not None:
        return asked
    per_wall = getattr(wall.state, "live_buffer_ms", None)
    if per_wall is not None:
        return int(per_wall)
    try:
        from console.app.settings import Settings

        return int(Settings().video.network_caching_ms)  # a fresh config directory: defaults
    except Exception:
        return None


def _keep_wall_empty() -> Callable[[], None]:
    """The console fills an empty wall with cameras on start; the bench assigns them itself
    (after measuring the empty wall's memory). Returns a function that undoes the patch."""
    import console.wall.workstation as ws

    saved = {n: getattr(ws, n) for n in ("fill_empty_walls", "fill_empty_tiles") if hasattr(ws, n)}
    for name in saved:
        setattr(ws, name, lambda *a, **k: None)

    def undo() -> None:
        for name, fn in saved.items():
            setattr(ws, name, fn)

    return undo


async def _console_open(
    app: ConsoleApp, undo: Callable[[], None], list_timeout_s: float
) -> tuple[Workstation, WallWindow]:
    """A started console once it has the hub's camera list: `undo` (of `_keep_wall_empty`)
    called, its first window maximised as the console opens it (Xvfb has no window manager to
    do that); its station and that window."""
    station = app.station
    assert station is not None
    await _wait(lambda: bool(station.directory.cameras), list_timeout_s, "the hub's camera list")
    undo()
    window = app.windows[0]
    window.setGeometry(window.screen().availableGeometry())
    return station, window


async def _run(
    spec: RunSpec,
    hub_url: str,
    seconds: float,
    settle_s: float,
    callups: int,
    callup_wait_s: float,
    hub_pid: int | None,
    threads: bool,
    live_buffer_ms: int | None,
    qapp: Any,
) -> dict[str, Any]:
    from console.app.console_app import ConsoleApp
    from console.base import timecode
    from console.wall.layout import assign
    from widgets.wall import tile_view

    notes: list[str] = []
    native = spec.path == "native"
    probe = _Probe(read_code=timecode.read)
    setter = getattr(tile_view, "set_paint_probe", None)
    if setter is None:
        raise RuntimeError("widgets.wall.tile_view has no set_paint_probe: the console is too old")
    setter(probe)
    undo = _keep_wall_empty()
    app = ConsoleApp(_options(spec, hub_url, live_buffer_ms, notes), qapp)
    t_start = time.monotonic()
    code = await app.start()
    if code != 0:
        raise RuntimeError(f"the console did not start (exit code {code})")
    try:
        station, window = await _console_open(app, undo, 20)
        wall = station.walls[0]
        wall_view = window.wall_view
        cameras = list(station.directory.cameras)
        if len(cameras) < spec.tiles + 1:
            notes.append(
                f"the hub offers {len(cameras)} cameras: fewer than the {spec.tiles} tiles "
                "plus one spare for call-up"
            )
        if any(t.camera_id for t in wall.layout.tiles):  # the patch did not take: clear
            for t in wall.layout.tiles:
                wall.clear(t.id)
            notes.append("the wall was filled on start; cleared before the baseline")
        cam0 = cameras[0]
        prof = cam0.profile(spec.profile) if hasattr(cam0, "profile") else None
        source_fps = float(prof.fps) if prof is not None else 15.0
        aspect = (prof.width, prof.height) if prof is not None else (16, 9)
        if prof is None:
            notes.append(f"the hub's cameras have no {spec.profile!r} profile")

        # Baseline: the same console with an empty wall of this size.
        await asyncio.sleep(0.5)
        gc.collect()
        base = []
        for _ in range(5):
            base.append(rss_bytes())
            await asyncio.sleep(0.1)
        rss_base = statistics.median(base)

        # Call the cameras up, all in one layout change, and wait until every tile paints.
        on_wall = [c.id for c in cameras[: spec.tiles]]
        layout = wall.layout
        for tile, cam in zip(layout.tiles, on_wall, strict=False):
            layout = assign(layout, tile.id, cam)
        t_assign = time.monotonic()
        wall.set_layout(layout)
        views: list[Any] = wall_view.tile_views

        def shown(view: Any) -> bool:
            if view.feed is None or view.feed.player is None:
                return False
            if native:
                return int(view.feed.player.frame_count) > 0
            return probe.tiles.get(id(view), _TileStats()).count > 0

        all_live_s = await _wait(
            lambda: all(shown(v) for v in views), LIVE_TIMEOUT_S, "every tile's first frame"
        )
        await asyncio.sleep(settle_s)

        # The measurement window.
        def snapshot() -> list[tuple[int, float | None]]:
            out = []
            for v in views:
                if native:
                    player = v.feed.player
                    out.append((int(player.frame_count), player.last_frame_at))
                else:
                    st = probe.tiles.get(id(v), _TileStats())
                    out.append((st.count, st.last_at))
            return out

        def decoded() -> list[int]:
            return [_native_displayed(v.feed.player) for v in views]

        rss_samples: list[int] = []

        async def sample_rss() -> None:
            while True:
                rss_samples.append(rss_bytes())
                await asyncio.sleep(0.5)

        with contextlib.suppress(Exception):
            app.stall.reset()
        probe.latency_on = not native
        probe_cpu0 = probe.cpu_s
        snap0, dec0 = snapshot(), decoded()
        win = Window(hub_pid=hub_pid).start(threads=threads)
        sampler = asyncio.get_running_loop().create_task(sample_rss())
        await asyncio.sleep(seconds)
        sampler.cancel()
        measured = win.stop()
        snap1, dec1 = snapshot(), decoded()
        probe.latency_on = False
        probe_cpu = probe.cpu_s - probe_cpu0
        elapsed = float(measured["elapsed_s"])  # type: ignore[arg-type]
        stall_ms = getattr(app.stall, "max_stall_ms", None)

        fps = []
        for (c0, t0), (c1, t1) in zip(snap0, snap1, strict=True):
            if t0 is None or t1 is None or t1 <= t0:
                fps.append(0.0)
            else:
                fps.append((c1 - c0) / (t1 - t0))
        total_shown = sum(c1 - c0 for (c0, _), (c1, _) in zip(snap0, snap1, strict=True))
        expected = source_fps * elapsed * len(views)
        decoded_fps = [(b - a) / elapsed for a, b in zip(dec0, dec1, strict=True)]
        cpu = float(measured["cpu_s"]) - probe_cpu  # type: ignore[arg-type]
        rss_run = statistics.median(rss_samples) if rss_samples else rss_bytes()
        decoding = sorted(
            {str(v.feed.state.decoding) for v in views if v.feed and v.feed.state.decoding}
        )

        latencies = list(probe.latencies)
        if native:
            latencies = await _native_latency(views, aspect, notes, min(4.0, seconds))
        elif probe.reads and probe.unreadable:
            notes.append(f"time code unreadable in {probe.unreadable} of {probe.reads} reads")

        t_callups = time.monotonic()
        callup, timeouts = await _callups(
            wall, wall_view, probe, cameras, on_wall, callups, callup_wait_s, native
        )
        if timeouts:
            notes.append(f"{timeouts} of {callups} call-ups: no frame in {CALLUP_TIMEOUT_S:.0f} s")
        hub_cpu = measured["hub_cpu_s"]
        busy_cores = float(measured["machine_busy_pct"]) / 100.0 * (os.cpu_count() or 1)  # type: ignore[arg-type]
        other = busy_cores - float(measured["cpu_s"]) / elapsed  # type: ignore[arg-type]
        if hub_cpu is not None:
            other -= float(hub_cpu) / elapsed  # type: ignore[arg-type]
        size = wall_view.size()
        result: dict[str, Any] = {
            "tiles": spec.tiles,
            "profile": spec.profile,
            "path": spec.path,
            "seconds": round(elapsed, 2),
            "source_fps": source_fps,
            "shown_fps_min": round(min(fps), 2),
            "shown_fps_mean": round(sum(fps) / len(fps), 2),
            "decoded_fps_min": round(min(decoded_fps), 2),
            "dropped_pct": round(100.0 * (1.0 - sum(fps) / len(fps) / source_fps), 2),
            "frames_shown": total_shown,
            "frames_expected": round(expected),
            "cpu_per_tile": round(cpu / spec.tiles / elapsed, 4),
            "cpu_cores": round(cpu / elapsed, 3),
            "rss_mb_per_tile": round((rss_run - rss_base) / MIB / spec.tiles, 1),
            "rss_mb_empty_wall": round(rss_base / MIB, 1),
            "rss_mb_run": round(rss_run / MIB, 1),
            "callup_ms": callup,
            "latency_ms": percentiles(latencies),
            "decoding": ", ".join(decoding) or "unknown",
            "live_buffer_ms": _live_buffer_ms(wall, live_buffer_ms),
            "camera_ids": on_wall,
            "hub_cores": round(float(hub_cpu) / elapsed, 3) if hub_cpu is not None else None,  # type: ignore[arg-type]
            "machine_busy_pct": round(float(measured["machine_busy_pct"]), 1),  # type: ignore[arg-type]
            "other_cores": round(max(0.0, other), 3),  # neither console nor hub: other programs
            "all_live_s": round(all_live_s, 2),
            "startup_s": round(t_assign - t_start, 2),
            "callups_s": round(time.monotonic() - t_callups, 2),
            "gui_max_stall_ms": round(stall_ms, 1) if isinstance(stall_ms, (int, float)) else None,
            "probe_cpu_s": round(probe_cpu, 4),
            "wall_px": [size.width(), size.height()],
            "qt_platform": os.environ.get("QT_QPA_PLATFORM", "").split(":")[0],
            "notes": notes,
        }
        if "threads" in measured:
            result["cpu_threads_cores"] = {
                k: round(v / elapsed, 3)
                for k, v in measured["threads"].items()  # type: ignore[attr-defined]
                if v / elapsed >= 0.005
            }
        return result
    finally:
        setter(None)
        await app.shutdown()


async def _native_latency(
    views: list[Any], aspect: tuple[int, int], notes: list[str], duration_s: float
) -> list[float]:
    """Native windows are drawn by libvlc, not Qt: read the time code back from the screen."""
    import numpy as np
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from console.base import timecode

    screen = QApplication.primaryScreen()
    out: list[float] = []
    reads = unreadable = 0
    end = time.monotonic() + duration_s
    while time.monotonic() < end:
        for view in views:
            video = getattr(view, "video", None)
            if video is None:
                continue
            at = video.mapToGlobal(QPoint(0, 0))
            w, h = video.width(), video.height()
            scale = min(w / aspect[0], h / aspect[1])
            pw, ph = round(aspect[0] * scale), round(aspect[1] * scale)
            x, y = at.x() + (w - pw) // 2, at.y() + (h - ph) // 2
            now_ms = time.time() * 1000.0
            image = screen.grabWindow(0, x, y, pw, ph).toImage()
            image = image.convertToFormat(QImage.Format.Format_RGB32)
            bpl = image.bytesPerLine()
            arr = np.frombuffer(image.constBits(), np.uint8, count=bpl * image.height())
            arr = arr.reshape(image.height(), bpl // 4, 4)[:, : image.width()]
            code = timecode.read(arr, fmt="bgrx")
            reads += 1
            if code is None:
                unreadable += 1
            else:
                out.append(now_ms - code)
            await asyncio.sleep(0.01)
    notes.append(
        f"native latency: {reads} screen grabs after the CPU window ({unreadable} unreadable)"
    )
    return out


async def _callups(
    wall: Any,
    wall_view: Any,
    probe: _Probe,
    cameras: list[Any],
    on_wall: list[str],
    trials: int,
    wait_s: float,
    native: bool,
) -> tuple[dict[str, Any], int]:
    """Clear a tile, wait, drop a camera that is not on the wall on it, time its first frame."""
    spare = [c.id for c in cameras if c.id not in on_wall]
    if not spare or trials <= 0:
        return percentiles([]), 0
    times: list[float] = []
    timeouts = 0
    loop = asyncio.get_running_loop()
    tile_ids = [t.id for t in wall.layout.tiles]
    for i in range(trials):
        tile_id = tile_ids[i % len(tile_ids)]
        old = wall.layout.tile(tile_id).camera_id
        cam = spare.pop(0)
        wall.clear(tile_id)
        await asyncio.sleep(wait_s)
        done: asyncio.Future[float] = loop.create_future()
        probe.waiting[tile_id] = (cam, done)
        t0 = time.monotonic()
        wall.assign(tile_id, cam)
        try:
            if native:
                view = next(v for v in wall_view.tile_views if v.tile.id == tile_id)

                def first(view: Any = view, cam: str = cam) -> bool:
                    feed = view.feed
                    return (
                        view.tile.camera_id == cam
                        and feed is not None
                        and feed.player is not None
                        and _native_displayed(feed.player) > 0
                    )

                await _wait(first, CALLUP_TIMEOUT_S, "the called-up camera's first frame")
                times.append((time.monotonic() - t0) * 1000.0)
            else:
                painted = await asyncio.wait_for(done, CALLUP_TIMEOUT_S)
                times.append((painted - t0) * 1000.0)
        except (TimeoutError, asyncio.TimeoutError):
            timeouts += 1
        finally:
            probe.waiting.pop(tile_id, None)
        if old is not None:
            spare.append(old)
    return percentiles(times), timeouts
