"""Named layouts, saved as versioned JSON (`layouts.json`) with each wall's screen assignment.

File format (version 1):

    {"format": "tessera.layouts", "version": 1, "current": "Default",
     "layouts": [{"name": "Default",
                  "walls": [{"screen": 0, "columns": 3, "rows": 3,
                             "render_path": "composited", "fullscreen": false,
                             "live_buffer_ms": null,
                             "tiles": [{"id": 1, "col": 0, "row": 0, "cols": 1, "rows": 1,
                                        "camera": "cam-01", "role": "normal"}, ...]}]}]}

`role` (additive; absent means "normal") is "pinned" for a tile auto-pop must leave alone and
"alarm" for a tile that alarming cameras are brought into. `hidden` (additive) lists a wall's
cameras that no tile shows. `session` (additive) holds the walls as the console was closed:
the next start opens them, and no named layout changes unless the operator saves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.base.jsonfile import (
    FileFormatError,
    LoadResult,
    expect,
    load_versioned,
    save_versioned,
)
from console.media.frame import RENDER_PATHS, RenderPath
from console.media.live_buffer import LIVE_BUFFER_MAX_MS, LIVE_BUFFER_MIN_MS
from console.wall.layout import CellRect, GridLayout, LayoutError, Tile, TileRole
from console.wall.model import WallState

KIND = "tessera.layouts"
VERSION = 1
DEFAULT_NAME = "Default"


@dataclass(frozen=True)
class NamedLayout:
    name: str
    walls: tuple[WallState, ...]


@dataclass(frozen=True)
class SavedLayouts:
    layouts: tuple[NamedLayout, ...] = field(default_factory=tuple)
    current: str = DEFAULT_NAME  # the named layout last saved or recalled
    # The walls as the console was last closed, apart from every named layout (None: none yet).
    session: tuple[WallState, ...] | None = None

    def get(self, name: str) -> NamedLayout | None:
        return next((n for n in self.layouts if n.name == name), None)

    def names(self) -> list[str]:
        return [n.name for n in self.layouts]

    def with_layout(self, named: NamedLayout) -> SavedLayouts:
        rest = tuple(n for n in self.layouts if n.name != named.name)
        return SavedLayouts((*rest, named), named.name, self.session)

    def with_session(self, walls: tuple[WallState, ...]) -> SavedLayouts:
        return SavedLayouts(self.layouts, self.current, walls)

    def without(self, name: str) -> SavedLayouts:
        rest = tuple(n for n in self.layouts if n.name != name)
        current = self.current if self.current != name else (rest[0].name if rest else DEFAULT_NAME)
        return SavedLayouts(rest, current, self.session)


def wall_to_json(w: WallState) -> dict[str, Any]:
    return {
        "screen": w.screen,
        "columns": w.layout.columns,
        "rows": w.layout.rows,
        "render_path": w.render_path.value,
        "fullscreen": w.fullscreen,
        "live_buffer_ms": w.live_buffer_ms,
        "tiles": [
            {
                "id": t.id,
                "col": t.rect.col,
                "row": t.rect.row,
                "cols": t.rect.cols,
                "rows": t.rect.rows,
                "camera": t.camera_id,
                "role": t.role,
            }
            for t in w.layout.tiles
        ],
        "hidden": list(w.layout.hidden),
    }


def wall_from_json(d: Any, where: str) -> WallState:
    if not isinstance(d, dict):
        raise FileFormatError(f"{where} is not an object")
    tiles = []
    for i, td in enumerate(expect(d, "tiles", list, where)):
        tw = f"{where}, tile {i + 1}"
        if not isinstance(td, dict):
            raise FileFormatError(f"{tw} is not an object")
        camera = td.get("camera")
        if camera is not None and not isinstance(camera, str):
            raise FileFormatError(f'{tw}: "camera" must be a camera id or null')
        rect = CellRect(
            expect(td, "col", int, tw),
            expect(td, "row", int, tw),
            expect(td, "cols", int, tw),
            expect(td, "rows", int, tw),
        )
        role = td.get("role", TileRole.NORMAL)
        if role not in TileRole.ALL:
            raise FileFormatError(f'{tw}: "role" must be one of {", ".join(TileRole.ALL)}')
        tiles.append(Tile(expect(td, "id", int, tw), rect, camera, role))
    render_path = d.get("render_path", RenderPath.COMPOSITED.value)
    if render_path not in RENDER_PATHS:
        raise FileFormatError(f'{where}: "render_path" must be one of {", ".join(RENDER_PATHS)}')
    hidden = d.get("hidden", [])
    if not isinstance(hidden, list) or not all(isinstance(c, str) for c in hidden):
        raise FileFormatError(f'{where}: "hidden" must be a list of camera ids')
    try:
        layout = GridLayout(
            expect(d, "columns", int, where),
            expect(d, "rows", int, where),
            tuple(tiles),
            tuple(hidden),
        )
    except LayoutError as e:
        raise FileFormatError(f"{where}: {e}") from e
    screen = expect(d, "screen", int, where)
    if screen < 0:
        raise FileFormatError(f'{where}: "screen" must be 0 or more')
    live_buffer = d.get("live_buffer_ms")
    if live_buffer is not None and (
        not isinstance(live_buffer, int)
        or isinstance(live_buffer, bool)
        or not LIVE_BUFFER_MIN_MS <= live_buffer <= LIVE_BUFFER_MAX_MS
    ):
        raise FileFormatError(
            f'{where}: "live_buffer_ms" must be {LIVE_BUFFER_MIN_MS}..{LIVE_BUFFER_MAX_MS} or null'
        )
    return WallState(
        screen, layout, RenderPath(render_path), bool(d.get("fullscreen", False)), live_buffer
    )


def parse(doc: dict[str, Any]) -> SavedLayouts:
    named = []
    for i, nd in enumerate(expect(doc, "layouts", list, "the file")):
        where = f"layout {i + 1}"
        if not isinstance(nd, dict):
            raise FileFormatError(f"{where} is not an object")
        name = expect(nd, "name", str, where)
        walls = tuple(
            wall_from_json(w, f'layout "{name}", wall {j + 1}')
            for j, w in enumerate(expect(nd, "walls", list, f'layout "{name}"'))
        )
        if not walls:
            raise FileFormatError(f'layout "{name}" has no walls')
        named.append(NamedLayout(name, walls))
    current = doc.get("current", DEFAULT_NAME)
    if not isinstance(current, str):
        raise FileFormatError('"current" must be a layout name')
    session = doc.get("session")
    session_walls: tuple[WallState, ...] | None = None
    if session is not None:
        if not isinstance(session, dict):
            raise FileFormatError('"session" must be an object')
        raw = expect(session, "walls", list, "the session")
        session_walls = tuple(
            wall_from_json(w, f"the session, wall {j + 1}") for j, w in enumerate(raw)
        )
        if not session_walls:
            raise FileFormatError("the session has no walls")
    return SavedLayouts(tuple(named), current, session_walls)


def to_json(saved: SavedLayouts) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "current": saved.current,
        "layouts": [
            {"name": n.name, "walls": [wall_to_json(w) for w in n.walls]} for n in saved.layouts
        ],
    }
    if saved.session is not None:
        doc["session"] = {"walls": [wall_to_json(w) for w in saved.session]}
    return doc


class LayoutStore:
    """Loads and saves `layouts.json`. Blocking: run it in an executor from the GUI."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> LoadResult[SavedLayouts]:
        return load_versioned(self.path, KIND, VERSION, parse, SavedLayouts)

    def save(self, saved: SavedLayouts) -> None:
        save_versioned(self.path, KIND, VERSION, to_json(saved))
