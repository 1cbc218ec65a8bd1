"""`TesseraExportMixin`: evidence export over the Tessera API v1 client's plumbing (issue 18).

`GET /api/v1/cameras/{id}/export?from=&to=&profile=` answers a span of a camera's recording as
MPEG-TS, written as fast as the hub can; its headers say what the file holds (the span, the
gaps the hub has no recording for) and the hub's own audit entry of the export. `POST
/api/v1/exports/countersign` answers the hub's Ed25519 signature of a manifest's digest.

Everything the hub sends is untrusted: headers are bounded and checked field by field (a
`HubProtocolError` names the field), the media is bounded in size. What the signature and the
audit entry mean is checked by `console.export`, not here.
Mixed in before the client: `class C(TesseraExportMixin, TesseraHubClient)`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from console.hub.errors import HubError, HubProtocolError
from console.hub.tessera_requests import TesseraRequests
from console.hub.tessera_wire import decode_base64, format_time, reason_header

__all__ = [
    "Countersignature",
    "ExportDownload",
    "ExportGap",
    "TesseraExportMixin",
]

EXPORT_HEADER = "X-Tessera-Export"
AUDIT_INDEX_HEADER = "X-Tessera-Audit-Index"
AUDIT_ENTRY_HEADER = "X-Tessera-Audit-Entry"
MAX_EXPORT_BYTES = 8 * 2**30  # 30 minutes of the main profile is far less
MAX_HEADER_CHARS = 16 * 1024
MAX_GAPS = 1000
MAX_ENTRY_BYTES = 65535
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _bad(field: str, what: str) -> HubProtocolError:
    return HubProtocolError(f"export.{field}: {what}", field=f"export.{field}")


def _time(value: object, field: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise _bad(field, "not a time")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(field, "not a time") from None
    if when.tzinfo is None:
        raise _bad(field, "a time without a zone")
    return when


@dataclass(frozen=True, slots=True)
class ExportGap:
    """A stretch of the span the hub has no recording of (not in the media)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ExportDownload:
    """What the hub said of one export before its media: the span, the gaps, the picture, and
    its own audit entry (`audit_index`, the leaf `audit_entry`). `chunks` yields the media."""

    camera_id: str
    profile: str
    start: datetime
    end: datetime
    fps: int
    width: int
    height: int
    gaps: tuple[ExportGap, ...]
    audit_index: int | None
    audit_entry: bytes | None
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True, slots=True)
class Countersignature:
    """The hub's signature of `signed` (which names the manifest's digest) with its audit key."""

    signature: bytes
    signed: str
    public_key: bytes
    key_name: str
    key_id: str


def parse_export_header(text: str | None, camera_id: str) -> dict[str, Any]:
    """The `X-Tessera-Export` header, checked (HubProtocolError naming the field)."""
    if text is None or len(text) > MAX_HEADER_CHARS:
        raise _bad("header", f"no {EXPORT_HEADER} header, or a too long one")
    try:
        doc = json.loads(text)
    except ValueError:
        raise _bad("header", "not JSON") from None
    if not isinstance(doc, dict):
        raise _bad("header", "not a JSON object")
    if doc.get("camera") != camera_id:
        raise _bad("camera", "not the camera asked for")
    out: dict[str, Any] = {"profile": doc.get("profile")}
    if not isinstance(out["profile"], str) or not 1 <= len(out["profile"]) <= 64:
        raise _bad("profile", "not a profile name")
    for key, hi in (("fps", 240), ("width", 16384), ("height", 16384)):
        value = doc.get(key)
        if type(value) is not int or not 1 <= value <= hi:
            raise _bad(key, "not a whole number in range")
        out[key] = value
    out["start"], out["end"] = _time(doc.get("from"), "from"), _time(doc.get("to"), "to")
    if out["end"] <= out["start"]:
        raise _bad("to", "not after from")
    raw_gaps = doc.get("gaps")
    if not isinstance(raw_gaps, list) or len(raw_gaps) > MAX_GAPS:
        raise _bad("gaps", "not a list of gaps")
    gaps = []
    for raw in raw_gaps:
        if not isinstance(raw, dict):
            raise _bad("gaps", "a gap is not a JSON object")
        gap = ExportGap(_time(raw.get("from"), "gaps.from"), _time(raw.get("to"), "gaps.to"))
        if not out["start"] <= gap.start < gap.end <= out["end"]:
            raise _bad("gaps", "a gap outside the span")
        gaps.append(gap)
    out["gaps"] = tuple(gaps)
    return out


