"""Process and machine figures read straight from the OS (Linux /proc), no extra dependency.

CPU is counted in seconds of user + system time of one process (all its threads), so the
console, the demo hub and the FFmpeg reference are each measured on their own even though they
share the machine.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def own_cpu_s() -> float:
    """User + system CPU seconds of this process, all threads (children not included).

    `CLOCK_PROCESS_CPUTIME_ID`: nanosecond resolution, where /proc and `os.times` count ticks.
    """
    return time.process_time()


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of another process, or None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the ")": state is field 3, utime 14 and stime 15 (1-based over the whole line).
    return (int(fields[11]) + int(fields[12])) / _TICK


def thread_cpu_s(pid: int | None = None) -> dict[int, tuple[str, float]]:
    """{tid: (thread name, user + system CPU seconds)} for every thread of a process."""
    base = Path(f"/proc/{pid or os.getpid()}/task")
    out: dict[int, tuple[str, float]] = {}
    try:
        tids = list(base.iterdir())
    except OSError:
        return out
    for task in tids:
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        out[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / _TICK)
    return out


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of a process (this one by default), in bytes."""
    for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in parts[:8]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values)
    return (total - idle) / _TICK, total / _TICK


@dataclass
class Window:
    """CPU of this process, of another process (the hub) and of the machine over a time span."""

    hub_pid: int | None = None
    started: float = 0.0
    cpu0: float = 0.0
    hub0: float | None = None
    machine0: tuple[float, float] = (0.0, 0.0)
    threads0: dict[int, tuple[str, float]] | None = None

    def start(self, *, threads: bool = False) -> Window:
        self.threads0 = thread_cpu_s() if threads else None
        self.machine0 = machine_busy()
        self.hub0 = process_cpu_s(self.hub_pid) if self.hub_pid else None
        self.cpu0 = own_cpu_s()
        self.started = time.monotonic()
        return self

    def stop(self) -> dict[str, object]:
        elapsed = time.monotonic() - self.started
        cpu = own_cpu_s() - self.cpu0
        hub1 = process_cpu_s(self.hub_pid) if self.hub_pid else None
        busy1, total1 = machine_busy()
        busy0, total0 = self.machine0
        out: dict[str, object] = {
            "elapsed_s": elapsed,
            "cpu_s": cpu,
            "hub_cpu_s": (hub1 - self.hub0) if hub1 is not None and self.hub0 is not None else None,
            "machine_busy_pct": 100.0 * (busy1 - busy0) / max(total1 - total0, 1e-9),
        }
        if self.threads0 is not None:
            out["threads"] = thread_breakdown(self.threads0, thread_cpu_s())
        return out


def thread_breakdown(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds per thread group between two `thread_cpu_s()` snapshots.

    The main thread (Qt GUI + asyncio + Python) is reported on its own; other threads are
    grouped by name (libvlc's decoder and video output threads carry the process name).
    """
    main = os.getpid()
    groups: dict[str, float] = {}
    for tid, (name, cpu) in after.items():
        prev = before.get(tid, (name, 0.0))[1]
        key = "gui (main thread)" if tid == main else name
        groups[key] = groups.get(key, 0.0) + max(0.0, cpu - prev)
    return dict(sorted(groups.items(), key=lambda kv: -kv[1]))


def machine_info() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "os": os_name,
        "python": sys.version.split()[0],
        "gpu": None,
    }
