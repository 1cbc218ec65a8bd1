"""The reference: the same hub streams decoded by FFmpeg alone (PyAV), decode only, one thread.

Runs in its own process (`python -m bench.wall --reference ...`), so its CPU time is its own:
one Python thread per stream reads the hub's MPEG-TS over HTTP, demuxes it and decodes every
H.264 packet with `thread_count = 1` and no frame or slice threading. Decoded frames are counted
and dropped: no pixel-format conversion, no scaling, no painting.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

from bench._system import Window


def stream_url(hub_url: str, camera_id: str, profile: str) -> str:
    """The stream URL the hub hands out for (camera, profile), as the console asks for it."""
    with urllib.request.urlopen(
        f"{hub_url}/api/v1/cameras/{camera_id}/streams/{profile}", timeout=10
    ) as r:
        return str(json.load(r)["url"])


class _Decoder(threading.Thread):
    def __init__(self, url: str, stop: threading.Event) -> None:
        super().__init__(name="reference-decoder", daemon=True)
        self.url = url
        self.stop = stop
        self.frames = 0
        self.error: str | None = None
        self.threading = ""

    def run(self) -> None:
        import av

        try:
            # A short probe: the hub starts every viewer at a key frame, and the probing is not
            # part of the measurement anyway (it ends before the CPU window starts).
            options = {"fflags": "nobuffer", "probesize": "65536", "analyzeduration": "200000"}
            container = av.open(self.url, options=options, timeout=10.0)
            try:
                stream = container.streams.video[0]
                ctx = stream.codec_context
                ctx.thread_count = 1
                try:
                    ctx.thread_type = 0  # neither frame nor slice threads
                except (TypeError, ValueError):
                    ctx.thread_type = "SLICE"  # one thread: slice threading has no effect
                self.threading = f"thread_count={ctx.thread_count}"
                for packet in container.demux(stream):
                    if self.stop.is_set():
                        break
                    for _frame in ctx.decode(packet):
                        self.frames += 1
            finally:
                container.close()
        except Exception as exc:
            if not self.stop.is_set():
                self.error = f"{type(exc).__name__}: {exc}"


def run_reference(
    hub_url: str,
    camera_ids: list[str],
    profile: str,
    seconds: float,
    *,
    hub_pid: int | None = None,
    warmup_timeout_s: float = 20.0,
) -> dict[str, Any]:
    """Decode every camera's `profile` stream at once for `seconds`; CPU of this process only."""
    urls = [stream_url(hub_url, cam, profile) for cam in camera_ids]
    return {
        **decode_streams(urls, seconds, hub_pid=hub_pid, warmup_timeout_s=warmup_timeout_s),
        "profile": profile,
    }


def decode_streams(
    urls: list[str],
    seconds: float,
    *,
    hub_pid: int | None = None,
    warmup_timeout_s: float = 20.0,
) -> dict[str, Any]:
    """Decode every stream of `urls` at once for `seconds` (after each has a picture and half a
    second more); CPU of this process only."""
    import av

    stop = threading.Event()
    decoders = [_Decoder(url, stop) for url in urls]
    for d in decoders:
        d.start()
    deadline = time.monotonic() + warmup_timeout_s
    while not all(d.frames > 0 or d.error for d in decoders) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # past the first key frame and the decoders' start-up allocations
    counts0 = [d.frames for d in decoders]
    window = Window(hub_pid=hub_pid).start()
    time.sleep(seconds)
    w = window.stop()
    counts1 = [d.frames for d in decoders]
    stop.set()
    for d in decoders:
        d.join(5)
    elapsed = float(w["elapsed_s"])  # type: ignore[arg-type]
    cpu = float(w["cpu_s"])  # type: ignore[arg-type]
    codec = ".".join(str(v) for v in av.library_versions.get("libavcodec", ()))
    fps = [(b - a) / elapsed for a, b in zip(counts0, counts1, strict=True)]
    hub_cpu = w["hub_cpu_s"]
    errors = sorted({d.error for d in decoders if d.error})
    return {
        "streams": len(urls),
        "seconds": round(elapsed, 2),
        "cpu_s": round(cpu, 3),
        "cpu_per_stream": round(cpu / len(urls) / elapsed, 5),
        "decoded_fps_min": round(min(fps), 2) if fps else 0.0,
        "decoded_fps_mean": round(sum(fps) / len(fps), 2) if fps else 0.0,
        "hub_cores": round(float(hub_cpu) / elapsed, 3) if hub_cpu is not None else None,  # type: ignore[arg-type]
        "machine_busy_pct": round(float(w["machine_busy_pct"]), 1),  # type: ignore[arg-type]
        "decoder": f"PyAV {av.__version__}, libavcodec {codec}, "
        f"{decoders[0].threading or 'thread_count=1'}, decode only",
        "errors": errors,
    }
