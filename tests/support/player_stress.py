"""Player churn under CPU load: `python -m tests.support.player_stress --plays N --seconds S`.

Starts, renegotiates and stops the console's own `TilePlayer`s (the real libvlc, the one
`FrameSink` implementation of its video callbacks) hundreds of times, while busy processes keep
every core loaded, and with `faulthandler` on, so a crash in a libvlc thread or a callback exits
with a signal and leaves a Python stack on stderr. It is a program of its own because a crash
must fail the test that started it, not the test runner.

What each cycle exercises:
- `play()` of a new generation while the old one winds down on a reaper thread (its callbacks
  stay referenced until `release()` returned);
- the format callback offered more than once: the clip changes its picture size every 0.4 s
  (libvlc renegotiates), libvlc offers padded sizes, and the tile's picture box changes size;
- the "GUI" side taking frames and reading every byte of them while libvlc writes the next.

The source is a local MPEG-TS file (PyAV, libx264) played in a loop: no server is needed, and
the churn is the point, not the network.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

SIZES = ((320, 180), (352, 198), (256, 144))
FPS = 25


def write_size_changing_clip(path: Path, seconds_per_size: float = 0.4) -> None:
    """An H.264 MPEG-TS clip whose picture size changes every `seconds_per_size` (one encoder
    per size, the packets muxed into one stream so a decoder sees a new SPS mid-stream)."""
    per_size = max(2, round(seconds_per_size * FPS))
    packets: list[bytes] = []
    for width, height in SIZES:
        buf = io.BytesIO()
        with av.open(buf, "w", format="h264") as out:
            stream = out.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(per_size)}
            for i in range(per_size):
                img = np.full((height, width, 3), (i * 9) % 256, np.uint8)
                img[:, (i * 7) % width] = 255
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                for pkt in stream.encode(frame):
                    out.mux(pkt)
            for pkt in stream.encode():
                out.mux(pkt)
        packets.append(buf.getvalue())
    raw = b"".join(packets)
    with av.open(io.BytesIO(raw), format="h264") as inp, av.open(str(path), "w", "mpegts") as out:
        src = inp.streams.video[0]
        dst = out.add_stream_from_template(src)
        n = 0
        for pkt in inp.demux(src):
            if not pkt.size:
                continue
            pkt.stream = dst
            pkt.time_base = dst.time_base
            ticks = round(90000 / FPS)
            pkt.pts = pkt.dts = n * ticks
            out.mux(pkt)
            n += 1


def _burn(until: float) -> None:
    x = 0
    while time.monotonic() < until:
        x += 1


async def churn(url: str, plays: int, players: int, seed: int) -> dict[str, int]:
    from console.base.marshal import Marshal
    from console.media.engine import MediaEngine
    from console.media.media_settings import HardwareDecoding, MediaSettings

    rng = random.Random(seed)
    settings = MediaSettings(hw_decoding=HardwareDecoding.OFF, network_caching_ms=100)
    engine = MediaEngine(settings, Marshal(asyncio.get_running_loop()))
    tiles = [
        engine.create_player(name=f"stress-{i}", picture_size=SIZES[0]) for i in range(players)
    ]
    done = frames = formats = checksum = 0
    try:
        while done < plays:
            tile = tiles[done % players]
            box = rng.choice([None, (160, 90), (300, 170), (640, 360), (99, 77)])
            tile.set_picture_box(box)
            tile.play(url)  # a new generation; the old one goes to the reaper
            done += 1
            end = time.monotonic() + rng.uniform(0.02, 0.25)
            while time.monotonic() < end:
                for t in tiles:
                    frame = t.latest_frame()
                    if frame is not None:
                        checksum ^= int(frame.pixels[:: max(1, frame.height // 8)].sum()) & 0xFF
                        frames += 1
                await asyncio.sleep(0.01)
            formats += len(tile.formats)
            if rng.random() < 0.2:
                tile.stop()
        for tile in tiles:
            tile.close()
        drained = engine.reaper.drain(10.0)
    finally:
        engine.shutdown(5.0)
    return {
        "plays": done,
        "frames_taken": frames,
        "formats": formats,
        "reaped": engine.reaper.completed,
        "abandoned": engine.reaper.abandoned,
        "drained": int(drained),
        "checksum": checksum,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.support.player_stress")
    p.add_argument("--plays", type=int, default=300)
    p.add_argument("--players", type=int, default=4)
    p.add_argument("--load", type=int, default=os.cpu_count() or 2, help="busy processes")
    p.add_argument("--seconds", type=float, default=120.0, help="upper bound on the load")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--json", help="write the counts here")
    args = p.parse_args(argv)

    from console.media.engine import enable_crash_traces

    enable_crash_traces()
    ctx = multiprocessing.get_context("spawn")
    burners: list[multiprocessing.process.BaseProcess] = []
    for _ in range(args.load):
        proc = ctx.Process(target=_burn, args=(time.monotonic() + args.seconds,), daemon=True)
        proc.start()
        burners.append(proc)
    try:
        with tempfile.TemporaryDirectory(prefix="tessera-stress-") as tmp:
            clip = Path(tmp) / "sizes.ts"
            write_size_changing_clip(clip)
            url = clip.as_uri()
            result = asyncio.run(churn(url, args.plays, args.players, args.seed))
    finally:
        for proc in burners:
            proc.terminate()
            proc.join(5)
    text = json.dumps(result)
    print(text, flush=True)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
