"""A tile's context menu: maximise, clear, join and split, pin, alarm roles, PTZ control.

Every action changes the wall only through `WallModel` methods."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QWidget

from console.wall.layout import CellRect, Direction, Tile, TileRole, neighbor
from console.wall.model import WallModel


def join_span(wall: WallModel, tile: Tile, direction: Direction) -> CellRect | None:
    """The span joining `tile` with its neighbour in `direction`, when the wall can merge it."""
    layout = wall.layout
    other = neighbor(layout, tile.id, direction)
    if other == tile.id:
        return None
    span = CellRect.bounding([tile.rect, layout.tile(other).rect])
    return span if wall.can_merge(span) else None


def _merge(wall: WallModel, span: CellRect | None) -> None:
    if span is not None:
        wall.merge(span)


def tile_menu(
    parent: QWidget,
    wall: WallModel,
    tile: Tile,
    ptz_mode: bool | None = None,
    toggle_ptz: Callable[[], None] | None = None,
) -> QMenu:
    """The menu for `tile`; `ptz_mode` None: its camera cannot be steered (no PTZ entry)."""
    menu = QMenu(parent)
    tid = tile.id
    maximized = wall.maximized == tid
    menu.addAction(
        "Restore (Esc)" if maximized else "Maximize (Enter)", lambda: wall.toggle_maximize(tid)
    )
    clear = menu.addAction("Clear tile (Delete)", lambda: wall.clear(tid))
    clear.setEnabled(tile.camera_id is not None)
    menu.addSeparator()
    for label, direction in (
        ("Join with tile to the right", Direction.RIGHT),
        ("Join with tile below", Direction.DOWN),
    ):
        span = join_span(wall, tile, direction)
        act = menu.addAction(label, functools.partial(_merge, wall, span))
        act.setEnabled(span is not None and not maximized)
    split = menu.addAction("Split into single tiles", lambda: wall.split(tid))
    split.setEnabled(tile.rect.cols * tile.rect.rows > 1 and not maximized)
    menu.addSeparator()
    role = tile.role
    pin = menu.addAction(
        "Pin tile (alarms never replace it)",
        lambda: wall.set_role(tid, TileRole.NORMAL if role == TileRole.PINNED else TileRole.PINNED),
    )
    pin.setCheckable(True)
    pin.setChecked(role == TileRole.PINNED)
    alarm = menu.addAction(
        "Use as alarm tile",
        lambda: wall.set_role(tid, TileRole.NORMAL if role == TileRole.ALARM else TileRole.ALARM),
    )
    alarm.setCheckable(True)
    alarm.setChecked(role == TileRole.ALARM)
    all_alarm = all(t.role == TileRole.ALARM for t in wall.layout.tiles)
    menu.addAction(
        "Stop using this screen for alarms" if all_alarm else "Use this screen for alarms",
        lambda: wall.set_all_roles(TileRole.NORMAL if all_alarm else TileRole.ALARM),
    )
    if ptz_mode is not None and toggle_ptz is not None:
        menu.addSeparator()
        ptz = menu.addAction("PTZ control (P)", toggle_ptz)
        ptz.setCheckable(True)
        ptz.setChecked(ptz_mode)
    return menu
