"""The PTZ benchmark's stop timing, with the machine's scheduling taken out of the picture.

The release is timed on SDL's thread, where the stick is set: a thread that waits for a core
between setting the stick and telling the benchmark must not make a delivered stop look missing
(the issue saw one stop "missing" on a busy machine; it had reached the hub before the
benchmark took its time).
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from bench import ptz
from bench._load import busy_processes

# serial: the bench loads every core on purpose (busy processes) and times PTZ stops in ms;
# beside the parallel suite it would slow the other tests and its own figures would be theirs.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120), pytest.mark.serial]


def test_a_stop_that_reaches_the_hub_before_the_bench_hears_back_is_still_counted(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("TESSERA_CONFIG_DIR", str(tmp_path))
    timed = ptz.Chain._set_pan_timed

    def late(self: ptz.Chain, value: float) -> tuple[float, float]:
        held, _ = timed(self, value)
        time.sleep(0.06)  # the executor thread waits for a core: longer than a stop takes
        return held, time.monotonic()

    monkeypatch.setattr(ptz.Chain, "_set_pan_timed", late)

    async def trial() -> tuple[list[float], int, dict]:
        hub = ptz.HubThread(ptz_lock_idle_s=30.0)
        try:
            async with ptz.Chain(hub, tmp_path, "timing") as chain:
                diagnosis: dict = {}
                stops, missing = await ptz.stops_after_release(chain, 10, diagnosis)
                return stops, missing, diagnosis
        finally:
            hub.close()

    stops, missing, diagnosis = asyncio.run(trial())
    assert missing == 0
    assert len(stops) == 10
    # Most stops arrived while the executor still slept: the old timing would have lost them.
    assert diagnosis["stops_before_executor_return"] >= 5


def test_busy_processes_are_gone_when_the_block_ends():
    with busy_processes(2, max_s=30.0) as pids:
        assert len(pids) == 2
        assert all(os.path.exists(f"/proc/{pid}") for pid in pids)
    time.sleep(0.2)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids)


def test_busy_processes_end_by_themselves_after_their_time():
    with busy_processes(1, max_s=0.5) as pids:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(f"/proc/{pids[0]}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):  # exited, not yet reaped
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the busy process kept spinning past its time")
