"""The demo hub's PTZ camera as the console reads it (docs/hub-api.md "PTZ"), for tests of PTZ
geometry that need no hub."""

from __future__ import annotations

from console.hub.models import PtzCapabilities, PtzRange

DEMO_PTZ_CAPS = PtzCapabilities(
    continuous=True,
    absolute=True,
    relative=True,
    presets=True,
    home=True,
    tours=True,
    pan=PtzRange(-170.0, 170.0),
    tilt=PtzRange(-30.0, 30.0),
    zoom=PtzRange(1.0, 8.0),
    fov_h=60.0,
    fov_v=33.75,
    lock_idle_s=5.0,
)
