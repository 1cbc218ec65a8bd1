"""`WallPlayback`: switches one wall between live video and its recordings.

Entering playback stops the wall's live streams (`WallFeeds.suspend`: the hub and this machine
decode each camera once, not twice) and starts a `PlaybackSession` for the wall's tiles, which
follows the layout while it plays (a camera dropped on a tile joins the wall's clock). Each
tile's view gets a `PlaybackFeed`: the same seam a live feed offers (`state`, `player`), its
state saying what the tile plays ("▶ 2x · 10:03:21", "NO RECORDING", its drift). Leaving stops
the session and starts the live streams again.

A wall on the native-window path is shown composited while it plays back (the console paints
recorded pictures itself, to hold each tile to the wall's clock) and goes back when it leaves.

Loop thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from console.base.signals import Signal
from console.hub.base import HubClient
from console.media.feed import FeedState, FeedStatus
from console.media.frame import FrameSource, RenderPath
from console.playback.session import PlaybackSession, TilePlayback, TileStatus
from console.playback.synced_frames import SyncedFrames
from console.wall.feeds import WallFeeds
from console.wall.layout import GridLayout
from console.wall.model import WallModel

log = logging.getLogger(__name__)

__all__ = ["PlaybackFeed", "WallPlayback", "playback_label", "speed_text"]


def speed_text(speed: float) -> str:
    """A playback speed as labels write it: "2x", "1/8x"."""
    if speed >= 1:
        return f"{speed:g}x"
    return f"1/{round(1 / speed)}x"


def playback_label(state: TilePlayback) -> str:
    """A tile's playback in a few words: "▶ 1x · 10:03:21.4", "❚❚ 10:03:21.4 · drift +240 ms",
    "NO RECORDING"."""
    if state.status is TileStatus.NO_RECORDING:
        return "NO RECORDING"
    if state.status is TileStatus.NOT_RECORDED:
        return "NOT RECORDED"
    if state.status is TileStatus.FAILED:
        return "PLAYBACK FAILED"
    own = "Own time · " if state.detached else ""
    if state.status is TileStatus.OPENING:
        return f"{own}Loading…"
    if state.status is TileStatus.BUFFERING:
        return f"{own}Buffering…"
    when = ""
    if state.shown is not None:
        local = state.shown.astimezone()
        when = local.strftime("%H:%M:%S") + f".{local.microsecond // 100_000}"
    way = "◀ " if state.reverse else "▶ "
    head = "❚❚" if state.paused else way + speed_text(state.speed)
    drift = f" · drift {state.drift_ms:+d} ms" if state.drift_ms is not None else ""
    return f"{own}{head} · {when}{drift}" if when else f"{own}{head}"


_STATUS = {
    TileStatus.IDLE: FeedStatus.CONNECTING,
    TileStatus.OPENING: FeedStatus.CONNECTING,
    TileStatus.BUFFERING: FeedStatus.CONNECTING,
    TileStatus.PLAYING: FeedStatus.LIVE,
    TileStatus.NO_RECORDING: FeedStatus.SIGNAL_LOST,
    TileStatus.NOT_RECORDED: FeedStatus.SIGNAL_LOST,
    TileStatus.FAILED: FeedStatus.SIGNAL_LOST,
}


def feed_state(state: TilePlayback) -> FeedState:
    """The tile's playback as the state a tile view shows (a `FeedState` with `playback`)."""
    reason = state.message or None
    if state.status is TileStatus.NO_RECORDING:
        reason = "This camera has no recording at this moment; the others play on."
    return FeedState(_STATUS[state.status], reason=reason, playback=playback_label(state))


class PlaybackFeed:
    """One tile's playback, as a tile view binds a feed (`console.wall.feeds.Feed`)."""

    def __init__(self, session: PlaybackSession, tile_id: int, frames: SyncedFrames) -> None:
        self._session = session
        self._tile_id = tile_id
        self._frames = frames
        state = session.tile_state(tile_id)
        self._state = feed_state(state) if state is not None else FeedState.idle()
        self.state_changed = Signal()

    @property
    def tile_id(self) -> int:
        return self._tile_id

    @property
    def state(self) -> FeedState:
        return self._state

    @property
    def player(self) -> FrameSource | None:
        return self._frames

    def start(self) -> None:
        """The session plays it."""

    def close(self) -> None:
        """The session stops it."""

    def set_picture_box(self, size: tuple[int, int] | None) -> None:
        self._session.set_picture_box(self._tile_id, size)

    def update(self, state: TilePlayback) -> None:
        new = feed_state(state)
        if new != self._state:
            self._state = new
            self.state_changed.emit(new)


