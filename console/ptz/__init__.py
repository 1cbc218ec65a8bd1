"""PTZ in the console, without Qt: the control chain of one camera and the picture geometry.

`PtzControl` turns input samples (joystick, mouse drag, keys) into coalesced, ordered hub
commands with a dead-man; `geometry` turns clicks and drags on a picture into speeds and
relative moves. The widgets build on these.
"""

from console.ptz.control import PtzControl, SeqCounter, clamp_speed, next_seq
from console.ptz.geometry import area_zoom, click_to_centre, drag_velocity

__all__ = [
    "PtzControl",
    "SeqCounter",
    "area_zoom",
    "clamp_speed",
    "click_to_centre",
    "drag_velocity",
    "next_seq",
]
