"""A workstation for widget tests: real models and views, feeds that show no video.

`IdleFeed` stands in for `LiveFeed` because these tests check the views' behaviour (drag and
drop, keyboard, maximise), not video; the end-to-end tests use real feeds and the real hub.
"""

from __future__ import annotations

import pytest

from console.base.notices import Notices
from console.base.signals import Signal
from console.cameras.directory import CameraDirectory
from console.hub.models import Camera, StreamProfile
from console.media.feed import FeedState
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import LayoutStore, SavedLayouts
from console.wall.workstation import Workstation


class IdleFeed:
    def __init__(self, key):
        self.key = key
        self.state = FeedState.idle()
        self.state_changed = Signal()
        self.player = None
        self.closed = False

    def start(self):
        pass

    def close(self):
        self.closed = True

    def set_picture_box(self, size):
        self.box = size


def camera(i: int, group: str) -> Camera:
    return Camera(
        id=f"cam-{i:02d}",
        name=f"Camera {i}",
        group=group,
        location=f"Site {i}",
        vendor="Test",
        model="T-1",
        firmware="1.0",
        capabilities=frozenset({"live"}),
        profiles=(StreamProfile("sub", 640, 360, 15, "h264"),),
    )


CAMERAS = [
    camera(1, "Outdoor"),
    camera(2, "Outdoor"),
    camera(3, "Indoor"),
    camera(4, "Indoor"),
    camera(5, "Indoor"),
]


class NoHub:
    """The directory's client is never asked in these tests (cameras are set directly)."""


@pytest.fixture
def station(tmp_path):
    directory = CameraDirectory(NoHub(), Notices())  # type: ignore[arg-type]
    directory.set_cameras(CAMERAS)
    st = Workstation(
        directory,
        Notices(),
        LayoutStore(tmp_path / "layouts.json"),
        SavedLayouts(),
        [WallState(0, preset("2x2", ["cam-01", "cam-02"]))],
        lambda index, key, wall: IdleFeed(key),
    )
    yield st
    st.close()
