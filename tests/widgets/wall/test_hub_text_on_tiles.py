"""Hub text on the wall: a camera's name cannot reorder or cover the console's own words.

Real widgets, offscreen: a wall window whose first tile shows a camera the hub named with a
right-to-left override, or with 300 characters; the label line the tile really drew is checked
(its strings and rectangles), and so is the native strip's rich text.
"""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtGui import QFontMetrics

from console.base.safe_text import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE
from console.hub.tessera_wire import parse_camera
from console.media.feed import FeedState, FeedStatus
from tests.widgets.conftest import CAMERAS
from widgets.common.hub_text import elided, layout_label_line, shown_html
from widgets.shell.wall_window import WallWindow
from widgets.wall.tile_labels import describe_state, label_font

RLO = "\u202e"
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u200e\u200f\u061c")

LIVE = FeedState(FeedStatus.LIVE, fps=15.0, decoding="SW")
LOST = FeedState(FeedStatus.SIGNAL_LOST, reason="no video within 8 s", retry_in_s=3.0)


def hub_camera(name: str) -> dict[str, object]:
    return {
        "id": "cam-01",
        "name": name,
        "group": "Outdoor",
        "location": "Gate",
        "vendor": "V",
        "model": "M",
        "firmware": "1",
        "capabilities": ["live"],
        "profiles": [{"name": "sub", "width": 640, "height": 360, "fps": 15, "codec": "h264"}],
    }


def first_tile(qtbot, station, camera, width=320, height=180):
    station.directory.set_cameras([camera, *CAMERAS[1:]])
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    view = window.wall_view.tile_views[0]
    assert view.tile.camera_id == "cam-01"
    view.resize(width, height)
    return view


def drawn_line(view, state):
    view._on_state(state)
    view.grab()  # a real paint: the label line is what `TileLabels.draw` drew
    assert view.label_line is not None
    return view.label_line


def test_a_right_to_left_override_in_a_name_cannot_make_the_label_end_in_live(qtbot, station):
    camera = parse_camera(hub_camera(f"Gate{RLO}evil"))  # what the driver makes of it
    assert camera.name == "Gateevil"
    view = first_tile(qtbot, station, camera)
    line = drawn_line(view, LIVE)
    assert not BIDI_CONTROLS & set(line.name)
    # The name is drawn inside an isolate of its own, the state whole and apart from it.
    assert line.name == f"{FIRST_STRONG_ISOLATE}Gateevil{POP_DIRECTIONAL_ISOLATE}"
    assert line.state == describe_state(LIVE, view._profile)[0] == "Live · 15 fps · sub · SW"
    assert line.name_rect.right() < line.state_rect.left()


def test_a_name_that_bypassed_the_driver_is_still_cleaned_on_the_tile(qtbot, station):
    # A driver that forgot to clean: the view does not trust it either.
    raw = dataclasses.replace(CAMERAS[0], name=f"Gate{RLO}evil\n\x1b[2J")
    view = first_tile(qtbot, station, raw)
    line = drawn_line(view, LIVE)
    assert not BIDI_CONTROLS & set(line.name)
    assert not any(ord(c) < 32 for c in line.name)
    assert line.name.startswith(f"{FIRST_STRONG_ISOLATE}Gateevil")


@pytest.mark.parametrize("state", [LIVE, LOST], ids=["live", "signal-lost"])
def test_a_300_character_name_is_elided_and_the_state_stays_whole(qtbot, station, state):
    camera = parse_camera(hub_camera("Perimeter fence " + "north " * 50 + "end"))
    assert len(camera.name) == 319
    view = first_tile(qtbot, station, camera, width=420)
    line = drawn_line(view, state)
    words = describe_state(state, view._profile)[0]
    if state is LIVE:
        assert line.state == words  # not one character cut
    else:
        # Issue 14: a lost signal is said across the tile, on a band the name never reaches.
        assert line.state == "" and view.labels.band_lines == [words]
        assert view.labels.band is not None and view.labels.band.top() > line.name_rect.bottom()
    assert line.name.endswith(f"…{POP_DIRECTIONAL_ISOLATE}")
    assert line.name_rect.right() < line.state_rect.left()
    assert line.name_rect.left() >= 0 and line.state_rect.right() < view.width()
    # What was measured is what fits: the elided name's width is within its rectangle.
    metrics = QFontMetrics(label_font(view, view.rect()), view)
    assert metrics.horizontalAdvance(line.name) <= line.name_rect.width()
    assert metrics.horizontalAdvance(line.state) <= line.state_rect.width()


def test_a_tile_too_narrow_for_the_state_keeps_some_of_the_name(qtbot, station):
    # Issue 14 moved a lost signal off the top line (see below): the longest top-line state
    # is a live one.
    view = first_tile(qtbot, station, CAMERAS[0], width=120)
    line = drawn_line(view, LIVE)
    assert line.state.endswith("…")  # the state is cut only when the tile is that small
    assert FIRST_STRONG_ISOLATE in line.name  # and the name still shows its start
    assert line.name_rect.right() < line.state_rect.left()


def test_a_tile_too_narrow_for_no_signal_on_one_line_says_it_on_two(qtbot, station):
    view = first_tile(qtbot, station, CAMERAS[0], width=120)
    drawn_line(view, LOST)
    assert view.labels.band_lines == ["NO SIGNAL", "retry in 3 s"]  # the countdown kept whole


def test_the_role_mark_is_the_consoles_and_survives_a_long_name(qapp):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFont

    metrics = QFontMetrics(QFont())
    band = QRect(0, 0, 400, 20)
    line = layout_label_line(metrics, band, "x" * 300, "  · pinned", "Live · 15 fps")
    assert line.name.endswith(f"…{POP_DIRECTIONAL_ISOLATE}  · pinned")
    assert line.state == "Live · 15 fps"
    assert line.name_rect.right() < line.state_rect.left()


def test_eliding_happens_before_isolating_so_the_isolate_is_always_closed(qapp):
    from PySide6.QtGui import QFont

    metrics = QFontMetrics(QFont())
    for width in (0, 5, 30, 200):
        text = elided(metrics, "ﻣﺪﺧﻞ الشمال " * 20, width)
        assert text == "" or (
            text.startswith(FIRST_STRONG_ISOLATE) and text.endswith(POP_DIRECTIONAL_ISOLATE)
        )


def test_the_native_strip_shows_a_name_with_markup_as_text(qtbot, station):
    # A native wall's strip is a rich-text QLabel: the hub's name must not become markup.
    from console.media.frame import RenderPath
    from console.wall.model import WallModel
    from widgets.wall.wall_view import WallView

    camera = parse_camera(hub_camera("<b>Gate</b><img src='file:///etc/passwd'>"))
    station.directory.set_cameras([camera, *CAMERAS[1:]])
    native = WallModel(dataclasses.replace(station.walls[0].state, render_path=RenderPath.NATIVE))
    view = WallView(
        native, 0, station.feeds[0], station.camera_name, lambda *_: None, None, None, None
    )
    qtbot.addWidget(view)
    strip = view.tile_views[0]._strip
    assert strip is not None
    assert "<img" not in strip.text() and "&lt;img src=" in strip.text()
    assert shown_html(camera.name) in strip.text()
