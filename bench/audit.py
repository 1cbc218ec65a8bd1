"""`python -m bench.audit`: the audit log (issue 17) through its real path.

- `entries_per_s`: entries recorded by the console's `AuditTrail` (journal on disk first:
  SQLite WAL, FULL sync), sent by its sender over a socket to the demo hub (with sign-in, on a
  loop of its own: each batch's session is checked and the hub stamps its operator) and
  stored in the hub's `AuditLog` on disk (tlog-tiles, one signed checkpoint per batch): from
  the first record until the last entry is acknowledged. Beside it `journal_per_s`: until the
  last record is on disk.
- At a log of 1,000,000 entries (`--quick`: 100,000), built with the hub's `AuditLog` in
  batches of 5,000: `consistency_ms`, the hub's consistency proof from an earlier checkpoint to
  the latest plus the console's check of it and of the checkpoint's signature (what a console
  does on every connect), median of 25 (`consistency_check_ms`: the console's part alone);
  `proof_bytes`, the largest inclusion proof (hashes, 32 bytes each) of 100 random entries
  (`proof_json_bytes`: the whole JSON answer with the entry); `verify_log_s`, the offline check
  of the whole log (`tessera audit verify`).
- `entries_lost`: the kill test (tests/support/audit_worker.py): a console process recording
  and sending entries is killed with SIGKILL at seeded random moments (200), then drained;
  every entry a worker reported recorded must be on the hub (`entries_doubled`: stored twice).

Targets: entries_per_s >= 1000, proof_bytes <= 4096 at 1M entries, consistency_ms <= 50,
entries_lost == 0.

```sh
.venv/bin/python -m bench.audit --quick --json /tmp/audit.json    # < 2 min
.venv/bin/python -m bench.audit --json /tmp/audit.json            # 1M entries, a few minutes
```
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.audit.core import AuditTrail, CheckpointStore  # noqa: E402
from console.audit.merkle import (  # noqa: E402
    check_consistency,
    check_inclusion,
    verify_checkpoint,
)
from console.audit.verify import verify_log  # noqa: E402
from console.hub.identity import HubAuth  # noqa: E402
from console.hub.registry import HubConfig  # noqa: E402
from console.hub.retry import Backoff  # noqa: E402
from console.hub.tessera_api import TesseraHubClient  # noqa: E402
from demohub.audit import AuditLog, EntryIn  # noqa: E402
from tests.support.audit_hub import AuditHubThread  # noqa: E402
from tests.support.audit_worker import kill_test  # noqa: E402
from tests.support.hubthread import HubThread  # noqa: E402

ACTIONS = ("tile.show", "playback.start", "ptz.take", "ptz.release", "bookmark.create")
BUILD_BATCH = 5000


def _entry_details(n: int) -> dict[str, Any]:
    return {"tile": n % 16, "layout": "Lobby 4x4", "note": f"bench entry {n}"}


def throughput(work: Path, count: int) -> dict[str, Any]:
    """Entries through the real path: journal -> sender -> socket -> the demo hub (signed in
    as an investigator: every batch's session checked) -> its audit log on disk."""
    hub = HubThread(sign_in=True, state_dir=work / "hub")
    token = hub.sign_in("investigator")
    log = hub.hub.audit
    assert log is not None

    async def main() -> dict[str, Any]:
        client = TesseraHubClient(
            HubConfig(url=hub.url, operator="bench", auth=HubAuth(token), timeout_s=10.0)
        )
        trail = AuditTrail(
            client,
            work / "audit.sqlite3",
            hub_key=hub.url,
            store=CheckpointStore(work / "audit-checkpoints.json"),
            operator="bench",
            backoff=Backoff(0.01, 0.1, jitter=0.0),
        )
        await trail.open()
        try:
            check = await trail.check_hub()
            assert check.ok, check.message
            before = log.size  # the hub's own entry: the sign-in
            started = time.perf_counter()
            futures = [
                trail.record(ACTIONS[n % len(ACTIONS)], f"cam-{n % 10:02d}", _entry_details(n))
                for n in range(count)
            ]
            await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
            journaled = time.perf_counter() - started
            sent = await trail.wait_sent(300)
            took = time.perf_counter() - started
            last = trail.last_check
        finally:
            await trail.close()
            await client.close()
        return {
            "entries": count,
            "all_acknowledged": sent,
            "seconds": round(took, 3),
            "entries_per_s": round(count / took, 1),
            "journal_per_s": round(count / journaled, 1),
            "last_check_ok": bool(last and last.ok),
            "hub_size": log.size - before,
            "hub": "demo hub, signed in (tests/support/hubthread.py)",
        }

    try:
        return asyncio.run(main())
    finally:
        hub.close()


def big_log(work: Path, size: int, rng: random.Random) -> dict[str, Any]:
    """A log of `size` entries, then the consistency check and inclusion proofs at that size."""
    log = AuditLog(work / "big")
    started = time.perf_counter()
    t = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    seq = 0
    while seq < size:
        n = min(BUILD_BATCH, size - seq)
        batch = [
            EntryIn(s, t, ACTIONS[s % len(ACTIONS)], f"cam-{s % 10:02d}", _entry_details(s))
            for s in range(seq + 1, seq + n + 1)
        ]
        log.append("bench", "ana", batch)
        seq += n
    build_s = time.perf_counter() - started
    key, name = log.vkey.pubkey, log.vkey.name
    history = (work / "big" / "checkpoints").read_text().splitlines()
    final = verify_checkpoint(log.checkpoint(), name, key, log.origin)
    # An earlier checkpoint a console verified (not a power of two, not the previous one).
    old_text = json.loads(history[len(history) * 2 // 3])["checkpoint"]
    old = verify_checkpoint(old_text, name, key, log.origin)

    totals, checks = [], []
    for _ in range(25):
        t0 = time.perf_counter()
        hashes = log.consistency(old.size, final.size)
        t1 = time.perf_counter()
        cp = verify_checkpoint(log.checkpoint(), name, key, log.origin)
        check_consistency(old, cp, hashes)
        t2 = time.perf_counter()
        totals.append((t2 - t0) * 1000)
        checks.append((t2 - t1) * 1000)
    proof_sizes, json_sizes = [], []
    for index in [rng.randrange(size) for _ in range(100)] + [0, size - 1]:
        hashes = log.inclusion(index, size)
        entry = log.entry(index)
        check_inclusion(entry, index, final, hashes)
        proof_sizes.append(32 * len(hashes))
        answer = {
            "index": index,
            "size": size,
            "hashes": [base64.b64encode(h).decode() for h in hashes],
            "entry": base64.b64encode(entry).decode(),
        }
        json_sizes.append(len(json.dumps(answer)))
    t0 = time.perf_counter()
    report = verify_log(work / "big", key)
    verify_s = time.perf_counter() - t0
    assert report.ok, report.message
    return {
        "size": size,
        "build_s": round(build_s, 1),
        "build_entries_per_s": round(size / build_s, 1),
        "consistency_from": old.size,
        "consistency_hashes": len(log.consistency(old.size, final.size)),
        "consistency_ms": round(statistics.median(totals), 3),
        "consistency_ms_p95": round(sorted(totals)[int(len(totals) * 0.95) - 1], 3),
        "consistency_check_ms": round(statistics.median(checks), 3),
        "proof_bytes": max(proof_sizes),
        "proof_json_bytes": max(json_sizes),
        "verify_log_s": round(verify_s, 1),
        "checkpoints": len(history),
    }


def kills(work: Path, count: int, seed: int) -> dict[str, Any]:
    log = AuditLog(work / "kill-hub")
    hub = AuditHubThread(log).start()

    def hub_seqs(console: str) -> list[int]:
        out: list[int] = []
        for start in range(0, log.size, 1000):
            for raw in log.entries(start, min(start + 1000, log.size)):
                doc = json.loads(raw)
                if doc["console"] == console:
                    out.append(int(doc["seq"]))
        return out

    try:
        result = kill_test(work / "kill", count, seed=seed, hub_url=hub.url, hub_seqs=hub_seqs)
    finally:
        hub.stop()
    return {
        "kills": result.kills,
        "recorded": result.recorded,
        "lost_from_journal": result.lost_journal,
        "lost_on_hub": result.lost_hub,
        "doubled_on_hub": result.doubled_hub,
        "drained": result.drained,
        "seconds": round(result.seconds, 1),
    }


def targets_met(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def t(measured: Any, target: str, met: bool) -> dict[str, Any]:
        return {"measured": measured, "target": target, "met": met}

    return {
        "entries_per_s": t(r["entries_per_s"], ">= 1000", r["entries_per_s"] >= 1000),
        "proof_bytes": t(
            r["proof_bytes"],
            f"<= 4096 at 1,000,000 entries (measured at {r['log_size']:,})",
            r["proof_bytes"] <= 4096,
        ),
        "consistency_ms": t(r["consistency_ms"], "<= 50", r["consistency_ms"] <= 50),
        "entries_lost": t(r["entries_lost"], "== 0", r["entries_lost"] == 0),
    }


def run(cfg: dict[str, Any], seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-audit-") as tmp:
        work = Path(tmp)
        (work / "kill").mkdir()
        print(f"throughput: {cfg['entries']:,} entries through the real path", flush=True)
        tp = throughput(work, cfg["entries"])
        print(f"  {tp['entries_per_s']:,} entries/s", flush=True)
        print(f"log of {cfg['log_size']:,} entries", flush=True)
        big = big_log(work, cfg["log_size"], rng)
        print(f"  built in {big['build_s']} s; consistency {big['consistency_ms']} ms", flush=True)
        print(f"kill test: {cfg['kills']} kills", flush=True)
        kt = kills(work, cfg["kills"], seed)
    lost = (kt["lost_on_hub"] or 0) + kt["lost_from_journal"]
    return {
        "entries_per_s": tp["entries_per_s"],
        "journal_per_s": tp["journal_per_s"],
        "proof_bytes": big["proof_bytes"],
        "proof_json_bytes": big["proof_json_bytes"],
        "consistency_ms": big["consistency_ms"],
        "consistency_check_ms": big["consistency_check_ms"],
        "log_size": big["size"],
        "entries_lost": lost,
        "entries_doubled": kt["doubled_on_hub"],
        "throughput": tp,
        "log": big,
        "kill_test": kt,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="100,000-entry log; < 2 min")
    p.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("--seed", type=int, default=17)
    args = p.parse_args(argv)

    from bench._system import machine_info

    if args.smoke:
        cfg = {"entries": 1000, "log_size": 10_000, "kills": 3}
    elif args.quick:
        cfg = {"entries": 5000, "log_size": 100_000, "kills": 200}
    else:
        cfg = {"entries": 20_000, "log_size": 1_000_000, "kills": 200}
    started = time.monotonic()
    figures = run(cfg, args.seed)
    command = ["python", "-m", "bench.audit", *(argv if argv is not None else sys.argv[1:])]
    result = {
        **figures,
        "quick": bool(args.quick or args.smoke),
        "smoke": bool(args.smoke),
        "config": cfg,
        "wall_s": round(time.monotonic() - started, 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "command": command,
    }
    result["targets"] = targets_met(result)
    for name, t in result["targets"].items():
        print(f"target {name}: {t['measured']} {t['target']}  met: {t['met']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
