"""`verify_log`: check an audit log folder (the hub's, or an exported copy unpacked) offline.

What is checked, in this order (the first failure is the answer, in plain words):

1. the signature of the log's checkpoint and of every checkpoint in its history, by the pinned
   key (given, or the console's store) or else the key the folder names (weaker: said so);
2. every entry: its leaf hash (the library's) against the tree's level-0 tile, so the first
   entry changed after it was logged is named; a missing or cut tile is a truncated log;
3. every full tile's hash against the level above, and the root the tiles give against the
   checkpoint's: hashes changed along with an entry are caught here;
4. every checkpoint of the history is a prefix of the log (a consistency proof from the
   verified tiles, checked with the library): a rewritten or forked history;
5. a trusted checkpoint (one a console verified earlier) is a prefix of the log too, and not
   larger than it (a truncated log).

Blocking file I/O; no Qt. Only `console.audit.merkle` touches the tree library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.audit.merkle import (
    Checkpoint,
    LogDirectory,
    ProofError,
    check_consistency,
    leaf_hash,
    parse_checkpoint,
    verify_checkpoint,
)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    message: str  # plain words: what was verified, or the first thing that did not
    entries_checked: int = 0
    checkpoints_checked: int = 0
    first_bad_entry: int | None = None
    size: int = 0
    origin: str = ""
    key_from_folder: bool = False


class _Run:
    """One verification: the counters, and each step (a failure raises ProofError)."""

    def __init__(self, folder: LogDirectory) -> None:
        self.folder = folder
        self.entries = 0
        self.checkpoints = 0
        self.size = 0
        self.origin = ""
        self.from_folder = False

    def key(self, public_key: bytes | None, key_name: str | None) -> tuple[str, bytes]:
        text = self.folder.checkpoint_text()
        self.origin, _, _ = parse_checkpoint(text)
        if public_key is None:
            found = self.folder.key_in_folder()
            if found is None:
                raise ProofError("No key to check the signatures with: give the hub's public key.")
            self.from_folder = True
            return found
        return key_name or self.origin, public_key

    def checkpoints_signed(self, name: str, key: bytes) -> tuple[Checkpoint, list[Checkpoint]]:
        try:
            final = verify_checkpoint(self.folder.checkpoint_text(), name, key, self.origin)
        except ProofError as exc:
            raise ProofError(f"The log's checkpoint: {exc}") from None
        self.checkpoints = 1
        self.size = final.size
        history = []
        for n, text in enumerate(self.folder.history(), 1):
            try:
                history.append(verify_checkpoint(text, name, key, self.origin))
            except ProofError as exc:
                raise ProofError(f"Checkpoint {n} of the history: {exc}") from None
            self.checkpoints += 1
        return final, history

    def entries_hashed(self) -> None:
        """Each entry against its leaf hash in the level-0 tiles: the first changed is named."""
        for first, leaves in self.folder.entry_tiles(self.size):
            stored = self.folder.hash_tile(0, first // 256, self.size)
            for i, leaf in enumerate(leaves):
                if leaf_hash(leaf) != stored[i]:
                    raise ProofError(
                        f"Entry #{first + i:,} does not verify: it was changed after it was "
                        "logged (its content no longer matches its hash in the tree).",
                        first + i,
                    )
                self.entries += 1

    def tiles_to_root(self, final: Checkpoint) -> None:
        """Each full tile's hash against the level above, then the root against the checkpoint."""
        size, level = self.size, 0
        while size // 256 ** (level + 1) > 0:
            for n in range(size // 256 ** (level + 1)):
                parent = self.folder.hash_tile(level + 1, n // 256, size)
                if self.folder.full_tile_hash(level, n, size) != parent[n % 256]:
                    span = 256 ** (level + 1)
                    raise ProofError(
                        f"Entries #{n * span:,} to #{(n + 1) * span - 1:,} do not verify: they "
                        "and their hashes were changed after they were logged.",
                        n * span,
                    )
            level += 1
        if self.folder.root(size) != final.root:
            raise ProofError(
                "The log's entries do not give the root hash its checkpoint signs: the "
                "checkpoint was replaced, or entries were changed."
            )

    def prefix(self, old: Checkpoint, final: Checkpoint, what: str) -> None:
        """`old` (a checkpoint of the history, or one verified before) is a prefix of the log."""
        if old.origin != final.origin:
            raise ProofError(f"{what} is of another log ({old.origin}).")
        if old.size > final.size:
            raise ProofError(
                f"The log is truncated: {what} signed {old.size:,} entries, the log has "
                f"{final.size:,}.",
                final.size,
            )
        try:
            check_consistency(old, final, self.folder.consistency_proof(old.size, final.size))
        except ProofError:
            raise ProofError(
                f"The log was rewritten: it does not contain the {old.size:,} entries of {what}."
            ) from None

    def report(self, ok: bool, message: str, bad: int | None = None) -> VerifyReport:
        return VerifyReport(
            ok,
            message,
            self.entries,
            self.checkpoints,
            bad,
            self.size,
            self.origin,
            self.from_folder,
        )


def verify_log(
    directory: Path,
    public_key: bytes | None = None,
    key_name: str | None = None,
    trusted_checkpoint: str | None = None,
) -> VerifyReport:
    """Check the log in `directory`; see the module's text."""
    run = _Run(LogDirectory(directory))
    try:
        name, key = run.key(public_key, key_name)
        final, history = run.checkpoints_signed(name, key)
        run.entries_hashed()
        run.tiles_to_root(final)
        for n, old in enumerate(history, 1):
            run.prefix(old, final, f"checkpoint {n} of its history")
        if trusted_checkpoint is not None:
            try:
                trusted = verify_checkpoint(trusted_checkpoint, name, key)
            except ProofError as exc:
                raise ProofError(f"The checkpoint verified before: {exc}") from None
            run.checkpoints += 1
            run.prefix(trusted, final, "the checkpoint verified before")
    except ProofError as exc:
        return run.report(False, str(exc), exc.index)
    where = " (signatures checked with the key the folder names)" if run.from_folder else ""
    return run.report(
        True,
        f"The audit log {run.origin} verifies: {run.entries:,} entries, "
        f"{run.checkpoints:,} checkpoints{where}.",
    )


__all__ = ["VerifyReport", "verify_log"]
