"""`UpstreamSession`: one RTSP connection per upstream URL, remuxed once, fanned out to viewers.

One reader thread per session (PyAV: demux only, never decode). Each video packet is remuxed
without re-encoding into bytes a viewer's HTTP response carries as they are:

- H.264 / H.265: MPEG-TS (PyAV's muxer, flushed after every packet, so each packet's bytes are
  one whole run of 188-byte TS packets; FFmpeg writes PAT/PMT before every key frame, and the
  parameter sets (SPS/PPS, VPS for H.265) are put in front of a key frame that lacks them);
- MJPEG: `multipart/x-mixed-replace` (one JPEG per part), what MJPEG cameras serve over HTTP
  and libvlc's `mjpeg` demuxer reads; MPEG-TS has no stream type for JPEG pictures.

The bytes since the last key frame (with the stream headers) are kept: a viewer that joins a
stream already flowing gets them at once and starts with a key frame (an MJPEG picture is
always one). The first viewer of a session that is still connecting waits for the first key
frame.

A connection that has given nothing within about twice `QUICK_OPEN_S` of being made (a camera that
answers PLAY and then sends no picture, as GStreamer's RTSP server does about once in thirty
fresh starts here) is given up and made again at once, with the full `open_timeout_s`, so the
first viewer still gets its picture within the gateway's join time.

When the upstream is lost (error, end, nothing for `read_timeout_s`) every viewer's response
ends, and the session reconnects with a capped backoff while it has viewers, or within its
linger time. A viewer that arrives while the session waits out its backoff makes it try at
once. The session closes itself `linger_s` after its last viewer left.

Threads: the reader thread owns the PyAV containers; viewers (HTTP handler threads) only touch
`Viewer` queues under the session's condition. Nothing here runs on the GUI thread.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av

from console.base.redact import redact_text, redact_url
from console.media.feed import backoff_delay

log = logging.getLogger(__name__)

# Low-latency opening (PLATFORM.md: first picture from about 2.0 s to 0.5 s).
OPEN_OPTIONS = {
    "rtsp_transport": "tcp",
    "probesize": "500",
    "analyzeduration": "0",
    "fflags": "nobuffer",
    "fpsprobesize": "0",
}
# MPEG-TS out: flush after every packet (one packet = one chunk); no mux delay (FFmpeg's
# default puts the PCR 0.7 s behind the DTS, which libvlc would buffer on top of its own cache);
# each video PES packet carries its length (FFmpeg omits it by default), so libvlc's demuxer
# hands a picture on when it is complete instead of when the next one starts (pictures under
# 64 KiB: the field has 16 bits).
TS_OPTIONS = {"flush_packets": "1", "max_delay": "0", "omit_video_pes_length": "0"}
MJPEG_BOUNDARY = "tesseraframe"
CONTENT_TYPES = {
    "ts": "video/mp2t",
    "mjpeg": f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}",
}
CODECS = {"h264": "ts", "hevc": "ts", "mjpeg": "mjpeg"}
# The first try of a connection gets this long to open, and as long for each read (PyAV's
# stream probe swallows an open timeout, so a hang shows after both: 1.6 s); a try that hangs
# is made again at once with the full timeouts (see the module's docstring). On a loopback or
# LAN camera an open takes 0.06-0.3 s; a slower one costs one quick try. A stream flowing on a
# quick try that stalls this long is lost and reconnected with the full timeouts.
QUICK_OPEN_S = 0.8
# A run of LIVE this long resets the reconnect backoff.
STABLE_S = 10.0


class SessionState(enum.Enum):
    CONNECTING = "connecting"
    FLOWING = "flowing"
    WAITING = "waiting"  # lost or failed; waiting out the backoff before the next try
    CLOSED = "closed"


@dataclass(frozen=True)
class SessionStats:
    upstream: str  # redacted
    state: str
    codec: str | None
    viewers: int
    connections: int  # upstream connections opened (1 + reconnects, counting failed tries)
    reconnects: int  # connections opened after the first one that delivered a key frame
    bytes_in: int  # video payload read from the camera
    bytes_out: int  # bytes handed to viewers
    first_key_ms: float | None  # open to first key frame, latest connection
    last_error: str | None


class GatewayError(RuntimeError):
    """The gateway cannot serve a stream (upstream unreachable, not a video it can remux)."""


class _OpenHungError(GatewayError):
    """A quick first try gave nothing in time: made again at once (not a failure yet)."""


class Viewer:
    """One HTTP response. The reader sends a chunk straight to the viewer's socket (never
    blocking) when nothing is queued and the handler is not writing; else it queues it, and
    the viewer's handler thread writes the queue (the GOP cache, or what the socket could not
    take at once). One hop less per packet: no thread wakes up for a viewer that keeps up."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.chunks: deque[bytes] = deque()
        self.backlog = 0
        self.started = False  # has been given a key frame
        self.ended: str | None = None  # why its response ends
        self.sock: socket.socket | None = None  # non-blocking, once the headers are sent
        self.writing = False  # its handler is writing chunks it took from the queue


