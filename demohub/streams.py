"""Live H.264 encoding for the demo hub: encode once per (camera, profile), mux per viewer.

Threading model:
- `LiveEncoder` owns one worker thread per active (camera, profile). The thread renders the
  scene, converts it to I420 and encodes it with libx264 at the profile's frame rate, paced by a
  monotonic clock (frames that fall behind are skipped, never bunched). It starts when the
  first viewer arrives and its thread exits when the last one leaves.
- Each viewer has its own small MPEG-TS muxer (`TsMuxer`), driven by the encoder thread over the
  shared encoded packets, so every viewer gets a valid stream from its first byte, starting at a
  key frame. A new viewer forces the next frame to be a key frame for a fast call-up.
- Muxed bytes cross to the asyncio loop with one `loop.call_soon_threadsafe` per frame and land
  in each viewer's bounded `asyncio.Queue`. A viewer whose queue is full is dropped (its
  connection aborted) so one slow client can neither stall the others nor grow memory.
- `StreamManager` lives on the loop thread: it hands viewers to encoders, starts and stops
  encoders and reports viewer counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import cv2
from av.video.frame import PictureType

from demohub.scenes import Scene

__all__ = ["EncodedPacket", "LiveEncoder", "StreamManager", "TsMuxer", "Viewer"]

from demohub.outbox import Outbox

log = logging.getLogger(__name__)

THREAD_PREFIX = "demohub-encoder"


@dataclass(frozen=True)
class EncodedPacket:
    """One encoded H.264 access unit (Annex B), timestamps in 1/fps units."""

    data: bytes
    pts: int
    dts: int
    keyframe: bool


def x264_options(fps: int) -> dict[str, str]:
    """libx264 settings for live, low-latency streaming with a 2 s key frame interval."""
    gop = 2 * fps
    return {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "forced-idr": "1",
        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
    }


def open_encoder(width: int, height: int, fps: int, threads: int = 1) -> Any:
    """A libx264 encoder context for yuv420p frames of this size (opened on first encode)."""
    codec = av.CodecContext.create("libx264", "w")
    codec.width = width
    codec.height = height
    codec.pix_fmt = "yuv420p"
    codec.time_base = Fraction(1, fps)
    codec.framerate = Fraction(fps, 1)
    codec.gop_size = 2 * fps
    codec.max_b_frames = 0
    codec.thread_count = threads
    codec.options = x264_options(fps)
    return codec


def bgr_to_frame(image: Any) -> av.VideoFrame:
    """A yuv420p VideoFrame from a BGR picture (OpenCV's conversion is cheaper than PyAV's)."""
    yuv = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420)
    return av.VideoFrame.from_ndarray(yuv, format="yuv420p")


class _Sink:
    """A write-only file object collecting what the muxer writes."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class TsMuxer:
    """Wraps encoded H.264 packets into MPEG-TS for one viewer; timestamps start near zero."""

    def __init__(self, width: int, height: int, fps: int) -> None:
        self._fps = fps
        self._sink = _Sink()
        self._container: Any = av.open(
            self._sink,
            "w",
            format="mpegts",
            options={"pat_period": "0.1", "sdt_period": "0.5", "omit_video_pes_length": "0"},
            container_options={"flush_packets": "1", "max_delay": "0"},
            buffer_size=16 * 1024,
        )
        self._stream: Any = self._container.add_mux_stream(
            "h264", rate=fps, width=width, height=height
        )
        self._stream.time_base = Fraction(1, fps)
        self._base: int | None = None
        self.closed = False

    def mux(self, packet: EncodedPacket) -> bytes:
        """Mux one packet and return the TS bytes it produced (possibly empty)."""
        if self._base is None:
            self._base = packet.dts - 1  # leave room so the first dts is positive
        out = av.Packet(packet.data)
        out.stream = self._stream
        out.time_base = Fraction(1, self._fps)
        out.pts = packet.pts - self._base
        out.dts = packet.dts - self._base
        out.duration = 1
        out.is_keyframe = packet.keyframe
        self._container.mux_one(out)
        return self._sink.take()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._container.close()
        except Exception:  # a failing trailer must not take the encoder down
            log.debug("muxer close failed", exc_info=True)


class Viewer(Outbox[bytes]):
    """One HTTP client of a live stream. Lives on the loop thread; bytes arrive in `queue`.

    `None` in the queue means "the stream is over for you" (dropped or hub stopping).
    """

    def __init__(self, max_frames: int = 30, on_drop: Callable[[], None] | None = None) -> None:
        super().__init__(max_frames, "viewer", on_drop)
        self.bytes_sent = 0

    def deliver(self, data: bytes) -> None:
        """Queue muxed bytes (loop thread). A full queue drops the viewer."""
        self.put(data)


