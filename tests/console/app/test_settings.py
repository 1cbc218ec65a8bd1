import json

from console.app.settings import HubSettings, Settings, SettingsStore, VideoSettings


def test_settings_round_trip(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    s = Settings(HubSettings(url="http://10.0.0.5:8554", operator="ana"), VideoSettings("off"))
    store.save(s)
    assert store.load().value == s


def test_unknown_values_are_reported_and_the_file_kept(tmp_path):
    path = tmp_path / "settings.json"
    text = json.dumps(
        {"format": "tessera.settings", "version": 1, "video": {"hw_decoding": "magic"}}
    )
    path.write_text(text)
    loaded = SettingsStore(path).load()
    assert loaded.value == Settings()
    assert "hw_decoding" in loaded.problem
    assert path.read_text() == text


def test_booleans_are_not_numbers(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(
        '{"format": "tessera.settings", "version": 1, "video": {"network_caching_ms": true}}'
    )
    assert "wrong type" in SettingsStore(path).load().problem


def test_credentials_in_the_hub_url_are_refused_and_never_echoed(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(
        '{"format": "tessera.settings", "version": 1, '
        '"hub": {"url": "http://admin:hunter2@10.0.0.5:8554"}}'
    )
    loaded = SettingsStore(path).load()
    assert loaded.value == Settings()
    assert "user name or password" in loaded.problem
    assert "hunter2" not in loaded.problem


def test_the_watermark_policy_is_read_from_policy_and_kept_there(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"format": "tessera.settings", "version": 1, "policy": {"watermark": true}}')
    store = SettingsStore(path)
    loaded = store.load()
    assert loaded.problem is None and loaded.value.watermark is True
    store.save(loaded.value)
    saved = json.loads(path.read_text())
    assert saved["policy"]["watermark"] is True and "watermark" not in saved
    assert store.load().value.watermark is True
    assert Settings().watermark is False


def test_a_watermark_policy_that_is_not_true_or_false_is_reported(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"format": "tessera.settings", "version": 1, "policy": {"watermark": 1}}')
    assert "policy.watermark" in SettingsStore(path).load().problem
