"""Grid layouts in integer cells, and the pure functions that edit them.

A layout is a grid of `columns` x `rows` cells covered exactly once by tiles; a tile spans a
rectangle of cells and may show one camera. Every edit is a pure function `layout, ... -> layout`
so the wall model, the editors and the tests share one set of rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum

MAX_GRID = 8


class LayoutError(ValueError):
    """A layout or an edit that breaks the grid rules; the message is plain words."""


@dataclass(frozen=True, order=True)
class CellRect:
    """A rectangle of grid cells: top-left cell and size in cells."""

    col: int
    row: int
    cols: int = 1
    rows: int = 1

    def cells(self) -> set[tuple[int, int]]:
        return {
            (c, r)
            for c in range(self.col, self.col + self.cols)
            for r in range(self.row, self.row + self.rows)
        }

    def contains(self, other: CellRect) -> bool:
        return (
            self.col <= other.col
            and self.row <= other.row
            and other.col + other.cols <= self.col + self.cols
            and other.row + other.rows <= self.row + self.rows
        )

    def intersects(self, other: CellRect) -> bool:
        return not (
            other.col >= self.col + self.cols
            or other.col + other.cols <= self.col
            or other.row >= self.row + self.rows
            or other.row + other.rows <= self.row
        )

    @staticmethod
    def bounding(rects: Iterable[CellRect]) -> CellRect:
        rs = list(rects)
        col = min(r.col for r in rs)
        row = min(r.row for r in rs)
        right = max(r.col + r.cols for r in rs)
        bottom = max(r.row + r.rows for r in rs)
        return CellRect(col, row, right - col, bottom - row)


class TileRole:
    """What the operator made of a tile. A pinned tile is never changed by auto-pop; an alarm
    tile is where auto-pop brings alarming cameras (a screen of them is an alarm screen)."""

    NORMAL = "normal"
    PINNED = "pinned"
    ALARM = "alarm"
    ALL = (NORMAL, PINNED, ALARM)


@dataclass(frozen=True)
class Tile:
    """One place on the wall: an id stable across edits, its cells, and the camera it shows."""

    id: int
    rect: CellRect
    camera_id: str | None = None
    role: str = TileRole.NORMAL


class Direction(Enum):
    LEFT = (-1, 0)
    RIGHT = (1, 0)
    UP = (0, -1)
    DOWN = (0, 1)


# A wall remembers at most this many cameras no tile shows (oldest forgotten first).
MAX_HIDDEN = 64


@dataclass(frozen=True)
class GridLayout:
    """A grid covered exactly once by tiles, in reading order (top to bottom, left to right).

    `hidden`: cameras of this wall that no tile shows now, because the grid shrank, tiles were
    joined or a camera was dropped on their tile; a grid that grows, a split and Ctrl+Z bring
    them back. No wall edit drops a camera but an explicit clear.
    """

    columns: int
    rows: int
    tiles: tuple[Tile, ...]
    hidden: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = _problem(self.columns, self.rows, self.tiles)
        if problem:
            raise LayoutError(problem)
        shown = {t.camera_id for t in self.tiles if t.camera_id}
        hidden = tuple(dict.fromkeys(c for c in self.hidden if c not in shown))[-MAX_HIDDEN:]
        object.__setattr__(self, "hidden", hidden)
        ordered = tuple(sorted(self.tiles, key=lambda t: (t.rect.row, t.rect.col)))
        object.__setattr__(self, "tiles", ordered)

    def tile(self, tile_id: int) -> Tile:
        for t in self.tiles:
            if t.id == tile_id:
                return t
        raise LayoutError(f"there is no tile {tile_id} on this wall")

    def tile_at(self, col: int, row: int) -> Tile | None:
        for t in self.tiles:
            if t.rect.col <= col < t.rect.col + t.rect.cols and (
                t.rect.row <= row < t.rect.row + t.rect.rows
            ):
                return t
        return None

    def camera_ids(self) -> list[str]:
        return [t.camera_id for t in self.tiles if t.camera_id]

    def tile_showing(self, camera_id: str) -> Tile | None:
        return next((t for t in self.tiles if t.camera_id == camera_id), None)


def _problem(columns: int, rows: int, tiles: tuple[Tile, ...]) -> str | None:
    if not (1 <= columns <= MAX_GRID and 1 <= rows <= MAX_GRID):
        return f"a grid must be between 1x1 and {MAX_GRID}x{MAX_GRID}, not {columns}x{rows}"
    grid = CellRect(0, 0, columns, rows)
    seen: set[tuple[int, int]] = set()
    ids: set[int] = set()
    for t in tiles:
        if t.id in ids:
            return f"tile id {t.id} is used twice"
        ids.add(t.id)
        if t.rect.cols < 1 or t.rect.rows < 1 or not grid.contains(t.rect):
            return f"tile {t.id} lies outside the {columns}x{rows} grid"
        cells = t.rect.cells()
        if cells & seen:
            return f"tile {t.id} overlaps another tile"
        seen |= cells
    if len(seen) != columns * rows:
        return "the tiles leave part of the grid uncovered"
    return None


def _uniform(columns: int, rows: int) -> list[CellRect]:
    return [CellRect(c, r) for r in range(rows) for c in range(columns)]


def _one_plus(columns: int, big: CellRect) -> list[CellRect]:
    """A big tile at `big` and 1x1 tiles everywhere else on a square grid."""
    rest = [r for r in _uniform(columns, columns) if not big.contains(r)]
    return [big, *rest]


_PRESET_RECTS: dict[str, list[CellRect]] = {
    "1x1": _uniform(1, 1),
    "2x2": _uniform(2, 2),
    "3x3": _uniform(3, 3),
    "4x4": _uniform(4, 4),
    "5x5": _uniform(5, 5),
    "1+5": _one_plus(3, CellRect(0, 0, 2, 2)),
    "1+7": _one_plus(4, CellRect(0, 0, 3, 3)),
    "1+12": _one_plus(4, CellRect(1, 1, 2, 2)),
}
PRESETS: tuple[str, ...] = tuple(_PRESET_RECTS)
_CUSTOM_GRID = re.compile(r"^(\d)x(\d)$")


def preset_name(layout: GridLayout) -> str | None:
    """The preset whose tiles `layout` has (`1+5` for a 1+5 grid), or None for a custom one."""
    rects = sorted((t.rect.row, t.rect.col, t.rect.rows, t.rect.cols) for t in layout.tiles)
    for name, preset_rects in _PRESET_RECTS.items():
        if rects == sorted((r.row, r.col, r.rows, r.cols) for r in preset_rects):
            return name
    return None


def preset(name: str, cameras: Iterable[str | None] = ()) -> GridLayout:
    """Build a preset (`3x3`, `1+5`, ... or any `CxR` up to 8x8) filled with `cameras` in order.

    The big tile of a `1+N` preset comes first, so the first camera lands in it.
    """
    rects = _PRESET_RECTS.get(name)
    if rects is None:
        m = _CUSTOM_GRID.match(name)
        if not m:
            raise LayoutError(
                f"unknown layout {name!r}; choose one of {', '.join(PRESETS)} or CxR such as 6x4"
            )
        rects = _uniform(int(m.group(1)), int(m.group(2)))
    cams = list(cameras)
    tiles = [Tile(i + 1, rect, cams[i] if i < len(cams) else None) for i, rect in enumerate(rects)]
    cols = max(r.col + r.cols for r in rects)
    rows = max(r.row + r.rows for r in rects)
    return GridLayout(cols, rows, tuple(tiles))


def apply_preset(layout: GridLayout, name: str) -> GridLayout:
    """Switch to another preset and keep the cameras, big tile first, then in reading order.

    A pinned camera's new tile is pinned; a wall with an alarm tile gets one again (its last).
    """
    fresh = preset(name)
    # Keep the camera order by tile size then reading order, so a maximised camera stays big;
    # the cameras hidden before come after, and those left over are hidden now.
    ordered = sorted(
        layout.tiles, key=lambda t: (-(t.rect.cols * t.rect.rows), t.rect.row, t.rect.col)
    )
    cams = [t.camera_id for t in ordered if t.camera_id] + list(layout.hidden)
    big_first = sorted(
        fresh.tiles, key=lambda t: (-(t.rect.cols * t.rect.rows), t.rect.row, t.rect.col)
    )
    by_id = {t.id: t for t in fresh.tiles}
    pinned = {t.camera_id for t in layout.tiles if t.role == TileRole.PINNED and t.camera_id}
    for tile, cam in zip(big_first, cams, strict=False):
        role = TileRole.PINNED if cam in pinned else TileRole.NORMAL
        by_id[tile.id] = replace(tile, camera_id=cam, role=role)
    if any(t.role == TileRole.ALARM for t in layout.tiles):
        # The wall keeps a place for alarms: the last tile (reading order) of the new grid.
        last = fresh.tiles[-1].id
        by_id[last] = replace(by_id[last], role=TileRole.ALARM)
    leftover = tuple(cams[len(big_first) :])
    return GridLayout(fresh.columns, fresh.rows, tuple(by_id.values()), leftover)


def _with_tiles(
    layout: GridLayout, tiles: Iterable[Tile], hide: Iterable[str | None] = ()
) -> GridLayout:
    hidden = (*layout.hidden, *(c for c in hide if c))
    return GridLayout(layout.columns, layout.rows, tuple(tiles), hidden)


def assign(layout: GridLayout, tile_id: int, camera_id: str | None) -> GridLayout:
    """Show `camera_id` on a tile. A camera appears once per wall: shown on another tile, it
    swaps with this tile's camera; otherwise the camera it replaces is hidden (not dropped).
    None clears the tile (the one edit that lets a camera go)."""
    target = layout.tile(tile_id)
    if camera_id is None:
        return _with_tiles(
            layout, [replace(t, camera_id=None) if t.id == tile_id else t for t in layout.tiles]
        )
    source = layout.tile_showing(camera_id)
    if source is not None:
        return swap(layout, source.id, tile_id)
    tiles = [replace(t, camera_id=camera_id) if t.id == tile_id else t for t in layout.tiles]
    return _with_tiles(layout, tiles, [target.camera_id])


def set_role(layout: GridLayout, tile_id: int, role: str) -> GridLayout:
    """Pin a tile, make it an alarm tile, or make it a normal one again."""
    if role not in TileRole.ALL:
        raise LayoutError(f"unknown tile role {role!r}")
    layout.tile(tile_id)
    return _with_tiles(
        layout, [replace(t, role=role) if t.id == tile_id else t for t in layout.tiles]
    )


def clear(layout: GridLayout, tile_id: int) -> GridLayout:
    return assign(layout, tile_id, None)


def swap(layout: GridLayout, a: int, b: int) -> GridLayout:
    """Exchange the cameras of two tiles (what dragging one tile onto another does)."""
    ta, tb = layout.tile(a), layout.tile(b)
    tiles = [
        replace(t, camera_id=tb.camera_id)
        if t.id == a
        else replace(t, camera_id=ta.camera_id)
        if t.id == b
        else t
        for t in layout.tiles
    ]
    return _with_tiles(layout, tiles)


def can_merge(layout: GridLayout, rect: CellRect) -> bool:
    """True when `rect` is inside the grid, covers 2+ tiles, and cuts none of them."""
    if not CellRect(0, 0, layout.columns, layout.rows).contains(rect):
        return False
    touched = [t for t in layout.tiles if t.rect.intersects(rect)]
    return len(touched) >= 2 and all(rect.contains(t.rect) for t in touched)


def merge(layout: GridLayout, rect: CellRect) -> GridLayout:
    """Make one spanning tile of `rect`; it keeps the first camera (reading order) inside it."""
    if not can_merge(layout, rect):
        raise LayoutError("those cells cannot be joined: the span must cover whole tiles")
    inside = [t for t in layout.tiles if rect.contains(t.rect)]
    cameras = [t.camera_id for t in inside if t.camera_id]
    keep = [t for t in layout.tiles if not rect.contains(t.rect)]
    merged = Tile(inside[0].id, rect, cameras[0] if cameras else None)
    # The other cameras inside are hidden, first in line for the tiles a split gives back.
    rest = cameras[1:]
    return GridLayout(layout.columns, layout.rows, (*keep, merged), (*rest, *layout.hidden))


def split(layout: GridLayout, tile_id: int) -> GridLayout:
    """Break a spanning tile back into 1x1 tiles; the first one keeps the camera."""
    tile = layout.tile(tile_id)
    if tile.rect.cols == 1 and tile.rect.rows == 1:
        return layout
    next_id = max(t.id for t in layout.tiles) + 1
    parts = sorted(tile.rect.cells(), key=lambda cr: (cr[1], cr[0]))
    new_tiles = [Tile(tile.id, CellRect(*parts[0]), tile.camera_id)]
    back = list(layout.hidden)  # hidden cameras come back on the freed tiles, first first
    for i, (c, r) in enumerate(parts[1:]):
        new_tiles.append(Tile(next_id + i, CellRect(c, r), back.pop(0) if back else None))
    rest = [t for t in layout.tiles if t.id != tile_id]
    return GridLayout(layout.columns, layout.rows, (*rest, *new_tiles), tuple(back))


def neighbor(layout: GridLayout, tile_id: int, direction: Direction) -> int:
    """The tile next to `tile_id` in `direction`, or `tile_id` itself at the grid's edge."""
    r = layout.tile(tile_id).rect
    dc, dr = direction.value
    # Step out of the tile from the middle of the edge we leave through.
    col = r.col + (r.cols if dc > 0 else -1 if dc < 0 else r.cols // 2)
    row = r.row + (r.rows if dr > 0 else -1 if dr < 0 else r.rows // 2)
    target = layout.tile_at(col, row)
    return target.id if target else tile_id
