"""`python -m bench.floor`: what libvlc alone costs, against the same FFmpeg reference.

The wall benchmark compares the whole console (libvlc, Qt, Python) with FFmpeg decoding only.
This one takes the console away and keeps only libvlc, with the console's instance options and
the same video callbacks mechanism, so the gap between the two is split into what libvlc's own
pipeline costs and what showing the pictures adds. Per wall it runs, one process each and one
after the other on one demo hub:

- `libvlc I420`: N libvlc players whose frames are taken in the decoder's own format (I420) and
  thrown away: access, demux, packetizer, decoder, video output threads and one picture copy,
  with no conversion and no painting: the least any libvlc display path can cost;
- `libvlc RV32 tile`: the same, with frames converted and scaled to the size of a tile of that
  wall (what the console's composited path asks of libvlc), still thrown away;
- `FFmpeg`: the wall benchmark's reference (`bench._reference`), decode only, one thread.

```sh
.venv/bin/python -m bench.floor                 # 16 sub and 16 main, 10 s each
.venv/bin/python -m bench.floor --walls 16:sub --seconds 20 --json floor.json
```

The callbacks are Python (ctypes), as in the console; they do no per-frame work beyond picking
a buffer, and their CPU is part of the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCREEN = (1920, 1080)
GRID = {4: 2, 9: 3, 16: 4, 25: 5}
PICTURE = {"sub": (640, 360), "main": (1280, 720)}


def tile_box(tiles: int) -> tuple[int, int]:
    """A tile of a full-screen wall of `tiles` (no window chrome): the most generous case."""
    n = GRID[tiles]
    return SCREEN[0] // n, SCREEN[1] // n


def _libvlc_worker(
    hub: str, cameras: list[str], profile: str, mode: str, seconds: float
) -> dict[str, Any]:
    import vlc

    from bench._reference import stream_url
    from bench._system import Window
    from console.media.frame import RenderPath
    from console.media.media_settings import MediaSettings
    from console.media.player import FrameChroma, FrameSink

    settings = MediaSettings()
    instance = vlc.Instance(settings.instance_args(RenderPath.COMPOSITED))
    box = tile_box(len(cameras))
    chroma = FrameChroma.I420 if mode == "I420" else FrameChroma.RV32
    # The console's own sink (the one implementation of libvlc's video callbacks). Each sink
    # holds the ctypes callbacks its player calls: it must outlive the player's release().
    players: list[tuple[Any, Any, FrameSink]] = []
    for index, camera in enumerate(cameras):
        sink = FrameSink(index, lambda _sink: None, PICTURE[profile], lambda: box, chroma=chroma)
        sink.every_frame = False
        mp = instance.media_player_new()
        sink.attach(mp)
        media = instance.media_new(stream_url(hub, camera, profile))
        for opt in settings.media_options(software=True):
            media.add_option(opt)
        mp.set_media(media)
        mp.play()
        players.append((mp, media, sink))

    def counts() -> list[int]:
        return [sink.count for _, _, sink in players]

    try:
        deadline = time.monotonic() + 20
        while not all(counts()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # past the first key frame and the start-up allocations
        before = counts()
        window = Window().start()
        time.sleep(seconds)
        w = window.stop()
        after = counts()
    finally:
        # Stop and release every player while its sink is still referenced here; only then
        # may the callbacks go (a worker that returned with its players still running freed
        # the callbacks under libvlc's threads: the SIGSEGV of issue 12).
        for mp, media, _sink in players:
            mp.stop()
            mp.release()
            media.release()
        instance.release()
    elapsed = float(w["elapsed_s"])  # type: ignore[arg-type]
    fps = [(b - a) / elapsed for a, b in zip(before, after, strict=True)]
    result = {
        "mode": f"libvlc {mode}" + (f" {'x'.join(map(str, box))} tile" if mode == "RV32" else ""),
        "streams": len(cameras),
        "cpu_per_stream": round(float(w["cpu_s"]) / len(cameras) / elapsed, 5),  # type: ignore[arg-type]
        "shown_fps_min": round(min(fps), 2),
        "machine_busy_pct": round(float(w["machine_busy_pct"]), 1),  # type: ignore[arg-type]
    }
    players.clear()
    return result


def _child(args: list[str], timeout_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tessera-floor-") as tmp:
        out = Path(tmp) / "result.json"
        proc = subprocess.run(
            [sys.executable, "-m", "bench.floor", *args, "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if not out.exists():
            tail = " | ".join(proc.stderr.strip().splitlines()[-12:])
            raise RuntimeError(f"exit {proc.returncode}: {tail}")
        return dict(json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n")[0])
    p.add_argument("--walls", nargs="+", default=["16:sub", "16:main"], help="TILES:PROFILE ...")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--hub", help=argparse.SUPPRESS)
    p.add_argument("--cameras", help=argparse.SUPPRESS)
    p.add_argument("--profile", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        from console.media.engine import enable_crash_traces

        enable_crash_traces()
        cameras = args.cameras.split("+")
        if args.worker == "ffmpeg":
            from bench._reference import run_reference

            ref = run_reference(args.hub, cameras, args.profile, args.seconds)
            result = {
                "mode": "FFmpeg decode only",
                "streams": ref["streams"],
                "cpu_per_stream": ref["cpu_per_stream"],
                "shown_fps_min": ref["decoded_fps_min"],
                "machine_busy_pct": ref["machine_busy_pct"],
                "decoder": ref["decoder"],
            }
        else:
            result = _libvlc_worker(args.hub, cameras, args.profile, args.worker, args.seconds)
        partial = Path(args.out + ".partial")
        partial.write_text(json.dumps(result))
        partial.replace(args.out)  # whole or not at all
        sys.stdout.flush()
        os._exit(0)  # the players are released; skip the interpreter's slow teardown

    from bench._system import machine_info
    from bench.wall import versions
    from tests.support.hubproc import HubProcess

    walls = [(int(t), prof) for t, prof in (w.split(":") for w in args.walls)]
    hub = HubProcess(cameras=max(t for t, _ in walls)).start()
    rows: list[dict[str, Any]] = []
    try:
        ids = hub.camera_ids()
        for tiles, profile in walls:
            cams = "+".join(ids[:tiles])
            common = ["--hub", hub.url, "--cameras", cams, "--profile", profile]
            common += ["--seconds", str(args.seconds)]
            for worker in ("I420", "RV32", "ffmpeg"):
                row = _child(["--worker", worker, *common], 60 + args.seconds)
                row.update(tiles=tiles, profile=profile)
                rows.append(row)
                print(
                    f"{tiles:>3} {profile:<5} {row['mode']:<28} CPU/stream "
                    f"{row['cpu_per_stream']:.4f}  fps min {row['shown_fps_min']:.2f}  "
                    f"machine {row['machine_busy_pct']:.0f}% busy",
                    flush=True,
                )
    finally:
        hub.stop()
    for tiles, profile in walls:
        ref = next(
            r
            for r in rows
            if (r["tiles"], r["profile"], r["mode"]) == (tiles, profile, "FFmpeg decode only")
        )
        for r in rows:
            if (r["tiles"], r["profile"]) == (tiles, profile) and ref["cpu_per_stream"]:
                r["ratio"] = round(r["cpu_per_stream"] / ref["cpu_per_stream"], 2)
    result = {
        "machine": machine_info(),
        "libvlc": versions()["libvlc"],
        "command": ["python", "-m", "bench.floor", *(argv if argv is not None else sys.argv[1:])],
        "seconds": args.seconds,
        "runs": rows,
    }
    print(
        "ratios to FFmpeg: "
        + ", ".join(f"{r['tiles']} {r['profile']} {r['mode']}: {r.get('ratio')}" for r in rows)
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
