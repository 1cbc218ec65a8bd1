"""Drag and drop on the wall: a tile dragged onto another swaps them (on the same wall); a camera
(from the camera tree, or a tile of another wall) dropped on a tile shows it there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QMimeData, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QWidget

from console.wall.layout import Tile
from console.wall.model import WallModel
from widgets.cameras.mime import CAMERA_MIME, TILE_MIME


def start_tile_drag(source: QWidget, wall_index: int, tile: Tile) -> None:
    """Drag `tile` (it carries its camera too, for a drop on another wall or the tree)."""
    if tile.camera_id is None:
        return
    mime = QMimeData()
    mime.setData(TILE_MIME, QByteArray(f"{wall_index}:{tile.id}".encode()))
    mime.setData(CAMERA_MIME, QByteArray(tile.camera_id.encode()))
    drag = QDrag(source)
    drag.setMimeData(mime)
    drag.exec(Qt.DropAction.MoveAction | Qt.DropAction.CopyAction)


def can_drop(mime: QMimeData) -> bool:
    return mime.hasFormat(CAMERA_MIME) or mime.hasFormat(TILE_MIME)


def drop_on_tile(
    mime: QMimeData,
    wall: WallModel,
    wall_index: int,
    tile: Tile,
    camera_dropped: Callable[[int, str], None],
) -> bool:
    """Apply a drop on `tile`: True when it was taken."""
    if mime.hasFormat(TILE_MIME):
        source_wall, _, tile_id = bytes(mime.data(TILE_MIME).data()).decode().partition(":")
        if int(source_wall) == wall_index:
            wall.swap(int(tile_id), tile.id)
            return True
    if mime.hasFormat(CAMERA_MIME):
        camera_dropped(tile.id, bytes(mime.data(CAMERA_MIME).data()).decode())
        return True
    return False
