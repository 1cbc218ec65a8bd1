"""Certificates of self-signed hubs the operator confirmed (trust on first use, issue 17).

An https hub whose certificate no authority of this computer vouches for (the demo hub makes
its own) is shown to the operator with its SHA-256 fingerprint, to compare with the one the
hub's administrator gives (the demo hub writes it in its log at start). Once confirmed, only a
certificate with exactly that fingerprint is accepted from that hub: a changed certificate is
refused with a clear message, never accepted in silence.

`pinned-certificates.json` in the config folder: {hub url: fingerprint}. A fingerprint is not a
secret. Blocking file I/O: call it off the GUI thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.base.jsonfile import FileFormatError, config_dir, load_versioned, save_versioned
from console.base.redact import redact_url

__all__ = ["PinStore", "Pins"]

KIND = "tessera.pinned-certificates"
VERSION = 1
FILE_NAME = "pinned-certificates.json"
_FINGERPRINT = re.compile(r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")


@dataclass(frozen=True)
class Pins:
    by_hub: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def _key(url: str) -> str:
    return redact_url(url.rstrip("/"))


def _parse(doc: dict[str, Any]) -> dict[str, str]:
    hubs = doc.get("hubs", {})
    if not isinstance(hubs, dict):
        raise FileFormatError('"hubs" must be an object')
    for url, fingerprint in hubs.items():
        if not isinstance(fingerprint, str) or not _FINGERPRINT.match(fingerprint):
            raise FileFormatError(f"the fingerprint kept for {url} is not a SHA-256 fingerprint")
    return dict(hubs)


def _no_pins() -> dict[str, str]:
    return {}


class PinStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME

    def load(self) -> Pins:
        loaded = load_versioned(self.path, KIND, VERSION, _parse, _no_pins)
        return Pins(loaded.value, loaded.problem)

    def get(self, url: str) -> str | None:
        return self.load().by_hub.get(_key(url))

    def pin(self, url: str, fingerprint: str) -> None:
        if not _FINGERPRINT.match(fingerprint):
            raise ValueError("not a SHA-256 fingerprint (32 hex pairs joined by ':')")
        hubs = self.load().by_hub
        hubs[_key(url)] = fingerprint
        save_versioned(self.path, KIND, VERSION, {"hubs": hubs})

    def forget(self, url: str) -> None:
        hubs = self.load().by_hub
        if hubs.pop(_key(url), None) is not None:
            save_versioned(self.path, KIND, VERSION, {"hubs": hubs})
