"""Passwords in the keyring only: an explicitly chosen keyrings.alt backend (files under
tmp_path), keyring's fail backend (memory for the session, never a file), and no silent
fallback to plaintext."""

from __future__ import annotations

import threading
from pathlib import Path

import keyring.errors
import pytest
from keyrings.alt.file import PlaintextKeyring

from console.sources.credentials import (
    NO_KEYRING_MESSAGE,
    Credentials,
    KeyringUnavailable,
)


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_explicit_plaintext_backend_keeps_passwords_and_says_it_is_not_encrypted(
    plaintext_keyring: Path,
) -> None:
    creds = Credentials()
    assert creds.available()
    warning = creds.backend_warning()
    assert warning is not None
    assert "plain-text" in warning and "not in the system keyring" in warning
    assert creds.set("source/lobby", "hunter2") is True
    assert plaintext_keyring.is_file()
    # Another Credentials (another session) reads it back from the keyring.
    assert Credentials().get("source/lobby") == "hunter2"
    creds.delete("source/lobby")
    assert Credentials().get("source/lobby") is None
    creds.delete("source/lobby")  # none there: no error


def test_a_backend_given_in_code_is_explicit(tmp_path: Path) -> None:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "given.cfg")  # type: ignore[misc]
    creds = Credentials(backend=backend)
    assert creds.set("camera/yard/gate", "pw") is True
    assert (tmp_path / "given.cfg").is_file()
    assert creds.get("camera/yard/gate") == "pw"
    assert "given.cfg" in (creds.backend_warning() or "")


def test_no_backend_keeps_the_password_in_memory_only(no_keyring: None, tmp_path: Path) -> None:
    before = set(_files_under(tmp_path))
    creds = Credentials()
    assert not creds.available()
    assert creds.backend_warning() == NO_KEYRING_MESSAGE
    assert creds.set("source/lobby", "hunter2") is False
    # The session's other users see it; no file anywhere holds it.
    assert Credentials().get("source/lobby") == "hunter2"
    for path in set(_files_under(tmp_path)) - before:
        assert b"hunter2" not in path.read_bytes(), path
    creds.delete("source/lobby")
    assert creds.get("source/lobby") is None
    with pytest.raises(KeyringUnavailable) as raised:
        creds.require("source/lobby", "x")
    assert raised.value.operator_message == NO_KEYRING_MESSAGE


def test_keyrings_alt_is_never_taken_unasked(private_keyring_dirs: Path) -> None:
    """keyring alone would pick keyrings.alt's PlaintextKeyring here (priority 0.5, the best a
    headless machine has): Tessera takes only recommended backends unless one is chosen."""
    creds = Credentials()
    if creds.available():  # a machine with a real keyring (a desktop session)
        assert creds.backend_warning() is None
    else:
        assert creds.backend_warning() == NO_KEYRING_MESSAGE
        assert creds.set("source/x", "pw") is False
    assert not _files_under(private_keyring_dirs)


def test_a_broken_choice_is_said_in_plain_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Keyring")
    creds = Credentials()
    assert not creds.available()
    assert "no.such.Keyring" in (creds.backend_warning() or "")
    assert creds.set("source/a", "pw") is False
    assert creds.get("source/a") == "pw"


def test_lookups_from_several_threads(plaintext_keyring: Path) -> None:
    creds = Credentials()
    creds.set("source/a", "pa")
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(creds.get("source/a"))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["pa"] * 8


def test_a_keyring_that_refuses_keeps_the_password_in_memory(tmp_path: Path) -> None:
    class Locked(PlaintextKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.KeyringLocked("locked")

    backend = Locked()
    backend.file_path = str(tmp_path / "locked.cfg")  # type: ignore[misc]
    creds = Credentials(backend=backend)
    assert creds.set("source/a", "pw") is False
    assert creds.get("source/a") == "pw"
    assert "locked" in (creds.backend_warning() or "")
    assert not (tmp_path / "locked.cfg").exists()
