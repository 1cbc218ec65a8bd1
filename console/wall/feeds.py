"""Keeps one live feed per camera shown on a wall, following the layout and the tile sizes.

Each tile plays the smallest stream profile that fills its picture in device pixels, with
hysteresis so a resize does not flap between profiles. A switch is seamless: the old feed keeps
playing (and its picture stays on the tile) until the new feed's first frame is painted; then
the view releases the old one.

On a composited wall feeds are keyed by camera, so swapping tiles or changing the preset keeps
streams running (no call-up delay). On a native-window wall libvlc draws into one tile's window,
so a feed belongs to a (tile, camera) pair and a move restarts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from console.base.signals import Signal
from console.hub.models import StreamProfile
from console.media.feed import FeedState
from console.media.frame import FrameSource, RenderPath, fit_within
from console.wall.layout import GridLayout, Tile
from console.wall.model import WallModel

log = logging.getLogger(__name__)

DOWNSWITCH_MARGIN = 0.15  # go to a smaller stream only once the picture is 15% below its size
DEFAULT_PROFILE = "sub"


class Feed(Protocol):
    """What the wall and its views need of a feed (`console.media.feed.LiveFeed` fits): its
    state, and the player whose pictures a tile shows."""

    state_changed: Signal  # (FeedState)

    @property
    def state(self) -> FeedState: ...

    @property
    def player(self) -> FrameSource | None: ...

    def start(self) -> None: ...

    def close(self) -> None: ...

    def set_picture_box(self, size: tuple[int, int] | None) -> None: ...


class LiveGate(Protocol):
    """Which cameras may play live now (`console.consent.PrivateAccess` fits): `changed` fires
    with a camera id when its answer changes; `note_live` is told when one starts playing."""

    changed: Signal  # (camera_id)

    def may_play_live(self, camera_id: str) -> bool: ...

    def note_live(self, camera_id: str, wall: int) -> None: ...


@dataclass(frozen=True)
class FeedKey:
    camera_id: str
    profile: str
    tile_id: int | None  # None on composited walls: the feed follows the camera
    buffer_ms: int | None = None  # the wall's live buffer (None: the engine's default)

    @property
    def slot(self) -> tuple[str, int | None]:
        """What a profile switch keeps: the camera (and on native walls, the tile)."""
        return (self.camera_id, self.tile_id)


@dataclass(frozen=True)
class ProfileChoice:
    name: str
    why: str  # plain words for the tile's info


def fitted(size: tuple[int, int], profile: StreamProfile) -> tuple[int, int]:
    """The picture's size in a tile of `size` device pixels (the stream's aspect, letterboxed)."""
    return fit_within(profile.width, profile.height, size[0], size[1])


def choose_profile(
    profiles: Sequence[StreamProfile],
    tile_px: tuple[int, int] | None,
    current: str | None = None,
    *,
    forced: str | None = None,
    margin: float = DOWNSWITCH_MARGIN,
) -> ProfileChoice:
    """The smallest profile at least as large as the picture, with hysteresis on the way down."""
    by_name = {p.name: p for p in profiles}
    if forced is not None and (forced in by_name or not profiles):
        return ProfileChoice(forced, f"{forced}: chosen for every tile")
    if not profiles:
        return ProfileChoice(current or DEFAULT_PROFILE, "the camera's streams are not known yet")
    ordered = sorted(profiles, key=lambda p: p.width * p.height)
    if tile_px is None or tile_px[0] <= 0 or tile_px[1] <= 0:
        p = ordered[0]
        return ProfileChoice(p.name, f"{p.name} {p.width}x{p.height}: tile size not known yet")
    fits = [p for p in ordered if p.width >= fitted(tile_px, p)[0]]
    target = fits[0] if fits else ordered[-1]
    pw, ph = fitted(tile_px, target)
    cur = by_name.get(current or "")
    # Going down only once the picture is clearly smaller than the smaller stream.
    going_down = cur is not None and cur.width * cur.height > target.width * target.height
    if cur is not None and going_down and pw > target.width * (1 - margin):
        cw, ch = fitted(tile_px, cur)
        return ProfileChoice(
            cur.name,
            f"{cur.name} {cur.width}x{cur.height}: kept for a {cw}x{ch} px picture "
            f"until it is {margin:.0%} smaller than {target.name}",
        )
    if fits:
        why = (
            f"{target.name} {target.width}x{target.height}: the smallest stream that fills "
            f"the {pw}x{ph} px picture"
        )
    else:
        why = (
            f"{target.name} {target.width}x{target.height}: the largest stream; the picture "
            f"is {pw}x{ph} px"
        )
    return ProfileChoice(target.name, why)


class WallFeeds:
    """Starts, keeps and closes the feeds of one wall. `changed` fires after each rebuild."""

    def __init__(
        self,
        wall: WallModel,
        make_feed: Callable[[FeedKey], Feed],
        profiles_of: Callable[[str], Sequence[StreamProfile]] = lambda _camera_id: (),
        forced_profile: str | None = None,
        *,
        may_play: Callable[[str], bool] | None = None,
    ) -> None:
        self._wall = wall
        # Whether a camera's live video may play now (a private camera's owner may share none:
        # console.consent); a tile whose camera may not gets no feed at all.
        self._may_play = may_play
        self._make_feed = make_feed
        self._profiles_of = profiles_of
        self._forced = forced_profile
        self._feeds: dict[FeedKey, Feed] = {}
        self._outgoing: dict[FeedKey, Feed] = {}  # new key -> the feed it replaces
        self._keys: dict[int, FeedKey] = {}  # tile id -> its feed's key
        self._why: dict[int, str] = {}
        self._tile_px: dict[int, tuple[int, int]] = {}
        self._suspended = False  # the wall plays recordings: no live streams meanwhile
        self._closed = False
        self.changed = Signal()
        wall.layout_changed.connect(self._on_layout)
        wall.live_buffer_changed.connect(self._on_layout)  # new players, switched seamlessly
        wall.render_path_changed.connect(self._on_layout)  # new feeds of the other kind
        self._sync()

    # -- reading -------------------------------------------------------------------------------
    def key_for(self, tile: Tile) -> FeedKey | None:
        return self._keys.get(tile.id) if tile.camera_id else None

    def feed_for(self, tile: Tile) -> Feed | None:
        key = self.key_for(tile)
        return self._feeds.get(key) if key else None

    def outgoing_for(self, tile: Tile) -> Feed | None:
        """The feed being replaced on this tile, kept until the new one shows a frame."""
        key = self.key_for(tile)
        return self._outgoing.get(key) if key else None

    def profile_reason(self, tile: Tile) -> str:
        return self._why.get(tile.id, "")

    @property
    def feeds(self) -> dict[FeedKey, Feed]:
        return dict(self._feeds)

    # -- inputs --------------------------------------------------------------------------------
    def set_tile_size(self, tile_id: int, width_px: int, height_px: int) -> None:
        """The tile's picture area in device pixels; may switch its stream profile."""
        if self._tile_px.get(tile_id) == (width_px, height_px):
            return
        self._tile_px[tile_id] = (width_px, height_px)
        tile = next((t for t in self._wall.layout.tiles if t.id == tile_id), None)
        key = self._keys.get(tile_id)
        if tile is None or tile.camera_id is None or key is None:
            return
        if self._choose(tile).name != key.profile:
            self._sync()
        else:
            self._size_feeds()

    def _size_feeds(self) -> None:
        """Tell each feed the largest tile area it is painted into (a camera may be on two
        tiles), so its frames come at the size they are painted."""
        boxes: dict[FeedKey, tuple[int, int]] = {}
        for tile_id, key in self._keys.items():
            px = self._tile_px.get(tile_id)
            best = boxes.get(key)
            if px is not None and (best is None or px[0] * px[1] > best[0] * best[1]):
                boxes[key] = px
        for key, feed in self._feeds.items():
            feed.set_picture_box(boxes.get(key))

    @property
    def suspended(self) -> bool:
        return self._suspended

    def suspend(self, on: bool) -> None:
        """Stop every live stream of the wall (`on`: it plays recordings instead), or start
        them again."""
        if on != self._suspended:
            self._suspended = on
            self._sync()

    def refresh(self) -> None:
        """Choose again (the camera list, and with it the profiles, has arrived)."""
        self._sync()

    def release_outgoing(self, tile: Tile) -> None:
        """The new feed's first frame is painted: the old one can stop."""
        key = self.key_for(tile)
        old = self._outgoing.pop(key, None) if key else None
        if old is not None:
            old.close()

    # -- the rebuild ---------------------------------------------------------------------------
    def _on_layout(self, _change: GridLayout | int | None) -> None:
        self._sync()

    def _choose(self, tile: Tile) -> ProfileChoice:
        assert tile.camera_id is not None
        current = self._keys.get(tile.id)
        return choose_profile(
            self._profiles_of(tile.camera_id),
            self._tile_px.get(tile.id),
            current.profile if current and current.camera_id == tile.camera_id else None,
            forced=self._forced,
        )

    def _sync(self) -> None:
        if self._closed:
            return  # shutting down: nothing starts any more (a playback ending, say)
        per_tile = self._wall.render_path == RenderPath.NATIVE
        keys: dict[int, FeedKey] = {}
        whys: dict[int, str] = {}
        for tile in self._wall.layout.tiles:
            if tile.camera_id is None:
                continue
            if self._may_play is not None and not self._may_play(tile.camera_id):
                continue
            choice = self._choose(tile)
            keys[tile.id] = FeedKey(
                tile.camera_id,
                choice.name,
                tile.id if per_tile else None,
                self._wall.live_buffer_ms,
            )
            whys[tile.id] = choice.why
        wanted = set() if self._suspended else set(keys.values())
        fresh = sorted(wanted - self._feeds.keys(), key=str)
        old_by_slot = {k.slot: k for k in self._feeds if k not in wanted}
        for key in fresh:
            replaced = old_by_slot.pop(key.slot, None)
            if replaced is not None:  # a profile switch: keep the old picture until the new one
                previous = self._outgoing.pop(key, None)
                if previous is not None:
                    previous.close()
                self._outgoing[key] = self._feeds.pop(replaced)
        for key in [k for k in self._feeds if k not in wanted]:
            self._feeds.pop(key).close()
        for key in [k for k in self._outgoing if k not in wanted]:
            self._outgoing.pop(key).close()
        self._keys, self._why = keys, whys
        for key in fresh:
            self._feeds[key] = self._make_feed(key)
        self._size_feeds()
        for key in fresh:
            self._feeds[key].start()
        self.changed.emit()

    def close(self) -> None:
        self._closed = True
        self._wall.layout_changed.disconnect(self._on_layout)
        self._wall.live_buffer_changed.disconnect(self._on_layout)
        for feed in [*self._feeds.values(), *self._outgoing.values()]:
            feed.close()
        self._feeds.clear()
        self._outgoing.clear()
        self._keys.clear()
        self.changed.emit()
