"""`python -m bench.sources`: RTSP cameras through the stream gateway, against libvlc alone.

One process, one real RTSP camera (GStreamer's server, `tests/support/gst_rtsp_peer.py`:
640x360, 15 fps, H.264, a key frame every second), one run:

- `gateway_callup_ms`: a libvlc player (the console's options and frame sink) plays the
  gateway's local URL of a camera the gateway has no session for: RTSP set-up, the camera's
  next key frame, remux, libvlc's start, until the first picture is displayed;
- `direct_callup_ms`: the same picture served as MPEG-TS over HTTP (a plain server here that
  joins a viewer at whatever packet comes next, as a camera's HTTP stream does) and played by
  libvlc directly; trials alternate with the gateway's;
- `flowing_callup_ms`: a camera already flowing in the gateway (another viewer holds it):
  the joiner starts from the gateway's cached group of pictures;
- `gateway_cpu_ratio`: CPU of the gateway's threads for one stream with one viewer (reader,
  HTTP) over CPU of a thread that only demuxes the same stream with FFmpeg (PyAV), measured
  over the same seconds (per-thread CPU clocks);
- `upstream_sessions_per_camera`: the camera's RTSP clients, from the server's own count,
  with the same camera on 4 libvlc players through the gateway (must be 1).

A reader that demuxes the camera all along (like an NVR recording it) keeps the camera's
encoder running, so a call-up lands anywhere in its group of pictures, as with a real camera;
it also feeds the plain MPEG-TS server of the direct trials.

```sh
.venv/bin/python -m bench.sources --quick --json bench/results/sources-quick.json  # < 2 min
.venv/bin/python -m bench.sources --trials 30 --seconds 20 --json sources.json
```
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "gateway_callup_p95_ms": 1000.0,
    "flowing_callup_p95_ms": 300.0,
    "gateway_cpu_ratio": 1.5,
    "upstream_sessions_per_camera": 1,
}
OPEN = {
    "rtsp_transport": "tcp",
    "probesize": "500",
    "analyzeduration": "0",
    "fflags": "nobuffer",
    "fpsprobesize": "0",
}


def pct(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "n": len(ordered)}


class Tap:
    """Demuxes one RTSP URL on a thread (FFmpeg only: no decode). With `serve`, also remuxes it
    to MPEG-TS for a plain HTTP server: each client gets the packets from when it joined."""

    def __init__(self, url: str, serve: bool = False) -> None:
        self.url = url
        self.serve = serve
        self.stop = threading.Event()
        self.packets = 0
        self._clients: list[list[bytes]] = []
        self._cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="bench-tap", daemon=True)

    def _run(self) -> None:
        import av

        with av.open(self.url, options=dict(OPEN), timeout=(5, 5)) as inp:
            stream = inp.streams.video[0]
            out = None
            parts: list[bytes] = []
            if self.serve:

                class W:
                    def write(self, b: bytes) -> int:
                        parts.append(bytes(b))
                        return len(b)

                out = av.open(W(), "w", format="mpegts", options={"flush_packets": "1"})
                ost = out.add_stream_from_template(stream)
            for packet in inp.demux(stream):
                if self.stop.is_set():
                    break
                if not packet.size:
                    continue
                self.packets += 1
                if out is not None:
                    packet.stream = ost
                    try:
                        out.mux(packet)
                    except Exception:
                        continue
                    data = b"".join(parts)
                    parts.clear()
                    with self._cond:
                        for queue in self._clients:
                            queue.append(data)
                        self._cond.notify_all()
            if out is not None:
                with contextlib.suppress(Exception):
                    out.close()

    def http_server(self) -> ThreadingHTTPServer:
        tap = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                queue: list[bytes] = []
                with tap._cond:
                    tap._clients.append(queue)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "video/mp2t")
                    self.end_headers()
                    while not tap.stop.is_set():
                        with tap._cond:
                            if not queue:
                                tap._cond.wait(0.5)
                            chunks = list(queue)
                            queue.clear()
                        for chunk in chunks:
                            self.wfile.write(chunk)
                except OSError:
                    pass
                finally:
                    with tap._cond:
                        tap._clients.remove(queue)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


class Players:
    def __init__(self) -> None:
        import vlc

        from console.media.frame import RenderPath
        from console.media.media_settings import MediaSettings

        self.settings = MediaSettings()
        self.instance = vlc.Instance(self.settings.instance_args(RenderPath.COMPOSITED))

    def callup_ms(self, url: str, timeout_s: float = 8.0, keep: bool = False) -> Any:
        """Milliseconds from play() to the first displayed picture (None: none in time)."""
        from console.media.player import FrameSink

        first = threading.Event()
        shown: list[float] = []

        def on_frame(_sink: FrameSink) -> None:
            if not shown:
                shown.append(time.monotonic())
                first.set()

        sink = FrameSink(0, on_frame)
        sink.every_frame = False
        mp = self.instance.media_player_new()
        sink.attach(mp)
        media = self.instance.media_new(url)
        for opt in self.settings.media_options(software=True):
            media.add_option(opt)
        mp.set_media(media)
        started = time.monotonic()
        mp.play()
        ok = first.wait(timeout_s)
        ms = (shown[0] - started) * 1000.0 if ok else None
        if keep:
            return ms, (mp, media, sink)
        self.release((mp, media, sink))
        return ms

    @staticmethod
    def release(held: tuple[Any, Any, Any]) -> None:
        mp, media, _sink = held  # the sink outlives the player's release()
        mp.stop()
        mp.release()
        media.release()


def thread_cpu(threads: list[threading.Thread]) -> float:
    total = 0.0
    for t in threads:
        if t.ident is None or not t.is_alive():
            continue
        with contextlib.suppress(OSError, ProcessLookupError):
            total += time.clock_gettime(time.pthread_getcpuclockid(t.ident))
    return total


def run(trials: int, seconds: float) -> dict[str, Any]:
    from console.media.gateway import StreamGateway
    from tests.support.gst_rtsp_peer import GstRtspPeer

    camera = GstRtspPeer(size="640x360", fps=15).start()
    players = Players()
    gateway = StreamGateway(linger_s=0.2)
    gateway.start()
    tap = Tap(camera.url("h264"), serve=True)
    tap.thread.start()
    direct = tap.http_server()
    direct_url = f"http://127.0.0.1:{direct.server_address[1]}/live.ts"
    result: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 10
        while tap.packets < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        # 1. call-up through the gateway (no session yet) and direct, alternating.
        gw_url = gateway.local_url(camera.url("h264"))
        gw_ms: list[float] = []
        direct_ms: list[float] = []
        first_key: list[float] = []
        after_key: list[float] = []
        failures = 0
        for _ in range(trials):
            for kind in ("gateway", "direct"):
                time.sleep(random.uniform(0.0, 1.0))  # anywhere in the group of pictures
                ms = players.callup_ms(gw_url if kind == "gateway" else direct_url)
                if ms is None:
                    failures += 1
                    continue
                (gw_ms if kind == "gateway" else direct_ms).append(ms)
                if kind == "gateway":
                    key = [s.first_key_ms for s in gateway.stats().sessions if s.first_key_ms]
                    if key:
                        first_key.append(key[0])
                        after_key.append(ms - key[0])
                    end = time.monotonic() + 5
                    while gateway.stats().sessions and time.monotonic() < end:
                        time.sleep(0.02)  # lingered out: the next call-up is cold again
        print(f"call-up  gateway {pct(gw_ms)}  direct {pct(direct_ms)}", flush=True)

        # 2. call-up of a camera already flowing in the gateway.
        holder = players.callup_ms(gw_url, keep=True)[1]
        flowing: list[float] = []
        for _ in range(trials):
            time.sleep(random.uniform(0.0, 1.0))
            ms = players.callup_ms(gw_url)
            if ms is None:
                failures += 1
            else:
                flowing.append(ms)
        print(f"call-up  flowing {pct(flowing)}", flush=True)

        # 3. CPU: the gateway's threads for this stream (one viewer) against a thread that
        # demuxes the same camera with FFmpeg alone, over the same seconds.
        demux = Tap(camera.url("h264") + "?reference=demux")
        demux.thread.start()
        time.sleep(1.5)
        gw_threads = [
            t
            for t in threading.enumerate()
            if t.name.startswith(("tessera-gw", "tessera-gateway-http"))
            or "process_request_thread" in t.name  # the viewer's HTTP handler (no direct one now)
        ]
        cpu0, ref0, t0 = thread_cpu(gw_threads), thread_cpu([demux.thread]), time.monotonic()
        time.sleep(seconds)
        cpu1, ref1, t1 = thread_cpu(gw_threads), thread_cpu([demux.thread]), time.monotonic()
        demux.stop.set()
        players.release(holder)
        gw_cpu = (cpu1 - cpu0) / (t1 - t0)
        ref_cpu = (ref1 - ref0) / (t1 - t0)
        ratio = gw_cpu / ref_cpu if ref_cpu > 0 else None
        print(f"cpu  gateway {gw_cpu:.4f}  demux {ref_cpu:.4f}  ratio {ratio}", flush=True)

        # 4. the same camera on 4 tiles: upstream sessions from the server's count (the tap
        # and the direct server hold one client of their own).
        end = time.monotonic() + 5
        while gateway.stats().sessions and time.monotonic() < end:
            time.sleep(0.05)
        demux.thread.join(5)
        camera.wait_clients(1, 5)
        base = camera.clients
        four_url = gateway.local_url(camera.url("h264") + "?tiles=4")
        held = [players.callup_ms(four_url, keep=True) for _ in range(4)]
        time.sleep(1.0)
        sessions = camera.clients - base
        all_live = all(ms is not None for ms, _ in held)
        for _ms, h in held:
            players.release(h)
        print(f"upstream sessions for 4 tiles: {sessions} (all live: {all_live})", flush=True)

        result = {
            "gateway_callup_ms": pct(gw_ms),
            "direct_callup_ms": pct(direct_ms),
            "flowing_callup_ms": pct(flowing),
            # Of a gateway call-up: RTSP open to the camera's first key frame, and the rest
            # (HTTP, libvlc's demux, decoder, its live buffer, the first picture).
            "gateway_first_key_ms": pct(first_key),
            "gateway_after_key_ms": pct(after_key),
            "gateway_cpu_per_stream": round(gw_cpu, 5),
            "demux_cpu_per_stream": round(ref_cpu, 5),
            "gateway_cpu_ratio": round(ratio, 2) if ratio is not None else None,
            "upstream_sessions_per_camera": sessions,
            "four_tiles_live": all_live,
            "failed_callups": failures,
        }
    finally:
        tap.stop.set()
        direct.shutdown()
        direct.server_close()
        gateway.close(5.0)
        players.instance.release()
        camera.stop()
        tap.thread.join(5)
    return result


def targets_met(r: dict[str, Any]) -> dict[str, Any]:
    def le(value: Any, target: float) -> bool | None:
        return None if value is None else bool(value <= target)

    return {
        "gateway_callup_p95_ms": {
            "target": TARGETS["gateway_callup_p95_ms"],
            "met": le(r["gateway_callup_ms"]["p95"], TARGETS["gateway_callup_p95_ms"]),
        },
        "flowing_callup_p95_ms": {
            "target": TARGETS["flowing_callup_p95_ms"],
            "met": le(r["flowing_callup_ms"]["p95"], TARGETS["flowing_callup_p95_ms"]),
        },
        "gateway_cpu_ratio": {
            "target": TARGETS["gateway_cpu_ratio"],
            "met": le(r["gateway_cpu_ratio"], TARGETS["gateway_cpu_ratio"]),
        },
        "upstream_sessions_per_camera": {
            "target": 1,
            "met": r["upstream_sessions_per_camera"] == 1,
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sources", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="8 call-ups of each kind, 8 s of CPU")
    p.add_argument("--trials", type=int, help="call-ups of each kind (20; quick 8)")
    p.add_argument("--seconds", type=float, help="CPU measuring window (15; quick 8)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    args = p.parse_args(argv)
    trials = args.trials or (8 if args.quick else 20)
    seconds = args.seconds or (8.0 if args.quick else 15.0)

    from bench._system import machine_info
    from bench.wall import versions
    from console.media.engine import enable_crash_traces

    enable_crash_traces()
    started = time.monotonic()
    figures = run(trials, seconds)
    result = {
        **figures,
        "targets": targets_met(figures),
        "camera": "GStreamer RTSP server, H.264 640x360 15 fps, key frame every 1 s, RTSP/TCP",
        "trials": trials,
        "cpu_seconds": seconds,
        "wall_s": round(time.monotonic() - started, 1),
        "machine": machine_info(),
        "versions": versions(),
        "command": ["python", "-m", "bench.sources", *(argv if argv is not None else sys.argv[1:])],
    }
    for name, t in result["targets"].items():
        print(f"target {name}: <= {t['target']}  met: {t['met']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
