"""The libvlc floor benchmark end to end, as small as it gets: a 4-tile sub wall for 2 s, its
three worker processes (libvlc I420, libvlc RV32 at tile size, FFmpeg) on a real demo hub."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_bench_measures_libvlc_alone_and_the_reference(tmp_path):
    out = tmp_path / "floor.json"
    command = [sys.executable, "-m", "bench.floor", "--walls", "4:sub", "--seconds", "2"]
    proc = subprocess.run(
        [*command, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["libvlc"] and data["machine"]
    modes = [r["mode"] for r in data["runs"]]
    assert modes == ["libvlc I420", "libvlc RV32 960x540 tile", "FFmpeg decode only"]
    for run in data["runs"]:
        assert run["streams"] == 4 and run["cpu_per_stream"] > 0, run
        assert run["shown_fps_min"] > 10, run  # every stream really played
        assert run["ratio"] > 0
