"""The command line of the audit log: `tessera audit verify` and `tessera audit show`
(hooked into `console.app.cli`). Exit codes: 0 verified (or shown), 1 not verified, 2 usage
or a log that cannot be read."""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from console.audit.core import CheckpointStore, Pinned, default_path
from console.audit.merkle import ProofError
from console.audit.show import Filter, from_journal, from_log, parse_time, show
from console.audit.verify import verify_log

OK, NOT_VERIFIED, UNUSABLE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(UNUSABLE, f"{self.prog}: {message}\n")


def _unpacked(path: Path, scratch: Path) -> Path:
    """A log folder: `path` itself, or an exported tar unpacked into `scratch`."""
    if path.is_dir():
        return path
    try:
        with tarfile.open(path) as tar:
            tar.extractall(scratch, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise ProofError(f"{path} is neither a log folder nor an exported log ({exc}).") from None
    return scratch


def _pinned_for(origin_hint: Path, store_path: Path | None) -> Pinned | None:
    store = CheckpointStore(store_path)
    try:
        origin = (origin_hint / "checkpoint").read_text("utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    for pinned in store.all().values():
        if pinned.origin == origin:
            return pinned
    return None


def main_verify(argv: Sequence[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = _Parser(
        prog="tessera audit verify",
        description="Check an audit log (a folder, or an exported .tar) offline: every "
        "checkpoint's signature, consistency across them, every entry's inclusion.",
    )
    parser.add_argument("log", type=Path, help="the log folder or the exported .tar")
    parser.add_argument("--key", help="the hub's public key (base64, raw Ed25519)")
    parser.add_argument("--key-name", help="the key's name in the notes (default: the origin)")
    parser.add_argument(
        "--trusted-checkpoint", type=Path, help="a checkpoint note verified earlier (a file)"
    )
    parser.add_argument(
        "--console-store",
        type=Path,
        nargs="?",
        const=Path(),
        help="use the key and checkpoint this console pinned (audit-checkpoints.json)",
    )
    parser.add_argument("--json", action="store_true", help="the result as JSON")
    args = parser.parse_args(list(argv))
    key: bytes | None = None
    if args.key:
        try:
            key = base64.b64decode(args.key, validate=True)
        except (binascii.Error, ValueError):
            parser.error("--key is not base64")
    trusted: str | None = None
    if args.trusted_checkpoint:
        try:
            trusted = args.trusted_checkpoint.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            parser.error(f"the trusted checkpoint cannot be read ({exc})")
    with tempfile.TemporaryDirectory(prefix="tessera-audit-") as scratch:
        try:
            folder = _unpacked(args.log, Path(scratch))
        except ProofError as exc:
            print(str(exc), file=out)
            return UNUSABLE
        if not (folder / "checkpoint").exists():
            print(f"{args.log} holds no audit log (no checkpoint).", file=out)
            return UNUSABLE
        key_name = args.key_name
        if args.console_store is not None:
            store = None if args.console_store == Path() else args.console_store
            pinned = _pinned_for(folder, store)
            if pinned is None:
                print("This console has pinned no key for this log.", file=out)
                return UNUSABLE
            key, key_name, trusted = pinned.public_key, pinned.key_name, pinned.checkpoint
        report = verify_log(folder, key, key_name, trusted)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "message": report.message,
                    "entries_checked": report.entries_checked,
                    "checkpoints_checked": report.checkpoints_checked,
                    "first_bad_entry": report.first_bad_entry,
                    "size": report.size,
                    "origin": report.origin,
                }
            ),
            file=out,
        )
    else:
        print(report.message, file=out)
    return OK if report.ok else NOT_VERIFIED


def main_show(argv: Sequence[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = _Parser(
        prog="tessera audit show",
        description="List audit entries, filtered by operator, camera and time.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("log", type=Path, nargs="?", help="the log folder or exported .tar")
    source.add_argument(
        "--local",
        type=Path,
        nargs="?",
        const=Path(),
        help="this console's journal (its sent and unsent actions)",
    )
    parser.add_argument("--operator")
    parser.add_argument("--camera")
    parser.add_argument("--since", help="ISO 8601 time (UTC when it has no zone)")
    parser.add_argument("--until", help="ISO 8601 time, exclusive")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args(list(argv))
    times = {}
    for name in ("since", "until"):
        raw = getattr(args, name)
        if raw is not None:
            when = parse_time(raw)
            if when is None:
                parser.error(f"--{name}: {raw!r} is not an ISO 8601 time")
            times[name] = when
    where = Filter(args.operator, args.camera, times.get("since"), times.get("until"))
    count = 0
    with tempfile.TemporaryDirectory(prefix="tessera-audit-") as scratch:
        try:
            if args.local is not None:
                rows = from_journal(default_path() if args.local == Path() else args.local)
            else:
                rows = from_log(_unpacked(args.log, Path(scratch)))
            for e in show(rows, where):
                print(
                    json.dumps(e.to_json(), ensure_ascii=False) if args.json else e.line(), file=out
                )
                count += 1
        except ProofError as exc:
            print(str(exc), file=out)
            return UNUSABLE
    if not args.json:
        print(f"{count:,} entries.", file=out)
    return OK


__all__ = ["main_show", "main_verify"]
