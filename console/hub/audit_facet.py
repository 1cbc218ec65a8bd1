"""The audit facet: a hub that keeps the operators' audit log (issue 17).

Entries go in by `audit_append` (numbered per console, `seq`, so a retry stores nothing twice);
the log is an append-only Merkle tree whose signed checkpoints, consistency proofs and
inclusion proofs the console checks itself (`console.audit`). The hub answers are data to be
verified, never trusted: a driver only checks their shape and sizes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AuditAck",
    "AuditCheckpointInfo",
    "AuditEntry",
    "AuditFacet",
    "AuditProof",
]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as the console sends it: `time` an aware ISO 8601 text."""

    seq: int
    time: str
    action: str
    camera: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditAck:
    """The hub stored every entry up to `acknowledged_seq`; its log's checkpoint after that."""

    acknowledged_seq: int
    checkpoint: str


@dataclass(frozen=True, slots=True)
class AuditCheckpointInfo:
    """The log's latest signed checkpoint and the key the hub says signs it."""

    checkpoint: str
    size: int
    origin: str
    public_key: bytes
    key_name: str


@dataclass(frozen=True, slots=True)
class AuditProof:
    """An inclusion proof of entry `index` in the tree of `size` entries, with the entry (None
    when the caller may not read the whole log)."""

    index: int
    size: int
    hashes: tuple[bytes, ...]
    entry: bytes | None


class AuditFacet(ABC):
    """The audit log of a hub (docs: console/audit/README.md)."""

    @abstractmethod
    async def audit_append(self, console_id: str, entries: Sequence[AuditEntry]) -> AuditAck:
        """Store `entries` (increasing seqs) of `console_id`; those already stored are skipped."""

    @abstractmethod
    async def audit_checkpoint(self) -> AuditCheckpointInfo:
        """The latest checkpoint (not verified here)."""

    @abstractmethod
    async def audit_consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """The hashes proving the tree of `new_size` entries extends that of `old_size`."""

    @abstractmethod
    async def audit_proof(self, index: int, size: int) -> AuditProof:
        """The inclusion proof of entry `index` in the tree of `size`."""

    @abstractmethod
    async def audit_entries(self, start: int, end: int) -> list[bytes]:
        """The raw entries `start` to `end` (exclusive; at most 1000); needs the right to read
        the whole log (HubHttpError 403 otherwise)."""

    @abstractmethod
    async def audit_export(self, dest: Path) -> int:
        """The whole log as a tar file at `dest`; its size in bytes."""
