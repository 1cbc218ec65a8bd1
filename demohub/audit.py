"""The hub's audit log: every operator action, in an append-only Merkle tree with signed
checkpoints (issue 17; RFC 6962/9162 trees in the C2SP tlog-tiles layout).

The tree, its tiles, its proofs and the signed checkpoint notes are `tlog_scales`'s (the C2SP
tlog-tiles / RFC 9162 library, pinned in pyproject.toml); nothing here hashes a tree by hand.
What this module adds is what the library leaves to its user:

- Crash safety. `TilesWriter` writes the tiles, then the checkpoint, each file atomically, but
  a crash between them leaves tiles for entries no checkpoint covers. Committing with
  `gc=False` keeps every partial tile, so the tiles of the last checkpoint's size are always
  there: the log reads as it was at that checkpoint, and the next commit writes over the rest.
  At start the tiles must give the checkpoint's root, or the log refuses to append (and says so).
- Exactly-once per console. Each console numbers its entries (`seq`); `consoles.json` keeps the
  highest stored per console and the tree size it was written at. A crash after a commit but
  before that file is written is repaired at start by reading the entries after that size.
- A history of every signed checkpoint (`checkpoints`, one JSON line each, fsynced), so an
  exported log can be checked offline across checkpoints.
- The hub's Ed25519 key (`signing-key`, mode 0600) and the log's origin, made once.

Blocking file I/O throughout: the routes run it on a worker thread, one writer at a time.
Everything a client sends is untrusted: strict types and sizes, refusals in plain words.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tlog_scales import backend, reader, signing, tiles, tlog, writer

log = logging.getLogger(__name__)

API = "/api/v1/audit"
MAX_ENTRY_BYTES = 8192  # the tiles allow 65,535; an audit entry is far smaller
MAX_BATCH = 1000  # entries in one POST
MAX_APPEND = 10_000  # entries in one append() call (the bench builds large logs with it)
MAX_READ = 1000  # entries in one GET answer
MAX_DETAILS_BYTES = 4096
HUB_CONSOLE = "hub"  # the console id of entries the hub writes itself (sign-in and out)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_MAX_SEQ = 2**62
_MAX_TEXT = 256


class AuditLogError(Exception):
    """The log cannot be opened or written; `str()` is plain words."""


class AuditRequestError(ValueError):
    """What a client sent is refused; `str()` is plain words, `code` the error code."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class _Stored:
    seq: int
    size: int  # the tree size once this console's `seq` was in it


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(doc: dict[str, Any]) -> bytes:
    """A leaf: canonical JSON (sorted keys, compact, UTF-8)."""
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- checking what a client sends ------------------------------------------------------------------
def check_console_id(value: object) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value) or value == HUB_CONSOLE:
        raise AuditRequestError(
            "The console id must be 1 to 64 letters, digits, dots, dashes or underscores."
        )
    return value


def _check_time(value: object, where: str) -> str:
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise AuditRequestError(f"{where}: the time must be an ISO 8601 text with a time zone.")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AuditRequestError(f"{where}: {value!r} is not an ISO 8601 time.") from None
    if when.tzinfo is None:
        raise AuditRequestError(f"{where}: the time needs a time zone.")
    return value


