"""CPU load from other processes, for benchmarks that measure the console on a busy machine.

`busy_processes(n, max_s)` starts `n` child processes that each spin one core until `max_s` has
passed, their parent has gone, or the block ends (then they are killed), whichever comes first:
a benchmark that dies cannot leave them spinning.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

# Spins until the deadline or until the parent is gone (re-parented: getppid changes).
_SPIN = """
import os, sys, time
parent, end = os.getppid(), time.monotonic() + float(sys.argv[1])
while time.monotonic() < end and os.getppid() == parent:
    for _ in range(20000):
        pass
"""


@contextlib.contextmanager
def busy_processes(n: int | None = None, max_s: float = 300.0) -> Iterator[list[int]]:
    """Keep `n` cores (default: every core) busy with child processes; yields their pids."""
    count = n if n is not None else os.cpu_count() or 1
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SPIN, str(max_s)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(5)
