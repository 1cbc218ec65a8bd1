"""An export job: cameras, a span, snapshots -> a signed evidence pack (issue 18, section 1).

The pack is a folder:

- `<camera>.mp4`: the hub's export of the span, remuxed without re-encoding where the camera
  has no privacy mask, else decoded, masked, watermarked and re-encoded (console.export.media);
- `<camera>.srt`: the watermark of a video that was not re-encoded;
- `<camera>-snapshot.png`: the span's first picture, masks and watermark drawn in (optional);
- `verify_pack.py`: the stand-alone verifier (Python and `cryptography` only);
- `manifest.json`: what the pack is (format in console/export/README.md): the SHA-256 of every
  file and of every 1 MiB segment of it, the cameras, span, gaps, masks, hub, operator,
  console, reason and case, watermark, and for each camera the hub's audit entry of the export
  with the checkpoint and the inclusion proof;
- `manifest.sig`: the console's Ed25519 signature of manifest.json's bytes (its key in the OS
  keyring, console.export.signing) and the hub's countersignature where the hub gives one.

The pack is written into a hidden temporary folder beside the destination and renamed into
place at the end: a failed or cancelled export leaves nothing (`cancel()` is cooperative: the
download stops at the next chunk, the media work at the next packet or frame).

Progress goes to `on_progress(fraction, words)`, on the loop's thread. Blocking work (files,
PyAV, the keyring) runs in worker threads, never with a secret as an argument.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar

from console.audit.merkle import ProofError, check_inclusion, verify_checkpoint
from console.export import media
from console.export.signing import ConsoleSigner, SigningUnavailable
from console.export.verify_pack import (
    FORMAT,
    MANIFEST,
    SEGMENT_BYTES,
    SIGNATURE,
    VERSION,
    hash_file,
)
from console.hub.audit_facet import AuditCheckpointInfo, AuditProof
from console.hub.errors import HubError
from console.hub.tessera_export import Countersignature, ExportDownload
from console.identity.reasons import Reason
from console.privacy.masks import PrivacyMask
from console.sources.credentials import Credentials

__all__ = [
    "MAX_SPAN",
    "ExportCamera",
    "ExportError",
    "ExportHub",
    "ExportJob",
    "ExportRequest",
    "ExportResult",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_SPAN = timedelta(minutes=30)  # the hub's limit per request
PROOF_WAIT_TRIES = 20
PROOF_WAIT_S = 0.25
VERIFIER = Path(__file__).with_name("verify_pack.py")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# How the download's share of the bar is estimated: the hub's main profile is about 85 KB per
# recorded second; the bar never claims more than it knows (capped below the end).
BYTES_PER_SECOND_GUESS = 90_000


class ExportError(Exception):
    """The export failed; `str()` is plain words for the operator. Nothing was left behind."""


class ExportHub(Protocol):
    """What the job needs of a hub (console.hub.tessera_export, console.hub.tessera_audit)."""

    def export_open(
        self,
        camera_id: str,
        start: datetime,
        end: datetime,
        *,
        profile: str = "main",
        reason: Mapping[str, str] | None = None,
    ) -> AbstractAsyncContextManager[ExportDownload]: ...

    async def export_countersign(
        self, manifest_sha256: str, cameras: Sequence[str]
    ) -> Countersignature: ...

    async def audit_checkpoint(self) -> AuditCheckpointInfo: ...

    async def audit_proof(self, index: int, size: int) -> AuditProof: ...


@dataclass(frozen=True)
class ExportCamera:
    """One camera of an export: its masks (none: the video is remuxed, not re-encoded), and
    whether a supervisor lifted masks for this export (said in the manifest)."""

    camera_id: str
    name: str = ""
    masks: Sequence[PrivacyMask] = ()
    masks_lifted: bool = False


@dataclass(frozen=True)
class ExportRequest:
    """What to export, where, and who asks. `start`, `end`: aware times. `destination`: the
    folder the pack's folder goes into. `reason`: where a policy asked for one."""

    cameras: tuple[ExportCamera, ...]
    start: datetime
    end: datetime
    destination: Path
    operator: str
    console_name: str
    hub_url: str
    hub_name: str = ""
    reason: Reason | None = None
    snapshots: bool = True
    profile: str = "main"
    bookmark: str | None = None

    def problem(self) -> str | None:
        """What is wrong with the request in plain words; None when it can run."""
        aware = self.start.tzinfo is not None and self.end.tzinfo is not None
        checks = (
            (not self.cameras, "Choose at least one camera to export."),
            (
                len({c.camera_id for c in self.cameras}) != len(self.cameras),
                "A camera is chosen twice.",
            ),
            (not aware, "The span's times need a time zone."),
            (aware and self.end <= self.start, "The end of the span must be after its start."),
            (
                aware and self.end - self.start > MAX_SPAN,
                f"One export is at most {MAX_SPAN.seconds // 60} minutes.",
            ),
            (not self.destination.is_dir(), f"The folder {self.destination} does not exist."),
        )
        return next((words for failed, words in checks if failed), None)


