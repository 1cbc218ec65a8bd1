"""alerts.json: defaults, a full round trip, and a damaged file kept and reported."""

from __future__ import annotations

import json

from console.alerts.settings import AlertSettings, AlertSettingsStore, PopRule, PopTarget
from console.hub.models import AlertKind, AlertPriority
from tests.console.alerts.alertdata import make_alert


def test_defaults_pop_high_alerts_into_alarm_tiles_with_sounds_off(tmp_path):
    loaded = AlertSettingsStore(tmp_path / "alerts.json").load()
    s = loaded.value
    assert loaded.problem is None
    assert s.pop_rule(make_alert(priority=AlertPriority.HIGH)).target == PopTarget.ALARM_TILES
    assert s.pop_rule(make_alert(priority=AlertPriority.MEDIUM)) is None
    assert not s.sounds_enabled and s.sound_for(make_alert()) is None
    assert s.notifications_enabled


def test_settings_survive_a_round_trip(tmp_path):
    store = AlertSettingsStore(tmp_path / "alerts.json")
    settings = AlertSettings(
        auto_pop=(
            PopRule(
                AlertPriority.MEDIUM,
                frozenset({AlertKind.PANIC}),
                frozenset({"cam-09"}),
                PopTarget.ANY_UNPINNED,
            ),
        ),
        sounds_enabled=True,
        notify_min_priority=AlertPriority.CRITICAL,
    )
    store.save(settings)
    again = store.load().value
    assert again.auto_pop == settings.auto_pop
    assert again.sounds_enabled and again.sound_for(make_alert()) == "alert"
    assert again.notify_min_priority is AlertPriority.CRITICAL


def test_a_damaged_file_is_kept_reported_and_the_defaults_apply(tmp_path):
    path = tmp_path / "alerts.json"
    bad = {"format": "tessera.alerts", "version": 1, "auto_pop": [{"min_priority": "urgent"}]}
    path.write_text(json.dumps(bad))
    loaded = AlertSettingsStore(path).load()
    assert loaded.problem and "min_priority" in loaded.problem
    assert loaded.value == AlertSettings()
    assert json.loads(path.read_text()) == bad or loaded.kept_copy is not None
