"""Issue 12: the native-window path holds a 3x3 wall of the demo hub under Xvfb (no window
manager, no GPU: Mesa's software OpenGL is what libvlc would pick), every tile live and its
label true, no tile cycling between "Connecting…" and "Signal lost"."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.hubproc import HubProcess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb


def test_native_3x3_wall_holds_every_tile_live_with_a_true_label(xvfb):
    server = xvfb()
    # No alarm may take over a tile mid-test, and no camera has masks: a masked camera never
    # plays on the native path (the wall would go composited, as tested in the masks tests).
    hub = HubProcess(alerts="off", extra_args=("--demo-masks", "off")).start()
    try:
        out = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("native_wall_child.py")), hub.url],
            check=False,
            capture_output=True,
            text=True,
            timeout=240,
            cwd=ROOT,
            env={**os.environ, **server.env, "PYTHONPATH": str(ROOT)},
        )
    finally:
        hub.stop()
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result (exit {out.returncode}): {out.stderr[-3000:]}"
    result = json.loads(lines[-1])
    assert result["all_live_after_s"] is not None, (
        f"not every tile went live: {result['states_at_deadline']}"
    )
    fell_back = not result["native"]
    if fell_back:  # allowed only with the plain-words notice (the machine could not keep up)
        assert any("composited" in text for text in result["notices"]), result["notices"]
    assert all(result["live_at_end"]), result["live_at_end"]
    # The GUI thread kept up (the wall left its panels unpainted for 30 s); 2 s is
    # far above what a loaded machine shows (0.1-0.5 s) and far below that.
    assert result["max_stall_ms"] < 2000, result["max_stall_ms"]
    for tile in result["tiles"]:
        where = f"tile {tile['tile']}: {tile}"
        labels, frames = tile["labels"], tile["frames"]
        grew = [b > a for a, b in itertools.pairwise(frames)]  # new pictures in each 0.5 s
        live = [" Live" in label for label in labels[1:]]
        # The label is true. Never "Connecting…" or "Signal lost" over new pictures for two
        # samples in a row (the feed needs up to one poll to notice the first picture) ...
        hidden = [g and not lv for g, lv in zip(grew, live, strict=True)]
        assert not any(a and b for a, b in itertools.pairwise(hidden)), where
        # ... and never "Live" without a new picture for longer than the silence rule allows
        # (2 s; five samples are 2.5 s).
        stale = 0
        for g, lv in zip(grew, live, strict=True):
            stale = stale + 1 if lv and not g else 0
            assert stale < 5, where
        # No cycling: at most one loss in the window (a busy machine), and back live since.
        assert tile["signal_lost"] <= 1, where
        # Pictures came at a useful rate: 5 fps is a third of the source's 15, so a loaded
        # machine passes and the wall (3 fps, tiles reconnecting) does not.
        seconds = (len(frames) - 1) * 0.5
        assert frames[-1] - frames[0] >= 5 * seconds or tile["signal_lost"], where
        # The pictures are on the screen, in the tile, and moving.
        assert tile["picture_std"] > 8, where
        assert tile["picture_change"] > 0.5, where
