"""A native-window wall that falls back to the composited path gets composited tile views
(no native video windows) bound to its new feeds, without a restart (issue 12)."""

from __future__ import annotations

from console.media.frame import RenderPath
from console.wall.model import WallState
from console.wall.workstation import Workstation
from tests.widgets.conftest import IdleFeed
from widgets.wall.wall_view import WallView


def test_falling_back_rebuilds_the_wall_with_composited_tiles(qtbot, station, tmp_path) -> None:
    native = Workstation(
        station.directory,
        station.notices,
        station._store,
        station.saved,
        [WallState(0, station.walls[0].layout, RenderPath.NATIVE)],
        lambda index, key, wall: IdleFeed(key),
    )
    wall, feeds = native.walls[0], native.feeds[0]
    view = WallView(wall, 0, feeds, native.camera_name, lambda *_: None)
    qtbot.addWidget(view)
    view.resize(640, 360)
    view.show()
    before = view.tile_views
    assert all(v.video is not None for v in before)  # native windows
    old_feeds = list(feeds.feeds.values())

    wall.set_render_path(RenderPath.COMPOSITED)

    after = view.tile_views
    assert len(after) == len(before) and not set(map(id, after)) & set(map(id, before))
    assert all(v.video is None for v in after)
    assert all(f.closed for f in old_feeds)  # type: ignore[attr-defined]
    for v in after:
        if v.tile.camera_id:
            assert v.feed is feeds.feed_for(v.tile)
            assert v.feed is not None and v.feed.key.tile_id is None  # type: ignore[attr-defined]
    assert all(not v.isVisible() for v in before)
    native.close()


class _NativePlayer:
    def __init__(self) -> None:
        from console.base.signals import Signal

        self.frame_ready = Signal()
        self.frame_count = 0
        self.window: int | None = None

    def set_window(self, window_id: int) -> None:
        self.window = window_id


class _Feed(IdleFeed):
    def __init__(self, key) -> None:
        super().__init__(key)
        self.player = _NativePlayer()


def test_a_native_tile_stops_the_stream_it_replaces_once_the_new_one_shows(qtbot, station):
    """Both players draw into the tile's one window: the old profile's must stop once the new
    one has shown a picture (before, it played on in the same window until the camera left)."""
    from widgets.wall.tile_view import TileView

    wall = station.walls[0]
    tile = wall.layout.tiles[0]
    view = TileView(wall, 0, tile, station.camera_name, native=True)
    qtbot.addWidget(view)
    new, old = _Feed("main"), _Feed("sub")
    released: list[bool] = []
    view.bind(new, old, lambda: released.append(True))  # type: ignore[arg-type]
    assert new.player.window is not None  # libvlc draws into the tile's window
    old.player.frame_count = 40
    old.player.frame_ready.emit()  # the old stream goes on: it stays until the new one shows
    assert released == []
    new.player.frame_count = 1
    new.player.frame_ready.emit()
    assert released == [True]
