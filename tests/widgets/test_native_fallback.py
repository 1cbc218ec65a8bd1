"""A native-window wall that falls back to the composited path gets composited tile views
(no native video windows) bound to its new feeds, without a restart (issue 12)."""

from __future__ import annotations

from console.wall.model import RenderPath, WallState
from console.workstation import Workstation
from tests.widgets.conftest import IdleFeed
from widgets.wall_view import WallView


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
