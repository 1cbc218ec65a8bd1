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
  `mask.change`) when an `AuditWiring` is given.

Loop thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from console.base.notices import Level, Notices
from console.media.frame import RenderPath
from console.privacy.registry import MaskRegistry
from console.wall.model import WallModel

log = logging.getLogger(__name__)

__all__ = ["PrivacyWiring", "mask_player"]


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
    ) -> None:
        self.registry = registry
        self._walls = list(walls)
        self._feeds_of = feeds_of
        self._notices = notices
        self._playback_of = playback_of
        self._replay = replay
        self._camera_name = camera_name
        self._undo: list[Callable[[], None]] = []
        self._connect(registry.changed, self._on_changed)
        for wall in self._walls:
            self._connect(wall.layout_changed, lambda _layout: self.check_native_walls())
            self._connect(wall.render_path_changed, lambda _path: self.check_native_walls())

    def _connect(self, signal: Any, slot: Callable[..., None]) -> None:
        signal.connect(slot)
        self._undo.append(lambda: signal.disconnect(slot))

    def disconnect(self) -> None:
        for undo in self._undo:
            undo()
        self._undo.clear()

    # -- players ------------------------------------------------------------------------------
    def _on_changed(self, camera_id: str) -> None:
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
        """A native-window wall that shows a camera with masks goes composited (once)."""
        for index, wall in enumerate(self._walls):
            if wall.render_path != RenderPath.NATIVE:
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
