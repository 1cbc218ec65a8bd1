"""PTZ on the tile and in the panel: real Qt widgets (offscreen), the real demo hub over real
sockets, the console's real PTZ desk. Tiles show no video here (`IdleFeed`); what is checked is
what reaches the hub when the operator drags, clicks, scrolls and presses keys."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.ptz.desk import PtzDesk
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import LayoutStore, SavedLayouts
from console.wall.workstation import Workstation
from tests.support.hubthread import PTZ_CAM, HubThread, wait_for
from tests.widgets.conftest import IdleFeed
from widgets.common.hub_text import shown
from widgets.ptz.ptz_panel import PtzPanel
from widgets.wall.wall_view import WallView


@pytest.fixture
def hub() -> Iterator[HubThread]:
    h = HubThread(ptz_lock_idle_s=2.0)
    yield h
    h.close()


class Rig:
    def __init__(self, loop: asyncio.AbstractEventLoop, hub: HubThread, tmp_path: Any) -> None:
        self.loop = loop
        self.hub = hub
        self.tmp_path = tmp_path
        loop.run_until_complete(self._build())

    async def _build(self) -> None:
        """Build the views with the loop running, as the console does in `ConsoleApp.start`."""
        hub, tmp_path = self.hub, self.tmp_path
        self.client = TesseraHubClient(HubConfig(url=hub.url, operator="ana", timeout_s=5.0))
        directory = CameraDirectory(self.client, Notices())
        directory.set_cameras(await self.client.cameras())
        self.desk = PtzDesk(self.client, directory, "ana")
        self.station = Workstation(
            directory,
            Notices(),
            LayoutStore(tmp_path / "layouts.json"),
            SavedLayouts(),
            [WallState(0, preset("2x2", [PTZ_CAM, "cam-01"]))],
            lambda index, key, wall: IdleFeed(key),
        )
        self.wall = self.station.walls[0]
        self.view = WallView(
            self.wall,
            0,
            self.station.feeds[0],
            self.station.camera_name,
            lambda *a: None,
            ptz=self.desk,
        )
        self.view.resize(800, 600)
        self.view.show()
        self.tile = self.view.tile_views[0]
        self.events = asyncio.ensure_future(self.desk.follow_events())

    async def wait(self, predicate: Any, timeout: float = 3.0) -> bool:
        return await wait_for(predicate, timeout)

    async def pump(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def run(self, coro: Any) -> Any:
        """Run the test's body on the qasync loop, as the console runs: everything the desk
        starts (tasks, timers) needs the loop running."""
        return self.loop.run_until_complete(asyncio.wait_for(coro, 30))

    def commands(self, name: str) -> list[Any]:
        return [c for c in self.hub.commands() if c.command == name]

    def mouse(self, kind: QMouseEvent.Type, at: QPointF, buttons: Any, mods: Any = None) -> None:
        button = Qt.MouseButton.LeftButton
        event = QMouseEvent(
            kind,
            at,
            self.tile.mapToGlobal(at),
            Qt.MouseButton.NoButton if kind == QMouseEvent.Type.MouseMove else button,
            buttons,
            mods or Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(self.tile, event)

    def key(self, kind: QKeyEvent.Type, key: Qt.Key, auto_repeat: bool = False) -> None:
        QApplication.sendEvent(
            self.view, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, "", auto_repeat)
        )

    def close(self) -> None:
        self.events.cancel()
        self.loop.run_until_complete(asyncio.gather(self.events, return_exceptions=True))
        self.view.close()
        self.station.close()
        self.loop.run_until_complete(self.desk.close())
        self.loop.run_until_complete(self.client.close())
        # Delete the views now, not whenever the garbage collector gets to them during a later
        # test: their timers must not outlive this test.
        self.view.deleteLater()
        self.loop.run_until_complete(asyncio.sleep(0.01))


@pytest.fixture
def rig(qloop, hub, tmp_path) -> Iterator[Rig]:
    r = Rig(qloop, hub, tmp_path)
    yield r
    r.close()


def test_p_toggles_ptz_mode_only_on_a_ptz_camera(rig):
    async def body():
        rig.wall.select(rig.tile.tile.id)
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_P)
        assert rig.tile.ptz_mode
        line = rig.tile.ptz_line()
        assert line is not None and "drag" in line[0]
        other = rig.view.tile_views[1]  # cam-01 has no PTZ
        rig.wall.select(other.tile.id)
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_P)
        assert not other.ptz_mode and other.ptz_line() is None

    rig.run(body())


# serial: the stop must reach the hub within 100 ms of release (not under others' load)
@pytest.mark.serial
def test_drag_moves_and_release_stops_within_100_ms(rig):
    async def body():
        rig.wall.select(rig.tile.tile.id)
        rig.tile.set_ptz_mode(True)
        centre = QPointF(rig.tile.width() / 2, rig.tile.height() / 2)
        held = Qt.MouseButton.LeftButton
        rig.mouse(QMouseEvent.Type.MouseButtonPress, centre, held)
        rig.mouse(QMouseEvent.Type.MouseMove, centre + QPointF(rig.tile.width() / 4, 0), held)
        await rig.pump(
            0.8
        )  # held still: the hold timer keeps the dead-man fed, the camera keeps moving
        assert rig.commands("move") and rig.commands("move")[-1].body["pan"] > 0.3
        assert not rig.commands("stop")
        released = time.monotonic()
        rig.mouse(QMouseEvent.Type.MouseButtonRelease, centre, Qt.MouseButton.NoButton)
        assert await rig.wait(lambda: bool(rig.commands("stop")))
        assert rig.commands("stop")[0].received - released < 0.1
        status = await rig.client.ptz_status(PTZ_CAM)
        assert status.position.pan > 5

    rig.run(body())


def test_click_centres_and_wheel_zooms(rig):
    async def body():
        rig.tile.set_ptz_mode(True)
        right = QPointF(rig.tile.width() * 0.8, rig.tile.height() / 2)
        rig.mouse(QMouseEvent.Type.MouseButtonPress, right, Qt.MouseButton.LeftButton)
        rig.mouse(QMouseEvent.Type.MouseButtonRelease, right, Qt.MouseButton.NoButton)
        assert await rig.wait(lambda: bool(rig.commands("relative")))
        assert rig.commands("relative")[0].body["pan"] > 0
        wheel = QWheelEvent(
            QPointF(50, 50),
            rig.tile.mapToGlobal(QPointF(50, 50)),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(rig.tile, wheel)
        assert await rig.wait(lambda: len(rig.commands("relative")) == 2)
        assert rig.commands("relative")[1].body["zoom_factor"] > 1

    rig.run(body())


def test_shift_drag_zooms_to_the_area(rig):
    async def body():
        rig.tile.set_ptz_mode(True)
        w, h = rig.tile.width(), rig.tile.height()
        shift = Qt.KeyboardModifier.ShiftModifier
        held = Qt.MouseButton.LeftButton
        rig.mouse(QMouseEvent.Type.MouseButtonPress, QPointF(w * 0.25, h * 0.25), held, shift)
        rig.mouse(QMouseEvent.Type.MouseMove, QPointF(w * 0.75, h * 0.75), held, shift)
        rig.mouse(
            QMouseEvent.Type.MouseButtonRelease,
            QPointF(w * 0.75, h * 0.75),
            Qt.MouseButton.NoButton,
        )
        assert await rig.wait(lambda: bool(rig.commands("relative")))
        assert rig.commands("relative")[0].body["zoom_factor"] == pytest.approx(2.0, rel=0.15)
        assert not rig.commands("move")

    rig.run(body())


def test_arrow_keys_steer_while_held_and_selection_change_stops(rig):
    async def body():
        rig.wall.select(rig.tile.tile.id)
        rig.tile.set_ptz_mode(True)
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_Right)
        await rig.pump(
            0.7
        )  # no auto-repeat yet after 0.7 s on most desktops: the hold timer feeds it
        assert rig.commands("move") and not rig.commands("stop")
        assert rig.commands("move")[0].body["pan"] > 0
        rig.key(QKeyEvent.Type.KeyRelease, Qt.Key.Key_Right)
        assert await rig.wait(lambda: len(rig.commands("stop")) == 1)
        # held again, then the operator selects another tile: the camera stops
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_Up)
        assert await rig.wait(lambda: rig.commands("move")[-1].body.get("tilt", 0) > 0)
        rig.wall.select(rig.view.tile_views[1].tile.id)
        assert await rig.wait(lambda: len(rig.commands("stop")) == 2)

    rig.run(body())


def test_focus_loss_stops_a_held_key(rig):
    async def body():
        rig.wall.select(rig.tile.tile.id)
        rig.tile.set_ptz_mode(True)
        rig.view.activateWindow()
        rig.view.setFocus()
        assert await rig.wait(rig.view.hasFocus)
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_Left)
        assert await rig.wait(lambda: bool(rig.commands("move")))
        # The key is still held when focus goes elsewhere (another window, a dialog).
        QApplication.sendEvent(rig.view, QFocusEvent(QFocusEvent.Type.FocusOut))
        assert await rig.wait(lambda: bool(rig.commands("stop")))

    rig.run(body())


def test_the_tile_shows_who_else_holds_the_camera(rig):
    async def body():
        bob = TesseraHubClient(HubConfig(url=rig.hub.url, operator="bob", timeout_s=5.0))
        try:
            await rig.pump(0.3)
            await bob.ptz_lock(PTZ_CAM)
            assert await rig.wait(lambda: "bob" in (rig.tile.ptz_line() or ("",))[0])
            rig.tile.set_ptz_mode(True)
            rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_Right)
            # refused: the tile says why, naming the holder
            held = f"held by {shown('bob')}"  # the hub's name in a bidi isolate (issue 12)
            assert await rig.wait(lambda: held in (rig.tile.ptz_line() or ("",))[0])
            rig.key(QKeyEvent.Type.KeyRelease, Qt.Key.Key_Right)
        finally:
            await bob.close()

    rig.run(body())


def test_a_hub_that_does_not_answer_in_time_is_named_on_the_tile(rig):
    async def body():
        await rig.pump(0.3)
        rig.hub.call(lambda: setattr(rig.hub.hub, "ptz_answer_delay_s", 2.5))
        try:
            rig.wall.select(rig.tile.tile.id)
            rig.tile.set_ptz_mode(True)
            started = time.monotonic()
            rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_Right)
            # The move's answer is 2.5 s away; the chain gives up after 2 s and says so.
            assert await rig.wait(
                lambda: "in time" in (rig.tile.ptz_line() or ("",))[0], timeout=5.0
            )
            assert time.monotonic() - started < 4.0
        finally:
            rig.hub.call(lambda: setattr(rig.hub.hub, "ptz_answer_delay_s", 0.0))
        rig.key(QKeyEvent.Type.KeyRelease, Qt.Key.Key_Right)
        assert await rig.wait(lambda: bool(rig.commands("stop")))  # the GUI loop kept running

    rig.run(body())


def test_panel_saves_goes_to_and_tours(rig):
    async def body():
        panel = PtzPanel(rig.desk, rig.station.camera_name)
        panel.set_camera("cam-01")
        assert panel.camera_id is None and not panel.presets_box.isVisibleTo(panel)
        panel.set_camera(PTZ_CAM)
        assert panel.camera_id == PTZ_CAM
        panel.save_preset("Harbour mouth")
        assert await rig.wait(lambda: panel.presets.count() == 1)
        assert "Harbour mouth" in panel.presets.item(0).text()
        assert "Free" in panel.lock_label.text()  # saving does not move: no lock taken
        panel.presets.setCurrentRow(0)
        panel.goto_selected_preset()
        assert await rig.wait(lambda: bool(rig.commands("preset_goto")))
        assert await rig.wait(lambda: "You have control" in panel.lock_label.text())
        panel.close()

    rig.run(body())


def test_in_ptz_mode_digits_go_to_presets_and_the_panel_reads_out_the_position(rig):
    async def body():
        panel = PtzPanel(rig.desk, rig.station.camera_name)
        panel.set_camera(PTZ_CAM)
        acted: list[bool] = []
        panel.acted.connect(lambda: acted.append(True))
        panel.save_preset("Harbour mouth")  # preset 1, where the camera points now
        assert acted == [True]  # the window then gives the keyboard back to the wall
        assert await rig.wait(lambda: panel.presets.count() == 1)
        await rig.client.ptz_absolute(PTZ_CAM, pan=-65, tilt=10, zoom=3)
        rig.wall.select(rig.tile.tile.id)
        rig.tile.set_ptz_mode(True)
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_1)
        rig.key(QKeyEvent.Type.KeyRelease, Qt.Key.Key_1)
        assert await rig.wait(lambda: bool(rig.commands("preset_goto")))
        preset_id = rig.desk.presets(PTZ_CAM)[0].id
        assert rig.commands("preset_goto")[0].body == {} and preset_id
        rig.key(QKeyEvent.Type.KeyPress, Qt.Key.Key_7)  # no preset 7: said, nothing sent
        assert len(rig.commands("preset_goto")) == 1
        # The read-out follows every status the hub answers with (here the desk's own read).
        await rig.desk.refresh(PTZ_CAM)
        assert await rig.wait(lambda: panel.position_label.text().startswith("Pan "))
        position = rig.desk.position(PTZ_CAM)
        assert position is not None
        assert f"Zoom {position.zoom:.1f}x" in panel.position_label.text()
        panel.close()

    rig.run(body())
