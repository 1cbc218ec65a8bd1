"""Every camera's privacy masks as the console knows them, and the lifts in force.

Masks come from two places:
- a Tessera hub that offers them (`HubMasks`, the hub driver's masks facet): read when a camera
  is first asked for, again on each `camera.masks` event and after every reconnect of the event
  channel (the hub may have changed them meanwhile), and written there by a supervisor;
- this console, for sources that keep none (ONVIF cameras, camera lists): set by a supervisor
  and kept in `privacy-masks.json` in the console's data folder (`LocalMaskFile`: written whole
  and atomically; a damaged file is kept byte for byte beside it and said in plain words).

`masks_for(camera_id)` is what every frame path draws: a `MaskSet` (rasters cached per picture
size), or None when the camera has no masks or this operator lifted them. On a PTZ camera a
mask with an anchor follows the scene: `set_view` tells the registry where the head points (at
most one rebuild every `VIEW_REBUILD_S`, always with the latest position), and the masks are
projected into that view (`console.privacy.follow`), together with the views of the last
`VIEW_TRAIL_S` seconds: the picture on screen lags the position the hub reports, so a moving
mask covers its trail rather than leak what the picture still shows. A lift lasts until
`lifted_until` by this console's own clock too (a local timer), so a lost event or a dead hub
never leaves a camera unmasked. `changed(camera_id)` fires on the loop thread after each change.

No Qt and no hub imports (the hub driver implements `HubMasks`); the loop thread only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from console.base.jsonfile import (
    FileFormatError,
    LoadResult,
    data_dir,
    load_versioned,
    save_versioned,
)
from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.privacy.follow import FieldOfView, HeadPosition, project_masks
from console.privacy.masks import MAX_MASKS, MaskSet, PrivacyMask, parse_masks

log = logging.getLogger(__name__)

__all__ = [
    "EVENT_CAMERA_MASKS",
    "CameraMasks",
    "HubMasks",
    "LocalMaskFile",
    "MaskActionError",
    "MaskRegistry",
]

EVENT_CAMERA_MASKS = "camera.masks"
LOCAL_KIND = "tessera-privacy-masks"
LOCAL_VERSION = 1
LOCAL_FILE = "privacy-masks.json"
DEFAULT_LIFT_MINUTES = 5
MAX_LIFT_MINUTES = 30
# A PTZ head's position rebuilds its camera's masks at most this often (a joystick move sends
# many statuses), always with the latest position.
VIEW_REBUILD_S = 0.1
# How long a view the head has left is still covered: the live picture lags the position read
# (the player's buffer, the encoder), so the masks of the last second are drawn too.
VIEW_TRAIL_S = 1.0
# At most this many views in the trail (the oldest go first).
MAX_TRAIL_VIEWS = 24


@dataclass(frozen=True)
class CameraMasks:
    """A camera's masks as a hub answered them (checked by `parse_masks`): `lifted_until` Unix
    time this operator's lift ends (None: none); `problems`: what was left out, plain words."""

    camera_id: str
    masks: tuple[PrivacyMask, ...]
    lifted_until: float | None = None
    problems: tuple[str, ...] = ()


class MaskActionError(Exception):
    """The operator may not do this (plain words for the operator)."""


class HubMasks(Protocol):
    """A hub's masks facet (`console.hub.tessera_masks.MasksFacet` fits)."""

    async def camera_masks(self, camera_id: str) -> CameraMasks: ...

    async def set_camera_masks(
        self, camera_id: str, masks: tuple[PrivacyMask, ...]
    ) -> CameraMasks: ...

    async def lift_camera_masks(
        self, camera_id: str, reason: str, case: str = "", minutes: float = 5
    ) -> CameraMasks: ...

    async def end_camera_mask_lift(self, camera_id: str) -> CameraMasks: ...


