"""Targets, the stdout table and `docs/performance.md`, all computed from the results JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANALYSIS_BEGIN = "<!-- analysis:begin (kept by --write-doc; edit by hand) -->"
ANALYSIS_END = "<!-- analysis:end -->"


@dataclass(frozen=True)
class Target:
    id: str
    text: str
    value: Callable[[dict[str, Any]], float | None]
    limit: float
    at_most: bool  # True: value <= limit; False: value >= limit
    applies: Callable[[dict[str, Any]], bool]
    unit: str = ""

    def check(self, run: dict[str, Any]) -> dict[str, Any]:
        value = self.value(run)
        if value is None:
            met = None
        else:
            met = value <= self.limit if self.at_most else value >= self.limit
        return {
            "value": None if value is None else round(value, 3),
            "limit": self.limit,
            "met": met,
            "applies": self.applies(run),
        }

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "limit": self.limit, "unit": self.unit}


def _shown_pct(run: dict[str, Any]) -> float | None:
    src, shown = run.get("source_fps"), run.get("shown_fps_min")
    if not src or shown is None:
        return None
    return 100.0 * shown / src


def _p(key: str, q: str) -> Callable[[dict[str, Any]], float | None]:
    def get(run: dict[str, Any]) -> float | None:
        v = (run.get(key) or {}).get(q)
        return None if v is None else float(v)

    return get


def _all(run: dict[str, Any]) -> bool:
    return True


TARGETS: tuple[Target, ...] = (
    Target(
        "shown_99pct",
        "16 sub-profile tiles: every tile shown at >= 99% of the source rate",
        _shown_pct,
        99.0,
        False,
        lambda r: r.get("tiles") == 16 and r.get("profile") == "sub",
        "% of source fps (slowest tile)",
    ),
    Target(
        "cpu_ratio",
        "CPU per tile <= 1.2x FFmpeg decode-only of the same stream",
        lambda r: r.get("ratio"),
        1.2,
        True,
        _all,
        "x",
    ),
    Target("callup_p95", "call-up p95 <= 1.0 s", _p("callup_ms", "p95"), 1000.0, True, _all, "ms"),
    Target("callup_p50", "call-up p50 <= 0.5 s", _p("callup_ms", "p50"), 500.0, True, _all, "ms"),
    Target(
        "latency_p95",
        "glass-to-glass latency p95 <= 300 ms",
        _p("latency_ms", "p95"),
        300.0,
        True,
        _all,
        "ms",
    ),
    Target(
        "rss_per_tile",
        "RSS <= 60 MB per tile",
        lambda r: r.get("rss_mb_per_tile"),
        60.0,
        True,
        _all,
        "MiB",
    ),
)


def evaluate(run: dict[str, Any]) -> dict[str, Any]:
    return {t.id: t.check(run) for t in TARGETS}


def _f(value: Any, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def _pair(d: dict[str, Any] | None) -> str:
    d = d or {}
    if d.get("p50") is None:
        return "-"
    return f"{d['p50']:.0f} / {d['p95']:.0f}"


def _misses(run: dict[str, Any]) -> str:
    if run.get("error"):
        return "run failed"
    checks = run.get("targets") or {}
    applying = {k: v for k, v in checks.items() if v["applies"]}
    missed = [k for k, v in applying.items() if v["met"] is False]
    unknown = [k for k, v in applying.items() if v["met"] is None]
    text = "all met" if not missed else "missed: " + ", ".join(missed)
    if unknown:
        text += " (no value: " + ", ".join(unknown) + ")"
    return text


COLUMNS = (
    ("tiles", lambda r: str(r["tiles"])),
    ("profile", lambda r: r["profile"]),
    ("path", lambda r: r["path"]),
    ("src fps", lambda r: _f(r.get("source_fps"), "{:.0f}")),
    ("shown fps min", lambda r: _f(r.get("shown_fps_min"))),
    ("dropped %", lambda r: _f(r.get("dropped_pct"))),
    ("CPU/tile", lambda r: _f(r.get("cpu_per_tile"), "{:.4f}")),
    ("FFmpeg CPU/tile", lambda r: _f(r.get("reference_cpu_per_tile"), "{:.4f}")),
    ("ratio", lambda r: _f(r.get("ratio"))),
    ("RSS MiB/tile", lambda r: _f(r.get("rss_mb_per_tile"), "{:.1f}")),
    ("call-up p50/p95 ms", lambda r: _pair(r.get("callup_ms"))),
    ("latency p50/p95 ms", lambda r: _pair(r.get("latency_ms"))),
    ("decoding", lambda r: r.get("decoding") or "-"),
    ("targets", _misses),
)


def table_text(runs: list[dict[str, Any]]) -> str:
    """A plain-text table, one row per run."""
    rows = [[name for name, _ in COLUMNS]] + [[fn(r) for _, fn in COLUMNS] for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_line(run: dict[str, Any]) -> str:
    """One run in a line, for progress output."""
    if run.get("error"):
        return f"failed: {run['error']}"
    return (
        f"shown min {_f(run.get('shown_fps_min'))}/{_f(run.get('source_fps'), '{:.0f}')} fps, "
        f"CPU/tile {_f(run.get('cpu_per_tile'), '{:.4f}')} "
        f"(FFmpeg {_f(run.get('reference_cpu_per_tile'), '{:.4f}')}, "
        f"ratio {_f(run.get('ratio'))}), "
        f"RSS/tile {_f(run.get('rss_mb_per_tile'), '{:.1f}')} MiB, "
        f"call-up {_pair(run.get('callup_ms'))} ms, latency {_pair(run.get('latency_ms'))} ms; "
        f"{_misses(run)}"
    )


def table_markdown(runs: list[dict[str, Any]]) -> str:
    head = "| " + " | ".join(name for name, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(fn(r).replace("|", "/") for _, fn in COLUMNS) + " |" for r in runs]
    return "\n".join([head, rule, *body])


def _targets_markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| target | runs it applies to | met | not met | worst value |",
        "|---|---|---|---|---|",
    ]
    for t in TARGETS:
        applying = [r for r in runs if not r.get("error") and r["targets"][t.id]["applies"]]
        met = [r for r in applying if r["targets"][t.id]["met"] is True]
        missed = [r for r in applying if r["targets"][t.id]["met"] is False]
        values = [v for r in applying if (v := r["targets"][t.id]["value"]) is not None]
        worst = (max(values) if t.at_most else min(values)) if values else None
        who = "16 sub tiles" if t.id == "shown_99pct" else "every run"
        names = ", ".join(_name(r) for r in missed) or "-"
        lines.append(
            f"| {t.text} | {who} ({len(applying)}) | {len(met)} | {len(missed)}: {names} | "
            f"{_f(worst)} {t.unit} |"
        )
    return "\n".join(lines)


def _name(run: dict[str, Any]) -> str:
    return f"{run['tiles']} {run['profile']} {run['path']}"


def _context_markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| run | console cores | GUI thread cores | libvlc + other threads cores | "
        "hub cores | other programs cores | libvlc decoded fps min | FFmpeg decoded fps min | "
        "GUI longest stall ms | all tiles live after s | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        if r.get("error"):
            lines.append(f"| {_name(r)} | run failed: {r['error']} |||||||||| |")
            continue
        threads = r.get("cpu_threads_cores") or {}
        gui = threads.get("gui (main thread)")
        other = sum(v for k, v in threads.items() if k != "gui (main thread)") if threads else None
        ref = r.get("reference") or {}
        notes = "; ".join(r.get("notes") or []) or "-"
        lines.append(
            f"| {_name(r)} | {_f(r.get('cpu_cores'), '{:.3f}')} | {_f(gui, '{:.3f}')} | "
            f"{_f(other, '{:.3f}')} | {_f(r.get('hub_cores'), '{:.3f}')} | "
            f"{_f(r.get('other_cores'), '{:.3f}')} | {_f(r.get('decoded_fps_min'))} | "
            f"{_f(ref.get('decoded_fps_min'))} | {_f(r.get('gui_max_stall_ms'), '{:.0f}')} | "
            f"{_f(r.get('all_live_s'), '{:.1f}')} | {notes} |"
        )
    return "\n".join(lines)


def _buffers(runs: list[dict[str, Any]]) -> str:
    values = sorted({v for r in runs if (v := r.get("live_buffer_ms")) is not None})
    return ", ".join(f"{v} ms" for v in values) + " (the console's default)" if values else "-"


def _kept_analysis(path: Path) -> str:
    if path.exists():
        m = re.search(
            re.escape(ANALYSIS_BEGIN) + r"\n(.*?)" + re.escape(ANALYSIS_END), path.read_text(), re.S
        )
        if m:
            return m.group(1).rstrip("\n")
    return "_No analysis written yet._"


def performance_doc(result: dict[str, Any], doc_path: Path) -> str:
    """The whole `docs/performance.md`, from a full run's results."""
    m = result["machine"]
    runs = result["runs"]
    ref = next((r.get("reference") for r in runs if r.get("reference")), None) or {}
    return f"""# Wall performance

This page is written by `python -m bench.wall --write-doc` from its latest full run (the JSON is
kept in `bench/results/wall-full.json`); only the part between the `analysis` markers is written
by hand. How to run the benchmark: [bench/README.md](../bench/README.md).

## The latest full run

- Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory_gib"]} GiB, no GPU; {m["os"]};
  Python {m["python"]}
- libvlc {result["libvlc"]}; PySide6 {result.get("pyside6", "-")}; reference: FFmpeg via
  {ref.get("decoder", "PyAV " + result["pyav"])}
- Command: `{" ".join(result["command"])}`
- Live buffer (libvlc network caching): {_buffers(runs)}
- Date: {result["date"]}; {result["seconds"]} s measured per run; demo hub with
  {result["hub"]["cameras"]} cameras, 15 fps, `sub` 640x360 and `main` 1280x720 H.264, key frame
  every 2 s

{table_markdown(runs)}

CPU figures are CPU-seconds per second of video (1.0 = one core busy); "ratio" is the console's
CPU per tile divided by FFmpeg's decode-only CPU per stream. RSS is in MiB (2^20 bytes).

## Targets (2-core machine, no GPU)

{_targets_markdown(runs)}

## What is measured, and how

Each run is a fresh console process (`python -m bench.wall --one-run ...`): the real
`ConsoleApp` with its real libvlc players and Qt views, on one demo hub process shared by all
runs. The composited path runs under Qt's offscreen platform on a 1920x1080 screen; the native
path runs under Xvfb (1920x1080, Qt xcb, libvlc drawing into X windows). Every tile is forced
to one stream profile, so a run plays only `sub` or only `main` streams.

- **shown fps min**: distinct frames painted per second on the slowest tile over the window
  (composited: counted by the tile view's paint probe,
  `widgets.wall.tile_view.set_paint_probe`; native: libvlc's displayed-picture count, since Qt
  does not paint those pictures). The window starts once every tile has painted its first frame
  plus a settling time.
- **dropped %**: 1 - (mean shown fps over all tiles / source fps). Rates are taken between the
  first and the last frame of the window, so timing jitter can make it read a hair below 0.
- **CPU/tile**: user + system CPU-seconds of the console process (all threads: libvlc
  demux/decode/conversion, Qt painting, Python) per tile per second of video. The hub runs in
  another process and is not counted; the paint probe's own time-code reading is measured and
  subtracted.
- **FFmpeg CPU/tile** (the reference): right after the run, another process opens the same hub
  stream URLs with PyAV and decodes them all concurrently for the same time, one thread per
  stream, `thread_count = 1`, decode only (no conversion, no scaling, no painting); its process
  CPU per stream per second of video.
- **RSS MiB/tile**: (median resident memory during the window - resident memory of the same
  console process with an empty wall of the same grid, measured first) / tiles.
- **latency**: glass-to-glass: for a sampled painted frame (at most 5 per tile per second), the
  wall clock at paint minus the Unix milliseconds the hub stamped into the picture when it
  rendered it (`console.base.timecode`); hub and console share the machine's clock. On the native
  path the time code is read back from screen grabs for a few seconds after the CPU window.
- **call-up**: per trial, a tile is cleared, 1 s later a camera that is not on the wall is put
  on it (`WallModel.assign`, what a drop does), and the time until that tile paints the new
  camera's first frame is taken (native: until libvlc reports the first displayed picture).

## Measured alongside

The console's CPU split by thread (the GUI thread paints and runs Python; the other threads are
libvlc's, which demux, decode and convert, plus Qt's pooled threads that help with smooth
scaling and, on the native path where libvlc draws with OpenGL without a GPU, Mesa's llvmpipe
threads that render that output in software), the hub's CPU in the same window (it renders
and encodes every stream on the same cores), and what other programs on the machine used meanwhile.

{_context_markdown(runs)}

## What limits it, what would move it

{ANALYSIS_BEGIN}
{_kept_analysis(doc_path)}
{ANALYSIS_END}
"""
