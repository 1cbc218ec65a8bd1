"""`PlaybackSession`: a wall's tiles playing the hub's recordings on one clock.

Each tile plays its camera's recording in a player of its own (a hub playback stream from the
clock's moment, at the clock's speed and direction) and shows, of the pictures it has
received, the one the clock has reached (`SyncedFrames`, by the time code in the picture). The
clock runs at the chosen speed but never passes the slowest tile: a tile still opening its
stream, or buffering, holds it (for at most `open_timeout_s`; then the tile says why and is
left behind), so the tiles show the same moment to within one picture. A tile whose camera
has a gap in its recordings at the clock's moment says "no recording" and holds nothing; it
opens again ahead of the clock where its next recording starts. When every camera is in a gap
the clock jumps to the next recording.

A tile may leave shared time (`detach`): it gets a clock of its own (a group of one) that the
commands move when the tile is named; `rejoin` puts it back on the wall's clock.

Paused, tiles stop their streams after `pause_fill_s` more of buffering (pictures just past
the pause point are kept), and frame steps (`step`) show the kept pictures, or, beyond them,
one decoded by PyAV from a playback that starts at that moment (`frame_grab`, on a worker
thread). libvlc 3 has no previous-frame.

Loop thread only. Nothing here blocks: players stop through the reaper, the hub is asked in
tasks, decoding runs in threads.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.cameras.directory import CameraDirectory
from console.hub.base import HubClient
from console.hub.errors import HubError, HubHttpError, HubNotSupported
from console.hub.models import PLAYBACK_SPEEDS
from console.media.events import PlayerEvent, PlayerEventKind
from console.playback.frame_grab import GrabbedFrame, GrabError, grab_frame, stream_frames
from console.playback.synced_frames import MIN_PICTURE_WIDTH, PictureSource, SyncedFrames
from console.privacy.masks import MaskSet

log = logging.getLogger(__name__)

__all__ = [
    "PlaybackPlayer",
    "PlaybackSession",
    "PlaybackState",
    "TilePlayback",
    "TileStatus",
    "ms_of",
    "time_of",
]

PROFILE = "sub"
DEFAULT_FPS = 15.0
# Beyond this the tile shows its drift from the clock (issue 16: "over 100 ms").
DRIFT_SHOWN_MS = 100
# The clock never runs into the future: it stops this far behind the present.
PRESENT_MARGIN_MS = 1000
# Paused: pictures fetched each way from the shown one, so frame steps do not wait.
PREFETCH_PICTURES = 15
# A step onto a picture the prefetch is decoding waits this long for it before grabbing it.
PREFETCH_GRACE_S = 0.5
# A recording that starts within this much recorded time ahead of the clock is opened now.
OPEN_AHEAD_S = 1.5


def ms_of(t: datetime) -> int:
    return round(t.timestamp() * 1000)


def time_of(unix_ms: float) -> datetime:
    return datetime.fromtimestamp(unix_ms / 1000, tz=timezone.utc)


class PlaybackPlayer(PictureSource, Protocol):
    """What a playback tile needs of a player (`TilePlayer` fits)."""

    state_changed: Signal

    def play(self, url: str, *, software: bool = False) -> int: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...

    def set_picture_box(self, size: tuple[int, int] | None) -> None: ...

    @property
    def picture_box(self) -> tuple[int, int] | None: ...


class TileStatus(enum.Enum):
    IDLE = "idle"  # nothing asked yet (no camera, or the session not started)
    OPENING = "opening"  # the stream is asked for or starting: no picture of it yet
    PLAYING = "playing"
    BUFFERING = "buffering"  # the stream stopped sending pictures for a moment
    NO_RECORDING = "no_recording"  # a gap in this camera's recordings at the clock's moment
    NOT_RECORDED = "not_recorded"  # the hub keeps no recordings of this camera
    FAILED = "failed"  # the hub refused or the stream broke (message says why); tried again


@dataclass(frozen=True)
class TilePlayback:
    """One tile's playback, for its label: the moment it shows, its drift from its clock."""

    status: TileStatus
    message: str = ""
    shown: datetime | None = None
    drift_ms: int | None = None  # shown - clock, when over DRIFT_SHOWN_MS either way
    detached: bool = False
    speed: float = 1.0
    reverse: bool = False
    paused: bool = False


@dataclass(frozen=True)
class PlaybackState:
    """The wall's clock, for the controls: `position` None before the first `start`."""

    position: datetime | None
    speed: float
    reverse: bool
    paused: bool
    holding: bool = False  # a tile holds the clock (opening or buffering)
    message: str = ""  # plain words: "Reached the present", "No more recordings", ...


@dataclass
class _Clock:
    """Recorded Unix ms, moving at `rate` (signed, recorded seconds per second) when running."""

    position: float
    speed: float = 1.0
    reverse: bool = False
    paused: bool = True
    last: float = 0.0
    holding: bool = False
    message: str = ""
    last_step: int = -1  # the way the last frame step went (prefetching goes on that way)
    lag: float = 0.0  # recorded ms the clock has been held back, while it is

    @property
    def rate(self) -> float:
        return -self.speed if self.reverse else self.speed

    @property
    def forward(self) -> bool:
        return not self.reverse


