"""Pure joystick mapping: raw axes to pan, tilt and zoom speeds, buttons to console actions.

Sign conventions of the output, each in [-1, 1]: pan > 0 turns right, tilt > 0 tilts up,
zoom > 0 zooms in (tele). SDL reports a stick pushed forward as a negative Y, so the default
profile inverts tilt: pushing forward tilts up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

PRESET_ACTIONS: tuple[str, ...] = tuple(f"preset:{n}" for n in range(1, 10))
ACTIONS: tuple[str, ...] = (
    *PRESET_ACTIONS,
    "next_camera",
    "previous_camera",
    "next_tile",
    "home",
    "stop",
)
"""Every action a button can carry: recall preset 1..9 of the selected camera, select the
next or previous camera, move the selection to the next wall tile, send the camera home, stop it."""

DEFAULT_DEAD_ZONE = 0.15
DEFAULT_EXPONENT = 2.0
DEAD_ZONE_MAX = 0.9
EXPONENT_MIN = 0.25
EXPONENT_MAX = 5.0
TRIGGER_REST = 0.5
"""An axis that rests at or beyond this far from centre is a trigger or throttle (see `apply`)."""

DEFAULT_BUTTONS: Mapping[int, str] = {
    0: "stop",
    1: "home",
    2: "previous_camera",
    3: "next_camera",
    4: "next_tile",
    **{5 + i: action for i, action in enumerate(PRESET_ACTIONS)},  # buttons 5..13
}


def shape_axis(raw: float, dead_zone: float, exponent: float) -> float:
    """Dead zone and response curve for one axis.

    `raw` is clamped to [-1, 1]. Inside the dead zone the result is 0; outside it the deflection
    is rescaled so that it starts at 0 at the dead-zone edge and reaches 1 at full deflection,
    then raised to `exponent` (2 gives fine control near centre), keeping the sign.
    """
    if math.isnan(raw):
        return 0.0
    magnitude = min(abs(raw), 1.0)
    if magnitude <= dead_zone or dead_zone >= 1.0:
        return 0.0
    scaled = (magnitude - dead_zone) / (1.0 - dead_zone)
    shaped = min(scaled**exponent, 1.0)
    return math.copysign(shaped, raw)


def _check_axis(name: str, value: int | None) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be an axis number (0 or more) or null")


@dataclass(frozen=True)
class JoystickProfile:
    """How one device (by SDL GUID) drives PTZ. Constructing one validates it (ValueError)."""

    key: str = ""  # the SDL GUID string of the device
    name: str = ""  # the device's name as SDL reports it, for people reading the file
    pan_axis: int | None = 0
    tilt_axis: int | None = 1
    zoom_axis: int | None = 2
    zoom_out_axis: int | None = None  # set for two triggers: zoom = zoom axis - zoom-out axis
    invert_pan: bool = False
    invert_tilt: bool = True
    invert_zoom: bool = False
    dead_zone: float = DEFAULT_DEAD_ZONE
    exponent: float = DEFAULT_EXPONENT
    buttons: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_BUTTONS))

    def __post_init__(self) -> None:
        for name in ("pan_axis", "tilt_axis", "zoom_axis", "zoom_out_axis"):
            _check_axis(name, getattr(self, name))
        for name in ("invert_pan", "invert_tilt", "invert_zoom"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        if not _is_number(self.dead_zone) or not 0.0 <= self.dead_zone <= DEAD_ZONE_MAX:
            raise ValueError(f"dead_zone must be a number from 0 to {DEAD_ZONE_MAX}")
        if not _is_number(self.exponent) or not EXPONENT_MIN <= self.exponent <= EXPONENT_MAX:
            raise ValueError(f"exponent must be a number from {EXPONENT_MIN} to {EXPONENT_MAX}")
        buttons = dict(self.buttons)  # a private copy: the caller's dict may change later
        for index, action in buttons.items():
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise ValueError(f"button {index!r} is not a button number (0 or more)")
            if action not in ACTIONS:
                raise ValueError(
                    f'button {index}: "{action}" is not an action (use one of {", ".join(ACTIONS)})'
                )
        object.__setattr__(self, "buttons", buttons)

    def for_device(self, key: str, name: str) -> JoystickProfile:
        return replace(self, key=key, name=name)

    def action_for(self, button: int) -> str | None:
        return self.buttons.get(button)


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def default_profile(key: str = "", name: str = "") -> JoystickProfile:
    """The profile of a device that has none saved: fits most gamepads and joysticks.

    Axis 0 pans, axis 1 tilts (inverted: forward is up), axis 2 zooms (a twist grip, a throttle
    or a gamepad's right stick or trigger, whichever the device reports third; a trigger zooms in
    only, see `apply`). Buttons 0..4: stop, home, previous camera, next camera, next tile;
    buttons 5..13: presets 1..9.
    """
    return JoystickProfile(key=key, name=name)


def centred(raw: float, rest: float | None) -> float:
    """`raw` measured from where the axis rests.

    A centred axis (|rest| < 0.5) is returned as it is. A trigger or throttle that rests at one
    end gives 0 at rest and 1 at the other end, so it never drives a camera while untouched. An
    unknown rest (SDL has not reported the axis yet) gives 0: better still than moving.
    """
    if rest is None:
        return 0.0
    if rest <= -TRIGGER_REST:
        return max(0.0, min((raw - rest) / (1.0 - rest), 1.0))
    if rest >= TRIGGER_REST:
        return max(0.0, min((rest - raw) / (1.0 + rest), 1.0))
    return raw


def _axis(
    raw_axes: Sequence[float], rest: Sequence[float | None] | None, index: int | None
) -> float:
    if index is None or index >= len(raw_axes):
        return 0.0
    if rest is None:
        return raw_axes[index]
    return centred(raw_axes[index], rest[index] if index < len(rest) else None)


def apply(
    profile: JoystickProfile,
    raw_axes: Sequence[float],
    rest: Sequence[float | None] | None = None,
) -> tuple[float, float, float]:
    """(pan, tilt, zoom), each in [-1, 1], from raw axis values in [-1, 1].

    `rest` gives where each axis rested when the device appeared (None where not known yet);
    leave it out to treat every axis as centred. Unmapped or missing axes give 0.
    """

    def shaped(value: float, invert: bool) -> float:
        out = shape_axis(-value if invert else value, profile.dead_zone, profile.exponent)
        return out + 0.0  # no negative zero

    pan = shaped(_axis(raw_axes, rest, profile.pan_axis), profile.invert_pan)
    tilt = shaped(_axis(raw_axes, rest, profile.tilt_axis), profile.invert_tilt)
    zoom_in = _axis(raw_axes, rest, profile.zoom_axis)
    zoom_out = _axis(raw_axes, rest, profile.zoom_out_axis)
    zoom = shaped(max(-1.0, min(zoom_in - zoom_out, 1.0)), profile.invert_zoom)
    return pan, tilt, zoom
