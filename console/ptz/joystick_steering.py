"""Joystick to camera: the stick steers the selected tile's camera on the wall used last.

The stick's samples go to `PtzDesk.steer` (the desk's control chain coalesces them and stops
the camera when they stop coming). Buttons run actions: presets by number, home, stop, the next
or previous camera on the selected tile, the next tile. Whenever the stick's target changes
(another tile, another camera on the tile) or the device is unplugged, the camera it was
steering is stopped first.
"""

from __future__ import annotations

import logging

from console.base.notices import Level, Notices
from console.joystick.mapping import PRESET_ACTIONS
from console.joystick.sdl_input import JoystickInfo, JoystickInput
from console.ptz.desk import PtzDesk
from console.ptz.stop_line import StopLine
from console.wall.workstation import Workstation

log = logging.getLogger(__name__)
NOTICE_KEY = "joystick"


class JoystickSteering:
    def __init__(
        self,
        desk: PtzDesk,
        station: Workstation,
        joysticks: JoystickInput,
        notices: Notices,
        stop_line: StopLine | None = None,
    ) -> None:
        self._desk = desk
        self._station = station
        self._notices = notices
        self._stop_line = stop_line
        self.active_wall = 0
        self._steering: str | None = None  # the camera the stick moves now
        if stop_line is not None:
            # Read on SDL's thread when the stick comes to rest: the stop goes out from the stop
            # line at once, not after the loop (the GUI thread) has handled the zero sample.
            joysticks.on_rest = self._on_rest
        joysticks.axes.connect(self._on_axes)
        joysticks.button.connect(self._on_button)
        joysticks.attached.connect(self._on_attached)
        joysticks.detached.connect(self._on_detached)
        joysticks.unavailable.connect(self._on_unavailable)
        for index, wall in enumerate(station.walls):
            wall.selection_changed.connect(lambda _tile, i=index: self._on_selection(i))

    def target(self) -> str | None:
        """The camera on the selected tile of the active wall, when it is a PTZ camera."""
        walls = self._station.walls
        if not walls:
            return None
        camera_id = walls[min(self.active_wall, len(walls) - 1)].selected_camera
        return camera_id if self._desk.capabilities(camera_id) is not None else None

    def _let_go(self, reason: str) -> None:
        if self._steering is not None:
            self._desk.release(self._steering, reason)
            self._steering = None

    def _on_selection(self, wall_index: int) -> None:
        self.active_wall = wall_index
        if self._steering is not None and self._steering != self.target():
            self._let_go("joystick target changed")

    def _on_axes(self, _key: str, pan: float, tilt: float, zoom: float) -> None:
        camera_id = self.target()
        if camera_id != self._steering:
            self._let_go("joystick target changed")
        if camera_id is None:
            return
        self._steering = camera_id
        if self._stop_line is not None and (pan or tilt or zoom):
            self._stop_line.prepare(camera_id)
        self._desk.steer(camera_id, pan, tilt, zoom)

    def _on_rest(self, _key: str) -> None:
        """SDL's thread: the stick came back to rest. `_steering` is read, never written, here."""
        camera_id = self._steering
        if camera_id is not None and self._stop_line is not None:
            self._stop_line.stop(camera_id)

    def _on_button(self, _key: str, action: str) -> None:
        camera_id = self.target()
        if action == "stop":
            self._let_go("stop button")
        elif action == "home" and camera_id is not None:
            self._desk.home(camera_id)
        elif action in PRESET_ACTIONS and camera_id is not None:
            self._desk.goto_preset_number(camera_id, int(action.split(":", 1)[1]))
        elif action in ("next_camera", "previous_camera"):
            self._let_go("camera changed")
            self._step_camera(1 if action == "next_camera" else -1)
        elif action == "next_tile":
            self._let_go("tile changed")
            self._next_tile()

    def _step_camera(self, step: int) -> None:
        cameras = self._station.directory.cameras
        walls = self._station.walls
        if not cameras or not walls:
            return
        index = min(self.active_wall, len(walls) - 1)
        ids = [c.id for c in cameras]
        current = walls[index].selected_camera
        at = ids.index(current) if current in ids else -step
        self._station.show_on_selected_tile(ids[(at + step) % len(ids)], index)

    def _next_tile(self) -> None:
        walls = self._station.walls
        if not walls:
            return
        wall = walls[min(self.active_wall, len(walls) - 1)]
        ids = [t.id for t in wall.layout.tiles]
        at = ids.index(wall.selected) if wall.selected in ids else -1
        wall.select(ids[(at + 1) % len(ids)])

    def _on_attached(self, info: JoystickInfo) -> None:
        log.info("joystick attached: %s", info.name)
        self._notices.post(f"Joystick connected: {info.name}.", Level.INFO, NOTICE_KEY)

    def _on_detached(self, _key: str) -> None:
        self._let_go("joystick unplugged")
        self._notices.post(
            "Joystick disconnected; the camera it moved was stopped.", Level.WARNING, NOTICE_KEY
        )

    def _on_unavailable(self, message: str) -> None:
        self._notices.post(message, Level.INFO, NOTICE_KEY)
