"""PTZ picture geometry: drag speeds, click-to-centre, area zoom (pure functions)."""

from __future__ import annotations

import math

import pytest

from console.hub.models import PtzCapabilities, PtzPosition, PtzRange
from console.ptz.geometry import area_zoom, click_to_centre, drag_velocity
from tests.support.ptz_caps import DEMO_PTZ_CAPS

CAPS = DEMO_PTZ_CAPS


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-9)


# ---------------------------------------------------------------- drag_velocity


def test_drag_centre_and_dead_zone_are_still():
    assert drag_velocity(0.0, 0.0) == (0.0, 0.0)
    assert drag_velocity(0.049, -0.049) == (0.0, 0.0)
    pan, tilt = drag_velocity(0.2, 0.01)
    assert pan > 0 and tilt == 0.0


def test_drag_directions_follow_the_screen():
    pan, tilt = drag_velocity(0.5, -0.5)  # right of and above the centre
    assert pan > 0 and tilt > 0
    pan, tilt = drag_velocity(-0.5, 0.5)  # left of and below
    assert pan < 0 and tilt < 0


def test_drag_speed_ramps_from_the_dead_zone_to_one_and_clamps():
    assert drag_velocity(1.0, 1.0) == (1.0, -1.0)
    assert drag_velocity(7.0, -3.0) == (1.0, 1.0)
    just_out, _ = drag_velocity(0.06, 0.0)
    assert 0 < just_out < 0.02  # no jump at the edge of the dead zone
    half, _ = drag_velocity(0.525, 0.0)
    assert half == pytest.approx(0.5)
    speeds = [drag_velocity(i / 20, 0)[0] for i in range(21)]
    assert speeds == sorted(speeds)


def test_drag_dead_zone_is_configurable_and_nan_is_still():
    assert drag_velocity(0.2, 0.0, dead_zone=0.25) == (0.0, 0.0)
    assert drag_velocity(0.3, 0.0, dead_zone=0.0)[0] == pytest.approx(0.3)
    assert drag_velocity(math.nan, math.nan) == (0.0, 0.0)
    with pytest.raises(ValueError):
        drag_velocity(0.5, 0.5, dead_zone=1.0)


# ---------------------------------------------------------------- click_to_centre


def test_click_at_the_centre_does_not_move():
    assert click_to_centre(0.5, 0.5, 1.0, CAPS) == (approx(0.0), approx(0.0))


def test_click_at_the_edges_moves_by_half_the_field_of_view():
    dpan, dtilt = click_to_centre(1.0, 0.0, 1.0, CAPS)  # top-right corner
    assert dpan == pytest.approx(30.0) and dtilt == pytest.approx(33.75 / 2)
    dpan, dtilt = click_to_centre(0.0, 1.0, 1.0, CAPS)  # bottom-left corner
    assert dpan == pytest.approx(-30.0) and dtilt == pytest.approx(-33.75 / 2)


def test_click_uses_the_pinhole_projection_not_a_linear_one():
    dpan, _ = click_to_centre(0.75, 0.5, 1.0, CAPS)
    expected = math.degrees(math.atan(0.5 * math.tan(math.radians(30))))
    assert dpan == pytest.approx(expected)
    assert 15.0 < dpan < 30.0 / 2 + 1.5  # a bit more than a quarter of the fov


def test_click_moves_less_when_zoomed_in():
    wide, _ = click_to_centre(1.0, 0.5, 1.0, CAPS)
    tele, _ = click_to_centre(1.0, 0.5, 4.0, CAPS)
    assert tele == pytest.approx(7.5) and wide == pytest.approx(30.0)


def test_click_fov_scales_from_zoom_min():
    caps = PtzCapabilities(**{**_fields(CAPS), "zoom": PtzRange(2.0, 16.0)})
    # fov is declared at zoom.min (2): at zoom 2 the half-fov is 30 degrees, at 4 it is 15.
    assert click_to_centre(1.0, 0.5, 2.0, caps)[0] == pytest.approx(30.0)
    assert click_to_centre(1.0, 0.5, 4.0, caps)[0] == pytest.approx(15.0)


