"""`SyncedFrames`: pictures kept in time order by the time code they carry, and the one the
clock has reached. Pure unit tests: the pictures are synthetic, stamped with `timecode.stamp`."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from console.base import timecode
from console.base.signals import Signal
from console.media.frame import Frame
from console.playback.synced_frames import SyncedFrames

T0 = 1_800_000_000_000  # a Unix ms
STEP = 67  # about one picture at 15 fps


def picture(unix_ms: int, width: int = 320, height: int = 180) -> npt.NDArray[np.uint8]:
    """A BGRA picture (grey) carrying the time code of `unix_ms`."""
    image = np.full((height, width, 4), 96, dtype=np.uint8)
    timecode.stamp(image, unix_ms)
    return image


def filled(*moments: int, capacity: int = 48) -> SyncedFrames:
    frames = SyncedFrames(capacity=capacity)
    for ms in moments:
        frames.put(picture(ms), ms)
    return frames


def kept(frames: SyncedFrames) -> list[int]:
    """The moments kept, in ring order (through the pictures shown at each)."""
    return [p.unix_ms for p in frames._ring]


class StandInPlayer:
    """A stand-in for a `TilePlayer`: the test drives exactly which frame (and stream
    generation) it offers, which a real libvlc player cannot be made to do."""

    def __init__(self) -> None:
        self.frame_ready = Signal()
        self.generation = 1
        self.frame: Frame | None = None
        self.every_frame: bool | None = None

    def set_frame_signal(self, *, every_frame: bool) -> None:
        self.every_frame = every_frame

    @property
    def frame_count(self) -> int:
        return 0 if self.frame is None else self.frame.seq

    @property
    def newest_frame(self) -> tuple[int, int] | None:
        return None if self.frame is None else (self.frame.generation, self.frame.seq)

    def latest_frame(self) -> Frame | None:
        return self.frame

    def set_window(self, window_id: int) -> None:
        raise AssertionError("not used")

    def offer(self, unix_ms: int | None, seq: int, generation: int | None = None) -> None:
        image = picture(unix_ms) if unix_ms is not None else np.zeros((180, 320, 4), np.uint8)
        height, width = image.shape[:2]
        self.frame = Frame(
            image=image,
            pixels=image,
            width=width,
            height=height,
            stride=width * 4,
            seq=seq,
            received_at=0.0,
            generation=self.generation if generation is None else generation,
            display_width=1280,
            display_height=720,
        )
        self.frame_ready.emit()


# -- choosing the picture --------------------------------------------------------------------


def test_show_at_picks_the_latest_picture_at_or_before_the_clock():
    frames = filled(T0, T0 + STEP, T0 + 2 * STEP)
    assert frames.shown_ms is None and frames.latest_frame() is None
    assert frames.show_at(T0 + STEP) == T0 + STEP  # exactly at a picture
    assert frames.show_at(T0 + STEP + 50) == T0 + STEP  # between: the earlier one
    assert frames.show_at(T0 + 2 * STEP + 5000) == T0 + 2 * STEP  # past all: the newest
    assert frames.shown_ms == T0 + 2 * STEP
    # The frame painted is that picture, with its time code.
    frame = frames.latest_frame()
    assert frame is not None
    assert timecode.read(frame.image, fmt="bgrx") == T0 + 2 * STEP


def test_reverse_show_at_picks_the_earliest_picture_at_or_after_the_clock():
    frames = filled(T0, T0 + STEP, T0 + 2 * STEP)
    assert frames.show_at(T0 + STEP, forward=False) == T0 + STEP
    assert frames.show_at(T0 + STEP - 10, forward=False) == T0 + STEP
    assert frames.show_at(T0 + 1, forward=False) == T0 + STEP
    assert frames.show_at(T0 - 5000, forward=False) == T0  # before all: the oldest


def test_a_tile_entirely_ahead_of_the_clock_shows_its_nearest_picture():
    frames = filled(T0 + 1000, T0 + 1000 + STEP)
    assert frames.show_at(T0) == T0 + 1000
    # Reverse, entirely behind the clock: its nearest (newest) one.
    behind = filled(T0 - 1000 - STEP, T0 - 1000)
    assert behind.show_at(T0, forward=False) == T0 - 1000


def test_an_empty_ring_shows_nothing_until_a_picture_comes():
    frames = SyncedFrames()
    assert frames.show_at(T0) is None
    assert frames.newest_frame is None and frames.newest_ms is None and frames.oldest_ms is None


# -- the ring --------------------------------------------------------------------------------


def test_the_ring_keeps_at_most_capacity_dropping_the_end_farther_from_what_is_shown():
    frames = filled(*(T0 + i * STEP for i in range(4)), capacity=4)
    frames.show_at(T0 + STEP)  # near the old end
    frames.put(picture(T0 + 4 * STEP), T0 + 4 * STEP)
    # The oldest is 1 picture from the shown one, the newest 3: the newest goes.
    assert kept(frames) == [T0 + i * STEP for i in range(4)]
    assert len(frames) == 4
    frames.show_at(T0 + 3 * STEP)  # near the new end
    frames.put(picture(T0 + 4 * STEP), T0 + 4 * STEP)
    assert kept(frames) == [T0 + i * STEP for i in range(1, 5)]  # the oldest went


def test_with_nothing_shown_a_full_ring_drops_its_oldest_pictures():
    frames = filled(*(T0 + i * STEP for i in range(10)), capacity=3)
    assert kept(frames) == [T0 + 7 * STEP, T0 + 8 * STEP, T0 + 9 * STEP]


def test_the_shown_picture_is_never_the_one_dropped():
    frames = filled(*(T0 + i * STEP for i in range(3)), capacity=3)
    frames.show_at(T0)  # the oldest
    for i in range(3, 10):
        frames.put(picture(T0 + i * STEP), T0 + i * STEP)
        assert frames.shown_ms == T0
        assert T0 in kept(frames)
        assert len(frames) == 3


def test_an_out_of_order_picture_is_put_in_time_order():
    frames = filled(T0, T0 + 2 * STEP, T0 + 3 * STEP)
    frames.put(picture(T0 + STEP), T0 + STEP)  # a frame step's picture
    frames.put(picture(T0 - STEP), T0 - STEP)  # a reverse stream's
    assert kept(frames) == [T0 - STEP, T0, T0 + STEP, T0 + 2 * STEP, T0 + 3 * STEP]
    assert frames.oldest_ms == T0 - STEP and frames.newest_ms == T0 + 3 * STEP
    assert frames.show_at(T0 + STEP + 10) == T0 + STEP


def test_clear_forgets_all_but_the_shown_picture():
    frames = filled(T0, T0 + STEP, T0 + 2 * STEP)
    frames.show_at(T0 + STEP)
    frames.clear()
    assert kept(frames) == [T0 + STEP]
    assert frames.shown_ms == T0 + STEP
    assert frames.latest_frame() is not None
    empty = filled(T0)
    empty.clear()  # nothing shown: nothing kept
    assert len(empty) == 0 and empty.shown_ms is None


def test_drop_after_forgets_what_lies_past_a_moment_in_the_direction_of_play():
    moments = [T0 + i * STEP for i in range(6)]
    frames = filled(*moments)
    frames.show_at(T0 + 4 * STEP)  # shown lies past the cut: kept anyway
    frames.drop_after(T0 + 2 * STEP)
    assert kept(frames) == [T0, T0 + STEP, T0 + 2 * STEP, T0 + 4 * STEP]
    assert frames.shown_ms == T0 + 4 * STEP
    backwards = filled(*moments)
    backwards.show_at(T0)
    backwards.drop_after(T0 + 3 * STEP, forward=False)
    assert kept(backwards) == [T0, T0 + 3 * STEP, T0 + 4 * STEP, T0 + 5 * STEP]


def test_count_between_counts_either_order_ends_included():
    frames = filled(*(T0 + i * STEP for i in range(6)))
    assert frames.count_between(T0 + STEP, T0 + 3 * STEP) == 3
    assert frames.count_between(T0 + 3 * STEP, T0 + STEP) == 3
    assert frames.count_between(T0 + STEP + 1, T0 + 3 * STEP - 1) == 1
    assert frames.count_between(T0 - 1000, T0 - 1) == 0


def test_has_picture_near_looks_within_the_tolerance_before_the_moment():
    frames = filled(T0, T0 + STEP)
    assert frames.has_picture_near(T0 + STEP, STEP)  # exactly at it
    assert frames.has_picture_near(T0 + STEP + 30, STEP)  # just before
    assert not frames.has_picture_near(T0 + 2 * STEP + 1, STEP)  # too long before
    assert not frames.has_picture_near(T0 - 1, STEP)  # only pictures after it
    assert frames.has_picture_near(T0 + STEP + STEP - 1, STEP)
    assert not frames.has_picture_near(T0 + STEP + STEP, STEP)  # the low end is open


# -- signals and the player ------------------------------------------------------------------


def test_frame_ready_fires_only_when_the_shown_picture_changes():
    frames = filled(T0, T0 + STEP, T0 + 2 * STEP)
    fired: list[tuple[int, int] | None] = []
    frames.frame_ready.connect(lambda: fired.append(frames.newest_frame))
    frames.show_at(T0 + 10)
    frames.show_at(T0 + 20)  # still the same picture
    frames.show_at(T0 + 20)
    assert len(fired) == 1
    frames.show_at(T0 + STEP)
    frames.show_at(T0 + STEP + 60)
    assert len(fired) == 2
    assert fired[0] != fired[1]  # a new identity for each picture
    frames.put(picture(T0 + 3 * STEP), T0 + 3 * STEP)  # arriving changes nothing shown
    assert len(fired) == 2
    frames.show_at(T0 + STEP, forward=False)  # the same picture, other way: no change
    assert len(fired) == 2


def test_pictures_of_the_followed_stream_are_copied_in_with_their_time_code():
    player = StandInPlayer()
    frames = SyncedFrames()
    arrived: list[int | None] = []
    frames.arrived.connect(lambda: arrived.append(frames.arrived_ms))
    frames.follow(player, 1)
    assert player.every_frame is True
    player.offer(T0, seq=1)
    player.offer(T0, seq=1)  # the same frame again: taken once
    player.offer(T0 + STEP, seq=2)
    assert arrived == [T0, T0 + STEP]
    assert kept(frames) == [T0, T0 + STEP]
    assert frames.last_arrival is not None
    # A copy: libvlc reuses its buffer.
    assert player.frame is not None
    player.frame.image[:] = 0
    frames.show_at(T0 + STEP)
    shown = frames.latest_frame()
    assert shown is not None and timecode.read(shown.image, fmt="bgrx") == T0 + STEP
    assert (shown.display_width, shown.display_height) == (1280, 720)
    # A picture without a time code is counted and not kept.
    player.offer(None, seq=3)
    assert frames.unreadable == 1 and len(frames) == 2


def test_follow_with_no_stream_takes_nothing_from_the_player():
    player = StandInPlayer()
    frames = SyncedFrames()
    frames.follow(player, None)
    player.offer(T0, seq=1)
    assert len(frames) == 0 and frames.arrived_ms is None
    # A stream named: only its own pictures are taken, not an older stream's.
    frames.follow(player, 2)
    player.offer(T0 + STEP, seq=2, generation=1)
    assert len(frames) == 0
    player.generation = 2
    player.offer(T0 + 2 * STEP, seq=3)
    assert kept(frames) == [T0 + 2 * STEP] and frames.arrived_ms == T0 + 2 * STEP
    # Back to no stream: arrived_ms forgotten, nothing more taken.
    frames.follow(player, None)
    assert frames.arrived_ms is None
    player.offer(T0 + 3 * STEP, seq=4)
    assert kept(frames) == [T0 + 2 * STEP]
    # Following no player at all lets go of its signal.
    frames.follow(None)
    assert len(player.frame_ready) == 0
