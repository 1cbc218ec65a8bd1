"""Badges and the watermark on real views, offscreen: a flagged camera's tile and tree row carry
a quiet badge whose tooltip names the restriction and its source, an unknown vendor says
"vendor unknown", and with the watermark policy on, the operator's name is painted over the
picture (pixels of `grab()` are read)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import numpy as np
import pytest
from PySide6.QtGui import QImage

from console.base.notices import Notices
from console.base.signals import Signal
from console.cameras.directory import CameraDirectory
from console.media.feed import FeedState, FeedStatus
from console.media.frame import Frame
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import LayoutStore, SavedLayouts
from console.wall.workstation import Workstation
from console.watermark.text import watermark_lines
from tests.widgets.conftest import CAMERAS, IdleFeed, NoHub
from widgets.cameras.camera_tree import CameraTree
from widgets.provenance.badge_paint import BADGE_INK
from widgets.provenance.tree_badges import BADGE_ROLE, BadgeDelegate
from widgets.shell.wall_window import WallWindow

FLAGGED = dataclasses.replace(CAMERAS[0], vendor="Hikvision", model="DS-2CD2143G2-I")
UNKNOWN = dataclasses.replace(CAMERAS[1], vendor="")
ESTATE = [FLAGGED, UNKNOWN, *CAMERAS[2:]]
LIVE = FeedState(FeedStatus.LIVE, fps=15.0, decoding="SW")
NOW = datetime(2026, 12, 7, 23, 55, 12, tzinfo=timezone.utc)
DARK = 24


class StillPlayer:
    """A player with one dark picture (the tile paints it as it paints a decoded frame)."""

    def __init__(self) -> None:
        pixels = np.full((360, 640, 4), DARK, np.uint8)
        pixels[..., 3] = 255
        self.frame = Frame(pixels, pixels, 640, 360, 640 * 4, 1, 0.0, 1, 640, 360)
        self.frame_ready = Signal()
        self.frame_count = 1
        self.newest_frame = (1, 1)

    def latest_frame(self) -> Frame:
        return self.frame

    def set_frame_signal(self, every_frame: bool) -> None:
        pass


class StillFeed:
    def __init__(self) -> None:
        self.state = LIVE
        self.state_changed = Signal()
        self.player = StillPlayer()


@pytest.fixture
def estate_station(tmp_path):
    directory = CameraDirectory(NoHub(), Notices())  # type: ignore[arg-type]
    directory.set_cameras(ESTATE)
    st = Workstation(
        directory,
        Notices(),
        LayoutStore(tmp_path / "layouts.json"),
        SavedLayouts(),
        [WallState(0, preset("2x2", ["cam-01", "cam-02", "cam-03"]))],
        lambda index, key, wall: IdleFeed(key),
    )
    yield st
    st.close()


def window_of(qtbot, station) -> WallWindow:
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    station.walls[0].select(None)
    return window


def pixels_of(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).astype(int)


def test_a_flagged_cameras_tile_carries_a_quiet_badge_naming_the_restriction(qtbot, estate_station):
    view = window_of(qtbot, estate_station).wall_view.tile_views[0]
    view.bind(StillFeed())
    pixels = pixels_of(view)
    ((pill, text),) = view.badges.pills
    assert text == "restricted vendor · US NDAA s.889, UK HCWS408"
    # In the bottom-right corner, clear of the alert label (bottom-left) and the name band.
    assert pill.right() > view.width() * 3 // 4 and pill.bottom() > view.height() * 3 // 4
    inside = pixels[pill.top() + 1 : pill.bottom(), pill.left() + 1 : pill.right()]
    ink = BADGE_INK[next(iter(BADGE_INK))]
    near = np.abs(inside - [ink.red(), ink.green(), ink.blue()]).sum(axis=2) < 90
    assert near.any()  # the words are drawn in the badge's muted ink
    tooltip = view.toolTip()
    assert "US NDAA s.889" in tooltip and "https://www.congress.gov/" in tooltip
    assert "hcws408" in tooltip


def test_an_unknown_vendor_says_so_on_its_tile_and_a_vendor_not_listed_has_no_badge(
    qtbot, estate_station
):
    views = window_of(qtbot, estate_station).wall_view.tile_views
    for view in views[:3]:
        view.bind(StillFeed())
        view.grab()
    assert [text for _pill, text in views[1].badges.pills] == ["vendor unknown"]
    assert views[2].badges.pills == []  # "Test" is not on the list: nothing to say
    assert "does not say who made this camera" in views[1].toolTip()


def test_with_the_watermark_on_the_operators_name_is_painted_over_the_picture(
    qtbot, estate_station
):
    wall = window_of(qtbot, estate_station).wall_view
    view = wall.tile_views[2]  # a camera without badges: only the watermark is light
    view.bind(StillFeed())
    picture_rows = slice(view.height() // 3, view.height() * 3 // 4)
    before = pixels_of(view)[picture_rows]
    assert before.max() <= DARK + 2  # the dark picture alone
    lines = watermark_lines("ana", "wall-pc-2", NOW)
    wall.set_watermark(lambda: lines)
    after = pixels_of(view)[picture_rows]
    assert (after.max(axis=2) > DARK + 25).sum() > 50  # light strokes of text over the picture
    assert view.watermark.copies >= 2
    assert lines[0] == "ana"
    wall.set_watermark(None)
    assert pixels_of(view)[picture_rows].max() <= DARK + 2


def test_the_camera_tree_row_carries_the_same_badge_and_its_tooltip_the_source(qtbot):
    tree = CameraTree(lambda _camera_id: None)
    qtbot.addWidget(tree)
    tree.resize(420, 300)
    tree.set_cameras(ESTATE)
    tree.show()
    qtbot.waitExposed(tree)
    assert isinstance(tree.tree.itemDelegate(), BadgeDelegate)
    rows = {}
    for g in range(tree.proxy.rowCount()):
        group = tree.proxy.index(g, 0)
        for r in range(tree.proxy.rowCount(group)):
            index = tree.proxy.index(r, 0, group)
            rows[tree.proxy.data(index, 256 + 1)] = index
    flagged, unknown, plain = rows["cam-01"], rows["cam-02"], rows["cam-03"]
    assert [b.text for b in flagged.data(BADGE_ROLE)] == [
        "restricted vendor · US NDAA s.889, UK HCWS408"
    ]
    assert [b.text for b in unknown.data(BADGE_ROLE)] == ["vendor unknown"]
    assert plain.data(BADGE_ROLE) == ()
    tooltip = flagged.data(3)  # ToolTipRole
    assert "US NDAA s.889" in tooltip and "congress.gov" in tooltip
    assert "vendor unknown" in unknown.data(3)
    # The row is painted with the badge's ink right of the name.
    rect = tree.tree.visualRect(flagged)
    pixels = pixels_of(tree.tree.viewport())[rect.top() : rect.bottom(), rect.left() :]
    ink = BADGE_INK[next(iter(BADGE_INK))]
    assert (np.abs(pixels - [ink.red(), ink.green(), ink.blue()]).sum(axis=2) < 90).any()
