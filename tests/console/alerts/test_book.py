"""The alarm book's own rules: newest revision wins, overlays per camera, operator order."""

from __future__ import annotations

import asyncio
from datetime import timezone

from console.alerts.book import OVERLAY_FADE_S, AlarmBook
from console.base.notices import Notices
from console.hub.models import EVENT_ALERT, AlarmState, AlertChange, AlertPriority, HubEvent
from tests.console.alerts.alertdata import T0, acknowledged, ended, make_alert
from tests.support.minimal_client import MinimalClient


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def book_with_clock() -> tuple[AlarmBook, Clock]:
    clock = Clock()
    # No hub is contacted in these tests: the book is only fed copies of alerts.
    return AlarmBook(client=MinimalClient(), clock=clock), clock


def test_a_newer_revision_replaces_an_older_one_never_the_reverse():
    book, _ = book_with_clock()
    seen = []
    book.changed.connect(lambda alert, change: seen.append((alert.revision, change)))
    first = make_alert(revision=5)
    assert book.apply(first, AlertChange.RAISED)
    assert book.apply(acknowledged(first, 9), AlertChange.ACKNOWLEDGED)
    # A replayed event, or a snapshot read before the acknowledgement, comes late: ignored.
    assert not book.apply(first, AlertChange.RAISED)
    assert not book.apply(acknowledged(first, 9))
    assert book.get("al-1").state is AlarmState.ACKNOWLEDGED
    assert seen == [(5, AlertChange.RAISED), (9, AlertChange.ACKNOWLEDGED)]
    assert len(book) == 1


def test_overlays_follow_activity_and_fade_after_the_end():
    book, clock = book_with_clock()
    cameras = []
    book.camera_changed.connect(cameras.append)
    alert = make_alert(camera_id="cam-03")
    book.apply(alert, AlertChange.RAISED)
    assert [(o.alert.id, o.opacity) for o in book.overlays("cam-03")] == [("al-1", 1.0)]
    assert book.overlays("cam-01") == []
    book.apply(ended(alert, 2), AlertChange.ENDED)
    assert not book.get("al-1").active
    clock.now += OVERLAY_FADE_S / 2
    (fading,) = book.overlays("cam-03")
    assert 0.4 < fading.opacity < 0.6 and book.is_fading()
    clock.now += OVERLAY_FADE_S
    assert book.overlays("cam-03") == [] and not book.is_fading()
    assert cameras == ["cam-03", "cam-03"]


def test_closing_an_active_alert_removes_its_overlay():
    book, clock = book_with_clock()
    alert = make_alert()
    book.apply(alert, AlertChange.RAISED)
    from dataclasses import replace

    book.apply(replace(alert, state=AlarmState.CLOSED, revision=3), AlertChange.CLOSED)
    clock.now += OVERLAY_FADE_S + 0.1
    assert book.overlays("cam-01") == []


def test_the_next_unacknowledged_is_the_most_urgent_then_the_oldest_and_wraps():
    book, _ = book_with_clock()
    low = make_alert("low", priority=AlertPriority.LOW, started_s=0)
    high_new = make_alert("high-new", priority=AlertPriority.HIGH, started_s=30)
    high_old = make_alert("high-old", priority=AlertPriority.HIGH, started_s=10)
    critical = make_alert("crit", priority=AlertPriority.CRITICAL, started_s=40)
    done = acknowledged(make_alert("done", priority=AlertPriority.CRITICAL), 2)
    for a in (low, high_new, high_old, critical, done):
        book.apply(a, AlertChange.RAISED)
    assert [a.id for a in book.unacknowledged()] == ["crit", "high-old", "high-new", "low"]
    assert book.new_count == 4
    assert book.next_unacknowledged().id == "crit"
    assert book.next_unacknowledged("crit").id == "high-old"
    assert book.next_unacknowledged("low").id == "crit"  # wraps around
    book.apply(acknowledged(critical, 50), AlertChange.ACKNOWLEDGED)
    assert book.next_unacknowledged().id == "high-old" and book.new_count == 3


def test_a_restarted_hub_snapshot_replaces_the_book_but_never_drops_an_open_alarm():
    notices = Notices()
    clock = Clock()
    book = AlarmBook(client=MinimalClient(), notices=notices, clock=clock)
    resets = []
    book.reset.connect(lambda: resets.append(True))
    book.apply(make_alert("old", priority=AlertPriority.CRITICAL, revision=900))
    book.apply(make_alert("done", state=AlarmState.CLOSED, revision=901))
    book.apply(make_alert("known", revision=902))
    # The restarted hub numbers from 1 again; its copies win although their revisions are low.
    # Until issue 14 the open alarm it forgot ("old", an unacknowledged critical) vanished.
    book.replace_all([make_alert("fresh", revision=3), make_alert("known", revision=4)])
    assert [a.id for a in book.alarms()] == ["fresh", "known", "old"] and resets == [True]
    assert book.get("known").revision == 4
    assert book.gone_from_hub("old") and not book.gone_from_hub("fresh")
    assert book.get("done") is None  # a closed alarm the hub forgot: nothing left to do
    assert book.new_count == 3 and book.next_unacknowledged().id == "old"
    assert [o.alert.id for o in book.overlays("cam-01")] == ["fresh", "known"]  # not on tiles
    [notice] = notices.items
    assert notice.text.startswith("The hub restarted and no longer knows 1 open alarm, 1 not yet")
    # Another restart that forgets one more: one notice still, updated, not a second one.
    book.replace_all([make_alert("fresh", revision=3)])
    assert len(notices.items) == 1 and book.gone_from_hub("old") and book.gone_from_hub("known")


def test_an_alarm_gone_from_the_hub_is_acknowledged_and_closed_here():
    notices = Notices()
    book = AlarmBook(client=MinimalClient(), notices=notices)
    book.apply(make_alert("old", revision=900))
    book.replace_all([])
    acked = asyncio.run(book.acknowledge("old"))
    assert acked is not None and acked.state is AlarmState.ACKNOWLEDGED and book.new_count == 0
    assert book.gone_from_hub("old")
    closed = asyncio.run(book.close("old"))
    assert closed is not None and closed.state is AlarmState.CLOSED
    assert book.get("old") is None and not book.gone_from_hub("old")
    assert notices.items == []  # the notice went with the last gone alarm


def test_a_new_hub_alarm_with_a_forgotten_id_is_the_hubs_and_that_is_said():
    notices = Notices()
    book = AlarmBook(client=MinimalClient(), notices=notices)
    book.apply(make_alert("al-1", revision=900))
    book.replace_all([])
    assert book.apply(make_alert("al-1", camera_id="cam-02", revision=2))
    assert book.get("al-1").camera_id == "cam-02" and not book.gone_from_hub("al-1")
    assert "could not be kept apart" in notices.items[-1].text


def test_an_unreadable_alert_event_is_skipped_and_said_once():
    notices = Notices()
    book = AlarmBook(client=MinimalClient(), notices=notices)
    for seq in (1, 2):
        book.apply_event(
            HubEvent(seq, EVENT_ALERT, T0.astimezone(timezone.utc), "cam-01", {"change": "?"})
        )
    assert book.unreadable == 2 and len(book) == 0
    assert len(notices.items) == 1 and "cannot read" in notices.items[0].text
