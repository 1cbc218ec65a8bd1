"""The operator's workstation, headless: walls per screen, their feeds, cameras, named layouts.

This is the core the Qt windows subscribe to. It owns no threads; blocking file I/O goes through
the loop's executor; feeds come from a factory so tests and other front ends can supply theirs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from console.base.notices import Level, Notices
from console.base.signals import Signal
from console.cameras.directory import CameraDirectory
from console.hub.models import Camera, StreamProfile
from console.media.frame import RenderPath
from console.wall.feeds import Feed, FeedKey, LiveGate, WallFeeds
from console.wall.layout import LayoutError, TileRole, apply_preset, assign, preset, set_role
from console.wall.model import WallModel, WallState
from console.wall.store import DEFAULT_NAME, LayoutStore, NamedLayout, SavedLayouts

log = logging.getLogger(__name__)

FeedFactory = Callable[[int, FeedKey, WallModel], Feed]


def initial_walls(
    saved: SavedLayouts, screens: int, grid: str | None, render_path: str | None
) -> list[WallState]:
    """The walls to open: the session the console was closed with, else the current saved
    layout, else one default wall per screen.

    A wall saved for a screen that is not connected now moves to the last screen; `grid`
    (from `--layout`) replaces the first wall's grid and keeps its cameras (and, for a saved
    wall with an alarm tile, an alarm tile).
    """
    current = saved.get(saved.current)
    opened = saved.session or (current.walls if current is not None else None)
    if opened is not None:
        walls = [replace(w, screen=min(w.screen, screens - 1)) for w in opened]
    else:
        walls = [WallState(i, preset("3x3" if i == 0 else "2x2")) for i in range(screens)]
        if grid is None:
            # A first start: the first wall's last tile waits for alarms (console.alerts). An
            # explicit `--layout` asks for that grid of cameras, so it gets none.
            first = walls[0].layout
            walls[0] = replace(walls[0], layout=set_role(first, first.tiles[-1].id, TileRole.ALARM))
    if grid is not None:
        walls[0] = replace(walls[0], layout=apply_preset(walls[0].layout, grid))
    if render_path is not None:
        walls = [replace(w, render_path=RenderPath(render_path)) for w in walls]
    return walls


def fill_empty_walls(walls: Sequence[WallModel], cameras: Sequence[Camera]) -> None:
    """Put cameras on walls that show none yet (a first start); alarm tiles stay empty.

    Cameras go in order across the walls and wrap around, so every screen shows video; a camera
    appears at most once on one wall.
    """
    if not cameras or any(w.layout.camera_ids() for w in walls):
        return
    ids = [c.id for c in cameras]
    start = 0
    for wall in walls:
        layout = wall.layout
        # Alarm tiles stay free for alarms (see console.alerts.autopop).
        tiles = [t for t in layout.tiles if t.role != TileRole.ALARM]
        count = min(len(tiles), len(ids))
        for offset, tile in enumerate(tiles[:count]):
            layout = assign(layout, tile.id, ids[(start + offset) % len(ids)])
        start += count
        wall.set_layout(layout, undoable=False)  # one change, one rebuild of the wall's feeds


def fill_empty_tiles(wall: WallModel, cameras: Sequence[Camera]) -> None:
    """Put cameras that are not on the wall yet onto its empty tiles, in camera order."""
    on_wall = set(wall.layout.camera_ids())
    spare = [c.id for c in cameras if c.id not in on_wall]
    layout = wall.layout
    empty = [t for t in layout.tiles if t.camera_id is None and t.role != TileRole.ALARM]
    for tile, cam in zip(empty, spare, strict=False):
        layout = assign(layout, tile.id, cam)
    wall.set_layout(layout, undoable=False)


class Workstation:
    def __init__(
        self,
        directory: CameraDirectory,
        notices: Notices,
        store: LayoutStore,
        saved: SavedLayouts,
        walls: Sequence[WallState],
        make_feed: FeedFactory,
        fill_first_wall: bool = False,
        forced_profile: str | None = None,
        damaged_copy: Path | None = None,
    ) -> None:
        self.directory = directory
        self.notices = notices
        self._store = store
        self._saved = saved
        # layouts.json could not be read and was kept as this copy: nothing writes over it
        # until the operator saves a layout (closing the console does not).
        self.damaged_copy = damaged_copy
        self.walls = [WallModel(w) for w in walls]
        # Private cameras' consent (console.consent), once the hub is known: None plays all.
        self.live_gate: LiveGate | None = None
        self.feeds = [
            WallFeeds(
                wall,
                functools.partial(self._make_feed, make_feed, i, wall),
                self._profiles_of,
                forced_profile,
                may_play=self._may_play,
            )
            for i, wall in enumerate(self.walls)
        ]
        self.saved_changed = Signal()  # (SavedLayouts)
        self._fill_first_wall = fill_first_wall  # the operator asked for a grid: fill it
        directory.changed.connect(self._on_cameras)

    @property
    def saved(self) -> SavedLayouts:
        return self._saved

    def camera_name(self, camera_id: str) -> str:
        cam = self.directory.get(camera_id)
        return cam.name if cam else camera_id

    def set_live_gate(self, gate: LiveGate | None) -> None:
        """Let `gate` decide which cameras play live (a private camera's consent); the walls
        follow its changes (a grant given or ended starts or stops the feed)."""
        if self.live_gate is not None:
            self.live_gate.changed.disconnect(self._on_gate)
        self.live_gate = gate
        if gate is not None:
            gate.changed.connect(self._on_gate)
        self._on_gate("")

    def _on_gate(self, _camera_id: str) -> None:
        for feeds in self.feeds:
            feeds.refresh()

    def _may_play(self, camera_id: str) -> bool:
        return self.live_gate is None or self.live_gate.may_play_live(camera_id)

    def _make_feed(self, make_feed: FeedFactory, index: int, wall: WallModel, key: FeedKey) -> Feed:
        if self.live_gate is not None:
            self.live_gate.note_live(key.camera_id, index)
        return make_feed(index, key, wall)

    def _profiles_of(self, camera_id: str) -> tuple[StreamProfile, ...]:
        cam = self.directory.get(camera_id)
        return cam.profiles if cam else ()

    def _on_cameras(self, cameras: list[Camera]) -> None:
        for feeds in self.feeds:
            feeds.refresh()  # profiles are known now
        # A private camera goes on a wall only when the operator puts it there: seeing it is
        # an access of its own (console.consent), never a side effect of filling a wall.
        public = [c for c in cameras if c.sharing is None]
        fill_empty_walls(self.walls, public)
        if self._fill_first_wall:
            self._fill_first_wall = False
            fill_empty_tiles(self.walls[0], public)

    # -- operator actions ----------------------------------------------------------------------
    def drop_camera(self, wall_index: int, tile_id: int, camera_id: str) -> None:
        if self.directory.get(camera_id) is None and self.directory.cameras:
            self.notices.post(f"The hub has no camera {camera_id!r}.", Level.WARNING)
            return
        self.walls[wall_index].assign(tile_id, camera_id)

    def show_on_selected_tile(self, camera_id: str, wall_index: int = 0) -> None:
        wall = self.walls[wall_index]
        target = wall.selected
        if target is None:
            empty = [t.id for t in wall.layout.tiles if t.camera_id is None]
            target = empty[0] if empty else wall.layout.tiles[0].id
        self.drop_camera(wall_index, target, camera_id)

    def current_named(self, name: str) -> NamedLayout:
        return NamedLayout(name, tuple(w.state for w in self.walls))

    async def save_layout(self, name: str | None = None) -> bool:
        """Save the walls as `name` (default: the current name). File I/O in the executor."""
        name = (name or self._saved.current or DEFAULT_NAME).strip()
        if not name:
            self.notices.post("A layout needs a name.", Level.WARNING)
            return False
        saved = self._saved.with_layout(self.current_named(name))
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._store.save, saved)
        except OSError as e:
            self.notices.post(
                f"The layout could not be saved to {self._store.path}: {e.strerror}.",
                Level.ERROR,
            )
            return False
        self._saved = saved
        self.damaged_copy = None  # the operator chose to write the file
        self.notices.post(f"Layout “{name}” saved.", key="layout-saved")
        self.saved_changed.emit(saved)
        return True

    @property
    def layout_modified(self) -> bool:
        """Whether the walls differ from the named layout last saved or recalled (a layout
        not saved yet counts as modified)."""
        named = self._saved.get(self._saved.current)
        if named is None:
            return True
        by_screen = {w.screen: w.layout for w in named.walls}
        return any(by_screen.get(w.screen) != w.layout for w in self.walls)

    async def save_session(self) -> bool:
        """Keep the walls as they are for the next start, apart from every named layout (which
        change only on Save). Not while a damaged layouts.json waits for the operator."""
        if self.damaged_copy is not None:
            log.info("session not saved: layouts.json is damaged (kept as %s)", self.damaged_copy)
            return False
        saved = self._saved.with_session(tuple(w.state for w in self.walls))
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._store.save, saved)
        except OSError as e:
            log.warning("session not saved to %s: %s", self._store.path, e)
            return False
        self._saved = saved
        return True

    async def restore_damaged(self) -> bool:
        """Put the kept copy of a damaged layouts.json back in its place (to repair it by hand,
        or for the newer Tessera that wrote it); this console keeps what it shows."""
        kept = self.damaged_copy
        if kept is None:
            return False
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, shutil.copyfile, kept, self._store.path
            )
        except OSError as e:
            self.notices.post(f"The kept copy could not be put back: {e.strerror}.", Level.ERROR)
            return False
        self.notices.post(
            f"{kept.name} is back in place as {self._store.path.name}. Tessera reads it at the "
            "next start; saving a layout before then would replace it.",
            key="layouts-damaged",
        )
        return True

    async def delete_layout(self, name: str) -> None:
        saved = self._saved.without(name)
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._store.save, saved)
        except OSError as e:
            self.notices.post(f"The layout could not be deleted: {e.strerror}.", Level.ERROR)
            return
        self._saved = saved
        self.saved_changed.emit(saved)

    def load_layout(self, name: str) -> None:
        named = self._saved.get(name)
        if named is None:
            self.notices.post(f"There is no layout called “{name}”.", Level.WARNING)
            return
        by_screen = {w.screen: w for w in named.walls}
        for wall in self.walls:
            state = by_screen.get(wall.screen)
            if state is not None:
                try:
                    wall.set_layout(state.layout)
                except LayoutError as e:  # pragma: no cover - validated on load
                    self.notices.post(f"Layout “{name}” cannot be shown: {e}", Level.ERROR)
        missing = sorted(set(by_screen) - {w.screen for w in self.walls})
        if missing:
            self.notices.post(
                f"Layout “{name}” has walls for screens that are not connected: "
                f"{', '.join(str(s + 1) for s in missing)}.",
                Level.WARNING,
            )
        self._saved = replace(self._saved, current=name)
        self.saved_changed.emit(self._saved)

    def close(self) -> None:
        for feeds in self.feeds:
            feeds.close()
