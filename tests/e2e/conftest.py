"""End-to-end fixtures: the real console, the real demo hub, the real libvlc, real X servers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.support.xvfb import Xvfb

ROOT = Path(__file__).resolve().parents[2]


async def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Poll `predicate` on the loop; return the seconds it took, fail with `what` on timeout."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


def qimage_to_array(image) -> np.ndarray:
    """A QImage as an HxWx3 uint8 array (RGB)."""
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).copy()


def run_tessera(
    args: list[str], env: dict[str, str] | None = None, timeout_s: float = 90
) -> subprocess.CompletedProcess[str]:
    """Run the real `tessera` command line (as `python -m console.app.cli`)."""
    return subprocess.run(
        [sys.executable, "-m", "console.app.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def xvfb() -> Iterator[Callable[..., Xvfb]]:
    servers: list[Xvfb] = []

    def start(screens: int = 1) -> Xvfb:
        server = Xvfb(screens)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
