"""The local bookmark journal: every bookmark this console creates or edits, on disk first.

SQLite (the standard library's `sqlite3`) in WAL mode with `synchronous=FULL`: each change is
one transaction, on disk when `commit` returns (a crash, a kill -9 or a power cut after that
loses nothing; one before it leaves the journal as it was before the change). No server, one
file (`bookmarks.sqlite3` in `data_dir()`, with its `-wal` and `-shm` beside it while open).

Each row is the bookmark as this console wants it to be, and what of it the hub has
acknowledged. Three counters say what is still to send: `content_rev` grows with every local
change of the span, name, description or tags and `content_synced` is the one the hub last
acknowledged; likewise `protect_rev`/`protect_synced`; a deleted row waits for `delete_synced`.
An acknowledgement names the counter it answers, so an edit made while the previous one was on
its way stays pending. A row the hub refused for good (`failed`, in plain words) is not sent
again until it is edited.

Blocking: every method does file I/O. `console.bookmarks.core.Bookmarks` calls them on a
thread of their own, never on the GUI thread; a journal belongs to the thread that opened it
(sqlite3 checks this).

A file that is not a readable journal is moved aside whole (`<name>.damaged-<time>`, its
`-wal` with it) and a new, empty journal is started; `open()` says so in plain words.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from console.base.sqlite_files import move_aside
from console.hub.models import Bookmark

log = logging.getLogger(__name__)

FILE_NAME = "bookmarks.sqlite3"
SCHEMA_VERSION = 1
_APPLICATION_ID = 0x54534231  # "TSB1": marks the file as a Tessera bookmark journal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bookmarks (
    id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    protected INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    content_rev INTEGER NOT NULL DEFAULT 1,
    content_synced INTEGER NOT NULL DEFAULT 0,
    protect_rev INTEGER NOT NULL DEFAULT 0,
    protect_synced INTEGER NOT NULL DEFAULT 0,
    delete_synced INTEGER NOT NULL DEFAULT 0,
    failed TEXT,
    added_ms INTEGER NOT NULL
);
"""

_PENDING = """
failed IS NULL AND (
    (deleted = 1 AND delete_synced = 0)
    OR (deleted = 0 AND (content_rev > content_synced OR protect_rev > protect_synced))
)
"""

_COLUMNS = (
    "id, camera_id, start_ms, end_ms, name, description, tags, protected, created_ms, "
    "created_by, revision, deleted, content_rev, content_synced, protect_rev, protect_synced, "
    "delete_synced, failed"
)
# The queries built from the constants above (no value is ever put into SQL text: values go as
# parameters).
_SELECT = f"SELECT {_COLUMNS} FROM bookmarks"  # noqa: S608
_SELECT_ONE = f"{_SELECT} WHERE id = ?"
_SELECT_ALL = f"{_SELECT} ORDER BY added_ms, id"
_SELECT_PENDING = f"{_SELECT} WHERE {_PENDING} ORDER BY added_ms, id"
_COUNT_PENDING = f"SELECT count(*) FROM bookmarks WHERE {_PENDING}"  # noqa: S608
_CHECK_SHAPE = f"{_SELECT} LIMIT 1"


class JournalError(Exception):
    """The journal could not be read or written; `str()` is plain words for the operator."""


