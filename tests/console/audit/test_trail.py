"""The console's audit trail (console/audit/core.py) against the hub's real audit log over
sockets: the journal first, then the hub, exactly once; the hub away; the checkpoint watch on
connect and on every batch (a rewritten log, another key, a shorter log); a damaged journal;
hostile answers to the client's audit facet."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import shutil
import socket
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from console.audit.cli import main_show, main_verify
from console.audit.core import AuditCheck, AuditError, AuditTrail, CheckpointStore
from console.audit.journal import Journal
from console.base.notices import Level, Notices
from console.hub.errors import HubProtocolError
from console.hub.registry import HubConfig
from console.hub.retry import Backoff
from demohub.audit import AuditLog, EntryIn
from tests.support.audit_hub import serving
from tests.support.audit_worker import AuditClient

pytestmark = pytest.mark.timeout(60)

T = "2026-12-07T10:00:00.000Z"


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


async def until(cond: Any, timeout_s: float = 5.0) -> bool:
    """Whether `cond()` came true within `timeout_s` (the batch's checkpoint is checked just
    after the journal counts the batch as sent)."""
    for _ in range(int(timeout_s / 0.01)):
        if cond():
            return True
        await asyncio.sleep(0.01)
    return bool(cond())


def client(url: str) -> AuditClient:
    return AuditClient(HubConfig(url=url, operator="ana", timeout_s=2.0))


@asynccontextmanager
async def trail_for(
    url: str, tmp: Path, notices: Notices | None = None, key: str = "hub-1"
) -> AsyncIterator[AuditTrail]:
    c = client(url)
    trail = AuditTrail(
        c,
        tmp / "audit.sqlite3",
        hub_key=key,
        store=CheckpointStore(tmp / "audit-checkpoints.json"),
        notices=notices,
        operator="ana",
        backoff=Backoff(0.02, 0.1, jitter=0.0),
    )
    await trail.open()
    try:
        yield trail
    finally:
        await trail.close()
        await c.close()


def hub_entries(log: AuditLog) -> list[dict[str, Any]]:
    return [json.loads(x) for x in log.entries(0, log.size)]


def test_actions_are_journaled_first_then_on_the_hub_exactly_once(tmp_path):
    log = AuditLog(tmp_path / "hub")
    counts: list[int] = []
    threads: set[str] = set()

    async def main() -> str:
        async with serving(log) as url, trail_for(url, tmp_path) as trail:
            trail.pending_changed.connect(counts.append)
            assert (await trail.check_hub()).ok
            # From another thread, without waiting for the disk.
            done = threading.Event()

            def elsewhere() -> None:
                for i in range(20):
                    trail.record("layout.change", None, {"layout": f"L{i}"})
                threads.add(threading.current_thread().name)
                done.set()

            threading.Thread(target=elsewhere, name="gui").start()
            seq = await trail.arecord("tile.show", "cam-03", {"tile": 4})
            assert seq >= 1
            await asyncio.get_running_loop().run_in_executor(None, done.wait, 5)
            assert await trail.wait_sent(10)
            assert trail.journal_thread == "audit-journal"
            rows = await trail.rows()
            assert len(rows) == 21 and all(r.acknowledged for r in rows)
            return trail.console_id

    console_id = run(main())
    entries = hub_entries(log)
    assert len(entries) == 21
    assert {e["console"] for e in entries} == {console_id}
    assert sorted(e["seq"] for e in entries) == list(range(1, 22))
    assert all(e["operator"] == "ana" for e in entries)
    assert counts[-1] == 0 and max(counts) >= 1

    # The answer to the last batch was lost: the journal still has the rows as unsent. Sending
    # them again stores nothing twice.
    db = sqlite3.connect(tmp_path / "audit.sqlite3")
    db.execute("UPDATE entries SET acknowledged = 0 WHERE seq > 10")
    db.commit()
    db.close()

    async def again() -> int:
        async with serving(log) as url, trail_for(url, tmp_path) as trail:
            assert trail.pending == 11
            assert await trail.wait_sent(10)
            assert await until(lambda: trail.last_check is not None and trail.last_check.size == 21)
            assert trail.last_check is not None and trail.last_check.ok
            return trail.pending

    assert run(again()) == 0
    assert log.size == 21


def test_actions_wait_in_the_journal_while_the_hub_is_away(tmp_path):
    log = AuditLog(tmp_path / "hub")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"

    async def main() -> None:
        async with trail_for(url, tmp_path) as trail:
            for i in range(5):
                await trail.arecord("ptz.take", "cam-01", {"n": i})
            assert not await trail.wait_sent(0.3)
            assert trail.pending == 5
            check = await trail.check_hub()
            assert not check.ok and not check.tampered and "could not be checked" in check.message
            app = web.Application()
            from demohub.audit import add_routes

            add_routes(app, log, lambda r: "ana", lambda r: True)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            try:
                trail.nudge()
                assert await trail.wait_sent(10)
            finally:
                await runner.cleanup()

    run(main())
    assert log.size == 5


def test_a_rewritten_hub_log_is_caught_on_the_next_connect(tmp_path):
    hub = tmp_path / "hub"
    log = AuditLog(hub)
    log.append("other", "bob", [EntryIn(s, T, "tile.show", None, {}) for s in range(1, 301)])
    shutil.copytree(hub, tmp_path / "fork")  # the same key and origin, the same 300 entries
    notices = Notices()
    seen: list[AuditCheck] = []

    async def connect(log_: AuditLog) -> AuditCheck:
        async with serving(log_) as url, trail_for(url, tmp_path, notices) as trail:
            trail.checked.connect(seen.append)
            return await trail.check_hub()

    first = run(connect(log))
    assert first.ok and first.size == 300
    log.append("other", "bob", [EntryIn(s, T, "tile.show", None, {}) for s in range(301, 341)])
    assert run(connect(log)).ok  # grown: consistent

    fork = AuditLog(tmp_path / "fork")  # the other branch: 300 shared, then other entries
    fork.append("other", "eve", [EntryIn(s, T, "export", None, {}) for s in range(301, 400)])
    check = run(connect(fork))
    assert not check.ok and check.tampered
    assert "rewritten" in check.message and "340 entries this console verified on" in check.message
    assert [n.level for n in notices.items] == [Level.ERROR]
    assert seen[-1] == check
    # The pinned checkpoint is kept: the real hub still verifies.
    assert run(connect(log)).ok

    # A hub whose log was started again (another key).
    other = AuditLog(tmp_path / "new")
    check = run(connect(other))
    assert not check.ok and "signed by a different key" in check.message


def test_a_shorter_log_and_a_batch_answer_from_a_forked_log_are_caught(tmp_path):
    log = AuditLog(tmp_path / "hub")
    log.append("other", "bob", [EntryIn(s, T, "tile.show", None, {}) for s in range(1, 51)])
    shutil.copytree(tmp_path / "hub", tmp_path / "fork")
    log.append("other", "bob", [EntryIn(s, T, "tile.show", None, {}) for s in range(51, 61)])

    async def main() -> tuple[AuditCheck, AuditCheck | None]:
        async with serving(log) as url, trail_for(url, tmp_path) as trail:
            assert (await trail.check_hub()).size == 60
        fork = AuditLog(tmp_path / "fork")  # 50 entries: the last ten are gone
        async with serving(fork) as url, trail_for(url, tmp_path) as trail:
            shorter = await trail.check_hub()
            seen: list[AuditCheck] = []
            trail.checked.connect(seen.append)
            await trail.arecord("export", "cam-01", {"file": "x.mp4"})
            await trail.wait_sent(5)
            await until(lambda: bool(seen))
            return shorter, seen[-1] if seen else None

    shorter, batch = run(main())
    assert not shorter.ok and "60 entries this console verified" in shorter.message
    assert batch is not None and batch.tampered and "rewritten" in batch.message


def test_a_damaged_journal_is_moved_aside_and_a_new_one_started(tmp_path):
    (tmp_path / "audit.sqlite3").write_bytes(b"not a database at all" * 100)
    notices = Notices()

    async def main() -> tuple[str | None, int, str]:
        trail = AuditTrail(None, tmp_path / "audit.sqlite3", notices=notices)
        await trail.open()
        try:
            seq = await trail.arecord("settings.change", None, {"key": "theme"})
            with pytest.raises(AuditError):
                trail.record("Not An Action")
            with pytest.raises(AuditError):
                trail.record("export", None, {"x": "y" * 5000})
            return trail.problem, seq, trail.console_id
        finally:
            await trail.close()

    problem, seq, console_id = run(main())
    assert problem is not None and "damaged" in problem and seq == 1
    assert [p.name for p in tmp_path.glob("audit.sqlite3.damaged-*")]
    assert notices.items[0].level is Level.WARNING
    journal = Journal(tmp_path / "audit.sqlite3")
    journal.open()
    assert journal.console_id == console_id and len(journal.rows()) == 1
    journal.close()


def test_a_first_checkpoint_that_its_own_key_does_not_verify_is_not_pinned(tmp_path):
    real, other = AuditLog(tmp_path / "a"), AuditLog(tmp_path / "b")

    async def main() -> tuple[AuditCheck, bool]:
        app = web.Application()

        async def handler(request: web.Request) -> web.Response:
            return web.json_response(
                {
                    "checkpoint": real.checkpoint(),
                    "size": 0,
                    "origin": real.origin,
                    "public_key": base64.b64encode(other.vkey.pubkey).decode(),
                    "key_name": real.vkey.name,
                }
            )

        app.router.add_get("/api/v1/audit/checkpoint", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            async with trail_for(f"http://127.0.0.1:{port}", tmp_path) as trail:
                check = await trail.check_hub()
                return check, trail.store.get("hub-1") is None
        finally:
            await runner.cleanup()

    check, nothing_pinned = run(main())
    assert not check.ok and check.tampered and "does not verify" in check.message
    assert nothing_pinned


@pytest.mark.parametrize(
    ("path", "answer", "field"),
    [
        (
            "checkpoint",
            {"checkpoint": "x", "size": 1, "origin": "o", "public_key": "AAAA", "key_name": "k"},
            "public_key",
        ),
        (
            "checkpoint",
            {"checkpoint": "x" * 9000, "size": 1, "origin": "o", "public_key": "", "key_name": "k"},
            "checkpoint",
        ),
        ("consistency", {"from": 1, "to": 2, "hashes": ["AAAA"]}, "hashes"),
        ("consistency", {"from": 1, "to": 2, "hashes": ["A" * 43 + "="] * 200}, "hashes"),
        ("consistency", {"from": 0, "to": 2, "hashes": []}, "consistency"),
        ("consistency", [1, 2], "answer"),
    ],
)
def test_hostile_audit_answers_are_protocol_errors(tmp_path, path, answer, field):
    async def main() -> HubProtocolError:
        app = web.Application()

        async def handler(request: web.Request) -> web.Response:
            return web.json_response(answer)

        app.router.add_get(f"/api/v1/audit/{path}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        c = client(f"http://127.0.0.1:{port}")
        try:
            with pytest.raises(HubProtocolError) as exc:
                if path == "checkpoint":
                    await c.audit_checkpoint()
                else:
                    await c.audit_consistency(1, 2)
            return exc.value
        finally:
            await c.close()
            await runner.cleanup()

    error = run(main())
    assert error.field == f"audit.{field}"


def test_show_local_lists_the_journal_and_verify_uses_what_the_console_pinned(tmp_path):
    log = AuditLog(tmp_path / "hub")
    log.append("other", "bob", [EntryIn(s, T, "tile.show", None, {}) for s in range(1, 21)])
    shutil.copytree(tmp_path / "hub", tmp_path / "fork")

    async def main() -> None:
        async with serving(log) as url, trail_for(url, tmp_path) as trail:
            assert (await trail.check_hub()).ok
            for camera in ("cam-01", "cam-02", "cam-01"):
                await trail.arecord("playback.start", camera, {"span_s": 30})
            assert await trail.wait_sent(10)
            await until(lambda: trail.last_check is not None and trail.last_check.size == 23)
            await trail.arecord("export", "cam-01", {"file": "clip.mp4"})  # not sent

    run(main())
    out = io.StringIO()
    journal = str(tmp_path / "audit.sqlite3")
    assert main_show(["--local", journal, "--camera", "cam-01", "--json"], out) == 0
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [(r["seq"], r["acknowledged"]) for r in rows] == [(1, True), (3, True), (4, False)]
    store = str(tmp_path / "audit-checkpoints.json")
    out = io.StringIO()
    assert main_verify([str(tmp_path / "hub"), "--console-store", store], out) == 0, out.getvalue()
    fork = AuditLog(tmp_path / "fork")
    fork.append("other", "eve", [EntryIn(s, T, "export", None, {}) for s in range(21, 40)])
    out = io.StringIO()
    assert main_verify([str(tmp_path / "fork"), "--console-store", store], out) == 1
    assert "rewritten" in out.getvalue()
