"""`AuditTrail`: this console's operator actions, never lost, and the hub's log watched.

Every action goes into the local journal first (`console.audit.journal`, SQLite on a thread of
its own) and is then sent to the hub's audit log until the hub acknowledges it: at once, again
with backoff while the hub does not answer, and again at the next start for whatever was still
pending. Each entry carries its journal `seq`; the hub stores a console's entries only above
the highest seq it has, so sending again after a crash or a lost answer stores nothing twice.

The checkpoint watch: `CheckpointStore` keeps, per hub, the key that signs its log (pinned on
first contact) and the last checkpoint this console verified. `check_hub()` (on every connect)
and every batch's answer are verified: the signature by the pinned key, then a consistency
proof from the verified size to the new one (checked by `console.audit.merkle`, with the
library). A rewritten history, a shorter log or another key is shown in plain words
(`checked`, a notice); the verified checkpoint is then kept as it was.

`record()` may be called from any thread and never blocks on the disk (the journal thread
writes; what it finds waiting is written in one transaction). The rest runs on the console's
asyncio loop; the signals `pending_changed(count)` and `checked(AuditCheck)` are emitted there.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import logging
import queue
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from console.audit.journal import FILE_NAME, Journal, JournalError, Record, Row
from console.audit.merkle import (
    Checkpoint,
    ProofError,
    check_consistency,
    parse_checkpoint,
    verify_checkpoint,
)
from console.base.jsonfile import data_dir, load_versioned, save_versioned
from console.base.notices import Level, Notices
from console.base.safe_text import clean_text
from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.hub.audit_facet import AuditEntry, AuditFacet
from console.hub.errors import HubError, HubHttpError, HubProtocolError
from console.hub.retry import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")

STORE_FILE = "audit-checkpoints.json"
STORE_KIND = "tessera-audit-checkpoints"
STORE_VERSION = 1
NOTICE_KEY = "audit"
MAX_BATCH = 500
MAX_BATCH_BYTES = 512 * 1024  # under the hub's request limit (aiohttp's 1 MiB by default)
MAX_DETAILS_BYTES = 4096
MAX_TEXT = 256
_ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_GROUP = 1000  # records written in one transaction at most

# The actions issue 17 names (others may be used: any lower-case word of the same shape).
ACTIONS = (
    "sign_in",
    "sign_out",
    "tile.show",
    "playback.start",
    "playback.stop",
    "ptz.take",
    "ptz.release",
    "bookmark.create",
    "bookmark.change",
    "bookmark.delete",
    "alarm.acknowledge",
    "alarm.close",
    "export",
    "mask.lift",
    "layout.change",
    "settings.change",
    "private_access.requested",
    "private_access.granted",
    "private_access.refused",
    "private_access.ended",
    "private_access.live",
)


class AuditError(Exception):
    """An action this console cannot record; `str()` is plain words."""


@dataclass(frozen=True, slots=True)
class AuditCheck:
    """What the last look at the hub's log found. `ok` False and `tampered` True: the log is
    not what this console verified before (shown to the operator); `tampered` False: it could
    not be checked (the hub away)."""

    ok: bool
    message: str
    size: int = 0
    tampered: bool = False


@dataclass(frozen=True, slots=True)
class Pinned:
    """What this console trusts of one hub's log."""

    key_name: str
    public_key: bytes
    origin: str
    size: int
    root: bytes
    checkpoint: str
    verified_at: str

    def as_checkpoint(self) -> Checkpoint:
        return Checkpoint(self.origin, self.size, self.root, self.checkpoint)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise AuditError("An audit time must be aware (with a time zone).")
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _when(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso.replace('Z', '+00:00')):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return "an earlier day"


