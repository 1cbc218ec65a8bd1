"""The alerts benchmark through its real command line in quick mode: the demo hub process, the
console with 16 live tiles, paced alerts, the 1,000-alert burst from the worker process, then a
look at every key the JSON must carry. Nothing of the burst may be lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


def test_a_quick_alerts_bench_writes_every_required_key(tmp_path):
    out = tmp_path / "alerts.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.alerts",
            "--quick",
            "--alerts",
            "10",
            "--no-momentary",
            "--json",
            str(out),
        ],
        check=False,
        cwd=ROOT,
        env={**os.environ, "TESSERA_CONFIG_DIR": str(tmp_path / "config")},
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    latency = result["alert_to_overlay_ms"]
    assert {"p50", "p95", "max", "n"} <= set(latency)
    assert latency["n"] >= 8  # of 10 paced alerts, nearly all painted
    # Shape and sanity, not the target (the benchmark reports that): beside a soak on this
    # 2-core machine one alert took 5.3 s to be painted.
    assert 0 < latency["p50"] <= latency["p95"] <= latency["max"] < 15_000
    assert result["burst_sent"] == 1000
    assert result["burst_lost"] == 0
    assert isinstance(result["burst_max_stall_ms"], float)
    assert result["burst"]["to_list_s"] is not None
    assert {t["id"] for t in result["targets"]} == {"latency_p95", "burst_stall", "burst_lost"}
    assert result["wall"]["tiles"] == 16 and len(set(result["wall"]["cameras"])) == 16
    assert result["machine"]["cores"] >= 1
    assert result["libvlc"].startswith("3.")
    assert result["command"].startswith("python -m bench.alerts")
    assert "alert to overlay painted" in proc.stdout
