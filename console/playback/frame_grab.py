"""One picture of a recording at an exact moment, decoded with PyAV: the frame step's engine.

libvlc 3 cannot step backwards (it has no previous-frame), and stepping forward with it means
playing and pausing a network stream. A frame step instead asks the hub for a playback from the
wanted moment and decodes it with PyAV (FFmpeg's demuxers and decoders, the library the stream
gateway uses too) from the group of pictures' key frame until the picture that shows the wanted
moment, read from the picture's time code (`console.base.timecode`); a stream without one is
taken at its first picture from the moment asked (a hub's playback starts where it was asked
to, at the key frame before it at worst).

Blocking (network and decoding): run it on a worker thread, never on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt

from console.base import timecode
from console.base.redact import redact_url
from console.privacy.masks import MaskSet

log = logging.getLogger(__name__)

__all__ = ["GrabError", "GrabbedFrame", "grab_frame", "stream_frames"]

# Opening: the hub sends the first key frame at once; FFmpeg's stream probe must not wait for
# more of the stream (by default it reads 5 MB or 5 s of it) to learn what one H.264 stream
# holds: the first packet says it all. ("nobuffer" must not be set: it throws away what the
# probe read, the first key frame with it, and decoding waits for the next one.)
_OPEN_OPTIONS = {"probesize": "32", "analyzeduration": "0"}
# At most this many pictures are decoded looking for the wanted one (a GOP of the demo hub is
# 2 s at 15 fps; a camera's may be 4 s at 30 fps).
MAX_PICTURES = 150


class GrabError(RuntimeError):
    """The picture could not be had; the message is plain words for the operator."""


@dataclass(frozen=True)
class GrabbedFrame:
    """A decoded picture: `image` BGRA (H x W x 4, contiguous), `unix_ms` the moment it shows
    (its time code; None when the stream carries none)."""

    image: npt.NDArray[np.uint8]
    unix_ms: int | None
    decoded: int  # pictures decoded to find it (1: the first one was it)


def _pictures(
    url: str, size: tuple[int, int] | None, timeout_s: float, masks: MaskSet | None = None
) -> Iterator[GrabbedFrame]:
    """The stream's pictures, decoded, as BGRA of `size` with their time codes, `masks` drawn
    into each (after its time code is read: a mask may cover it) before anyone sees it."""
    try:
        options = {**_OPEN_OPTIONS, "rw_timeout": str(int(timeout_s * 1e6))}
        container = av.open(url, options=options, timeout=timeout_s)
    except (av.FFmpegError, OSError) as exc:
        raise GrabError(f"the recording could not be opened ({exc.__class__.__name__})") from exc
    try:
        if not container.streams.video:
            raise GrabError("the recording holds no video")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for decoded, frame in enumerate(container.decode(stream), start=1):
            width, height = size if size is not None else (frame.width, frame.height)
            image: npt.NDArray[np.uint8] = np.ascontiguousarray(
                frame.to_ndarray(format="bgra", width=width, height=height), dtype=np.uint8
            )
            shown = timecode.read(image, fmt="bgrx")
            if masks:
                masks.apply(image)
            yield GrabbedFrame(image, shown, decoded)
    except av.FFmpegError as exc:
        log.info("decoding %s failed: %s", redact_url(url), exc)
        raise GrabError(f"the recording could not be decoded ({exc.__class__.__name__})") from exc
    finally:
        container.close()


def grab_frame(
    url: str,
    wanted_ms: int,
    size: tuple[int, int] | None = None,
    *,
    reverse: bool = False,
    timeout_s: float = 5.0,
    masks: MaskSet | None = None,
) -> GrabbedFrame:
    """The picture of the playback stream at `url` that shows `wanted_ms` (Unix ms): the first
    one whose time code is at or past it in the stream's direction (`reverse`: at or before).

    `size`: (width, height) to scale it to (None: the stream's own); `masks`: the camera's
    privacy masks, drawn into the picture. Raises GrabError.
    """
    deadline = time.monotonic() + timeout_s
    first: GrabbedFrame | None = None
    for grabbed in _pictures(url, size, timeout_s, masks):
        shown = grabbed.unix_ms
        if shown is None:
            return first or grabbed  # no time code: the first picture is the moment asked
        if (shown <= wanted_ms) if reverse else (shown >= wanted_ms):
            return grabbed
        first = first or grabbed
        if grabbed.decoded >= MAX_PICTURES or time.monotonic() > deadline:
            break
    raise GrabError("the recording did not reach the moment asked for")


def stream_frames(
    url: str,
    size: tuple[int, int] | None,
    count: int,
    deliver: Callable[[GrabbedFrame], None],
    cancelled: threading.Event,
    *,
    timeout_s: float = 5.0,
    masks: MaskSet | None = None,
) -> int:
    """Decode the first `count` pictures of the stream at `url` that carry a time code and
    hand each to `deliver` (on this thread) as it comes; stop early once `cancelled` is set.
    Returns how many were delivered; `masks` are drawn into each. Raises GrabError."""
    delivered = 0
    for grabbed in _pictures(url, size, timeout_s, masks):
        if cancelled.is_set():
            break
        if grabbed.unix_ms is None:
            continue
        deliver(grabbed)
        delivered += 1
        if delivered >= count:
            break
    return delivered
