from console.wall.feeds import FeedKey, WallFeeds, choose_profile
from console.wall.layout import preset
from console.wall.model import RenderPath, WallModel, WallState


class RecordingFeed:
    """Stands in for a LiveFeed: the wall's bookkeeping is what is tested here, not video."""

    def __init__(self, key, log):
        self.key, self.log = key, log

    def start(self):
        self.log.append(("start", self.key))

    def close(self):
        self.log.append(("close", self.key))


def make(render_path=RenderPath.COMPOSITED, grid="2x2", cams=("a", "b", "c")):
    log = []
    wall = WallModel(WallState(0, preset(grid, list(cams)), render_path))
    feeds = WallFeeds(wall, lambda key: RecordingFeed(key, log))
    return wall, feeds, log


def test_one_feed_per_camera_started_at_once():
    _, feeds, log = make(grid="3x3")
    assert sorted(k.camera_id for k in feeds.feeds) == ["a", "b", "c"]
    assert all(k.profile == "sub" for k in feeds.feeds)
    assert [e[0] for e in log] == ["start"] * 3


def test_swapping_tiles_keeps_composited_streams_running():
    wall, _, log = make(grid="3x3")
    log.clear()
    wall.swap(1, 2)
    wall.swap(1, 9)
    assert log == []


def test_native_walls_restart_feeds_that_move_between_windows():
    wall, _, log = make(RenderPath.NATIVE, grid="3x3")
    log.clear()
    wall.swap(1, 2)
    assert sorted(e[0] for e in log) == ["close", "close", "start", "start"]


def test_clearing_a_tile_closes_its_feed_and_profile_follows_tile_size():
    wall, feeds, log = make(grid="2x2")
    assert {k.profile for k in feeds.feeds} == {"main"}
    wall.clear(1)
    assert ("close", FeedKey("a", "main", None)) in log
    wall.apply_preset("3x3")
    assert {k.profile for k in feeds.feeds} == {"sub"}


def test_big_tile_of_one_plus_five_gets_main():
    layout = preset("1+5")
    assert choose_profile(layout, layout.tiles[0]) == "main"
    assert choose_profile(layout, layout.tiles[1]) == "sub"


def test_first_start_fills_every_wall_wrapping_around_the_camera_list():
    from console.hub.models import Camera
    from console.workstation import fill_empty_walls

    cams = [Camera(f"c{i}", f"C{i}", "g", "", "", "", "", frozenset(), ()) for i in range(5)]
    walls = [WallModel(WallState(0, preset("2x2"))), WallModel(WallState(1, preset("2x2")))]
    fill_empty_walls(walls, cams)
    assert walls[0].layout.camera_ids() == ["c0", "c1", "c2", "c3"]
    assert walls[1].layout.camera_ids() == ["c4", "c0", "c1", "c2"]
    walls[1].clear(walls[1].layout.tiles[0].id)
    fill_empty_walls(walls, cams[:1])  # walls that show cameras are left as they are
    assert walls[1].layout.camera_ids() == ["c0", "c1", "c2"]


def test_a_grid_asked_for_is_filled_with_cameras_not_yet_on_the_wall():
    from console.hub.models import Camera
    from console.wall.layout import apply_preset
    from console.workstation import fill_empty_tiles

    cams = [Camera(f"c{i}", f"C{i}", "g", "", "", "", "", frozenset(), ()) for i in range(12)]
    wall = WallModel(WallState(0, apply_preset(preset("2x2", ["c5", "c0", "c7", "c1"]), "3x3")))
    fill_empty_tiles(wall, cams)
    assert wall.layout.camera_ids() == ["c5", "c0", "c7", "c1", "c2", "c3", "c4", "c6", "c8"]
