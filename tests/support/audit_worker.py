"""A console process that records audit entries until it is killed, for the kill test
(tests/console/audit/test_audit_kills.py) and `bench.audit`. No Qt: the real AuditTrail, its
journal, and (with a hub URL) the real client sending to the hub.

A zygote, as tests/support/bookmark_worker.py: it imports everything once, then for each `run`
forks a worker that starts from the top (a new loop, the journal opened from disk, a new
client), and for `kill` kills it with SIGKILL and reaps it.

Commands on stdin, one answer line each on stdout:
- `run RUN` -> `pid PID`: a worker that records entries (four at a time) and appends each seq
  to the report file once its record returned (it is in the journal on disk), until killed.
- `kill PID` -> `dead CODE`: SIGKILL, then reap (-9 unless it had ended by itself).
- `drain` -> `drained CODE`: a worker that only sends what is pending, then exits (0: nothing
  left, 3: still pending after 60 s).

`python tests/support/audit_worker.py HUB_URL|- JOURNAL REPORT`
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.audit.core import AuditTrail, CheckpointStore  # noqa: E402
from console.hub.registry import HubConfig  # noqa: E402
from console.hub.retry import Backoff  # noqa: E402
from console.hub.tessera_api import TesseraHubClient  # noqa: E402

CAMERAS = ("cam-01", "cam-02", "cam-03")


# The Tessera client has the audit facet (TesseraAuditMixin among its bases).
AuditClient = TesseraHubClient


async def work(hub_url: str | None, journal: Path, report: Path, run: int | None) -> int:
    client = (
        AuditClient(HubConfig(url=hub_url, timeout_s=5.0, operator="kill-test"))
        if hub_url
        else None
    )
    trail = AuditTrail(
        client,
        journal,
        hub_key=hub_url or "",
        store=CheckpointStore(journal.with_name("audit-checkpoints.json")),
        backoff=Backoff(0.01, 0.05, jitter=0.0),
    )
    await trail.open()
    try:
        if run is None:
            return 0 if await trail.wait_sent(60.0) else 3
        fd = os.open(report, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        n = 0
        while True:
            futures = []
            for _ in range(4):
                n += 1
                futures.append(trail.record("tile.show", CAMERAS[n % 3], {"run": run, "n": n}))
            for fut in futures:
                seq = await asyncio.wrap_future(fut)
                # One write(2) of one short line: a kill lands before or after it, never inside.
                os.write(fd, f"{seq}\n".encode())
            await asyncio.sleep(0.001)  # the sender's turn: sends overlap records and kills
    finally:
        await trail.close()
        if client is not None:
            await client.close()


def child(hub_url: str | None, journal: Path, report: Path, run: int | None) -> None:
    code = 1
    try:
        code = asyncio.run(work(hub_url, journal, report, run))
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def main() -> int:
    hub_url = None if sys.argv[1] == "-" else sys.argv[1]
    journal, report = Path(sys.argv[2]), Path(sys.argv[3])
    out = sys.stdout
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] in ("run", "drain"):
            run = int(command[1]) if command[0] == "run" else None
            out.flush()
            pid = os.fork()
            if pid == 0:
                child(hub_url, journal, report, run)
            if run is None:
                _, status = os.waitpid(pid, 0)
                print(f"drained {os.waitstatus_to_exitcode(status)}", file=out, flush=True)
            else:
                print(f"pid {pid}", file=out, flush=True)
        elif command[0] == "kill":
            pid = int(command[1])
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            print(f"dead {os.waitstatus_to_exitcode(status)}", file=out, flush=True)
    return 0


# -- the parent's side: kill a worker again and again, then count ---------------------------------
class Zygote:
    def __init__(self, hub_url: str | None, journal: Path, report: Path) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                hub_url or "-",
                str(journal),
                str(report),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if not answer:
            raise RuntimeError(f"the audit worker zygote ended ({self.proc.poll()})")
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@dataclass(frozen=True)
class KillResult:
    kills: int
    recorded: int  # entries whose record returned in a worker before it was killed
    lost_journal: int  # of those, not in the journal afterwards
    lost_hub: int | None  # of those, not on the hub after the drain (None: no hub)
    doubled_hub: int | None  # entries stored twice on the hub
    drained: bool
    seconds: float


def journal_seqs(journal: Path) -> tuple[str, set[int]]:
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        console = str(db.execute("SELECT value FROM meta WHERE key='console_id'").fetchone()[0])
        return console, {int(r[0]) for r in db.execute("SELECT seq FROM entries")}
    finally:
        db.close()


def kill_test(
    work_dir: Path,
    kills: int,
    *,
    seed: int = 17,
    hub_url: str | None = None,
    hub_seqs: Callable[[str], list[int]] | None = None,
    min_s: float = 0.0,
    max_s: float = 0.15,
) -> KillResult:
    """`kills` workers killed at random moments (seeded); then a drain and the counts."""
    journal = work_dir / "audit.sqlite3"
    report = work_dir / "recorded.txt"
    zygote = Zygote(hub_url, journal, report)
    rng = random.Random(seed)
    started = time.monotonic()
    try:
        for run in range(kills):
            pid = int(zygote.ask(f"run {run}").split()[1])
            time.sleep(rng.uniform(min_s, max_s))
            zygote.ask(f"kill {pid}")
        drained = zygote.ask("drain") == "drained 0" if hub_url else True
    finally:
        zygote.close()
    seconds = time.monotonic() - started
    recorded = [int(x) for x in report.read_text().split()] if report.exists() else []
    console, in_journal = journal_seqs(journal)
    lost_hub = doubled = None
    if hub_seqs is not None:
        on_hub = Counter(hub_seqs(console))
        lost_hub = sum(1 for s in recorded if s not in on_hub)
        doubled = sum(1 for n in on_hub.values() if n > 1)
    return KillResult(
        kills,
        len(recorded),
        sum(1 for s in recorded if s not in in_journal),
        lost_hub,
        doubled,
        drained,
        seconds,
    )


if __name__ == "__main__":
    sys.exit(main())
