"""The live state of one wall window (one per screen): its layout, selection and maximised tile.

Views subscribe to the signals; they change the wall only by calling these methods. A signal is
emitted only once the model is consistent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from console.base.signals import Signal
from console.media.frame import RENDER_PATHS, RenderPath
from console.wall import layout as grid
from console.wall.layout import CellRect, Direction, GridLayout

MAX_UNDO = 50  # layout edits Ctrl+Z can take back, per wall


@dataclass(frozen=True)
class WallState:
    """What a saved layout keeps of a wall."""

    screen: int
    layout: GridLayout
    render_path: RenderPath = RenderPath.COMPOSITED
    fullscreen: bool = False
    live_buffer_ms: int | None = None  # libvlc's live buffer for this wall; None: the setting


class WallModel:
    """One wall: a grid layout plus the operator's selection and maximised tile."""

    def __init__(self, state: WallState) -> None:
        self._state = state
        self._selected: int | None = state.layout.tiles[0].id
        self._maximized: int | None = None
        self._undo: list[GridLayout] = []  # the layouts before the last edits, newest last
        self.layout_changed = Signal()  # (GridLayout)
        self.selection_changed = Signal()  # (tile id | None)
        self.maximized_changed = Signal()  # (tile id | None)
        self.fullscreen_changed = Signal()  # (bool)
        self.live_buffer_changed = Signal()  # (int | None)
        self.render_path_changed = Signal()  # (RenderPath)

    # -- reading -------------------------------------------------------------------------------
    @property
    def state(self) -> WallState:
        return self._state

    @property
    def layout(self) -> GridLayout:
        return self._state.layout

    @property
    def screen(self) -> int:
        return self._state.screen

    @property
    def render_path(self) -> RenderPath:
        return self._state.render_path

    @property
    def selected(self) -> int | None:
        return self._selected

    @property
    def selected_camera(self) -> str | None:
        """The camera on the selected tile (None: no selection, or an empty tile)."""
        if self._selected is None:
            return None
        tile = next((t for t in self.layout.tiles if t.id == self._selected), None)
        return tile.camera_id if tile is not None else None

    @property
    def maximized(self) -> int | None:
        return self._maximized

    # -- editing -------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        """Take back the last layout edit (Ctrl+Z on the wall); False when there is none."""
        if not self._undo:
            return False
        self._maximized_off()
        self._apply(self._undo.pop())
        return True

    def set_layout(self, new: GridLayout, *, undoable: bool = True) -> None:
        """Show `new`; an `undoable` change can be taken back with `undo()`. Not undoable:
        what the operator did not do (the first fill of an empty wall); it also forgets the
        edits before it."""
        if new == self._state.layout:
            return
        if undoable:
            self._undo = [*self._undo, self._state.layout][-MAX_UNDO:]
        else:
            self._undo = []
        self._apply(new)

    def _apply(self, new: GridLayout) -> None:
        self._state = dataclasses.replace(self._state, layout=new)
        ids = {t.id for t in new.tiles}
        selection_moved = self._selected not in ids
        max_gone = self._maximized is not None and self._maximized not in ids
        if selection_moved:
            self._selected = new.tiles[0].id
        if max_gone:
            self._maximized = None
        self.layout_changed.emit(new)
        if selection_moved:
            self.selection_changed.emit(self._selected)
        if max_gone:
            self.maximized_changed.emit(None)

    def apply_preset(self, name: str) -> None:
        self._maximized_off()
        self.set_layout(grid.apply_preset(self.layout, name))

    def assign(self, tile_id: int, camera_id: str | None) -> None:
        self.set_layout(grid.assign(self.layout, tile_id, camera_id))

    def clear(self, tile_id: int) -> None:
        self.set_layout(grid.clear(self.layout, tile_id))

    def swap(self, a: int, b: int) -> None:
        if a != b:
            self.set_layout(grid.swap(self.layout, a, b))

    def can_merge(self, rect: CellRect) -> bool:
        return grid.can_merge(self.layout, rect)

    def merge(self, rect: CellRect) -> None:
        self.set_layout(grid.merge(self.layout, rect))

    def split(self, tile_id: int) -> None:
        self.set_layout(grid.split(self.layout, tile_id))

    def set_role(self, tile_id: int, role: str) -> None:
        """Pin a tile, make it an alarm tile, or a normal one (see `TileRole`)."""
        self.set_layout(grid.set_role(self.layout, tile_id, role))

    def set_all_roles(self, role: str) -> None:
        """Every tile of this wall gets `role` (an alarm screen: all alarm tiles)."""
        layout = self.layout
        for tile in layout.tiles:
            layout = grid.set_role(layout, tile.id, role)
        self.set_layout(layout)

    def select(self, tile_id: int | None) -> None:
        if tile_id is not None:
            self.layout.tile(tile_id)
        if tile_id != self._selected:
            self._selected = tile_id
            self.selection_changed.emit(tile_id)

    def select_neighbor(self, direction: Direction) -> None:
        if self._selected is None:
            self.select(self.layout.tiles[0].id)
        else:
            self.select(grid.neighbor(self.layout, self._selected, direction))

    def toggle_maximize(self, tile_id: int) -> None:
        self.layout.tile(tile_id)
        self._maximized = None if self._maximized == tile_id else tile_id
        self.maximized_changed.emit(self._maximized)

    def _maximized_off(self) -> None:
        if self._maximized is not None:
            self._maximized = None
            self.maximized_changed.emit(None)

    @property
    def live_buffer_ms(self) -> int | None:
        return self._state.live_buffer_ms

    def set_live_buffer(self, ms: int | None) -> None:
        """The wall's live buffer: less delay, or more smoothing over network jitter."""
        if ms != self._state.live_buffer_ms:
            self._state = dataclasses.replace(self._state, live_buffer_ms=ms)
            self.live_buffer_changed.emit(ms)

    def set_render_path(self, path: RenderPath | str) -> None:
        """Show this wall's video another way (the native-window path falls back to the
        composited one where the machine cannot keep it live): every feed starts again."""
        if path not in RENDER_PATHS:
            raise ValueError(f"unknown render path {path!r}")
        path = RenderPath(path)
        if path != self._state.render_path:
            self._state = dataclasses.replace(self._state, render_path=path)
            self.render_path_changed.emit(path)

    def set_fullscreen(self, on: bool) -> None:
        if on != self._state.fullscreen:
            self._state = dataclasses.replace(self._state, fullscreen=on)
            self.fullscreen_changed.emit(on)
