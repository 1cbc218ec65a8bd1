"""The audit trail against the real demo hub with sign-in (issue 17, section 2): the hub stamps
the operator of the session, never the console's word, and writes sign-in and sign-out itself;
its stored log tampered with is caught on the next connect: an entry edited in place (the hub
finds it at start and refuses with `audit_damaged`), a history rewritten (a new log: another
key, a shorter tree); and `tessera audit verify` on the hub's folder names the entry."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from console.audit.cli import main_verify
from console.audit.core import AuditTrail, CheckpointStore
from console.audit.show import from_log
from console.hub.identity import HubAuth
from console.hub.registry import HubConfig
from console.hub.retry import Backoff
from console.hub.tessera_api import TesseraHubClient
from tests.support.hubthread import HubThread

pytestmark = pytest.mark.timeout(90)


def _client(hub: HubThread, token: str, operator: str = "someone-else") -> TesseraHubClient:
    # The header claims another name: the hub must stamp the token's user.
    return TesseraHubClient(
        HubConfig(url=hub.url, operator=operator, auth=HubAuth(token), timeout_s=5.0)
    )


async def _record(hub: HubThread, token: str, tmp: Path, actions: list[str]) -> Any:
    client = _client(hub, token)
    trail = AuditTrail(
        client,
        tmp / "audit.sqlite3",
        hub_key="the demo hub",
        store=CheckpointStore(tmp / "audit-checkpoints.json"),
        backoff=Backoff(0.05, 0.2, jitter=0.0),
    )
    await trail.open()
    try:
        for action in actions:
            await trail.arecord(action, "cam-01", {"wall": 1})
        assert await trail.wait_sent(10)
        return await trail.check_hub()
    finally:
        await trail.close()
        await client.close()


async def _check(hub: HubThread, token: str, tmp: Path) -> Any:
    client = _client(hub, token)
    trail = AuditTrail(
        client,
        tmp / "audit.sqlite3",
        hub_key="the demo hub",
        store=CheckpointStore(tmp / "audit-checkpoints.json"),
    )
    await trail.open(send=False)
    try:
        return await trail.check_hub()
    finally:
        await trail.close()
        await client.close()


def _entries(folder: Path) -> list[dict[str, Any]]:
    # The same reader `tessera audit show` uses.
    return [e.to_json() for e in from_log(folder)]


def test_the_hub_stamps_the_session_and_a_tampered_log_is_caught_on_the_next_connect(
    hub_factory, tmp_path, capsys
):
    state = tmp_path / "hub"
    hub = hub_factory(sign_in=True, state_dir=state)
    token = hub.sign_in("investigator")
    check = asyncio.run(_record(hub, token, tmp_path, ["tile.show", "ptz.take", "ptz.release"]))
    assert check.ok, check.message
    hub.close()
    folder = state / "audit"
    entries = _entries(folder)
    actions = [(e["operator"], e["action"]) for e in entries]
    assert ("investigator", "sign_in") in actions
    assert [a for a in actions if a[1] in ("tile.show", "ptz.take", "ptz.release")] == [
        ("investigator", "tile.show"),
        ("investigator", "ptz.take"),
        ("investigator", "ptz.release"),
    ]
    assert main_verify([str(folder)]) == 0
    pristine = tmp_path / "pristine"
    shutil.copytree(folder, pristine)

    # 1. An entry edited in place (its hash left as it was): the hub finds it at start and
    # says so to the console, which shows it as tampered with; verify names the entry.
    # (every copy of the entry: a partial tile is kept beside the longer one that follows it)
    tiles = [p for p in (folder / "tile" / "entries").rglob("*") if p.is_file()]
    edited = [p for p in tiles if b"ptz.take" in p.read_bytes()]
    assert edited
    for tile in edited:
        tile.write_bytes(tile.read_bytes().replace(b"ptz.take", b"ptz.hide"))
    index = next(i for i, e in enumerate(entries) if e["action"] == "ptz.take")
    capsys.readouterr()
    assert main_verify([str(folder)]) == 1
    assert f"#{index}" in capsys.readouterr().out
    hub = hub_factory(sign_in=True, state_dir=state)
    token = hub.sign_in("investigator")
    check = asyncio.run(_check(hub, token, tmp_path))
    assert not check.ok and check.tampered
    assert f"entry #{index} was changed" in check.message
    hub.close()

    # 2. The history rewritten: the log replaced by a new one (another key, a shorter tree).
    shutil.rmtree(folder)
    hub = hub_factory(sign_in=True, state_dir=state)
    token = hub.sign_in("investigator")
    check = asyncio.run(_check(hub, token, tmp_path))
    assert not check.ok and check.tampered
    hub.close()

    # 3. The pristine copy back: consistent with what the console verified.
    shutil.rmtree(folder)
    shutil.copytree(pristine, folder)
    hub = hub_factory(sign_in=True, state_dir=state)
    token = hub.sign_in("investigator")
    check = asyncio.run(_check(hub, token, tmp_path))
    assert check.ok, check.message
