import json

import pytest

from console.joystick.mapping import JoystickProfile, default_profile
from console.joystick.profiles import JoystickProfiles

PAD = "030000005e0400008e02000014010000"
STICK = "030000006d04000015c2000010010000"


def custom(key=PAD, name="Xbox 360 Controller") -> JoystickProfile:
    return JoystickProfile(
        key=key,
        name=name,
        zoom_axis=5,
        zoom_out_axis=2,
        invert_pan=True,
        dead_zone=0.2,
        exponent=1.5,
        buttons={0: "stop", 4: "previous_camera", 5: "next_camera", 9: "preset:7"},
    )


def test_the_file_lives_in_the_config_dir(private_config_dir):
    assert JoystickProfiles().path == private_config_dir / "joysticks.json"


def test_a_device_without_a_profile_gets_the_default_quietly(tmp_path):
    store = JoystickProfiles(tmp_path / "joysticks.json")
    assert store.load() is None and store.problem is None
    assert store.get(PAD, "Pad") == default_profile(PAD, "Pad")
    assert not store.has(PAD)


def test_profiles_are_saved_and_reloaded_per_device(tmp_path):
    path = tmp_path / "joysticks.json"
    store = JoystickProfiles(path)
    store.update(custom())
    store.update(JoystickProfile(key=STICK, name="Extreme 3D", zoom_axis=None))
    doc = json.loads(path.read_text())
    assert doc["format"] == "tessera.joysticks" and doc["version"] == 1
    assert doc["profiles"][PAD]["buttons"]["9"] == "preset:7"
    assert doc["profiles"][STICK]["zoom_axis"] is None

    again = JoystickProfiles(path)
    assert again.load() is None
    assert again.get(PAD) == custom()
    assert again.get(STICK).zoom_axis is None
    assert again.get("another") == default_profile("another")


def test_update_needs_a_device_key(tmp_path):
    with pytest.raises(ValueError, match="device key"):
        JoystickProfiles(tmp_path / "j.json").update(JoystickProfile())


def test_left_out_fields_take_the_defaults(tmp_path):
    path = tmp_path / "joysticks.json"
    path.write_text(
        json.dumps(
            {"format": "tessera.joysticks", "version": 1, "profiles": {PAD: {"dead_zone": 0.3}}}
        )
    )
    store = JoystickProfiles(path)
    assert store.load() is None
    assert store.get(PAD) == JoystickProfile(key=PAD, dead_zone=0.3)


def test_a_damaged_file_is_kept_and_explained(tmp_path):
    path = tmp_path / "joysticks.json"
    garbage = b'{"format": "tessera.joysticks", "version": 1, "profiles": {'
    path.write_bytes(garbage)
    store = JoystickProfiles(path)
    problem = store.load()
    assert problem == store.problem
    assert "joysticks.json is damaged" in problem and "not valid JSON" in problem
    assert path.read_bytes() == garbage
    kept = list(tmp_path.glob("joysticks.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage
    assert store.get(PAD) == default_profile(PAD)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"format": "tessera.layouts", "version": 1},
        {"format": "tessera.joysticks", "version": 9, "profiles": {}},
        {"format": "tessera.joysticks", "version": 1, "profiles": []},
    ],
)
def test_wrong_files_fall_back_to_defaults_with_a_message(tmp_path, doc):
    path = tmp_path / "joysticks.json"
    path.write_text(json.dumps(doc))
    store = JoystickProfiles(path)
    assert "joysticks.json is damaged" in store.load()
    assert store.saved() == {}


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("not an object", "not an object"),
        ({"dead_zone": "wide"}, "dead_zone"),
        ({"exponent": 99}, "exponent"),
        ({"pan_axis": "x"}, "pan_axis"),
        ({"buttons": {"zero": "stop"}}, 'button "zero"'),
        ({"buttons": {"3": "self_destruct"}}, "not an action"),
        ({"buttons": ["stop"]}, "wrong type"),
        ({"name": 7}, "name"),
    ],
)
def test_one_bad_profile_falls_back_alone_and_is_not_lost(tmp_path, entry, words):
    path = tmp_path / "joysticks.json"
    path.write_text(
        json.dumps(
            {
                "format": "tessera.joysticks",
                "version": 1,
                "profiles": {STICK: entry, PAD: {"name": "Xbox 360 Controller", "zoom_axis": 5}},
            }
        )
    )
    store = JoystickProfiles(path)
    problem = store.load()
    assert problem is not None and words in problem and STICK in problem
    assert "default mapping" in problem
    assert store.get(STICK) == default_profile(STICK)
    assert store.get(PAD).zoom_axis == 5  # the good one is untouched

    store.update(custom())  # saving another device keeps the bad entry as the user wrote it
    assert json.loads(path.read_text())["profiles"][STICK] == entry
    store.update(JoystickProfile(key=STICK, name="Extreme 3D"))  # saving it replaces it
    reloaded = JoystickProfiles(path)
    assert reloaded.load() is None
    assert reloaded.get(STICK).name == "Extreme 3D"


def test_remove_sends_a_device_back_to_the_default(tmp_path):
    store = JoystickProfiles(tmp_path / "joysticks.json")
    store.update(custom())
    store.remove(PAD)
    again = JoystickProfiles(store.path)
    again.load()
    assert again.get(PAD) == default_profile(PAD)