class LocalMaskFile:
    """`privacy-masks.json`: masks of cameras whose source keeps none, by console camera id.
    Blocking file I/O: call from a worker thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / LOCAL_FILE

    def load(self) -> LoadResult[dict[str, tuple[PrivacyMask, ...]]]:
        return load_versioned(self.path, LOCAL_KIND, LOCAL_VERSION, _parse_local, dict)

    def save(self, masks: Mapping[str, tuple[PrivacyMask, ...]]) -> None:
        body = {"cameras": {cid: [m.to_json() for m in ms] for cid, ms in masks.items() if ms}}
        save_versioned(self.path, LOCAL_KIND, LOCAL_VERSION, body)


def _parse_local(doc: dict[str, Any]) -> dict[str, tuple[PrivacyMask, ...]]:
    cameras = doc.get("cameras")
    if not isinstance(cameras, dict):
        raise FileFormatError('"cameras" is missing or not an object')
    out: dict[str, tuple[PrivacyMask, ...]] = {}
    for camera_id, raw in cameras.items():
        masks, problems = parse_masks(raw)
        if problems:
            # Our own file: a mask we cannot read is damage, not something to drop quietly.
            raise FileFormatError(f"the masks of {camera_id}: {problems[0]}")
        out[camera_id] = masks
    return out


@dataclass
class _Camera:
    masks: tuple[PrivacyMask, ...] = ()
    mask_set: MaskSet | None = None
    lifted_until: float | None = None
    lift_timer: asyncio.TimerHandle | None = None
    from_hub: bool = False
    problems: tuple[str, ...] = ()
    loaded: bool = False
    # PTZ: the field of view, and the views (loop time seen, position) of the trail, newest last.
    fov: FieldOfView | None = None
    views: list[tuple[float, HeadPosition]] | None = None
    view_timer: asyncio.TimerHandle | None = None
    built_at: float = -1e9


class MaskRegistry:
    """The masks of every camera the console has asked about. `hub_for(camera_id)`: the hub's
    masks facet and the hub's own id of the camera, or None when the camera's source keeps no
    masks (then the local file holds them)."""

    def __init__(
        self,
        hub_for: Callable[[str], tuple[HubMasks, str] | None],
        local: LocalMaskFile | None = None,
        *,
        clock: Callable[[], float] = time.time,
        no_masks_errors: tuple[type[BaseException], ...] = (),
    ) -> None:
        self._hub_for = hub_for
        # What a hub raises when it keeps no masks at all (an older hub: 404): no masks then.
        self._no_masks_errors = no_masks_errors
        self._local = local if local is not None else LocalMaskFile()
        self._clock = clock
        self._cameras: dict[str, _Camera] = {}
        self._local_masks: dict[str, tuple[PrivacyMask, ...]] = {}
        self._local_lock = asyncio.Lock()
        self._local_load: asyncio.Task[str | None] | None = None
        self._tasks = TaskOwner("privacy-masks")
        self.changed = Signal()  # (camera_id)
        # For the audit trail: (camera_id, {reason, case, minutes, until}), (camera_id),
        # (camera_id, {masks, kept}).
        self.lifted = Signal()
        self.lift_ended = Signal()
        self.saved = Signal()
        self.problem = Signal()  # (plain words): a damaged file, an unreadable answer
        self.local_problem: str | None = None
        # How long a view the PTZ head left stays covered: at least the players' live buffer
        # (the wiring raises it for a wall with a longer one).
        self.view_trail_s = VIEW_TRAIL_S

    # -- reading ------------------------------------------------------------------------------
    async def load_local(self) -> str | None:
        """Read the local file once (on a worker thread; later calls wait for that read); its
        problem in plain words, else None."""
        if self._local_load is None:
            self._local_load = asyncio.get_running_loop().create_task(self._read_local())
        return await asyncio.shield(self._local_load)

    async def _read_local(self) -> str | None:
        loaded = await asyncio.to_thread(self._local.load)
        self._local_masks = dict(loaded.value)
        self.local_problem = loaded.problem
        if loaded.problem:
            self.problem.emit(loaded.problem)
        for camera_id, masks in self._local_masks.items():
            if self._hub_for(camera_id) is None:
                self._set(camera_id, masks, None, from_hub=False)
        return loaded.problem

    def masks_for(self, camera_id: str) -> MaskSet | None:
        """What to draw into the camera's pictures now: None without masks or while lifted."""
        cam = self._cameras.get(camera_id)
        if cam is None or cam.mask_set is None:
            return None
        if cam.lifted_until is not None and cam.lifted_until > self._clock():
            return None
        return cam.mask_set

    def anchored(self, camera_id: str) -> bool:
        """Whether any of the camera's masks follows its PTZ head (has an anchor)."""
        return any(m.anchor is not None for m in self.masks(camera_id))

    def anchored_cameras(self) -> list[str]:
        return [cid for cid in self._cameras if self.anchored(cid)]

    def view(self, camera_id: str) -> HeadPosition | None:
        """The latest PTZ position `set_view` gave (None: not known yet)."""
        cam = self._cameras.get(camera_id)
        return cam.views[-1][1] if cam is not None and cam.views else None

    def set_view(self, camera_id: str, position: HeadPosition, fov: FieldOfView | None) -> None:
        """Where the camera's PTZ head points now, and its field of view: its anchored masks
        follow (rebuilt at most every `VIEW_REBUILD_S`, with the latest position). Loop thread."""
        cam = self._cameras.setdefault(camera_id, _Camera())
        if fov is not None:
            cam.fov = fov
        now = asyncio.get_running_loop().time()
        views = cam.views if cam.views is not None else []
        # Views closer in time than a sixteenth of the trail are thinned (the one between two
        # kept ones is dropped: the sweep between its neighbours passes over it), so the trail
        # costs at most about sixteen places per mask, whatever the trail's length.
        spacing = max(VIEW_REBUILD_S, self.view_trail_s / 16)
        same = bool(views) and views[-1][1] == position
        if same or (len(views) >= 2 and now - views[-2][0] < spacing):
            views[-1] = (now, position)
        else:
            views.append((now, position))
        cam.views = views[-MAX_TRAIL_VIEWS:]
        if not any(m.anchor is not None for m in cam.masks):
            return
        self._schedule_view(camera_id, cam, max(0.0, cam.built_at + VIEW_REBUILD_S - now))

    def _schedule_view(self, camera_id: str, cam: _Camera, delay: float) -> None:
        if cam.view_timer is not None:
            return  # one is due: it takes the latest position
        loop = asyncio.get_running_loop()
        cam.view_timer = loop.call_later(delay, self._rebuild_view, camera_id)

    def _rebuild_view(self, camera_id: str) -> None:
        cam = self._cameras.get(camera_id)
        if cam is None:
            return
        cam.view_timer = None
        cam.mask_set = self._build(cam)
        self.changed.emit(camera_id)
        if cam.views and len(cam.views) > 1:
            # The trail shrinks when its oldest view is older than VIEW_TRAIL_S.
            due = cam.views[0][0] + self.view_trail_s - asyncio.get_running_loop().time()
            self._schedule_view(camera_id, cam, max(VIEW_REBUILD_S, due))

    def _build(self, cam: _Camera) -> MaskSet | None:
        """The camera's masks as drawn now: anchored ones projected into the views of the trail
        (the newest always), others as they are."""
        if not cam.masks:
            return None
        views: list[HeadPosition] = []
        now = self._loop_time()
        if now is not None:
            cam.built_at = now
        if cam.views:
            if now is not None:
                recent = [v for v in cam.views[:-1] if now - v[0] < self.view_trail_s]
                cam.views = [*recent, cam.views[-1]]
            views = [position for _seen, position in cam.views]
        masks = project_masks(cam.masks, views, cam.fov)
        # Every anchored mask out of view: nothing to draw, but the camera still has masks (a
        # MaskSet without masks draws nothing and keeps the native-window path off).
        return MaskSet(masks)

    @staticmethod
    def _loop_time() -> float | None:
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return None

    def masks(self, camera_id: str) -> tuple[PrivacyMask, ...]:
        """The camera's masks, lifted or not."""
        cam = self._cameras.get(camera_id)
        return cam.masks if cam is not None else ()

    def lifted_until(self, camera_id: str) -> float | None:
        cam = self._cameras.get(camera_id)
        if cam is None or cam.lifted_until is None or cam.lifted_until <= self._clock():
            return None
        return cam.lifted_until

    def kept_by_hub(self, camera_id: str) -> bool:
        return self._hub_for(camera_id) is not None

    def problems(self, camera_id: str) -> tuple[str, ...]:
        cam = self._cameras.get(camera_id)
        return cam.problems if cam is not None else ()

    async def refresh(self, camera_id: str) -> None:
        """Read the camera's masks again from its hub (local cameras: from what was loaded).
        A hub that cannot answer leaves the masks as they were (never fewer)."""
        found = self._hub_for(camera_id)
        if found is None:
            await self.load_local()
            self._set(camera_id, self._local_masks.get(camera_id, ()), None, from_hub=False)
            return
        facet, own = found
        answer = await facet.camera_masks(own)
        self._apply_answer(camera_id, answer)

    async def ensure(self, camera_id: str) -> None:
        """Know the camera's masks before its first picture is played: read them once (a
        hub that keeps none: no masks). Any other failure is raised, so the stream waits and
        tries again rather than playing unmasked."""
        cam = self._cameras.get(camera_id)
        if cam is not None and cam.loaded:
            return
        try:
            await self.refresh(camera_id)
        except self._no_masks_errors:
            self._set(camera_id, (), None, from_hub=True)

    async def refresh_all(self, camera_ids: list[str] | None = None) -> None:
        """Refresh every camera named (None: every camera known); errors are logged per camera
        (a hub that is down keeps its cameras' masks as they were)."""
        for camera_id in list(camera_ids if camera_ids is not None else self._cameras):
            try:
                await self.refresh(camera_id)
            except Exception as exc:  # a hub error: masks stay as they were
                log.info("masks of %s not refreshed: %s", camera_id, exc)

    async def follow_events(self, events: AsyncIterable[Any], connected: Signal | None) -> None:
        """Refresh a camera on its `camera.masks` event, and every camera after each reconnect
        (`connected` fires with the hello; the first one too: masks may have changed while the
        console was away). Runs until `events` ends."""
        if connected is not None:
            connected.connect(lambda _hello: self._spawn(self.refresh_all(), None))
        async for event in events:
            camera_id = getattr(event, "camera_id", None)
            if getattr(event, "type", None) == EVENT_CAMERA_MASKS and camera_id:
                self._spawn(self.refresh_all([camera_id]), camera_id)

    # -- changing -----------------------------------------------------------------------------
    async def save(self, camera_id: str, masks: tuple[PrivacyMask, ...]) -> None:
        """Replace the camera's masks: on its hub (which checks the right), else in the local
        file. The caller checks the operator's role for local cameras (`MaskActionError`)."""
        if len(masks) > MAX_MASKS:
            raise MaskActionError(f"A camera has at most {MAX_MASKS} masks.")
        found = self._hub_for(camera_id)
        if found is not None:
            facet, own = found
            self._apply_answer(camera_id, await facet.set_camera_masks(own, masks))
            self.saved.emit(camera_id, {"masks": len(masks), "kept": "hub"})
            return
        async with self._local_lock:
            kept = {**self._local_masks, camera_id: tuple(masks)}
            await asyncio.to_thread(self._local.save, kept)
            self._local_masks = kept
        self._set(camera_id, tuple(masks), self.lifted_until(camera_id), from_hub=False)
        self.saved.emit(camera_id, {"masks": len(masks), "kept": "console"})

    async def lift(
        self, camera_id: str, reason: str, case: str = "", minutes: float = DEFAULT_LIFT_MINUTES
    ) -> float:
        """Lift the camera's masks for this operator for `minutes` (at most MAX_LIFT_MINUTES):
        through the hub where it keeps them (it checks the right and audits), else here. The
        end, Unix time."""
        if not reason.strip():
            raise MaskActionError("Lifting privacy masks needs a reason.")
        minutes = min(float(minutes), MAX_LIFT_MINUTES)
        found = self._hub_for(camera_id)
        if found is not None:
            facet, own = found
            answer = await facet.lift_camera_masks(own, reason, case, minutes)
            self._apply_answer(camera_id, answer)
            until = answer.lifted_until
            if until is None:
                raise MaskActionError("The video hub did not lift the masks.")
            # Never longer than asked, whatever the hub's clock says.
            until = min(until, self._clock() + minutes * 60.0)
        else:
            until = self._clock() + minutes * 60.0
        cam = self._cameras.setdefault(camera_id, _Camera())
        self._set_lift(camera_id, cam, until)
        self.changed.emit(camera_id)
        details = {"reason": reason, "case": case, "minutes": minutes, "until": until}
        self.lifted.emit(camera_id, details)
        return until

    async def end_lift(self, camera_id: str) -> None:
        """End this operator's lift now (masks return at once, whatever the hub answers)."""
        cam = self._cameras.get(camera_id)
        if cam is not None and cam.lifted_until is not None:
            self._set_lift(camera_id, cam, None)
            self.changed.emit(camera_id)
            self.lift_ended.emit(camera_id)
        found = self._hub_for(camera_id)
        if found is not None:
            facet, own = found
            try:
                await facet.end_camera_mask_lift(own)
            except Exception as exc:  # the local end holds; the hub's ends by its own time
                log.info("ending the lift of %s on the hub failed: %s", camera_id, exc)

    def close(self) -> None:
        """Stop the lift timers (what is being refreshed ends with `aclose`)."""
        for cam in self._cameras.values():
            if cam.lift_timer is not None:
                cam.lift_timer.cancel()
                cam.lift_timer = None
            if cam.view_timer is not None:
                cam.view_timer.cancel()
                cam.view_timer = None

    async def aclose(self) -> None:
        self.close()
        await self._tasks.close()

    # -- internals ----------------------------------------------------------------------------
    def _apply_answer(self, camera_id: str, answer: CameraMasks) -> None:
        if answer.problems:
            words = f"Some privacy masks of {camera_id} were left out: " + "; ".join(
                answer.problems
            )
            self.problem.emit(words)
        until = answer.lifted_until
        if until is not None and until <= self._clock():
            until = None
        cam = self._cameras.get(camera_id)
        if until is not None and cam is not None and cam.lifted_until is not None:
            until = min(until, cam.lifted_until)  # a lift is never lengthened by an answer
        self._set(camera_id, answer.masks, until, from_hub=True, problems=answer.problems)

    def _set(
        self,
        camera_id: str,
        masks: tuple[PrivacyMask, ...],
        lifted_until: float | None,
        *,
        from_hub: bool,
        problems: tuple[str, ...] = (),
    ) -> None:
        cam = self._cameras.setdefault(camera_id, _Camera())
        same = cam.loaded and cam.masks == masks and cam.lifted_until == lifted_until
        if cam.masks != masks or cam.mask_set is None:
            cam.masks = masks
            cam.mask_set = self._build(cam)
        cam.from_hub, cam.problems, cam.loaded = from_hub, problems, True
        if cam.lifted_until != lifted_until:
            self._set_lift(camera_id, cam, lifted_until)
        if not same:
            self.changed.emit(camera_id)

    def _set_lift(self, camera_id: str, cam: _Camera, until: float | None) -> None:
        if cam.lift_timer is not None:
            cam.lift_timer.cancel()
            cam.lift_timer = None
        cam.lifted_until = until
        if until is not None:
            delay = max(0.0, until - self._clock())
            loop = asyncio.get_running_loop()
            cam.lift_timer = loop.call_later(delay, self._lift_ended, camera_id)

    def _lift_ended(self, camera_id: str) -> None:
        """The local timer: the masks return now, whether or not the hub said so."""
        cam = self._cameras.get(camera_id)
        if cam is None:
            return
        cam.lift_timer = None
        cam.lifted_until = None
        log.info("privacy masks of %s are back: the lift ended", camera_id)
        self.changed.emit(camera_id)

    def _spawn(self, coro: Any, camera_id: str | None) -> None:
        self._tasks.spawn(coro, f"masks-refresh-{camera_id or 'all'}")
