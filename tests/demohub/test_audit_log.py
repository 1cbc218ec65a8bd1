"""The hub's audit log (demohub/audit.py) over real sockets: entries stored once per console seq,
one signed checkpoint per batch, proofs the library checks, what a client sends checked
strictly, a restart after a crash between the tiles and the checkpoint, a damaged log refused,
the reading rights, and the export."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from console.audit.merkle import check_consistency, check_inclusion, verify_checkpoint
from console.audit.verify import verify_log
from demohub.audit import AuditLog, AuditLogError, EntryIn
from tests.support.audit_hub import OPERATOR_HEADER, serving

pytestmark = pytest.mark.timeout(60)

T = "2026-12-07T10:00:00.000Z"


def entries(first: int, count: int, camera: str | None = "cam-01") -> list[dict[str, Any]]:
    return [
        {"seq": s, "time": T, "action": "tile.show", "camera": camera, "details": {"tile": s}}
        for s in range(first, first + count)
    ]


def ins(first: int, count: int) -> list[EntryIn]:
    return [EntryIn(s, T, "tile.show", "cam-01", {"tile": s}) for s in range(first, first + count)]


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


async def call(
    session: aiohttp.ClientSession, method: str, url: str, body: Any = None
) -> tuple[int, Any]:
    async with session.request(method, url, json=body, headers={OPERATOR_HEADER: "ana"}) as resp:
        raw = await resp.read()
        if resp.content_type == "application/json":
            return resp.status, json.loads(raw)
        return resp.status, raw


def test_entries_are_stored_once_per_seq_with_one_signed_checkpoint_per_batch(tmp_path):
    log = AuditLog(tmp_path / "log")

    async def main() -> None:
        async with serving(log) as url, aiohttp.ClientSession() as s:
            api = f"{url}/api/v1/audit"
            code, info = await call(s, "GET", f"{api}/checkpoint")
            assert code == 200 and info["size"] == 0
            key = base64.b64decode(info["public_key"])
            first = verify_checkpoint(info["checkpoint"], info["key_name"], key, info["origin"])

            code, ack = await call(
                s, "POST", f"{api}/entries", {"console": "c1", "entries": entries(1, 5)}
            )
            assert code == 200 and ack["acknowledged_seq"] == 5
            # A retry of 3..7 (the answer was lost after 5): only 6 and 7 are new.
            code, ack = await call(
                s, "POST", f"{api}/entries", {"console": "c1", "entries": entries(3, 5)}
            )
            assert code == 200 and ack["acknowledged_seq"] == 7
            code, again = await call(
                s, "POST", f"{api}/entries", {"console": "c1", "entries": entries(1, 7)}
            )
            assert again == ack  # nothing new: the same checkpoint
            code, _ = await call(
                s, "POST", f"{api}/entries", {"console": "c2", "entries": entries(1, 2)}
            )
            assert log.size == 9

            now = verify_checkpoint(ack["checkpoint"], info["key_name"], key, info["origin"])
            assert now.size == 7
            code, proof = await call(s, "GET", f"{api}/consistency?from=0&to=7")
            check_consistency(first, now, [base64.b64decode(h) for h in proof["hashes"]])
            code, proof = await call(s, "GET", f"{api}/proof?index=4&size=7")
            leaf = base64.b64decode(proof["entry"])
            check_inclusion(leaf, 4, now, [base64.b64decode(h) for h in proof["hashes"]])
            doc = json.loads(leaf)
            assert doc == {
                "v": 1,
                "console": "c1",
                "seq": 5,
                "operator": "ana",
                "time": T,
                "received": doc["received"],
                "action": "tile.show",
                "camera": "cam-01",
                "details": {"tile": 5},
            }
            assert leaf == json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
            code, page = await call(s, "GET", f"{api}/entries?start=5&end=100")
            assert code == 200 and page["end"] == 9 and len(page["entries"]) == 4

    run(main())
    history = (tmp_path / "log" / "checkpoints").read_text().splitlines()
    assert len(history) == 4  # the empty log, and one per batch that stored something
    assert verify_log(tmp_path / "log").ok


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"console": "c1", "entries": entries(2, 1) + entries(1, 1)}, "must increase"),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "seq": True}]}, "'seq'"),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "seq": 1.0}]}, "'seq'"),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "time": "yesterday"}]}, "ISO 8601"),
        (
            {"console": "c1", "entries": [{**entries(1, 1)[0], "time": "2026-12-07T10:00:00"}]},
            "time zone",
        ),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "action": "DROP TABLE"}]}, "'action'"),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "camera": "a\nb"}]}, "control"),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "details": []}]}, "JSON object"),
        (
            {"console": "c1", "entries": [{**entries(1, 1)[0], "details": {"x": "y" * 5000}}]},
            "larger",
        ),
        ({"console": "c1", "entries": [{**entries(1, 1)[0], "operator": "eve"}]}, "unknown fields"),
        ({"console": "../x", "entries": entries(1, 1)}, "console id"),
        ({"console": "hub", "entries": entries(1, 1)}, "console id"),
        ({"console": "c1", "entries": []}, "1 to 1000"),
        ({"console": "c1", "entries": entries(1, 1001)}, "1 to 1000"),
        (
            {"console": "c1", "entries": [{**entries(1, 1)[0], "details": {"x": float("nan")}}]},
            "plain JSON",
        ),
        ([1, 2], "The body must be"),
    ],
)
def test_what_a_console_sends_is_checked_strictly(tmp_path, body, words):
    log = AuditLog(None)

    async def main() -> tuple[int, Any]:
        async with serving(log) as url, aiohttp.ClientSession() as s:
            return await call(s, "POST", f"{url}/api/v1/audit/entries", body)

    try:
        code, answer = run(main())
        assert code == 400, answer
        assert words in answer["error"]["message"] and answer["error"]["code"]
        assert log.size == 0
    finally:
        log.close()


def test_reading_everything_and_exporting_need_the_right(tmp_path):
    log = AuditLog(tmp_path / "log")
    log.append("c1", "ana", ins(1, 3))

    async def main() -> list[tuple[int, Any]]:
        async with serving(log, can_read_all=False) as url, aiohttp.ClientSession() as s:
            return [
                await call(s, "GET", f"{url}/api/v1/audit/entries?start=0&end=3"),
                await call(s, "GET", f"{url}/api/v1/audit/export"),
                await call(s, "GET", f"{url}/api/v1/audit/proof?index=3&size=3"),
                await call(s, "GET", f"{url}/api/v1/audit/consistency?from=2&to=9"),
                await call(s, "GET", f"{url}/api/v1/audit/consistency?from=-1&to=2"),
                await call(s, "GET", f"{url}/api/v1/audit/proof?index=1&size=3"),
            ]

    (c1, a1), (c2, _), (c3, a3), (c4, _), (c5, _), (c6, a6) = run(main())
    assert (c1, c2) == (403, 403) and "supervisor" in a1["error"]["message"]
    assert (c3, c4, c5) == (400, 400, 400) and a3["error"]["code"] == "range"
    # A proof without the right to read: the hashes, not what the entry says.
    assert c6 == 200 and a6["entry"] is None and len(a6["hashes"]) == 2


def test_the_export_is_the_log_without_its_signing_key_and_verifies_offline(tmp_path):
    log = AuditLog(tmp_path / "log")
    log.append("c1", "ana", ins(1, 300))
    log.append_hub("ana", "sign_out", None, {})

    async def main() -> bytes:
        async with serving(log) as url, aiohttp.ClientSession() as s:
            code, raw = await call(s, "GET", f"{url}/api/v1/audit/export")
            assert code == 200
            return bytes(raw)

    raw = run(main())
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "copy", filter="data")
    assert "signing-key" not in names and "checkpoint" in names
    report = verify_log(tmp_path / "copy", log.vkey.pubkey)
    assert report.ok and report.entries_checked == 301, report.message


def test_a_restart_keeps_key_origin_and_seqs_and_survives_a_crash_before_the_checkpoint(tmp_path):
    d = tmp_path / "log"
    log = AuditLog(d)
    log.append("c1", "ana", ins(1, 250))
    origin, key = log.origin, log.vkey.pubkey
    assert oct((d / "signing-key").stat().st_mode & 0o777) == "0o600"
    kept = {n: (d / n).read_bytes() for n in ("checkpoint", "checkpoints", "consoles.json")}
    log.append("c1", "ana", ins(251, 20))  # completes tile 0: full tiles and a level-1 tile
    # A crash after the tiles of that batch were written but before its checkpoint: put the
    # checkpoint, its history and consoles.json back as they were.
    for name, data in kept.items():
        (d / name).write_bytes(data)
    log = AuditLog(d)
    assert (log.origin, log.vkey.pubkey, log.size) == (origin, key, 250)
    assert log.stored_seq("c1") == 250
    acked, _ = log.append("c1", "ana", ins(251, 10))
    assert acked == 260 and log.size == 260
    assert verify_log(d, key).ok

    # consoles.json lost or behind (a crash after the commit): rebuilt from the entries.
    (d / "consoles.json").write_text(
        json.dumps({"size": 100, "consoles": {"c1": {"seq": 100, "size": 100}}})
    )
    log = AuditLog(d)
    assert log.stored_seq("c1") == 260
    assert log.append("c1", "ana", ins(255, 6))[0] == 260 and log.size == 260


def test_a_log_whose_tiles_do_not_give_its_checkpoint_is_not_appended_to(tmp_path):
    d = tmp_path / "log"
    log = AuditLog(d)
    log.append("c1", "ana", ins(1, 10))
    tile = d / "tile" / "0" / "000.p" / "10"
    data = bytearray(tile.read_bytes())
    data[40] ^= 1
    tile.write_bytes(bytes(data))
    with pytest.raises(AuditLogError, match="damaged"):
        AuditLog(d)
    shutil.rmtree(d / "tile")
    with pytest.raises(AuditLogError, match="cannot be read"):
        AuditLog(d)


def test_an_entry_over_8_kb_is_refused(tmp_path):
    log = AuditLog(tmp_path / "log")
    big = [EntryIn(1, T, "export", None, {f"k{i}": "v" * 1000 for i in range(3)})]
    log.append("c1", "ana", big)  # 3 KB: fine
    with pytest.raises(ValueError, match="8192"):
        log.append("c1", "ana", [EntryIn(2, T, "export", None, {"x": "é" * 4200})])
    assert Path(tmp_path / "log" / "checkpoint").exists() and log.size == 1