@dataclass(eq=False)
class _Slot:
    viewer: Viewer
    muxer: TsMuxer | None = None
    removed: bool = False


@dataclass
class EncoderStats:
    frames: int = 0
    skipped: int = 0
    render_s: float = 0.0
    encode_s: float = 0.0
    mux_s: float = 0.0
    bytes_out: int = 0
    keyframes: int = 0


class LiveEncoder:
    """Renders and encodes one (camera, profile) on its own thread while it has viewers."""

    def __init__(
        self,
        scene: Scene,
        size: tuple[int, int],
        fps: int,
        *,
        loop: asyncio.AbstractEventLoop,
        name: str,
        clock: Callable[[], float] = time.time,
        keyframes_only: bool = False,
        ends: Callable[[float], bool] | None = None,
    ) -> None:
        """`clock`: the time each frame shows. `keyframes_only`: every frame a key frame (a
        fast scan). `ends(t)`: true when the stream is over at the time `t` the clock gives (a
        playback reaching the end of its recording): that frame is not sent, the encoder
        stops and its viewers' streams end."""
        self.scene = scene
        self.width, self.height = size
        self.fps = fps
        self.name = name
        self.stats = EncoderStats()
        self._loop = loop
        self._clock = clock
        self._keyframes_only = keyframes_only
        self._ends = ends
        self.ended = False  # the stream reached its end (`ends`)
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []
        self._retired: list[_Slot] = []
        self._stop = threading.Event()
        self._keyframe = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"{THREAD_PREFIX}-{name}", daemon=True
        )

    # -- loop thread ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def add(self, viewer: Viewer) -> None:
        with self._lock:
            # The worker sets _stop before it takes the slots to end them, so a viewer added
            # after that is ended here instead of waiting forever on a dead encoder.
            dead = self._stop.is_set()
            if not dead:
                self._slots.append(_Slot(viewer))
        if dead:
            viewer.end()
            return
        self._keyframe.set()

    def remove(self, viewer: Viewer) -> int:
        """Detach a viewer; its muxer is released by the worker. Returns viewers left."""
        with self._lock:
            for slot in self._slots:
                if slot.viewer is viewer:
                    slot.removed = True
                    self._slots.remove(slot)
                    self._retired.append(slot)
                    break
            return len(self._slots)

    @property
    def viewer_count(self) -> int:
        with self._lock:
            return len(self._slots)

    def stop(self) -> None:
        """Ask the worker to finish; returns at once (see `join`)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- worker thread --------------------------------------------------------------------------
    def _run(self) -> None:
        log.info("encoder %s started (%dx%d@%d)", self.name, self.width, self.height, self.fps)
        codec = open_encoder(self.width, self.height, self.fps)
        period = 1.0 / self.fps
        start = time.monotonic()
        index = 0
        try:
            while not self._stop.is_set():
                due = start + index * period
                now = time.monotonic()
                if now < due:
                    if self._stop.wait(due - now):
                        break
                elif now - due > period:
                    # Fell behind (CPU starved): skip the missed frames instead of bunching them.
                    behind = int((now - start) / period)
                    self.stats.skipped += behind - index
                    index = behind
                self._encode_one(codec, index)
                index += 1
        except Exception:
            log.exception("encoder %s failed", self.name)
        finally:
            self._stop.set()
            with self._lock:
                slots = self._slots + self._retired
                self._retired = []
                orphans = [slot.viewer for slot in self._slots]
            # Failed, or reached its end, with viewers attached: end their streams (a live
            # viewer reconnects, a playback viewer has seen the end of the recording).
            if orphans:
                with contextlib.suppress(RuntimeError):
                    self._loop.call_soon_threadsafe(_end_all, orphans)
            for slot in slots:
                if slot.muxer is not None:
                    slot.muxer.close()
            try:
                codec.close()
            except Exception:
                log.debug("encoder close failed", exc_info=True)
            log.info("encoder %s stopped after %d frames", self.name, self.stats.frames)

    def _encode_one(self, codec: Any, index: int) -> None:
        t0 = time.perf_counter()
        shown = self._clock()
        if self._ends is not None and self._ends(shown):
            self.ended = True
            self._stop.set()
            return
        image = self.scene.render(shown, self.width, self.height)
        t1 = time.perf_counter()
        frame = bgr_to_frame(image)
        frame.pts = index
        frame.time_base = Fraction(1, self.fps)
        if self._keyframe.is_set() or self._keyframes_only:
            self._keyframe.clear()
            frame.pict_type = PictureType.I  # an IDR frame (x264's forced-idr)
        packets = [
            EncodedPacket(bytes(p), int(p.pts), int(p.dts), bool(p.is_keyframe))
            for p in codec.encode(frame)
        ]
        t2 = time.perf_counter()
        with self._lock:
            slots = list(self._slots)
            retired, self._retired = self._retired, []
        for slot in retired:
            if slot.muxer is not None:
                slot.muxer.close()
        batch: list[tuple[Viewer, bytes]] = []
        for packet in packets:
            self.stats.keyframes += packet.keyframe
            for slot in slots:
                if slot.muxer is None:
                    if not packet.keyframe:
                        continue
                    slot.muxer = TsMuxer(self.width, self.height, self.fps)
                data = slot.muxer.mux(packet)
                if data:
                    batch.append((slot.viewer, data))
                    self.stats.bytes_out += len(data)
        t3 = time.perf_counter()
        self.stats.frames += 1
        self.stats.render_s += t1 - t0
        self.stats.encode_s += t2 - t1
        self.stats.mux_s += t3 - t2
        if batch:
            try:
                self._loop.call_soon_threadsafe(_deliver_batch, batch)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                self._stop.set()


def _end_all(viewers: list[Viewer]) -> None:
    for viewer in viewers:
        viewer.end()


def _deliver_batch(batch: list[tuple[Viewer, bytes]]) -> None:
    for viewer, data in batch:
        viewer.deliver(data)


class StreamManager:
    """Starts an encoder for the first viewer of a (camera, profile) and stops it after the last.

    Loop thread only. `on_viewers(camera_id, profile, count)` is called after every change.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_viewers: Callable[[str, str, int], None] | None = None,
    ) -> None:
        self._loop = loop
        self._encoders: dict[tuple[str, str], LiveEncoder] = {}
        self._stopped: list[LiveEncoder] = []
        self._owner: dict[Viewer, LiveEncoder] = {}
        self._on_viewers = on_viewers

    def add_viewer(
        self,
        camera_id: str,
        profile: str,
        viewer: Viewer,
        *,
        scene: Scene,
        size: tuple[int, int],
        fps: int,
    ) -> None:
        key = (camera_id, profile)
        encoder = self._encoders.get(key)
        if encoder is None or encoder.stopping:  # none yet, or the last one failed
            encoder = LiveEncoder(scene, size, fps, loop=self._loop, name=f"{camera_id}-{profile}")
            self._encoders[key] = encoder
            encoder.add(viewer)  # before the worker starts: a failing first frame ends it too
            encoder.start()
        else:
            encoder.add(viewer)
        self._owner[viewer] = encoder
        self._notify(camera_id, profile, encoder.viewer_count)

    def remove_viewer(self, camera_id: str, profile: str, viewer: Viewer) -> None:
        key = (camera_id, profile)
        encoder = self._owner.pop(viewer, None)
        if encoder is None:
            return
        left = encoder.remove(viewer)
        if left == 0:
            encoder.stop()
            if self._encoders.get(key) is encoder:
                del self._encoders[key]
            self._stopped = [e for e in self._stopped if e.alive]
            self._stopped.append(encoder)
        self._notify(camera_id, profile, left)

    def viewers(self, camera_id: str, profile: str) -> int:
        encoder = self._encoders.get((camera_id, profile))
        return 0 if encoder is None else encoder.viewer_count

    def encoder(self, camera_id: str, profile: str) -> LiveEncoder | None:
        return self._encoders.get((camera_id, profile))

    def active(self) -> list[LiveEncoder]:
        return list(self._encoders.values())

    async def close(self, timeout: float = 5.0) -> None:
        """Stop every encoder and wait (off the loop) until their threads have exited."""
        encoders = list(self._encoders.values()) + self._stopped
        self._encoders.clear()
        self._owner.clear()
        self._stopped = []
        for encoder in encoders:
            encoder.stop()
        for encoder in encoders:
            if not await asyncio.to_thread(encoder.join, timeout):
                log.warning("encoder %s did not stop within %.1f s", encoder.name, timeout)

    def _notify(self, camera_id: str, profile: str, count: int) -> None:
        if self._on_viewers is not None:
            self._on_viewers(camera_id, profile, count)
