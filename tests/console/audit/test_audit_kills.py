"""The kill test (issue 17): a console process recording audit entries and sending them to the
hub's real audit log (over a socket; the hub lives on) is killed with SIGKILL at random
moments, ten times here (`python -m bench.audit` runs 200). Every entry whose record returned
(it was in the journal on disk) is in the journal afterwards, and on the hub exactly once after
a final drain."""

from __future__ import annotations

import json
import os

import pytest

from console.audit.verify import verify_log
from demohub.audit import AuditLog
from tests.support.audit_hub import AuditHubThread
from tests.support.audit_worker import kill_test

KILLS = 10


@pytest.mark.timeout(90)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the worker zygote forks (POSIX only)")
def test_entries_survive_kills_none_lost_none_doubled(tmp_path):
    log = AuditLog(tmp_path / "hub")
    hub = AuditHubThread(log).start()

    def hub_seqs(console: str) -> list[int]:
        out: list[int] = []
        for start in range(0, log.size, 1000):
            for raw in log.entries(start, min(start + 1000, log.size)):
                doc = json.loads(raw)
                if doc["console"] == console:
                    out.append(doc["seq"])
        return out

    try:
        result = kill_test(tmp_path, KILLS, seed=17, hub_url=hub.url, hub_seqs=hub_seqs)
    finally:
        hub.stop()
    assert result.drained
    assert result.recorded > KILLS  # the kills landed among records, not only at starts
    assert result.lost_journal == 0
    assert result.lost_hub == 0 and result.doubled_hub == 0
    assert verify_log(tmp_path / "hub", log.vkey.pubkey).ok
