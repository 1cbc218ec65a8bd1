"""Auto-pop on real wall models: alarm tiles, pinned tiles, and a higher priority winning."""

from __future__ import annotations

from dataclasses import replace

from console.alerts.autopop import AutoPop
from console.alerts.book import AlarmBook
from console.alerts.settings import AlertSettings, PopRule, PopTarget
from console.base.notices import Notices
from console.hub.models import AlarmState, AlertChange, AlertKind, AlertPriority
from console.wall.layout import TileRole, preset, set_role
from console.wall.model import WallModel, WallState
from tests.console.alerts.alertdata import acknowledged, make_alert
from tests.support.minimal_client import MinimalClient

CRITICAL, HIGH, MEDIUM = AlertPriority.CRITICAL, AlertPriority.HIGH, AlertPriority.MEDIUM


def wall(cameras, alarm_tiles=(), pinned=()) -> WallModel:
    layout = preset("2x2", cameras)
    for tid in alarm_tiles:
        layout = set_role(layout, tid, TileRole.ALARM)
    for tid in pinned:
        layout = set_role(layout, tid, TileRole.PINNED)
    return WallModel(WallState(0, layout))


def setup(walls, settings=None):
    book = AlarmBook(client=MinimalClient())  # fed by hand; no hub needed
    notices = Notices()
    pop = AutoPop(walls, book, lambda: settings or AlertSettings(), notices)
    return book, pop, notices


def camera_on(w: WallModel, tile_id: int) -> str | None:
    return w.layout.tile(tile_id).camera_id


def test_a_high_alert_brings_its_camera_into_the_empty_alarm_tile():
    w = wall(["cam-01", "cam-02", "cam-03"], alarm_tiles=[4])
    book, pop, _ = setup([w])
    popped = []
    pop.popped.connect(lambda wi, tid, a: popped.append((wi, tid, a.id)))
    book.apply(make_alert("a", "cam-09", HIGH), AlertChange.RAISED)
    assert camera_on(w, 4) == "cam-09" and popped == [(0, 4, "a")]
    assert pop.popped_on(0, 4).id == "a"


def test_below_the_rule_on_the_wall_already_or_read_at_start_up_nothing_pops():
    w = wall(["cam-01", "cam-02", "cam-03"], alarm_tiles=[4])
    book, _, _ = setup([w])
    book.apply(make_alert("medium", "cam-09", MEDIUM), AlertChange.RAISED)
    book.apply(make_alert("on-wall", "cam-02", CRITICAL), AlertChange.RAISED)
    book.apply(make_alert("snapshot", "cam-08", CRITICAL), None)  # an old one, read at start
    assert camera_on(w, 4) is None and camera_on(w, 2) == "cam-02"


def test_a_newer_higher_priority_wins_an_equal_one_does_not_push_away_a_live_alarm():
    w = wall(["cam-01", "cam-02", "cam-03"], alarm_tiles=[4])
    book, _, _ = setup([w])
    book.apply(make_alert("high", "cam-07", HIGH), AlertChange.RAISED)
    book.apply(make_alert("high-2", "cam-08", HIGH), AlertChange.RAISED)
    assert camera_on(w, 4) == "cam-07"
    critical = make_alert("crit", "cam-09", CRITICAL)
    book.apply(critical, AlertChange.RAISED)
    assert camera_on(w, 4) == "cam-09"
    # Once the critical one is acknowledged, the tile is free for the next alarm.
    book.apply(acknowledged(critical, 5), AlertChange.ACKNOWLEDGED)
    book.apply(make_alert("high-3", "cam-10", HIGH), AlertChange.RAISED)
    assert camera_on(w, 4) == "cam-10"


def test_pinned_tiles_are_never_used_and_without_an_alarm_tile_the_operator_is_told():
    w = wall(["cam-01", "cam-02", "cam-03", "cam-04"], pinned=[1, 2, 3, 4])
    rules = AlertSettings(auto_pop=(PopRule(HIGH, target=PopTarget.ANY_UNPINNED),))
    book, _, notices = setup([w], rules)
    book.apply(make_alert("a", "cam-09", CRITICAL), AlertChange.RAISED)
    assert w.layout.camera_ids() == ["cam-01", "cam-02", "cam-03", "cam-04"]

    plain = wall(["cam-01"])
    book, _, notices = setup([plain])
    book.apply(make_alert("b", "cam-09", CRITICAL), AlertChange.RAISED)
    assert "no tile is an alarm tile" in notices.items[-1].text
    assert plain.layout.camera_ids() == ["cam-01"]


def test_any_unpinned_prefers_alarm_tiles_then_empty_tiles_and_skips_pinned_ones():
    w = wall(["cam-01", "cam-02", None, "cam-04"], pinned=[1])
    rules = AlertSettings(auto_pop=(PopRule(HIGH, target=PopTarget.ANY_UNPINNED),))
    book, _, _ = setup([w], rules)
    book.apply(make_alert("a", "cam-09", HIGH), AlertChange.RAISED)
    assert camera_on(w, 3) == "cam-09"  # the empty tile, not the operator's cameras
    book.apply(make_alert("b", "cam-10", HIGH), AlertChange.RAISED)
    assert camera_on(w, 1) == "cam-01"  # pinned
    assert "cam-10" in w.layout.camera_ids()


def test_rules_match_kinds_and_cameras():
    w = wall(["cam-01"], alarm_tiles=[4])
    rules = AlertSettings(
        auto_pop=(PopRule(MEDIUM, kinds=frozenset({AlertKind.PANIC}), cameras=frozenset()),)
    )
    book, _, _ = setup([w], rules)
    book.apply(make_alert("obj", "cam-05", CRITICAL), AlertChange.RAISED)
    assert camera_on(w, 4) is None
    book.apply(make_alert("panic", "cam-06", MEDIUM, kind=AlertKind.PANIC), AlertChange.RAISED)
    assert camera_on(w, 4) == "cam-06"


def test_opening_an_alarm_selects_its_tile_or_uses_the_alarm_tile_or_the_fallback():
    w = wall(["cam-01", "cam-02", "cam-03"], alarm_tiles=[4])
    _, pop, _ = setup([w])
    fallback = []
    assert pop.show(make_alert("x", "cam-02"), fallback.append) == (0, 2)
    assert w.selected == 2
    assert pop.show(make_alert("y", "cam-07"), fallback.append) == (0, 4)
    assert camera_on(w, 4) == "cam-07" and w.selected == 4
    plain = wall(["cam-01"])
    _, pop2, _ = setup([plain])
    assert pop2.show(make_alert("z", "cam-07"), fallback.append) is None
    assert fallback == ["cam-07"]


def test_an_acknowledged_alarm_is_not_new_so_it_never_pops():
    w = wall(["cam-01"], alarm_tiles=[4])
    book, _, _ = setup([w])
    alert = replace(make_alert("a", "cam-09", CRITICAL), state=AlarmState.ACKNOWLEDGED)
    book.apply(alert, AlertChange.RAISED)
    assert camera_on(w, 4) is None
