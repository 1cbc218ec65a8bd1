"""Run by test_media_native.py in a child process with DISPLAY set to an Xvfb server.

Plays a URL into a native QWidget via TilePlayer(render_path=NATIVE).set_window(winId) and
prints the player's frame count (from libvlc's displayed-picture statistics) as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from console.base.marshal import Marshal
from console.media.engine import MediaEngine
from console.media.frame import RenderPath
from console.media.media_settings import MediaSettings


def main(url: str) -> None:
    app = QApplication([])
    widget = QWidget()
    widget.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
    widget.resize(320, 180)
    widget.show()
    app.processEvents()
    loop = asyncio.new_event_loop()
    engine = MediaEngine(MediaSettings(hw_decoding="off"), Marshal(loop))
    player = engine.create_player(RenderPath.NATIVE)
    ready = []
    player.frame_ready.connect(lambda: ready.append(player.frame_count))
    player.set_window(int(widget.winId()))
    player.play(url)

    async def pump() -> None:
        end = time.monotonic() + 8
        while time.monotonic() < end and player.frame_count < 20:
            app.processEvents()
            await asyncio.sleep(0.02)

    loop.run_until_complete(pump())
    result = {"frames": player.frame_count, "signals": len(ready), "latest": player.latest_frame()}
    ok = engine.shutdown(3)
    loop.close()
    print(json.dumps({**result, "latest": result["latest"] is not None, "shutdown": ok}))


if __name__ == "__main__":
    main(sys.argv[1])
