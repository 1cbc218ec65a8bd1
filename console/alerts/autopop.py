"""Auto-pop: bring an alarming camera onto the wall, by the operator's rules.

When the hub raises an alert that a rule matches (see `console.alerts.settings`), its camera
goes into an alarm tile (or, for an `any_unpinned` rule, any tile the operator did not pin):

1. A camera already on a wall is not moved: its tile's alert border marks it.
2. Pinned tiles are never touched.
3. An empty alarm tile is taken first, then one whose alarm is over (ended, acknowledged or
   closed), then one showing a lower-priority alarm: a newer alert of higher priority wins,
   one of equal or lower priority does not push a live alarm away. Of equals, the tile popped
   longest ago goes first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.alerts.book import AlarmBook
from console.alerts.settings import AlertSettings, PopTarget
from console.base.notices import Level, Notices
from console.base.signals import Signal
from console.hub.models import AlarmState, Alert, AlertChange
from console.wall.layout import TileRole
from console.wall.model import WallModel

NO_ALARM_TILE_KEY = "alerts.no-alarm-tile"


@dataclass(frozen=True)
class PoppedAlarm:
    """An alarm that auto-pop brought onto a tile, and when (a counter: later is larger)."""

    alert_id: str
    camera_id: str
    order: int


class AutoPop:
    """Watches the alarm book and assigns alarming cameras to tiles. `popped(wall_index,
    tile_id, alert)` is emitted after each pop."""

    def __init__(
        self,
        walls: Sequence[WallModel],
        book: AlarmBook,
        settings: Callable[[], AlertSettings],
        notices: Notices | None = None,
    ) -> None:
        self._walls = walls
        self._book = book
        self._settings = settings
        self._notices = notices
        self._popped: dict[tuple[int, int], PoppedAlarm] = {}
        self._order = 0
        self.popped = Signal()
        book.changed.connect(self._on_changed)

    def popped_on(self, wall_index: int, tile_id: int) -> Alert | None:
        """The alarm auto-pop put on a tile, while the tile still shows its camera."""
        entry = self._popped.get((wall_index, tile_id))
        if entry is None:
            return None
        tile = next((t for t in self._walls[wall_index].layout.tiles if t.id == tile_id), None)
        if tile is None or tile.camera_id != entry.camera_id:
            return None  # the operator (or another pop) changed the tile since
        return self._book.get(entry.alert_id)

    def show(self, alert: Alert, fallback: Callable[[str], None]) -> tuple[int, int] | None:
        """Show an alarm's camera live because the operator opened it: select the tile that
        shows it, else bring it into an alarm tile (whatever that tile shows), else hand it
        to `fallback(camera_id)` (the selected tile). Returns (wall index, tile id) or None."""
        for wall_index, wall in enumerate(self._walls):
            tile = wall.layout.tile_showing(alert.camera_id)
            if tile is not None:
                wall.select(tile.id)
                return wall_index, tile.id
        alarm_tiles = [
            (self._popped_order(wi, t.id), wi, t.id)
            for wi, wall in enumerate(self._walls)
            for t in wall.layout.tiles
            if t.role == TileRole.ALARM
        ]
        if not alarm_tiles:
            fallback(alert.camera_id)
            return None
        _, wall_index, tile_id = min(alarm_tiles)
        self._order += 1
        self._popped[(wall_index, tile_id)] = PoppedAlarm(alert.id, alert.camera_id, self._order)
        self._walls[wall_index].assign(tile_id, alert.camera_id)
        self._walls[wall_index].select(tile_id)
        return wall_index, tile_id

    def _popped_order(self, wall_index: int, tile_id: int) -> int:
        entry = self._popped.get((wall_index, tile_id))
        return entry.order if entry is not None else 0

    def _on_changed(self, alert: Alert, change: AlertChange | None) -> None:
        # Only alerts raised while we watch: an old alarm read at start-up does not pop.
        if change is not AlertChange.RAISED or alert.state is not AlarmState.NEW:
            return
        rule = self._settings().pop_rule(alert)
        if rule is None:
            return
        if any(alert.camera_id in wall.layout.camera_ids() for wall in self._walls):
            return
        target = self._choose(alert, rule.target)
        if target is None:
            self._say_no_tile(alert, rule.target)
            return
        wall_index, tile_id = target
        self._order += 1
        self._popped[target] = PoppedAlarm(alert.id, alert.camera_id, self._order)
        self._walls[wall_index].assign(tile_id, alert.camera_id)
        self.popped.emit(wall_index, tile_id, alert)

    def _choose(self, alert: Alert, target: str) -> tuple[int, int] | None:
        best: tuple[tuple[int, int, int], tuple[int, int]] | None = None
        for wall_index, wall in enumerate(self._walls):
            for tile in wall.layout.tiles:
                if tile.role == TileRole.PINNED:
                    continue
                if tile.role != TileRole.ALARM and target != PopTarget.ANY_UNPINNED:
                    continue
                rank = self._rank(wall_index, tile.id, tile.camera_id, tile.role, alert)
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, (wall_index, tile.id))
        return None if best is None else best[1]

    def _rank(
        self, wall_index: int, tile_id: int, camera_id: str | None, role: str, alert: Alert
    ) -> tuple[int, int, int] | None:
        """How good a place a tile is for `alert` (smaller is better), or None: not allowed."""
        normal = 0 if role == TileRole.ALARM else 10  # alarm tiles before the operator's tiles
        entry = self._popped.get((wall_index, tile_id))
        showing = self.popped_on(wall_index, tile_id)
        order = entry.order if entry is not None else 0
        if camera_id is None:
            return (normal + 0, 0, order)
        if showing is None:
            return (normal + 1, 0, order)  # the operator's own camera (or a stale pop)
        if not showing.active or showing.state is not AlarmState.NEW:
            return (normal + 2, 0, order)  # that alarm is over or being handled
        if alert.priority > showing.priority:
            return (normal + 3, int(showing.priority), order)
        return None

    def _say_no_tile(self, alert: Alert, target: str) -> None:
        if self._notices is None:
            return
        if target == PopTarget.ALARM_TILES and not any(
            t.role == TileRole.ALARM for wall in self._walls for t in wall.layout.tiles
        ):
            self._notices.post(
                "An alarm could not pop up: no tile is an alarm tile. Right-click a tile and "
                'choose "Use as alarm tile".',
                Level.WARNING,
                key=NO_ALARM_TILE_KEY,
            )
