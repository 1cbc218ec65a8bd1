"""Joystick to camera: SDL's virtual joystick (a device as far as SDL is concerned), the
console's JoystickInput, JoystickSteering and PtzDesk, and the real demo hub over sockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from console.base.marshal import Marshal
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.joystick.mapping import JoystickProfile
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInput
from console.joystick.virtual import VirtualJoystick
from console.ptz.desk import PtzDesk
from console.ptz.joystick_steering import JoystickSteering
from console.ptz.stop_line import StopLine
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import LayoutStore, SavedLayouts
from console.wall.workstation import Workstation
from tests.support.hubthread import PTZ_CAM, HubThread, wait_for
from tests.widgets.conftest import IdleFeed  # tiles without video: this is about commands

# serial: stops must reach the hub within 100 ms of the stick's release (also with a busy GUI
# thread), a bound that tests running beside them on two cores would break, not the console.
pytestmark = pytest.mark.serial


@pytest.fixture
def hub() -> Iterator[HubThread]:
    h = HubThread()
    yield h
    h.close()


class Rig:
    async def __aenter__(self) -> Rig:
        loop = asyncio.get_running_loop()
        self.client = TesseraHubClient(HubConfig(url=self.hub.url, operator="ana", timeout_s=5))
        directory = CameraDirectory(self.client, Notices())
        directory.set_cameras(await self.client.cameras())
        self.desk = PtzDesk(self.client, directory, "ana")
        self.notices = Notices()
        self.station = Workstation(
            directory,
            self.notices,
            LayoutStore(self.folder / "layouts.json"),
            SavedLayouts(),
            [WallState(0, preset("2x2", [PTZ_CAM, "cam-01", PTZ_CAM]))],
            lambda index, key, wall: IdleFeed(key),
        )
        profiles = JoystickProfiles(self.folder / "joysticks.json")
        self.input = JoystickInput(Marshal(loop), profiles)
        self.line = (
            StopLine(
                lambda: TesseraHubClient(HubConfig(url=self.hub.url, operator="ana", timeout_s=5))
            ).start()
            if self.with_stop_line
            else None
        )
        self.steering = JoystickSteering(
            self.desk, self.station, self.input, self.notices, self.line
        )
        self.input.start()
        assert await loop.run_in_executor(None, self.input.wait_ready, 5.0), self.input.problem
        self.stick = VirtualJoystick(self.input, name="test stick")
        guid = await loop.run_in_executor(None, self.stick.attach)
        await loop.run_in_executor(
            None, profiles.update, JoystickProfile(key=guid, dead_zone=0.05, exponent=1.0)
        )
        await asyncio.sleep(0.1)
        return self

    def __init__(self, hub: HubThread, folder: Any, stop_line: bool = False) -> None:
        self.hub = hub
        self.folder = folder
        self.with_stop_line = stop_line

    async def do(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    def commands(self, name: str) -> list[Any]:
        return [c for c in self.hub.commands() if c.command == name]

    async def __aexit__(self, *exc: object) -> None:
        if self.stick.attached:
            await self.do(self.stick.detach)
        await self.do(self.input.stop)
        if self.line is not None:
            await self.do(self.line.close)
        self.station.close()
        await self.desk.close()
        await self.client.close()


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_the_stick_steers_the_selected_tiles_camera_and_stops_on_return(hub, tmp_path):
    async def go():
        async with Rig(hub, tmp_path) as rig:
            rig.station.walls[0].select(rig.station.walls[0].layout.tiles[0].id)
            await rig.do(rig.stick.set_axis, 0, 0.8)
            assert await wait_for(lambda: bool(rig.commands("move")), 2)
            assert rig.commands("move")[0].body["pan"] > 0.7
            await asyncio.sleep(0.7)  # held: samples keep coming, no dead-man stop
            assert not rig.commands("stop")
            released = time.monotonic()
            await rig.do(rig.stick.set_axis, 0, 0.0)
            assert await wait_for(lambda: bool(rig.commands("stop")), 2)
            assert rig.commands("stop")[0].received - released < 0.1

    run(go())


def test_unplugged_mid_move_stops_the_camera_and_says_so(hub, tmp_path):
    async def go():
        async with Rig(hub, tmp_path) as rig:
            await rig.do(rig.stick.set_axis, 1, -0.9)  # pushed forward: tilt up
            assert await wait_for(lambda: bool(rig.commands("move")), 2)
            assert rig.commands("move")[0].body["tilt"] > 0.8
            unplugged = time.monotonic()
            await rig.do(rig.stick.detach)
            assert await wait_for(lambda: bool(rig.commands("stop")), 2)
            assert rig.commands("stop")[0].received - unplugged < 0.1
            assert any("disconnected" in n.text for n in rig.notices.items)

    run(go())


def test_a_non_ptz_tile_gets_nothing_and_changing_tile_stops(hub, tmp_path):
    async def go():
        async with Rig(hub, tmp_path) as rig:
            wall = rig.station.walls[0]
            tiles = wall.layout.tiles
            wall.select(tiles[1].id)  # cam-01: no PTZ
            await rig.do(rig.stick.set_axis, 0, 0.8)
            await asyncio.sleep(0.3)
            assert not rig.hub.commands("cam-01") and not rig.commands("move")
            wall.select(tiles[0].id)  # the PTZ camera: the held stick now steers it
            assert await wait_for(lambda: bool(rig.commands("move")), 2)
            wall.select(tiles[1].id)  # away again: stop at once
            assert await wait_for(lambda: bool(rig.commands("stop")), 1)
            await rig.do(rig.stick.set_axis, 0, 0.0)

    run(go())


def test_buttons_go_to_presets_home_and_next_tile(hub, tmp_path):
    async def go():
        async with Rig(hub, tmp_path) as rig:
            wall = rig.station.walls[0]
            wall.select(wall.layout.tiles[0].id)
            await rig.client.ptz_save_preset(PTZ_CAM, "Quay")
            rig.desk.watch(PTZ_CAM)
            assert await wait_for(lambda: bool(rig.desk.presets(PTZ_CAM)), 2)
            await rig.do(rig.stick.press, 5)  # default profile: button 5 = preset 1
            assert await wait_for(lambda: bool(rig.commands("preset_goto")), 2)
            await rig.do(rig.stick.release, 5)
            await rig.do(rig.stick.press, 1)  # home
            assert await wait_for(lambda: bool(rig.commands("home")), 2)
            await rig.do(rig.stick.release, 1)
            before = wall.selected
            await rig.do(rig.stick.press, 4)  # next tile
            assert await wait_for(lambda: wall.selected != before, 2)
            await rig.do(rig.stick.release, 4)

    run(go())


def test_a_released_stick_stops_the_camera_while_the_gui_thread_is_busy(hub, tmp_path):
    async def go():
        async with Rig(hub, tmp_path, stop_line=True) as rig:
            rig.station.walls[0].select(rig.station.walls[0].layout.tiles[0].id)
            await rig.do(rig.stick.set_axis, 0, 0.8)
            assert await wait_for(lambda: bool(rig.commands("move")), 2)

            def let_go_soon() -> float:
                time.sleep(0.1)
                rig.stick.set_axis(0, 0.0)
                return time.monotonic()

            letting_go = asyncio.get_running_loop().run_in_executor(None, let_go_soon)
            time.sleep(0.6)  # the loop (the GUI thread) is busy while the stick is let go
            stops = rig.commands("stop")
            released = await letting_go
            assert stops, "no stop while the GUI thread was busy"
            assert stops[0].received - released < 0.1
            # The chain on the loop still sends its own stop once it hears of the release.
            assert await wait_for(lambda: len(rig.commands("stop")) >= 2, 2)

    run(go())


def test_without_the_stop_line_a_busy_gui_thread_holds_the_stop_back(hub, tmp_path):
    async def go():
        async with Rig(hub, tmp_path) as rig:
            rig.station.walls[0].select(rig.station.walls[0].layout.tiles[0].id)
            await rig.do(rig.stick.set_axis, 0, 0.8)
            assert await wait_for(lambda: bool(rig.commands("move")), 2)

            def let_go_soon() -> None:
                time.sleep(0.1)
                rig.stick.set_axis(0, 0.0)

            letting_go = asyncio.get_running_loop().run_in_executor(None, let_go_soon)
            time.sleep(0.6)
            assert not rig.commands("stop")
            await letting_go
            assert await wait_for(lambda: bool(rig.commands("stop")), 2)

    run(go())
