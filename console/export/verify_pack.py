#!/usr/bin/env python3
"""Check a Tessera evidence pack without Tessera: `python verify_pack.py PACK_FOLDER`.

Needs Python 3.10 or later and the `cryptography` package, nothing else. It answers one of:

  authentic            (exit 0) every file is as the console signed it
  authentic with gaps  (exit 1) as above, and the recording has gaps, named per camera
  not authentic        (exit 3) names the first file, segment or signature that fails
  not signed           (exit 4) the pack has no signature to check
  (exit 2: the folder is not a pack, or the command is used wrongly)

What it checks, in this order:
1. manifest.sig: the console's Ed25519 signature of the exact bytes of manifest.json, by the
   public key the manifest names; and, where the hub countersigned, the hub's Ed25519
   signature of "tessera-export-countersign-v1\\n" + SHA-256(manifest.json) + "\\n".
2. Every file the manifest lists: its size, the SHA-256 of each segment (each 1 MiB of the
   file, the last one shorter; `offset`, `length` in bytes) and of the whole file. A file in the
   folder that the manifest does not list is named too.
3. For each camera, the hub's audit entry of the export: the checkpoint's signature (a C2SP
   signed note) by the hub's audit key, and the RFC 9162 inclusion proof of the entry in that
   checkpoint's tree; the entry must be an "export" of that camera.

The file is copied into every pack by the Tessera console (console/export/verify_pack.py) and
used by `tessera verify` itself, so both give the same answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "tessera-evidence-pack"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SEGMENT_BYTES = 1024 * 1024
COUNTERSIGN_PREFIX = "tessera-export-countersign-v1\n"
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_SIGNATURE_BYTES = 64 * 1024

AUTHENTIC = "authentic"
AUTHENTIC_WITH_GAPS = "authentic with gaps"
NOT_AUTHENTIC = "not authentic"
NOT_SIGNED = "not signed"
NOT_A_PACK = "not a pack"
EXIT_CODES = {
    AUTHENTIC: 0,
    AUTHENTIC_WITH_GAPS: 1,
    NOT_A_PACK: 2,
    NOT_AUTHENTIC: 3,
    NOT_SIGNED: 4,
}


@dataclass
class Verdict:
    """The answer: `outcome` (one of the five above), `reason` in plain words (what failed,
    or the gaps), and `notes` (what was checked)."""

    outcome: str
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def text(self) -> str:
        head = self.outcome.upper() if not self.reason else f"{self.outcome.upper()}: {self.reason}"
        return "\n".join([head, *(f"  - {n}" for n in self.notes)])


class _CheckError(Exception):
    pass


# -- hashing, shared with the console that writes the pack ---------------------------------------
def hash_file(path: str, segment_bytes: int = SEGMENT_BYTES) -> dict[str, Any]:
    """{"size", "sha256", "segments": [{"offset", "length", "sha256"}]} of one file."""
    whole = hashlib.sha256()
    segments = []
    offset = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(segment_bytes)
            if not chunk:
                break
            whole.update(chunk)
            segments.append(
                {
                    "offset": offset,
                    "length": len(chunk),
                    "sha256": hashlib.sha256(chunk).hexdigest(),
                }
            )
            offset += len(chunk)
    return {"size": offset, "sha256": whole.hexdigest(), "segments": segments}


def countersign_message(manifest_sha256: str) -> bytes:
    return (COUNTERSIGN_PREFIX + manifest_sha256 + "\n").encode("ascii")


# -- audit: C2SP signed notes and RFC 9162 inclusion proofs -------------------------------------
def _b64(value: object, what: str, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise _CheckError(f"{what} is missing")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _CheckError(f"{what} is not base64") from None
    if size is not None and len(raw) != size:
        raise _CheckError(f"{what} is not {size} bytes")
    return raw


def note_key_hash(key_name: str, public_key: bytes) -> bytes:
    """The 4-byte key hash of a signed note's Ed25519 key (C2SP signed-note)."""
    return hashlib.sha256(key_name.encode() + b"\n\x01" + public_key).digest()[:4]