def send_all(sock: socket.socket, data: bytes, timeout_s: float) -> None:
    """Write all of `data` to a non-blocking socket, waiting at most `timeout_s` for room
    each time it is full (TimeoutError then)."""
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except BlockingIOError:
            _, ready, _ = select.select([], [sock], [], timeout_s)
            if not ready:
                raise TimeoutError("the viewer does not read") from None
            continue
        view = view[sent:]


class _Remux:
    """Packets in, bytes out (one remuxer per upstream connection)."""

    kind = ""

    def feed(self, packet: Any, key: bool) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _TsRemux(_Remux):
    kind = "ts"

    def __init__(self, stream: Any) -> None:
        self._parts: list[bytes] = []
        codec = stream.codec_context.name
        extradata = bytes(stream.codec_context.extradata or b"")
        # Annex B parameter sets from the SDP (FFmpeg's RTSP client writes them with start
        # codes); put in front of a key frame that carries none in band.
        annex_b = extradata[:3] == b"\0\0\1" or extradata[:4] == b"\0\0\0\1"
        self._headers = extradata if annex_b else b""
        self._hevc = codec == "hevc"
        self._out = av.open(self, "w", format="mpegts", options=TS_OPTIONS)
        self._stream = self._out.add_stream_from_template(stream)

    def write(self, data: bytes) -> int:  # the file-like end of PyAV's output
        self._parts.append(bytes(data))
        return len(data)

    def _has_parameter_sets(self, data: bytes) -> bool:
        start = 0
        for _ in range(8):  # the first few NAL units are enough
            at = data.find(b"\0\0\1", start)
            if at < 0 or at + 3 >= len(data):
                return False
            header = data[at + 3]
            nal = (header >> 1) & 0x3F if self._hevc else header & 0x1F
            if nal == (33 if self._hevc else 7):  # SPS
                return True
            start = at + 3
        return False

    def feed(self, packet: Any, key: bool) -> bytes:
        if key and self._headers and not self._has_parameter_sets(bytes(packet)):
            fixed = av.Packet(self._headers + bytes(packet))
            fixed.pts, fixed.dts = packet.pts, packet.dts
            fixed.time_base = packet.time_base
            fixed.is_keyframe = True
            packet = fixed
        packet.stream = self._stream
        self._out.mux(packet)
        out = b"".join(self._parts)
        self._parts.clear()
        return out

    def close(self) -> None:
        # Trailing bytes of a stream that ended: nobody reads them.
        with contextlib.suppress(Exception):
            self._out.close()


