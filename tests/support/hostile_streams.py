"""Stream URLs that connect and then never give a live picture, served for real on 127.0.0.1.

`HostileStreams().start()` runs an aiohttp server (and a bare TCP listener) in a daemon thread;
`url(case)` is a stream URL for each case of `CASES`. Used by the media tests (the health rules
must flag every one of them) and by `bench.chaos` through `tests/support/hostile_hub.py`.

The video cases are real MPEG-TS made with PyAV (libx264), so libvlc really demuxes and decodes
them: `no_video` carries only an audio stream, `frozen` is a valid H.264 stream whose every
picture is the same (a frozen encoder: frames keep coming, nothing moves).
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
from fractions import Fraction

import av
import numpy as np
from aiohttp import web

from tests.support.loop_thread import stop_loop_thread

HOST = "127.0.0.1"
CASES: dict[str, str] = {
    "silent": "answers 200 with video/mp2t headers, then sends nothing",
    "drip": "answers 200, then one byte a second",
    "garbage": "answers 200, then random bytes (about 200 kB/s)",
    "never": "accepts the connection and never answers",
    "redirect": "redirects to itself, forever",
    "empty": "answers 200 with an empty body",
    "no_video": "a valid MPEG-TS stream with audio and no video",
    "frozen": "a valid H.264 stream whose picture never changes",
}
FROZEN_FPS = 15
CLIP_SECONDS = 40  # longer than any test or trial watches one connection


def _frozen_clip(seconds: int = CLIP_SECONDS) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FROZEN_FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(FROZEN_FPS)}
        img = np.zeros((180, 320, 3), np.uint8)
        img[60:120, 100:220] = (200, 40, 40)
        for i in range(seconds * FROZEN_FPS):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    return buf.getvalue()


def _audio_only_clip(seconds: int = CLIP_SECONDS) -> bytes:
    buf = io.BytesIO()
    rate = 48000
    with av.open(buf, "w", format="mpegts") as out:
        stream = out.add_stream("mp2", rate=rate)
        stream.layout = "mono"
        samples = 1152
        for i in range(seconds * rate // samples):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, samples), np.int16), format="s16", layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = i * samples
            frame.time_base = Fraction(1, rate)
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    return buf.getvalue()


class HostileStreams:
    """The misbehaving stream server. `requests` counts requests per case."""

    def __init__(self) -> None:
        self.port = 0
        self.never_port = 0
        self.requests: dict[str, int] = dict.fromkeys(CASES, 0)
        self._clips: dict[str, bytes] = {}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="hostile-streams", daemon=True)
        self._runner: web.AppRunner | None = None
        self._never: asyncio.Server | None = None
        self._held: list[asyncio.StreamWriter] = []

    def url(self, case: str) -> str:
        if case not in CASES:
            raise KeyError(f"unknown hostile stream case {case!r} (one of {', '.join(CASES)})")
        if case == "never":
            return f"http://{HOST}:{self.never_port}/never.ts"
        return f"http://{HOST}:{self.port}/hostile/{case}.ts"

    def start(self) -> HostileStreams:
        self._clips = {"frozen": _frozen_clip(), "no_video": _audio_only_clip()}
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("hostile stream server did not start")
        return self

    def stop(self) -> None:
        async def cleanup() -> None:
            for writer in self._held:
                writer.close()
            if self._never is not None:
                self._never.close()
            if self._runner is not None:
                await self._runner.cleanup()

        stop_loop_thread(self._loop, self._thread, cleanup, 10)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/hostile/{case}.ts", self._serve)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, HOST, 0)
        self._loop.run_until_complete(site.start())
        self.port = int(self._runner.addresses[0][1])
        self._never = self._loop.run_until_complete(
            asyncio.start_server(self._accept_and_ignore, HOST, 0)
        )
        self.never_port = int(self._never.sockets[0].getsockname()[1])
        self._ready.set()
        self._loop.run_forever()

    async def _accept_and_ignore(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.requests["never"] += 1
        self._held.append(writer)  # open until the server stops; nothing is ever sent

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        case = request.match_info["case"]
        if case not in CASES or case == "never":
            raise web.HTTPNotFound()
        self.requests[case] += 1
        if case == "redirect":
            raise web.HTTPFound(request.path)
        if case == "empty":
            return web.Response(body=b"", content_type="video/mp2t")
        resp = web.StreamResponse(headers={"Content-Type": "video/mp2t"})
        await resp.prepare(request)
        transport = request.transport
        try:
            if case in self._clips:
                await self._paced(resp, self._clips[case], transport)
            else:
                deadline = self._loop.time() + 120  # bounded, whatever the client does
                while transport is not None and not transport.is_closing():
                    if self._loop.time() > deadline:
                        break
                    if case == "drip":
                        await resp.write(b"G")
                        await asyncio.sleep(1.0)
                    elif case == "garbage":
                        await resp.write(os.urandom(20_000))
                        await asyncio.sleep(0.1)
                    else:  # silent
                        await asyncio.sleep(0.2)
        except (ConnectionError, RuntimeError):
            pass
        return resp

    async def _paced(self, resp: web.StreamResponse, clip: bytes, transport: object) -> None:
        """The clip at its average byte rate (in 0.1 s slices), one second ahead of its clock so
        a bigger key frame never arrives late: a player sees a live stream."""
        per_slice = max(188, len(clip) // (CLIP_SECONDS * 10) // 188 * 188)
        start = self._loop.time() - 1.0
        for n, offset in enumerate(range(0, len(clip), per_slice)):
            if getattr(transport, "is_closing", lambda: True)():
                return
            await resp.write(clip[offset : offset + per_slice])
            await asyncio.sleep(max(0.0, start + (n + 1) * 0.1 - self._loop.time()))
