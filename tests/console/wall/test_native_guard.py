"""A native-window wall this machine cannot keep live falls back to the composited path, in
plain words; a healthy wall, a bad camera or a network cut never makes it (issue 12)."""

from __future__ import annotations

from dataclasses import dataclass

from console.media.feed import FeedState, FeedStatus
from console.wall.feeds import WallFeeds
from console.wall.layout import preset
from console.wall.model import RenderPath, WallModel, WallState
from console.wall.native_guard import GuardTiming, NativeWallGuard


@dataclass
class Player:
    is_playing: bool = True
    generation: int = 1
    late_count: int = 0
    decoded: bool = True  # libvlc decodes pictures from the stream

    def __post_init__(self) -> None:
        self._decoded_count = 0

    @property
    def decoded_count(self) -> int:
        self._decoded_count += 30 if self.decoded and self.is_playing else 0  # one tick's worth
        return self._decoded_count


@dataclass
class Feed:
    state: FeedState
    player: Player
    expected_fps: float = 15.0


def live(fps: float = 15.0) -> FeedState:
    return FeedState(FeedStatus.LIVE, fps=fps, decoding="SW")


def wall_of(tiles: int = 9, path: str = RenderPath.NATIVE) -> WallModel:
    grid = {9: "3x3", 4: "2x2"}[tiles]
    return WallModel(WallState(0, preset(grid, [f"cam-{i}" for i in range(tiles)]), path))


def run(feeds: list[Feed], ticks: int, wall: WallModel | None = None, step=None):
    wall = wall or wall_of(len(feeds))
    reasons: list[str] = []
    guard = NativeWallGuard(wall, lambda: feeds, reasons.append, GuardTiming())
    for i in range(ticks):
        if step is not None:
            step(i, feeds)
        guard.tick()
    return guard, reasons


def test_a_healthy_wall_stays_native() -> None:
    feeds = [Feed(live(14.0), Player()) for _ in range(9)]
    guard, reasons = run(feeds, 120)
    assert not guard.gave_up and reasons == []


def test_a_wall_that_keeps_reconnecting_falls_back_once_with_plain_words() -> None:
    """The issue's wall: streams open, but tiles cycle between Connecting… and Signal lost."""
    feeds = [Feed(live(), Player()) for _ in range(9)]

    def thrash(i: int, feeds: list[Feed]) -> None:
        for n, feed in enumerate(feeds):
            if n == 0:
                continue  # one tile live at 3 fps, the rest cycling
            status = FeedStatus.CONNECTING if (i + n) % 3 else FeedStatus.SIGNAL_LOST
            feed.state = FeedState(status, reason="no video within 8 s")
            feed.player.is_playing = status is FeedStatus.CONNECTING
        feeds[0].state = live(3.0)

    guard, reasons = run(feeds, 29, step=thrash)
    assert not guard.gave_up  # not judged before a whole window (30 s)
    guard.tick()
    assert guard.gave_up and len(reasons) == 1
    assert "cannot keep 9 video windows live" in reasons[0]
    assert "composited path" in reasons[0] and "reconnecting" in reasons[0]
    guard.tick()
    assert len(reasons) == 1


def test_pictures_dropped_as_too_late_name_the_reason() -> None:
    feeds = [Feed(live(6.0), Player()) for _ in range(4)]

    def late(i: int, feeds: list[Feed]) -> None:
        for feed in feeds:
            feed.player.late_count += 8  # of 15 a second

    guard, reasons = run(feeds, 30, step=late)
    assert guard.gave_up and "too late" in reasons[0]


def test_a_network_cut_or_a_dead_hub_is_not_the_machine() -> None:
    """Players that are not playing (nothing delivered) never count against the machine."""
    lost = FeedState(FeedStatus.SIGNAL_LOST, reason="hub unreachable", retry_in_s=5)
    feeds = [Feed(lost, Player(is_playing=False)) for _ in range(9)]
    guard, _ = run(feeds, 120)
    assert not guard.gave_up


def test_streams_that_decode_nothing_are_not_the_machine() -> None:
    """Garbage, a drip, a stream without video: the player plays, nothing is decoded."""
    feeds = [Feed(FeedState(FeedStatus.CONNECTING), Player(decoded=False)) for _ in range(9)]
    guard, _ = run(feeds, 120)
    assert not guard.gave_up


def test_one_bad_camera_is_not_the_machine() -> None:
    feeds = [Feed(live(), Player()) for _ in range(9)]
    feeds[4].state = FeedState(FeedStatus.CONNECTING, attempt=3)
    guard, _ = run(feeds, 120)
    assert not guard.gave_up


def test_a_composited_wall_is_left_alone() -> None:
    feeds = [Feed(FeedState(FeedStatus.CONNECTING), Player()) for _ in range(9)]
    guard, _ = run(feeds, 120, wall=wall_of(9, RenderPath.COMPOSITED))
    assert not guard.gave_up


def test_falling_back_starts_composited_feeds_for_every_tile() -> None:
    class Recording:
        def __init__(self, key, log):
            self.key = key
            log.append(("start", key))

        def start(self):
            pass

        def close(self):
            pass

        def set_picture_box(self, size):
            pass

    log: list[tuple[str, object]] = []
    wall = wall_of(4)
    feeds = WallFeeds(wall, lambda key: Recording(key, log))
    assert all(k.tile_id is not None for k in feeds.feeds)  # native: one feed per window
    changed: list[str] = []
    wall.render_path_changed.connect(changed.append)
    wall.set_render_path(RenderPath.COMPOSITED)
    assert changed == [RenderPath.COMPOSITED]
    assert wall.state.render_path == RenderPath.COMPOSITED  # saved with the layout
    assert len(feeds.feeds) == 4 and all(k.tile_id is None for k in feeds.feeds)
    wall.set_render_path(RenderPath.COMPOSITED)
    assert changed == [RenderPath.COMPOSITED]