@dataclass(frozen=True)
class ExportResult:
    """A written pack: where it is, whether the hub countersigned it, and what it holds."""

    path: Path
    countersigned: bool
    gaps: Mapping[str, tuple[tuple[str, str], ...]]
    notes: tuple[str, ...] = ()

    def words(self) -> str:
        """The result for the operator: where the pack is and how to check it."""
        lines = [f"The evidence pack is in {self.path}."]
        if not self.countersigned:
            lines.append("The hub did not countersign it; the console's signature holds.")
        for camera, gaps in self.gaps.items():
            spans = ", ".join(f"{a} to {b}" for a, b in gaps)
            lines.append(f"{camera} has no recording from {spans}.")
        lines.append(
            f"To check it: tessera verify {self.path}  (or, without Tessera: "
            f"python {self.path / 'verify_pack.py'} {self.path})"
        )
        return "\n".join(lines + list(self.notes))


@dataclass
class _Fetched:
    camera: ExportCamera
    ts: Path
    download: dict[str, Any]
    audit: dict[str, Any] = field(default_factory=dict)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def pack_name(request: ExportRequest) -> str:
    cams = "_".join(c.camera_id for c in request.cameras[:3]) + (
        f"_and_{len(request.cameras) - 3}_more" if len(request.cameras) > 3 else ""
    )
    stamp = request.start.astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return _SAFE_NAME.sub("_", f"tessera-export-{stamp}-{cams}")


