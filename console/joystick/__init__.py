"""USB joystick and gamepad input for PTZ, through SDL 2, without Qt (see README.md)."""

from console.joystick.mapping import (
    ACTIONS,
    JoystickProfile,
    apply,
    default_profile,
    shape_axis,
)
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInfo, JoystickInput
from console.joystick.virtual import VirtualJoystick

__all__ = [
    "ACTIONS",
    "JoystickInfo",
    "JoystickInput",
    "JoystickProfile",
    "JoystickProfiles",
    "VirtualJoystick",
    "apply",
    "default_profile",
    "shape_axis",
]
