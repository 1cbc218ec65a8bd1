"""The console's export signing key: Ed25519, made once, kept only in the OS keyring.

The private key lives in the keyring entry `export-signing-key` of the service `tessera`
(console.sources.credentials, which never takes a plain-text file unasked); the pack carries
only the public key. With no keyring the console refuses to sign, in plain words, and writes
no key file: a key on disk could sign packs anyone copied it from. Every call blocks (D-Bus):
run it off the GUI thread, inside a closure (the key must never be a call's argument).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from console.sources.credentials import Credentials, KeyringUnavailable

__all__ = ["KEY_ENTRY", "ConsoleSigner", "SigningUnavailable"]

log = logging.getLogger(__name__)

KEY_ENTRY = "export-signing-key"
NO_KEYRING = (
    "This computer has no system keyring that Tessera can keep its export signing key in, so "
    "the export cannot be signed. Tessera never keeps a signing key in a file. Ask your "
    "administrator to set up a keyring, then export again."
)


class SigningUnavailable(Exception):  # noqa: N818 (a refusal, said to the operator)
    """The console cannot sign (no keyring, or it refused the key); `str()` is plain words."""


class ConsoleSigner:
    """Signs with the console's key, made on first use. `public_key` raw 32 bytes."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key = key.public_key().public_bytes_raw()

    def __repr__(self) -> str:
        return f"ConsoleSigner(key_id={self.key_id[:16]}...)"

    @property
    def key_id(self) -> str:
        """SHA-256 of the raw public key, hex: what a reader compares with the console's."""
        return hashlib.sha256(self.public_key).hexdigest()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    @classmethod
    def load(cls, credentials: Credentials | None = None) -> ConsoleSigner:
        """The console's signer from the keyring, made and stored there the first time
        (blocking). SigningUnavailable when there is no keyring to keep it in."""
        creds = credentials or Credentials()
        if not creds.available():
            raise SigningUnavailable(NO_KEYRING)
        text = creds.get(KEY_ENTRY)
        if text is not None:
            try:
                raw = base64.b64decode(text, validate=True)
                return cls(Ed25519PrivateKey.from_private_bytes(raw))
            except (binascii.Error, ValueError):
                raise SigningUnavailable(
                    "The export signing key in the system keyring is damaged; an administrator "
                    f"must remove the keyring entry {KEY_ENTRY!r} of 'tessera' to make a new one."
                ) from None
        key = Ed25519PrivateKey.generate()
        try:
            creds.require(KEY_ENTRY, base64.b64encode(key.private_bytes_raw()).decode("ascii"))
        except KeyringUnavailable as exc:
            raise SigningUnavailable(f"{exc.operator_message} {NO_KEYRING}") from None
        log.info("export: a new console signing key was made and kept in the keyring")
        return cls(key)
