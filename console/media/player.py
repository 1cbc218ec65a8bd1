"""`TilePlayer`: one libvlc player per visible tile, driven only from the GUI/loop thread.

Threads (see README.md): libvlc decodes on its own threads and calls our video callbacks there.
Those callbacks only touch a `FrameSink` (numpy buffers under a small lock) and, at most once per
painted frame, ask the `Marshal` to run `_notify_frame` on the loop thread. Every public method
runs on the loop thread and never blocks: libvlc `stop()`/`release()` go to the `PlayerReaper`.

Every `play(url)` creates a fresh libvlc MediaPlayer (a *generation*); the previous one goes to
the reaper. Callbacks and events carry their generation and are ignored once it is stale, so a
player that is still winding down can never disturb the new one.
"""

from __future__ import annotations

import ctypes
import enum
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.base.marshal import Marshal
from console.base.redact import redact_url
from console.base.signals import Signal
from console.media.events import PlayerEvent, PlayerEventKind
from console.media.frame import Frame, RenderPath, frame_size_for, negotiated_size
from console.media.media_settings import MediaSettings
from console.media.reaper import PlayerReaper
from console.privacy.masks import MaskSet

log = logging.getLogger(__name__)

STATS_POLL_S = 0.25
_ALIGN = 32
_MAX_BUFFERS = 8
# How often a sink compares a sample of the picture with the last one (frozen-picture watch).
_PICTURE_CHECK_S = 0.5
# Mean absolute difference (0-255 levels) below which two samples are the same picture.
_PICTURE_SAME_MAD = 0.5

# Our own ctypes prototypes: python-vlc declares `chroma` as c_char_p, which ctypes turns into an
# immutable bytes copy, so the format callback could not write "RV32" back through it.
_FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)
_CleanupCb = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_LockCb = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_UnlockCb = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
)
_DisplayCb = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

_c_functions: dict[str, Any] = {}


def _libvlc_fn(name: str) -> Any:
    """Our own prototypes of the two callback setters, bound to python-vlc's loaded libvlc."""
    fn = _c_functions.get(name)
    if fn is None:
        import vlc

        if name == "libvlc_video_set_format_callbacks":
            proto = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _FormatCb, _CleanupCb)
        else:
            proto = ctypes.CFUNCTYPE(
                None, ctypes.c_void_p, _LockCb, _UnlockCb, _DisplayCb, ctypes.c_void_p
            )
        fn = _c_functions[name] = proto((name, vlc.dll))
    return fn


def _align(value: int) -> int:
    return (value + _ALIGN - 1) // _ALIGN * _ALIGN


def window_setter_name(platform: str = sys.platform) -> str:
    """Name of the MediaPlayer method that binds a native window on `platform`."""
    if platform.startswith("win"):
        return "set_hwnd"
    if platform == "darwin":
        return "set_nsobject"
    return "set_xwindow"


class FrameChroma(enum.Enum):
    """What a `FrameSink` asks libvlc for.

    RV32: BGRA pictures at the negotiated size, for painting (`take()` returns them).
    I420: the decoder's own planar format, copied and thrown away (no conversion): used to
    measure what libvlc alone costs (`bench.floor`); `take()` returns None.
    """

    RV32 = "RV32"
    I420 = "I420"


def _plane_layout(chroma: FrameChroma, width: int, height: int) -> list[tuple[int, int]]:
    """(pitch in bytes, lines) of each plane of one picture, both padded to `_ALIGN`."""
    if chroma is FrameChroma.RV32:
        return [(_align(width * 4), _align(height))]
    cw, ch = (width + 1) // 2, (height + 1) // 2
    return [(_align(width), _align(height)), (_align(cw), _align(ch)), (_align(cw), _align(ch))]


