"""`TesseraAuditMixin`: the audit facet over the Tessera API v1 client's plumbing
(`TesseraHubClient._request_json`: bounded answers, error mapping, redacted URLs).

Every answer is untrusted: exact types, bounded sizes and counts, base64 that decodes to what
it must (32-byte hashes, an Ed25519 key); anything else is a `HubProtocolError` naming the
field. What the answers mean (signatures, proofs) is checked by `console.audit`, not here.
Mixed in before the client: `class C(TesseraAuditMixin, TesseraHubClient)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from console.hub.audit_facet import (
    AuditAck,
    AuditCheckpointInfo,
    AuditEntry,
    AuditFacet,
    AuditProof,
)
from console.hub.errors import HubError, HubProtocolError
from console.hub.tessera_requests import TesseraRequests
from console.hub.tessera_wire import decode_base64

MAX_APPEND = 1000  # entries in one request (the hub's limit)
MAX_HASHES = 128  # a proof of a tree of 2**64 entries has at most 128
MAX_CHECKPOINT_CHARS = 8192
MAX_ENTRY_BYTES = 65535
MAX_EXPORT_BYTES = 64 * 2**30

__all__ = ["TesseraAuditMixin"]


def _bad(field: str, what: str) -> HubProtocolError:
    return HubProtocolError(f"audit.{field}: {what}", field=f"audit.{field}")


def _obj(payload: object, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, dict):
        raise _bad(what, "not a JSON object")
    return payload


def _int(doc: Mapping[str, Any], key: str, *, lo: int = 0) -> int:
    value = doc.get(key)
    if type(value) is not int or not lo <= value < 2**63:
        raise _bad(key, "not a whole number in range")
    return value


def _str(doc: Mapping[str, Any], key: str, limit: int) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _bad(key, f"not a text of 1 to {limit} characters")
    return value


def _b64(value: object, key: str, *, size: int | None = None, limit: int = 65536) -> bytes:
    return decode_base64(value, f"audit.{key}", size=size, limit=limit)


def _hashes(doc: Mapping[str, Any]) -> list[bytes]:
    value = doc.get("hashes")
    if not isinstance(value, list) or len(value) > MAX_HASHES:
        raise _bad("hashes", f"not a list of at most {MAX_HASHES} hashes")
    return [_b64(h, "hashes", size=32) for h in value]


class TesseraAuditMixin(TesseraRequests, AuditFacet):
    """The audit facet of a Tessera API v1 hub (`/api/v1/audit/...`)."""

    async def audit_append(self, console_id: str, entries: Sequence[AuditEntry]) -> AuditAck:
        if not 1 <= len(entries) <= MAX_APPEND:
            raise ValueError(f"1 to {MAX_APPEND} audit entries at a time")
        body = {
            "console": console_id,
            "entries": [
                {
                    "seq": e.seq,
                    "time": e.time,
                    "action": e.action,
                    "camera": e.camera,
                    "details": dict(e.details),
                }
                for e in entries
            ],
        }
        doc = _obj(await self._request_json("POST", ("audit", "entries"), body), "answer")
        acked = _int(doc, "acknowledged_seq")
        if acked > entries[-1].seq:
            raise _bad("acknowledged_seq", "beyond the entries sent")
        return AuditAck(acked, _str(doc, "checkpoint", MAX_CHECKPOINT_CHARS))

    async def audit_checkpoint(self) -> AuditCheckpointInfo:
        doc = _obj(await self._request_json("GET", ("audit", "checkpoint")), "answer")
        return AuditCheckpointInfo(
            checkpoint=_str(doc, "checkpoint", MAX_CHECKPOINT_CHARS),
            size=_int(doc, "size"),
            origin=_str(doc, "origin", 256),
            public_key=_b64(doc.get("public_key"), "public_key", size=32),
            key_name=_str(doc, "key_name", 256),
        )

    async def audit_consistency(self, old_size: int, new_size: int) -> list[bytes]:
        query = {"from": str(int(old_size)), "to": str(int(new_size))}
        doc = _obj(await self._request_json("GET", ("audit", "consistency"), query=query), "answer")
        if _int(doc, "from") != old_size or _int(doc, "to") != new_size:
            raise _bad("consistency", "not the proof asked for")
        return _hashes(doc)

    async def audit_proof(self, index: int, size: int) -> AuditProof:
        query = {"index": str(int(index)), "size": str(int(size))}
        doc = _obj(await self._request_json("GET", ("audit", "proof"), query=query), "answer")
        if _int(doc, "index") != index or _int(doc, "size") != size:
            raise _bad("proof", "not the proof asked for")
        raw = doc.get("entry")
        entry = None if raw is None else _b64(raw, "entry", limit=MAX_ENTRY_BYTES)
        return AuditProof(index, size, tuple(_hashes(doc)), entry)

    async def audit_entries(self, start: int, end: int) -> list[bytes]:
        if not 0 <= start <= end or end - start > MAX_APPEND:
            raise ValueError(f"0 <= start <= end, at most {MAX_APPEND} entries")
        query = {"start": str(start), "end": str(end)}
        doc = _obj(await self._request_json("GET", ("audit", "entries"), query=query), "answer")
        value = doc.get("entries")
        if _int(doc, "start") != start or not isinstance(value, list) or len(value) > end - start:
            raise _bad("entries", "not the entries asked for")
        return [_b64(v, "entries", limit=MAX_ENTRY_BYTES) for v in value]

    async def audit_export(self, dest: Path) -> int:
        what = "GET audit/export"
        loop = asyncio.get_running_loop()
        written = 0
        try:
            session = self._get_session()
            timeout = aiohttp.ClientTimeout(total=None, sock_read=self.config.timeout_s)
            async with session.get(self._url("audit", "export"), timeout=timeout) as resp:
                if resp.status >= 400:
                    raise self._http_error(resp.status, await resp.content.read(64 * 1024), what)
                with open(dest, "wb") as f:
                    async for chunk in resp.content.iter_chunked(256 * 1024):
                        written += len(chunk)
                        if written > MAX_EXPORT_BYTES:
                            raise HubProtocolError(f"{what}: larger than {MAX_EXPORT_BYTES} bytes")
                        await loop.run_in_executor(None, f.write, chunk)
                    await loop.run_in_executor(None, f.flush)
                    await loop.run_in_executor(None, os.fsync, f.fileno())
        except HubError:
            with contextlib.suppress(OSError):
                dest.unlink()
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            with contextlib.suppress(OSError):
                dest.unlink()
            raise self._map_client_error(exc, what) from None
        return written
