"""The alarm book's own rules: newest revision wins, overlays per camera, operator order."""

from __future__ import annotations

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


def test_a_restarted_hub_snapshot_replaces_everything():
    book, _ = book_with_clock()
    resets = []
    book.reset.connect(lambda: resets.append(True))
    book.apply(make_alert("old", revision=900), AlertChange.RAISED)
    # The restarted hub numbers from 1 again; its alert must win although its revision is low.
    book.replace_all([make_alert("fresh", revision=3)])
    assert [a.id for a in book.alarms()] == ["fresh"] and resets == [True]
    assert book.overlays("cam-01")[0].alert.id == "fresh"


def test_an_unreadable_alert_event_is_skipped_and_said_once():
    notices = Notices()
    book = AlarmBook(client=MinimalClient(), notices=notices)
    for seq in (1, 2):
        book.apply_event(
            HubEvent(seq, EVENT_ALERT, T0.astimezone(timezone.utc), "cam-01", {"change": "?"})
        )
    assert book.unreadable == 2 and len(book) == 0
    assert len(notices.items) == 1 and "cannot read" in notices.items[0].text
