import pytest

from console.hub.models import StreamProfile
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

    def set_picture_box(self, size):
        self.box = size


def make(render_path=RenderPath.COMPOSITED, grid="2x2", cams=("a", "b", "c")):
    log = []
    wall = WallModel(WallState(0, preset(grid, list(cams)), render_path))
    feeds = WallFeeds(wall, lambda key: RecordingFeed(key, log))
    return wall, feeds, log


def test_one_feed_per_camera_started_at_once():
    _, feeds, log = make(grid="3x3")
    assert sorted(k.camera_id for k in feeds.feeds) == ["a", "b", "c"]
    assert all(k.profile == "sub" for k in feeds.feeds)  # sizes not known yet: cheapest
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


SUB = StreamProfile("sub", 640, 360, 15, "h264")
MAIN = StreamProfile("main", 1280, 720, 15, "h264")
PROFILES = (MAIN, SUB)


@pytest.mark.parametrize(
    ("tile", "current", "expected"),
    [
        (None, None, "sub"),  # not laid out yet: cheapest first
        ((420, 236), None, "sub"),
        ((640, 400), None, "sub"),  # the 16:9 picture in it is 640x360
        ((641, 400), None, "main"),
        ((1900, 1000), None, "main"),  # larger than every stream: the largest
        ((600, 340), "main", "main"),  # within 15% of sub: stay (hysteresis)
        ((540, 304), "main", "sub"),  # clearly smaller: go down
        ((700, 394), "sub", "main"),  # up at once: the picture needs it
    ],
)
def test_profile_choice_by_picture_size_with_hysteresis(tile, current, expected):
    assert choose_profile(PROFILES, tile, current).name == expected


def test_profile_choice_explains_itself_and_can_be_forced():
    assert (
        "smallest stream that fills the 420x236 px picture"
        in choose_profile(PROFILES, (420, 236)).why
    )
    assert choose_profile(PROFILES, (1900, 1000), forced="sub").name == "sub"
    assert choose_profile((), (1900, 1000)).why == "the camera's streams are not known yet"


def make_sized(grid="2x2"):
    log = []
    wall = WallModel(WallState(0, preset(grid, ["a", "b", "c", "d"])))
    feeds = WallFeeds(wall, lambda key: RecordingFeed(key, log), lambda _cam: PROFILES)
    return wall, feeds, log


def test_maximizing_switches_to_main_and_keeps_the_old_feed_until_released():
    wall, feeds, log = make_sized()
    tile = wall.layout.tiles[0]
    feeds.set_tile_size(tile.id, 420, 236)
    assert feeds.key_for(tile).profile == "sub"
    log.clear()
    feeds.set_tile_size(tile.id, 1280, 720)  # maximized
    assert feeds.key_for(tile) == FeedKey("a", "main", None)
    assert log == [("start", FeedKey("a", "main", None))]  # the sub feed is not closed yet
    assert feeds.outgoing_for(tile).key == FeedKey("a", "sub", None)
    feeds.release_outgoing(tile)
    assert log[-1] == ("close", FeedKey("a", "sub", None))
    assert feeds.outgoing_for(tile) is None


def test_small_resizes_do_not_flap_between_profiles():
    wall, feeds, log = make_sized()
    tile = wall.layout.tiles[0]
    feeds.set_tile_size(tile.id, 700, 394)
    log.clear()
    for size in [(630, 354), (650, 366), (600, 338), (660, 371)]:
        feeds.set_tile_size(tile.id, *size)
    assert log == []
    assert feeds.key_for(tile).profile == "main"


def test_clearing_a_tile_closes_its_feed_and_any_feed_it_replaced():
    wall, feeds, log = make_sized()
    tile = wall.layout.tiles[0]
    feeds.set_tile_size(tile.id, 300, 170)
    feeds.set_tile_size(tile.id, 1280, 720)
    wall.clear(tile.id)
    closed = {e[1] for e in log if e[0] == "close"}
    assert {FeedKey("a", "sub", None), FeedKey("a", "main", None)} <= closed


def test_first_start_fills_every_wall_wrapping_around_the_camera_list():
    from console.hub.models import Camera
    from console.wall.workstation import fill_empty_walls

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
    from console.wall.workstation import fill_empty_tiles

    cams = [Camera(f"c{i}", f"C{i}", "g", "", "", "", "", frozenset(), ()) for i in range(12)]
    wall = WallModel(WallState(0, apply_preset(preset("2x2", ["c5", "c0", "c7", "c1"]), "3x3")))
    fill_empty_tiles(wall, cams)
    assert wall.layout.camera_ids() == ["c5", "c0", "c7", "c1", "c2", "c3", "c4", "c6", "c8"]


def test_each_feed_is_told_the_largest_tile_it_is_painted_into():
    _, feeds, _ = make(grid="2x2", cams=("a", "b", "a"))  # a camera on two tiles

    def by_camera():
        return {k.camera_id: f for k, f in feeds.feeds.items()}

    assert all(getattr(f, "box", "unset") is None for f in feeds.feeds.values())
    feeds.set_tile_size(1, 400, 200)
    feeds.set_tile_size(3, 500, 300)
    feeds.set_tile_size(2, 300, 200)
    assert by_camera()["a"].box == (500, 300) and by_camera()["b"].box == (300, 200)
    feeds.set_tile_size(3, 200, 100)  # the larger tile shrank: the other one is now larger
    assert by_camera()["a"].box == (400, 200)


def test_a_new_feed_knows_its_tile_size_before_it_starts():
    seen = []

    class Feed(RecordingFeed):
        def start(self):
            seen.append(getattr(self, "box", None))

    wall = WallModel(WallState(0, preset("2x2", ["a"]), RenderPath.COMPOSITED))
    feeds = WallFeeds(wall, lambda key: Feed(key, []))
    feeds.set_tile_size(2, 320, 180)
    wall.assign(2, "b")
    assert seen == [None, (320, 180)]


def test_a_camera_that_may_not_play_gets_no_feed_until_it_may():
    log = []
    allowed = {"a"}
    wall = WallModel(WallState(0, preset("2x2", ["a", "b"])))
    feeds = WallFeeds(wall, lambda key: RecordingFeed(key, log), may_play=allowed.__contains__)
    assert [k.camera_id for k in feeds.feeds] == ["a"]
    b_tile = wall.layout.tiles[1]
    assert feeds.feed_for(b_tile) is None and feeds.key_for(b_tile) is None
    allowed.add("b")
    feeds.refresh()
    assert sorted(k.camera_id for k in feeds.feeds) == ["a", "b"]
    allowed.discard("b")  # a grant ended: the feed stops
    feeds.refresh()
    assert ("close", FeedKey("b", "sub", None)) in log
