"""`Bookmarks`: the operator's bookmarks, never lost and never doubled.

Every bookmark this console creates or changes goes into the local journal first
(`console.bookmarks.journal`, SQLite on a thread of its own) and is then sent to the hub until
the hub acknowledges it: at once, again with backoff while the hub does not answer, and again
at the next start for whatever was still pending. The id is made here, before the journal
write, and the hub's `PUT` is create-or-replace by that id, so sending a bookmark twice (the
console died before it heard the answer) makes one bookmark.

The API the views use: `create`, `edit`, `delete`, `protect`, `search`, `pending`, `nudge`,
and the signals `changed(bookmark, deleted)` and `pending_changed(count)`. Everything is called and
emitted on the console's asyncio loop (the GUI thread under qasync); the journal's blocking
SQLite calls run on its own thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

from console.base.jsonfile import data_dir
from console.base.notices import Level, Notices
from console.base.safe_text import clean_text, is_clean
from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.bookmarks.journal import FILE_NAME, Entry, Journal, JournalError, from_ms, to_ms
from console.hub.base import HubClient
from console.hub.errors import HubError, HubHttpError, HubNotFound
from console.hub.facets import BookmarksFacet
from console.hub.models import Bookmark, BookmarkQuery, Rejected
from console.hub.retry import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BEFORE_S = 10.0
DEFAULT_AFTER_S = 20.0
MAX_SPAN_S = 24 * 3600.0
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_TAGS = 20
MAX_TAG = 64
NOTICE_KEY = "bookmarks"


class BookmarkError(Exception):
    """A bookmark request this console refuses, or cannot keep; `str()` is plain words."""


@dataclass(frozen=True, slots=True)
class BookmarkSearch:
    """What a search found: the hub's bookmarks with this console's unsent changes laid over
    them, by start. `from_hub` is False when the hub did not answer (then only this console's
    own bookmarks are there, and `problem` says why). `pending_ids`: those not yet on the hub;
    `refused`: id -> why the hub refused it; `rejected`: hub entries that could not be read."""

    bookmarks: tuple[Bookmark, ...]
    from_hub: bool
    problem: str | None = None
    pending_ids: frozenset[str] = frozenset()
    refused: dict[str, str] | None = None
    rejected: tuple[Rejected, ...] = ()


def default_path() -> Path:
    return data_dir() / FILE_NAME


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ms(when: datetime) -> datetime:
    """`when` on whole milliseconds (what the hub keeps), so a retry compares equal."""
    return from_ms(to_ms(when))


def _check_text(name: str, description: str, tags: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    if len(name) > MAX_NAME or not is_clean(name):
        raise BookmarkError(
            f"A bookmark name is at most {MAX_NAME} characters, without control characters."
        )
    if len(description) > MAX_DESCRIPTION:
        raise BookmarkError(f"A bookmark description is at most {MAX_DESCRIPTION} characters.")
    kept: list[str] = []
    for tag in tags:
        clean = tag.strip()
        if not clean or len(clean) > MAX_TAG or "," in clean or clean != clean_text(clean):
            raise BookmarkError(
                f"A tag is 1 to {MAX_TAG} characters, without commas or control characters."
            )
        if clean not in kept:
            kept.append(clean)
    if len(kept) > MAX_TAGS:
        raise BookmarkError(f"A bookmark has at most {MAX_TAGS} tags.")
    return name.strip(), tuple(kept)


def _check_span(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("bookmark times must be aware (with a time zone)")
    if end < start:
        raise BookmarkError("A bookmark cannot end before it starts.")
    if (end - start).total_seconds() > MAX_SPAN_S:
        raise BookmarkError("A bookmark spans at most 24 hours.")


class Bookmarks:
    """The bookmarks of `client` (its `bookmarks_facet`), journaled at `path` (default:
    `bookmarks.sqlite3` in the data folder). `open()` before use, `close()` at the end.

    `operator` is recorded as the creator of bookmarks made while the hub is away (the hub
    records its own once it has them). `notices` receives what the operator must know (a
    damaged journal, a bookmark the hub refused)."""

    def __init__(
        self,
        client: HubClient,
        path: Path | None = None,
        *,
        notices: Notices | None = None,
        operator: str | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.client = client
        self.path = path or default_path()
        self.notices = notices
        self.operator = operator
        self._backoff = backoff or Backoff(0.5, 30.0)
        self._clock = clock
        self._journal = Journal(self.path)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._tasks = TaskOwner("bookmarks")
        self._wake = asyncio.Event()
        self._pending = 0
        self.problem: str | None = None
        self.changed = Signal()  # (Bookmark, deleted: bool), after the journal has it
        self.pending_changed = Signal()  # (count of bookmarks not yet on the hub)

    # -- life ------------------------------------------------------------------------------------
    async def open(self) -> None:
        """Open the journal (on its thread) and start sending what is pending. A damaged journal
        is moved aside and a new one started (`problem`, and a notice); JournalError (plain
        words) when no journal can be kept at all."""
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="bookmark-journal"
        )
        self.problem = await self._db(self._journal.open)
        if self.problem is not None and self.notices is not None:
            self.notices.post(self.problem, Level.WARNING, key=f"{NOTICE_KEY}-journal")
        await self._count()
        self._tasks.spawn(self._send_forever(), name="bookmarks-sender")

    async def close(self) -> None:
        await self._tasks.close()
        if self._executor is not None:
            await self._db(self._journal.close)
            self._executor.shutdown(wait=False)
            self._executor = None

    @property
    def facet(self) -> BookmarksFacet | None:
        return self.client.bookmarks_facet

    @property
    def pending(self) -> int:
        """Bookmarks (and changes of them) this console has not yet had acknowledged by the
        hub."""
        return self._pending

    @property
    def journal_thread(self) -> str | None:
        """The name of the thread the journal runs on (never the loop's)."""
        return self._journal.thread_name

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        if self._executor is None:
            raise BookmarkError("The bookmarks are not open.")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    async def _count(self) -> None:
        count = await self._db(self._journal.pending_count)
        if count != self._pending:
            self._pending = count
            self.pending_changed.emit(count)

    async def _changed(self, entry: Entry) -> Bookmark:
        await self._count()
        self.changed.emit(entry.bookmark, entry.deleted)
        self._wake.set()
        return entry.bookmark

    async def _write(self, fn: Callable[..., Entry], *args: object) -> Entry:
        try:
            return await self._db(fn, *args)
        except JournalError as exc:
            raise BookmarkError(str(exc)) from None

    # -- the operator's changes ------------------------------------------------------------------
    async def create(
        self,
        camera_id: str,
        at: datetime,
        *,
        before_s: float = DEFAULT_BEFORE_S,
        after_s: float = DEFAULT_AFTER_S,
        name: str = "",
        description: str = "",
        tags: Iterable[str] = (),
    ) -> Bookmark:
        """A bookmark of `camera_id` around the moment `at` (aware): from `before_s` before it
        to `after_s` after it. Returned once it is in the journal on disk (`revision` 0: not yet
        on the hub); it is sent to the hub from there. BookmarkError for what the hub would
        refuse (plain words), or when the journal cannot be written."""
        if not camera_id:
            raise BookmarkError("A bookmark needs a camera.")
        if before_s < 0 or after_s < 0:
            raise BookmarkError("A bookmark's span cannot reach backwards.")
        start, end = _ms(at - timedelta(seconds=before_s)), _ms(at + timedelta(seconds=after_s))
        _check_span(start, end)
        name, tags_kept = _check_text(name, description, tags)
        facet = self.facet
        if facet is None:
            raise BookmarkError("This video source keeps no bookmarks.")
        bookmark = Bookmark(
            id=facet.new_bookmark_id(camera_id),
            camera_id=camera_id,
            start=start,
            end=end,
            name=name or f"Bookmark {at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC",
            description=description,
            tags=tags_kept,
            created_at=_ms(self._clock()),
            created_by=self.operator,
        )
        return await self._changed(await self._write(self._journal.add, bookmark))

    async def _local(self, bookmark_id: str) -> Entry:
        """The journal's row, or the hub's bookmark taken in (another console's)."""
        entry = await self._db(self._journal.get, bookmark_id)
        if entry is not None:
            if entry.deleted:
                raise BookmarkError("This bookmark was deleted.")
            return entry
        facet = self.facet
        if facet is None:
            raise BookmarkError("This video source keeps no bookmarks.")
        try:
            hub = await facet.bookmark(bookmark_id)
        except HubNotFound:
            raise BookmarkError("The hub has no such bookmark (any more).") from None
        except HubError as exc:
            raise BookmarkError(
                f"This bookmark is not in this console's journal, and the hub cannot be asked "
                f"for it now: {exc.operator_message}"
            ) from None
        return await self._write(self._journal.adopt, hub)

    async def edit(
        self,
        bookmark_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
    ) -> Bookmark:
        """Change the span, name, description or tags (None: keep); in the journal first,
        then on the hub (the last change wins there)."""
        entry = await self._local(bookmark_id)
        old = entry.bookmark
        new_start = _ms(start) if start is not None else old.start
        new_end = _ms(end) if end is not None else old.end
        _check_span(new_start, new_end)
        new_name, new_tags = _check_text(
            old.name if name is None else name,
            old.description if description is None else description,
            old.tags if tags is None else tags,
        )
        if not new_name:
            raise BookmarkError("A bookmark needs a name.")
        bookmark = replace(
            old,
            start=new_start,
            end=new_end,
            name=new_name,
            description=old.description if description is None else description,
            tags=new_tags,
        )
        return await self._changed(await self._write(self._journal.edit, bookmark))

    async def delete(self, bookmark_id: str) -> None:
        """Delete it: in the journal first, then on the hub."""
        entry = await self._local(bookmark_id)
        await self._changed(await self._write(self._journal.delete, entry.bookmark.id))

    async def protect(self, bookmark_id: str, protected: bool = True) -> Bookmark:
        """Ask the hub to keep the footage of its span (or lift that)."""
        entry = await self._local(bookmark_id)
        if entry.bookmark.protected is protected and not entry.protect_pending:
            return entry.bookmark
        return await self._changed(
            await self._write(self._journal.set_protected, bookmark_id, protected)
        )

    # -- reading ---------------------------------------------------------------------------------
    async def entries(self) -> list[Entry]:
        """Every journal row (this console's bookmarks, deleted ones too)."""
        return await self._db(self._journal.entries)

    async def search(self, query: BookmarkQuery | None = None) -> BookmarkSearch:
        """The hub's bookmarks that match, with this console's unsent changes laid over them;
        only this console's own when the hub does not answer."""
        query = query or BookmarkQuery()
        entries = await self._db(self._journal.entries)
        found: dict[str, Bookmark] = {}
        problem: str | None = None
        rejected: tuple[Rejected, ...] = ()
        facet = self.facet
        from_hub = False
        if facet is not None:
            try:
                answer = await facet.bookmarks(query)
                found = {b.id: b for b in answer.bookmarks}
                rejected = answer.rejected
                from_hub = True
            except HubError as exc:
                problem = exc.operator_message
        else:
            problem = "This video source keeps no bookmarks."
        pending: set[str] = set()
        refused: dict[str, str] = {}
        for entry in entries:
            bookmark_id = entry.bookmark.id
            if entry.failed is not None:
                refused[bookmark_id] = entry.failed
            unsent = entry.pending or entry.failed is not None
            if unsent:
                pending.add(bookmark_id)
            if from_hub and not unsent:
                continue  # the hub has it as this console left it: its copy is the newer
            if entry.deleted or not query.matches(entry.bookmark):
                found.pop(bookmark_id, None)
            else:
                found[bookmark_id] = entry.bookmark
        ordered = tuple(sorted(found.values(), key=lambda b: (b.start, b.id)))
        return BookmarkSearch(
            ordered, from_hub, problem, frozenset(pending & set(found)), refused, rejected
        )

    # -- sending ---------------------------------------------------------------------------------
    def nudge(self) -> None:
        """Send what is pending now instead of at the end of the backoff (call it when the hub
        is known to be back, e.g. on `HubReachability.back`). Loop thread only."""
        self._wake.set()

    async def wait_sent(self, timeout_s: float = 10.0) -> bool:
        """Wait until nothing is pending (True), at most `timeout_s` (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        self._wake.set()  # try now, not after the backoff
        while True:
            await self._count()
            if self._pending == 0:
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)

    async def _send_forever(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._send_pending()
                self._backoff.reset()
                await self._wake.wait()
            except HubError as exc:
                delay = self._backoff.next_delay()
                log.info(
                    "bookmarks: %d not yet on the hub (%s); trying again in %.1f s",
                    self._pending,
                    exc,
                    delay,
                )
                # A new bookmark does not wait out the backoff: it may find the hub back.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
            except JournalError as exc:
                log.error("bookmarks: the journal failed: %s", exc)
                if self.notices is not None:
                    self.notices.post(str(exc), Level.ERROR, key=f"{NOTICE_KEY}-journal")
                await asyncio.sleep(self._backoff.next_delay())

    async def _send_pending(self) -> None:
        """Send every pending row; a HubError that may pass (the hub away, an answer this
        console cannot read) stops the round for a backoff; the hub refusing one row for good
        marks that row only."""
        facet = self.facet
        if facet is None:
            return
        for entry in await self._db(self._journal.pending):
            try:
                done = await self._send(facet, entry)
            except HubHttpError as exc:
                if exc.retryable:
                    raise
                done = await self._refused(entry, exc)
            await self._changed_quietly(done)

    async def _send(self, facet: BookmarksFacet, entry: Entry) -> Entry:
        bookmark_id = entry.bookmark.id
        if entry.delete_pending:
            # HubNotFound: it never reached the hub, or is gone already: not there either way.
            with contextlib.suppress(HubNotFound):
                await facet.delete_bookmark(bookmark_id)
            return await self._db(self._journal.delete_acknowledged, bookmark_id)
        if entry.content_pending:
            # An answer this console cannot read (HubProtocolError) leaves it pending: the hub
            # may or may not have stored it, and sending it again (same id) is safe.
            hub = await facet.save_bookmark(entry.bookmark)
            entry = await self._db(
                self._journal.content_acknowledged, bookmark_id, entry.content_rev, hub
            )
        if entry.protect_pending:
            hub = await facet.protect_bookmark(bookmark_id, entry.bookmark.protected)
            entry = await self._db(
                self._journal.protect_acknowledged, bookmark_id, entry.protect_rev, hub
            )
        return entry

    async def _refused(self, entry: Entry, exc: HubHttpError) -> Entry:
        bookmark_id = entry.bookmark.id
        if exc.code == "gone":
            # Another console deleted it; the hub's word stands.
            return await self._db(self._journal.delete_acknowledged, bookmark_id)
        reason = exc.server_message or exc.operator_message
        log.warning("bookmarks: the hub refused %s: %s", bookmark_id, exc)
        if self.notices is not None:
            self.notices.post(
                f"The hub refused the bookmark {entry.bookmark.name!r}: {exc.operator_message} "
                f"({reason}). It is kept in this console's journal.",
                Level.WARNING,
                key=f"{NOTICE_KEY}-refused-{bookmark_id}",
            )
        return await self._db(self._journal.refused, bookmark_id, reason)

    async def _changed_quietly(self, entry: Entry) -> None:
        await self._count()
        self.changed.emit(entry.bookmark, entry.deleted)


__all__ = [
    "DEFAULT_AFTER_S",
    "DEFAULT_BEFORE_S",
    "BookmarkError",
    "BookmarkSearch",
    "Bookmarks",
    "default_path",
]
