"""A real RTSP server for tests and benchmarks: GStreamer's `GstRtspServer` on 127.0.0.1.

Run by the SYSTEM Python (`/usr/bin/python3`): Debian's `python3-gi` does not load in the
project's virtual environment. `tests/support/gst_rtsp_peer.py` starts and stops it.

    /usr/bin/python3 tests/support/gst_rtsp_server.py --port 8554 [--size 640x360] [--fps 15]

Mounts, each one shared (one pipeline, whatever the number of clients), a moving test pattern:
  /h264   x264enc (tune zerolatency, a key frame every second), rtph264pay
  /h265   x265enc (tune zerolatency, a key frame every second), rtph265pay
  /mjpeg  jpegenc, rtpjpegpay

What it prints, one line each, flushed (the peer reads them):
  ready PORT                    listening
  client-connected N            an RTSP client (one TCP connection) came; N clients now
  client-closed N               one went; N clients now
  sessions N clients M          the answer to a line "?" on stdin (RTSP sessions in the pool)
  media-constructed MOUNT       a mount's (shared) pipeline was built

Known difference from a camera: each new client's PLAY restarts the shared pipeline's encoder
(every client then sees a fresh key frame that arrives before its PLAY completes, and waits one
key-frame interval for the next). A camera's encoder runs on, and a client joins mid-GOP.
It exits when stdin closes (the parent died or asked it to) or on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

SOURCE = (
    "videotestsrc is-live=true pattern=smpte horizontal-speed=3 "
    "! video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 "
)
ENCODERS = {
    "h264": (
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=800 "
        "! video/x-h264,profile=constrained-baseline ! rtph264pay name=pay0 pt=96"
    ),
    "h265": (
        "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=800 "
        "! rtph265pay name=pay0 pt=96"
    ),
    "mjpeg": "! jpegenc quality=60 ! rtpjpegpay name=pay0 pt=26",
}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8554)
    p.add_argument("--size", default="640x360")
    p.add_argument("--fps", type=int, default=15)
    args = p.parse_args()
    w, h = (int(v) for v in args.size.split("x"))

    Gst.init(None)
    loop = GLib.MainLoop()
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for name, encoder in ENCODERS.items():
        factory = GstRtspServer.RTSPMediaFactory()
        launch = (SOURCE + encoder).format(w=w, h=h, fps=args.fps)
        factory.set_launch(f"( {launch} )")
        factory.set_shared(True)
        factory.connect("media-constructed", lambda _f, _m, n=name: say(f"media-constructed {n}"))
        mounts.add_factory(f"/{name}", factory)

    # The client objects themselves (a wrapper's id() can be reused once it is collected).
    clients: list[GstRtspServer.RTSPClient] = []

    def on_closed(client: GstRtspServer.RTSPClient) -> None:
        for index, known in enumerate(clients):
            if known == client:
                del clients[index]
                break
        say(f"client-closed {len(clients)}")

    def on_client(_server: GstRtspServer.RTSPServer, client: GstRtspServer.RTSPClient) -> None:
        clients.append(client)
        client.connect("closed", on_closed)
        say(f"client-connected {len(clients)}")

    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        say("error: could not listen")
        return 1

    def on_stdin(channel: GLib.IOChannel, condition: GLib.IOCondition) -> bool:
        if condition & (GLib.IOCondition.HUP | GLib.IOCondition.ERR):
            loop.quit()
            return False
        line = channel.readline()
        if not line:
            loop.quit()
            return False
        if line.strip() == "?":
            pool = server.get_session_pool()
            say(f"sessions {pool.get_n_sessions()} clients {len(clients)}")
        return True

    stdin = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(
        stdin, GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_stdin
    )
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    say(f"ready {server.get_bound_port()}")
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
