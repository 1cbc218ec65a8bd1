"""The frame seam: what a decoded picture is, where it goes in a tile, and how a wall shows video.

The wall model, the feeds and the views size and paint pictures with these, without importing
the libvlc adapter (`console.media.player`), which implements them. `FrameSource` is what a view
needs of a player to show its pictures; `TilePlayer` fits it, and so does any stand-in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from console.base.signals import Signal

# Decoders pad the coded picture up to whole blocks (16 for H.264 macroblocks, at most 64 for
# HEVC coding tree units): a format this much larger than the expected picture is that picture.
_MAX_CODED_PADDING = 64


class RenderPath(str, enum.Enum):
    """How a wall shows video; the value is what settings and saved layouts hold."""

    COMPOSITED = "composited"  # video callbacks into buffers, painted by Qt
    NATIVE = "native"  # libvlc renders into a native window (set_window)


RENDER_PATHS = tuple(path.value for path in RenderPath)


def negotiated_size(coded: tuple[int, int], expected: tuple[int, int] | None) -> tuple[int, int]:
    """The stream's picture size, given the size libvlc's format callback offers.

    libvlc 3 offers the decoder's *coded* size (640x360 arrives as 640x368) and scales the
    visible picture into whatever size the callback answers. Answering the coded size makes that
    a real rescale (360 rows stretched over 368) before Qt scales the picture to the tile: two
    scalings, and libswscale's scaling path costs several times its plain YUV to RGB conversion.
    So when the stream's picture size is known (the hub's profile) and the offer is that size
    plus decoder padding, it is that size. Anything else (no hint, or a stream that is not the
    size the hub declared) is taken as offered.
    """
    if expected is None:
        return coded
    (cw, ch), (ew, eh) = coded, expected
    if 0 < ew <= cw < ew + _MAX_CODED_PADDING and 0 < eh <= ch < eh + _MAX_CODED_PADDING:
        return expected
    return coded


def fit_within(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """The largest size of `width`:`height` aspect inside the box, rounded to whole pixels.

    The one rule for where a picture goes in a tile: the wall's profile choice, the frame size
    asked of libvlc and the painted rectangle all use it, so a frame made for a tile is painted
    pixel for pixel.
    """
    if width <= 0 or height <= 0 or box_width <= 0 or box_height <= 0:
        return width, height
    scale = min(box_width / width, box_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def frame_size_for(picture: tuple[int, int], box: tuple[int, int] | None) -> tuple[int, int]:
    """The frame size to ask libvlc for: the picture fitted into the tile's `box` (device
    pixels), never larger than the picture itself (Qt scales up, libvlc never invents pixels)."""
    if box is None:
        return picture
    w, h = fit_within(picture[0], picture[1], box[0], box[1])
    return (w, h) if w * h < picture[0] * picture[1] else picture


@dataclass(frozen=True)
class Frame:
    """A decoded picture. `image` is an HxWx4 uint8 view in BGRA byte order (libvlc RV32).

    The buffer is the size the format callback chose (`negotiated_size`, `frame_size_for`):
    the picture fitted to the tile, the picture's own size, or for a stream of an unexpected
    size the decoder's padded size; libvlc scales the whole visible picture into it, so nothing
    is cropped. Paint `image` into a rectangle of `display_width`:`display_height` aspect (the
    stream's visible size, once libvlc reports it; until then the buffer size).

    `image` is not contiguous when the row pitch is padded (`stride` > `width` * 4, any width
    that is not a multiple of 8): hand Qt `pixels`, the whole buffer, with `stride`.

    The view is valid until the next `latest_frame()` call on the same player: paint or copy it
    before asking again.
    """

    image: npt.NDArray[np.uint8]
    pixels: npt.NDArray[np.uint8]
    width: int
    height: int
    stride: int
    seq: int
    received_at: float
    generation: int
    display_width: int
    display_height: int


class FrameSource(Protocol):
    """What a view needs of a player to show its pictures (`TilePlayer` fits).

    `frame_ready` fires on the loop thread when a new picture can be taken with
    `latest_frame()`; after `set_frame_signal(every_frame=False)` only for a stream's first
    pictures, and the painter polls `newest_frame` on its own beat. `set_window` is the native
    path: libvlc renders into that window instead."""

    frame_ready: Signal

    @property
    def frame_count(self) -> int: ...

    @property
    def newest_frame(self) -> tuple[int, int] | None: ...

    def latest_frame(self) -> Frame | None: ...

    def set_frame_signal(self, *, every_frame: bool) -> None: ...

    def set_window(self, window_id: int) -> None: ...
