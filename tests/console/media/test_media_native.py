"""NATIVE render path under Xvfb: libvlc renders into a QWidget's native window."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.media.player import window_setter_name
from tests.support.xvfb import Xvfb

pytestmark = pytest.mark.xvfb


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    # tests.support.xvfb claims a display number no other process (xdist worker) holds
    server = Xvfb(size="640x480x24")
    yield f":{server.display}"
    server.stop()


def test_window_setter_by_platform() -> None:
    assert window_setter_name("linux") == "set_xwindow"
    assert window_setter_name("win32") == "set_hwnd"
    assert window_setter_name("darwin") == "set_nsobject"


def test_native_window_shows_pictures(server, xvfb_display: str) -> None:
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    root = Path(__file__).resolve().parents[3]
    env["PYTHONPATH"] = str(root)
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("native_probe.py")),
            server.url("/live/small"),
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=40,
        cwd=root,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["frames"] >= 10, result  # libvlc's displayed-picture statistics
    assert result["signals"] >= 2  # frame_ready from stats polling
    assert result["latest"] is False  # no buffers on the native path
    assert result["shutdown"] is True