class _MjpegRemux(_Remux):
    kind = "mjpeg"

    def feed(self, packet: Any, key: bool) -> bytes:
        data = bytes(packet)
        head = (
            f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode("ascii")
        return head + data + b"\r\n"


class UpstreamSession:
    """One upstream URL (camera profile), shared by every viewer that shows it."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        linger_s: float,
        open_timeout_s: float,
        read_timeout_s: float,
        max_gop_bytes: int,
        max_backlog_bytes: int,
        retire: Callable[[UpstreamSession], bool],
    ) -> None:
        self._url = url
        self.redacted = redact_url(url)
        self.name = name
        self._linger_s = linger_s
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        self._max_gop_bytes = max_gop_bytes
        self._max_backlog_bytes = max_backlog_bytes
        self._retire = retire
        self._cond = threading.Condition()
        self._state = SessionState.CONNECTING
        self._viewers: list[Viewer] = []
        self._viewer_numbers = 0
        self._idle_since = time.monotonic()
        self._gop: list[bytes] = []
        self._gop_bytes = 0
        self._gop_valid = False
        self.kind: str | None = None
        self.codec: str | None = None
        self._connections = 0
        self._reconnects = 0
        self._delivered = False
        self._bytes_in = 0
        self._bytes_out = 0
        self._first_key_ms: float | None = None
        self._last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"tessera-gw-{name}", daemon=True)

    # ---- life ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the reader to end (it does within `read_timeout_s`; at once between packets)."""
        self._stop.set()
        self._wake.set()
        with self._cond:
            self._end_viewers("the gateway is closing")
            self._state = SessionState.CLOSED
            self._cond.notify_all()

    def join(self, timeout_s: float) -> bool:
        self._thread.join(max(0.0, timeout_s))
        return not self._thread.is_alive()

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def viewer_count(self) -> int:
        with self._cond:
            return len(self._viewers)

    def idle_for(self, now: float) -> float:
        """Seconds without a viewer (0 while it has one). Caller holds no session lock."""
        with self._cond:
            return 0.0 if self._viewers else now - self._idle_since

    def stats(self) -> SessionStats:
        with self._cond:
            return SessionStats(
                upstream=self.redacted,
                state=self._state.value,
                codec=self.codec,
                viewers=len(self._viewers),
                connections=self._connections,
                reconnects=self._reconnects,
                bytes_in=self._bytes_in,
                bytes_out=self._bytes_out,
                first_key_ms=self._first_key_ms,
                last_error=self._last_error,
            )

    # ---- viewers (HTTP handler threads) ------------------------------------------------------

    def add_viewer(self) -> Viewer:
        """A new viewer: it starts with the cached group of pictures when the stream flows,
        else with the next key frame."""
        with self._cond:
            self._viewer_numbers += 1
            viewer = Viewer(self._viewer_numbers)
            if self._state is SessionState.CLOSED:
                viewer.ended = "the gateway is closing"
                return viewer
            self._viewers.append(viewer)
            if self._state is SessionState.FLOWING and self._gop_valid and self._gop:
                viewer.chunks.extend(self._gop)
                viewer.backlog = self._gop_bytes
                viewer.started = True
            if self._state is SessionState.WAITING:
                self._wake.set()  # someone wants it now: do not wait out the backoff
            return viewer

    def remove_viewer(self, viewer: Viewer) -> None:
        with self._cond:
            if viewer in self._viewers:
                self._viewers.remove(viewer)
                if not self._viewers:
                    self._idle_since = time.monotonic()

    def wait_started(self, viewer: Viewer, timeout_s: float) -> str | None:
        """Wait until `viewer` has its first key frame: None then, else why not."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not viewer.started and viewer.ended is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    last = f" (last error: {self._last_error})" if self._last_error else ""
                    return f"no key frame from the camera within {timeout_s:g} s{last}"
                self._cond.wait(left)
            return viewer.ended if not viewer.started else None

    def attach_socket(self, viewer: Viewer, sock: socket.socket) -> None:
        """The viewer's response headers are sent: from now on the reader may write to `sock`
        (made non-blocking; the handler writes with `send_all`)."""
        sock.setblocking(False)
        with self._cond:
            viewer.sock = sock

    def next_chunks(self, viewer: Viewer, timeout_s: float) -> list[bytes] | None:
        """The chunks queued for `viewer` (maybe none after `timeout_s`); None when it ends.
        The caller writes them before it calls again (the reader queues meanwhile)."""
        with self._cond:
            viewer.writing = False
            if not viewer.chunks and viewer.ended is None:
                self._cond.wait(timeout_s)
            if viewer.chunks:
                out = list(viewer.chunks)
                viewer.chunks.clear()
                viewer.backlog = 0
                viewer.writing = True
                self._bytes_out += sum(len(c) for c in out)
                return out
            return None if viewer.ended is not None else []

    # ---- the reader thread ---------------------------------------------------------------

    def _end_viewers(self, reason: str) -> None:  # holds _cond
        for viewer in self._viewers:
            if viewer.ended is None:
                viewer.ended = reason
        self._gop.clear()
        self._gop_bytes = 0
        self._gop_valid = False
        self._cond.notify_all()

    def _lingered(self) -> bool:
        """True when the session has had no viewer for `linger_s` and the gateway retired it."""
        if self.idle_for(time.monotonic()) < self._linger_s:
            return False
        return self._retire(self)

    def _run(self) -> None:
        attempt = 0
        quick = self._open_timeout_s > QUICK_OPEN_S
        try:
            while not self._stop.is_set() and not self._lingered():
                with self._cond:
                    self._state = SessionState.CONNECTING
                    self._connections += 1
                started = time.monotonic()
                try:
                    if self._stream_once(started, QUICK_OPEN_S if quick else None):
                        break  # lingered out, or the gateway is closing
                    error = "the camera ended the stream"
                except _OpenHungError:
                    quick = False
                    log.info(
                        "gateway %s (%s): nothing from the camera within %.1f s of connecting;"
                        " connecting again",
                        self.name,
                        self.redacted,
                        QUICK_OPEN_S,
                    )
                    continue
                except GatewayError as exc:
                    error = str(exc)
                except Exception as exc:  # FFmpeg's errors, whatever they are
                    error = redact_text(f"{type(exc).__name__}: {exc}")
                if self._stop.is_set():
                    break
                quick = self._open_timeout_s > QUICK_OPEN_S
                ran = time.monotonic() - started
                attempt = 1 if ran >= STABLE_S else attempt + 1
                delay = backoff_delay(attempt)
                with self._cond:
                    self._state = SessionState.WAITING
                    self._last_error = error
                    self._end_viewers(f"camera stream lost: {error}")
                log.warning(
                    "gateway %s (%s): %s; retry in %.1f s",
                    self.name,
                    self.redacted,
                    redact_text(error),
                    delay,
                )
                self._wait_backoff(delay)
        finally:
            with self._cond:
                self._state = SessionState.CLOSED
                self._end_viewers("the camera stream closed")
            log.info("gateway %s (%s): upstream closed", self.name, self.redacted)

    def _wait_backoff(self, delay: float) -> None:
        deadline = time.monotonic() + delay
        self._wake.clear()
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._lingered():
                return
            if self._wake.wait(min(left, 0.25)):
                with self._cond:
                    if self._viewers:
                        return  # a viewer came: try now
                self._wake.clear()

    def _open(self, quick_s: float | None) -> Any:
        """The upstream container, opened within `quick_s` when given, with reads bounded by
        it too (PyAV's read timeout cannot change once open; see `_stream_once`)."""
        try:
            return av.open(
                self._url,
                options=dict(OPEN_OPTIONS),
                timeout=(quick_s or self._open_timeout_s, quick_s or self._read_timeout_s),
            )
        except av.ExitError as exc:  # FFmpeg's interrupt: the open timed out
            if quick_s is not None and not self._stop.is_set():
                raise _OpenHungError(str(exc)) from exc
            raise

    def _stream_once(self, started: float, quick_s: float | None) -> bool:  # noqa: PLR0912
        """Read one upstream connection until it ends (False) or the session retires (True).

        `quick_s`: the connection must open, and give each packet, within it; nothing before
        the first key frame raises `_OpenHungError` (made again at once with the full
        timeouts); a stall after it ends the connection as any lost stream does."""
        container = self._open(quick_s)
        remux: _Remux | None = None
        keyed = False
        try:
            if not container.streams.video:
                raise GatewayError("the camera's stream has no video")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            kind = CODECS.get(codec)
            if kind is None:
                raise GatewayError(
                    f"the camera sends {codec} video; the gateway reads H.264, H.265 and MJPEG"
                )
            remux = _TsRemux(stream) if kind == "ts" else _MjpegRemux()
            log.info("gateway %s (%s): connected, %s", self.name, self.redacted, codec)
            last_check = 0.0
            for packet in container.demux(stream):
                if self._stop.is_set():
                    return True
                now = time.monotonic()
                if now - last_check >= 0.25:
                    last_check = now
                    if self._lingered():
                        return True
                if packet.size == 0 or (packet.pts is None and packet.dts is None):
                    continue
                key = bool(packet.is_keyframe) or kind == "mjpeg"
                if not keyed and not key:
                    continue  # nothing decodes before the first key frame
                size = packet.size
                try:
                    data = remux.feed(packet, key)
                except (av.FFmpegError, ValueError) as exc:  # a bad timestamp: skip it
                    log.debug("gateway %s: packet skipped (%s)", self.name, exc)
                    continue
                if not keyed:
                    keyed = True
                    self._mark_flowing(kind, codec, started)
                self._publish(data, key, size)
            return False
        except av.ExitError as exc:  # a read timed out
            if quick_s is not None and not keyed and not self._stop.is_set():
                raise _OpenHungError(str(exc)) from exc
            raise
        finally:
            if remux is not None:
                remux.close()
            container.close()

    def _mark_flowing(self, kind: str, codec: str, started: float) -> None:
        """The connection's first key frame: the session flows."""
        with self._cond:
            self.kind, self.codec = kind, codec
            self._first_key_ms = (time.monotonic() - started) * 1000.0
            if self._delivered:
                self._reconnects += 1
            self._delivered = True
            self._last_error = None
            self._state = SessionState.FLOWING

    def _publish(self, data: bytes, key: bool, size_in: int) -> None:
        with self._cond:
            self._bytes_in += size_in
            self._cache(data, key)
            wake = False
            for viewer in self._viewers:
                if viewer.ended is not None:
                    continue
                if not viewer.started:
                    if not key:
                        continue
                    viewer.started = True
                    wake = True
                wake = self._deliver(viewer, data) or wake
            if wake:
                self._cond.notify_all()

    def _cache(self, data: bytes, key: bool) -> None:  # holds _cond
        if key:
            self._gop = [data]
            self._gop_bytes = len(data)
            self._gop_valid = True
        elif self._gop_valid:
            self._gop_bytes += len(data)
            if self._gop_bytes > self._max_gop_bytes:  # an endless GOP: stop caching it
                self._gop.clear()
                self._gop_bytes = 0
                self._gop_valid = False
            else:
                self._gop.append(data)

    def _deliver(self, viewer: Viewer, data: bytes) -> bool:  # holds _cond
        """Send `data` to the viewer's socket if it can take it now, else queue it; True when
        its handler must wake up."""
        rest = data
        if viewer.sock is not None and not viewer.chunks and not viewer.writing:
            try:
                sent = viewer.sock.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                viewer.ended = "the viewer went away"
                return True
            self._bytes_out += sent
            if sent == len(data):
                return False
            rest = data[sent:]
        viewer.chunks.append(rest)
        viewer.backlog += len(rest)
        if viewer.backlog > self._max_backlog_bytes:
            viewer.ended = "the viewer does not keep up"
            viewer.chunks.clear()
        return True
