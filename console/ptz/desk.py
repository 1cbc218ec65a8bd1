"""The console's PTZ desk: what it knows about steerable cameras and the one way to steer them.

Views and input devices never talk to the hub about PTZ themselves. They ask the desk, which
keeps per camera the operator lock (who holds it, from `ptz.lock` events and every command's
answer, so a lock taken by another console shows at once), the presets and tours (from
`ptz.presets` / `ptz.tours` events), and one `PtzControl` chain per camera it steers. Every
failure becomes `problem(camera_id, message)` in plain words for the tile that issued it; no
call here raises into a view or blocks the loop.

Stop is sent on release, focus loss, tile change and joystick unplug by whoever notices
(`release`), and by the desk itself when the hub's event channel reconnects (the hub may have
restarted, and a camera must never keep turning on its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import socket
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.cameras.directory import CameraDirectory
from console.hub.base import HubClient
from console.hub.errors import HubError, HubPtzLocked
from console.hub.facets import PtzFacet
from console.hub.models import (
    EVENT_PTZ_LOCK,
    EVENT_PTZ_PRESETS,
    EVENT_PTZ_TOURS,
    HubEvent,
    PtzCapabilities,
    PtzLock,
    PtzPosition,
    PtzPreset,
    PtzStatus,
    PtzTour,
    PtzTourStep,
)
from console.identity.signin import RightsGate, no_refusal
from console.ptz.control import PtzControl
from console.ptz.geometry import area_zoom, click_to_centre

PTZ_EVENT_TYPES = frozenset({EVENT_PTZ_LOCK, EVENT_PTZ_PRESETS, EVENT_PTZ_TOURS})

log = logging.getLogger(__name__)

T = TypeVar("T")


def default_operator() -> str:
    """The name this console gives the hub when settings name no operator: user@host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or passwd
        user = "operator"
    return f"{user}@{socket.gethostname() or 'console'}"