# -- the checkpoints this console verified ---------------------------------------------------------
class CheckpointStore:
    """Per hub (`key`: its URL without credentials, or its origin) the pinned key and the last
    verified checkpoint, in `audit-checkpoints.json` (data folder), written atomically.
    Blocking file I/O: `AuditTrail` calls it on its journal thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / STORE_FILE
        self._lock = threading.Lock()
        self.problem: str | None = None
        self._hubs: dict[str, Pinned] | None = None

    def _load(self) -> dict[str, Pinned]:
        if self._hubs is None:
            result = load_versioned(self.path, STORE_KIND, STORE_VERSION, _parse_store, _no_hubs)
            self._hubs = result.value
            self.problem = result.problem
        return self._hubs

    def get(self, key: str) -> Pinned | None:
        with self._lock:
            return self._load().get(key)

    def put(self, key: str, pinned: Pinned) -> None:
        with self._lock:
            hubs = self._load()
            hubs[key] = pinned
            save_versioned(
                self.path,
                STORE_KIND,
                STORE_VERSION,
                {"hubs": {k: _pinned_json(v) for k, v in hubs.items()}},
            )

    def all(self) -> dict[str, Pinned]:
        with self._lock:
            return dict(self._load())


def _no_hubs() -> dict[str, Pinned]:
    return {}


def _pinned_json(p: Pinned) -> dict[str, Any]:
    return {
        "key_name": p.key_name,
        "public_key": base64.b64encode(p.public_key).decode("ascii"),
        "origin": p.origin,
        "size": p.size,
        "root": base64.b64encode(p.root).decode("ascii"),
        "checkpoint": p.checkpoint,
        "verified_at": p.verified_at,
    }


def _parse_store(doc: dict[str, Any]) -> dict[str, Pinned]:
    hubs = doc["hubs"]
    if not isinstance(hubs, dict):
        raise ValueError('"hubs" is not an object')
    out = {}
    for key, v in hubs.items():
        out[str(key)] = Pinned(
            str(v["key_name"]),
            base64.b64decode(v["public_key"], validate=True),
            str(v["origin"]),
            int(v["size"]),
            base64.b64decode(v["root"], validate=True),
            str(v["checkpoint"]),
            str(v["verified_at"]),
        )
    return out


# -- the trail ------------------------------------------------------------------------------------
def default_path() -> Path:
    return data_dir() / FILE_NAME


def _unchecked(exc: HubError) -> AuditCheck:
    """The hub's log could not be checked; one the hub itself found damaged (it refuses with
    `audit_damaged`) is shown as tampered with, in the hub's words."""
    if isinstance(exc, HubHttpError) and exc.code == "audit_damaged":
        words = clean_text(exc.server_message) or "its log does not verify"
        return AuditCheck(False, f"The hub says its audit log is damaged: {words}", 0, True)
    return AuditCheck(False, f"The hub's audit log could not be checked: {exc.operator_message}")


