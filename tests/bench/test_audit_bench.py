"""The audit benchmark through its real command line, as small as it gets (`--smoke`: 1,000
entries through the real path, a 10,000-entry log, 3 kills), then a look at every key the JSON
must carry. Nothing of the kill test may be lost."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parents[2]


def test_a_smoke_audit_bench_writes_every_required_key(tmp_path):
    out = tmp_path / "audit.json"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.audit", "--smoke", "--json", str(out)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
    )
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert took < 30, f"the smoke run took {took:.0f} s"
    r = json.loads(out.read_text())
    for key in ("entries_per_s", "proof_bytes", "consistency_ms", "entries_lost"):
        assert isinstance(r[key], (int, float)), (key, r[key])
    # Shape, not the targets (the benchmark reports those): nothing lost or doubled, though.
    assert r["entries_lost"] == 0 and r["entries_doubled"] == 0
    assert r["throughput"]["all_acknowledged"] and r["throughput"]["hub_size"] == 1000
    assert r["kill_test"]["kills"] == 3 and r["kill_test"]["drained"]
    assert r["log"]["size"] == 10_000 and r["proof_bytes"] > 0
    assert set(r["targets"]) == {"entries_per_s", "proof_bytes", "consistency_ms", "entries_lost"}
    assert all({"measured", "target", "met"} <= set(t) for t in r["targets"].values())
    assert r["machine"] and r["quick"] is True
    assert r["command"][:3] == ["python", "-m", "bench.audit"]