class PtzDesk:
    """PTZ state and control for every camera of one hub (see the module doc)."""

    def __init__(self, client: HubClient, directory: CameraDirectory, operator: str) -> None:
        self.client = client
        # None: this hub's driver has no PTZ, and no camera is offered for steering.
        self.ptz: PtzFacet | None = client.ptz_facet
        self.directory = directory
        self.operator = operator
        self.lock_changed = Signal()  # (camera_id, PtzLock | None)
        self.presets_changed = Signal()  # (camera_id, list[PtzPreset])
        self.tours_changed = Signal()  # (camera_id, list[PtzTour])
        self.problem = Signal()  # (camera_id, message in plain words)
        self.position_changed = Signal()  # (camera_id, PtzPosition): from every status read
        self._positions: dict[str, PtzPosition] = {}
        self._locks: dict[str, PtzLock | None] = {}
        self._presets: dict[str, list[PtzPreset]] = {}
        self._tours: dict[str, list[PtzTour]] = {}
        self._controls: dict[str, PtzControl] = {}
        self._watched: set[str] = set()
        self._tasks = TaskOwner("ptz-desk")
        self._connected_once = False
        # What the signed-in operator may do (console.identity); the hub enforces it too.
        self.gate: RightsGate = no_refusal

    def refusal(self, camera_id: str | None, priority: int = 0) -> str | None:
        """Why the operator may not steer this camera (None: they may)."""
        if camera_id is None:
            return None
        name = self.directory.get(camera_id)
        label = name.name if name is not None else camera_id
        for right in ("ptz", "ptz_priority") if priority > 0 else ("ptz",):
            reason = self.gate(right, camera_id)
            if reason is not None:
                return reason.replace(" this camera", f" {label}")
        return None

    # -- what is known ----------------------------------------------------------------------------
    def capabilities(self, camera_id: str | None) -> PtzCapabilities | None:
        if self.ptz is None:
            return None
        camera = self.directory.get(camera_id) if camera_id else None
        return camera.ptz if camera is not None else None

    def lock(self, camera_id: str) -> PtzLock | None:
        return self._locks.get(camera_id)

    def held_by_other(self, camera_id: str | None) -> PtzLock | None:
        """The lock when someone else holds this camera, else None."""
        lock = self._locks.get(camera_id) if camera_id else None
        return lock if lock is not None and lock.operator != self.operator else None

    def presets(self, camera_id: str) -> list[PtzPreset]:
        return list(self._presets.get(camera_id, []))

    def tours(self, camera_id: str) -> list[PtzTour]:
        return list(self._tours.get(camera_id, []))

    def watch(self, camera_id: str | None) -> None:
        """Fetch the camera's status, presets and tours once (a tile or panel shows it)."""
        if camera_id is None or camera_id in self._watched or not self.capabilities(camera_id):
            return
        self._watched.add(camera_id)
        self._spawn(self.refresh(camera_id), name=f"ptz-refresh-{camera_id}")

    async def refresh(self, camera_id: str) -> None:
        caps, ptz = self.capabilities(camera_id), self.ptz
        if caps is None or ptz is None:
            return
        try:
            self._on_status(camera_id, await ptz.ptz_status(camera_id))
            if caps.presets:
                self._set_presets(camera_id, await ptz.ptz_presets(camera_id))
            if caps.tours:
                self._set_tours(camera_id, await ptz.ptz_tours(camera_id))
        except HubError as e:
            log.info("ptz %s: refresh failed: %s", camera_id, e)
            self.problem.emit(camera_id, e.operator_message)

    # -- continuous control -----------------------------------------------------------------------
    def control(self, camera_id: str) -> PtzControl:
        """The camera's control chain. Only for a hub with PTZ (`capabilities` is not None)."""
        if self.ptz is None:
            raise LookupError("this hub's driver has no PTZ")
        chain = self._controls.get(camera_id)
        if chain is None or chain.closed:
            chain = self._controls[camera_id] = PtzControl(self.ptz, camera_id)
            chain.answered.connect(lambda status: self._on_status(camera_id, status))
            chain.failed.connect(lambda error: self._on_failed(camera_id, error))
        return chain

    def steer(self, camera_id: str, pan: float, tilt: float, zoom: float) -> None:
        """One input sample (speeds in [-1, 1]); all zero releases. Keep sampling while held."""
        if self.capabilities(camera_id) is None:
            return
        self.control(camera_id).set_velocity(pan, tilt, zoom)

    def release(self, camera_id: str | None = None, reason: str = "release") -> None:
        """Stop one camera (or every camera this console steers) now."""
        if camera_id is None:
            chains = list(self._controls.values())
        else:
            chain = self._controls.get(camera_id)
            chains = [chain] if chain is not None else []
        for chain in chains:
            chain.release(reason)

    # -- one-shot commands ------------------------------------------------------------------------
    def relative(self, camera_id: str, pan: float, tilt: float, zoom_factor: float = 1.0) -> None:
        if self.capabilities(camera_id) is not None:
            self.control(camera_id).relative(pan, tilt, zoom_factor)

    def centre_on(self, camera_id: str, x: float, y: float) -> None:
        """Click-to-centre: turn so the picture point (x, y) (0..1, y down) becomes the centre."""
        self._aimed(
            camera_id,
            "centre",
            lambda caps, pos: (*click_to_centre(x, y, pos.zoom, caps, position=pos), 1.0),
        )

    def zoom_to_area(self, camera_id: str, x0: float, y0: float, x1: float, y1: float) -> None:
        """Area zoom: centre the rectangle (picture coordinates) and zoom until it fills it."""
        self._aimed(
            camera_id,
            "area zoom",
            lambda caps, pos: area_zoom(x0, y0, x1, y1, pos.zoom, caps, position=pos),
        )

    def _aimed(
        self,
        camera_id: str,
        what: str,
        aim: Callable[[PtzCapabilities, PtzPosition], tuple[float, float, float]],
    ) -> None:
        """A relative move computed from where the camera points now (asked fresh: the last
        answer may predate a move still under way)."""
        caps, ptz = self.capabilities(camera_id), self.ptz
        if caps is None or ptz is None or not caps.relative:
            self.problem.emit(camera_id, "This camera cannot be pointed by clicking.")
            return

        async def run() -> None:
            try:
                status = await ptz.ptz_status(camera_id)
            except HubError as e:
                self.problem.emit(camera_id, e.operator_message)
                return
            self._on_status(camera_id, status)
            dpan, dtilt, factor = aim(caps, status.position)
            self.control(camera_id).relative(dpan, dtilt, factor)

        self._spawn(run(), name=f"ptz-{what}-{camera_id}")

    def goto_preset(self, camera_id: str, preset_id: str) -> None:
        if self.capabilities(camera_id) is not None:
            self.control(camera_id).goto_preset(preset_id)

    def goto_preset_number(self, camera_id: str, number: int) -> bool:
        """Go to the camera's `number`-th preset (1-based, in the hub's order)."""
        presets = self._presets.get(camera_id, [])
        if not 1 <= number <= len(presets):
            self.problem.emit(camera_id, f"This camera has no preset {number}.")
            return False
        self.goto_preset(camera_id, presets[number - 1].id)
        return True

    def home(self, camera_id: str) -> None:
        if self.capabilities(camera_id) is not None:
            self.control(camera_id).home()

    def set_home(self, camera_id: str) -> None:
        self._command(camera_id, "set home", lambda ptz: ptz.ptz_set_home(camera_id))

    def save_preset(self, camera_id: str, name: str) -> None:
        self._command(camera_id, "save preset", lambda ptz: ptz.ptz_save_preset(camera_id, name))

    def rename_preset(self, camera_id: str, preset_id: str, name: str) -> None:
        self._command(
            camera_id,
            "rename preset",
            lambda ptz: ptz.ptz_rename_preset(camera_id, preset_id, name),
        )

    def delete_preset(self, camera_id: str, preset_id: str) -> None:
        self._command(
            camera_id, "delete preset", lambda ptz: ptz.ptz_delete_preset(camera_id, preset_id)
        )

    def save_tour(
        self, camera_id: str, name: str, steps: list[PtzTourStep], tour_id: str | None = None
    ) -> None:
        self._command(
            camera_id,
            "save tour",
            lambda ptz: ptz.ptz_save_tour(camera_id, name, steps, tour_id=tour_id),
        )

    def delete_tour(self, camera_id: str, tour_id: str) -> None:
        self._command(camera_id, "delete tour", lambda ptz: ptz.ptz_delete_tour(camera_id, tour_id))

    def start_tour(self, camera_id: str, tour_id: str) -> None:
        self.release(camera_id, "tour")
        self._command(camera_id, "start tour", lambda ptz: ptz.ptz_start_tour(camera_id, tour_id))

    def stop_tour(self, camera_id: str, tour_id: str) -> None:
        self._command(camera_id, "stop tour", lambda ptz: ptz.ptz_stop_tour(camera_id, tour_id))

    def take_control(self, camera_id: str, priority: int = 0) -> None:
        reason = self.refusal(camera_id, priority)
        if reason is not None:
            self.problem.emit(camera_id, reason)
            return
        self._command(camera_id, "take control", lambda ptz: ptz.ptz_lock(camera_id, priority))

    def give_up_control(self, camera_id: str) -> None:
        self.release(camera_id, "give up control")
        self._command(camera_id, "release control", lambda ptz: ptz.ptz_unlock(camera_id))

    def _command(self, camera_id: str, what: str, call: Callable[[PtzFacet], Awaitable[T]]) -> None:
        ptz = self.ptz
        if ptz is None:
            return  # nothing of PTZ is offered on this hub

        async def run() -> None:
            try:
                result = await call(ptz)
            except HubError as e:
                log.info("ptz %s: %s failed: %s", camera_id, what, e)
                self.problem.emit(camera_id, e.operator_message)
                return
            if isinstance(result, PtzStatus):
                self._on_status(camera_id, result)
            elif isinstance(result, PtzLock):
                self._set_lock(camera_id, result)

        self._spawn(run(), name=f"ptz-{what}-{camera_id}")

    # -- hub events -------------------------------------------------------------------------------
    async def follow_events(self) -> None:
        """Keep locks, presets and tours current from the hub's event channel (runs forever)."""
        # Only the PTZ types: the hub does not send this channel the alerts (a burst of a
        # thousand would otherwise be read and parsed here too, on the GUI thread, for nothing).
        subscription = self.client.resilient_events(types=PTZ_EVENT_TYPES)
        subscription.connected.connect(self._on_connected)
        try:
            async for event in subscription:
                self.handle_event(event)
        except HubError as e:
            # Only a refusal ends it (another API version, a 4xx): an unreadable event is
            # skipped by the driver and a dropped channel reconnects.
            log.warning("ptz: the hub refused the event channel: %s", e)

    def handle_event(self, event: HubEvent) -> None:
        camera_id, change = event.camera_id, event.ptz
        if camera_id is None or event.type not in PTZ_EVENT_TYPES:
            return
        if change is None:  # the driver could not read it (and said so in the log)
            log.warning("ptz: ignored an unreadable %s event for %s", event.type, camera_id)
            return
        if event.type == EVENT_PTZ_LOCK:
            self._set_lock(camera_id, change.lock)
        elif event.type == EVENT_PTZ_PRESETS:
            self._set_presets(camera_id, list(change.presets))
        elif event.type == EVENT_PTZ_TOURS:
            self._set_tours(camera_id, list(change.tours))

    def _on_connected(self, _hello: HubEvent) -> None:
        if self._connected_once:
            # The channel came back: the hub may have restarted. Stop what we steer, re-read.
            self.release(reason="hub reconnected")
            for camera_id in list(self._watched):
                self._spawn(self.refresh(camera_id), name=f"ptz-refresh-{camera_id}")
        self._connected_once = True

    # -- state updates ----------------------------------------------------------------------------
    def position(self, camera_id: str) -> PtzPosition | None:
        """Where the camera pointed in the last status the hub gave (None: none read yet)."""
        return self._positions.get(camera_id)

    async def read_status(self, camera_id: str) -> PtzStatus | None:
        """Read the camera's status now (its position: `position_changed` fires when it moved);
        None when it cannot be steered here or the hub did not answer. Takes no lock: privacy
        masks that follow the head poll it (console/app/privacy_wiring.py)."""
        ptz = self.ptz
        if ptz is None or self.capabilities(camera_id) is None:
            return None
        try:
            status = await ptz.ptz_status(camera_id)
        except HubError as e:
            log.info("ptz %s: status not read: %s", camera_id, e)
            return None
        self._on_status(camera_id, status)
        return status

    def _on_status(self, camera_id: str, status: PtzStatus) -> None:
        self._set_lock(camera_id, status.lock)
        if self._positions.get(camera_id) != status.position:
            self._positions[camera_id] = status.position
            self.position_changed.emit(camera_id, status.position)

    def _on_failed(self, camera_id: str, error: HubError) -> None:
        if isinstance(error, HubPtzLocked) and error.lock is not None:
            self._set_lock(camera_id, error.lock)
        self.problem.emit(camera_id, error.operator_message)

    def _set_lock(self, camera_id: str, lock: PtzLock | None) -> None:
        if camera_id in self._locks and self._locks[camera_id] == lock:
            return
        self._locks[camera_id] = lock
        self.lock_changed.emit(camera_id, lock)

    def _set_presets(self, camera_id: str, presets: list[PtzPreset]) -> None:
        self._presets[camera_id] = list(presets)
        self.presets_changed.emit(camera_id, list(presets))

    def _set_tours(self, camera_id: str, tours: list[PtzTour]) -> None:
        self._tours[camera_id] = list(tours)
        self.tours_changed.emit(camera_id, list(tours))

    # -- lifecycle --------------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self._tasks.spawn(coro, name)

    async def close(self) -> None:
        """Stop every camera this console steers and wait for what is in flight."""
        await self._tasks.close()
        chains = list(self._controls.values())
        self._controls.clear()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*(c.close() for c in chains), return_exceptions=True), 3.0
            )
