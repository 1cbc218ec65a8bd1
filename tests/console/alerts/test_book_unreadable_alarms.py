"""The alarm book tells the operator which alarms of the hub's snapshot it could not read."""

from __future__ import annotations

import asyncio

from console.alerts.book import AlarmBook
from console.base.notices import Level, Notices
from console.hub.models import AlertPriority, AlertSnapshot, Rejected
from tests.console.alerts.alertdata import make_alert
from tests.support.minimal_client import MinimalClient


class SnapshotHub(MinimalClient):
    """Answers the snapshot only (the book's first read): an alerts facet of one method."""

    def __init__(self, snapshot: AlertSnapshot) -> None:
        self.snapshot = snapshot

    @property
    def alerts_facet(self):  # type: ignore[override]
        return self

    async def alerts(self, *, include_closed: bool = False) -> AlertSnapshot:
        return self.snapshot


def test_unreadable_alarms_of_the_snapshot_are_named_and_the_rest_shown():
    readable = make_alert("a1", "cam-01", AlertPriority.HIGH)
    rejected = (Rejected(0, "a0", "'priority': expected one of low, medium, high, critical"),)
    notices = Notices()
    book = AlarmBook(SnapshotHub(AlertSnapshot((readable,), 7, rejected)), notices)  # type: ignore[arg-type]
    seq = asyncio.run(book._load_snapshot(replace=True))
    assert seq == 7 and book.get("a1") is not None
    [notice] = notices.items
    assert notice.level is Level.WARNING
    assert notice.text == (
        "1 of 2 alarms from the hub could not be read and is not shown: "
        "a0: 'priority': expected one of low, medium, high, critical."
    )
