"""The workstation and private cameras: never put on a wall by itself, and its feeds follow the
live gate (console.consent in the console; a small gate of plain sets here, the consent core is
tested against the real hub in tests/console/consent)."""

from __future__ import annotations

from console.base.notices import Notices
from console.base.signals import Signal
from console.cameras.directory import CameraDirectory
from console.hub.models import Camera, Sharing, StreamProfile
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import LayoutStore, SavedLayouts
from console.wall.workstation import Workstation
from tests.support.minimal_client import MinimalClient


class _Feed:
    def __init__(self, key) -> None:
        self.key = key

    def start(self) -> None: ...

    def close(self) -> None: ...

    def set_picture_box(self, size) -> None: ...


class _Gate:
    """A LiveGate of plain sets (the protocol `console.wall.feeds.LiveGate`)."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed
        self.changed = Signal()
        self.live: list[tuple[str, int]] = []

    def may_play_live(self, camera_id: str) -> bool:
        return camera_id in self.allowed

    def note_live(self, camera_id: str, wall: int) -> None:
        self.live.append((camera_id, wall))


def _camera(camera_id: str, sharing: Sharing | None = None) -> Camera:
    profiles = (StreamProfile("sub", 640, 360, 15, "h264"),)
    return Camera(camera_id, camera_id, "g", "", "", "", "", frozenset(), profiles, sharing=sharing)


def _station(tmp_path, walls) -> Workstation:
    return Workstation(
        CameraDirectory(MinimalClient(), Notices()),
        Notices(),
        LayoutStore(tmp_path / "layouts.json"),
        SavedLayouts(),
        walls,
        lambda index, key, wall: _Feed(key),
    )


def test_a_first_start_puts_only_public_cameras_on_the_walls(tmp_path):
    station = _station(tmp_path, [WallState(0, preset("2x2")), WallState(1, preset("2x2"))])
    station.directory.set_cameras(
        [
            _camera("door", Sharing("on_request", "Resident")),
            _camera("c1"),
            _camera("shop", Sharing("live", "Shop")),
            _camera("c2"),
            _camera("c3"),
        ]
    )
    shown = {c for wall in station.walls for c in wall.layout.camera_ids() if c}
    assert shown == {"c1", "c2", "c3"}
    station.close()


def test_the_feeds_follow_the_live_gate_and_tell_it_each_live_start(tmp_path):
    station = _station(tmp_path, [WallState(0, preset("2x2", ["c1", "door"]))])
    gate = _Gate({"c1"})
    station.set_live_gate(gate)
    assert [k.camera_id for k in station.feeds[0].feeds] == ["c1"]
    gate.allowed.add("door")
    gate.changed.emit("door")
    assert sorted(k.camera_id for k in station.feeds[0].feeds) == ["c1", "door"]
    assert ("door", 0) in gate.live
    station.close()
