"""A real RTSP server for tests and benchmarks: GStreamer's `GstRtspServer` on 127.0.0.1.

Run by the SYSTEM Python (`/usr/bin/python3`): Debian's `python3-gi` does not load in the
project's virtual environment. `tests/support/gst_rtsp_peer.py` starts and stops it.

    /usr/bin/python3 tests/support/gst_rtsp_server.py --port 8554 [--size 640x360] [--fps 15]

Mounts, each one shared (one RTSP pipeline, whatever the number of clients), a moving test
pattern:
  /h264   x264enc (tune zerolatency, a key frame every second; SPS/PPS in the SDP), rtph264pay
  /h265   x265enc (tune zerolatency, a key frame every second), rtph265pay
  /mjpeg  jpegenc, rtpjpegpay

Like a camera's, a mount's encoder runs on from its first client (its own pipeline, into an
appsink) and the RTSP media takes its pictures through an appsrc: a client joins anywhere in
the group of pictures. (With the encoder inside the media, each new client's PLAY restarted
GStreamer's shared pipeline, encoder included: every client then waited exactly one key-frame
interval, and the other clients' streams were disturbed.)

What it prints, one line each, flushed (the peer reads them):
  ready PORT                    listening
  client-connected N            an RTSP client (one TCP connection) came; N clients now
  client-closed N               one went; N clients now
  sessions N clients M          the answer to a line "?" on stdin (RTSP sessions in the pool)
  media-constructed MOUNT       a mount's (shared) pipeline was built

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
# The camera's encoder: runs on from its first client, whoever comes and goes (appsink).
ENCODERS = {
    "h264": (
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=800 "
        "! video/x-h264,profile=constrained-baseline,stream-format=avc,alignment=au"
    ),
    # h265parse repeats VPS/SPS/PPS before each key frame: a media built after the encoder's
    # first one still finds them (x265 writes them once).
    "h265": (
        "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=800 "
        "! h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au"
    ),
    "mjpeg": "! jpegenc quality=60",
}
# What each RTSP media (shared by its clients) runs: the encoded pictures, payloaded.
PAYLOADERS = {
    "h264": "rtph264pay name=pay0 pt=96",
    "h265": "rtph265pay name=pay0 pt=96",
    "mjpeg": "rtpjpegpay name=pay0 pt=26",
}


class Encoder:
    """One mount's always-running encoder; pushes every encoded picture into the appsrc of
    the mount's current media (if any)."""

    def __init__(self, name: str, launch: str) -> None:
        self.name = name
        self.launch = launch
        self.pipeline: Gst.Element | None = None
        self.caps: Gst.Caps | None = None
        self.sources: list[Gst.Element] = []

    def start(self) -> None:
        if self.pipeline is not None:
            return
        sink = "appsink name=out emit-signals=true sync=false max-buffers=30 drop=true"
        self.pipeline = Gst.parse_launch(f"{self.launch} ! {sink}")
        self.pipeline.get_by_name("out").connect("new-sample", self._on_sample)
        self.pipeline.set_state(Gst.State.PLAYING)

    def _on_sample(self, sink: Gst.Element) -> Gst.FlowReturn:
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.OK
        caps = sample.get_caps()
        if self.caps is None or not self.caps.is_equal(caps):
            self.caps = caps
            for src in list(self.sources):
                src.set_property("caps", caps)
        buf = sample.get_buffer().copy()
        buf.pts = buf.dts = Gst.CLOCK_TIME_NONE  # the media's appsrc stamps its own time
        for src in list(self.sources):
            src.emit("push-buffer", buf)
        return Gst.FlowReturn.OK

    def stop(self) -> None:
        if self.pipeline is not None:
            self.pipeline.set_state(Gst.State.NULL)


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

    def on_media(
        _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia, encoder: Encoder
    ) -> None:
        src = media.get_element().get_by_name("src")
        if encoder.caps is not None:
            src.set_property("caps", encoder.caps)
        encoder.sources.append(src)
        media.connect(
            "unprepared", lambda _m: src in encoder.sources and encoder.sources.remove(src)
        )
        encoder.start()
        say(f"media-constructed {encoder.name}")

    encoders: list[Encoder] = []
    for name, encoder_launch in ENCODERS.items():
        encoder = Encoder(name, (SOURCE + encoder_launch).format(w=w, h=h, fps=args.fps))
        encoders.append(encoder)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f"( appsrc name=src is-live=true format=time do-timestamp=true ! {PAYLOADERS[name]} )"
        )
        factory.set_shared(True)
        factory.connect("media-configure", on_media, encoder)
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
    for encoder in encoders:
        encoder.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