def _check_record(
    action: str, camera: str | None, details: Mapping[str, Any] | None
) -> dict[str, Any]:
    if not isinstance(action, str) or not _ACTION.fullmatch(action):
        raise AuditError(f"{action!r} is not an audit action (lower-case letters, '.', '_').")
    if camera is not None and (not isinstance(camera, str) or not 0 < len(camera) <= MAX_TEXT):
        raise AuditError(f"A camera id is 1 to {MAX_TEXT} characters.")
    kept = dict(details or {})
    try:
        size = len(
            json.dumps(kept, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
        )
    except (TypeError, ValueError):
        raise AuditError("The details of an audit entry must be plain JSON.") from None
    if size > MAX_DETAILS_BYTES:
        raise AuditError(f"The details of an audit entry are at most {MAX_DETAILS_BYTES} bytes.")
    return kept


class AuditTrail:
    """The audit trail of this console: journaled at `journal_path` (default: `audit.sqlite3`
    in the data folder), sent to `facet` (None: kept locally only), the hub's log watched in
    `store` under `hub_key`. `open()` before use, `close()` at the end."""

    def __init__(
        self,
        facet: AuditFacet | None,
        journal_path: Path | None = None,
        *,
        hub_key: str = "",
        store: CheckpointStore | None = None,
        notices: Notices | None = None,
        operator: str | None = None,
        backoff: Backoff | None = None,
        batch: int = MAX_BATCH,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.facet = facet
        self.path = journal_path or default_path()
        self.hub_key = hub_key
        self.store = store or CheckpointStore()
        self.notices = notices
        self.operator = operator
        self._backoff = backoff or Backoff(0.5, 30.0)
        self._batch = max(1, min(batch, 1000))
        self._clock = clock
        self._journal = Journal(self.path)
        self._jobs: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks = TaskOwner("audit")
        self._wake: asyncio.Event | None = None
        self._check_lock: asyncio.Lock | None = None
        self._pending = 0
        self._closed = False
        self.problem: str | None = None
        self.last_check: AuditCheck | None = None
        self.pending_changed = Signal()  # (count of entries not yet on the hub)
        self.checked = Signal()  # (AuditCheck), after each look at the hub's log

    # -- life ------------------------------------------------------------------------------------
    async def open(self, *, send: bool = True) -> None:
        """Open the journal (on its thread) and start sending what is pending (`send`)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._check_lock = asyncio.Lock()
        opened: concurrent.futures.Future[str | None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(opened,), name="audit-journal", daemon=True
        )
        self._thread.start()
        self.problem = await asyncio.wrap_future(opened)
        if self.problem is not None and self.notices is not None:
            self.notices.post(self.problem, Level.WARNING, key=f"{NOTICE_KEY}-journal")
        await self._count()
        if send and self.facet is not None:
            self._tasks.spawn(self._send_forever(), name="audit-sender")

    async def close(self) -> None:
        await self._tasks.close()
        if self._thread is not None and not self._closed:
            self._closed = True
            self._jobs.put(None)
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 10.0)

    @property
    def console_id(self) -> str:
        return self._journal.console_id

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def journal_thread(self) -> str | None:
        return self._journal.thread_name

    # -- the journal thread ----------------------------------------------------------------------
    def _run(self, opened: concurrent.futures.Future[str | None]) -> None:
        try:
            opened.set_result(self._journal.open())
        except BaseException as exc:
            opened.set_exception(exc)
            return
        held: list[tuple[Any, ...] | None] = []  # a job taken while gathering records
        try:
            while True:
                job = held.pop() if held else self._jobs.get()
                if job is None:
                    return
                if job[0] == "call":
                    _, fn, args, fut = job
                    if fut.set_running_or_notify_cancel():
                        try:
                            fut.set_result(fn(*args))
                        except BaseException as exc:
                            fut.set_exception(exc)
                    continue
                group = [job]
                while len(group) < _GROUP:
                    try:
                        more = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if more is None or more[0] != "rec":
                        held.append(more)
                        break
                    group.append(more)
                self._write_group(group)
        finally:
            self._journal.close()

    def _write_group(self, group: list[tuple[Any, ...]]) -> None:
        try:
            seqs = self._journal.record_many([g[1] for g in group])
        except BaseException as exc:
            for g in group:
                g[2].set_exception(AuditError(str(exc)) if isinstance(exc, JournalError) else exc)
            return
        for g, seq in zip(group, seqs, strict=True):
            g[2].set_result(seq)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._recorded, len(seqs))

    def _recorded(self, count: int) -> None:
        self._pending += count
        self.pending_changed.emit(self._pending)
        if self._wake is not None:
            self._wake.set()

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        if self._thread is None or self._closed:
            raise AuditError("The audit trail is not open.")
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put(("call", fn, args, fut))
        return await asyncio.wrap_future(fut)

    async def _count(self) -> None:
        count = await self._db(self._journal.pending_count)
        if count != self._pending:
            self._pending = count
            self.pending_changed.emit(count)

    # -- recording -------------------------------------------------------------------------------
    def record(
        self,
        action: str,
        camera: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        time: datetime | None = None,
        operator: str | None = None,
    ) -> concurrent.futures.Future[int]:
        """Record an action (from any thread; never waits for the disk). The future gives its
        seq once the journal has it on disk. AuditError for what cannot be an entry."""
        kept = _check_record(action, camera, details)
        if self._thread is None or self._closed:
            raise AuditError("The audit trail is not open.")
        record = Record(
            _iso(time or self._clock()), action, camera, kept, operator or self.operator
        )
        fut: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._jobs.put(("rec", record, fut))
        return fut

    def record_and_wait(
        self,
        action: str,
        camera: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        time: datetime | None = None,
        timeout_s: float = 10.0,
    ) -> int:
        """`record`, then wait until it is on disk (not on the loop thread: it blocks)."""
        return self.record(action, camera, details, time=time).result(timeout_s)

    async def arecord(
        self,
        action: str,
        camera: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        time: datetime | None = None,
    ) -> int:
        """`record`, awaited until it is on disk."""
        return await asyncio.wrap_future(self.record(action, camera, details, time=time))

    async def rows(self, start_seq: int = 0, limit: int = 10_000) -> list[Row]:
        return await self._db(self._journal.rows, start_seq, limit)

    # -- sending ---------------------------------------------------------------------------------
    def nudge(self) -> None:
        """Send what is pending now, not at the end of the backoff. Loop thread only."""
        if self._wake is not None:
            self._wake.set()

    async def wait_sent(self, timeout_s: float = 10.0) -> bool:
        """Wait until nothing is pending (True), at most `timeout_s` (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        self.nudge()
        while True:
            await self._count()
            if self._pending == 0:
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)

    async def _send_forever(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self._send_pending()
                self._backoff.reset()
                await self._wake.wait()
            except HubError as exc:
                delay = self._backoff.next_delay()
                log.info(
                    "audit: %d entries not yet on the hub (%s); trying again in %.1f s",
                    self._pending,
                    exc,
                    delay,
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
            except (JournalError, AuditError) as exc:
                log.error("audit: the journal failed: %s", exc)
                if self.notices is not None:
                    self.notices.post(str(exc), Level.ERROR, key=f"{NOTICE_KEY}-journal")
                await asyncio.sleep(self._backoff.next_delay())

    async def _send_pending(self) -> None:
        facet = self.facet
        if facet is None:
            return
        while True:
            rows = await self._db(self._journal.pending, self._batch)
            if not rows:
                return
            entries: list[AuditEntry] = []
            size = 0
            for row in rows:
                r = row.record
                size += 256 + len(json.dumps(r.details))
                if entries and size > MAX_BATCH_BYTES:
                    break
                entries.append(AuditEntry(row.seq, r.time, r.action, r.camera, r.details))
            ack = await facet.audit_append(self.console_id, entries)
            if ack.acknowledged_seq < entries[0].seq:
                raise HubProtocolError(
                    "audit: the hub acknowledged none of the entries sent",
                    field="audit.acknowledged_seq",
                )
            settled = await self._db(self._journal.acknowledge, ack.acknowledged_seq)
            self._pending = max(0, self._pending - settled)
            self.pending_changed.emit(self._pending)
            await self._accept(ack.checkpoint)

    # -- the checkpoint watch --------------------------------------------------------------------
    async def check_hub(self) -> AuditCheck:
        """Fetch the hub's checkpoint and check it against what this console verified before
        (call on every connect). The result is also emitted on `checked`."""
        facet = self.facet
        if facet is None:
            return self._report(AuditCheck(False, "This video source keeps no audit log."))
        assert self._check_lock is not None
        async with self._check_lock:
            try:
                info = await facet.audit_checkpoint()
                pinned = await self._db(self.store.get, self.hub_key)
                if pinned is None:
                    try:
                        cp = verify_checkpoint(
                            info.checkpoint, info.key_name, info.public_key, info.origin
                        )
                    except ProofError as exc:
                        return self._report(
                            AuditCheck(
                                False,
                                f"The hub's audit checkpoint does not verify with the key the "
                                f"hub names: {exc}",
                                0,
                                True,
                            )
                        )
                    await self._store(info.key_name, info.public_key, cp)
                    return self._report(
                        AuditCheck(
                            True,
                            f"The hub's audit log ({cp.size:,} entries) is verified from now "
                            "on: this console keeps its key and checks every later checkpoint.",
                            cp.size,
                        )
                    )
                if info.public_key != pinned.public_key or info.key_name != pinned.key_name:
                    return self._report(
                        AuditCheck(
                            False,
                            "The hub's audit log is signed by a different key than before: its "
                            "history cannot be trusted. Ask an administrator to look into it.",
                            pinned.size,
                            True,
                        )
                    )
                return self._report(await self._extend(pinned, info.checkpoint))
            except HubError as exc:
                return self._report(_unchecked(exc))

    async def _accept(self, text: str) -> None:
        """A batch answer's checkpoint: verified and checked consistent before it is kept."""
        assert self._check_lock is not None
        pinned = await self._db(self.store.get, self.hub_key)
        if pinned is None:
            await self.check_hub()
            return
        async with self._check_lock:
            check = await self._extend(pinned, text)
        if check.ok:
            self.last_check = check  # (not emitted: one per batch would be noise)
        else:
            self._report(check)

    async def _extend(self, pinned: Pinned, text: str) -> AuditCheck:
        """Check `text` against `pinned`; keep it when it verifies."""
        facet = self.facet
        assert facet is not None
        since = _when(pinned.verified_at)
        try:
            cp = verify_checkpoint(text, pinned.key_name, pinned.public_key, pinned.origin)
        except ProofError as exc:
            return AuditCheck(
                False,
                f"The hub's audit checkpoint does not verify with the key this console has "
                f"trusted since {since}: {exc}",
                pinned.size,
                True,
            )
        old = pinned.as_checkpoint()
        rewritten = AuditCheck(
            False,
            f"The hub's audit log was rewritten: its history no longer contains the "
            f"{pinned.size:,} entries this console verified on {since}.",
            pinned.size,
            True,
        )
        if cp.size < old.size:
            return rewritten
        if cp.size == old.size:
            if cp.root != old.root:
                return rewritten
            return AuditCheck(True, f"The hub's audit log verifies ({cp.size:,} entries).", cp.size)
        hashes = await facet.audit_consistency(old.size, cp.size)
        try:
            check_consistency(old, cp, hashes)
        except ProofError:
            return rewritten
        await self._store(pinned.key_name, pinned.public_key, cp)
        return AuditCheck(True, f"The hub's audit log verifies ({cp.size:,} entries).", cp.size)

    async def _store(self, key_name: str, public_key: bytes, cp: Checkpoint) -> None:
        parse_checkpoint(cp.text)
        pinned = Pinned(
            key_name, public_key, cp.origin, cp.size, cp.root, cp.text, _iso(self._clock())
        )
        await self._db(self.store.put, self.hub_key, pinned)

    def _report(self, check: AuditCheck) -> AuditCheck:
        self.last_check = check
        if check.tampered:
            log.error("audit: %s", check.message)
            if self.notices is not None:
                self.notices.post(check.message, Level.ERROR, key=f"{NOTICE_KEY}-log")
        self.checked.emit(check)
        return check


__all__ = [
    "ACTIONS",
    "AuditCheck",
    "AuditError",
    "AuditTrail",
    "CheckpointStore",
    "Pinned",
    "default_path",
]
