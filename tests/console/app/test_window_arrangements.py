"""Window arrangements (docks and their sizes per screen) survive a restart; a damaged file is
kept and defaults are used."""

from __future__ import annotations

from console.app.window_arrangements import (
    Arrangement,
    WindowArrangements,
    WindowArrangementStore,
)


def test_arrangements_round_trip_per_screen(tmp_path):
    store = WindowArrangementStore(tmp_path / "windows.json")
    kept = WindowArrangements().with_screen(0, Arrangement(b"\x00\xffdocks"))
    kept = kept.with_screen(1, Arrangement(b"second"))
    store.save(kept)
    assert store.load().value == kept


def test_a_damaged_file_gives_defaults_and_is_kept(tmp_path):
    path = tmp_path / "windows.json"
    path.write_text('{"format": "tessera.windows", "version": 1, "screens": {"0": {"state": 7}}}')
    loaded = WindowArrangementStore(path).load()
    assert loaded.value == WindowArrangements() and loaded.problem and loaded.kept_copy