def verify_checkpoint(text: str, key_name: str, public_key: bytes) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint note signed by the key; _CheckError otherwise."""
    if not isinstance(text, str) or "\n\n" not in text:
        raise _CheckError("the audit checkpoint is not a signed note")
    body, _, signatures = text.partition("\n\n")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise _CheckError("the audit checkpoint is not a checkpoint")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit():
        raise _CheckError("the audit checkpoint's size is not a number")
    root = _b64(root_text, "the audit checkpoint's root", 32)
    key = Ed25519PublicKey.from_public_bytes(public_key)
    wanted = note_key_hash(key_name, public_key)
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        name, _, sig_text = line[2:].rpartition(" ")
        if name != key_name:
            continue
        try:
            raw = base64.b64decode(sig_text, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) != 68 or raw[:4] != wanted:
            continue
        try:
            key.verify(raw[4:], body.encode())
        except InvalidSignature:
            raise _CheckError("the audit checkpoint's signature does not verify") from None
        return origin, int(size_text), root
    raise _CheckError("the audit checkpoint is not signed by the hub's audit key")


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_root(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """The tree root an RFC 9162 (2.1.3.2) inclusion proof gives for `leaf` at `index`."""
    if not 0 <= index < size:
        raise _CheckError("the audit proof's index is outside the tree")
    fn, sn = index, size - 1
    r = hashlib.sha256(b"\x00" + leaf).digest()
    for p in proof:
        if sn == 0:
            raise _CheckError("the audit inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _CheckError("the audit inclusion proof is too short")
    return r


def check_audit(camera: dict[str, Any], countersign_key: bytes | None) -> str:
    """A note on the camera's audit entry; _CheckError when it is there and does not verify."""
    audit = camera.get("audit")
    cam = camera.get("id")
    if not isinstance(audit, dict) or "entry" not in audit:
        why = audit.get("missing") if isinstance(audit, dict) else None
        return f"{cam}: no audit proof in the pack ({why or 'not given'})"
    key = _b64(audit.get("public_key"), f"{cam}: the audit key", 32)
    if countersign_key is not None and key != countersign_key:
        raise _CheckError(f"{cam}: the audit checkpoint is signed by another key than the hub's")
    name = audit.get("key_name")
    if not isinstance(name, str):
        raise _CheckError(f"{cam}: the audit key has no name")
    text = audit.get("checkpoint")
    if not isinstance(text, str):
        raise _CheckError(f"{cam}: the audit checkpoint is missing")
    _, size, root = verify_checkpoint(text, name, key)
    leaf = _b64(audit.get("entry"), f"{cam}: the audit entry")
    index = audit.get("index")
    hashes = audit.get("proof")
    if type(index) is not int or not isinstance(hashes, list) or len(hashes) > 128:
        raise _CheckError(f"{cam}: the audit proof is malformed")
    proof = [_b64(h, f"{cam}: an audit proof hash", 32) for h in hashes]
    if inclusion_root(index, size, leaf, proof) != root:
        raise _CheckError(f"{cam}: the export's audit entry #{index} is not in the hub's audit log")
    try:
        entry = json.loads(leaf)
    except ValueError:
        raise _CheckError(f"{cam}: the audit entry is not JSON") from None
    if not isinstance(entry, dict) or entry.get("action") != "export" or entry.get("camera") != cam:
        raise _CheckError(f"{cam}: the audit entry #{index} is not this camera's export")
    return f"{cam}: the export is entry #{index} of the hub's audit log of {size} entries"


# -- the pack ------------------------------------------------------------------------------------
def _read_json(path: str, limit: int, what: str) -> tuple[bytes, Any]:
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise _CheckError(f"{what} cannot be read ({exc.strerror})") from None
    if len(raw) > limit:
        raise _CheckError(f"{what} is too large")
    try:
        return raw, json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _CheckError(f"{what} is not JSON") from None


def _check_signatures(folder: str, raw: bytes, manifest: dict[str, Any]) -> tuple[list[str], Any]:
    """Notes; _CheckError when a signature fails. Returns the hub's key when it countersigned."""
    _, sig = _read_json(os.path.join(folder, SIGNATURE), MAX_SIGNATURE_BYTES, SIGNATURE)
    if not isinstance(sig, dict):
        raise _CheckError(f"{SIGNATURE} is not a JSON object")
    console = manifest.get("console")
    if not isinstance(console, dict):
        raise _CheckError("the manifest names no console")
    key = _b64(console.get("public_key"), "the console's public key", 32)
    signed = sig.get("console")
    if not isinstance(signed, dict):
        raise _CheckError(f"{SIGNATURE} holds no console signature")
    if _b64(signed.get("public_key"), "the signing key", 32) != key:
        raise _CheckError("manifest.json is signed by another key than the console it names")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(
            _b64(signed.get("signature"), "the console's signature", 64), raw
        )
    except InvalidSignature:
        raise _CheckError("the console's signature of manifest.json does not verify") from None
    key_id = hashlib.sha256(key).hexdigest()
    notes = [f"signed by the console {console.get('name')!r}, key SHA-256 {key_id}"]
    hub = sig.get("hub")
    hub_key = None
    if isinstance(hub, dict):
        hub_key = _b64(hub.get("public_key"), "the hub's public key", 32)
        message = countersign_message(hashlib.sha256(raw).hexdigest())
        try:
            Ed25519PublicKey.from_public_bytes(hub_key).verify(
                _b64(hub.get("signature"), "the hub's countersignature", 64), message
            )
        except InvalidSignature:
            raise _CheckError(
                "the hub's countersignature of manifest.json does not verify"
            ) from None
        notes.append(
            f"countersigned by the hub's audit key {hub.get('key_name')!r}, "
            f"SHA-256 {hashlib.sha256(hub_key).hexdigest()}"
        )
    else:
        notes.append("not countersigned by the hub")
    return notes, hub_key


