"""`SyncedFrames`: a playback tile's recent pictures, each with the recorded moment it shows,
and the one the wall's clock has reached.

A tile in playback does not paint what its player decoded last: it paints the newest picture
whose time code (`console.base.timecode`, read from the picture itself) the wall's clock has
reached. So a tile whose stream started sooner, or runs ahead, holds its pictures back until
the slowest tile has caught up, and every tile shows the same moment to within one picture
(Nx Witness holds tiles to its slowest the same way). The pictures are copied out of libvlc's
buffers as they come (libvlc reuses its own), into a ring of `capacity` pictures; frame steps
around a paused moment are then served from memory, and a picture decoded by PyAV (a step
beyond the ring) is put in with `put`.

Loop thread only. It is a `FrameSource` for the tile's view: `latest_frame()` is the picture
chosen by the last `show_at`, `newest_frame` its identity, `frame_ready` fires when it changes.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from console.base import timecode
from console.base.signals import Signal
from console.media.frame import Frame, FrameSource
from console.privacy.masks import MaskSet

__all__ = ["DEFAULT_CAPACITY", "MIN_PICTURE_WIDTH", "SyncedFrames", "TimedPicture"]

# 48 pictures: 3.2 s at the demo hub's 15 fps, so a tile may lead the slowest by over 2 s and
# still keep a second behind the clock for frame steps. At 3x3 tile size (about 640x360 BGRA)
# that is 44 MB per tile.
DEFAULT_CAPACITY = 48
# Pictures narrower than this cannot have their time code read (`timecode.MIN_READABLE_WIDTH`,
# with margin): a playback tile asks its player for at least this width.
MIN_PICTURE_WIDTH = 320


@dataclass(frozen=True)
class TimedPicture:
    """A copied picture (BGRA, contiguous) and the Unix ms it shows."""

    image: npt.NDArray[np.uint8]
    unix_ms: int
    seq: int
    display_width: int
    display_height: int


class PictureSource(FrameSource, Protocol):
    """Where the pictures come from (a `TilePlayer`)."""

    @property
    def generation(self) -> int: ...


class SyncedFrames:
    """Signals: `frame_ready()` when the picture to paint changed; `arrived()` when a new
    picture with a time code came from the player (the session's clock may move on)."""

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._ring: deque[TimedPicture] = deque()
        self._seq = 0
        self._shown: TimedPicture | None = None
        self._player: PictureSource | None = None
        self._generation: int | None = None
        self._taken: tuple[int, int] | None = None  # the player's last picture copied
        self.frame_ready = Signal()
        self.arrived = Signal()
        self.unreadable = 0  # pictures whose time code could not be read (not kept)
        self.last_arrival: float | None = None  # time.monotonic() of the newest picture
        # The moment the followed stream's latest picture shows (None: none from it yet).
        self.arrived_ms: int | None = None

    # -- the player ------------------------------------------------------------------------------
    def follow(self, player: PictureSource | None, generation: int | None = None) -> None:
        """Take pictures from `player`'s stream `generation` (None: none of its pictures, until
        a stream is named)."""
        if self._player is not player:
            if self._player is not None:
                self._player.frame_ready.disconnect(self._on_player_frame)
            self._player = player
            if player is not None:
                player.set_frame_signal(every_frame=True)
                player.frame_ready.connect(self._on_player_frame)
        if generation != self._generation:
            self.arrived_ms = None
        self._generation = generation

    def _on_player_frame(self) -> None:
        player = self._player
        if player is None:
            return
        if self._generation is None or player.generation != self._generation:
            return
        frame = player.latest_frame()
        if frame is None or frame.generation != player.generation:
            return
        if (frame.generation, frame.seq) == self._taken:
            return
        self._taken = (frame.generation, frame.seq)
        shown = timecode.read(frame.image, fmt="bgrx")
        if shown is None:
            self.unreadable += 1
            return
        image = np.array(frame.image, copy=True, order="C")  # libvlc reuses its buffer
        self.put(image, shown, display=(frame.display_width, frame.display_height))
        self.last_arrival = time.monotonic()
        self.arrived_ms = shown
        self.arrived.emit()

    # -- pictures --------------------------------------------------------------------------------
    def put(
        self,
        image: npt.NDArray[np.uint8],
        unix_ms: int,
        *,
        display: tuple[int, int] | None = None,
    ) -> None:
        """Keep a picture showing `unix_ms` (BGRA, contiguous, owned by the ring from now on).
        The ring stays in time order; the picture farthest from the shown one goes first when
        it is full."""
        self._seq += 1
        height, width = image.shape[:2]
        dw, dh = display or (width, height)
        picture = TimedPicture(image, unix_ms, self._seq, dw, dh)
        ring = self._ring
        if ring and ring[-1].unix_ms > unix_ms:
            # Out of order (a frame step's picture, a reverse stream): insert in place.
            items = sorted([*ring, picture], key=lambda p: p.unix_ms)
            ring.clear()
            ring.extend(items)
        else:
            ring.append(picture)
        while len(ring) > self._capacity:
            shown = self._shown.unix_ms if self._shown is not None else ring[-1].unix_ms
            # Drop whichever end lies farther from what is shown.
            if abs(ring[0].unix_ms - shown) >= abs(ring[-1].unix_ms - shown):
                ring.popleft()
            else:
                ring.pop()

    def apply_masks(self, masks: MaskSet) -> None:
        """Draw privacy masks into every kept picture (the shown one too): masks set while
        pictures were kept must hold over them as well."""
        pictures = {id(p): p for p in self._ring}
        if self._shown is not None:
            pictures[id(self._shown)] = self._shown
        for picture in pictures.values():
            masks.apply(picture.image)
        if pictures:
            self.frame_ready.emit()

    def clear(self) -> None:
        """Forget every picture except the one shown (it stays on the tile)."""
        self._ring.clear()
        if self._shown is not None:
            self._ring.append(self._shown)

    def drop_after(self, unix_ms: int, *, forward: bool = True) -> None:
        """Forget pictures past `unix_ms` in the direction of play, the shown one excepted:
        after a seek they belong to another stretch of time."""
        keep = [
            p
            for p in self._ring
            if p is self._shown or (p.unix_ms <= unix_ms if forward else p.unix_ms >= unix_ms)
        ]
        self._ring.clear()
        self._ring.extend(keep)

    @property
    def newest_ms(self) -> int | None:
        """The latest moment among the pictures kept (None: none)."""
        return self._ring[-1].unix_ms if self._ring else None

    @property
    def oldest_ms(self) -> int | None:
        return self._ring[0].unix_ms if self._ring else None

    def __len__(self) -> int:
        return len(self._ring)

    def count_between(self, a: float, b: float) -> int:
        """Pictures kept that show a moment between `a` and `b` (either order, ends included)."""
        low, high = min(a, b), max(a, b)
        return sum(1 for p in self._ring if low <= p.unix_ms <= high)

    def has_picture_near(self, unix_ms: int, tolerance_ms: int) -> bool:
        """Whether a picture within (`unix_ms` - tolerance, `unix_ms`] is kept."""
        return any(unix_ms - tolerance_ms < p.unix_ms <= unix_ms for p in self._ring)

    def show_at(self, unix_ms: int, *, forward: bool = True) -> int | None:
        """Show the picture the clock at `unix_ms` has reached: the latest at or before it
        (reverse play: the earliest at or after it); when every picture lies beyond the clock,
        the nearest one (the tile is ahead and its drift says so). Returns the moment shown."""
        ring = self._ring
        if not ring:
            return self._shown.unix_ms if self._shown is not None else None
        chosen: TimedPicture | None = None
        if forward:
            for picture in ring:
                if picture.unix_ms <= unix_ms:
                    chosen = picture
                else:
                    break
            chosen = chosen or ring[0]
        else:
            for picture in reversed(ring):
                if picture.unix_ms >= unix_ms:
                    chosen = picture
                else:
                    break
            chosen = chosen or ring[-1]
        if chosen is not self._shown:
            self._shown = chosen
            self.frame_ready.emit()
        return chosen.unix_ms

    @property
    def shown_ms(self) -> int | None:
        """The moment the tile shows now (None: no picture yet)."""
        return self._shown.unix_ms if self._shown is not None else None

    # -- FrameSource -----------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return self._seq

    @property
    def newest_frame(self) -> tuple[int, int] | None:
        shown = self._shown
        return (0, shown.seq) if shown is not None else None

    def latest_frame(self) -> Frame | None:
        shown = self._shown
        if shown is None:
            return None
        image = shown.image
        height, width = image.shape[:2]
        return Frame(
            image=image,
            pixels=image,
            width=width,
            height=height,
            stride=width * 4,
            seq=shown.seq,
            received_at=0.0,
            generation=0,
            display_width=shown.display_width,
            display_height=shown.display_height,
        )

    def set_frame_signal(self, *, every_frame: bool) -> None:
        """Ignored: `frame_ready` fires once per change of the picture shown anyway."""

    def set_window(self, window_id: int) -> None:
        raise RuntimeError("a playback tile is painted by the console (composited)")
