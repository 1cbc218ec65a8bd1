"""`tessera verify PACK`: is an evidence pack authentic? (issue 18, section 1)

The answer is the stand-alone verifier's (`console.export.verify_pack`, the very file each pack
carries), so `tessera verify` and `python PACK/verify_pack.py PACK` always agree. Tessera adds
one check of its own: each camera's audit inclusion proof is checked a second time with the
console's audit library (tlog-scales, console.audit.merkle); a disagreement is "not authentic".

Exit codes: 0 authentic, 1 authentic with gaps, 2 not a pack (or wrong use), 3 not authentic,
4 not signed.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path

from console.audit.merkle import ProofError, check_inclusion, verify_checkpoint
from console.export import verify_pack
from console.export.verify_pack import NOT_A_PACK, NOT_AUTHENTIC, Verdict

__all__ = ["main", "verify"]

USAGE = """usage: tessera verify PACK_FOLDER

Checks an evidence pack offline and answers one of:
  authentic            (exit 0)
  authentic with gaps  (exit 1: the recording has gaps, named per camera)
  not authentic        (exit 3: names the first file, segment or signature that fails)
  not signed           (exit 4)
Exit 2: the folder is not a pack. The pack's own verify_pack.py gives the same answer
without Tessera (Python and the cryptography package only)."""


def _cross_check(folder: Path) -> str | None:
    """What the audit library finds wrong with the pack's audit proofs, or None."""
    try:
        manifest = json.loads((folder / verify_pack.MANIFEST).read_bytes())
        for camera in manifest.get("cameras", []):
            audit = camera.get("audit") if isinstance(camera, dict) else None
            if not isinstance(audit, dict) or "entry" not in audit:
                continue
            cp = verify_checkpoint(
                audit["checkpoint"], audit["key_name"], base64.b64decode(audit["public_key"])
            )
            hashes = [base64.b64decode(h) for h in audit["proof"]]
            check_inclusion(base64.b64decode(audit["entry"]), audit["index"], cp, hashes)
    except ProofError as exc:
        return f"the audit proof does not verify: {exc}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return "the audit proof cannot be read"
    return None


def verify(folder: Path) -> Verdict:
    verdict = verify_pack.verify(str(folder))
    if verdict.outcome in (NOT_A_PACK, NOT_AUTHENTIC):
        return verdict
    problem = _cross_check(folder)
    if problem is not None:
        return Verdict(NOT_AUTHENTIC, problem, verdict.notes)
    return verdict


def main(args: list[str]) -> int:
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if args[:1] in (["-h"], ["--help"]) else sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    verdict = verify(Path(args[0]))
    print(verdict.text())
    return verdict.exit_code
