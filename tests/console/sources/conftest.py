"""Keyrings chosen explicitly for the sources tests (a headless machine has none): keyrings.alt's
plaintext file under tmp_path, or keyring's `fail` backend (no keyring at all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.sources.credentials import forget_session_passwords

PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"
FAIL = "keyring.backends.fail.Keyring"


@pytest.fixture(autouse=True)
def no_session_passwords() -> Iterator[None]:
    forget_session_passwords()
    yield
    forget_session_passwords()


@pytest.fixture(autouse=True)
def private_keyring_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """keyring's config and data roots (keyringrc.cfg, keyrings.alt's files) under tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    return tmp_path / "xdg-data" / "python_keyring"


@pytest.fixture
def plaintext_keyring(private_keyring_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """keyrings.alt's plaintext file, chosen explicitly; the file's path."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT)
    return private_keyring_dirs / "keyring_pass.cfg"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL)
