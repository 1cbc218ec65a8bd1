"""The RTSP sources benchmark end to end, as small as it gets: 2 call-ups of each kind, 2 s of
CPU, on GStreamer's RTSP server (installed by the test set-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gst_rtsp_peer import gst_rtsp_available

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


def test_the_sources_bench_writes_every_figure_and_target(tmp_path):
    missing = gst_rtsp_available()
    if missing:
        pytest.fail(f"{missing}: run ./packaging/setup.sh setup, which installs it")
    out = tmp_path / "sources.json"
    command = [sys.executable, "-m", "bench.sources", "--trials", "2", "--seconds", "2"]
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
    for key in ("gateway_callup_ms", "direct_callup_ms", "flowing_callup_ms"):
        assert data[key]["n"] == 2 and 0 < data[key]["p50"] <= data[key]["p95"], (key, data[key])
    assert data["gateway_cpu_ratio"] > 0
    assert data["upstream_sessions_per_camera"] == 1 and data["four_tiles_live"]
    assert set(data["targets"]) == {
        "gateway_callup_p95_ms",
        "flowing_callup_p95_ms",
        "gateway_cpu_ratio",
        "upstream_sessions_per_camera",
    }
    assert all("met" in t and "target" in t for t in data["targets"].values())
    assert data["machine"]["cores"] and data["versions"]["libvlc"]
