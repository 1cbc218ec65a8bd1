"""Alert overlays on real tile views: border in the priority colour, boxes where the object is
(scaled with the picture), the label, fading out after the end, and the native strip."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from console.alerts.book import OVERLAY_FADE_S, AlarmBook
from console.hub.models import AlertChange, AlertPriority
from tests.console.alerts.alertdata import ended, make_alert
from tests.support.minimal_client import MinimalClient
from widgets.alarms.alert_overlay import PRIORITY_COLOURS
from widgets.common.hub_text import shown
from widgets.shell.wall_window import WallWindow


class Clock:
    now = 50.0

    def __call__(self) -> float:
        return self.now


def grab(view) -> np.ndarray:
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).astype(int)


def near(pixel, colour, tol=40) -> bool:
    return all(abs(int(a) - b) <= tol for a, b in zip(pixel, colour, strict=True))


def test_an_active_alert_marks_its_tile_and_draws_the_box_where_the_object_is(qtbot, station):
    clock = Clock()
    book = AlarmBook(client=MinimalClient(), clock=clock)  # fed by hand
    window = WallWindow(station, 0, lambda: None, alarms=book)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    view = window.wall_view.tile_views[1]  # cam-02
    other = window.wall_view.tile_views[0]
    alert = make_alert("a", "cam-02", AlertPriority.CRITICAL)
    book.apply(alert, AlertChange.RAISED)
    qtbot.waitUntil(lambda: bool(view.overlays()))
    red = PRIORITY_COLOURS[AlertPriority.CRITICAL]
    rgb = (red.red(), red.green(), red.blue())
    shot = grab(view)
    h, w = shot.shape[:2]
    assert near(shot[h // 2, 1], rgb) and near(shot[1, w // 2], rgb)  # the border
    # No video yet: the picture is the whole tile, so the box (0.4, 0.3, 0.1 x 0.3) maps there.
    pic = view.picture_rect()
    left = pic.x() + round(0.4 * pic.width())
    mid_y = pic.y() + round((0.3 + 0.15) * pic.height())
    assert any(near(shot[mid_y, x], rgb) for x in range(left - 2, left + 3)), "box edge"
    assert not any(near(p, rgb) for p in grab(other)[:, 1])  # other tiles unmarked
    # The bigger the tile, the bigger the box: maximise and look again.
    station.walls[0].toggle_maximize(view.tile.id)
    qtbot.waitUntil(lambda: view.width() > 2 * other.width() or not other.isVisible())
    shot = grab(view)
    pic = view.picture_rect()
    left = pic.x() + round(0.4 * pic.width())
    mid_y = pic.y() + round(0.45 * pic.height())
    assert any(near(shot[mid_y, x], rgb) for x in range(left - 2, left + 3)), "scaled box"
    # The alert ends: the overlay fades, then is gone.
    book.apply(ended(alert, 2), AlertChange.ENDED)
    clock.now += OVERLAY_FADE_S / 2
    assert 0 < view.overlays()[0].opacity < 1
    clock.now += OVERLAY_FADE_S
    qtbot.waitUntil(lambda: not view.overlays())
    shot = grab(view)
    assert not near(shot[shot.shape[0] // 2, 1], rgb)


def test_a_native_wall_names_the_alert_in_the_tile_strip(qtbot, station):
    import dataclasses

    from console.media.frame import RenderPath
    from console.wall.model import WallModel

    book = AlarmBook(client=MinimalClient())
    native = WallModel(dataclasses.replace(station.walls[0].state, render_path=RenderPath.NATIVE))
    from widgets.wall.wall_view import WallView

    view = WallView(
        native, 0, station.feeds[0], station.camera_name, lambda *_: None, None, None, book
    )
    qtbot.addWidget(view)
    book.apply(make_alert("p", "cam-01", AlertPriority.HIGH), AlertChange.RAISED)
    tile = view.tile_views[0]
    assert f"{shown('PERSON')} · High" in tile._strip.text()  # the label isolated (issue 12)
