"""Pure PTZ geometry for the UI: drag speeds, click-to-centre and area zoom.

Picture coordinates are normalized: (0, 0) is the top-left corner of the picture, (1, 1) the
bottom-right, y grows downwards as on screen. Angles are degrees; pan grows to the right and
tilt upwards (docs/hub-api.md "PTZ"). The camera is modelled as a pinhole whose field of view at
zoom `z` is `fov * zoom.min / z` (`PtzCapabilities.fov_at`), so the results are relative moves
for `ptz_relative`.
"""

from __future__ import annotations

import math

from console.hub.models import PtzCapabilities, PtzPosition

DEFAULT_DEAD_ZONE = 0.05
# The smallest rectangle side area_zoom takes seriously (a fraction of the picture).
MIN_AREA_SIDE = 0.01


def _clamp(value: float, low: float, high: float) -> float:
    if math.isnan(value):
        return 0.0
    return max(low, min(high, value))


def _axis_speed(offset: float, dead_zone: float) -> float:
    offset = _clamp(offset, -1.0, 1.0)
    magnitude = abs(offset)
    if magnitude <= dead_zone:
        return 0.0
    # Rescaled past the dead zone, so the speed grows from 0 without a jump.
    return math.copysign((magnitude - dead_zone) / (1.0 - dead_zone), offset)


def drag_velocity(
    dx: float, dy: float, *, dead_zone: float = DEFAULT_DEAD_ZONE
) -> tuple[float, float]:
    """(pan, tilt) speeds in [-1, 1] for a cursor at (dx, dy) from the tile centre.

    `dx`, `dy` are normalized to [-1, 1] by half the tile's width and height (values beyond are
    clamped) and use screen directions: dx grows to the right, dy grows DOWNWARDS. A cursor
    right of the centre pans right, a cursor above the centre (dy < 0) tilts up. Each axis has a
    dead zone of `dead_zone` around the centre, past which the speed rises linearly to 1.
    """
    if not 0.0 <= dead_zone < 1.0:
        raise ValueError("dead_zone must be within [0, 1)")
    return _axis_speed(dx, dead_zone), -_axis_speed(dy, dead_zone)


def _angle(offset: float, fov: float) -> float:
    """Degrees off the optical axis of a point `offset` in [-1, 1] of the half picture."""
    return math.degrees(math.atan(offset * math.tan(math.radians(fov) / 2.0)))


def _limit_delta(delta: float, current: float | None, low: float, high: float) -> float:
    if current is None:
        return delta
    return _clamp(current + delta, low, high) - current


def click_to_centre(
    x: float,
    y: float,
    zoom: float,
    caps: PtzCapabilities,
    *,
    position: PtzPosition | None = None,
) -> tuple[float, float]:
    """(dpan, dtilt) in degrees that bring the picture point (x, y) to the centre.

    `zoom` is the camera's current magnification. With `position` (the current one) the move is
    limited to the camera's pan and tilt ranges, so the hub never refuses it as out of range.
    """
    fov_h, fov_v = caps.fov_at(zoom)
    dpan = _angle(2.0 * _clamp(x, 0.0, 1.0) - 1.0, fov_h)
    dtilt = _angle(1.0 - 2.0 * _clamp(y, 0.0, 1.0), fov_v)
    if position is not None:
        dpan = _limit_delta(dpan, position.pan, caps.pan.min, caps.pan.max)
        dtilt = _limit_delta(dtilt, position.tilt, caps.tilt.min, caps.tilt.max)
    return dpan, dtilt


def area_zoom(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    zoom: float,
    caps: PtzCapabilities,
    *,
    position: PtzPosition | None = None,
) -> tuple[float, float, float]:
    """(dpan, dtilt, zoom_factor) that centre the rectangle and zoom until it fills the picture.

    The corners may come in any order. The rectangle fills the picture along its tighter side
    (all of it stays visible); the factor is limited so the resulting zoom stays within the
    camera's zoom range (a factor < 1 never happens for a rectangle inside the picture, except
    to bring an out-of-range current zoom back into range). A rectangle narrower than
    `MIN_AREA_SIDE` on both sides zooms in as far as the camera can; a UI treats such a tiny
    drag as a click. `position` limits pan and tilt as in `click_to_centre`.
    """
    left, right = sorted((_clamp(x0, 0.0, 1.0), _clamp(x1, 0.0, 1.0)))
    top, bottom = sorted((_clamp(y0, 0.0, 1.0), _clamp(y1, 0.0, 1.0)))
    dpan, dtilt = click_to_centre(
        (left + right) / 2.0, (top + bottom) / 2.0, zoom, caps, position=position
    )
    fov_h, fov_v = caps.fov_at(zoom)
    # Angular sizes: the picture is a pinhole projection, so equal widths near the edge span
    # smaller angles than near the centre.
    width = _angle(2.0 * right - 1.0, fov_h) - _angle(2.0 * left - 1.0, fov_h)
    height = _angle(1.0 - 2.0 * top, fov_v) - _angle(1.0 - 2.0 * bottom, fov_v)
    min_w = fov_h * MIN_AREA_SIDE
    min_h = fov_v * MIN_AREA_SIDE
    factor = min(fov_h / max(width, min_w), fov_v / max(height, min_h))
    current = zoom if zoom > 0 else caps.zoom.min
    target = caps.zoom.clamp(current * factor)
    return dpan, dtilt, target / current
