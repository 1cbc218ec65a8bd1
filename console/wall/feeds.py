"""Keeps one live feed per camera shown on a wall, following the wall's layout.

On a composited wall feeds are keyed by camera, so swapping two tiles or changing the preset
keeps the streams running (no call-up delay). On a native-window wall libvlc draws into one
tile's window, so a feed belongs to a (tile, camera) pair and moves restart it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from console.signals import Signal
from console.wall.layout import GridLayout, Tile
from console.wall.model import RenderPath, WallModel

log = logging.getLogger(__name__)

MAIN_PROFILE_MIN_AREA = 0.25  # a tile showing a quarter of the wall or more gets the main stream


class Feed(Protocol):
    """What the wall needs of a feed (`console.media.feed.LiveFeed` fits)."""

    def start(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class FeedKey:
    camera_id: str
    profile: str
    tile_id: int | None  # None on composited walls: the feed follows the camera


def choose_profile(layout: GridLayout, tile: Tile) -> str:
    """`main` for tiles that cover a large part of the wall, `sub` for the rest."""
    share = (tile.rect.cols * tile.rect.rows) / (layout.columns * layout.rows)
    return "main" if share >= MAIN_PROFILE_MIN_AREA else "sub"


class WallFeeds:
    """Starts, keeps and closes the feeds of one wall. `changed` fires after each rebuild."""

    def __init__(self, wall: WallModel, make_feed: Callable[[FeedKey], Feed]) -> None:
        self._wall = wall
        self._make_feed = make_feed
        self._feeds: dict[FeedKey, Feed] = {}
        self.changed = Signal()
        wall.layout_changed.connect(self._on_layout)
        self._on_layout(wall.layout)

    def key_for(self, tile: Tile) -> FeedKey | None:
        if tile.camera_id is None:
            return None
        per_tile = self._wall.render_path == RenderPath.NATIVE
        return FeedKey(
            tile.camera_id,
            choose_profile(self._wall.layout, tile),
            tile.id if per_tile else None,
        )

    def feed_for(self, tile: Tile) -> Feed | None:
        key = self.key_for(tile)
        return self._feeds.get(key) if key else None

    @property
    def feeds(self) -> dict[FeedKey, Feed]:
        return dict(self._feeds)

    def _on_layout(self, layout: GridLayout) -> None:
        wanted = {k for k in (self.key_for(t) for t in layout.tiles) if k is not None}
        for key in [k for k in self._feeds if k not in wanted]:
            self._feeds.pop(key).close()
        for key in sorted(wanted - self._feeds.keys(), key=str):
            feed = self._make_feed(key)
            self._feeds[key] = feed
            feed.start()
        self.changed.emit()

    def close(self) -> None:
        self._wall.layout_changed.disconnect(self._on_layout)
        for feed in self._feeds.values():
            feed.close()
        self._feeds.clear()
        self.changed.emit()
