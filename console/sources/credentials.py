"""Passwords of sources, in the OS keyring only (`keyring`). STUB: the signatures are fixed, a
helper fills in the bodies.

Service name `tessera`, entry `SourceConfig.credential_key`. With no usable keyring backend
(headless, or keyring's `fail` backend) the console says so and keeps a password only in this
process's memory for the session: it is never written to a file. A plaintext backend
(keyrings.alt's file keyrings) is used only when chosen explicitly (PYTHON_KEYRING_BACKEND or
keyring's own config), and `backend_warning` then says that it is not encrypted.
"""

from __future__ import annotations

SERVICE = "tessera"


class KeyringUnavailable(Exception):  # noqa: N818
    """No keyring backend to store a password in; `operator_message` says so in plain words."""

    def __init__(self, operator_message: str) -> None:
        super().__init__(operator_message)
        self.operator_message = operator_message


class Credentials:
    """Looks up and stores source passwords. Blocking (D-Bus): call it off the GUI thread."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def available(self) -> bool:
        """Whether passwords can be kept across sessions (a keyring backend is usable)."""
        raise NotImplementedError

    def backend_warning(self) -> str | None:
        """Plain words for the operator when there is no keyring backend (passwords are asked
        each session) or it is a plaintext one; None when all is well."""
        raise NotImplementedError

    def get(self, key: str) -> str | None:
        """The password kept under `key` (keyring, else this session's memory), or None."""
        raise NotImplementedError

    def set(self, key: str, password: str) -> bool:
        """Keep `password`: True when stored in the keyring; False when no backend is usable
        and it is kept in memory for this session only (never in a file)."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Forget the password under `key` (keyring and memory). No error if there was none."""
        raise NotImplementedError