class TesseraExportMixin(TesseraRequests):
    """The export routes of a Tessera API v1 hub."""

    @asynccontextmanager
    async def export_open(
        self,
        camera_id: str,
        start: datetime,
        end: datetime,
        *,
        profile: str = "main",
        reason: Mapping[str, str] | None = None,
    ) -> AsyncIterator[ExportDownload]:
        """Open an export of `camera_id` from `start` to `end` (aware times); the download's
        description, its media read from `chunks`. HubError when refused (403: no export
        right, or 403 `reason_required`: the hub's policy wants a reason)."""
        what = f"GET cameras/{camera_id}/export"
        url = self._url("cameras", camera_id, "export").with_query(
            {"from": format_time(start), "to": format_time(end), "profile": profile}
        )
        headers, _ = self._auth_headers()
        headers.update(reason_header(reason) or {})
        timeout = aiohttp.ClientTimeout(total=None, sock_read=self.config.timeout_s * 6)
        try:
            async with self._get_session().get(url, headers=headers, timeout=timeout) as resp:
                if resp.status >= 400:
                    body = await resp.content.read(64 * 1024)
                    raise self._http_error(resp.status, body, what, resp.headers)
                doc = parse_export_header(resp.headers.get(EXPORT_HEADER), camera_id)
                index, entry = _audit_headers(resp.headers)

                async def chunks() -> AsyncIterator[bytes]:
                    received = 0
                    async for chunk in resp.content.iter_chunked(256 * 1024):
                        received += len(chunk)
                        if received > MAX_EXPORT_BYTES:
                            raise _bad("media", f"larger than {MAX_EXPORT_BYTES} bytes")
                        yield chunk

                yield ExportDownload(
                    camera_id=camera_id,
                    audit_index=index,
                    audit_entry=entry,
                    chunks=chunks(),
                    **doc,
                )
        except HubError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise self._map_client_error(exc, what) from None

    async def export_countersign(
        self, manifest_sha256: str, cameras: Sequence[str]
    ) -> Countersignature:
        """The hub's countersignature of a manifest whose SHA-256 (hex) is `manifest_sha256`."""
        body = {"manifest_sha256": manifest_sha256, "cameras": list(cameras)}
        doc = await self._request_json("POST", ("exports", "countersign"), body)
        if not isinstance(doc, dict):
            raise _bad("countersign", "not a JSON object")
        signed = doc.get("signed")
        key_name = doc.get("key_name")
        key_id = doc.get("key_id")
        if not isinstance(signed, str) or manifest_sha256 not in signed or len(signed) > 512:
            raise _bad("countersign.signed", "does not name the manifest's digest")
        if not isinstance(key_name, str) or not 1 <= len(key_name) <= 256:
            raise _bad("countersign.key_name", "not a key name")
        if not isinstance(key_id, str) or not _SHA256_HEX.fullmatch(key_id):
            raise _bad("countersign.key_id", "not a SHA-256 in hex")
        return Countersignature(
            signature=_b64(doc.get("signature"), "countersign.signature", 64),
            signed=signed,
            public_key=_b64(doc.get("public_key"), "countersign.public_key", 32),
            key_name=key_name,
            key_id=key_id,
        )


def _b64(value: object, field: str, size: int | None = None, limit: int = 4096) -> bytes:
    return decode_base64(value, f"export.{field}", size=size, limit=limit)


def _audit_headers(headers: Mapping[str, str]) -> tuple[int | None, bytes | None]:
    index_text = headers.get(AUDIT_INDEX_HEADER)
    entry_text = headers.get(AUDIT_ENTRY_HEADER)
    if index_text is None or entry_text is None:
        return None, None
    if not index_text.isdigit() or len(index_text) > 18:
        raise _bad("audit_index", "not a whole number")
    entry = _b64(entry_text, "audit_entry", limit=MAX_HEADER_CHARS * 3 // 4)
    if len(entry) > MAX_ENTRY_BYTES:
        raise _bad("audit_entry", "too large")
    return int(index_text), entry
