"""While the hub does not answer, the wall says so across its top (issue 14).

Real wall views, offscreen, fed by a real `HubReachability`: `failed()` puts an opaque banner
across the top of the wall and the top row's names below it, `answered()` takes both away; the
banner lets clicks through to the tiles and leaves the tiles' size (and streams) alone.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage

from console.hub.reachability import HubReachability
from tests.widgets.wall.test_tile_states import LIVE, WHITE, StillFeed, rgb, still_frame
from widgets.shell.wall_window import WallWindow
from widgets.wall.hub_banner import BANNER_BACKGROUND, BANNER_TEXT
from widgets.wall.tile_view import TileView


def followed_wall(qtbot, station):
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    reach = HubReachability()
    window.wall_view.follow_hub(reach)
    return window.wall_view, reach


def pixel(widget, x: int, y: int) -> list[int]:
    colour = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32).pixelColor(x, y)
    return rgb(colour)


def test_the_banner_is_up_while_the_hub_does_not_answer_and_gone_when_it_does(qtbot, station):
    wall, reach = followed_wall(qtbot, station)
    sizes = [v.size() for v in wall.tile_views]
    assert not wall.hub_banner.isVisible()
    reach.failed()
    banner = wall.hub_banner
    assert banner.isVisible() and banner.text() == BANNER_TEXT
    assert banner.geometry().topLeft() == QPoint(0, 0) and banner.width() == wall.width()
    assert pixel(wall, 3, banner.height() // 2) == rgb(BANNER_BACKGROUND)  # opaque
    assert [v.size() for v in wall.tile_views] == sizes  # the tiles keep their size
    reach.failed()  # more failed requests: the same outage
    reach.answered()
    assert not banner.isVisible() and not wall.hub_down


def test_the_banner_lets_clicks_through_and_the_top_names_move_below_it(qtbot, station):
    wall, reach = followed_wall(qtbot, station)
    station.walls[0].select(None)
    top, bottom = wall.tile_views[0], wall.tile_views[2]
    top.bind(StillFeed(LIVE, still_frame(WHITE, WHITE)))
    reach.failed()
    height = wall.hub_banner.height()
    assert isinstance(wall.childAt(QPoint(10, height // 2)), TileView)
    assert (top.labels_top, bottom.labels_top) == (height, 0)
    top.grab()
    name = top.label_line.name_rect
    # The name's dark band lies under the banner on the white picture, readable.
    below = pixel(wall, top.x() + 2, top.y() + height + name.center().y())
    assert max(below) < 50, below
    station.walls[0].toggle_maximize(bottom.tile.id)  # a maximised tile lies under it too
    assert bottom.labels_top == height
    station.walls[0].toggle_maximize(bottom.tile.id)
    reach.answered()
    assert (top.labels_top, bottom.labels_top) == (0, 0)


def test_a_wall_that_opens_during_an_outage_shows_the_banner_at_once(qtbot, station):
    reach = HubReachability()
    reach.failed()
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    window.wall_view.follow_hub(reach)
    assert window.wall_view.hub_banner.isVisible()
