"""What a tile says about its picture at a glance (issue 14).

Real tile views, offscreen, painted with a still picture: a tile whose picture is not live
(signal lost, frozen, connecting again) shows it greyed and dimmed with a short word on an
opaque band across it, the long reason in its tooltip; a live tile and a tile switching stream
profile do not. The camera's name sits on a dark band on any picture, in every layout, and the
selected tile is framed in a colour no alarm priority uses. Pixels of `grab()` are checked.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from console.base.signals import Signal
from console.media.feed import FeedState, FeedStatus
from console.media.frame import Frame
from widgets.alarms.alert_overlay import PRIORITY_COLOURS
from widgets.common import theme
from widgets.shell.wall_window import WallWindow
from widgets.wall.tile_labels import STATE_BAND

ORANGE = (255, 140, 0)
SKY = (60, 160, 255)
WHITE = (255, 255, 255)

LIVE = FeedState(FeedStatus.LIVE, fps=15.0, decoding="SW")
LOST = FeedState(
    FeedStatus.SIGNAL_LOST,
    attempt=1,
    reason="stream error: <b>no video</b> for 2.1 s",
    retry_in_s=3.0,
)
FROZEN = FeedState(FeedStatus.LIVE, fps=15.0, frozen_s=12.0)
CONNECTING_AGAIN = FeedState(FeedStatus.CONNECTING, attempt=2)


def still_frame(left: tuple[int, int, int], right: tuple[int, int, int]) -> Frame:
    """A 640x360 picture, one colour on the left half and another on the right."""
    width, height = 640, 360
    pixels = np.zeros((height, width, 4), np.uint8)
    for half, (r, g, b) in ((slice(0, width // 2), left), (slice(width // 2, width), right)):
        pixels[:, half] = (b, g, r, 255)  # BGRA, as libvlc hands it out
    return Frame(pixels, pixels, width, height, width * 4, 1, 0.0, 1, width, height)


class StillPlayer:
    """A player that has one picture (a stream that stopped keeps its last one)."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.frame_ready = Signal()
        self.frame_count = 1
        self.newest_frame = (frame.generation, frame.seq)

    def latest_frame(self) -> Frame:
        return self.frame

    def set_frame_signal(self, every_frame: bool) -> None:
        pass


class StillFeed:
    def __init__(self, state: FeedState, frame: Frame | None) -> None:
        self.state = state
        self.state_changed = Signal()
        self.player = StillPlayer(frame) if frame is not None else None


def wall_window(qtbot, station) -> WallWindow:
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def first_tile(qtbot, station, state, frame=None):
    view = wall_window(qtbot, station).wall_view.tile_views[0]
    station.walls[0].select(None)  # no selection frame over the pixels checked
    view.bind(StillFeed(state, frame or still_frame(ORANGE, SKY)))
    return view