class WallPlayback:
    """Signals: `changed(bool)` when the wall enters (True) or leaves (False) playback, and
    `feeds_changed()` when the tiles' playback feeds were made anew (the layout changed)."""

    def __init__(
        self,
        wall: WallModel,
        feeds: WallFeeds,
        make_session: Callable[[], PlaybackSession],
        client: HubClient,
    ) -> None:
        """`client`: the hub the sessions play from (the timeline asks it too)."""
        self.client = client
        self._wall = wall
        self._feeds = feeds
        self._make_session = make_session
        self._session: PlaybackSession | None = None
        self._tile_feeds: dict[int, PlaybackFeed] = {}
        self._path_before: RenderPath | None = None
        self.changed = Signal()
        self.feeds_changed = Signal()
        # Why the operator plays back (a case number and words, where a policy asks for one):
        # for the audit entry of this playback; None when none was asked.
        self.reason: Mapping[str, str] | None = None
        self.entered_at: datetime | None = None  # the recorded moment playback started from
        self.last_position: datetime | None = None  # where the last playback was when it ended

    @property
    def active(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> PlaybackSession | None:
        return self._session

    def feed_for(self, tile_id: int) -> PlaybackFeed | None:
        return self._tile_feeds.get(tile_id)

    def enter(
        self, at: datetime, *, paused: bool = False, reason: Mapping[str, str] | None = None
    ) -> PlaybackSession:
        """Play the wall's cameras from `at` (aware); already in playback: go there."""
        if reason is not None:
            self.reason = reason
        if self._session is not None:
            if reason is not None:
                self._session.reason = reason
            self._session.seek(at)
            return self._session
        # Live streams off first: switched to composited while they run, the wall would
        # start each camera's composited stream only to stop it at once.
        self._feeds.suspend(True)
        if self._wall.render_path == RenderPath.NATIVE:
            self._path_before = RenderPath.NATIVE
            self._wall.set_render_path(RenderPath.COMPOSITED)
        session = self._session = self._make_session()
        session.reason = self.reason
        session.tile_changed.connect(self._on_tile)
        self._wall.layout_changed.connect(self._on_layout)
        self._follow_layout(self._wall.layout)
        session.start(at, paused=paused)
        self.entered_at = at
        log.info("wall enters playback at %s", at.isoformat())
        self.changed.emit(True)
        return session

    def leave(self, *, resume_live: bool = True) -> None:
        """Back to live video (`resume_live` False: at shutdown, nothing starts again)."""
        session, self._session = self._session, None
        if session is None:
            return
        self._wall.layout_changed.disconnect(self._on_layout)
        session.tile_changed.disconnect(self._on_tile)
        self.last_position = session.position()
        session.close()
        self._tile_feeds.clear()
        if self._path_before is not None and resume_live:
            self._wall.set_render_path(self._path_before)
        self._path_before = None
        if resume_live:
            self._feeds.suspend(False)
        log.info("wall back to live")
        self.changed.emit(False)
        self.reason = None
        self.entered_at = None

    def close(self) -> None:
        """At shutdown: the session stops, the live streams do not start again."""
        self.leave(resume_live=False)

    def _on_layout(self, layout: GridLayout) -> None:
        self._follow_layout(layout)

    def _follow_layout(self, layout: GridLayout) -> None:
        session = self._session
        assert session is not None
        cameras = {t.id: t.camera_id for t in layout.tiles if t.camera_id is not None}
        session.set_tiles(cameras)
        feeds: dict[int, PlaybackFeed] = {}
        for tile_id in cameras:
            old = self._tile_feeds.get(tile_id)
            frames = session.frames(tile_id)
            assert frames is not None
            feeds[tile_id] = (
                old
                if old is not None and old.player is frames
                else PlaybackFeed(session, tile_id, frames)
            )
        self._tile_feeds = feeds
        self.feeds_changed.emit()

    def _on_tile(self, tile_id: int, state: TilePlayback) -> None:
        feed = self._tile_feeds.get(tile_id)
        if feed is not None:
            feed.update(state)
