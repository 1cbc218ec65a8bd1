"""Releases old libvlc players off the GUI/loop thread, with a deadline per job.

libvlc's `stop()` and `release()` can block for seconds, or forever on a dead network stream
(see PLATFORM.md). The GUI thread therefore never calls them: it hands the old objects to
`PlayerReaper.reap`, which returns at once. Each job runs on its own daemon thread, so one hung
job never delays another. A job that misses its deadline is abandoned: its thread is left behind
(it cannot be killed), counted in `abandoned` and logged; the reaper keeps serving new jobs.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from console.media.heap import release_free_heap

log = logging.getLogger(__name__)


class Stoppable(Protocol):
    def stop(self) -> object: ...

    def release(self) -> object: ...


class Releasable(Protocol):
    def release(self) -> object: ...


@dataclass
class _Job:
    number: int
    label: str
    deadline_s: float
    started_at: float
    done: threading.Event = field(default_factory=threading.Event)
    abandoned: bool = False


class PlayerReaper:
    """Stops and releases libvlc objects on worker threads; never blocks the caller."""

    THREAD_PREFIX = "tessera-reaper"

    def __init__(self, stop_timeout_s: float = 3.0) -> None:
        self._timeout_s = stop_timeout_s
        self._lock = threading.Lock()
        self._jobs: dict[int, _Job] = {}
        self._numbers = itertools.count(1)
        self._completed = 0
        self._abandoned = 0
        self._failed = 0

    @property
    def stop_timeout_s(self) -> float:
        return self._timeout_s

    @property
    def pending(self) -> int:
        """Jobs running and not yet abandoned."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if not j.abandoned)

    @property
    def completed(self) -> int:
        with self._lock:
            return self._completed

    @property
    def abandoned(self) -> int:
        """Jobs that missed their deadline (their threads may still be stuck in libvlc)."""
        with self._lock:
            return self._abandoned

    @property
    def failed(self) -> int:
        """Jobs where stop() or release() raised (logged, still counted as completed)."""
        with self._lock:
            return self._failed

    def reap(
        self,
        player: Stoppable | None,
        media: Releasable | None = None,
        *,
        keepalive: object = None,
        label: str = "",
    ) -> None:
        """Stop and release `player` (then `media`) on a worker thread. Returns at once.

        `keepalive` is held until release() has returned: pass the ctypes callback objects the
        player still calls into, so they cannot be freed while libvlc may use them.
        """
        if player is None and media is None:
            return
        number = next(self._numbers)
        job = _Job(number, label or f"job {number}", self._timeout_s, time.monotonic())
        with self._lock:
            self._jobs[number] = job
        worker = threading.Thread(
            target=self._run,
            args=(job, player, media, keepalive),
            name=f"{self.THREAD_PREFIX}-{number}",
            daemon=True,
        )
        watchdog = threading.Timer(job.deadline_s, self._check_deadline, args=(job,))
        watchdog.name = f"{self.THREAD_PREFIX}-watch-{number}"
        watchdog.daemon = True
        worker.start()
        watchdog.start()

    def drain(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for running jobs; True when none is left (abandoned excluded)."""
        end = time.monotonic() + timeout_s
        while True:
            with self._lock:
                waiting = [j for j in self._jobs.values() if not j.abandoned]
            if not waiting:
                return True
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            waiting[0].done.wait(min(remaining, 0.05))

    def _run(
        self, job: _Job, player: Stoppable | None, media: Releasable | None, keepalive: object
    ) -> None:
        failed = False
        try:
            if player is not None:
                try:
                    player.stop()
                finally:
                    player.release()
            if media is not None:
                media.release()
        except Exception:
            failed = True
            log.exception("reaper %s: stop/release raised", job.label)
        finally:
            elapsed = time.monotonic() - job.started_at
            with self._lock:
                self._jobs.pop(job.number, None)
                if not job.abandoned:
                    self._completed += 1
                self._failed += failed
                late = job.abandoned
                last = not self._jobs
            job.done.set()
            del keepalive  # only now may libvlc's callbacks be freed
            if last:
                # The last of a batch (one reconnect, or a whole wall's): give what the released
                # players freed back to the OS, here, off the GUI thread.
                release_free_heap()
            if late:
                log.warning("reaper %s: abandoned job finished after %.1f s", job.label, elapsed)

    def _check_deadline(self, job: _Job) -> None:
        with self._lock:
            if job.done.is_set() or job.number not in self._jobs:
                return
            job.abandoned = True
            self._abandoned += 1
            total = self._abandoned
        log.warning(
            "reaper %s: stop/release still blocked after %.1f s; abandoning its thread "
            "(%d abandoned so far)",
            job.label,
            job.deadline_s,
            total,
        )