@dataclass
class _Tile:
    tile_id: int
    camera_id: str
    frames: SyncedFrames
    player: PlaybackPlayer | None = None
    generation: int | None = None
    status: TileStatus = TileStatus.IDLE
    message: str = ""
    opened_at: float = 0.0  # monotonic time of the last open
    opened_for: float | None = None  # the recorded ms the stream was asked to start at
    ahead: bool = False  # opened ahead of the clock (a recording that starts later)
    retry_at: float | None = None  # FAILED: when to try again
    stop_at: float | None = None  # paused: when to stop the stream (after the fill)
    task: asyncio.Task[None] | None = None
    prefetch: asyncio.Task[None] | None = None  # paused: the pictures next to the shown one
    # The recorded stretch (ms, ms) each way's running prefetch is decoding.
    prefetching: dict[int, tuple[float, float]] = field(default_factory=dict)
    fps: float = DEFAULT_FPS
    box: tuple[int, int] | None = None  # where the tile paints (device pixels)
    group: _Clock | None = None  # its own clock while detached
    # Its player's events: every player counts its own streams (generations) from 1, so an
    # event says which tile it is for only by the player it comes from.
    on_event: Callable[[PlayerEvent], None] | None = None
    state: TilePlayback = field(default_factory=lambda: TilePlayback(TileStatus.IDLE))


