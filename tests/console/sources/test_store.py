"""The "sources" section of settings.json: round trip, other sections kept (both ways), a
damaged file kept and reported, an unreadable source costing only itself, addresses with a
password refused in plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.app.settings import HubSettings, Settings, SettingsStore, VideoSettings
from console.sources.model import SourceConfig, SourceError, SourceKind
from console.sources.store import SourcesStore, settings_path

SOURCES = [
    SourceConfig("lobby", SourceKind.ONVIF, "http://10.0.0.5:80", username="admin"),
    SourceConfig("hq", SourceKind.TESSERA, "https://hub.example:8443", label="Head office"),
    SourceConfig("yard", SourceKind.RTSP, "/srv/tessera/yard.json", enabled=False),
    SourceConfig("demo", SourceKind.DEMO),
]


def test_round_trip(tmp_path: Path) -> None:
    store = SourcesStore(tmp_path / "settings.json")
    assert store.load().value == []
    store.save(SOURCES)
    loaded = store.load()
    assert loaded.problem is None
    assert loaded.value == SOURCES


def test_the_settings_file_is_the_console_one(private_config_dir: Path) -> None:
    assert settings_path() == private_config_dir / "settings.json"


def test_other_sections_are_kept_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(
        HubSettings(url="http://10.0.0.9:8554", operator="ana"), VideoSettings("off")
    )
    SettingsStore(path).save(settings)
    SourcesStore(path).save(SOURCES)
    assert SettingsStore(path).load() == SettingsStore(path).load()
    assert SettingsStore(path).load().value == settings
    # The console saving its settings keeps the sources (and a key a newer console wrote).
    doc = json.loads(path.read_text())
    doc["future"] = {"x": 1}
    path.write_text(json.dumps(doc))
    SettingsStore(path).save(Settings())
    assert SourcesStore(path).load().value == SOURCES
    assert SettingsStore(path).load().value == Settings()
    SourcesStore(path).save(SOURCES[:1])
    doc = json.loads(path.read_text())
    assert doc["future"] == {"x": 1}
    assert doc["format"] == "tessera.settings" and doc["version"] == 1
    assert SettingsStore(path).load().problem is None


def test_a_hand_edited_file_works(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        '{"format": "tessera.settings", "version": 1, "hub": {"url": null},\n'
        ' "sources": [{"name": "cam1", "kind": "onvif", "url": "http://cam1.local:8080"}]}'
    )
    loaded = SourcesStore(path).load()
    assert loaded.problem is None
    assert loaded.value == [SourceConfig("cam1", SourceKind.ONVIF, "http://cam1.local:8080")]
    assert SettingsStore(path).load().problem is None


def test_a_damaged_file_is_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    text = '{"format": "tessera.settings", "version": 1, "sources": [{"name": "a",'
    path.write_text(text)
    loaded = SourcesStore(path).load()
    assert loaded.value == []
    assert loaded.problem is not None and "not valid JSON" in loaded.problem
    assert loaded.kept_copy is not None and loaded.kept_copy.read_text() == text
    assert path.read_text() == text
    # Saving over it keeps what was there as a copy too.
    SourcesStore(path).save(SOURCES[:1])
    assert SourcesStore(path).load().value == SOURCES[:1]
    copies = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert copies and all(p.read_text() == text for p in copies)


def test_sources_not_a_list_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"format": "tessera.settings", "version": 1, "sources": {"a": 1}}')
    loaded = SourcesStore(path).load()
    assert loaded.value == []
    assert '"sources" must be a list' in (loaded.problem or "")


def test_an_unreadable_source_costs_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    entries = [
        {"name": "ok", "kind": "tessera", "url": "http://hub:8000"},
        {"name": "bad kind", "kind": "frigate", "url": "http://x"},
        {"name": "pw", "kind": "tessera", "url": "http://admin:hunter2@hub:8000"},
        {"name": "tok", "kind": "tessera", "url": "http://hub:8000/?token=abc123"},
        {"name": "ok", "kind": "onvif", "url": "http://dup"},
        "nonsense",
    ]
    text = json.dumps({"format": "tessera.settings", "version": 1, "sources": entries})
    path.write_text(text)
    loaded = SourcesStore(path).load()
    assert loaded.value == [SourceConfig("ok", SourceKind.TESSERA, "http://hub:8000")]
    problem = loaded.problem or ""
    assert "5 source(s)" in problem
    assert "user names or passwords" in problem and "password or token" in problem
    assert "earlier source has this name" in problem
    assert "hunter2" not in problem and "abc123" not in problem
    assert loaded.kept_copy is not None and loaded.kept_copy.read_text() == text


def test_a_password_in_an_address_is_refused_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="without user names or passwords") as raised:
        SourceConfig("a", SourceKind.TESSERA, "http://admin:hunter2@hub:8000")
    assert "hunter2" not in str(raised.value)
    store = SourcesStore(tmp_path / "settings.json")
    with pytest.raises(SourceError, match="password or token"):
        store.save([SourceConfig("a", SourceKind.TESSERA, "http://hub:8000/?password=x")])
    with pytest.raises(SourceError, match="Two sources"):
        store.save([SOURCES[0], SOURCES[0]])
    assert not (tmp_path / "settings.json").exists()
