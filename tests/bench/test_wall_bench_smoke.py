"""The wall benchmark end to end, as small as it gets: one 4-tile sub composited run of 3 s and
its FFmpeg reference, through the real command line (hub process, console worker process,
reference process), then a look at every key the JSON must carry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
RUN_KEYS = {
    "tiles",
    "profile",
    "path",
    "source_fps",
    "shown_fps_min",
    "dropped_pct",
    "cpu_per_tile",
    "reference_cpu_per_tile",
    "ratio",
    "rss_mb_per_tile",
    "callup_ms",
    "latency_ms",
    "decoding",
    "seconds",
    "notes",
    "targets",
}


def test_a_minimal_bench_writes_every_required_key(tmp_path):
    out = tmp_path / "wall.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.wall",
            "--run",
            "tiles=4,profile=sub,path=composited",
            "--seconds",
            "3",
            "--settle",
            "0.5",
            "--callups",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "TESSERA_CONFIG_DIR": str(tmp_path / "config")},
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "call-up p50/p95 ms" in proc.stdout  # the table

    doc = json.loads(out.read_text())
    assert {"cpu", "cores", "memory_gib", "os", "python"} <= doc["machine"].keys()
    assert doc["libvlc"].startswith("3.")
    assert doc["pyav"] and doc["date"]
    assert doc["command"][:3] == ["python", "-m", "bench.wall"]
    assert {t["id"] for t in doc["targets"]} >= {"cpu_ratio", "latency_p95", "rss_per_tile"}
    [run] = doc["runs"]
    assert run.keys() >= RUN_KEYS, RUN_KEYS - run.keys()
    assert (run["tiles"], run["profile"], run["path"]) == (4, "sub", "composited")
    assert run["source_fps"] == 15
    assert 5 <= run["shown_fps_min"] <= 16
    assert -5 <= run["dropped_pct"] <= 70
    assert 0 < run["reference_cpu_per_tile"] < run["cpu_per_tile"] < 1.0
    assert run["ratio"] == pytest.approx(run["cpu_per_tile"] / run["reference_cpu_per_tile"], 0.02)
    assert 0 < run["rss_mb_per_tile"] < 500
    for key in ("callup_ms", "latency_ms"):
        p50, p95 = run[key]["p50"], run[key]["p95"]
        assert 0 < p50 <= p95 < 10_000, (key, run[key])
    assert run["latency_ms"]["n"] >= 10
    for check in run["targets"].values():
        assert check["met"] in (True, False)
        assert isinstance(check["applies"], bool)
