"""`tessera audit show`: the entries of an audit log folder (the hub's, or an exported copy
unpacked) or of this console's journal, filtered by operator, camera and time span.

Reading only; blocking file I/O; no Qt. A log folder is read through `console.audit.merkle`
(its entries are shown as they are: `tessera audit verify` says whether they can be trusted).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from console.audit.journal import FILE_NAME
from console.audit.merkle import LogDirectory, ProofError, parse_checkpoint


@dataclass(frozen=True, slots=True)
class Shown:
    """One entry: `index` its place in the hub's log (None for a journal row, `seq` instead)."""

    index: int | None
    seq: int
    console: str
    operator: str | None
    time: str
    action: str
    camera: str | None
    details: dict[str, Any]
    acknowledged: bool | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "seq": self.seq,
            "console": self.console,
            "operator": self.operator,
            "time": self.time,
            "action": self.action,
            "camera": self.camera,
            "details": self.details,
        }
        if self.index is not None:
            doc["index"] = self.index
        if self.acknowledged is not None:
            doc["acknowledged"] = self.acknowledged
        return doc

    def line(self) -> str:
        where = f"#{self.index}" if self.index is not None else f"seq {self.seq}"
        details = json.dumps(self.details, ensure_ascii=False, sort_keys=True)
        sent = "" if self.acknowledged is not False else "  (not yet on the hub)"
        return (
            f"{where}  {self.time}  {self.operator or '-'}  {self.action}  "
            f"{self.camera or '-'}  {details}{sent}"
        )


@dataclass(frozen=True, slots=True)
class Filter:
    operator: str | None = None
    camera: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, e: Shown) -> bool:
        if self.operator is not None and e.operator != self.operator:
            return False
        if self.camera is not None and e.camera != self.camera:
            return False
        if self.since is None and self.until is None:
            return True
        when = parse_time(e.time)
        if when is None:
            return False
        return (self.since is None or when >= self.since) and (
            self.until is None or when < self.until
        )


def parse_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def from_log(directory: Path) -> Iterator[Shown]:
    """Every entry of the log folder, in log order (ProofError: unreadable, in plain words)."""
    folder = LogDirectory(directory)
    _, size, _ = parse_checkpoint(folder.checkpoint_text())
    for first, leaves in folder.entry_tiles(size):
        for i, leaf in enumerate(leaves):
            try:
                doc = json.loads(leaf)
                camera = doc.get("camera")
                yield Shown(
                    first + i,
                    int(doc["seq"]),
                    str(doc["console"]),
                    None if doc.get("operator") is None else str(doc["operator"]),
                    str(doc["time"]),
                    str(doc["action"]),
                    None if camera is None else str(camera),
                    dict(doc.get("details") or {}),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ProofError(f"Entry #{first + i:,} is not an audit entry.", first + i) from exc


def from_journal(path: Path) -> Iterator[Shown]:
    """Every row of this console's journal (read only; the console may be running)."""
    if path.is_dir():
        path = path / FILE_NAME
    if not path.exists():
        raise ProofError(f"There is no audit journal at {path}.")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'console_id'").fetchone()
        console = str(row[0]) if row else "-"
        rows = db.execute(
            "SELECT seq, time, operator, action, camera, details, acknowledged FROM entries "
            "ORDER BY seq"
        )
        for seq, when, operator, action, camera, details, acknowledged in rows:
            yield Shown(
                None,
                seq,
                console,
                operator,
                when,
                action,
                camera,
                json.loads(details),
                bool(acknowledged),
            )
    except sqlite3.Error as exc:
        raise ProofError(f"The audit journal {path} cannot be read ({exc}).") from None
    finally:
        db.close()


def show(entries: Iterator[Shown], where: Filter) -> Iterator[Shown]:
    return (e for e in entries if where.matches(e))


__all__ = ["Filter", "Shown", "from_journal", "from_log", "parse_time", "show"]