class ExportJob:
    """One export. `run()` once; `cancel()` from any thread. `on_progress(fraction, words)`
    is called on the loop's thread. `record(action, camera, details)`: the console's audit
    trail (optional; `console.audit.core.AuditTrail.record`)."""

    def __init__(
        self,
        request: ExportRequest,
        hub: ExportHub,
        *,
        on_progress: Callable[[float, str], None] | None = None,
        credentials: Credentials | None = None,
        record: Callable[[str, str | None, Mapping[str, Any]], object] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.request = request
        self.hub = hub
        self._on_progress = on_progress
        self._credentials = credentials
        self._record = record
        self._clock = clock
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def _check(self) -> None:
        if self._stop.is_set():
            raise media.ExportCancelled

    def _progress(self, fraction: float, words: str) -> None:
        if self._on_progress is None:
            return
        fraction = min(1.0, max(0.0, fraction))
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:  # a worker thread
            on_loop = False
        if on_loop or self._loop is None:
            self._on_progress(fraction, words)
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening
            self._loop.call_soon_threadsafe(self._on_progress, fraction, words)

    async def run(self) -> ExportResult:
        """Write the pack; ExportError (plain words) or media.ExportCancelled otherwise, with
        nothing left behind."""
        self._loop = asyncio.get_running_loop()
        request = self.request
        problem = request.problem()
        if problem is not None:
            raise ExportError(problem)
        credentials = self._credentials

        def load_signer() -> ConsoleSigner:
            return ConsoleSigner.load(credentials)

        try:
            signer = await asyncio.to_thread(load_signer)
        except SigningUnavailable as exc:
            raise ExportError(str(exc)) from None
        self._progress(0.0, "Asking the hub for the recordings…")
        final = request.destination / pack_name(request)
        suffix = 1
        while final.exists():
            suffix += 1
            final = request.destination / f"{pack_name(request)}-{suffix}"
        work = request.destination / f".{final.name}.partial-{secrets.token_hex(4)}"
        await asyncio.to_thread(work.mkdir)
        try:
            result = await self._write(work, final, signer)
        except BaseException:
            self._stop.set()
            await asyncio.shield(asyncio.to_thread(shutil.rmtree, work, True))
            raise
        self._progress(1.0, "Done.")
        return result

    async def _write(self, work: Path, final: Path, signer: ConsoleSigner) -> ExportResult:
        request = self.request
        downloads = work / ".downloads"
        await asyncio.to_thread(downloads.mkdir)
        fetched: list[_Fetched] = []
        n = len(request.cameras)
        for i, camera in enumerate(request.cameras):
            fetched.append(await self._fetch(camera, downloads, i, n))
        for item in fetched:
            item.audit = await self._audit_proof(item)
        created = self._clock()
        watermark = media.watermark_text(request.operator, request.console_name, created)

        def make_media() -> list[dict[str, Any]]:
            return [self._make_media(item, work, watermark, i, n) for i, item in enumerate(fetched)]

        cameras = await self._in_worker(make_media)
        self._check()
        self._progress(0.92, "Writing the manifest…")

        def write_manifest() -> bytes:
            shutil.rmtree(downloads)
            shutil.copyfile(VERIFIER, work / VERIFIER.name)
            manifest = self._manifest(work, cameras, signer, created, watermark)
            raw = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
            _write_synced(work / MANIFEST, raw)
            return raw

        raw = await asyncio.to_thread(write_manifest)
        self._check()
        signature: dict[str, Any] = {
            "console": {
                "algorithm": "Ed25519",
                "public_key": _b64(signer.public_key),
                "signature": _b64(signer.sign(raw)),
            },
            "hub": None,
        }
        notes: list[str] = []
        digest = hashlib.sha256(raw).hexdigest()
        self._progress(0.96, "Asking the hub to countersign…")
        try:
            counter = await self.hub.export_countersign(
                digest, [c.camera_id for c in request.cameras]
            )
        except HubError as exc:
            notes.append(f"The hub did not countersign: {exc.operator_message}")
        else:
            if counter.signed == f"tessera-export-countersign-v1\n{digest}\n":
                signature["hub"] = {
                    "algorithm": "Ed25519",
                    "public_key": _b64(counter.public_key),
                    "key_name": counter.key_name,
                    "key_id": counter.key_id,
                    "signature": _b64(counter.signature),
                }
            else:
                notes.append("The hub's countersignature names another manifest; left out.")
        self._check()
        sig_raw = json.dumps(signature, indent=2, sort_keys=True).encode()

        def finish() -> None:
            _write_synced(work / SIGNATURE, sig_raw)
            os.rename(work, final)
            _fsync_dir(final.parent)

        await asyncio.to_thread(finish)
        if self._record is not None:
            details = {
                "pack": final.name,
                "manifest_sha256": digest,
                "from": _iso(request.start),
                "to": _iso(request.end),
                "cameras": [c.camera_id for c in request.cameras],
                **(request.reason.details() if request.reason is not None else {}),
            }
            with contextlib.suppress(Exception):  # the audit must not undo a written pack
                self._record("export", None, details)
        gaps = {
            c["id"]: tuple((g["from"], g["to"]) for g in c["gaps"]) for c in cameras if c["gaps"]
        }
        return ExportResult(final, signature["hub"] is not None, gaps, tuple(notes))

    async def _in_worker(self, fn: Callable[[], T]) -> T:
        """`fn` on a worker thread; cancelled, the work is told to stop and awaited, so the
        temporary folder is never removed under a thread still writing into it."""
        future = asyncio.ensure_future(asyncio.to_thread(fn))
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self._stop.set()
            with contextlib.suppress(BaseException):
                await future
            raise

    async def _fetch(self, camera: ExportCamera, folder: Path, i: int, n: int) -> _Fetched:
        request = self.request
        reason = request.reason.details() if request.reason is not None else None
        path = folder / f"{_SAFE_NAME.sub('_', camera.camera_id)}.ts"
        span_s = (request.end - request.start).total_seconds()
        guess = max(1.0, span_s * BYTES_PER_SECOND_GUESS)
        received = 0
        label = camera.name or camera.camera_id
        try:
            async with self.hub.export_open(
                camera.camera_id,
                request.start,
                request.end,
                profile=request.profile,
                reason=reason,
            ) as download:
                f = await asyncio.to_thread(open, path, "wb")
                try:
                    async for chunk in _stoppable(download.chunks, self._stop):
                        await asyncio.to_thread(f.write, chunk)
                        received += len(chunk)
                        part = min(0.95, received / guess)
                        self._progress(
                            0.5 * (i + part) / n,
                            f"Fetching {label} from the hub ({received:,} bytes)…",
                        )
                finally:
                    await asyncio.to_thread(f.close)
        except HubError as exc:
            raise ExportError(f"{label}: {exc.operator_message}") from None
        except OSError as exc:
            raise ExportError(f"The export cannot be written: {exc.strerror or exc}") from None
        self._check()
        if received == 0:
            raise ExportError(f"{label}: the hub sent no video.")
        described = {
            "from": _iso(download.start),
            "to": _iso(download.end),
            "profile": download.profile,
            "fps": download.fps,
            "width": download.width,
            "height": download.height,
            "gaps": [{"from": _iso(g.start), "to": _iso(g.end)} for g in download.gaps],
            "gaps_s": sum((g.end - g.start).total_seconds() for g in download.gaps),
            "audit_index": download.audit_index,
            "audit_entry": download.audit_entry,
        }
        return _Fetched(camera, path, described)

    async def _audit_proof(self, item: _Fetched) -> dict[str, Any]:
        """The checkpoint and inclusion proof of the hub's audit entry of this export, checked
        here; waits a bounded while for a checkpoint that covers it, else says why not."""
        index, leaf = item.download["audit_index"], item.download["audit_entry"]
        if index is None or leaf is None:
            return {"missing": "the hub named no audit entry for this export"}
        try:
            for _ in range(PROOF_WAIT_TRIES):
                info = await self.hub.audit_checkpoint()
                if info.size > index:
                    break
                self._check()
                await asyncio.sleep(PROOF_WAIT_S)
            else:
                return {"missing": "the hub's audit checkpoint did not cover the export in time"}
            cp = verify_checkpoint(info.checkpoint, info.key_name, info.public_key)
            proof = await self.hub.audit_proof(index, cp.size)
            check_inclusion(leaf, index, cp, proof.hashes)
        except HubError as exc:
            return {"missing": f"the hub gave no proof: {exc.operator_message}"}
        except ProofError as exc:
            raise ExportError(
                f"The hub's audit proof of this export does not verify: {exc}"
            ) from None
        return {
            "index": index,
            "entry": _b64(leaf),
            "checkpoint": cp.text,
            "tree_size": cp.size,
            "proof": [_b64(h) for h in proof.hashes],
            "public_key": _b64(info.public_key),
            "key_name": info.key_name,
        }

    def _make_media(
        self, item: _Fetched, work: Path, watermark: str, i: int, n: int
    ) -> dict[str, Any]:
        """The camera's media files (worker thread) and its manifest entry."""
        request = self.request
        camera, d = item.camera, item.download
        stem = _SAFE_NAME.sub("_", camera.camera_id)
        video = work / f"{stem}.mp4"
        label = camera.name or camera.camera_id
        span_s = (request.end - request.start).total_seconds()
        expected = media.expected_frames(span_s, d["gaps_s"], d["fps"])

        def progress(part: float) -> None:
            self._progress(0.5 + 0.4 * (i + part) / n, f"Writing {label}…")

        files: dict[str, str] = {"video": video.name}
        if camera.masks:
            frames = media.reencode_masked(
                item.ts,
                video,
                camera.masks,
                watermark,
                d["fps"],
                expected,
                progress,
                self._stop.is_set,
            )
            encoding = "re-encoded: privacy masks and the watermark drawn into every frame"
            watermark_in = "burned into every frame"
        else:
            # The watermark over the whole span (a subtitle may outlast the video; never less).
            srt = work / f"{stem}.srt"
            media.write_srt(srt, watermark, span_s)
            frames, tracked = media.remux(
                item.ts, video, expected, progress, self._stop.is_set, watermark_srt=srt
            )
            encoding = "remuxed from the hub's export without re-encoding"
            files["watermark"] = srt.name
            watermark_in = (
                f"in the video's subtitle track (shown by default) and in {srt.name} beside it"
                " (the pictures are not re-encoded)"
                if tracked
                else f"in {srt.name} beside the video (the video is not re-encoded)"
            )
        self._check()
        if request.snapshots:
            shot = work / f"{stem}-snapshot.png"
            media.snapshot(item.ts, shot, camera.masks, watermark)
            files["snapshot"] = shot.name
        return {
            "id": camera.camera_id,
            "name": camera.name,
            "from": d["from"],
            "to": d["to"],
            "profile": d["profile"],
            "fps": d["fps"],
            "width": d["width"],
            "height": d["height"],
            "gaps": d["gaps"],
            "files": files,
            "frames": frames,
            "encoding": encoding,
            "watermark": watermark_in,
            "masks": [m.to_json() for m in camera.masks],
            "masks_lifted": camera.masks_lifted,
            "audit": item.audit,
        }

    def _manifest(
        self,
        work: Path,
        cameras: list[dict[str, Any]],
        signer: ConsoleSigner,
        created: datetime,
        watermark: str,
    ) -> dict[str, Any]:
        request = self.request
        files = []
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            self._check()
            rel = path.relative_to(work).as_posix()
            files.append({"path": rel, **hash_file(str(path))})
        return {
            "format": FORMAT,
            "version": VERSION,
            "created": _iso(created),
            "segment_bytes": SEGMENT_BYTES,
            "segments": "each file in segments of segment_bytes bytes from its start "
            "(the last one shorter): offset, length, SHA-256",
            "hub": {"url": request.hub_url, "name": request.hub_name},
            "console": {
                "name": request.console_name,
                "public_key": _b64(signer.public_key),
                "key_id": signer.key_id,
            },
            "operator": request.operator,
            "reason": None if request.reason is None else request.reason.details(),
            "bookmark": request.bookmark,
            "span": {"from": _iso(request.start), "to": _iso(request.end)},
            "watermark": {"text": watermark},
            "cameras": cameras,
            "files": files,
        }


async def _stoppable(chunks: AsyncIterator[bytes], stop: threading.Event) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        if stop.is_set():
            raise media.ExportCancelled
        yield chunk


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
