"""What the operator does, into the audit trail (issue 17, section 2).

The composition root connects the features' signals to `AuditTrail.record` here, so no feature
knows about the audit and none can forget an action the others record. Recorded (the action names,
with what each entry's details hold):

- `tile.show`: a camera appears on a tile (a drop, a layout recalled, a swap); wall, tile.
- `layout.change`: a wall's grid or tiles change; wall, grid, cameras.
- `settings.change`: the sources of cameras changed; the sources now.
- `playback.start` / `playback.stop`: a wall enters / leaves its recordings, one entry per
  camera; wall, from, to (at the stop), the reason where one was asked.
- `ptz.take` / `ptz.release`: this operator takes / gives up a PTZ camera (as the hub says);
  priority.
- `bookmark.create` / `bookmark.change` / `bookmark.delete`: a bookmark of this console; id,
  span, name.
- `alarm.acknowledge` / `alarm.close`: this operator acts on an alarm; alarm id, note.
- `mask.lift` / `mask.lift_end`: this operator lifts a camera's privacy masks (reason, case,
  minutes, until) / ends the lift early; `mask.change`: saves a camera's masks (how many, and
  whether the hub or this console keeps them).
- `private_access.requested` / `.granted` / `.refused` / `.ended` / `.live`: a private
  camera's access request (case, reason), the hub's answer, the grant's end, and each live
  call-up of a private camera on a wall (console.consent).

Every entry's details also hold `signed_in`: the operator signed in on this console when it
was recorded (the hub stamps the operator of the session that sent it; the console flushes its
journal before a session changes, so the two differ only after a crash). Sign-in and sign-out
are recorded by the hub itself (it knows them better than any console).
`record` never blocks (the journal has its own thread); an action that cannot be an entry is
logged and dropped, never raised into the feature that did it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

from console.alerts.book import AlarmBook
from console.bookmarks.core import Bookmarks
from console.consent.core import PrivateAccess
from console.hub.models import Alert, Bookmark, PtzLock
from console.playback.wall_playback import WallPlayback
from console.privacy.registry import MaskRegistry
from console.ptz.desk import PtzDesk
from console.wall.layout import GridLayout
from console.wall.model import WallModel

log = logging.getLogger(__name__)

__all__ = ["AuditWiring", "Recorder"]


class Recorder(Protocol):
    """`AuditTrail.record`, as the wiring uses it."""

    def record(
        self,
        action: str,
        camera: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> object: ...


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(timezone.utc).isoformat()


class AuditWiring:
    """Connects the features of one console to its audit trail; `disconnect()` at shutdown."""

    def __init__(self, trail: Recorder, operator: Callable[[], str | None]) -> None:
        self._trail = trail
        self._operator = operator
        self._undo: list[Callable[[], None]] = []
        self._shown: dict[int, dict[int, str]] = {}  # wall index -> tile id -> camera id
        self._playing: dict[int, tuple[list[str], datetime | None]] = {}

    def record(
        self, action: str, camera: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        kept = dict(details or {})
        # The hub stamps each entry with the operator whose session sent it; an entry that
        # waited in the journal across a sign-in as someone else also says who did it here.
        kept["signed_in"] = self._operator()
        try:
            self._trail.record(action, camera, kept)
        except Exception:
            # The audit must never take down the action it records; the loss is in the log.
            log.exception("audit: could not record %s on %s", action, camera)

    def _connect(self, signal: Any, slot: Callable[..., None]) -> None:
        signal.connect(slot)
        self._undo.append(lambda: signal.disconnect(slot))

    def disconnect(self) -> None:
        for undo in self._undo:
            undo()
        self._undo.clear()

    # -- walls

    def watch_wall(self, index: int, wall: WallModel) -> None:
        """What the wall shows from now on; what it shows at start is recorded too."""
        self._shown[index] = _tiles(wall.layout)
        for tile_id, camera_id in self._shown[index].items():
            self.record(
                "tile.show", camera_id, {"wall": index + 1, "tile": tile_id, "at_start": True}
            )

        def changed(layout: GridLayout) -> None:
            before = self._shown.get(index, {})
            now = _tiles(layout)
            self._shown[index] = now
            for tile_id, camera_id in now.items():
                if before.get(tile_id) != camera_id:
                    self.record("tile.show", camera_id, {"wall": index + 1, "tile": tile_id})
            if now != before:
                self.record(
                    "layout.change",
                    None,
                    {
                        "wall": index + 1,
                        "grid": f"{layout.columns}x{layout.rows}",
                        "cameras": sorted(set(now.values())),
                    },
                )

        self._connect(wall.layout_changed, changed)

    def watch_playback(self, index: int, playback: WallPlayback, wall: WallModel) -> None:
        def changed(on: bool) -> None:
            if on:
                cameras = sorted(set(_tiles(wall.layout).values()))
                start = playback.entered_at
                self._playing[index] = (cameras, start)
                details: dict[str, Any] = {"wall": index + 1, "from": _iso(start)}
                if playback.reason is not None:
                    details["reason"] = dict(playback.reason)
                for camera_id in cameras:
                    self.record("playback.start", camera_id, details)
                return
            cameras, start = self._playing.pop(index, ([], None))
            session = playback.last_position
            for camera_id in cameras:
                self.record(
                    "playback.stop",
                    camera_id,
                    {"wall": index + 1, "from": _iso(start), "to": _iso(session)},
                )

        self._connect(playback.changed, changed)

    # -- PTZ, bookmarks, alarms

    def watch_ptz(self, desk: PtzDesk) -> None:
        held: set[str] = set()

        def lock_changed(camera_id: str, lock: PtzLock | None) -> None:
            mine = lock is not None and lock.operator == self._operator()
            if mine and camera_id not in held:
                held.add(camera_id)
                assert lock is not None
                self.record("ptz.take", camera_id, {"priority": lock.priority})
            elif not mine and camera_id in held:
                held.discard(camera_id)
                self.record("ptz.release", camera_id, {})

        self._connect(desk.lock_changed, lock_changed)

    def watch_bookmarks(self, bookmarks: Bookmarks) -> None:
        known: set[str] = set()

        def changed(bookmark: Bookmark, deleted: bool) -> None:
            if deleted:
                action = "bookmark.delete"
            elif bookmark.id in known:
                action = "bookmark.change"
            else:
                action = "bookmark.create"
            known.add(bookmark.id)
            self.record(
                action,
                bookmark.camera_id,
                {
                    "bookmark": bookmark.id,
                    "from": _iso(bookmark.start),
                    "to": _iso(bookmark.end),
                    "name": bookmark.name,
                },
            )

        self._connect(bookmarks.changed, changed)

    def watch_alarms(self, alarms: AlarmBook) -> None:
        def acted(what: str, alert: Alert, note: str) -> None:
            self.record(f"alarm.{what}", alert.camera_id, {"alarm": alert.id, "note": note})

        self._connect(alarms.acted, acted)

    def watch_masks(self, masks: MaskRegistry) -> None:
        def lifted(camera_id: str, details: Mapping[str, Any]) -> None:
            until = datetime.fromtimestamp(float(details["until"]), timezone.utc)
            self.record("mask.lift", camera_id, {**details, "until": until.isoformat()})

        def ended(camera_id: str) -> None:
            self.record("mask.lift_end", camera_id, {})

        def saved(camera_id: str, details: Mapping[str, Any]) -> None:
            self.record("mask.change", camera_id, dict(details))

        self._connect(masks.lifted, lifted)
        self._connect(masks.lift_ended, ended)
        self._connect(masks.saved, saved)

    def watch_consent(self, access: PrivateAccess) -> None:
        def accessed(action: str, camera_id: str, details: Mapping[str, Any]) -> None:
            self.record(action, camera_id, details)

        self._connect(access.accessed, accessed)


def _tiles(layout: GridLayout) -> dict[int, str]:
    return {t.id: t.camera_id for t in layout.tiles if t.camera_id}