def _check_segments(path: str, rel: str, segments: list[Any]) -> None:
    """_CheckError naming the first segment of the file that does not match."""
    with open(path, "rb") as f:
        for i, seg in enumerate(segments):
            if not isinstance(seg, dict):
                raise _CheckError(f"{rel}: segment {i + 1} is malformed in the manifest")
            offset, length = seg.get("offset"), seg.get("length")
            if type(offset) is not int or type(length) is not int or length > 64 * 2**20:
                raise _CheckError(f"{rel}: segment {i + 1} is malformed in the manifest")
            f.seek(offset)
            data = f.read(length)
            if hashlib.sha256(data).hexdigest() != seg.get("sha256"):
                cut = " (the file is shorter)" if len(data) < length else ""
                raise _CheckError(
                    f"{rel}: segment {i + 1} of {len(segments)} (bytes {offset}-"
                    f"{offset + length - 1}) does not match{cut}"
                )


def _check_files(folder: str, manifest: dict[str, Any]) -> list[str]:
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        raise _CheckError("the manifest lists no files")
    listed = set()
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise _CheckError("the manifest's file list is malformed")
        rel = entry["path"]
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts or "\\" in rel:
            raise _CheckError(f"the manifest names a file outside the pack: {rel!r}")
        listed.add(rel)
        path = os.path.join(folder, *parts)
        if not os.path.isfile(path):
            raise _CheckError(f"{rel} is missing")
        segments = entry.get("segments")
        if not isinstance(segments, list):
            raise _CheckError(f"{rel}: the manifest lists no segments")
        _check_segments(path, rel, segments)
        found = hash_file(path)
        if found["size"] != entry.get("size"):
            raise _CheckError(
                f"{rel} is {found['size']} bytes, the manifest says {entry.get('size')}"
            )
        if found["sha256"] != entry.get("sha256"):
            raise _CheckError(f"{rel} does not match its SHA-256")
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            if rel not in listed and rel not in (MANIFEST, SIGNATURE):
                raise _CheckError(f"{rel} is in the pack but not in the manifest")
    return [f"{len(listed)} files match their SHA-256, segment by segment"]


def _gaps(manifest: dict[str, Any]) -> list[str]:
    found = []
    for camera in manifest.get("cameras", []):
        gaps = camera.get("gaps") if isinstance(camera, dict) else None
        if isinstance(gaps, list) and gaps:
            spans = ", ".join(
                f"{g.get('from')} to {g.get('to')}" for g in gaps if isinstance(g, dict)
            )
            found.append(f"{camera.get('id')}: no recording from {spans}")
    return found


def verify(folder: str) -> Verdict:  # noqa: PLR0911 (one answer per outcome, in order)
    """The verdict on the pack in `folder`."""
    if not os.path.isdir(folder):
        return Verdict(NOT_A_PACK, f"{folder} is not a folder")
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        return Verdict(NOT_A_PACK, f"{folder} holds no {MANIFEST}")
    try:
        raw, manifest = _read_json(path, MAX_MANIFEST_BYTES, MANIFEST)
    except _CheckError as exc:
        return Verdict(NOT_AUTHENTIC, str(exc))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return Verdict(NOT_AUTHENTIC, f"{MANIFEST} is not a Tessera evidence manifest")
    notes: list[str] = []
    signed = os.path.isfile(os.path.join(folder, SIGNATURE))
    try:
        hub_key = None
        if signed:
            sig_notes, hub_key = _check_signatures(folder, raw, manifest)
            notes += sig_notes
        notes += _check_files(folder, manifest)
        for camera in manifest.get("cameras", []):
            if not isinstance(camera, dict):
                raise _CheckError("the manifest's camera list is malformed")
            notes.append(check_audit(camera, hub_key))
    except _CheckError as exc:
        return Verdict(NOT_AUTHENTIC, str(exc), notes)
    except (OSError, ValueError) as exc:
        return Verdict(NOT_AUTHENTIC, f"the pack cannot be read: {exc}", notes)
    if not signed:
        return Verdict(
            NOT_SIGNED,
            f"there is no {SIGNATURE}: the files match the manifest, but nothing shows who made it",
            notes,
        )
    gaps = _gaps(manifest)
    if gaps:
        return Verdict(AUTHENTIC_WITH_GAPS, "; ".join(gaps), notes)
    return Verdict(AUTHENTIC, "", notes)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(__doc__.strip() if __doc__ else "usage: verify_pack.py PACK_FOLDER")
        return 0 if args and args[0] in ("-h", "--help") else EXIT_CODES[NOT_A_PACK]
    verdict = verify(args[0])
    print(verdict.text())
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
