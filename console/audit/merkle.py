"""The console's only door to `tlog_scales` (the C2SP tlog-tiles / RFC 9162 library): signed
checkpoints, consistency and inclusion proofs, and reading an exported log's tiles.

Every failure comes out as `ProofError` with plain words; nothing of the library's own
exceptions (assertions, ValueError, RuntimeError, cryptography's InvalidSignature) escapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tlog_scales import backend, reader, signing, tiles, tlog, writer

ED25519 = 1  # the note signature type of a plain Ed25519 key (C2SP signed-note)
MAX_CHECKPOINT_CHARS = 8192


class ProofError(Exception):
    """A checkpoint, a proof or a log does not verify; `str()` is plain words; `index`: the
    first entry concerned, when one can be named."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A verified checkpoint: the log `origin` had `size` entries with this `root`."""

    origin: str
    size: int
    root: bytes
    text: str


def vkey(key_name: str, public_key: bytes) -> signing.Vkey:
    if len(public_key) != 32:
        raise ProofError("The hub's audit key is not an Ed25519 public key (32 bytes).")
    if not key_name or len(key_name) > 200 or any(c.isspace() or c == "+" for c in key_name):
        raise ProofError("The hub's audit key has no usable name.")
    return signing.Vkey(key_name, None, ED25519, public_key)


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint note, not yet verified."""
    if not isinstance(text, str) or len(text) > MAX_CHECKPOINT_CHARS:
        raise ProofError("The audit checkpoint is not a checkpoint note.")
    try:
        cp = tlog.Checkpoint.from_text(text)
    except Exception:
        raise ProofError("The audit checkpoint cannot be read.") from None
    if cp.size < 0 or len(cp.root_hash) != 32:
        raise ProofError("The audit checkpoint cannot be read.")
    return cp.origin, cp.size, cp.root_hash


def verify_checkpoint(
    text: str, key_name: str, public_key: bytes, origin: str | None = None
) -> Checkpoint:
    """The checkpoint, once its signature by `public_key` (named `key_name`) verifies and its
    origin is `origin` (when given)."""
    key = vkey(key_name, public_key)
    parse_checkpoint(text)
    cp = tlog.Checkpoint.from_text(text)
    if not any(key.match(sig) for sig in cp.signatures):
        raise ProofError("The audit checkpoint is not signed by the hub's audit key.")
    try:
        cp.verify(key)
    except Exception:
        raise ProofError("The audit checkpoint's signature does not verify.") from None
    if origin is not None and cp.origin != origin:
        raise ProofError(f"The audit checkpoint is of another log ({cp.origin}, not {origin}).")
    return Checkpoint(cp.origin, cp.size, cp.root_hash, text)


def check_consistency(old: Checkpoint, new: Checkpoint, hashes: Sequence[bytes]) -> None:
    """ProofError unless `new`'s tree begins with `old`'s (RFC 9162 2.1.4.2)."""
    if new.size < old.size:
        raise ProofError(f"The log shrank from {old.size:,} to {new.size:,} entries.")
    if any(len(h) != 32 for h in hashes) or len(hashes) > 128:
        raise ProofError("The consistency proof is malformed.")
    try:
        tlog.ConsistencyProof(old.size, new.size, list(hashes)).check(old.root, new.root)
    except Exception:
        raise ProofError(
            f"The log of {new.size:,} entries does not contain the {old.size:,} entries of the "
            "earlier checkpoint."
        ) from None


def leaf_hash(leaf: bytes) -> bytes:
    return tiles.leaf_hash(leaf)


def check_inclusion(leaf: bytes, index: int, cp: Checkpoint, hashes: Sequence[bytes]) -> None:
    """ProofError unless `leaf` is entry `index` of the tree of `cp`."""
    if any(len(h) != 32 for h in hashes) or len(hashes) > 128:
        raise ProofError("The inclusion proof is malformed.")
    try:
        tlog.InclusionProof(index, cp.size, list(hashes)).check(leaf_hash(leaf), cp.root)
    except Exception:
        raise ProofError(f"Entry #{index} is not in the log of {cp.size:,} entries.") from None


def _whole_entries(data: bytes) -> int:
    """How many whole entries a cut entry tile still holds (each: a 2-byte length, then it)."""
    count = pos = 0
    while pos + 2 <= len(data):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
        if pos > len(data):
            break
        count += 1
    return count


# -- an exported log folder ---------------------------------------------------------------------
class LogDirectory:
    """A log in the tlog-tiles layout (the hub's folder, or an exported copy unpacked), read
    only: its checkpoint, its history of checkpoints, its entries and tiles."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader = reader.TilesReader(backend.LocalBackend(path))

    def checkpoint_text(self) -> str:
        try:
            return (self.path / "checkpoint").read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            raise ProofError(f"{self.path} holds no readable audit checkpoint.") from None

    def history(self) -> list[str]:
        """The signed checkpoints in the order the hub made them (none if no history)."""
        try:
            data = (self.path / "checkpoints").read_text("utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError):
            raise ProofError("The log's history of checkpoints cannot be read.") from None
        out = []
        for n, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["checkpoint"]
            except (ValueError, KeyError, TypeError):
                raise ProofError(f"Line {n} of the checkpoint history is damaged.") from None
            if not isinstance(text, str):
                raise ProofError(f"Line {n} of the checkpoint history is damaged.")
            out.append(text)
        return out

    def key_in_folder(self) -> tuple[str, bytes] | None:
        """(key name, public key) as the folder's `vkey` file says: the hub's own word, to be
        trusted only as far as the folder itself is (a pinned key is the stronger check)."""
        try:
            key = signing.Vkey.from_string((self.path / "vkey").read_text("utf-8").strip())
        except (OSError, UnicodeDecodeError, ValueError, IndexError):
            return None
        if key.sig_type != ED25519 or len(key.pubkey) != 32:
            return None
        return key.name, key.pubkey

    def _tile_bytes(self, level: int, n: int, size: int) -> bytes | None:
        full, partial = tiles.level_tiles(size, level)
        width = partial if n == full else 0
        return self._reader.backend.get(*tiles.tile_path(level, n, width))

    def entry_tiles(self, size: int) -> Iterator[tuple[int, list[bytes]]]:
        """(first index, entries) for each entry tile of a tree of `size`; ProofError names a
        missing or cut tile."""
        count = (size + 255) // 256
        for n in range(count):
            first = n * 256
            want = min(256, size - first)
            data = self._tile_bytes(-1, n, size)
            if data is None:
                raise ProofError(
                    f"The log is truncated: the tile of entries #{first:,} to "
                    f"#{first + want - 1:,} is missing.",
                    first,
                )
            try:
                entries = reader.Tile.from_entries_bytes(data).entries
            except ValueError:
                entries = None
            if entries is None or len(entries) < want:
                got = len(entries) if entries is not None else _whole_entries(data)
                raise ProofError(
                    f"The log is truncated: the tile of entries #{first:,} to "
                    f"#{first + want - 1:,} is cut short (entry #{first + got:,} is missing "
                    "or incomplete).",
                    first + got,
                )
            yield first, entries[:want]

    def hash_tile(self, level: int, n: int, size: int) -> list[bytes]:
        data = self._tile_bytes(level, n, size)
        full, partial = tiles.level_tiles(size, level)
        want = partial if n == full else 256
        if data is None or len(data) < 32 * want:
            raise ProofError(
                f"The log is truncated: a hash tile (level {level}, number {n}) is missing or "
                "cut short."
            )
        return reader.Tile.from_hash_bytes(data[: 32 * want]).entries

    def full_tile_hash(self, level: int, n: int, size: int) -> bytes:
        """The hash of full tile `n` at `level`, computed by the library from its 256 hashes."""
        w = writer.TilesWriter(self.path, "", size)
        try:
            return w._hash_full_tile(level, n)  # the library's own tile hash (read only)
        except Exception:
            raise ProofError(
                f"The log is truncated: a hash tile (level {level}, number {n}) is missing or "
                "cut short."
            ) from None

    def root(self, size: int) -> bytes:
        """The root of the first `size` entries, as the tiles give it."""
        self._reader.set_size(size)
        try:
            return self._reader.calculate_root_hash()
        except Exception:
            raise ProofError(
                f"The log is truncated: the tiles of its first {size:,} entries cannot be read."
            ) from None

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        if old in (0, new):  # nothing to prove (the library asserts 0 < old there)
            return []
        self._reader.set_size(new)
        try:
            return list(self._reader.get_consistency_proof(old, new).node_hashes)
        except Exception:
            raise ProofError(
                f"The log is truncated: no consistency proof from {old:,} to {new:,} entries."
            ) from None

    def entry(self, index: int, size: int) -> bytes:
        self._reader.set_size(size)
        try:
            return self._reader.get_entry(index)
        except Exception:
            raise ProofError(f"Entry #{index:,} cannot be read: the log is truncated.") from None


__all__ = [
    "Checkpoint",
    "LogDirectory",
    "ProofError",
    "check_consistency",
    "check_inclusion",
    "leaf_hash",
    "parse_checkpoint",
    "verify_checkpoint",
    "vkey",
]