def grabbed(view) -> np.ndarray:
    """The tile as painted, HxWx3 RGB."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).astype(int)


def patches(view, pixels) -> tuple[np.ndarray, np.ndarray]:
    """The mean colour of the picture's left and right halves, between the name band and the
    middle of the tile (where a state band would be)."""
    pic = view.picture_rect()
    rows = slice(pic.top() + pic.height() * 15 // 100, pic.top() + pic.height() * 30 // 100)
    left = slice(pic.left() + pic.width() // 10, pic.left() + pic.width() * 4 // 10)
    right = slice(pic.left() + pic.width() * 6 // 10, pic.left() + pic.width() * 9 // 10)
    return pixels[rows, left].mean(axis=(0, 1)), pixels[rows, right].mean(axis=(0, 1))


def rgb(colour: QColor) -> list[int]:
    return [colour.red(), colour.green(), colour.blue()]


def luma(colour) -> float:
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_a_live_tile_shows_its_picture_as_it_is_and_no_band(qtbot, station):
    view = first_tile(qtbot, station, LIVE)
    left, right = patches(view, grabbed(view))
    assert np.abs(left - ORANGE).max() < 3 and np.abs(right - SKY).max() < 3
    assert view.labels.band is None and view.showing_live_picture
    assert view.label_line.state == "Live · 15 fps · SW"


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (LOST, ["NO SIGNAL · retry in 3 s"]),
        (FROZEN, ["FROZEN · 12 s"]),
        (CONNECTING_AGAIN, ["Connecting…"]),
    ],
    ids=["signal-lost", "frozen", "connecting-again"],
)
def test_a_picture_that_is_not_live_is_greyed_dimmed_and_says_why_on_an_opaque_band(
    qtbot, station, state, words
):
    view = first_tile(qtbot, station, state)
    pixels = grabbed(view)
    for patch, live in zip(patches(view, pixels), (ORANGE, SKY), strict=True):
        assert patch.max() - patch.min() < 6, patch  # grey: its colour is gone
        assert luma(patch) < 0.5 * luma(live), patch  # and dimmed: half the light at most
    assert not view.showing_live_picture
    assert view.labels.band_lines == words
    assert view.label_line.state == ""  # said once, on the band, not on the top line too
    band = view.labels.band
    assert band is not None and band.width() == view.width()
    # Opaque: the band's own colour whatever the picture under it (here orange, then white).
    middle = band.center().y()
    assert list(pixels[middle, 2]) == rgb(STATE_BAND)
    view.bind(StillFeed(state, still_frame(WHITE, WHITE)))
    assert list(grabbed(view)[middle, 2]) == rgb(STATE_BAND)


def test_the_countdown_on_the_band_follows_the_feed_and_the_reason_is_in_the_tooltip(
    qtbot, station
):
    view = first_tile(qtbot, station, LOST)
    view.grab()
    assert view.labels.band_lines == ["NO SIGNAL · retry in 3 s"]
    view._on_state(FeedState(FeedStatus.SIGNAL_LOST, 1, reason=LOST.reason, retry_in_s=2.0))
    view.grab()
    assert view.labels.band_lines == ["NO SIGNAL · retry in 2 s"]
    tip = view.toolTip()
    # The long sentence, escaped (a reason may quote the hub; the tooltip reads rich text).
    assert "Signal lost: stream error: &lt;b&gt;no video&lt;/b&gt; for 2.1 s." in tip
    assert "Reconnecting in 2 s." in tip and "<b>" not in tip
    view._on_state(LIVE)
    assert "Signal lost" not in view.toolTip()


def test_a_tile_switching_stream_profile_keeps_the_old_picture_live(qtbot, station):
    # Maximising plays the main stream; the sub stream's picture stays until main's first
    # frame. That is not a picture that stopped: no grey, no band.
    view = first_tile(qtbot, station, LIVE)
    outgoing = view.feed
    view.bind(StillFeed(FeedState(FeedStatus.CONNECTING), None), outgoing)
    left, _ = patches(view, grabbed(view))
    assert np.abs(left - ORANGE).max() < 3
    assert view.labels.band is None and view.label_line.state == "Connecting…"


@pytest.mark.parametrize("grid", ["2x2", "1+5", "3x3"])
def test_the_camera_name_is_on_a_dark_band_on_a_white_picture_in_every_layout(qtbot, station, grid):
    window = wall_window(qtbot, station)
    window.grid_box.textActivated.emit(grid)
    views = window.wall_view.tile_views[:5]  # as many as there are cameras
    cameras = ["cam-01", "cam-02", "cam-03", "cam-04", "cam-05"][: len(views)]
    for view, camera in zip(views, cameras, strict=True):
        station.drop_camera(0, view.tile.id, camera)
    station.walls[0].select(None)  # (a drop selects its tile)
    for view in views:
        view.bind(StillFeed(LIVE, still_frame(WHITE, WHITE)))
        pixels = grabbed(view)
        line = view.label_line
        assert line is not None
        middle = line.name_rect.center().y()
        for x in (1, view.width() // 2, view.width() - 2):  # across the whole tile
            assert pixels[middle, x].max() < 50, (grid, view.tile.id, x, pixels[middle, x])
        # ... and the name on it is light.
        name = pixels[line.name_rect.top() : line.name_rect.bottom(), line.name_rect.left() :]
        assert name.max() > 150


def test_the_selected_tile_is_framed_in_a_colour_no_priority_uses(qtbot, station):
    for colour in PRIORITY_COLOURS.values():
        distance = np.linalg.norm(np.subtract(rgb(theme.SELECTED), rgb(colour)))
        assert distance > 150, colour.name()
    window = wall_window(qtbot, station)
    station.walls[0].select(None)
    view = window.wall_view.tile_views[1]
    view.bind(StillFeed(LIVE, still_frame(ORANGE, SKY)))
    assert list(grabbed(view)[view.height() // 2, 1]) != rgb(theme.SELECTED)
    station.walls[0].select(view.tile.id)
    # The frame is also the wall's focus ring: white with the keyboard on the wall, thin and
    # grey while it is in another pane.
    window.activateWindow()
    window.wall_view.setFocus()
    qtbot.waitUntil(window.wall_view.hasFocus)
    assert list(grabbed(view)[view.height() // 2, 1]) == rgb(theme.SELECTED)
    window.camera_tree.search.setFocus()
    qtbot.waitUntil(window.camera_tree.search.hasFocus)
    assert list(grabbed(view)[view.height() // 2, 1]) == rgb(theme.MUTED)
