"""The demo hub's state on disk, so that a restart, even SIGKILL, loses nothing it answered.

One file, `state.json` in the state folder (`python -m demohub --state DIR`; by default
`console.base.jsonfile.data_dir()/demohub`): every alert (all its fields, and when a timed one
ends), each PTZ camera's home, presets and tours, every bookmark (and the ids of deleted ones,
so a late retry cannot bring one back), and the last event seq. It is written whole
and atomically (a temporary file, fsync, rename: `console.base.jsonfile.save_versioned`) after
every answered request that changed it, before the answer leaves, and at most once a second
for what the hub changes by itself (the alert scenario).

Event numbers go on from the saved seq, so the revisions of restored alerts stay older than
every new event. Not kept: operator locks, where the heads point, running tours, and the
retained events for `since` (a console that resumes after a restart reads the hub's snapshot).

A damaged or unreadable file is kept byte for byte beside it (`state.json.damaged-<time>`) and
the hub starts empty, saying so in its log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.base.jsonfile import (
    FileFormatError,
    LoadResult,
    data_dir,
    expect,
    load_versioned,
    save_versioned,
)
from demohub.alerts import alert_from_record
from demohub.bookmarks import BookmarkBook
from demohub.events import EventLog
from demohub.ptz import PtzCamera

__all__ = ["STATE_KIND", "STATE_VERSION", "SavedState", "StateFile", "default_state_dir"]

STATE_KIND = "tessera-demohub-state"
STATE_VERSION = 1
FILE_NAME = "state.json"


def default_state_dir() -> Path:
    return data_dir() / "demohub"


@dataclass(frozen=True)
class SavedState:
    """What the hub keeps: `AlertBoard.saved()`, `PtzCamera.saved()` per camera id, the seq."""

    seq: int
    alerts: dict[str, Any]
    ptz: dict[str, dict[str, Any]]
    # `BookmarkBook.saved()`; None in a file written before the hub had bookmarks.
    bookmarks: dict[str, Any] | None = None


def _parse(doc: dict[str, Any]) -> SavedState:
    """The saved state, checked through: every alert and PTZ camera is read once here, so
    what is damaged is found before anything is restored from it."""
    seq = expect(doc, "seq", int, "state")
    alerts = expect(doc, "alerts", dict, "state")
    ptz = expect(doc, "ptz", dict, "state")
    records = expect(alerts, "alerts", list, "state.alerts")
    expect(alerts, "last_alert_id", int, "state.alerts")
    for record in records:
        alert_from_record(record)
    for camera_id, saved in ptz.items():
        PtzCamera(camera_id, camera_id).restore(saved)
    bookmarks = doc.get("bookmarks")
    if bookmarks is not None:
        if not isinstance(bookmarks, dict):
            raise FileFormatError('state: "bookmarks" has the wrong type')
        BookmarkBook(EventLog(), clock=time.time).restore(bookmarks)
    return SavedState(seq, alerts, ptz, bookmarks)


class StateFile:
    """`state.json` in `directory`. Both methods block (file I/O): the hub calls them on its
    own loop thread, a server's, never a console's GUI thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / FILE_NAME

    def load(self) -> LoadResult[SavedState | None]:
        """The saved state; None (and no problem) when there is none yet."""
        return load_versioned(self.path, STATE_KIND, STATE_VERSION, _parse, lambda: None)

    def save(self, state: SavedState) -> None:
        """Write it whole and atomically (OSError when the folder cannot be written)."""
        body: dict[str, Any] = {"seq": state.seq, "alerts": state.alerts, "ptz": state.ptz}
        if state.bookmarks is not None:
            body["bookmarks"] = state.bookmarks
        # Compact: with the board full (10,000 alerts) it is megabytes, written once a second.
        save_versioned(self.path, STATE_KIND, STATE_VERSION, body, indent=None)
