"""Passwords of sources, in the OS keyring only (`keyring`).

Service name `tessera`, entry `SourceConfig.credential_key` (`source/<name>`) or a listed
camera's `camera/<ref>`. With no usable keyring backend (headless, or keyring's `fail` backend)
the console says so and keeps a password only in this process's memory for the session: it is
never written to a file. A plaintext backend (keyrings.alt's file keyrings) is used only when
chosen explicitly (PYTHON_KEYRING_BACKEND or keyring's own config file), and `backend_warning`
then says that it is not the system keyring and not (or only weakly) encrypted.

Why this is careful about which backend it takes: keyring on its own picks the best backend it
can load, and with keyrings.alt installed (the tests need it) a headless machine's best is
`PlaintextKeyring`, priority 0.5: passwords would land in a readable file with no word to
anyone. Unless a backend was chosen explicitly, only keyring's *recommended* backends (priority
1 and more: Secret Service, KWallet, macOS Keychain, Windows Credential Locker) are used.

Every call may block (D-Bus, an unlock prompt): call it off the GUI thread (an executor).
This is the only module that imports keyring.
"""

from __future__ import annotations

import logging
import os
import threading

import keyring
import keyring.backend
import keyring.core
import keyring.errors
from keyring.backends import fail

log = logging.getLogger(__name__)

SERVICE = "tessera"

NO_KEYRING_MESSAGE = (
    "This computer has no system keyring that Tessera can use, so passwords cannot be kept: "
    "the console will ask for them each session and keep them only while it runs."
)
PLAINTEXT_MESSAGE = (
    "Passwords are kept in a plain-text file ({where}), not in the system keyring: anyone who "
    "can read that file can read them."
)
ENCRYPTED_FILE_MESSAGE = (
    "Passwords are kept in a file encrypted with a master password ({where}), not in the "
    "system keyring."
)
OTHER_ALT_MESSAGE = (
    "Passwords are kept by {name}, which is not the system keyring and may not encrypt them."
)
BROKEN_CHOICE_MESSAGE = (
    "The keyring chosen for Tessera ({choice}) cannot be used, so passwords cannot be kept: "
    "the console will ask for them each session."
)
KEYRING_FAILED_MESSAGE = (
    "The system keyring did not take the password (it may be locked), so it is kept only "
    "while the console runs."
)

# Passwords that could not go to a keyring: this process's memory, for the session only.
_session: dict[tuple[str, str], str] = {}
_session_lock = threading.Lock()


def forget_session_passwords() -> None:
    """Drop every password kept in memory (tests; a console signing out)."""
    with _session_lock:
        _session.clear()


class KeyringUnavailable(Exception):  # noqa: N818
    """No keyring backend to store a password in; `operator_message` says so in plain words."""

    def __init__(self, operator_message: str) -> None:
        super().__init__(operator_message)
        self.operator_message = operator_message


