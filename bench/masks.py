"""What drawing privacy masks costs in the frame path, per picture, beside a reference.

    .venv/bin/python -m bench.masks --json bench/results/masks.json       # about 30 s
    .venv/bin/python -m bench.masks --quick                                # a few seconds

The libvlc frame callback draws a camera's masks into every picture before it is published
(`console.privacy.masks.MaskSet.apply`, on libvlc's thread). This measures that call on BGRA
pictures of the sizes a tile gets (the sub profile's 640x360, the main profile's 1280x720, and
1920x1080), for the demo hub's masks of cam-03 (one solid rectangle, one blurred: what the
README's first command shows), eight solid polygons, and one blurred area over a quarter of the
picture. The reference, in the same run and on the same pictures, is one copy of the picture
(`numpy.copyto`): the least any frame path does with a picture it keeps. Each figure is the
p50 / p95 of `trials` calls, after warming the raster cache (rasters are made once per size).
The share of a core is per tile at 15 pictures a second (the demo hub's rate).

No target is set by the issue; the JSON has `per_picture_ms` (per size and mask set: p50, p95),
`copy_ms` (per size) and `core_share_at_15fps` (p50-based).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench._system import machine_info
from console.privacy.masks import MaskSet, PrivacyMask, parse_masks
from demohub.masks import DEFAULT_MASKS

SIZES = {"640x360": (640, 360), "1280x720": (1280, 720), "1920x1080": (1920, 1080)}
FPS = 15


def _mask_sets() -> dict[str, MaskSet]:
    demo, problems = parse_masks(DEFAULT_MASKS["cam-03"])
    assert not problems
    eight = [
        PrivacyMask(
            f"s{i}",
            (
                (0.05 + 0.11 * i, 0.1),
                (0.12 + 0.11 * i, 0.12),
                (0.13 + 0.11 * i, 0.4),
                (0.04 + 0.11 * i, 0.35),
            ),
        )
        for i in range(8)
    ]
    quarter = [PrivacyMask("q", ((0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0)), "blur")]
    return {
        "demo cam-03 (1 solid, 1 blur)": MaskSet(demo),
        "8 solid polygons": MaskSet(eight),
        "1 blur, a quarter of the picture": MaskSet(quarter),
    }


def _timed(call: Any, trials: int) -> dict[str, float]:
    call()  # warm: the raster cache for this size
    times = []
    for _ in range(trials):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return {
        "p50": round(statistics.median(times), 3),
        "p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 3),
    }


def run(trials: int) -> dict[str, Any]:
    rng = np.random.default_rng(18)
    result: dict[str, Any] = {"per_picture_ms": {}, "copy_ms": {}, "core_share_at_15fps": {}}
    for size_name, (width, height) in SIZES.items():
        picture = rng.integers(0, 256, (height, width, 4), np.uint8)
        target = np.empty_like(picture)
        result["copy_ms"][size_name] = _timed(
            lambda target=target, picture=picture: np.copyto(target, picture), trials
        )
        result["per_picture_ms"][size_name] = {}
        result["core_share_at_15fps"][size_name] = {}
        for name, masks in _mask_sets().items():
            work = picture.copy()
            timing = _timed(lambda masks=masks, work=work: masks.apply(work), trials)
            result["per_picture_ms"][size_name][name] = timing
            result["core_share_at_15fps"][size_name][name] = round(timing["p50"] * FPS / 1000, 4)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.masks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="50 calls of each (default 400)")
    p.add_argument("--json", metavar="FILE", type=Path, help="write the results here")
    args = p.parse_args(argv)
    trials = 50 if args.quick else 400
    started = time.monotonic()
    result = run(trials)
    result.update(
        {
            "trials": trials,
            "fps": FPS,
            "wall_s": round(time.monotonic() - started, 1),
            "machine": machine_info(),
            "command": ["python", "-m", "bench.masks", *(argv or sys.argv[1:])],
        }
    )
    for size_name, sets in result["per_picture_ms"].items():
        copy = result["copy_ms"][size_name]
        print(f"{size_name}: one copy {copy['p50']:.3f} / {copy['p95']:.3f} ms (p50 / p95)")
        for name, timing in sets.items():
            share = result["core_share_at_15fps"][size_name][name]
            print(
                f"  {name}: {timing['p50']:.3f} / {timing['p95']:.3f} ms"
                f" ({timing['p50'] / max(copy['p50'], 1e-6):.1f}x the copy;"
                f" {100 * share:.2f} % of a core at {FPS} fps)"
            )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