def test_click_is_limited_to_the_pan_and_tilt_ranges_given_a_position():
    at_edge = PtzPosition(pan=160.0, tilt=25.0, zoom=1.0)
    dpan, dtilt = click_to_centre(1.0, 0.0, 1.0, CAPS, position=at_edge)
    assert dpan == pytest.approx(10.0) and dtilt == pytest.approx(5.0)
    dpan, dtilt = click_to_centre(0.0, 1.0, 1.0, CAPS, position=at_edge)
    assert dpan == pytest.approx(-30.0) and dtilt == pytest.approx(-33.75 / 2)


def test_click_outside_the_picture_is_clamped_to_its_edge():
    assert click_to_centre(1.5, -0.2, 1.0, CAPS) == click_to_centre(1.0, 0.0, 1.0, CAPS)


# ---------------------------------------------------------------- area_zoom


def test_area_zoom_centres_the_rectangle_and_fills_the_picture():
    dpan, dtilt, factor = area_zoom(0.25, 0.25, 0.75, 0.75, 1.0, CAPS)
    assert dpan == approx(0.0) and dtilt == approx(0.0)
    # The middle half spans atan(0.5 tan(30)) * 2 degrees of the 60: a bit over half the fov.
    half_angle = math.degrees(math.atan(0.5 * math.tan(math.radians(30))))
    assert factor == pytest.approx(30.0 / half_angle)
    assert 1.8 < factor < 2.1


def test_area_zoom_corners_in_any_order_and_off_centre():
    a = area_zoom(0.6, 0.1, 0.9, 0.3, 1.0, CAPS)
    b = area_zoom(0.9, 0.3, 0.6, 0.1, 1.0, CAPS)
    assert a == b
    dpan, dtilt, factor = a
    centre = click_to_centre(0.75, 0.2, 1.0, CAPS)
    assert (dpan, dtilt) == (pytest.approx(centre[0]), pytest.approx(centre[1]))
    assert dpan > 0 and dtilt > 0 and factor > 1


def test_area_zoom_fills_along_the_tighter_side():
    # A tall, narrow rectangle: its height decides (the whole rectangle stays visible).
    _, _, tall = area_zoom(0.45, 0.1, 0.55, 0.9, 1.0, CAPS)
    _, _, square = area_zoom(0.45, 0.45, 0.55, 0.55, 1.0, CAPS)
    assert tall < 1.5 < square


def test_area_zoom_is_clamped_to_the_zoom_range():
    _, _, factor = area_zoom(0.49, 0.49, 0.51, 0.51, 2.0, CAPS)
    assert 2.0 * factor == pytest.approx(8.0)  # zoom.max
    _, _, factor = area_zoom(0.5, 0.5, 0.5, 0.5, 7.0, CAPS)  # a click-sized rectangle
    assert 7.0 * factor == pytest.approx(8.0)
    _, _, factor = area_zoom(0.0, 0.0, 1.0, 1.0, 8.0, CAPS)  # already at max, whole picture
    assert factor == pytest.approx(1.0)


def test_area_zoom_whole_picture_keeps_the_zoom():
    dpan, dtilt, factor = area_zoom(0.0, 0.0, 1.0, 1.0, 3.0, CAPS)
    assert (dpan, dtilt) == (approx(0.0), approx(0.0))
    assert factor == pytest.approx(1.0)


def test_area_zoom_limits_pan_and_tilt_given_a_position():
    at_edge = PtzPosition(pan=169.0, tilt=0.0, zoom=1.0)
    dpan, _, _ = area_zoom(0.8, 0.4, 1.0, 0.6, 1.0, CAPS, position=at_edge)
    assert dpan == pytest.approx(1.0)


def _fields(caps: PtzCapabilities) -> dict[str, object]:
    return {name: getattr(caps, name) for name in caps.__slots__}
