"""The PTZ benchmark through its real command line, with few trials: SDL's virtual joystick,
the console's chain and the demo hub, then a look at every key the JSON must carry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# serial: the bench loads every core on purpose (busy processes) and times PTZ stops in ms;
# beside the parallel suite it would slow the other tests and its own figures would be theirs.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120), pytest.mark.serial]

ROOT = Path(__file__).resolve().parents[2]


def test_a_quick_ptz_bench_writes_every_required_key(tmp_path):
    out = tmp_path / "ptz.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ptz", "--quick", "--json", str(out)],
        check=False,
        cwd=ROOT,
        env={**os.environ, "TESSERA_CONFIG_DIR": str(tmp_path / "config")},
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    for key in ("command_latency_ms", "stop_after_release_ms"):
        assert {"p50", "p95", "max"} <= set(result[key]), key
        assert result[key]["max"] is not None
    assert result["stops_missing"] == 0
    assert 0 < result["commands_per_s_at_100hz"] < 100  # coalesced, yet moving
    assert result["slow_hub"]["stops_missing"] == 0
    assert result["machine"]["cores"] >= 1
    assert "stop after release" in proc.stdout