class Credentials:
    """Looks up and stores source passwords. Blocking (D-Bus): call it off the GUI thread.

    `backend` (keyword, for tests and embedding) is a keyring backend chosen explicitly;
    without it the backend is the one named by PYTHON_KEYRING_BACKEND or keyring's config file,
    else the best *recommended* one keyring finds (never a plaintext file in silence).
    """

    def __init__(
        self, service: str = SERVICE, *, backend: keyring.backend.KeyringBackend | None = None
    ) -> None:
        self.service = service
        self._given = backend
        self._resolved = False
        self._backend: keyring.backend.KeyringBackend | None = None
        self._explicit = backend is not None
        self._problem: str | None = None  # why there is no backend, when it was chosen badly
        self._lock = threading.Lock()

    # -- which backend

    def _resolve(self) -> keyring.backend.KeyringBackend | None:
        with self._lock:
            if not self._resolved:
                self._backend = self._find_backend()
                self._resolved = True
                log.info("passwords: %s", self._describe_backend())
            return self._backend

    def _find_backend(self) -> keyring.backend.KeyringBackend | None:
        chosen: keyring.backend.KeyringBackend | None = self._given
        if chosen is None:
            choice = os.environ.get("PYTHON_KEYRING_BACKEND")
            try:
                chosen = keyring.core.load_env() or keyring.core.load_config()
            except Exception as exc:  # a plug-in backend raises anything when it cannot load
                log.warning("the keyring chosen in the environment or config cannot load: %s", exc)
                self._explicit = True
                self._problem = BROKEN_CHOICE_MESSAGE.format(
                    choice=choice or "keyring's config file"
                )
                return None
            self._explicit = chosen is not None
        if chosen is None:
            # Only recommended backends (priority >= 1): never keyrings.alt's files unasked.
            chosen = max(
                (
                    b
                    for b in keyring.backend.get_all_keyring()
                    if keyring.core.recommended(b)
                    and not type(b).__module__.startswith("keyring.backends.chainer")
                ),
                key=keyring.backend.by_priority,
                default=None,
            )
        if chosen is None or isinstance(chosen, fail.Keyring) or _is_null(chosen):
            return None
        return chosen

    def _describe_backend(self) -> str:
        b = self._backend
        if b is None:
            return "no keyring backend, kept in memory for this session"
        return f"keyring backend {type(b).__module__}.{type(b).__name__}" + (
            " (chosen explicitly)" if self._explicit else ""
        )

    def available(self) -> bool:
        """Whether passwords can be kept across sessions (a keyring backend is usable)."""
        return self._resolve() is not None

    def backend_warning(self) -> str | None:
        """Plain words for the operator when there is no keyring backend (passwords are asked
        each session) or it is a plaintext one; None when all is well."""
        b = self._resolve()
        if self._problem is not None:  # a broken choice, or a keyring that refused a password
            return self._problem
        if b is None:
            return NO_KEYRING_MESSAGE
        module = type(b).__module__
        if not module.startswith("keyrings.alt"):
            return None
        name = type(b).__name__
        where = str(getattr(b, "file_path", "") or name)
        if name == "PlaintextKeyring":
            return PLAINTEXT_MESSAGE.format(where=where)
        if name == "EncryptedKeyring":
            return ENCRYPTED_FILE_MESSAGE.format(where=where)
        return OTHER_ALT_MESSAGE.format(name=f"{module}.{name}")

    # -- passwords

    def get(self, key: str) -> str | None:
        """The password kept under `key` (keyring, else this session's memory), or None."""
        with _session_lock:
            remembered = _session.get((self.service, key))
        if remembered is not None:
            return remembered
        b = self._resolve()
        if b is None:
            return None
        try:
            return b.get_password(self.service, key)
        except keyring.errors.KeyringError as exc:
            log.warning("passwords: the keyring could not be read for %s: %s", key, exc)
            return None

    def set(self, key: str, password: str) -> bool:
        """Keep `password`: True when stored in the keyring; False when no backend is usable
        and it is kept in memory for this session only (never in a file)."""
        b = self._resolve()
        if b is not None:
            try:
                b.set_password(self.service, key, password)
            except (keyring.errors.KeyringError, NotImplementedError) as exc:
                log.warning("passwords: the keyring refused the password of %s: %s", key, exc)
                self._problem = KEYRING_FAILED_MESSAGE
            else:
                with _session_lock:
                    _session.pop((self.service, key), None)
                return True
        with _session_lock:
            _session[(self.service, key)] = password
        return False

    def require(self, key: str, password: str) -> None:
        """Keep `password` in the keyring, or raise KeyringUnavailable (nothing is kept)."""
        b = self._resolve()
        if b is None:
            raise KeyringUnavailable(self.backend_warning() or NO_KEYRING_MESSAGE)
        try:
            b.set_password(self.service, key, password)
        except (keyring.errors.KeyringError, NotImplementedError) as exc:
            log.warning("passwords: the keyring refused the password of %s: %s", key, exc)
            raise KeyringUnavailable(KEYRING_FAILED_MESSAGE) from None

    def delete(self, key: str) -> None:
        """Forget the password under `key` (keyring and memory). No error if there was none."""
        with _session_lock:
            _session.pop((self.service, key), None)
        b = self._resolve()
        if b is None:
            return
        try:
            b.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # there was none
        except keyring.errors.KeyringError as exc:
            log.warning("passwords: the keyring could not forget %s: %s", key, exc)

    def lookup(self, key: str) -> str | None:
        """`get`, shaped as `HubConfig.credential_lookup` (blocking, like every call here)."""
        return self.get(key)


def _is_null(b: keyring.backend.KeyringBackend) -> bool:
    return type(b).__module__ == "keyring.backends.null"
