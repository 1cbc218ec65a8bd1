"""The privacy masks benchmark end to end, as small as it gets (`--quick`): every size and
mask set measured beside its reference copy, in the JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]


def test_the_masks_bench_writes_every_figure_beside_its_reference(tmp_path):
    out = tmp_path / "masks.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.masks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert set(result["copy_ms"]) == {"640x360", "1280x720", "1920x1080"}
    for size, sets in result["per_picture_ms"].items():
        assert len(sets) == 3 and result["copy_ms"][size]["p50"] > 0
        for timing in sets.values():
            assert 0 < timing["p50"] <= timing["p95"]
    assert result["machine"]["cores"] and result["trials"] == 50
