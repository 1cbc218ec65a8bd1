"""Certificates of self-signed hubs the operator confirmed (trust on first use, issue 17).

An https hub whose certificate no authority of this computer vouches for (the demo hub makes
its own) is shown to the operator with its SHA-256 fingerprint, to compare with the one the
hub's administrator gives (the demo hub writes it in its log at start). Once confirmed, only a
certificate with exactly that fingerprint is accepted from that hub: a changed certificate is
refused with a clear message, never accepted in silence.

`pinned-certificates.json` in the config folder: {hub url: fingerprint}. A fingerprint is not a
secret. Beside it, `pinned-certificates/` holds each confirmed certificate itself (PEM, named
by its fingerprint, written only when its SHA-256 is the confirmed fingerprint): libvlc cannot
be given a fingerprint, but it can be given a directory of certificates to trust
(`--gnutls-dir-trust`), so the hub's https video plays with exactly the certificate the
operator confirmed, and with no change to the computer's own trust store. A certificate is
public: no secret is in either. Blocking file I/O: call it off the GUI thread.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.base.jsonfile import FileFormatError, config_dir, load_versioned, save_versioned
from console.base.redact import redact_url

__all__ = ["PinStore", "Pins"]

KIND = "tessera.pinned-certificates"
VERSION = 1
FILE_NAME = "pinned-certificates.json"
CERTIFICATES_DIR = "pinned-certificates"
_FINGERPRINT = re.compile(r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")


@dataclass(frozen=True)
class Pins:
    by_hub: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    def get(self, url: str) -> str | None:
        """The fingerprint confirmed for the hub at `url` (None: none)."""
        return self.by_hub.get(_key(url))


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
        self.certificates = self.path.parent / CERTIFICATES_DIR

    def load(self) -> Pins:
        loaded = load_versioned(self.path, KIND, VERSION, _parse, _no_pins)
        return Pins(loaded.value, loaded.problem)

    def get(self, url: str) -> str | None:
        return self.load().get(url)

    def pin(self, url: str, fingerprint: str, certificate: bytes | None = None) -> None:
        """Trust `fingerprint` for `url`; with the `certificate` (DER) it names, keep that too
        (for libvlc's trust directory). ValueError: not a fingerprint, or not this
        certificate's."""
        if not _FINGERPRINT.match(fingerprint):
            raise ValueError("not a SHA-256 fingerprint (32 hex pairs joined by ':')")
        if certificate is not None:
            self.keep_certificate(fingerprint, certificate)
        hubs = self.load().by_hub
        hubs[_key(url)] = fingerprint
        save_versioned(self.path, KIND, VERSION, {"hubs": hubs})

    def keep_certificate(self, fingerprint: str, certificate: bytes) -> None:
        """Keep the certificate (DER) whose SHA-256 is `fingerprint` (ValueError otherwise)."""
        if _fingerprint_of(certificate) != fingerprint:
            raise ValueError("the certificate is not the one with this fingerprint")
        self.certificates.mkdir(parents=True, exist_ok=True)
        target = self._certificate_path(fingerprint)
        partial = target.with_suffix(".tmp")
        partial.write_text(ssl.DER_cert_to_PEM_cert(certificate), encoding="ascii")
        partial.replace(target)

    def has_certificate(self, fingerprint: str) -> bool:
        return self._certificate_path(fingerprint).is_file()

    def trust_dir(self) -> Path | None:
        """The directory of kept certificates, for libvlc (None when it holds none)."""
        if not self.certificates.is_dir() or not any(self.certificates.glob("*.pem")):
            return None
        return self.certificates

    def _certificate_path(self, fingerprint: str) -> Path:
        return self.certificates / (fingerprint.replace(":", "").lower() + ".pem")

    def forget(self, url: str) -> None:
        hubs = self.load().by_hub
        fingerprint = hubs.pop(_key(url), None)
        if fingerprint is not None:
            save_versioned(self.path, KIND, VERSION, {"hubs": hubs})
            if fingerprint not in hubs.values():  # no other hub shares it
                self._certificate_path(fingerprint).unlink(missing_ok=True)


def _fingerprint_of(certificate: bytes) -> str:
    digits = hashlib.sha256(certificate).hexdigest().upper()
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
