"""Run by test_native_wall_e2e.py under Xvfb: the real console, a native-window 3x3 wall of a
demo hub, watched from inside. Prints one JSON line (see `main`)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("TESSERA_CONFIG_DIR", tempfile.mkdtemp(prefix="tessera-native-wall-"))

import numpy as np
import qasync
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.media.feed import FeedStatus
from console.media.media_settings import MediaSettings
from widgets.common.theme import apply_dark_theme

LIVE_DEADLINE_S = 90.0  # generous: a loaded 2-core CI machine
WATCH_S = 12.0
SAMPLE_S = 0.5
RECOVER_S = 30.0
CHANGE_S = 10.0


def _label(view: Any) -> str:
    """The state words the tile shows (what the operator reads)."""
    strip = getattr(view, "_strip", None)
    text = strip.text() if strip is not None else ""
    return re.sub(r"<[^>]+>", "", text)


def _grab(view: Any) -> np.ndarray:
    """The tile's picture as it is on the X screen (libvlc's window, not Qt's painting)."""
    area = view.video if view.video is not None else view
    at = area.mapToGlobal(QPoint(0, 0))
    image = area.screen().grabWindow(0, at.x(), at.y(), area.width(), area.height()).toImage()
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).astype(np.int16)


async def watch(console: ConsoleApp, out: dict[str, Any]) -> None:
    start = time.monotonic()
    while not console.windows:
        await asyncio.sleep(0.1)
    losses: dict[int, int] = {}
    notices: list[str] = []
    console.notices.posted.connect(lambda n: notices.append(getattr(n, "text", str(n))))

    def views() -> list[Any]:
        return [v for v in console.windows[0].wall_view.tile_views if v.tile.camera_id]

    def on_state(tile_id: int) -> Any:
        def note(state: Any) -> None:
            if state.status is FeedStatus.SIGNAL_LOST:
                losses[tile_id] = losses.get(tile_id, 0) + 1

        return note

    watched: set[int] = set()
    all_live_at = None
    while time.monotonic() - start < LIVE_DEADLINE_S:
        for v in views():
            if v.feed is not None and id(v.feed) not in watched:
                watched.add(id(v.feed))
                v.feed.state_changed.connect(on_state(v.tile.id))
        tiles = views()
        if len(tiles) == 9 and all(
            v.feed is not None and v.feed.state.status is FeedStatus.LIVE for v in tiles
        ):
            all_live_at = time.monotonic() - start
            break
        await asyncio.sleep(0.25)
    out["all_live_after_s"] = all_live_at
    out["states_at_deadline"] = [_label(v) for v in views()]
    if all_live_at is None:
        return
    await asyncio.sleep(2.0)  # let the fps settle
    losses.clear()
    console.stall.reset()
    samples: dict[int, list[tuple[str, int]]] = {v.tile.id: [] for v in views()}
    end = time.monotonic() + WATCH_S
    while time.monotonic() < end:
        for v in views():
            player = v.feed.player if v.feed is not None else None
            count = player.frame_count if player is not None else 0
            samples.setdefault(v.tile.id, []).append((_label(v), count))
        await asyncio.sleep(SAMPLE_S)
    out["max_stall_ms"] = round(console.stall.max_stall_ms)
    # A tile that lost its signal once in the window (a busy machine) must be back by now.
    again = time.monotonic()
    while time.monotonic() - again < RECOVER_S and not all(
        v.feed is not None and v.feed.state.status is FeedStatus.LIVE for v in views()
    ):
        await asyncio.sleep(0.25)
    out["live_at_end"] = [
        v.feed is not None and v.feed.state.status is FeedStatus.LIVE for v in views()
    ]
    # The pictures on the screen move: look again until each tile's has changed (at most
    # CHANGE_S: on a loaded machine a window may go a second without a new picture).
    first = {v.tile.id: _grab(v) for v in views()}
    last = dict(first)
    change: dict[int, float] = dict.fromkeys(first, 0.0)
    until = time.monotonic() + CHANGE_S
    while time.monotonic() < until and min(change.values(), default=1.0) <= 0.5:
        await asyncio.sleep(0.5)
        for v in views():
            if change.get(v.tile.id, 0.0) > 0.5:
                continue
            last[v.tile.id] = now = _grab(v)
            if now.shape == first[v.tile.id].shape:
                change[v.tile.id] = float(np.abs(now - first[v.tile.id]).mean())
    out["tiles"] = [
        {
            "tile": tid,
            "labels": [label for label, _ in rows],
            "frames": [count for _, count in rows],
            "picture_std": float(last[tid].std()) if tid in last else 0.0,
            "picture_change": change.get(tid, 0.0),
            "signal_lost": losses.get(tid, 0),
        }
        for tid, rows in samples.items()
    ]
    out["native"] = console.windows[0].wall_view._native
    out["native_x11"] = MediaSettings().native_x11
    out["notices"] = notices


def main(hub_url: str) -> None:
    # Feed and player news on stderr: the test shows its tail when a tile misbehaves.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    apply_dark_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    options = ConsoleOptions(hub_url=hub_url, layout="3x3", render_path="native", joystick=False)
    console = ConsoleApp(options, app)
    out: dict[str, Any] = {}

    async def run() -> int:
        async def observe() -> None:
            try:
                await watch(console, out)
            finally:
                console.quit()

        task = asyncio.get_running_loop().create_task(observe())
        code = await console.run()
        await task
        return code

    try:
        out["exit"] = loop.run_until_complete(run())
    finally:
        print(json.dumps(out), flush=True)
    loop.close()
    os._exit(0)  # the console's own exit path is tested elsewhere; keep Qt's teardown out


if __name__ == "__main__":
    main(sys.argv[1])
