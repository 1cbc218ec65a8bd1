"""Privacy masks into every player the console runs (issue 18, section 2).

The composition root builds one `MaskRegistry` (console.privacy.registry) and this wiring:
- each live feed's player gets its camera's masks when it is made (`mask_player`), and a feed
  asks the registry for the camera's masks before its stream URL is played (`ensure`), so the
  first picture is masked too;
- when a camera's masks change or a lift begins or ends, every player of that camera (live
  tiles on every wall, the outgoing feed of a profile switch, playback tiles, the alarm
  replay) draws the new masks from its next picture on, and at once over the one shown;
- a wall on the native-window path that shows a masked camera goes composited (libvlc draws
  native windows outside the frame path, where masks cannot be drawn), said in plain words
  once per wall;
- lifts and changes are recorded in the audit trail (`mask.lift`, `mask.lift_end`,
  `mask.change`) when an `AuditWiring` is given;
- masks anchored to a PTZ head follow it (`follow_ptz`): every position the PTZ desk learns
  (its commands' answers, and a poll of each shown camera with anchored masks: every
  `PTZ_POLL_MOVING_S` while its head moves, every `PTZ_POLL_RESTING_S` at rest, since the hub
  sends no event when another operator or a tour moves it) goes to the registry, which
  projects the masks (throttled) and says `changed`: the players then draw them as above.

Loop thread only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from console.base.notices import Level, Notices
from console.media.frame import RenderPath
from console.media.live_buffer import DEFAULT_LIVE_BUFFER_MS
from console.privacy.registry import VIEW_TRAIL_S, MaskRegistry
from console.wall.model import WallModel

log = logging.getLogger(__name__)

__all__ = ["PTZ_POLL_MOVING_S", "PTZ_POLL_RESTING_S", "PrivacyWiring", "mask_player"]

# How often a shown PTZ camera with anchored masks is asked where its head is: while it moves
# (the registry redraws at most as often), and at rest (someone else may start moving it).
PTZ_POLL_MOVING_S = 0.1
PTZ_POLL_RESTING_S = 1.0


def mask_player(registry: MaskRegistry, player: Any, camera_id: str) -> Any:
    """Give a new player its camera's masks as known now (returns it, for a factory)."""
    set_masks = getattr(player, "set_masks", None)
    if set_masks is not None:
        set_masks(registry.masks_for(camera_id))
    return player