def _check_text(value: object, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_TEXT:
        raise AuditRequestError(f"{where} must be a text of 1 to {_MAX_TEXT} characters.")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise AuditRequestError(f"{where} must not hold control characters.")
    return value


def _check_details(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AuditRequestError(f"{where}: the details must be a JSON object.")
    try:
        size = len(canonical(value))
    except (TypeError, ValueError):
        raise AuditRequestError(f"{where}: the details are not plain JSON.") from None
    if size > MAX_DETAILS_BYTES:
        raise AuditRequestError(f"{where}: the details are larger than {MAX_DETAILS_BYTES} bytes.")
    return value


@dataclass(frozen=True, slots=True)
class EntryIn:
    """One entry as a console sends it (checked)."""

    seq: int
    time: str
    action: str
    camera: str | None
    details: dict[str, Any]


def parse_entries(value: object, *, limit: int = MAX_BATCH) -> list[EntryIn]:
    """The `entries` of a POST, checked: 1..limit objects with increasing `seq`."""
    if not isinstance(value, list) or not 1 <= len(value) <= limit:
        raise AuditRequestError(f"'entries' must be a list of 1 to {limit} entries.")
    out: list[EntryIn] = []
    last = 0
    for i, raw in enumerate(value):
        where = f"Entry {i + 1}"
        if not isinstance(raw, dict):
            raise AuditRequestError(f"{where} is not a JSON object.")
        unknown = set(raw) - {"seq", "time", "action", "camera", "details"}
        if unknown:
            raise AuditRequestError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.")
        seq = raw.get("seq")
        if type(seq) is not int or not 1 <= seq < _MAX_SEQ:
            raise AuditRequestError(f"{where}: 'seq' must be a positive whole number.")
        if seq <= last:
            raise AuditRequestError(f"{where}: the sequence numbers must increase ({seq}).")
        last = seq
        action = raw.get("action")
        if not isinstance(action, str) or not _ACTION.fullmatch(action):
            raise AuditRequestError(
                f"{where}: 'action' must be 1 to 64 lower-case letters, digits, '.', '_' or '-'."
            )
        out.append(
            EntryIn(
                seq,
                _check_time(raw.get("time"), where),
                action,
                _check_text(raw.get("camera"), f"{where}: 'camera'", optional=True),
                _check_details(raw.get("details", {}), where),
            )
        )
    return out


# -- the log --------------------------------------------------------------------------------------
class AuditLog:
    """The audit log kept in `directory` (tlog-tiles layout, plus the files above); None: a
    temporary folder removed by `close()` (tests, a hub without state)."""

    def __init__(self, directory: Path | None) -> None:
        self._temporary = directory is None
        self.directory = (
            Path(tempfile.mkdtemp(prefix="tessera-audit-")) if directory is None else directory
        )
        self._lock = threading.Lock()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._signer, self.origin = self._key_and_origin()
        self.vkey: signing.Vkey = self._signer.vkey
        cp_path = self.directory / "checkpoint"
        if cp_path.exists():
            self._writer = writer.TilesWriter.from_path(self.directory)
            self._check_tiles()
        else:
            self._writer = writer.TilesWriter(self.directory, self.origin, 0)
            self._writer.commit([self._signer], gc=False)
        self._reader = reader.TilesReader(backend.LocalBackend(self.directory))
        self._checkpoint_text = cp_path.read_text("utf-8")
        self._repair_history()
        self._consoles, self._consoles_size = self._load_consoles()
        self._rescan()

    # -- opening ---------------------------------------------------------------------------------
    def _key_and_origin(self) -> tuple[signing.PlainEd25519Signer, str]:
        key_path = self.directory / "signing-key"
        origin_path = self.directory / "origin"
        if key_path.exists():
            raw = key_path.read_bytes()
            if len(raw) != 32:
                raise AuditLogError(f"The audit log's signing key {key_path} is damaged.")
            key = Ed25519PrivateKey.from_private_bytes(raw)
        else:
            key = Ed25519PrivateKey.generate()
            _write_atomic(key_path, key.private_bytes_raw(), 0o600)
        if origin_path.exists():
            origin = origin_path.read_text("utf-8").strip()
        else:
            origin = f"tessera-demohub/{uuid.uuid4().hex[:16]}"
            _write_atomic(origin_path, (origin + "\n").encode())
        signer = signing.PlainEd25519Signer(origin, key)
        vkey_path = self.directory / "vkey"
        if not vkey_path.exists():  # the public key, for offline checks of an exported copy
            # (the library leaves `serialize` unannotated; it returns the vkey text)
            text = str(signer.vkey.serialize())  # type: ignore[no-untyped-call]
            _write_atomic(vkey_path, (text + "\n").encode())
        return signer, origin

    def _check_tiles(self) -> None:
        text = (self.directory / "checkpoint").read_text("utf-8")
        try:
            cp = tlog.Checkpoint.from_text(text)
            cp.verify(self.vkey)
        except Exception as exc:
            raise AuditLogError(
                f"The audit log's checkpoint in {self.directory} is not signed by this hub's key "
                f"({exc}); the log is not appended to until this is looked into."
            ) from None
        if cp.origin != self.origin:
            raise AuditLogError(
                f"The audit log in {self.directory} belongs to another log ({cp.origin})."
            )
        check = reader.TilesReader(backend.LocalBackend(self.directory))
        check.set_size(cp.size)
        try:
            root = check.calculate_root_hash()
        except Exception as exc:
            root = None
            why = f"its tiles cannot be read ({exc})"
        else:
            why = "its tiles do not give the root hash its checkpoint signs"
        if root != cp.root_hash:
            raise AuditLogError(
                f"The audit log in {self.directory} is damaged: {why}. The hub does not append "
                "to it; verify it (tessera audit verify) and move it aside to start a new log."
            )
        self._check_entries(cp.size)

    def _check_entries(self, size: int) -> None:
        """Every stored entry against its leaf hash in the tree (an entry edited in place, its
        hash left alone, gives the same root: only this finds it)."""
        check = reader.TilesReader(backend.LocalBackend(self.directory))
        check.set_size(size)
        for index in range(size):
            try:
                entry = check.get_entry(index)
                stored = check.mth(index, index + 1)
            except Exception as exc:
                raise AuditLogError(
                    f"The audit log in {self.directory} is damaged: entry #{index} cannot be "
                    f"read ({exc}). The hub does not append to it; verify it (tessera audit "
                    "verify) and move it aside to start a new log."
                ) from None
            if tiles.leaf_hash(entry) != stored:
                raise AuditLogError(
                    f"The audit log in {self.directory} is damaged: entry #{index} was changed "
                    "after it was logged. The hub does not append to it; verify it (tessera "
                    "audit verify) and move it aside to start a new log."
                )

    def _history_path(self) -> Path:
        return self.directory / "checkpoints"

    def _repair_history(self) -> None:
        """Cut a line torn by a crash; add the current checkpoint when a crash came between
        writing it and recording it."""
        path = self._history_path()
        data = path.read_bytes() if path.exists() else b""
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with open(path, "r+b") as f:
                f.truncate(keep)
                os.fsync(f.fileno())
            data = data[:keep]
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1] if data else b""
        try:
            last_text = json.loads(last)["checkpoint"] if last else None
        except (ValueError, KeyError, TypeError):
            last_text = None
        if last_text != self._checkpoint_text:
            self._record_checkpoint(self._checkpoint_text)

    def _record_checkpoint(self, text: str) -> None:
        line = json.dumps({"checkpoint": text, "at": _now_iso()}, ensure_ascii=False) + "\n"
        fd = os.open(self._history_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def _load_consoles(self) -> tuple[dict[str, _Stored], int]:
        path = self.directory / "consoles.json"
        try:
            doc = json.loads(path.read_text("utf-8"))
            consoles = {
                str(k): _Stored(int(v["seq"]), int(v["size"])) for k, v in doc["consoles"].items()
            }
            return consoles, int(doc["size"])
        except FileNotFoundError:
            return {}, 0
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("audit: %s is damaged; rebuilt from the whole log", path)
            return {}, 0

    def _rescan(self) -> None:
        """Entries written after consoles.json (a crash in between): read them back."""
        size = self._writer.size
        if self._consoles_size > size:  # consoles.json ahead of the tree: rebuild it all
            self._consoles, self._consoles_size = {}, 0
        if self._consoles_size == size:
            return
        self._reader.set_size(size)
        for index in range(self._consoles_size, size):
            try:
                doc = json.loads(self._reader.get_entry(index))
                console, seq = str(doc["console"]), int(doc["seq"])
            except (ValueError, KeyError, TypeError):
                continue
            old = self._consoles.get(console)
            if old is None or seq > old.seq:
                self._consoles[console] = _Stored(seq, index + 1)
        self._save_consoles(size)

    def _save_consoles(self, size: int) -> None:
        doc = {
            "size": size,
            "consoles": {k: {"seq": v.seq, "size": v.size} for k, v in self._consoles.items()},
        }
        _write_atomic(self.directory / "consoles.json", json.dumps(doc).encode())
        self._consoles_size = size

    def close(self) -> None:
        if self._temporary:
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- writing ---------------------------------------------------------------------------------
    def append(
        self, console_id: str, operator: str | None, entries: Sequence[EntryIn]
    ) -> tuple[int, str]:
        """Store the entries of `console_id` not yet stored (seq above the highest stored), as
        one commit with one signed checkpoint. (acknowledged seq, checkpoint text)."""
        check_console_id(console_id)
        if len(entries) > MAX_APPEND:
            raise AuditRequestError(f"At most {MAX_APPEND} entries at a time.")
        received = _now_iso()
        with self._lock:
            stored = self._consoles.get(console_id)
            done = stored.seq if stored else 0
            leaves = []
            last = done
            for e in entries:
                if e.seq <= last:
                    continue  # already stored (a retry), or out of order: skipped
                leaf = canonical(
                    {
                        "v": 1,
                        "console": console_id,
                        "seq": e.seq,
                        "operator": operator,
                        "time": e.time,
                        "received": received,
                        "action": e.action,
                        "camera": e.camera,
                        "details": e.details,
                    }
                )
                if len(leaf) > MAX_ENTRY_BYTES:
                    raise AuditRequestError(
                        f"The entry {e.seq} is larger than {MAX_ENTRY_BYTES} bytes.", "too_large"
                    )
                leaves.append(leaf)
                last = e.seq
            if leaves:
                self._commit(leaves)
                self._consoles[console_id] = _Stored(last, self._writer.size)
                self._save_consoles(self._writer.size)
            return last, self._checkpoint_text

    def append_hub(
        self, operator: str | None, action: str, camera: str | None, details: dict[str, Any]
    ) -> int:
        """An entry the hub writes itself (sign-in and sign-out); its index in the log."""
        if not _ACTION.fullmatch(action):
            raise AuditRequestError("The action must be lower-case letters, digits, '.', '_'.")
        _check_details(details, "The hub's entry")
        with self._lock:
            stored = self._consoles.get(HUB_CONSOLE)
            seq = (stored.seq if stored else 0) + 1
            now = _now_iso()
            leaf = canonical(
                {
                    "v": 1,
                    "console": HUB_CONSOLE,
                    "seq": seq,
                    "operator": operator,
                    "time": now,
                    "received": now,
                    "action": action,
                    "camera": camera,
                    "details": details,
                }
            )
            self._commit([leaf])
            self._consoles[HUB_CONSOLE] = _Stored(seq, self._writer.size)
            self._save_consoles(self._writer.size)
            return self._writer.size - 1

    def countersign(self, message: bytes) -> bytes:
        """An Ed25519 signature of `message` by the key that signs the checkpoints (an export
        manifest's countersignature, demohub.export; the message carries its own prefix)."""
        return bytes(self._signer.key.sign(message))

    def _commit(self, leaves: list[bytes]) -> None:
        old = self._writer.size
        for leaf in leaves:
            self._writer.add_leaf(leaf)
        try:
            self._writer.commit([self._signer], gc=False)
        except Exception as exc:
            self._writer.pending = []
            self._writer.size = old
            self._writer.reader.set_size(old)
            log.exception("audit: commit failed")
            raise AuditLogError(f"The audit log could not be written ({exc}).") from None
        self._checkpoint_text = (self.directory / "checkpoint").read_text("utf-8")
        self._record_checkpoint(self._checkpoint_text)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._writer.size

    def checkpoint(self) -> str:
        with self._lock:
            return self._checkpoint_text

    def stored_seq(self, console_id: str) -> int:
        with self._lock:
            stored = self._consoles.get(console_id)
            return stored.seq if stored else 0

    def _read(self) -> reader.TilesReader:
        self._reader.set_size(self._writer.size)
        return self._reader

    def consistency(self, old: int, new: int) -> list[bytes]:
        with self._lock:
            if not 0 <= old <= new <= self._writer.size:
                raise AuditRequestError(
                    f"A consistency proof needs 0 <= from <= to <= {self._writer.size}.", "range"
                )
            if old in (0, new):  # nothing to prove (the library asserts 0 < old there)
                return []
            return list(self._read().get_consistency_proof(old, new).node_hashes)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        with self._lock:
            if not 0 <= index < size <= self._writer.size:
                raise AuditRequestError(
                    f"An inclusion proof needs 0 <= index < size <= {self._writer.size}.", "range"
                )
            return list(self._read().get_inclusion_proof(index, size).node_hashes)

    def entry(self, index: int) -> bytes:
        with self._lock:
            if not 0 <= index < self._writer.size:
                raise AuditRequestError(f"There is no entry {index}.", "range")
            return self._read().get_entry(index)

    def entries(self, start: int, end: int) -> list[bytes]:
        with self._lock:
            end = min(end, self._writer.size)
            if not 0 <= start <= end or end - start > MAX_READ:
                raise AuditRequestError(f"At most {MAX_READ} entries from 0 at a time.", "range")
            r = self._read()
            return [r.get_entry(i) for i in range(start, end)]

    def export(self, dest: Path) -> None:
        """A tar of the log (without the signing key) at `dest`."""
        with self._lock, tarfile.open(dest, "w") as tar:
            for path in sorted(self.directory.rglob("*")):
                rel = path.relative_to(self.directory)
                if rel.name == "signing-key" or rel.name.endswith(".tmp") or path.is_dir():
                    continue
                tar.add(path, arcname=str(rel), recursive=False)


# -- routes ---------------------------------------------------------------------------------------
def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _int_arg(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "")
    if not raw.isdigit() or len(raw) > 18:
        raise AuditRequestError(f"'{name}' must be a whole number.")
    return int(raw)


async def _run(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _guarded(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except AuditRequestError as exc:
            return _error(400, exc.code, str(exc))
        except AuditLogError as exc:
            return _error(503, "audit_unavailable", str(exc))
        except Exception:
            log.exception("audit: %s %s failed", request.method, request.path)
            return _error(500, "internal", "The hub's audit log failed to answer.")

    return wrapped


class _Routes:
    def __init__(
        self,
        log_: AuditLog,
        operator_of: Callable[[web.Request], str | None],
        can_read_all: Callable[[web.Request], bool],
    ) -> None:
        self.log = log_
        self.operator_of = operator_of
        self.can_read_all = can_read_all

    async def post_entries(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise AuditRequestError("The body must be a JSON object.") from None
        if not isinstance(body, dict) or set(body) - {"console", "entries"}:
            raise AuditRequestError('The body must be {"console": ID, "entries": [...]}.')
        console = check_console_id(body.get("console"))
        entries = parse_entries(body.get("entries"))
        operator = self.operator_of(request)
        acked, checkpoint = await _run(self.log.append, console, operator, entries)
        return web.json_response({"acknowledged_seq": acked, "checkpoint": checkpoint})

    async def get_checkpoint(self, request: web.Request) -> web.StreamResponse:
        text = self.log.checkpoint()
        cp = tlog.Checkpoint.from_text(text)
        return web.json_response(
            {
                "checkpoint": text,
                "size": cp.size,
                "origin": cp.origin,
                "public_key": _b64(self.log.vkey.pubkey),
                "key_name": self.log.vkey.name,
            }
        )

    async def get_consistency(self, request: web.Request) -> web.StreamResponse:
        old, new = _int_arg(request, "from"), _int_arg(request, "to")
        hashes = await _run(self.log.consistency, old, new)
        return web.json_response({"from": old, "to": new, "hashes": [_b64(h) for h in hashes]})

    async def get_proof(self, request: web.Request) -> web.StreamResponse:
        index, size = _int_arg(request, "index"), _int_arg(request, "size")
        hashes = await _run(self.log.inclusion, index, size)
        # The entry itself only for those who may read the whole log (the hashes tell nothing
        # of what an entry says).
        entry = await _run(self.log.entry, index) if self.can_read_all(request) else None
        return web.json_response(
            {
                "index": index,
                "size": size,
                "hashes": [_b64(h) for h in hashes],
                "entry": None if entry is None else _b64(entry),
            }
        )

    async def get_entries(self, request: web.Request) -> web.StreamResponse:
        if not self.can_read_all(request):
            return _error(403, "forbidden", "Reading the audit log needs a supervisor's sign-in.")
        start, end = _int_arg(request, "start"), _int_arg(request, "end")
        if end - start > MAX_READ:
            raise AuditRequestError(f"At most {MAX_READ} entries at a time.", "range")
        leaves = await _run(self.log.entries, start, end)
        return web.json_response(
            {"start": start, "end": start + len(leaves), "entries": [_b64(x) for x in leaves]}
        )

    async def get_export(self, request: web.Request) -> web.StreamResponse:
        if not self.can_read_all(request):
            return _error(403, "forbidden", "Exporting the audit log needs a supervisor's sign-in.")
        fd, tmp = tempfile.mkstemp(prefix="tessera-audit-export-", suffix=".tar")
        os.close(fd)
        path = Path(tmp)
        try:
            await _run(self.log.export, path)
            response = web.StreamResponse(
                headers={
                    "Content-Type": "application/x-tar",
                    "Content-Disposition": 'attachment; filename="audit-log.tar"',
                }
            )
            response.content_length = path.stat().st_size
            await response.prepare(request)
            with open(path, "rb") as f:
                while chunk := await _run(f.read, 256 * 1024):
                    await response.write(chunk)
            await response.write_eof()
            return response
        finally:
            with contextlib.suppress(OSError):
                path.unlink()


def add_damaged_routes(app: web.Application, problem: str) -> None:
    """A hub whose log is damaged keeps serving everything else; every audit route answers
    409 `audit_damaged` with the reason, so a console shows it (and its operator is not kept
    from working by a log the hub cannot vouch for)."""

    async def refuse(request: web.Request) -> web.StreamResponse:
        return _error(409, "audit_damaged", problem)

    for name in ("entries", "checkpoint", "consistency", "proof", "export"):
        app.router.add_route("*", f"{API}/{name}", refuse)


def add_routes(
    app: web.Application,
    log_: AuditLog,
    operator_of: Callable[[web.Request], str | None],
    can_read_all: Callable[[web.Request], bool],
) -> None:
    """The audit API (console/audit/README.md) on `app`, over `log_`. `operator_of(request)`:
    the signed-in operator the hub stamps on each entry; `can_read_all(request)`: whether the
    caller may read and export the whole log."""
    r = _Routes(log_, operator_of, can_read_all)
    app.router.add_post(f"{API}/entries", _guarded(r.post_entries))
    app.router.add_get(f"{API}/checkpoint", _guarded(r.get_checkpoint))
    app.router.add_get(f"{API}/consistency", _guarded(r.get_consistency))
    app.router.add_get(f"{API}/proof", _guarded(r.get_proof))
    app.router.add_get(f"{API}/entries", _guarded(r.get_entries))
    app.router.add_get(f"{API}/export", _guarded(r.get_export))


__all__ = [
    "HUB_CONSOLE",
    "MAX_ENTRY_BYTES",
    "AuditLog",
    "AuditLogError",
    "AuditRequestError",
    "EntryIn",
    "add_damaged_routes",
    "add_routes",
    "canonical",
    "parse_entries",
]