def to_ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("bookmark times must be aware (with a time zone)")
    return round(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


@dataclass(frozen=True, slots=True)
class Entry:
    """One row: the bookmark as this console wants it, and what the hub has of it."""

    bookmark: Bookmark
    deleted: bool
    content_rev: int
    content_synced: int
    protect_rev: int
    protect_synced: int
    delete_synced: bool
    failed: str | None

    @property
    def content_pending(self) -> bool:
        return not self.deleted and self.content_rev > self.content_synced

    @property
    def protect_pending(self) -> bool:
        return not self.deleted and self.protect_rev > self.protect_synced

    @property
    def delete_pending(self) -> bool:
        return self.deleted and not self.delete_synced

    @property
    def pending(self) -> bool:
        """Still to be sent to the hub (a refused row is not)."""
        return self.failed is None and (
            self.content_pending or self.protect_pending or self.delete_pending
        )


def _entry(row: Sequence[Any]) -> Entry:
    (
        bookmark_id,
        camera_id,
        start_ms,
        end_ms,
        name,
        description,
        tags,
        protected,
        created_ms,
        created_by,
        revision,
        deleted,
        content_rev,
        content_synced,
        protect_rev,
        protect_synced,
        delete_synced,
        failed,
    ) = row
    bookmark = Bookmark(
        id=bookmark_id,
        camera_id=camera_id,
        start=from_ms(start_ms),
        end=from_ms(end_ms),
        name=name,
        description=description,
        tags=tuple(json.loads(tags)),
        protected=bool(protected),
        created_at=from_ms(created_ms),
        created_by=created_by,
        revision=revision,
    )
    return Entry(
        bookmark,
        bool(deleted),
        content_rev,
        content_synced,
        protect_rev,
        protect_synced,
        bool(delete_synced),
        failed,
    )


class Journal:
    """The journal file at `path`; `open()` before anything else, on the thread that uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self.thread_name: str | None = None
        self.kept_copy: Path | None = None

    # -- opening -------------------------------------------------------------------------------
    def open(self) -> str | None:
        """Open (or create) the journal. A damaged file is moved aside and a new journal
        started: the problem in plain words is returned (None when all is well). JournalError
        when even a new journal cannot be made (the folder cannot be written)."""
        self.thread_name = threading.current_thread().name
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(
                f"The bookmark journal cannot be kept in {self.path.parent} ({exc.strerror})."
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
        log.warning("bookmark journal %s is damaged (%s); %s", self.path, reason, where)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"The bookmark journal {self.path} cannot be made ({exc})."
            ) from None
        return (
            f"The bookmark journal {self.path.name} was damaged and could not be read; it was "
            f"{where}, and a new journal was started. Bookmarks already on the hub are not "
            "affected; bookmarks not yet sent to the hub when it broke may be missing."
        )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            # Read before anything is written: a file that is not ours is moved aside as it was.
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app_id != _APPLICATION_ID:
                raise JournalError("it is not a Tessera bookmark journal")
            if version > SCHEMA_VERSION:
                raise JournalError(f"it was written by a newer Tessera (journal version {version})")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise JournalError(f"SQLite finds it damaged: {check}")
            db.execute("PRAGMA journal_mode=WAL").fetchone()
            db.execute("PRAGMA synchronous=FULL")
            with self._transaction(db):
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            # A journal of another shape (a column missing) is damaged too.
            db.execute(_CHECK_SHAPE).fetchall()
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
        return move_aside(self.path, "bookmark journal")

    def close(self) -> None:
        self._close_quietly()

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise JournalError("The bookmark journal is not open.")
        return self._db

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
        """One transaction; a disk or database failure becomes a JournalError in plain words."""
        try:
            with self._transaction(self.db):
                yield self.db
        except sqlite3.Error as exc:
            raise JournalError(f"The bookmark journal could not be written ({exc}).") from None

    def _one(self, bookmark_id: str) -> Entry | None:
        row = self.db.execute(_SELECT_ONE, (bookmark_id,)).fetchone()
        return None if row is None else _entry(row)

    def _must(self, bookmark_id: str) -> Entry:
        entry = self._one(bookmark_id)
        if entry is None:
            raise KeyError(bookmark_id)
        return entry

    # -- reading -------------------------------------------------------------------------------
    def get(self, bookmark_id: str) -> Entry | None:
        return self._one(bookmark_id)

    def entries(self) -> list[Entry]:
        """Every row (deleted ones too), in the order they were added."""
        rows = self.db.execute(_SELECT_ALL)
        return [_entry(row) for row in rows]

    def pending(self) -> list[Entry]:
        """The rows still to send, oldest first."""
        rows = self.db.execute(_SELECT_PENDING)
        return [_entry(row) for row in rows]

    def pending_count(self) -> int:
        row = self.db.execute(_COUNT_PENDING).fetchone()
        return int(row[0])

    # -- local changes (each one transaction, on disk when it returns) ------------------------
    def add(self, bookmark: Bookmark) -> Entry:
        """A new bookmark of this console, to be sent. The same id again changes nothing and
        is answered with the row as it is."""
        with self._writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO bookmarks (id, camera_id, start_ms, end_ms, name, "
                "description, tags, protected, created_ms, created_by, protect_rev, added_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_row(bookmark), int(bookmark.protected), round(time.time() * 1000)),
            )
        return self._must(bookmark.id)

    def adopt(self, bookmark: Bookmark) -> Entry:
        """A bookmark the hub has (another console's, or one from before this journal), taken
        in as acknowledged so that it can be edited here. An existing row is kept as it is."""
        with self._writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO bookmarks (id, camera_id, start_ms, end_ms, name, "
                "description, tags, protected, created_ms, created_by, revision, content_rev, "
                "content_synced, added_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?)",
                (*_row(bookmark), bookmark.revision, round(time.time() * 1000)),
            )
        return self._must(bookmark.id)

    def edit(self, bookmark: Bookmark) -> Entry:
        """New content (span, name, description, tags) for an existing row; clears a refusal
        (the operator changed what was refused). KeyError for an unknown id."""
        self._must(bookmark.id)
        with self._writing() as db:
            db.execute(
                "UPDATE bookmarks SET start_ms = ?, end_ms = ?, name = ?, description = ?, "
                "tags = ?, content_rev = content_rev + 1, failed = NULL WHERE id = ?",
                (
                    to_ms(bookmark.start),
                    to_ms(bookmark.end),
                    bookmark.name,
                    bookmark.description,
                    json.dumps(list(bookmark.tags)),
                    bookmark.id,
                ),
            )
        return self._must(bookmark.id)

    def set_protected(self, bookmark_id: str, protected: bool) -> Entry:
        self._must(bookmark_id)
        with self._writing() as db:
            db.execute(
                "UPDATE bookmarks SET protected = ?, protect_rev = protect_rev + 1, "
                "failed = NULL WHERE id = ?",
                (int(protected), bookmark_id),
            )
        return self._must(bookmark_id)

    def delete(self, bookmark_id: str) -> Entry:
        self._must(bookmark_id)
        with self._writing() as db:
            db.execute(
                "UPDATE bookmarks SET deleted = 1, failed = NULL WHERE id = ?", (bookmark_id,)
            )
        return self._must(bookmark_id)

    # -- what the hub answered -----------------------------------------------------------------
    def content_acknowledged(self, bookmark_id: str, content_rev: int, hub: Bookmark) -> Entry:
        """The hub stored the content of `content_rev` (its answer `hub`)."""
        with self._writing() as db:
            db.execute(
                "UPDATE bookmarks SET content_synced = max(content_synced, ?), revision = ?, "
                "created_ms = ?, created_by = ? WHERE id = ?",
                (content_rev, hub.revision, to_ms(hub.created_at), hub.created_by, bookmark_id),
            )
        return self._must(bookmark_id)

    def protect_acknowledged(self, bookmark_id: str, protect_rev: int, hub: Bookmark) -> Entry:
        with self._writing() as db:
            db.execute(
                "UPDATE bookmarks SET protect_synced = max(protect_synced, ?), revision = ? "
                "WHERE id = ?",
                (protect_rev, hub.revision, bookmark_id),
            )
        return self._must(bookmark_id)

    def delete_acknowledged(self, bookmark_id: str) -> Entry:
        """The hub has it no more (deleted by this console or by another: `gone`)."""
        with self._writing() as db:
            db.execute(
                "UPDATE bookmarks SET deleted = 1, delete_synced = 1, failed = NULL WHERE id = ?",
                (bookmark_id,),
            )
        return self._must(bookmark_id)

    def refused(self, bookmark_id: str, reason: str) -> Entry:
        """The hub refused it for good: not sent again until it is changed here."""
        with self._writing() as db:
            db.execute("UPDATE bookmarks SET failed = ? WHERE id = ?", (reason, bookmark_id))
        return self._must(bookmark_id)


def _row(bookmark: Bookmark) -> tuple[object, ...]:
    """A bookmark's own columns, in the order of the journal's INSERTs (id ... created_by)."""
    return (
        bookmark.id,
        bookmark.camera_id,
        to_ms(bookmark.start),
        to_ms(bookmark.end),
        bookmark.name,
        bookmark.description,
        json.dumps(list(bookmark.tags)),
        int(bookmark.protected),
        to_ms(bookmark.created_at),
        bookmark.created_by,
    )
