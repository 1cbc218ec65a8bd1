"""The playback benchmark through its real command line, as small as it gets (`--smoke`: 2
seeks, 1 s of sync at 1x, a few frame steps each way, 1 kill of the bookmark worker), on a
demo hub process with recorded history; then a look at every key the JSON must carry."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]


def test_a_smoke_playback_bench_writes_every_required_key(tmp_path):
    out = tmp_path / "playback.json"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.playback", "--smoke", "--json", str(out)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
    )
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert took < 40, f"the smoke run took {took:.0f} s"
    r = json.loads(out.read_text())
    for key in ("seek_ms", "sync_spread_ms", "frame_step_ms"):
        assert {"p50", "p95"} <= set(r[key]), (key, r[key])
    assert r["seek_ms"]["n"] == 2 and r["seek_ms"]["p50"] is not None
    assert {"1x", "p50", "p95"} <= set(r["sync_spread_ms"])
    assert r["sync_spread_ms"]["p95"] == r["sync_spread_ms"]["1x"]["p95"]
    assert r["sync_spread_ms"]["1x"]["n"] >= 10
    steps = r["frame_step_ms"]
    assert {"forward", "back", "kept", "decoded", "waited_for_decode"} <= set(steps)
    assert steps["forward"]["n"] >= 2 and steps["back"]["n"] >= 2
    # Shape, not the targets (the benchmark reports those): nothing lost or doubled, though.
    assert r["bookmarks_lost"] == 0 and r["bookmarks_doubled"] == 0
    assert r["kill_test"]["kills"] == 1 and r["kill_test"]["drained"]
    assert set(r["targets"]) >= {
        "seek_p95_ms",
        "sync_spread_1x_p95_ms",
        "frame_step_p95_ms",
        "bookmarks_lost",
    }
    assert all({"measured", "target", "met"} <= set(t) for t in r["targets"].values())
    assert r["machine"]["cores"] and r["quick"] is True
    assert r["command"][:3] == ["python", "-m", "bench.playback"]
