import json

from console.wall.layout import preset
from console.wall.model import RenderPath, WallState
from console.wall.store import LayoutStore, NamedLayout, SavedLayouts


def two_screen_layouts() -> SavedLayouts:
    walls = (
        WallState(0, preset("3x3", ["cam-01", "cam-02"])),
        WallState(1, preset("1+5", ["cam-03"]), RenderPath.NATIVE, fullscreen=True),
    )
    return SavedLayouts((NamedLayout("Night shift", walls),), "Night shift")


def test_layouts_round_trip_with_screen_assignment(tmp_path):
    store = LayoutStore(tmp_path / "layouts.json")
    store.save(two_screen_layouts())
    loaded = store.load()
    assert loaded.problem is None
    assert loaded.value == two_screen_layouts()
    doc = json.loads((tmp_path / "layouts.json").read_text())
    assert doc["format"] == "tessera.layouts" and doc["version"] == 1


def test_missing_file_gives_empty_layouts_quietly(tmp_path):
    loaded = LayoutStore(tmp_path / "layouts.json").load()
    assert loaded.value == SavedLayouts() and loaded.problem is None


def test_damaged_file_gives_defaults_a_message_and_is_kept_byte_for_byte(tmp_path):
    path = tmp_path / "layouts.json"
    garbage = b'{"format": "tessera.layouts", "version": 1, "layouts": [{"name": '
    path.write_bytes(garbage)
    loaded = LayoutStore(path).load()
    assert loaded.value == SavedLayouts()
    assert "layouts.json is damaged" in loaded.problem
    assert "not valid JSON" in loaded.problem
    assert path.read_bytes() == garbage
    assert loaded.kept_copy is not None and loaded.kept_copy.read_bytes() == garbage
    assert str(loaded.kept_copy) in loaded.problem


def test_hand_edited_overlap_is_reported_with_where_it_is(tmp_path):
    store = LayoutStore(tmp_path / "layouts.json")
    store.save(two_screen_layouts())
    doc = json.loads(store.path.read_text())
    doc["layouts"][0]["walls"][0]["tiles"][1]["col"] = 0  # now overlaps tile 1
    store.path.write_text(json.dumps(doc))
    loaded = store.load()
    assert 'layout "Night shift", wall 1' in loaded.problem
    assert "overlaps" in loaded.problem


def test_wrong_types_and_newer_versions_are_refused_not_guessed(tmp_path):
    store = LayoutStore(tmp_path / "layouts.json")
    store.path.write_text('{"format": "tessera.layouts", "version": 1, "layouts": "x"}')
    assert "wrong type" in store.load().problem
    store.path.write_text('{"format": "tessera.layouts", "version": 7, "layouts": []}')
    assert "newer Tessera" in store.load().problem
    store.path.write_text("[1, 2]")
    assert "JSON object" in store.load().problem


def test_saving_after_a_damaged_load_keeps_the_copy(tmp_path):
    path = tmp_path / "layouts.json"
    path.write_text("not json")
    store = LayoutStore(path)
    kept = store.load().kept_copy
    store.save(two_screen_layouts())
    assert kept.read_text() == "not json"
    assert store.load().value == two_screen_layouts()


def test_hidden_cameras_are_kept_in_the_file(tmp_path):
    from console.wall.layout import apply_preset

    layout = apply_preset(preset("3x3", [f"cam-{i}" for i in range(9)]), "2x2")
    store = LayoutStore(tmp_path / "layouts.json")
    store.save(SavedLayouts((NamedLayout("Night", (WallState(0, layout),)),), "Night"))
    loaded = store.load().value.get("Night").walls[0].layout
    assert loaded.hidden == layout.hidden and len(loaded.hidden) == 5


def test_the_session_is_kept_apart_from_the_named_layouts(tmp_path):
    store = LayoutStore(tmp_path / "layouts.json")
    saved = two_screen_layouts()
    session = (WallState(0, preset("2x2", ["cam-09"])),)
    store.save(saved.with_session(session))
    loaded = store.load().value
    assert loaded.session == session
    assert loaded.get("Night shift") == saved.get("Night shift")
    assert loaded.with_layout(saved.layouts[0]).session == session  # saving keeps it
