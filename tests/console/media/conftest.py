"""Real live sources for the media tests.

H.264 clips are encoded once per session with PyAV (libx264), then served by a real aiohttp
server on 127.0.0.1 as paced, never-ending MPEG-TS: the encoded packets are remuxed on the fly
per connection with timestamps that keep increasing across loops. Query switches make a stream go
dead (socket open, no more bytes) or close its socket after some seconds; a server-wide `mode`
simulates an unreachable/down server (503) and its comeback.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import pytest
from aiohttp import web

FPS = 15


@dataclass
class Clip:
    name: str
    width: int
    height: int
    fps: int
    blob: bytes  # the clip as one MPEG-TS file (used as a stream template)
    packets: list[tuple[bytes, int, int, bool]]  # data, pts, dts, keyframe
    time_base: Fraction
    frame_ticks: int


def _encode_clip(name: str, width: int, height: int, seconds: float = 2.0) -> Clip:
    buf = io.BytesIO()
    out = av.open(buf, "w", format="mpegts")
    stream = out.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(FPS)}
    yy, xx = np.mgrid[0:height, 0:width]
    n = int(seconds * FPS)
    for i in range(n):
        img = np.empty((height, width, 3), np.uint8)
        img[..., 0] = (xx * 255 // width + i * 8) % 256
        img[..., 1] = (yy * 255 // height) % 256
        img[..., 2] = 64
        x0 = (i * width // n) % (width - width // 8)
        img[height // 3 : height // 3 * 2, x0 : x0 + width // 8] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = i
        for pkt in stream.encode(frame):
            out.mux(pkt)
    for pkt in stream.encode():
        out.mux(pkt)
    out.close()
    blob = buf.getvalue()
    with av.open(io.BytesIO(blob)) as inp:
        vs = inp.streams.video[0]
        tb = vs.time_base
        assert tb is not None
        packets = [
            (bytes(p), int(p.pts or 0), int(p.dts or 0), bool(p.is_keyframe))
            for p in inp.demux(vs)
            if p.size
        ]
    ticks = packets[1][1] - packets[0][1]
    return Clip(name, width, height, FPS, blob, packets, Fraction(tb), ticks)


class _Sink:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


class _LiveMuxer:
    """Remuxes a clip's packets forever into MPEG-TS, timestamps continuing across loops."""

    def __init__(self, clip: Clip) -> None:
        self._clip = clip
        self._inp = av.open(io.BytesIO(clip.blob))
        self._sink = _Sink()
        self._out = av.open(self._sink, "w", format="mpegts", options={"flush_packets": "1"})
        self._stream = self._out.add_stream_from_template(self._inp.streams.video[0])
        self._i = 0

    def next_chunk(self) -> bytes:
        clip = self._clip
        n = len(clip.packets)
        loop, idx = divmod(self._i, n)
        data, pts, dts, key = clip.packets[idx]
        offset = loop * n * clip.frame_ticks
        pkt = av.Packet(data)
        pkt.stream = self._stream
        pkt.time_base = clip.time_base
        pkt.pts, pkt.dts, pkt.is_keyframe = pts + offset, dts + offset, key
        self._out.mux(pkt)
        self._i += 1
        return self._sink.take()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._out.close()
        self._inp.close()


class StreamServer:
    """aiohttp on 127.0.0.1:<random> in its own thread and event loop."""

    def __init__(self, clips: dict[str, Clip]) -> None:
        self.clips = clips
        self.mode = "ok"  # "ok" | "down" (503 for new requests, open streams closed)
        self.requests: list[str] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="test-stream-server", daemon=True)
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10)

    def stop(self) -> None:
        async def cleanup() -> None:
            if self._runner:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/live/{clip}", self._live)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()

    async def _live(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        name = request.match_info["clip"]
        if name not in self.clips:
            raise web.HTTPNotFound()
        if self.mode == "down":
            raise web.HTTPServiceUnavailable()
        clip = self.clips[name]
        after = float(request.query.get("after", "inf"))
        then = request.query.get("then", "dead")
        resp = web.StreamResponse(headers={"Content-Type": "video/mp2t"})
        await resp.prepare(request)
        muxer = _LiveMuxer(clip)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        sent = 0
        transport = request.transport
        try:
            while transport is not None and not transport.is_closing():
                elapsed = loop.time() - t0
                if self.mode == "down" or (elapsed >= after and then == "close"):
                    transport.close()  # abrupt: the socket just goes away
                    break
                if elapsed >= after:  # dead: connection stays open, nothing more is sent
                    await asyncio.sleep(0.1)
                    continue
                await resp.write(muxer.next_chunk())
                sent += 1
                await asyncio.sleep(max(0.0, t0 + sent / clip.fps - loop.time()))
        except (ConnectionError, RuntimeError):
            pass
        finally:
            muxer.close()
        return resp


@pytest.fixture(scope="session")
def clips() -> dict[str, Clip]:
    return {
        "small": _encode_clip("small", 320, 180),
        "medium": _encode_clip("medium", 640, 360),
    }


@pytest.fixture(scope="session")
def stream_server(clips: dict[str, Clip]) -> Iterator[StreamServer]:
    server = StreamServer(clips)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(stream_server: StreamServer) -> Iterator[StreamServer]:
    stream_server.mode = "ok"
    yield stream_server
    stream_server.mode = "ok"
