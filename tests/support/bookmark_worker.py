"""A console process that creates bookmarks until it is killed, for the kill test
(tests/console/bookmarks/test_bookmark_kills.py). No Qt: the real journal and the real client.

Starting Python and importing aiohttp costs a few hundred milliseconds, far more than the tens
of milliseconds a test wants between kills. So this runs as a zygote: it imports everything
once, then for each `run` command forks a worker, a process of its own that starts from the
top (a new asyncio loop, the journal opened from disk, a new hub client), and for `kill` kills
it with SIGKILL and reaps it. The zygote itself never opens the journal nor the network, so a
fork copies nothing live.

Commands on stdin, one answer line each on stdout:
- `run RUN` -> `pid PID`: a worker that opens the journal (sending what is pending) and creates
  bookmarks named `run RUN #N`, appending each id to the report file once `create` returned
  (the bookmark is in the journal on disk), until it is killed.
- `kill PID` -> `dead CODE`: SIGKILL, then reap (CODE -9 unless it had ended by itself).
- `drain` -> `drained CODE`: a worker that only sends what is pending and exits (0: nothing
  left, 3: still pending after 60 s).

`python tests/support/bookmark_worker.py HUB_URL JOURNAL REPORT`
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.bookmarks.core import Bookmarks  # noqa: E402
from console.hub.registry import HubConfig  # noqa: E402
from console.hub.retry import Backoff  # noqa: E402
from console.hub.tessera_api import TesseraHubClient  # noqa: E402

CAMERAS = ("cam-01", "cam-02", "cam-03")


async def work(hub_url: str, journal: Path, report: Path, run: int | None) -> int:
    client = TesseraHubClient(HubConfig(url=hub_url, timeout_s=5.0, operator="kill-test"))
    book = Bookmarks(client, journal, backoff=Backoff(0.01, 0.05, jitter=0.0))
    await book.open()
    try:
        if run is None:
            return 0 if await book.wait_sent(60.0) else 3
        fd = os.open(report, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        n = 0
        while True:
            n += 1
            bookmark = await book.create(
                CAMERAS[n % len(CAMERAS)],
                datetime.now(timezone.utc),
                name=f"run {run} #{n}",
                tags=(f"run-{run}", "kill-test"),
            )
            # One write(2) of one short line: a kill lands before or after it, never inside.
            os.write(fd, f"{bookmark.id}\n".encode())
            await asyncio.sleep(0.002)  # the sender's turn: sends overlap creates and kills
    finally:
        await book.close()
        await client.close()


def child(hub_url: str, journal: Path, report: Path, run: int | None) -> None:
    code = 1
    try:
        code = asyncio.run(work(hub_url, journal, report, run))
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def main() -> int:
    hub_url, journal, report = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
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
            # -9 when the kill ended it; anything else: it had ended by itself (a crash).
            print(f"dead {os.waitstatus_to_exitcode(status)}", file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