class FrameSink:
    """Picture buffers for one libvlc MediaPlayer (one generation): the one implementation of
    libvlc's video callbacks, used by the console's players and by every benchmark or test that
    hands buffers to libvlc.

    libvlc's vout thread locks a free buffer (neither published nor held by the GUI), writes,
    unlocks and displays it; display publishes it as the newest frame. The GUI takes the newest
    published buffer as its front buffer. A frame displayed before the GUI took the previous one
    simply replaces it: frames are dropped, never queued.

    Memory safety, the rules a crash taught (issue 12):
    - the ctypes callback objects live in the sink; whoever attaches a sink keeps it alive until
      the player's `release()` has returned (`PlayerReaper.reap(keepalive=...)`): libvlc's
      threads call into them until then;
    - libvlc offers a second format right after the first, and may lock a picture of the old
      format after offering a new one: buffers are never freed while the sink lives (each format
      allocates its own, retired ones are kept);
    - every buffer has a spare line and 64 bytes past the last plane, so a converter that
      writes a few bytes past a row (SIMD tails) lands in memory we own.
    """

    def __init__(
        self,
        generation: int,
        on_frame: Callable[[FrameSink], None],
        picture_size: tuple[int, int] | None = None,
        picture_box: Callable[[], tuple[int, int] | None] = lambda: None,
        *,
        chroma: FrameChroma = FrameChroma.RV32,
    ) -> None:
        self.generation = generation
        self.chroma = chroma
        self._on_frame = on_frame
        self._picture_size = picture_size
        self._picture_box = picture_box
        # The last format: the size asked for, and whether it is the expected picture (only
        # then is it fitted to the tile, and only then can a new tile size call for a new one).
        self.asked: tuple[int, int] | None = None
        self.fitted = False
        # False: ask the loop thread only for the first frame (of the generation, or after a
        # new format), because a frame clock polls `newest` for the rest (see TilePlayer).
        self.every_frame = True
        self._lock = threading.Lock()
        self._buffers: list[npt.NDArray[np.uint8]] = []
        self._retired: list[npt.NDArray[np.uint8]] = []
        self._addrs: list[list[int]] = []
        self._layout: list[tuple[int, int]] = []
        self._width = 0
        self._height = 0
        self._pitch = 0
        self._locked: set[int] = set()
        self._published: int | None = None
        self._front: int | None = None
        self._published_seq = 0
        self._published_at = 0.0
        self._notify_pending = False
        self.count = 0  # frames displayed by libvlc in this generation
        self.last_frame_at: float | None = None
        self.formats: list[tuple[int, int]] = []
        self.display_size: tuple[int, int] | None = None  # set on the loop thread
        # When the picture last changed (a sparse sample of it, checked every
        # _PICTURE_CHECK_S): a camera whose encoder froze keeps sending the same picture.
        self.picture_changed_at: float | None = None
        self._picture_checked_at = 0.0
        self._picture_sample: npt.NDArray[np.int16] | None = None
        # Privacy masks drawn into every picture in `_unlock_cb`, before it is published (None:
        # none; one attribute, set on the loop thread and read once per picture on libvlc's).
        self.masks: MaskSet | None = None
        # Keep the ctypes callback objects alive as long as libvlc may call them.
        self._callbacks = (
            _FormatCb(self._format),
            _CleanupCb(self._cleanup),
            _LockCb(self._lock_cb),
            _UnlockCb(self._unlock_cb),
            _DisplayCb(self._display_cb),
        )

    def attach(self, media_player: Any) -> None:
        """Route `media_player`'s pictures into this sink (before `play()`). The caller keeps
        the sink alive until the player is released."""
        fmt, cleanup, lock, unlock, display = self._callbacks
        handle = media_player._as_parameter_
        _libvlc_fn("libvlc_video_set_callbacks")(handle, lock, unlock, display, None)
        _libvlc_fn("libvlc_video_set_format_callbacks")(handle, fmt, cleanup)

    @property
    def buffers_allocated(self) -> int:
        """Picture buffers allocated in this generation, retired ones included."""
        with self._lock:
            return len(self._buffers) + len(self._retired)

    def _new_buffer(self) -> None:
        pitch, lines = self._layout[0]
        size = sum(p * n for p, n in self._layout)
        # A spare line and 64 bytes past the last plane (see the class docstring).
        spare = pitch + 64
        buf: npt.NDArray[np.uint8]
        if self.chroma is FrameChroma.RV32:
            rows = lines + 1 + (64 + pitch - 1) // pitch
            buf = np.zeros((rows, pitch // 4, 4), dtype=np.uint8)
        else:
            buf = np.zeros(size + spare, dtype=np.uint8)
        base = buf.ctypes.data
        addrs, offset = [], 0
        for p, n in self._layout:
            addrs.append(base + offset)
            offset += p * n
        self._buffers.append(buf)
        self._addrs.append(addrs)

    # --- libvlc threads -------------------------------------------------------------------
    def _format(
        self,
        opaque: Any,
        chroma: int,
        width: Any,
        height: Any,
        pitches: Any,
        lines: Any,
    ) -> int:
        try:
            offered = (int(width[0]), int(height[0]))
            if offered[0] <= 0 or offered[1] <= 0:
                log.warning("video format callback: libvlc offered %dx%d", *offered)
                return 0
            if self.chroma is FrameChroma.I420:
                (w, h), fitted = offered, False
            else:
                picture = negotiated_size(offered, self._picture_size)
                fitted = self._picture_size is not None and picture == self._picture_size
                # One scaling, in libswscale together with the chroma conversion, when the
                # tile's size is known: Qt then paints the frame pixel for pixel.
                w, h = frame_size_for(picture, self._picture_box()) if fitted else picture
            width[0], height[0] = w, h
            ctypes.memmove(chroma, self.chroma.value.encode("ascii"), 4)
            layout = _plane_layout(self.chroma, w, h)
            with self._lock:
                self.asked, self.fitted = (w, h), fitted
                self._width, self._height = w, h
                self._layout, self._pitch = layout, layout[0][0]
                # libvlc may still hold a picture locked in an old buffer (it offers a second
                # format right after the first): old buffers live as long as this generation.
                self._retired.extend(self._buffers)
                self._buffers, self._addrs = [], []
                self._locked.clear()
                self._published = self._front = None
                for _ in range(3):
                    self._new_buffer()
                self.formats.append((w, h))
                self.display_size = None
            for plane, (pitch, nlines) in enumerate(layout):
                pitches[plane] = pitch
                lines[plane] = nlines
            # One picture in libvlc's pool: lock/unlock/display of frames never overlap.
            return 1
        except Exception:
            log.exception("video format callback failed")
            return 0

    def _cleanup(self, opaque: Any) -> None:
        return None

    def _lock_cb(self, opaque: Any, planes: Any) -> int:
        with self._lock:
            busy = self._locked | {self._published, self._front}
            index = next((i for i in range(len(self._buffers)) if i not in busy), None)
            if index is None:
                if len(self._buffers) < _MAX_BUFFERS:
                    self._new_buffer()
                    index = len(self._buffers) - 1
                else:  # cannot happen with a pool of one; write over the oldest spare
                    index = next(i for i in range(len(self._buffers)) if i != self._front)
            self._locked.add(index)
            for plane, address in enumerate(self._addrs[index]):
                planes[plane] = address
        return index + 1

    def _unlock_cb(self, opaque: Any, picture: Any, planes: Any) -> None:
        masks = self.masks
        if masks is None or self.chroma is not FrameChroma.RV32:
            return  # the common case: no masks, no work
        index = (picture or 0) - 1
        with self._lock:
            if not 0 <= index < len(self._buffers):
                return
            image = self._buffers[index][: self._height, : self._width, :]
        # Outside the lock: libvlc holds this buffer locked (neither published nor the GUI's),
        # so nobody else reads or writes it until `_display_cb` publishes it, masked.
        masks.apply(image)

    def set_masks(self, masks: MaskSet | None) -> None:
        """Draw `masks` into every picture from the next one on, and at once into the
        pictures already published or held by the GUI, so none is shown unmasked (loop
        thread)."""
        with self._lock:
            self.masks = masks
            if masks is None or self.chroma is not FrameChroma.RV32:
                return
            for index in {self._published, self._front} - {None}:
                assert index is not None
                masks.apply(self._buffers[index][: self._height, : self._width, :])

    def _display_cb(self, opaque: Any, picture: Any) -> None:
        index = (picture or 0) - 1
        now = time.monotonic()
        with self._lock:
            self._locked.discard(index)
            if not 0 <= index < len(self._buffers):
                return
            self.count += 1
            self._published = index
            self._published_seq = self.count
            self._published_at = now
            self.last_frame_at = now
            if now - self._picture_checked_at >= _PICTURE_CHECK_S:
                self._picture_checked_at = now
                self._check_picture(index, now)
            notify = not self._notify_pending and (
                self.every_frame or self.count == 1 or self.display_size is None
            )
            self._notify_pending = self._notify_pending or notify
        if notify:
            self._on_frame(self)

    def _check_picture(self, index: int, now: float) -> None:
        """Under the lock: note when a sparse sample of the picture in `index` (about 2,000
        pixels; microseconds, twice a second) last differed from the previous sample by more
        than `_PICTURE_SAME_MAD` on average: a re-encoded key frame of a still picture differs
        by a fraction of a level, a scene with anything moving or a camera's sensor noise by
        more."""
        buf = self._buffers[index]
        step_y, step_x = max(1, self._height // 36), max(1, self._width // 64)
        if buf.ndim == 3:
            pixels = buf[: self._height : step_y, : self._width : step_x, :3]
        else:  # I420: the luma plane
            pitch = self._layout[0][0]
            luma = buf[: pitch * self._height].reshape(self._height, pitch)
            pixels = luma[::step_y, : self._width : step_x]
        sample: npt.NDArray[np.int16] = pixels.astype(np.int16)
        last = self._picture_sample
        if (
            last is None
            or last.shape != sample.shape
            or float(np.abs(sample - last).mean()) > _PICTURE_SAME_MAD
        ):
            self.picture_changed_at = now
        self._picture_sample = sample

    # --- loop thread ----------------------------------------------------------------------
    @property
    def newest(self) -> tuple[int, int] | None:
        """(generation, seq) of the newest displayed frame, read without the lock: a frame clock
        asks 60 times a second per tile, and a stale answer only moves a paint by one beat."""
        seq = self._published_seq
        return (self.generation, seq) if seq else None

    def clear_pending(self) -> None:
        with self._lock:
            self._notify_pending = False

    def take(self) -> Frame | None:
        """The newest published frame; its buffer becomes the front buffer (not overwritten).
        None before the first frame, and always for an I420 sink (its pictures are not kept)."""
        if self.chroma is not FrameChroma.RV32:
            return None
        with self._lock:
            index = self._published
            if index is None:
                return None
            self._front = index
            buf = self._buffers[index]
            dw, dh = self.display_size or (self._width, self._height)
            lines = self._layout[0][1]
            return Frame(
                image=buf[: self._height, : self._width, :],
                pixels=buf[:lines],
                width=self._width,
                height=self._height,
                stride=self._pitch,
                seq=self._published_seq,
                received_at=self._published_at,
                generation=self.generation,
                display_width=dw,
                display_height=dh,
            )


# At most this many lost pictures are held against later displayed ones (`new_pictures`).
MAX_LATE_DEBT = 8


def new_pictures(displayed: int, lost: int, debt: int) -> tuple[int, int]:
    """New pictures shown in one poll interval, from the growth of libvlc's `displayed` and
    `lost` counters, and the debt carried to the next interval.

    libvlc counts a re-display of the old picture as displayed (one per 80 ms without a new
    one), and a picture dropped as too late as lost, never as displayed. When every new
    picture is late it re-displays the first one forever: "displayed" grows about as fast as
    "lost", and nothing new is shown. So lost pictures are subtracted from displayed ones.

    Subtracting the whole counts (as this did before) is wrong the other way: a stream whose
    first pictures came late (a start on a busy machine, the usual case on the native path)
    starts in deficit, and its tile then shows pictures for seconds while this reads no video,
    so the feed says "Connecting…" over moving video and gives up at its connect timeout.
    Hence per interval, and the deficit carried over is capped at `MAX_LATE_DEBT` pictures
    (about half a second of video): sustained lateness still reads as no video, a late start
    is paid off by the first few pictures shown.
    """
    gain = max(0, displayed) - max(0, lost)
    if gain <= 0:
        return 0, min(MAX_LATE_DEBT, debt - gain)
    paid = min(gain, debt)
    return gain - paid, debt - paid


@dataclass
class _Session:
    generation: int
    url: str
    software: bool
    media_player: Any
    media: Any
    events: Any
    sink: FrameSink | None
    stats_count: int = 0
    stats_late: int = 0  # pictures libvlc decoded but dropped as too late to show
    stats_last_at: float | None = None
    stats_bytes: int = 0  # bytes read from the stream
    stats_decoded: int = 0  # video pictures decoded
    stats_displayed: int = 0  # libvlc's displayed and lost counters at the last poll
    stats_lost: int = 0
    stats_debt: int = 0  # lost pictures not yet offset by displayed ones (see new_pictures)


_EVENTS = (
    ("MediaPlayerOpening", PlayerEventKind.OPENING),
    ("MediaPlayerPlaying", PlayerEventKind.PLAYING),
    ("MediaPlayerVout", PlayerEventKind.VOUT),
    ("MediaPlayerEncounteredError", PlayerEventKind.ERROR),
    ("MediaPlayerEndReached", PlayerEventKind.ENDED),
    ("MediaPlayerStopped", PlayerEventKind.STOPPED),
)


class TilePlayer:
    """Plays one stream for one tile. Public methods: loop thread only, never blocking.

    Signals (emitted on the loop thread): `frame_ready()` when a new frame can be taken with
    `latest_frame()` (coalesced: at most one pending at a time; only the first of each stream
    after `set_frame_signal(every_frame=False)`), `state_changed(PlayerEvent)`.
    """

    def __init__(
        self,
        instance: Any,
        marshal: Marshal,
        reaper: PlayerReaper,
        settings: MediaSettings,
        *,
        render_path: RenderPath = RenderPath.COMPOSITED,
        name: str = "tile",
        on_close: Callable[[TilePlayer], None] | None = None,
        picture_size: tuple[int, int] | None = None,
    ) -> None:
        """`picture_size`: the stream's expected (width, height), e.g. the hub profile's; with
        it the composited path takes frames at that size, or fitted to `set_picture_box`,
        instead of the decoder's padded size."""
        self._instance = instance
        self._picture_size = picture_size
        self._picture_box: tuple[int, int] | None = None
        self._every_frame = True
        self._marshal = marshal
        self._reaper = reaper
        self._settings = settings
        self._render_path = render_path
        self._name = name
        self._on_close = on_close
        self._generation = 0
        self._session: _Session | None = None
        self._last_frame: Frame | None = None
        self._window: int | None = None
        self._closed = False
        self._playing = False
        self._software = False
        # Privacy masks drawn into every picture (None: none); a NATIVE player with masks
        # plays nothing (libvlc would draw outside the frame path, unmasked).
        self._masks: MaskSet | None = None
        self.frame_ready = Signal()
        self.state_changed = Signal()

    # --- properties -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def render_path(self) -> RenderPath:
        return self._render_path

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def url(self) -> str | None:
        """The current stream URL, redacted (safe to show or log)."""
        return redact_url(self._session.url) if self._session else None

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def hardware_decoding_requested(self) -> bool:
        """True when this player's current stream may use hardware decoding."""
        s = self._settings
        return s.hw_decoding.uses_hardware and s.hardware_present and not self._software

    @property
    def decoding(self) -> str:
        """HW or SW as far as it can be known (see `MediaSettings.decoding_label`)."""
        return self._settings.decoding_label(software=self._software)

    @property
    def frame_count(self) -> int:
        """New pictures shown in the current generation (0 right after `play` and after `stop`).

        Taken from libvlc's media statistics, polled every STATS_POLL_S on the loop thread: the
        video callbacks cannot tell liveness, because libvlc keeps re-displaying the last
        picture at the stream's rate while a network stream has stalled.
        """
        s = self._session
        return s.stats_count if s is not None else 0

    @property
    def last_frame_at(self) -> float | None:
        """`time.monotonic()` when `frame_count` last grew, or None."""
        s = self._session
        return s.stats_last_at if s is not None else None

    @property
    def bytes_received(self) -> int:
        """Bytes libvlc read from the stream in this generation (polled like `frame_count`)."""
        s = self._session
        return s.stats_bytes if s is not None else 0

    @property
    def decoded_count(self) -> int:
        """Video pictures libvlc decoded in this generation (polled like `frame_count`)."""
        s = self._session
        return s.stats_decoded if s is not None else 0

    @property
    def picture_changed_at(self) -> float | None:
        """`time.monotonic()` when the picture last looked different (composited path; None on
        the native path, or before the first frame): frames that keep coming with the same
        picture are a frozen encoder, not a live camera."""
        s = self._session
        return s.sink.picture_changed_at if s is not None and s.sink is not None else None

    @property
    def late_count(self) -> int:
        """Pictures decoded in this generation but dropped because they came too late."""
        s = self._session
        return s.stats_late if s is not None else 0

    @property
    def callback_count(self) -> int:
        """Display callbacks in the current generation (composited; includes re-displays)."""
        s = self._session
        return s.sink.count if s is not None and s.sink is not None else 0

    @property
    def formats(self) -> list[tuple[int, int]]:
        """(width, height) formats libvlc negotiated in the current generation (composited)."""
        s = self._session
        return list(s.sink.formats) if s is not None and s.sink is not None else []

    @property
    def picture_box(self) -> tuple[int, int] | None:
        """The largest picture area (device pixels) this player's frames are painted into."""
        return self._picture_box

    @property
    def format_stale(self) -> bool:
        """The current frames were sized for another picture box (composited, and only for a
        stream of the expected size): playing again would give frames Qt paints unscaled."""
        s = self._session
        sink = s.sink if s is not None else None
        if sink is None or not sink.fitted or sink.asked is None or self._picture_size is None:
            return False
        return sink.asked != frame_size_for(self._picture_size, self._picture_box)

    # --- commands ---------------------------------------------------------------------------
    def set_picture_box(self, size: tuple[int, int] | None) -> None:
        """Where the frames will be painted, in device pixels (None: not known). Takes effect
        when libvlc next negotiates a format: the next `play`, or a change of the stream's size."""
        self._picture_box = size if size is not None and size[0] > 0 and size[1] > 0 else None

    def set_frame_signal(self, *, every_frame: bool) -> None:
        """`every_frame=False`: `frame_ready` fires only for the first frame of each stream (and
        the next ones until libvlc reports the picture's size, and again after a change of the
        size); whoever paints polls `newest_frame` on its own beat (the wall's `FrameClock`),
        which spares the loop thread one wake-up per frame per tile."""
        self._every_frame = every_frame
        s = self._session
        if s is not None and s.sink is not None:
            s.sink.every_frame = every_frame

    @property
    def newest_frame(self) -> tuple[int, int] | None:
        """(generation, seq) of the newest frame libvlc displayed for this player (composited),
        the same pair as `Frame.generation` and `Frame.seq`; None before the first one."""
        s = self._session
        return s.sink.newest if s is not None and s.sink is not None else None

    def _box(self) -> tuple[int, int] | None:
        return self._picture_box  # read on libvlc's thread: one attribute, one tuple

    def play(self, url: str, *, software: bool = False) -> int:
        """Start playing `url` in a new libvlc player; the old one goes to the reaper.

        The last picture stays available from `latest_frame()` until the new stream's first
        frame. Returns the new generation number.
        """
        if self._closed:
            raise RuntimeError(f"{self._name}: player is closed")
        self._retire()
        self._generation += 1
        gen = self._generation
        if self._masks and self._render_path is RenderPath.NATIVE:
            log.warning(
                "%s: not played: the camera has privacy masks, which the native-window path "
                "cannot draw (it must be played composited)",
                self._name,
            )
            self._marshal.call(self._deliver_refusal, gen)
            return gen
        self._software = software
        media = self._instance.media_new(url)
        for opt in self._settings.media_options(software=software):
            media.add_option(opt)
        mp = self._instance.media_player_new()
        mp.set_media(media)
        sink: FrameSink | None = None
        if self._render_path is RenderPath.COMPOSITED:
            sink = FrameSink(gen, self._on_sink_frame, self._picture_size, self._box)
            sink.every_frame = self._every_frame
            sink.masks = self._masks or None
            sink.attach(mp)
        elif self._window is not None:
            self._bind_window(mp, self._window)
        events = mp.event_manager()
        import vlc

        for attr, kind in _EVENTS:
            events.event_attach(getattr(vlc.EventType, attr), self._on_vlc_event, gen, kind)
        self._session = _Session(gen, url, software, mp, media, events, sink)
        log.info(
            "%s: play %s (gen %d, %s, %s)",
            self._name,
            redact_url(url),
            gen,
            self._render_path.value,
            self.decoding,
        )
        if mp.play() == -1:
            self._marshal.call(self._deliver_event, gen, PlayerEventKind.ERROR)
        self._marshal.loop.call_later(STATS_POLL_S, self._poll_stats, gen)
        return gen

    def stop(self) -> None:
        """Stop playing (off-thread); the last picture stays available."""
        self._retire()

    def close(self) -> None:
        if self._closed:
            return
        self._retire()
        self._closed = True
        self.frame_ready = Signal()
        self.state_changed = Signal()
        if self._on_close is not None:
            self._on_close(self)

    def set_window(self, window_id: int) -> None:
        """NATIVE path: render into `window_id` (X11 window, HWND or NSView).

        Set it before `play`; setting it while playing restarts the stream in a new player.
        """
        if self._render_path is not RenderPath.NATIVE:
            raise RuntimeError("set_window needs render_path=NATIVE")
        self._window = int(window_id)
        s = self._session
        if s is not None:
            self.play(s.url, software=s.software)

    @property
    def masks(self) -> MaskSet | None:
        return self._masks

    def set_masks(self, masks: MaskSet | None) -> None:
        """Draw `masks` into every picture of this player from now on (None or an empty set:
        none), the last picture kept included. On the NATIVE path a player with masks stops
        and plays nothing until they are gone: libvlc would draw the picture unmasked."""
        masks = masks or None
        self._masks = masks
        s = self._session
        if s is not None and s.sink is not None:
            s.sink.set_masks(masks)
        last = self._last_frame
        current = None if s is None or s.sink is None else s.sink.generation
        if masks is not None and last is not None and last.generation != current:
            masks.apply(last.image)  # a retired sink's last picture: nobody writes it
        if masks is not None and self._render_path is RenderPath.NATIVE and s is not None:
            self.play(s.url, software=s.software)  # refused in play(): stops the picture

    def latest_frame(self) -> Frame | None:
        """The newest frame (valid until the next call), else the last one seen, else None."""
        s = self._session
        if s is not None and s.sink is not None:
            frame = s.sink.take()
            if frame is not None:
                self._last_frame = frame
        return self._last_frame

    # --- internals --------------------------------------------------------------------------
    def _retire(self) -> None:
        s = self._session
        if s is None:
            return
        self._session = None
        self._playing = False
        if s.sink is not None:
            frame = s.sink.take()
            if frame is not None:
                self._last_frame = frame
        self._reaper.reap(
            s.media_player,
            s.media,
            keepalive=(s.sink, s.events),
            label=f"{self._name} gen {s.generation}",
        )

    def _bind_window(self, media_player: Any, window_id: int) -> None:
        getattr(media_player, window_setter_name())(window_id)

    def _on_sink_frame(self, sink: FrameSink) -> None:  # libvlc thread
        self._marshal.call(self._notify_frame, sink)

    def _notify_frame(self, sink: FrameSink) -> None:
        sink.clear_pending()
        s = self._session
        if self._closed or s is None or s.sink is not sink:
            return
        if sink.display_size is None:
            size = s.media_player.video_get_size(0)  # quick, and we are not on a libvlc thread
            if size and size[0] > 0 and size[1] > 0:
                sink.display_size = (int(size[0]), int(size[1]))
        self.frame_ready.emit()

    def _on_vlc_event(self, event: Any, generation: int, kind: PlayerEventKind) -> None:
        # libvlc thread: libvlc is not re-entrant here, so only hand the news over.
        self._marshal.call(self._deliver_event, generation, kind)

    def _deliver_refusal(self, generation: int) -> None:
        """`play` refused a masked camera on the NATIVE path: an ERROR saying why."""
        if not self._closed and generation == self._generation and self._session is None:
            reason = "privacy masks are drawn only on the composited path"
            self.state_changed.emit(PlayerEvent(PlayerEventKind.ERROR, generation, reason))

    def _deliver_event(self, generation: int, kind: PlayerEventKind) -> None:
        if self._closed or generation != self._generation or self._session is None:
            return
        if kind is PlayerEventKind.PLAYING:
            self._playing = True
        elif kind in (PlayerEventKind.ERROR, PlayerEventKind.ENDED, PlayerEventKind.STOPPED):
            self._playing = False
        reason = {
            PlayerEventKind.ERROR: "stream error",
            PlayerEventKind.ENDED: "stream ended",
        }.get(kind)
        if reason:
            log.info("%s: gen %d %s", self._name, generation, reason)
        self.state_changed.emit(PlayerEvent(kind, generation, reason))

    def _poll_stats(self, generation: int) -> None:
        s = self._session
        if self._closed or s is None or s.generation != generation:
            return
        import vlc

        stats = vlc.MediaStats()
        # New pictures shown since the last poll (see `new_pictures`).
        got = s.media.get_stats(stats)
        s.stats_late = stats.lost_pictures
        fresh = 0
        if got:
            s.stats_bytes = max(s.stats_bytes, int(stats.read_bytes))
            s.stats_decoded = max(s.stats_decoded, int(stats.decoded_video))
            displayed, lost = int(stats.displayed_pictures), int(stats.lost_pictures)
            fresh, s.stats_debt = new_pictures(
                displayed - s.stats_displayed, lost - s.stats_lost, s.stats_debt
            )
            s.stats_displayed, s.stats_lost = displayed, lost
        if fresh > 0:
            s.stats_count += fresh
            s.stats_last_at = time.monotonic()
            if s.sink is None:  # native path: no callbacks tell us about frames
                self.frame_ready.emit()
        self._marshal.loop.call_later(STATS_POLL_S, self._poll_stats, generation)
