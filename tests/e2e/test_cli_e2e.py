"""The `tessera` command as a new user runs it: headless screenshots, bad files, no video."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.e2e.conftest import qimage_to_array, run_tessera
from tests.support.hubproc import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def test_screenshot_command_writes_the_wall_grid_and_exits_0(tmp_path):
    shot = tmp_path / "wall.png"
    out = run_tessera(["--demo", "--layout", "3x3", "--screenshot", str(shot), "--after", "4"])
    assert out.returncode == 0, out.stderr
    image = QImage(str(shot))
    assert not image.isNull()
    pixels = qimage_to_array(image)
    assert pixels.std() > 20  # a picture, not a blank grid
    # The grid itself: no side panel or toolbar in the shot (the tree is dark, tiles are not).
    assert pixels[:, :40].mean() > 15


def test_a_damaged_layout_file_is_survived_reported_and_kept(tmp_path, private_config_dir):
    private_config_dir.mkdir(parents=True)
    layouts = private_config_dir / "layouts.json"
    garbage = b'{"format": "tessera.layouts", "version": 1, "layouts": [{"na\x00'
    layouts.write_bytes(garbage)
    out = run_tessera(["--demo", "--screenshot", str(tmp_path / "w.png"), "--after", "4"])
    assert out.returncode == 0, out.stderr
    assert "layouts.json is damaged" in out.stderr
    assert layouts.read_bytes() == garbage
    kept = list(private_config_dir.glob("layouts.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage
    assert (tmp_path / "w.png").exists()


def test_a_native_window_wall_without_a_display_is_shown_composited_and_said_so(tmp_path):
    """Offscreen there are no windows for libvlc to draw into: a wall saved (or asked for) on the
    native-window path would decode and show nothing. It is shown composited from the start."""
    shot = tmp_path / "wall.png"
    args = ["--demo", "--layout", "2x2", "--render-path", "native"]
    out = run_tessera(
        [*args, "--screenshot", str(shot), "--after", "4"], env={"QT_QPA_PLATFORM": "offscreen"}
    )
    assert out.returncode == 0, out.stderr  # every tile showed video
    assert "video windows need a display (offscreen has none)" in out.stderr


def test_screenshot_exits_non_zero_with_a_clear_message_when_no_video_shows(tmp_path):
    dead_hub = f"http://127.0.0.1:{free_port()}"
    out = run_tessera(["--hub", dead_hub, "--screenshot", str(tmp_path / "w.png"), "--after", "2"])
    assert out.returncode == 2
    assert "never showed video" in out.stderr
    assert "no camera is on the wall" in out.stderr


def test_bad_layout_name_is_refused_before_anything_starts():
    out = run_tessera(["--layout", "7+7"], timeout_s=30)
    assert out.returncode == 2
    assert "unknown layout" in out.stderr


def _distinct_tiles(pixels: np.ndarray, cols: int, rows: int) -> int:
    h, w = pixels.shape[0] // rows, pixels.shape[1] // cols
    means = {
        tuple((pixels[r * h : (r + 1) * h, c * w : (c + 1) * w].mean(axis=(0, 1)) // 8).tolist())
        for r in range(rows)
        for c in range(cols)
    }
    return len(means)


@pytest.mark.xvfb
def test_native_window_path_renders_video_under_xvfb(tmp_path, xvfb):
    server = xvfb()
    shot = tmp_path / "native.png"
    out = run_tessera(
        [
            "--demo",
            "--layout",
            "2x2",
            "--render-path",
            "native",
            "--screenshot",
            str(shot),
            "--after",
            "6",
        ],
        env=server.env,
    )
    assert out.returncode == 0, out.stderr
    pixels = qimage_to_array(QImage(str(shot)))
    assert pixels.std() > 20, "the native windows stayed black"
    assert _distinct_tiles(pixels, 2, 2) >= 3


def test_two_screens_get_one_wall_window_each(tmp_path):
    """Qt's offscreen platform with two screens side by side (Xvfb cannot show Qt two monitors:
    its screens are separate X screens, and Qt's xcb plugin reads monitors from RandR)."""
    config = tmp_path / "screens.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "left", "x": 0, "y": 0, "width": 1280, "height": 720},
                    {"name": "right", "x": 1280, "y": 0, "width": 1280, "height": 720},
                ]
            }
        )
    )
    shot = tmp_path / "wall.png"
    out = run_tessera(
        ["--demo", "--screenshot", str(shot), "--after", "4"],
        env={"QT_QPA_PLATFORM": f"offscreen:configfile={config}"},
    )
    assert out.returncode == 0, out.stderr
    second = tmp_path / "wall-2.png"
    assert shot.exists() and second.exists(), out.stdout
    a, b = qimage_to_array(QImage(str(shot))), qimage_to_array(QImage(str(second)))
    assert a.std() > 20 and b.std() > 20
    # The second screen's 2x2 wall continues the camera list (10, 1, 2, 3), all with video.
    assert _distinct_tiles(b, 2, 2) >= 3


def test_tessera_hub_runs_the_demo_hub_alone_on_the_given_port():
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    port = free_port()
    hub = subprocess.Popen(
        [sys.executable, "-m", "console.app.cli", "hub", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert hub.stdout.readline().strip() == (
            f"Tessera demo hub listening on http://127.0.0.1:{port}"
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        # It asks for sign-in (issue 17): nothing without a session, everything with one.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/cameras", timeout=5)
        assert refused.value.code == 401
        sign_in = urllib.request.Request(
            f"{base}/session",
            data=json.dumps({"user": "viewer", "password": "viewer-demo"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(sign_in, timeout=30) as r:
            token = json.load(r)["token"]
        cameras = urllib.request.Request(
            f"{base}/cameras", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(cameras, timeout=5) as r:
            assert len(json.load(r)["cameras"]) >= 9
    finally:
        hub.terminate()
        assert hub.wait(15) == 0