class PlaybackSession:
    """Signals (loop thread): `changed(PlaybackState)` on commands and state changes,
    `ticked(datetime)` when the wall clock moved (several times a second while playing, and
    after each seek or step), `tile_changed(tile_id, TilePlayback)`."""

    def __init__(
        self,
        client: HubClient,
        directory: CameraDirectory,
        make_player: Callable[[str], PlaybackPlayer],
        *,
        profile: str = PROFILE,
        tick_s: float = 0.02,
        open_timeout_s: float = 5.0,
        stall_s: float = 1.5,
        retry_s: float = 3.0,
        pause_fill_s: float = 1.0,
        now_ms: Callable[[], float] = lambda: time.time() * 1000,
        monotonic: Callable[[], float] = time.monotonic,
        masks_of: Callable[[str], MaskSet | None] = lambda _camera_id: None,
    ) -> None:
        self._client = client
        # A camera's privacy masks, drawn into its played pictures and frame steps.
        self._masks_of = masks_of
        self._recordings = client.recordings_facet
        self._directory = directory
        self._make_player = make_player
        self._profile = profile
        # Why the operator plays back (case, reason, words), sent with each playback request
        # (a hub may require it); set by the wall before `start`.
        self.reason: Mapping[str, str] | None = None
        self._tick_s = tick_s
        self._open_timeout_s = open_timeout_s
        self._stall_s = stall_s
        self._retry_s = retry_s
        self._pause_fill_s = pause_fill_s
        self._now_ms = now_ms
        self._mono = monotonic
        self._clock = _Clock(position=now_ms() - 60_000)
        self._started = False
        self._tiles: dict[int, _Tile] = {}
        self._spans: dict[str, list[tuple[float, float]]] = {}  # camera -> recorded (ms, ms)
        self._not_recorded: set[str] = set()
        self._spans_task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks = TaskOwner("playback")
        self._closed = False
        self._last_ticked: float | None = None
        self.changed = Signal()
        self.ticked = Signal()
        self.tile_changed = Signal()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def state(self) -> PlaybackState:
        c = self._clock
        return PlaybackState(
            time_of(c.position) if self._started else None,
            c.speed,
            c.reverse,
            c.paused,
            c.holding,
            c.message,
        )

    def position(self) -> datetime | None:
        return time_of(self._clock.position) if self._started else None

    def position_ms(self) -> float:
        return self._clock.position

    def tile_ids(self) -> list[int]:
        return list(self._tiles)

    def frames(self, tile_id: int) -> SyncedFrames | None:
        tile = self._tiles.get(tile_id)
        return tile.frames if tile is not None else None

    def tile_state(self, tile_id: int) -> TilePlayback | None:
        tile = self._tiles.get(tile_id)
        return tile.state if tile is not None else None

    def camera_of(self, tile_id: int) -> str | None:
        tile = self._tiles.get(tile_id)
        return tile.camera_id if tile is not None else None

    def is_detached(self, tile_id: int) -> bool:
        tile = self._tiles.get(tile_id)
        return tile is not None and tile.group is not None

    def spans(self, camera_id: str) -> list[tuple[float, float]]:
        return list(self._spans.get(camera_id, ()))

    # -- set-up ----------------------------------------------------------------------------------
    def set_tiles(self, cameras: Mapping[int, str]) -> None:
        """The wall's tiles and their cameras (tile id -> camera id); tiles that are gone stop,
        new ones open at their clock's moment."""
        for tile_id in [t for t in self._tiles if cameras.get(t) != self._tiles[t].camera_id]:
            self._drop_tile(tile_id)
        added = False
        for tile_id, camera_id in cameras.items():
            if tile_id in self._tiles:
                continue
            self._tiles[tile_id] = _Tile(tile_id, camera_id, SyncedFrames())
            added = True
            if self._started:
                tile = self._tiles[tile_id]
                # Paused: the picture at the clock's moment, as a seek shows it (a stream
                # opened now would never be stopped: only pausing sets when).
                if self._clock.paused and camera_id not in self._not_recorded:
                    self._grab(tile, self._clock)
                else:
                    self._open(tile, self._clock.position)
        if added and self._started:
            self._load_spans()

    def start(self, at: datetime, *, paused: bool = False) -> None:
        """Begin at `at` (aware), playing unless `paused`."""
        self._started = True
        self._clock.message = ""
        self._load_spans()
        self._clock.paused = paused
        self.seek(at)
        self._schedule()

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for tile_id in list(self._tiles):
            self._drop_tile(tile_id)
        self._tasks.cancel()

    def _drop_tile(self, tile_id: int) -> None:
        tile = self._tiles.pop(tile_id)
        self._cancel(tile)
        tile.frames.follow(None)
        if tile.player is not None:
            if tile.on_event is not None:
                tile.player.state_changed.disconnect(tile.on_event)
            tile.player.close()
            tile.player = None

    # -- commands (the wall's clock, or a detached tile's with `tile_id`) ------------------------
    def seek(self, at: datetime, tile_id: int | None = None) -> None:
        clock, tiles = self._group(tile_id)
        clock.position = self._clamped(float(ms_of(at)))
        clock.last = self._mono()
        clock.message = ""
        for tile in tiles:
            tile.frames.clear()
            if clock.paused:
                self._stop_stream(tile)
                self._grab(tile, clock)
            else:
                self._open(tile, clock.position)
        self._after_command(clock)

    def skip(self, seconds: float, tile_id: int | None = None) -> None:
        clock, _ = self._group(tile_id)
        self.seek(time_of(clock.position + seconds * 1000), tile_id)

    def play(self, tile_id: int | None = None) -> None:
        clock, tiles = self._group(tile_id)
        if not clock.paused:
            return
        clock.paused = False
        clock.last = self._mono()
        clock.message = ""
        if not clock.reverse and clock.position >= self._present_limit():
            clock.position = self._present_limit() - 10_000  # replay the last seconds
        for tile in tiles:
            tile.stop_at = None
            self._open(tile, clock.position)
        self._after_command(clock)

    def pause(self, tile_id: int | None = None) -> None:
        clock, tiles = self._group(tile_id)
        if clock.paused:
            return
        self._advance(clock, tiles, self._mono())
        clock.paused = True
        stop_at = self._mono() + self._pause_fill_s
        for tile in tiles:
            tile.stop_at = stop_at
        self._after_command(clock)

    def toggle_pause(self, tile_id: int | None = None) -> None:
        clock, _ = self._group(tile_id)
        if clock.paused:
            self.play(tile_id)
        else:
            self.pause(tile_id)

    def set_speed(self, speed: float, *, reverse: bool = False, tile_id: int | None = None) -> None:
        """Play at `speed` (one of PLAYBACK_SPEEDS), backwards when `reverse`."""
        if speed not in PLAYBACK_SPEEDS:
            raise ValueError(f"speed must be one of {PLAYBACK_SPEEDS}")
        clock, tiles = self._group(tile_id)
        if clock.speed == speed and clock.reverse == reverse and not clock.paused:
            return
        self._advance(clock, tiles, self._mono())
        clock.speed, clock.reverse = speed, reverse
        if clock.paused:
            self.play(tile_id)
            return
        for tile in tiles:
            tile.frames.drop_after(round(clock.position), forward=not reverse)
            self._open(tile, clock.position)
        self._after_command(clock)

    def shuttle(self, direction: int, tile_id: int | None = None) -> None:
        """J (-1) and L (+1), as editors have them: from pause or the other direction, 1x
        this way; again, twice as fast, up to 16x."""
        clock, _ = self._group(tile_id)
        reverse = direction < 0
        if clock.paused or clock.reverse != reverse:
            self.set_speed(1.0, reverse=reverse, tile_id=tile_id)
            return
        faster = [s for s in PLAYBACK_SPEEDS if s > clock.speed]
        if faster:
            self.set_speed(faster[0] if clock.speed >= 1 else 1.0, reverse=reverse, tile_id=tile_id)

    def slower(self, tile_id: int | None = None) -> None:
        """Half the speed, down to 1/8x."""
        clock, _ = self._group(tile_id)
        slower = [s for s in PLAYBACK_SPEEDS if s < clock.speed]
        if slower:
            self.set_speed(slower[-1], reverse=clock.reverse, tile_id=tile_id)

    def faster(self, tile_id: int | None = None) -> None:
        """Twice the speed, up to 16x, the same way (from pause: 1x forwards)."""
        clock, _ = self._group(tile_id)
        if clock.paused:
            self.set_speed(1.0, reverse=clock.reverse, tile_id=tile_id)
            return
        faster = [s for s in PLAYBACK_SPEEDS if s > clock.speed]
        if faster:
            self.set_speed(faster[0], reverse=clock.reverse, tile_id=tile_id)

    def step(self, frames: int, tile_id: int | None = None) -> None:
        """Move `frames` pictures forward (or back, negative) and show them; pauses first."""
        clock, tiles = self._group(tile_id)
        if not clock.paused:
            self.pause(tile_id)
        fps = max((t.fps for t in tiles), default=DEFAULT_FPS)
        interval = 1000.0 / fps
        clock.position = self._clamped(clock.position + frames * interval)
        clock.message = ""
        clock.last_step = 1 if frames > 0 else -1
        for tile in tiles:
            if tile.status is TileStatus.NOT_RECORDED:
                continue
            # A picture less than one interval before the clock is the one it reached; the
            # one shown before the step (a decoded one lies exactly one interval back, its time
            # code rounded to the ms, maybe up) must not count: hence a ms less than it.
            if not tile.frames.has_picture_near(round(clock.position), round(interval) - 1):
                if self._prefetch_brings(tile, clock.position):
                    # Its prefetch is decoding that very picture: wait for it (a grab now
                    # would compete with it), and grab after all if it does not come.
                    self._after_grace(tile, clock, clock.position)
                else:
                    self._grab(tile, clock)
            elif tile.status is TileStatus.NO_RECORDING:
                self._set(tile, TileStatus.PLAYING)  # out of a gap, onto a picture it kept
        self._after_command(clock)
        self._prefetch_when_shown(clock)

    def detach(self, tile_id: int) -> None:
        """The tile leaves shared time: it goes on from where it is, on a clock of its own."""
        tile = self._tiles.get(tile_id)
        if tile is None or tile.group is not None:
            return
        c = self._clock
        tile.group = _Clock(c.position, c.speed, c.reverse, c.paused, self._mono())
        self._publish_tile(tile)

    def rejoin(self, tile_id: int) -> None:
        """The tile follows the wall's clock again (it opens at the wall's moment)."""
        tile = self._tiles.get(tile_id)
        if tile is None or tile.group is None:
            return
        tile.group = None
        tile.frames.clear()
        if self._clock.paused:
            self._stop_stream(tile)
            self._grab(tile, self._clock)
        else:
            self._open(tile, self._clock.position)
        self._publish_tile(tile)

    # -- internals: the clock --------------------------------------------------------------------
    def _group(self, tile_id: int | None) -> tuple[_Clock, list[_Tile]]:
        if tile_id is not None:
            tile = self._tiles.get(tile_id)
            if tile is not None and tile.group is not None:
                return tile.group, [tile]
        return self._clock, [t for t in self._tiles.values() if t.group is None]

    def _groups(self) -> Iterable[tuple[_Clock, list[_Tile]]]:
        yield self._group(None)
        for tile in self._tiles.values():
            if tile.group is not None:
                yield tile.group, [tile]

    def _present_limit(self) -> float:
        return self._now_ms() - PRESENT_MARGIN_MS

    def _clamped(self, position: float) -> float:
        return min(position, self._present_limit())

    def _after_command(self, clock: _Clock) -> None:
        self._show(clock)
        self._emit_state()
        self._schedule()

    def _emit_state(self) -> None:
        self.changed.emit(self.state)
        if self._started:
            self.ticked.emit(time_of(self._clock.position))

    def _schedule(self) -> None:
        if self._closed or self._timer is not None or not self._started:
            return
        loop = asyncio.get_event_loop()
        self._timer = loop.call_later(self._tick_s, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self._closed:
            return
        now = self._mono()
        moved = False
        for clock, tiles in list(self._groups()):
            before = (clock.position, clock.holding, clock.paused)
            self._advance(clock, tiles, now)
            self._tend(clock, tiles, now)
            self._show(clock, tiles)
            if clock is self._clock and (clock.position, clock.holding, clock.paused) != before:
                moved = True
                if before[1:] != (clock.holding, clock.paused):
                    self.changed.emit(self.state)
        if moved:
            self.ticked.emit(time_of(self._clock.position))
        self._schedule()

    def _advance(self, clock: _Clock, tiles: list[_Tile], now: float) -> None:
        """Move `clock` on to `now`, held by the slowest of its tiles."""
        elapsed = now - clock.last
        clock.last = now
        if clock.paused:
            clock.holding = False
            clock.lag = 0.0
            return
        forward = clock.forward
        candidate = clock.position + elapsed * clock.rate * 1000.0
        bounds = [b for b in (self._hold_of(tile, clock) for tile in tiles) if b is not None]
        limit: float | None = None
        if bounds:
            limit = min(bounds) if forward else max(bounds)
        if limit is not None:
            held = min(candidate, limit) if forward else max(candidate, limit)
            # Never backwards (a tile behind the clock was opened after it moved).
            held = max(held, clock.position) if forward else min(held, clock.position)
        else:
            held = candidate
        # Held: behind where it would be by more than two pictures. Between two pictures of the
        # slowest tile the clock always waits a little (it stops at that tile's newest), which
        # is not worth telling anyone.
        fps = max((t.fps for t in tiles), default=DEFAULT_FPS)
        clock.lag = clock.lag + abs(candidate - held) if held != candidate else 0.0
        clock.holding = clock.lag > 2 * 1000.0 / fps * clock.speed
        clock.position = held
        if forward and clock.position >= self._present_limit():
            clock.position = self._present_limit()
            clock.paused = True
            clock.message = "Reached the present: the recordings end here."
            for tile in tiles:
                tile.stop_at = now

    def _hold_of(self, tile: _Tile, clock: _Clock) -> float | None:
        """How far this tile lets its clock go (recorded ms), or None: it holds nothing."""
        if tile.ahead:
            return None
        if tile.status is TileStatus.OPENING:
            return clock.position  # no picture of its stream yet
        if tile.status in (TileStatus.PLAYING, TileStatus.BUFFERING) and tile.generation:
            return tile.frames.arrived_ms  # the stream's latest picture (either direction)
        return None

    def _tend(self, clock: _Clock, tiles: list[_Tile], now: float) -> None:
        """Each tile's stream against its clock: stalls, time-outs, retries, gaps, pauses."""
        for tile in tiles:
            status = tile.status
            if tile.stop_at is not None and now >= tile.stop_at:
                tile.stop_at = None
                self._stop_stream(tile)
                self._prefetch_when_shown(clock)
                continue
            if clock.paused:
                continue
            if status is TileStatus.OPENING and now - tile.opened_at > self._open_timeout_s:
                self._fail(tile, f"no picture within {self._open_timeout_s:g} s")
            elif status in (TileStatus.PLAYING, TileStatus.BUFFERING):
                if tile.ahead and self._reached(clock, tile.opened_for):
                    tile.ahead = False
                last = tile.frames.last_arrival or tile.opened_at
                if now - last > self._open_timeout_s:
                    self._open(tile, clock.position)  # it stopped: start it again here
                elif now - last > self._stall_s and status is TileStatus.PLAYING:
                    self._set(tile, TileStatus.BUFFERING, "Buffering…")
            elif status is TileStatus.FAILED and tile.retry_at is not None and now >= tile.retry_at:
                self._open(tile, clock.position)
            elif status is TileStatus.NO_RECORDING:
                self._open_next_recording(tile, clock)
        if not clock.paused and tiles and self._all_in_gaps(tiles):
            self._jump_to_next_recording(clock, tiles)

    def _reached(self, clock: _Clock, moment: float | None) -> bool:
        if moment is None:
            return True
        return clock.position >= moment if clock.forward else clock.position <= moment

    def _all_in_gaps(self, tiles: list[_Tile]) -> bool:
        waiting = (TileStatus.NO_RECORDING, TileStatus.NOT_RECORDED)
        return all(t.status in waiting for t in tiles) and any(
            t.status is TileStatus.NO_RECORDING for t in tiles
        )

    def _jump_to_next_recording(self, clock: _Clock, tiles: list[_Tile]) -> None:
        nearest: float | None = None
        for tile in tiles:
            moment = self._next_recorded(tile.camera_id, clock.position, clock.forward)
            if moment is not None and (
                nearest is None or (moment < nearest if clock.forward else moment > nearest)
            ):
                nearest = moment
        if nearest is None:
            clock.paused = True
            clock.message = "No more recordings this way."
            self._emit_state()
            return
        clock.position = nearest
        for tile in tiles:
            if tile.status is TileStatus.NO_RECORDING:
                self._open_next_recording(tile, clock)
        self._emit_state()

    def _next_recorded(self, camera_id: str, position: float, forward: bool) -> float | None:
        """The recorded moment of `camera_id` nearest `position` in that direction (`position`
        itself when it is recorded); None when there is none."""
        best: float | None = None
        for start, end in self._spans.get(camera_id, ()):
            if start <= position <= end:
                return position
            if forward and start > position:
                best = start if best is None else min(best, start)
            elif not forward and end < position:
                best = end if best is None else max(best, end)
        return best

    def _open_next_recording(self, tile: _Tile, clock: _Clock) -> None:
        moment = self._next_recorded(tile.camera_id, clock.position, clock.forward)
        if moment is None:
            return
        lead = OPEN_AHEAD_S * 1000 * clock.speed
        if abs(moment - clock.position) <= lead:
            self._open(tile, moment, ahead=moment != clock.position)

    def _show(self, clock: _Clock, tiles: list[_Tile] | None = None) -> None:
        for tile in tiles if tiles is not None else self._group_tiles(clock):
            shown = tile.frames.show_at(round(clock.position), forward=clock.forward)
            drift = None
            if shown is not None and tile.status not in (
                TileStatus.NO_RECORDING,
                TileStatus.NOT_RECORDED,
            ):
                off = shown - clock.position
                drift = round(off) if abs(off) > max(DRIFT_SHOWN_MS, self._frame_ms(tile)) else None
            self._publish_tile(tile, shown, drift)

    def _frame_ms(self, tile: _Tile) -> float:
        """One picture's worth of recorded time: a picture is shown until the next is due."""
        clock = tile.group or self._clock
        return 1000.0 / tile.fps * clock.speed

    def _group_tiles(self, clock: _Clock) -> list[_Tile]:
        if clock is self._clock:
            return [t for t in self._tiles.values() if t.group is None]
        return [t for t in self._tiles.values() if t.group is clock]

    def _publish_tile(
        self, tile: _Tile, shown: int | None = None, drift: int | None = None
    ) -> None:
        clock = tile.group or self._clock
        if shown is None:
            shown = tile.frames.shown_ms
        state = TilePlayback(
            tile.status,
            tile.message,
            time_of(shown) if shown is not None else None,
            drift,
            tile.group is not None,
            clock.speed,
            clock.reverse,
            clock.paused,
        )
        if state != tile.state:
            tile.state = state
            self.tile_changed.emit(tile.tile_id, state)

    # -- internals: the tiles' streams -----------------------------------------------------------
    def _set(self, tile: _Tile, status: TileStatus, message: str = "") -> None:
        tile.status, tile.message = status, message
        self._publish_tile(tile)

    def _fail(self, tile: _Tile, why: str) -> None:
        self._stop_stream(tile)
        tile.retry_at = self._mono() + self._retry_s
        self._set(tile, TileStatus.FAILED, why)
        log.info("playback of %s failed: %s", tile.camera_id, why)

    def _cancel(self, tile: _Tile) -> None:
        for task in (tile.task, tile.prefetch):
            if task is not None and not task.done():
                task.cancel()
        tile.task = tile.prefetch = None

    def _stop_stream(self, tile: _Tile) -> None:
        self._cancel(tile)
        tile.generation = None
        tile.frames.follow(tile.player, None)
        if tile.player is not None:
            tile.player.stop()
        if tile.status in (TileStatus.OPENING, TileStatus.BUFFERING):
            self._set(tile, TileStatus.PLAYING if len(tile.frames) else TileStatus.IDLE)

    def _ensure_player(self, tile: _Tile) -> PlaybackPlayer:
        if tile.player is None:
            player = tile.player = self._make_player(f"playback-{tile.tile_id}")
            tile.on_event = lambda event: self._on_player_event(tile, event)
            player.state_changed.connect(tile.on_event)
            self.set_picture_box(tile.tile_id, tile.box)
        self._mask_player(tile)
        return tile.player

    def _mask_player(self, tile: _Tile) -> None:
        set_masks = getattr(tile.player, "set_masks", None)
        if set_masks is not None:
            set_masks(self._masks_of(tile.camera_id))

    def refresh_masks(self) -> None:
        """The masks of some camera changed (or a lift began or ended): every tile's player
        draws its camera's masks from now on, and the pictures already kept for steps and
        prefetch get them drawn in too (a lift shows original pixels from the next picture)."""
        for tile in self._tiles.values():
            if tile.player is not None:
                self._mask_player(tile)
            masks = self._masks_of(tile.camera_id)
            if masks:
                tile.frames.apply_masks(masks)

    def set_picture_box(self, tile_id: int, size: tuple[int, int] | None) -> None:
        """Where the tile paints, in device pixels: pictures are asked for at that size, but
        never narrower than the time code can be read at."""
        tile = self._tiles.get(tile_id)
        if tile is None:
            return
        tile.box = size
        if tile.player is not None:
            tile.player.set_picture_box(_readable_size(size))

    def _open(self, tile: _Tile, at: float, *, ahead: bool = False) -> None:
        """Ask the hub for the tile's camera from `at` (recorded ms) at its clock's speed, and
        play it; the tile holds its clock until the first picture unless `ahead`."""
        self._cancel(tile)
        clock = tile.group or self._clock
        tile.opened_at = self._mono()
        tile.opened_for = at
        tile.ahead = ahead
        tile.generation = None  # the stream playing now is not the one asked for
        tile.frames.follow(tile.player, None)
        tile.retry_at = None
        tile.stop_at = None
        if tile.camera_id in self._not_recorded:
            self._set(tile, TileStatus.NOT_RECORDED, "This camera is not recorded.")
            return
        self._set(tile, TileStatus.OPENING, "Loading…")
        tile.task = self._tasks.spawn(
            self._open_stream(tile, at, clock.speed, clock.reverse), f"playback-{tile.tile_id}"
        )

    async def _open_stream(self, tile: _Tile, at: float, speed: float, reverse: bool) -> None:
        recordings = self._recordings
        if recordings is None:
            self._set(tile, TileStatus.NOT_RECORDED, "This hub keeps no recordings.")
            return
        try:
            endpoint = await recordings.playback(
                tile.camera_id,
                self._profile,
                time_of(at),
                speed=speed,
                reverse=reverse,
                reason=self.reason,
            )
        except HubNotSupported:
            self._not_recorded.add(tile.camera_id)
            self._set(tile, TileStatus.NOT_RECORDED, "This camera is not recorded.")
            return
        except HubHttpError as exc:
            if exc.code == "out_of_range":
                self._set(tile, TileStatus.NO_RECORDING, "No recording at this moment.")
                return
            self._fail(tile, exc.operator_message)
            return
        except HubError as exc:
            self._fail(tile, exc.operator_message)
            return
        tile.task = None
        tile.fps = endpoint.fps or DEFAULT_FPS
        player = self._ensure_player(tile)
        tile.generation = player.play(endpoint.url)
        tile.frames.follow(player, tile.generation)
        tile.frames.arrived.disconnect(self._on_arrival)
        tile.frames.arrived.connect(self._on_arrival)

    def _on_arrival(self) -> None:
        now = self._mono()
        for tile in self._tiles.values():
            arrived = tile.frames.last_arrival
            if tile.status is TileStatus.OPENING and tile.generation is not None:
                if arrived is not None and arrived >= tile.opened_at:
                    self._set(tile, TileStatus.PLAYING)
            elif (
                # Only its own pictures end its buffering (any tile's arrival calls this).
                tile.status is TileStatus.BUFFERING
                and arrived is not None
                and now - arrived <= self._stall_s
            ):
                self._set(tile, TileStatus.PLAYING)

    def _on_player_event(self, tile: _Tile, event: PlayerEvent) -> None:
        if self._tiles.get(tile.tile_id) is not tile or tile.generation != event.generation:
            return
        if event.kind is PlayerEventKind.ERROR:
            self._fail(tile, event.reason or "the recording could not be played")
        elif event.kind is PlayerEventKind.ENDED:
            tile.generation = None
            clock = tile.group or self._clock
            last = tile.frames.arrived_ms
            beyond = self._next_recorded(
                tile.camera_id, clock.position if last is None else last + 1, clock.forward
            )
            if beyond is None:
                self._set(tile, TileStatus.NO_RECORDING, "No more recordings this way.")
            else:
                self._set(tile, TileStatus.NO_RECORDING, "No recording at this moment.")
            self._load_spans()

    def _grab(self, tile: _Tile, clock: _Clock) -> None:
        """Show the picture at the clock's moment, decoded with PyAV (paused: seek and step)."""
        if tile.camera_id in self._not_recorded or self._recordings is None:
            return
        self._cancel(tile)
        wanted = round(clock.position)
        tile.task = self._tasks.spawn(self._grab_picture(tile, wanted, tile.box), "playback-grab")

    async def _grab_picture(self, tile: _Tile, wanted: int, box: tuple[int, int] | None) -> None:
        grabbed = await self._fetch_picture(tile, wanted, box)
        tile.task = None
        if grabbed is None:
            self._prefetch_when_shown(tile.group or self._clock)
            return
        tile.frames.put(grabbed.image, grabbed.unix_ms if grabbed.unix_ms is not None else wanted)
        if tile.status is not TileStatus.PLAYING:
            self._set(tile, TileStatus.PLAYING)
        clock = tile.group or self._clock
        self._show(clock, [tile])
        if clock is self._clock:
            self.ticked.emit(time_of(clock.position))
        self._prefetch_when_shown(clock)

    async def _fetch_picture(
        self, tile: _Tile, wanted: int, box: tuple[int, int] | None, *, quiet: bool = False
    ) -> GrabbedFrame | None:
        """The picture of the tile's camera at `wanted`, or None (the tile says why, unless
        `quiet`: a prefetch that fails changes nothing on screen)."""
        assert self._recordings is not None

        def fail(status: TileStatus, message: str) -> None:
            if not quiet:
                self._set(tile, status, message)

        try:
            endpoint = await self._recordings.playback(
                tile.camera_id, self._profile, time_of(wanted), reason=self.reason
            )
        except HubNotSupported:
            self._not_recorded.add(tile.camera_id)
            self._set(tile, TileStatus.NOT_RECORDED, "This camera is not recorded.")
            return None
        except HubHttpError as exc:
            if exc.code == "out_of_range":
                fail(TileStatus.NO_RECORDING, "No recording at this moment.")
                if not quiet:
                    self._show(tile.group or self._clock, [tile])
            else:
                fail(TileStatus.FAILED, exc.operator_message)
            return None
        except HubError as exc:
            fail(TileStatus.FAILED, exc.operator_message)
            return None
        tile.fps = endpoint.fps or DEFAULT_FPS
        size = _even_size(box) or (endpoint.width, endpoint.height)
        try:
            masks = self._masks_of(tile.camera_id)
            return await asyncio.to_thread(grab_frame, endpoint.url, wanted, size, masks=masks)
        except GrabError as exc:
            fail(TileStatus.FAILED, f"The picture could not be shown: {exc}.")
            return None

    def _prefetch_when_shown(self, clock: _Clock) -> None:
        """Once every tile of `clock` shows its picture (no grab left), prefetch around it: the
        pictures asked for come first, on two cores they would wait for the prefetches."""
        tiles = self._group_tiles(clock)
        if any(t.task is not None and not t.task.done() for t in tiles):
            return
        for tile in tiles:
            self._prefetch(tile, clock)

    def _prefetch(self, tile: _Tile, clock: _Clock) -> None:
        """Paused: fetch the pictures the next frame steps will want, in the background. One
        prefetch per tile: a running one is left to finish (it looks again when it has), so
        steps at a human pace do not restart it at every press."""
        if not clock.paused or self._recordings is None:
            return
        task = tile.prefetch
        if task is not None and not task.done():
            return
        tile.prefetch = self._tasks.spawn(self._prefetch_pictures(tile, clock), "playback-prefetch")

    def _kept_way(self, tile: _Tile, clock: _Clock, way: int) -> int:
        """Pictures kept past the shown one, within PREFETCH_PICTURES steps, `way` (+1 / -1)."""
        interval = 1000.0 / tile.fps
        return tile.frames.count_between(
            clock.position + way * interval * 0.5,
            clock.position + way * interval * PREFETCH_PICTURES,
        )

    async def _prefetch_pictures(self, tile: _Tile, clock: _Clock) -> None:
        """While paused, keep a second of pictures each way from the shown one: a playback in
        each direction where fewer than half are kept, the way the steps last went first, its
        pictures put into the ring as they are decoded. A way that ends early (a gap, the
        present, a failure) is not asked again. Quiet: a failure changes nothing on screen."""
        ended: set[int] = set()
        while clock.paused and self._tiles.get(tile.tile_id) is tile:
            ways = [
                way
                for way in (clock.last_step, -clock.last_step)
                if way not in ended and self._kept_way(tile, clock, way) < PREFETCH_PICTURES // 2
            ]
            if not ways:
                return
            # The way the steps go first, alone: on two cores the second way's stream would
            # halve the first's pace (measured: a first step back waited 1.2 s with both).
            way = ways[0]
            if await self._prefetch_way(tile, clock, way) < PREFETCH_PICTURES:
                ended.add(way)

    def _prefetch_brings(self, tile: _Tile, moment: float) -> bool:
        """Whether a running prefetch of the tile is decoding the stretch `moment` lies in."""
        running = tile.prefetch is not None and not tile.prefetch.done()
        return running and any(lo <= moment <= hi for lo, hi in tile.prefetching.values())

    def _after_grace(self, tile: _Tile, clock: _Clock, moment: float) -> None:
        def check() -> None:
            if self._tiles.get(tile.tile_id) is not tile or clock.position != moment:
                return  # the tile is gone, or the clock moved on (the next step decides)
            interval = 1000.0 / tile.fps
            if not tile.frames.has_picture_near(round(moment), round(interval) - 1):
                self._grab(tile, clock)

        asyncio.get_running_loop().call_later(PREFETCH_GRACE_S, check)

    async def _prefetch_way(self, tile: _Tile, clock: _Clock, way: int) -> int:
        """PREFETCH_PICTURES pictures from the one next to the shown one, `way`; how many came."""
        assert self._recordings is not None
        loop = asyncio.get_running_loop()
        interval = 1000.0 / tile.fps
        wanted = self._clamped(clock.position + interval * way)
        farthest = wanted + interval * (PREFETCH_PICTURES - 1) * way
        tile.prefetching[way] = (min(wanted, farthest) - interval / 2, max(wanted, farthest) + 1)
        try:
            return await self._prefetch_stream(tile, clock, way, wanted, loop)
        finally:
            tile.prefetching.pop(way, None)

    async def _prefetch_stream(
        self,
        tile: _Tile,
        clock: _Clock,
        way: int,
        wanted: float,
        loop: asyncio.AbstractEventLoop,
    ) -> int:
        assert self._recordings is not None
        try:
            endpoint = await self._recordings.playback(
                tile.camera_id,
                self._profile,
                time_of(wanted),
                reverse=way < 0,
                reason=self.reason,
            )
        except HubError:
            return 0
        cancelled = threading.Event()

        def deliver(grabbed: GrabbedFrame) -> None:  # the decoding thread
            loop.call_soon_threadsafe(self._put_prefetched, tile, clock, grabbed)

        size = _even_size(tile.box) or (endpoint.width, endpoint.height)
        try:
            masks = self._masks_of(tile.camera_id)
            return await asyncio.to_thread(
                stream_frames,
                endpoint.url,
                size,
                PREFETCH_PICTURES,
                deliver,
                cancelled,
                masks=masks,
            )
        except GrabError:
            return 0
        finally:
            cancelled.set()

    def _put_prefetched(self, tile: _Tile, clock: _Clock, grabbed: GrabbedFrame) -> None:
        if self._tiles.get(tile.tile_id) is not tile or grabbed.unix_ms is None:
            return
        tile.frames.put(grabbed.image, grabbed.unix_ms)
        self._show(clock, [tile])

    def _load_spans(self) -> None:
        if self._recordings is None:
            return
        if self._spans_task is not None and not self._spans_task.done():
            # A search under way asked for the cameras of then: ask again for all of now's.
            self._spans_task.cancel()
        self._spans_task = self._tasks.spawn(self._fetch_spans(), "playback-spans")

    async def _fetch_spans(self) -> None:
        assert self._recordings is not None
        cameras = sorted({t.camera_id for t in self._tiles.values()})
        if not cameras:
            return
        try:
            found = await self._recordings.recordings_search(cameras)
        except HubError as exc:
            log.info("playback: recordings search failed: %s", exc)
            return
        for recordings in found.recordings:
            self._spans[recordings.camera_id] = [
                (ms_of(s.start), ms_of(s.end)) for s in recordings.spans
            ]
        self._not_recorded.update(found.not_recorded)


def _readable_size(box: tuple[int, int] | None) -> tuple[int, int] | None:
    """`box`, widened (same aspect) to where a picture's time code can be read."""
    if box is None or box[0] <= 0 or box[1] <= 0:
        return None
    width, height = box
    if width < MIN_PICTURE_WIDTH:
        height = round(height * MIN_PICTURE_WIDTH / width)
        width = MIN_PICTURE_WIDTH
    return width, height


def _even_size(box: tuple[int, int] | None) -> tuple[int, int] | None:
    """A picture size for FFmpeg's scaler (even) where the time code can be read."""
    readable = _readable_size(box)
    if readable is None:
        return None
    width, height = readable
    return width - width % 2, max(2, height - height % 2)
