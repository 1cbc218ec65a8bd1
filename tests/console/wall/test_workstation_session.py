"""The workstation keeps the walls as they were closed apart from the named layouts, and
writes nothing over a damaged layouts.json until the operator saves (issue 14)."""

from __future__ import annotations

import asyncio

from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import LayoutStore, NamedLayout, SavedLayouts
from console.wall.workstation import Workstation, initial_walls
from tests.support.minimal_client import MinimalClient


def station_for(tmp_path, saved: SavedLayouts, damaged=None) -> Workstation:
    return Workstation(
        CameraDirectory(MinimalClient(), Notices()),
        Notices(),
        LayoutStore(tmp_path / "layouts.json"),
        saved,
        initial_walls(saved, 1, None, None),
        lambda index, key, wall: _NoFeed(),
        damaged_copy=damaged,
    )


class _NoFeed:
    """The feeds are not what these tests are about (no video is started)."""

    state = None

    def start(self) -> None: ...

    def close(self) -> None: ...

    def set_picture_box(self, size) -> None: ...


def test_closing_writes_the_session_and_leaves_the_named_layout_alone(tmp_path):
    night = NamedLayout("Night", (WallState(0, preset("2x2", ["a", "b"])),))
    station = station_for(tmp_path, SavedLayouts((night,), "Night"))
    station.walls[0].swap(1, 2)
    assert station.layout_modified
    assert asyncio.run(station.save_session())
    loaded = LayoutStore(tmp_path / "layouts.json").load().value
    assert loaded.get("Night") == night and loaded.current == "Night"
    assert loaded.session is not None
    assert [t.camera_id for t in loaded.session[0].layout.tiles][:2] == ["b", "a"]
    assert [t.camera_id for t in initial_walls(loaded, 1, None, None)[0].layout.tiles][:2] == [
        "b",
        "a",
    ]
    station.close()


def test_a_damaged_file_is_not_written_over_by_closing_and_its_copy_can_be_put_back(tmp_path):
    path = tmp_path / "layouts.json"
    garbage = b'{"format": "tessera.layouts", "vers'
    path.write_bytes(garbage)
    loaded = LayoutStore(path).load()
    assert loaded.kept_copy is not None
    station = station_for(tmp_path, loaded.value, loaded.kept_copy)
    path.write_bytes(b"edited by hand meanwhile")
    assert not asyncio.run(station.save_session())
    assert path.read_bytes() == b"edited by hand meanwhile"  # closing wrote nothing
    assert asyncio.run(station.restore_damaged())
    assert path.read_bytes() == garbage
    assert "back in place" in station.notices.items[-1].text
    assert asyncio.run(station.save_layout("Mine"))  # the operator's own Save writes it
    assert station.damaged_copy is None and asyncio.run(station.save_session())
    station.close()
