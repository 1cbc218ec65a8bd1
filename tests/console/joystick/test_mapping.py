import math

import pytest

from console.joystick.mapping import (
    ACTIONS,
    DEFAULT_BUTTONS,
    JoystickProfile,
    apply,
    centred,
    default_profile,
    shape_axis,
)


def test_the_actions_are_the_documented_set():
    documented = (
        *(f"preset:{n}" for n in range(1, 10)),
        "next_camera",
        "previous_camera",
        "next_tile",
        "home",
        "stop",
    )
    assert documented == ACTIONS


@pytest.mark.parametrize("raw", [0.0, 0.1, -0.1, 0.15, -0.15])
def test_inside_the_dead_zone_is_zero(raw):
    assert shape_axis(raw, 0.15, 2.0) == 0.0


def test_output_starts_at_zero_at_the_dead_zone_edge_and_reaches_one():
    assert shape_axis(0.1501, 0.15, 2.0) == pytest.approx(0.0, abs=1e-6)
    assert shape_axis(1.0, 0.15, 2.0) == 1.0
    assert shape_axis(-1.0, 0.15, 2.0) == -1.0
    assert shape_axis(1.7, 0.15, 2.0) == 1.0  # clamped
    assert shape_axis(-1.00003, 0.15, 2.0) == -1.0  # SDL's -32768


def test_curve_keeps_the_sign_and_rescales_before_the_exponent():
    assert shape_axis(0.575, 0.15, 1.0) == pytest.approx(0.5)  # linear, rescaled
    assert shape_axis(0.575, 0.15, 2.0) == pytest.approx(0.25)
    assert shape_axis(-0.575, 0.15, 2.0) == pytest.approx(-0.25)
    samples = [shape_axis(x / 100, 0.15, 2.0) for x in range(101)]
    assert samples == sorted(samples)  # monotonic


def test_odd_input_gives_no_motion():
    assert shape_axis(math.nan, 0.15, 2.0) == 0.0
    assert shape_axis(0.5, 1.0, 2.0) == 0.0


def test_default_profile_pans_on_0_tilts_up_when_pushed_forward_zooms_on_2():
    p = default_profile("guid", "Pad")
    assert (p.key, p.name, p.pan_axis, p.tilt_axis, p.zoom_axis) == ("guid", "Pad", 0, 1, 2)
    assert (p.dead_zone, p.exponent) == (0.15, 2.0)
    pan, tilt, zoom = apply(p, [1.0, -1.0, 0.575])
    assert (pan, tilt) == (1.0, 1.0)  # SDL: forward is negative Y; inverted, it tilts up
    assert zoom == pytest.approx(0.25)
    assert apply(p, [0.05, -0.1, 0.0]) == (0.0, 0.0, 0.0)


def test_default_buttons_reach_every_action():
    assert set(DEFAULT_BUTTONS.values()) == set(ACTIONS)
    assert default_profile().action_for(0) == "stop"
    assert default_profile().action_for(13) == "preset:9"
    assert default_profile().action_for(99) is None


def test_unmapped_missing_and_inverted_axes():
    p = JoystickProfile(pan_axis=3, tilt_axis=None, zoom_axis=9, invert_pan=True)
    assert apply(p, [1.0, 1.0, 1.0, 1.0]) == (-1.0, 0.0, 0.0)
    assert apply(default_profile(), []) == (0.0, 0.0, 0.0)


def test_no_negative_zero():
    pan, tilt, zoom = apply(default_profile(), [0.0, 0.0, 0.0])
    assert all(math.copysign(1, v) == 1 for v in (pan, tilt, zoom))


def test_a_trigger_resting_at_one_end_does_not_move_the_camera():
    p = default_profile()
    rest = [0.0, 0.0, -1.0]  # axis 2 is a trigger: SDL reports it at -1 released
    assert apply(p, [0.0, 0.0, -1.0], rest) == (0.0, 0.0, 0.0)
    assert apply(p, [0.0, 0.0, 1.0], rest)[2] == 1.0
    assert apply(p, [0.0, 0.0, 0.15], rest)[2] == pytest.approx(0.25)  # half-way, (0.575)**2
    assert centred(-1.0, 1.0) == 1.0 and centred(1.0, 1.0) == 0.0  # resting at the other end
    assert centred(0.7, None) == 0.0  # not reported yet: no motion


def test_two_triggers_zoom_in_and_out():
    p = JoystickProfile(zoom_axis=5, zoom_out_axis=2)
    rest = [0.0, 0.0, -1.0, 0.0, 0.0, -1.0]
    assert apply(p, [0, 0, -1, 0, 0, 1], rest)[2] == 1.0
    assert apply(p, [0, 0, 1, 0, 0, -1], rest)[2] == -1.0
    assert apply(p, [0, 0, 1, 0, 0, 1], rest)[2] == 0.0


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("buttons", {0: "fire"}, "not an action"),
        ("buttons", {-1: "stop"}, "button number"),
        ("dead_zone", 0.95, "dead_zone"),
        ("dead_zone", math.nan, "dead_zone"),
        ("exponent", 0, "exponent"),
        ("pan_axis", True, "pan_axis"),
        ("tilt_axis", -2, "tilt_axis"),
        ("invert_zoom", "yes", "invert_zoom"),
    ],
)
def test_bad_profiles_are_refused_in_plain_words(field, value, words):
    with pytest.raises(ValueError, match=words):
        JoystickProfile(**{field: value})


def test_profile_keeps_its_own_copy_of_the_buttons():
    buttons = {0: "home"}
    p = JoystickProfile(buttons=buttons)
    buttons[1] = "stop"
    assert p.buttons == {0: "home"}