class PrivacyWiring:
    """See the module docstring. `feeds_of(index)`: the wall's `WallFeeds`; `playback_of`:
    the wall's playback session (None when the wall plays live); `replay`: the alarm replay."""

    def __init__(
        self,
        registry: MaskRegistry,
        walls: Sequence[WallModel],
        feeds_of: Callable[[int], Any],
        notices: Notices,
        *,
        playback_of: Callable[[int], Any] = lambda _index: None,
        replay: Any = None,
        camera_name: Callable[[str], str] = lambda camera_id: camera_id,
        ptz: Any = None,
        live_buffer_ms: int = DEFAULT_LIVE_BUFFER_MS,
        watermark_on: Callable[[], bool] = lambda: False,
    ) -> None:
        self.registry = registry
        # Whether a policy asks for the operator watermark over video: like masks, libvlc's
        # own video windows cannot carry it, so no wall stays on the native path then.
        self.watermark_on = watermark_on
        self._walls = list(walls)
        self._feeds_of = feeds_of
        self._notices = notices
        self._playback_of = playback_of
        self._replay = replay
        self._camera_name = camera_name
        self._undo: list[Callable[[], None]] = []
        # The PTZ desk (console.ptz.desk.PtzDesk) whose positions anchored masks follow.
        self._ptz = ptz
        self._live_buffer_ms = live_buffer_ms  # a wall's live buffer when it names none
        self._ptz_wake = asyncio.Event()
        self._ptz_task: asyncio.Task[None] | None = None
        self._connect(registry.changed, self._on_changed)
        for wall in self._walls:
            self._connect(wall.layout_changed, lambda _layout: self.check_native_walls())
            self._connect(wall.render_path_changed, lambda _path: self.check_native_walls())
            self._connect(wall.layout_changed, lambda _layout: self._ptz_wake.set())
            self._connect(wall.live_buffer_changed, lambda _ms: self._set_view_trail())
        self._set_view_trail()
        if ptz is not None:
            self._connect(ptz.position_changed, self._on_position)

    def _connect(self, signal: Any, slot: Callable[..., None]) -> None:
        signal.connect(slot)
        self._undo.append(lambda: signal.disconnect(slot))

    def disconnect(self) -> None:
        for undo in self._undo:
            undo()
        self._undo.clear()
        if self._ptz_task is not None:
            self._ptz_task.cancel()
            self._ptz_task = None

    # -- PTZ: masks that follow the head ------------------------------------------------------
    def follow_ptz(self) -> None:
        """Start polling the shown PTZ cameras with anchored masks (loop running; once)."""
        if self._ptz is not None and self._ptz_task is None:
            self._ptz_task = asyncio.get_running_loop().create_task(
                self._poll_ptz(), name="privacy-ptz-follow"
            )

    def _set_view_trail(self) -> None:
        """A view the head left stays covered while the pictures on screen may still show it:
        the longest live buffer of any wall (libvlc plays that far behind), plus the default
        trail for the encoder and the network."""
        longest_ms = max((w.live_buffer_ms or self._live_buffer_ms for w in self._walls), default=0)
        self.registry.view_trail_s = VIEW_TRAIL_S + longest_ms / 1000.0

    def _on_position(self, camera_id: str, position: Any) -> None:
        self.registry.set_view(camera_id, position, self._ptz.capabilities(camera_id))
        if self.registry.anchored(camera_id):
            self._ptz_wake.set()  # a command answered: the head may be moving now

    def _followed_cameras(self) -> list[str]:
        shown = {t.camera_id for wall in self._walls for t in wall.layout.tiles if t.camera_id}
        return [
            camera_id
            for camera_id in self.registry.anchored_cameras()
            if camera_id in shown and self._ptz.capabilities(camera_id) is not None
        ]

    async def _poll_ptz(self) -> None:
        while True:
            moving = False
            for camera_id in self._followed_cameras():
                try:
                    status = await self._ptz.read_status(camera_id)
                except Exception as exc:  # never end the follower: the next poll tries again
                    log.info("privacy: the PTZ position of %s was not read: %s", camera_id, exc)
                    continue
                moving = moving or (status is not None and status.moving)
            # Cleared after the reads: they themselves say the position changed.
            self._ptz_wake.clear()
            interval = PTZ_POLL_MOVING_S if moving else PTZ_POLL_RESTING_S
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ptz_wake.wait(), interval)

    # -- players ------------------------------------------------------------------------------
    def _on_changed(self, camera_id: str) -> None:
        if (
            self._ptz is not None
            and self.registry.view(camera_id) is None
            and self.registry.anchored(camera_id)
        ):
            self._ptz_wake.set()  # anchored masks newly known: read where the head is at once
        for index, wall in enumerate(self._walls):
            feeds = self._feeds_of(index)
            if feeds is not None:
                players = [f.player for k, f in feeds.feeds.items() if k.camera_id == camera_id]
                for tile in wall.layout.tiles:
                    outgoing = feeds.outgoing_for(tile) if tile.camera_id == camera_id else None
                    if outgoing is not None:
                        players.append(outgoing.player)
                for player in players:
                    mask_player(self.registry, player, camera_id)
            session = self._playback_of(index)
            if session is not None:
                session.refresh_masks()
        if self._replay is not None:
            self._replay.refresh_masks()
        self.check_native_walls()

    # -- the native-window path ---------------------------------------------------------------
    def check_native_walls(self) -> None:
        """A native-window wall that shows a camera with masks, or any wall while the
        watermark policy is on, goes composited (once)."""
        for index, wall in enumerate(self._walls):
            if wall.render_path != RenderPath.NATIVE:
                continue
            if self.watermark_on():
                text = (
                    f"Wall {index + 1}: the watermark policy puts the operator's name and the "
                    "time over every picture, which video windows on the native-window path "
                    "cannot draw; the wall now uses the composited path, where it is drawn."
                )
                log.warning("%s", text)
                self._notices.post(text, Level.WARNING, f"watermark-native-{index}")
                wall.set_render_path(RenderPath.COMPOSITED)
                continue
            masked = [
                t.camera_id
                for t in wall.layout.tiles
                if t.camera_id is not None and self.registry.masks(t.camera_id)
            ]
            if not masked:
                continue
            cameras = list(dict.fromkeys(masked))
            names = ", ".join(self._camera_name(c) for c in cameras)
            has = "has" if len(cameras) == 1 else "have"
            text = (
                f"Wall {index + 1}: {names} {has} privacy masks, which video windows on the "
                "native-window path cannot draw; the wall now uses the composited path, where "
                "every picture is masked."
            )
            log.warning("%s", text)
            self._notices.post(text, Level.WARNING, f"masks-native-{index}")
            wall.set_render_path(RenderPath.COMPOSITED)
