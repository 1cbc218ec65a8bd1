"""CPU per tile: N composited players of a 640x360 15 fps H.264 stream (not a pytest test).

    /tmp/venv/bin/python -m tests.console.media.bench_cpu [players] [seconds]

The stream server runs in a child process so only the console side is measured: process CPU
time (all threads: libvlc decode, conversion, callbacks) divided by wall time.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import sys
import time


def _serve(port_q: mp.Queue) -> None:  # child process
    from tests.console.media.conftest import StreamServer, _encode_clip

    server = StreamServer({"medium": _encode_clip("medium", 640, 360)})
    server.start()
    port_q.put(server.port)
    while True:
        time.sleep(3600)


async def _measure(url: str, players: int, seconds: float) -> None:
    from console.base.marshal import Marshal
    from console.media.engine import MediaEngine
    from console.media.media_settings import MediaSettings

    engine = MediaEngine(MediaSettings(hw_decoding="off"), Marshal(asyncio.get_running_loop()))
    tiles = [engine.create_player() for _ in range(players)]
    painted = [0] * players
    for i, p in enumerate(tiles):
        # Stand-in for a view: take the newest frame on each repaint request.
        def paint(i: int = i, p=p) -> None:
            if p.latest_frame() is not None:
                painted[i] += 1

        p.frame_ready.connect(paint)
        p.play(url)
    await asyncio.sleep(3)  # warm up
    f0 = [p.frame_count for p in tiles]
    c0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - c0, time.monotonic() - t0
    fps = [(p.frame_count - a) / wall for p, a in zip(tiles, f0, strict=True)]
    print(f"players={players} wall={wall:.1f}s process_cpu={cpu / wall:.3f} cores")
    print(f"per tile={cpu / wall / players:.4f} cores; fps min={min(fps):.1f} max={max(fps):.1f}")
    print(f"repaints per tile per s={sum(painted) / players / (wall + 3):.1f}")
    engine.shutdown(3)


def main() -> None:
    players = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    q: mp.Queue = mp.Queue()
    child = mp.Process(target=_serve, args=(q,), daemon=True)
    child.start()
    port = q.get(timeout=60)
    try:
        asyncio.run(_measure(f"http://127.0.0.1:{port}/live/medium", players, seconds))
    finally:
        child.terminate()


if __name__ == "__main__":
    main()
