"""The local audit journal: every operator action of this console, on disk before anything else.

SQLite (the standard library's `sqlite3`) in WAL mode with `synchronous=FULL`, as the bookmark
journal: a record is on disk when its transaction commits (a kill -9 or a power cut after that
loses nothing). `record_many` writes several records in one transaction (one fsync): the
journal thread gathers what was asked meanwhile, so many actions at once cost one disk flush.

Each row has a `seq`, growing and never reused (AUTOINCREMENT), which the hub uses to store
each entry exactly once; `acknowledged` says whether the hub has stored it. Acknowledged rows
are kept (with their flag) so `tessera audit show --local` can list this console's actions.
The console id (a UUID made with the journal) names this console's entries on the hub; a new
journal (a damaged one moved aside) is a new console id, so its seqs never collide.

Blocking: every method does file I/O. `console.audit.core.AuditTrail` calls them on a thread
of its own; a journal belongs to the thread that opened it (sqlite3 checks this).

A file that is not a readable journal is moved aside whole (`<name>.damaged-<time>`, its
`-wal` with it) and a new, empty journal is started; `open()` says so in plain words.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.base.sqlite_files import move_aside

log = logging.getLogger(__name__)

FILE_NAME = "audit.sqlite3"
SCHEMA_VERSION = 1
_APPLICATION_ID = 0x54534131  # "TSA1": marks the file as a Tessera audit journal

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    operator TEXT,
    action TEXT NOT NULL,
    camera TEXT,
    details TEXT NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0
)
""",
    "CREATE INDEX IF NOT EXISTS entries_pending ON entries (seq) WHERE acknowledged = 0",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_COLUMNS = "seq, time, operator, action, camera, details, acknowledged"


class JournalError(Exception):
    """The journal could not be read or written; `str()` is plain words for the operator."""


@dataclass(frozen=True, slots=True)
class Record:
    """One action: `time` is an aware ISO 8601 text; `details` plain JSON."""

    time: str
    action: str
    camera: str | None
    details: dict[str, Any]
    operator: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    seq: int
    record: Record
    acknowledged: bool


def _row(raw: Sequence[Any]) -> Row:
    seq, when, operator, action, camera, details, acknowledged = raw
    return Row(seq, Record(when, action, camera, json.loads(details), operator), bool(acknowledged))


class Journal:
    """The journal file at `path`; `open()` before anything else, on the thread that uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self.thread_name: str | None = None
        self.kept_copy: Path | None = None
        self._console_id: str | None = None

    # -- opening -------------------------------------------------------------------------------
    def open(self) -> str | None:
        """Open (or create) the journal; a damaged file is moved aside and a new journal started
        (the problem in plain words is returned; None when all is well). JournalError when even
        a new journal cannot be made."""
        self.thread_name = threading.current_thread().name
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(
                f"The audit journal cannot be kept in {self.path.parent} ({exc.strerror})."
            ) from None
        try:
            self._db = self._connect()
            return None
        except (sqlite3.DatabaseError, JournalError) as exc:
            reason = str(exc)
        self._close_quietly()
        kept = self._move_aside()
        self.kept_copy = kept
        where = f"kept as {kept.name}" if kept else "left where it was"
        log.warning("audit journal %s is damaged (%s); %s", self.path, reason, where)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"The audit journal {self.path} cannot be made ({exc}).") from None
        return (
            f"The audit journal {self.path.name} was damaged and could not be read; it was "
            f"{where}, and a new journal was started. Actions already on the hub's audit log "
            "are not affected; actions not yet sent when it broke may be missing from it."
        )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app_id != _APPLICATION_ID:
                raise JournalError("it is not a Tessera audit journal")
            if version > SCHEMA_VERSION:
                raise JournalError(f"it was written by a newer Tessera (journal version {version})")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise JournalError(f"SQLite finds it damaged: {check}")
            db.execute("PRAGMA journal_mode=WAL").fetchone()
            db.execute("PRAGMA synchronous=FULL")
            with self._transaction(db):
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('console_id', ?)",
                    (uuid.uuid4().hex,),
                )
            db.execute(f"SELECT {_COLUMNS} FROM entries LIMIT 1").fetchall()  # noqa: S608
            row = db.execute("SELECT value FROM meta WHERE key = 'console_id'").fetchone()
            self._console_id = str(row[0])
        except BaseException:
            db.close()
            raise
        return db

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def _move_aside(self) -> Path | None:
        return move_aside(self.path, "audit journal")

    def close(self) -> None:
        self._close_quietly()

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise JournalError("The audit journal is not open.")
        return self._db

    @property
    def console_id(self) -> str:
        if self._console_id is None:
            raise JournalError("The audit journal is not open.")
        return self._console_id

    @staticmethod
    @contextlib.contextmanager
    def _transaction(db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._transaction(self.db):
                yield self.db
        except sqlite3.Error as exc:
            raise JournalError(f"The audit journal could not be written ({exc}).") from None

    # -- writing (each call one transaction, on disk when it returns) ------------------------
    def record(self, record: Record) -> int:
        return self.record_many([record])[0]

    def record_many(self, records: Sequence[Record]) -> list[int]:
        """Write all of `records` in one transaction; their seqs, in order."""
        seqs = []
        with self._writing() as db:
            for r in records:
                cur = db.execute(
                    "INSERT INTO entries (time, operator, action, camera, details) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        r.time,
                        r.operator,
                        r.action,
                        r.camera,
                        json.dumps(r.details, sort_keys=True, separators=(",", ":")),
                    ),
                )
                seq = cur.lastrowid
                assert seq is not None
                seqs.append(seq)
        return seqs

    def acknowledge(self, up_to_seq: int) -> int:
        """The hub stored every entry up to `up_to_seq`; how many rows that settled."""
        with self._writing() as db:
            cur = db.execute(
                "UPDATE entries SET acknowledged = 1 WHERE acknowledged = 0 AND seq <= ?",
                (up_to_seq,),
            )
            return cur.rowcount

    # -- reading -------------------------------------------------------------------------------
    def pending(self, limit: int = 500) -> list[Row]:
        """The oldest rows the hub has not acknowledged, at most `limit`."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE acknowledged = 0 "  # noqa: S608
            "ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [_row(r) for r in rows]

    def pending_count(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM entries WHERE acknowledged = 0").fetchone()[0]
        )

    def rows(self, start_seq: int = 0, limit: int = 10_000) -> list[Row]:
        """Every row from `start_seq` on (acknowledged ones too), at most `limit`."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?",  # noqa: S608
            (start_seq, limit),
        )
        return [_row(r) for r in rows]

    def seqs(self) -> set[int]:
        return {int(r[0]) for r in self.db.execute("SELECT seq FROM entries")}


__all__ = ["FILE_NAME", "Journal", "JournalError", "Record", "Row"]
