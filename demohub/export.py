"""Evidence export from the demo hub (issue 18, section 1): a span of a camera's recording as
one MPEG-TS file, written as fast as the hub can encode it, and the hub's countersignature of
a console's export manifest.

The demo hub keeps no recording files: the recording of a camera at T is its scene rendered
at T (demohub.recordings). An export therefore renders and encodes the span frame by frame with
the playback encoder's settings (`open_encoder`, libx264, GOP 2 s, no B-frames) and the same
TS muxer, not paced by a clock. The camera's gaps are not in the media: no frame is rendered
inside a gap, the timestamps jump over it, and the first frame after it is a key frame. What
the file holds is said in the answer's headers before the first byte of media:

- `X-Tessera-Export`: JSON (ASCII) `{"camera", "profile", "from", "to", "fps", "width",
  "height", "gaps": [{"from", "to"}]}`;
- `X-Tessera-Audit-Index` and `X-Tessera-Audit-Entry`: the hub's own audit entry of this
  export (its index in the log and the leaf, base64), so the console can prove its inclusion
  with `GET /api/v1/audit/proof` and a checkpoint.

An export needs the camera's `export` right, a reason where the hub's policy requires one
(`X-Tessera-Reason`, demohub/reasons.py), and an audit log that can record
it: an export the hub cannot audit is refused. Encoding runs on worker threads, one GOP per
step, so a client that stops reading stops the encoder (TCP back-pressure) and a client that
leaves ends it.

`POST /api/v1/exports/countersign` signs `COUNTERSIGN_PREFIX + manifest_sha256 + "\\n"` with
the key that signs the audit log's checkpoints, and audits that too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import math
import re
import threading
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from aiohttp import web
from av.video.frame import PictureType

from demohub.alerts import unix_iso
from demohub.audit import AuditLogError, AuditRequestError
from demohub.cameras import PROFILES, CameraSpec, Profile
from demohub.reasons import reason_of
from demohub.recordings import RecordingError, Span
from demohub.scenes import Scene
from demohub.streams import EncodedPacket, TsMuxer, bgr_to_frame, open_encoder

if TYPE_CHECKING:
    from demohub.hub import DemoHub

__all__ = [
    "AUDIT_ENTRY_HEADER",
    "AUDIT_INDEX_HEADER",
    "COUNTERSIGN_PREFIX",
    "EXPORT_HEADER",
    "MAX_EXPORT_S",
    "TsExport",
    "add_export_routes",
    "countersign_message",
]

log = logging.getLogger(__name__)

MAX_EXPORT_S = 30 * 60.0  # the longest span one request may export
MAX_EXPORTS = 4  # exports encoding at once (each takes a core while it runs)
EXPORT_HEADER = "X-Tessera-Export"
AUDIT_INDEX_HEADER = "X-Tessera-Audit-Index"
AUDIT_ENTRY_HEADER = "X-Tessera-Audit-Entry"
COUNTERSIGN_PREFIX = "tessera-export-countersign-v1\n"
MAX_COUNTERSIGN_BODY = 16 * 1024
MAX_COUNTERSIGN_CAMERAS = 64
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_TS_HEADERS = {
    "Content-Type": "video/mp2t",
    "Cache-Control": "no-cache, no-store",
    "X-Content-Type-Options": "nosniff",
}


def countersign_message(manifest_sha256: str) -> bytes:
    """What the hub signs for a manifest: a fixed prefix (a signature of anything else, say a
    checkpoint, can never pass for a countersignature), the digest, a newline."""
    return (COUNTERSIGN_PREFIX + manifest_sha256 + "\n").encode("ascii")


def _frame_count(start: float, end: float, fps: int) -> int:
    """How many frame slots the span has (frame i shows start + i / fps, i < count)."""
    return max(0, math.ceil((end - start) * fps - 1e-9))


class TsExport:
    """One export's encoder: the scene's frames from `start` to `end` (not those in `gaps`)
    as MPEG-TS. `step()` encodes the next GOP and returns its bytes (b"" at the end). Called
    from one worker thread at a time; `close()` releases the encoder."""

    def __init__(
        self,
        scene: Scene,
        profile: Profile,
        start: float,
        end: float,
        gaps: Sequence[tuple[float, float]],
    ) -> None:
        self.scene = scene
        self.profile = profile
        self.start = start
        self.end = end
        self.gaps = tuple(gaps)
        self.fps = profile.fps
        self.count = _frame_count(start, end, self.fps)
        self._index = 0
        self._codec: Any = open_encoder(profile.width, profile.height, self.fps)
        self._muxer = TsMuxer(profile.width, profile.height, self.fps)
        self._after_gap = True  # the first frame, and the first after a gap: a key frame
        self._done = False
        self.frames = 0
        # step() runs on a worker thread; close() may come from another while a step of a
        # request cancelled at hub shutdown still runs: the encoder must not close under it.
        self._lock = threading.Lock()

    def _in_gap(self, t: float) -> bool:
        return any(g0 <= t < g1 for g0, g1 in self.gaps)

    def _mux(self, packets: Any) -> bytes:
        out = bytearray()
        for p in packets:
            packet = EncodedPacket(bytes(p), int(p.pts), int(p.dts), bool(p.is_keyframe))
            out += self._muxer.mux(packet)
        return bytes(out)

    def step(self) -> bytes:
        with self._lock:
            return self._step()

    def _step(self) -> bytes:
        if self._done:
            return b""
        out = bytearray()
        budget = 2 * self.fps  # one GOP's worth of frames per step
        while budget > 0 and self._index < self.count:
            i = self._index
            self._index += 1
            t = self.start + i / self.fps
            if self._in_gap(t):
                self._after_gap = True
                continue
            budget -= 1
            image = self.scene.render(t, self.profile.width, self.profile.height)
            frame = bgr_to_frame(image)
            frame.pts = i
            frame.time_base = Fraction(1, self.fps)
            if self._after_gap:
                frame.pict_type = PictureType.I
                self._after_gap = False
            out += self._mux(self._codec.encode(frame))
            self.frames += 1
        if self._index >= self.count:
            out += self._mux(self._codec.encode(None))
            self._muxer.close()
            self._done = True
        return bytes(out)

    def close(self) -> None:
        with self._lock:
            self._done = True
            self._muxer.close()
            with contextlib.suppress(Exception):
                self._codec.close()


def _gaps_in(spans: Sequence[Span], start: float, end: float) -> list[tuple[float, float]]:
    """The stretches of [start, end] no span covers, oldest first."""
    gaps = []
    cursor = start
    for span in spans:
        if span.end <= cursor:
            continue
        if span.start >= end:
            break
        if span.start > cursor:
            gaps.append((cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


class ExportRoutes:
    """The export and countersign routes over a `DemoHub`."""

    def __init__(self, hub: DemoHub) -> None:
        self.hub = hub
        self.running = 0  # loop thread only

    def _plan(
        self, request: web.Request, camera: CameraSpec
    ) -> tuple[Profile, float, float, dict[str, str] | None, list[tuple[float, float]]]:
        """The export asked for: profile, span, reason, gaps (RecordingError when refused)."""
        from demohub.hub import _time_range

        hub = self.hub
        name = request.query.get("profile", "main")
        profile = PROFILES.get(name)
        if profile is None:
            raise RecordingError("bad_request", f"profile must be one of {', '.join(PROFILES)}")
        start, end = _time_range(request, required=True)
        assert start is not None and end is not None  # required
        if end <= start:
            raise RecordingError("bad_request", "to must be after from")
        if end - start > MAX_EXPORT_S:
            raise RecordingError(
                "bad_request", f"one export is at most {MAX_EXPORT_S / 60:g} minutes"
            )
        reason = reason_of(request.headers, "export", hub.reasons_required)
        spans = hub._recorded_spans(camera)
        whole = hub.recorder.span()
        if whole is None or start < whole.start or end > whole.end:
            raise RecordingError(
                "bad_request",
                f"the span must lie within what is recorded of {camera.name!r}"
                + ("" if whole is None else f": {whole.describe()}"),
            )
        gaps = _gaps_in(spans, start, end)
        if sum(g1 - g0 for g0, g1 in gaps) >= end - start:
            raise RecordingError(
                "not_found", f"nothing of {camera.name!r} is recorded in that span"
            )
        return profile, start, end, reason, gaps

    async def export(self, request: web.Request) -> web.StreamResponse:
        from demohub.hub import _request_error_response, error_response

        hub = self.hub
        camera = hub._camera(request)
        hub._require(request, "export", camera.id)
        try:
            profile, start, end, reason, gaps = self._plan(request, camera)
            if self.running >= MAX_EXPORTS:
                raise RecordingError(
                    "unavailable", f"the hub is writing {MAX_EXPORTS} exports; try again shortly"
                )
        except RecordingError as exc:
            return _request_error_response(exc)
        audit = hub.audit
        if audit is None:
            return error_response(
                503, "the hub's audit log is damaged: it cannot record an export", "unavailable"
            )
        described = {
            "camera": camera.id,
            "profile": profile.name,
            "from": unix_iso(start),
            "to": unix_iso(end),
            "fps": profile.fps,
            "width": profile.width,
            "height": profile.height,
            "gaps": [{"from": unix_iso(g0), "to": unix_iso(g1)} for g0, g1 in gaps],
        }
        details: dict[str, Any] = {k: described[k] for k in ("from", "to", "profile", "gaps")} | (
            reason or {}
        )
        operator = hub._operator(request)

        def record() -> tuple[int, bytes]:
            index = audit.append_hub(operator, "export", camera.id, details)
            return index, audit.entry(index)

        try:
            index, leaf = await asyncio.to_thread(record)
        except (OSError, AuditLogError, AuditRequestError) as exc:
            log.error("audit: cannot record an export of %s: %s", camera.id, exc)
            return error_response(
                503, "the hub cannot record this export in its audit log", "unavailable"
            )
        headers = {
            **_TS_HEADERS,
            EXPORT_HEADER: json.dumps(described, separators=(",", ":")),
            AUDIT_INDEX_HEADER: str(index),
            AUDIT_ENTRY_HEADER: base64.b64encode(leaf).decode("ascii"),
        }
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        job = TsExport(hub.scene(camera.id), profile, start, end, gaps)
        log.info("export of %s: %s to %s", camera.id, unix_iso(start), unix_iso(end))
        self.running += 1
        try:
            await response.prepare(request)
            while chunk := await asyncio.to_thread(job.step):
                await response.write(chunk)
            await response.write_eof()
        except (ConnectionError, OSError):
            log.info("export of %s: the client left", camera.id)
        finally:
            self.running -= 1
            await asyncio.to_thread(job.close)
        return response

    async def _countersign_body(self, request: web.Request) -> tuple[str, list[str]]:
        """The checked body of a countersign request (RecordingError when refused)."""
        hub = self.hub
        raw = await request.content.read(MAX_COUNTERSIGN_BODY + 1)
        if len(raw) > MAX_COUNTERSIGN_BODY:
            raise RecordingError(
                "bad_request", f"the body is larger than {MAX_COUNTERSIGN_BODY} bytes"
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or set(body) - {"manifest_sha256", "cameras"}:
            raise RecordingError(
                "bad_request", 'the body must be {"manifest_sha256": HEX, "cameras": [IDS]}'
            )
        digest = body.get("manifest_sha256")
        cameras = body.get("cameras")
        if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
            raise RecordingError("bad_request", "manifest_sha256 must be 64 lower-case hex digits")
        if (
            not isinstance(cameras, list)
            or not 1 <= len(cameras) <= MAX_COUNTERSIGN_CAMERAS
            or not all(isinstance(c, str) for c in cameras)
        ):
            raise RecordingError(
                "bad_request", f"cameras must list 1 to {MAX_COUNTERSIGN_CAMERAS} camera ids"
            )
        for camera_id in cameras:
            if camera_id not in hub.cameras or not hub._can_see(request, camera_id):
                raise RecordingError("not_found", f"no camera {camera_id!r}")
            hub._require(request, "export", camera_id)
        return digest, list(cameras)

    async def countersign(self, request: web.Request) -> web.StreamResponse:
        from demohub.hub import _request_error_response, error_response

        hub = self.hub
        try:
            digest, cameras = await self._countersign_body(request)
        except RecordingError as exc:
            return _request_error_response(exc)
        audit = hub.audit
        if audit is None:
            return error_response(503, "the hub's audit log is damaged: it cannot countersign")
        message = countersign_message(digest)
        details = {"manifest_sha256": digest, "cameras": cameras}
        operator = hub._operator(request)

        def record() -> int:
            return audit.append_hub(operator, "export.countersign", None, details)

        try:
            index = await asyncio.to_thread(record)
        except (OSError, AuditLogError, AuditRequestError) as exc:
            log.error("audit: cannot record a countersignature: %s", exc)
            return error_response(503, "the hub cannot record the countersignature")
        public = audit.vkey.pubkey
        return web.json_response(
            {
                "signature": base64.b64encode(audit.countersign(message)).decode("ascii"),
                "signed": message.decode("ascii"),
                "public_key": base64.b64encode(public).decode("ascii"),
                "key_name": audit.vkey.name,
                "key_id": hashlib.sha256(public).hexdigest(),
                "audit_index": index,
            }
        )


def add_export_routes(app: web.Application, hub: DemoHub) -> None:
    routes = ExportRoutes(hub)
    app.router.add_get("/api/v1/cameras/{camera_id}/export", routes.export)
    app.router.add_post("/api/v1/exports/countersign", routes.countersign)
