"""Run ipycam (a real, third-party ONVIF camera in pure Python) on 127.0.0.1 for the tests.

This is a SCRIPT for ipycam's own interpreter (`.peers/ipycam/bin/python`), never imported in
the project's `.venv` (ipycam pulls in opencv-python, which bundles Qt 5). It applies at run
time, without editing the package, the patches /work/shared/PLATFORM.md ("ONVIF: ipycam")
describes:

- its HTTP (ONVIF + web UI) and RTSP servers bind 127.0.0.1 on the ports given, not every
  interface;
- its WS-Discovery server (multicast on 3702 of every interface) is replaced by a stub;
- the `ptz`/`tptz` namespace declarations its SOAP envelope template lacks are added (without
  them zeep cannot read GetConfigurations, GetStatus, SetPreset and GetPresets);
- its native WebRTC and go2rtc paths are kept off (`go2rtc_api_port` points at a closed port),
  so it serves RTSP with its own server and Debian's `ffmpeg`.

Two opt-in additions for the tests, each said out loud because they change what the peer does:

- `--wire-log FILE`: every PTZ ContinuousMove's `Timeout` element as received is appended to
  FILE as one JSON line (ipycam parses only the speeds, so a test could not otherwise see what
  the driver sent);
- `--honour-timeout`: a ContinuousMove with a `Timeout` stops after that long, as the ONVIF
  PTZ specification asks (ipycam 1.3.0 ignores it and moves until Stop). The dead-man test
  needs a camera that honours it; real cameras do.

It feeds the camera a generated picture (a moving bar; small, to keep ffmpeg's CPU low),
prints `IPYCAM READY http://127.0.0.1:<port> rtsp=<port>` once serving, and runs until
SIGTERM/SIGINT or its stdin closes (so it never outlives a test runner that died).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import threading
from typing import Any

HOST = "127.0.0.1"
_PTZ_NS = (
    'xmlns:ptz="http://www.onvif.org/ver20/ptz/wsdl" '
    'xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" '
)


def _parse_duration_s(text: str) -> float | None:
    """xs:duration of the simple kinds cameras get ("PT1S", "PT0.5S", "PT1M2.5S")."""
    m = re.fullmatch(
        r"\s*P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)\s*", text
    )
    if not m or not any(m.groups()):
        return None
    h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mi * 60 + s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rtsp-port", type=int, required=True)
    parser.add_argument("--closed-port", type=int, required=True, help="a port nothing listens on")
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--workdir", default=None, help="where ipycam writes its presets file")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--wire-log", default=None)
    parser.add_argument("--honour-timeout", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="ipycam-")
    os.chdir(workdir)  # ipycam keeps ptz_presets.json (and recordings) in the working directory

    import ipycam.camera as camera_mod
    import ipycam.onvif as onvif_mod
    import numpy as np
    from ipycam import CameraConfig, IPCamera, configure_logging

    configure_logging(level=20 if args.verbose else 30)  # to stderr: the test shows it on failure

    # -- patch 1: bind 127.0.0.1 only
    class LoopbackTCPServer(camera_mod.ReusableThreadingTCPServer):
        def __init__(self, server_address: tuple[str, int], handler: Any) -> None:
            super().__init__((HOST, server_address[1]), handler)

    class LoopbackRTSPServer(camera_mod.NativeRTSPServer):
        def __init__(self, port: int = 8554, host: str = HOST) -> None:
            super().__init__(port=port, host=HOST)

    camera_mod.ReusableThreadingTCPServer = LoopbackTCPServer
    camera_mod.NativeRTSPServer = LoopbackRTSPServer

    # -- patch 2: no WS-Discovery (multicast on every interface)
    class NoDiscovery:
        def __init__(self, *_args: Any, **_kwargs: Any) -> None:
            pass

        def start(self) -> None:
            pass

        def stop(self) -> None:
            pass

        def join(self, timeout: float | None = None) -> None:
            pass

    camera_mod.WSDiscoveryServer = NoDiscovery  # type: ignore[misc,assignment]
    camera_mod.is_webrtc_available = lambda: False

    # -- patch 3: the envelope template declares the ptz/tptz prefixes its bodies use
    original_load = onvif_mod.ONVIFService._load_templates

    def load_templates(self: Any) -> None:
        original_load(self)
        envelope = self._templates["envelope"]
        if "xmlns:tptz" not in envelope:
            self._templates["envelope"] = envelope.replace(
                "<s:Envelope ", "<s:Envelope " + _PTZ_NS, 1
            )

    onvif_mod.ONVIFService._load_templates = load_templates

    # -- opt-in: record (and honour) ContinuousMove's Timeout
    original_move = onvif_mod.ONVIFService.ptz_continuous_move
    timers: list[threading.Timer] = []

    def continuous_move(self: Any, body: str) -> str:
        m = re.search(r"<(?:\w+:)?Timeout[^>]*>([^<]*)</(?:\w+:)?Timeout>", body)
        timeout_text = m.group(1) if m else None
        if args.wire_log:
            with open(args.wire_log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"action": "ContinuousMove", "timeout": timeout_text}) + "\n")
        answer = original_move(self, body)
        if args.honour_timeout and timeout_text and self.ptz is not None:
            seconds = _parse_duration_s(timeout_text)
            for t in timers:
                t.cancel()
            timers.clear()
            if seconds is not None:
                velocity = self.ptz.velocity

                def expire() -> None:
                    # Only the move this timeout belongs to: a later move replaced the velocity.
                    if self.ptz.velocity is velocity:
                        self.ptz.stop_movement(True, True)

                timer = threading.Timer(seconds, expire)
                timer.daemon = True
                timers.append(timer)
                timer.start()
        return answer

    onvif_mod.ONVIFService.ptz_continuous_move = continuous_move

    config = CameraConfig(
        name="Tessera test camera",
        local_ip=HOST,
        onvif_port=args.port,
        rtsp_port=args.rtsp_port,
        go2rtc_api_port=args.closed_port,
        main_width=args.width,
        main_height=args.height,
        main_fps=args.fps,
        main_bitrate="500K",
        sub_width=max(16, args.width // 2),
        sub_height=max(16, args.height // 2),
        sub_fps=args.fps,
        sub_bitrate="200K",
        show_timestamp=False,
        hw_accel="cpu",
    )
    if args.username or args.password:
        config.set_credentials(args.username, args.password)
    camera = IPCamera(config)
    if not camera.start():
        print("IPYCAM FAILED", flush=True)
        return 1

    stopping = threading.Event()

    def stop(*_: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin() -> None:
        try:
            while sys.stdin.read(1):
                pass
        except (OSError, ValueError):
            pass
        stopping.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    mode = camera._streaming_mode
    print(
        f"IPYCAM READY http://{HOST}:{args.port} rtsp={args.rtsp_port} mode={mode}",
        flush=True,
    )
    frame = np.zeros((args.height, args.width, 3), dtype=np.uint8)
    step = max(1, args.width // 50)
    x = 0
    period = 1.0 / max(1, args.fps)
    try:
        while not stopping.is_set():
            frame[:] = (40, 30, 20)
            frame[:, x : x + step * 4] = (200, 200, 200)
            x = (x + step) % args.width
            camera.stream(frame.copy())
            stopping.wait(period)
    finally:
        for t in timers:
            t.cancel()
        camera.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
