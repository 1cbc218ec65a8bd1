"""The demo hub's camera catalogue: ten synthetic cameras and their two stream profiles.

cam-08, "Rooftop PTZ", can be steered (pan, tilt, zoom; see `demohub/ptz.py`). Every other
camera can be recorded (`demohub/recordings.py`); a PTZ camera cannot, since its picture
depends on a steering history the hub does not keep.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from demohub.ptz import DEFAULT_LOCK_IDLE_S, DEMO_PTZ, PtzHead
from demohub.scenes import Scene, scene_for

__all__ = ["CAMERAS", "FPS", "PROFILES", "CameraSpec", "Profile", "catalogue"]

FPS = 15


@dataclass(frozen=True)
class Profile:
    name: str
    width: int
    height: int
    fps: int = FPS
    codec: str = "h264"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "codec": self.codec,
        }


PROFILES: dict[str, Profile] = {
    "main": Profile("main", 1280, 720),
    "sub": Profile("sub", 640, 360),
}


@dataclass(frozen=True)
class CameraSpec:
    id: str
    name: str
    group: str
    location: str
    scene: str
    model: str = "SYN-720"
    vendor: str = "Tessera Synthetic"
    firmware: str = "1.0.0"
    ptz: bool = False  # steerable, with the demo PTZ head (`DEMO_PTZ`)

    def make_scene(self, head: PtzHead | None = None) -> Scene:
        """The camera's scene; a PTZ camera's follows `head` (its home view without one)."""
        return scene_for(self.scene, self.name, head)

    @property
    def recordable(self) -> bool:
        """Whether the hub can play this camera back from the past (not a PTZ camera)."""
        return not self.ptz

    def to_json(
        self, lock_idle_s: float = DEFAULT_LOCK_IDLE_S, *, recorded: bool = False
    ) -> dict[str, Any]:
        """The Camera object; a PTZ camera's has "ptz" in its capabilities and a `ptz` object,
        a `recorded` one "recordings"."""
        capabilities = ["live"]
        if self.ptz:
            capabilities.append("ptz")
        if recorded:
            capabilities.append("recordings")
        camera: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "location": self.location,
            "vendor": self.vendor,
            "model": self.model,
            "firmware": self.firmware,
            "capabilities": capabilities,
            "profiles": [p.to_json() for p in PROFILES.values()],
        }
        if self.ptz:
            camera["ptz"] = DEMO_PTZ.to_json(lock_idle_s)
        return camera


CAMERAS: tuple[CameraSpec, ...] = (
    CameraSpec("cam-01", "Main Street", "Outdoor", "North gate", "street"),
    CameraSpec("cam-02", "Car Park Level 2", "Outdoor", "Car park", "car_park"),
    CameraSpec("cam-03", "Reception Entrance", "Indoor", "Main building", "entrance"),
    CameraSpec("cam-04", "East Corridor", "Indoor", "Main building, floor 1", "corridor"),
    CameraSpec("cam-05", "Loading Dock", "Outdoor", "Rear yard", "loading_dock"),
    CameraSpec("cam-06", "Lobby", "Indoor", "Main building", "lobby"),
    CameraSpec(
        "cam-07",
        "Perimeter Fence West",
        "Outdoor",
        "West boundary",
        "perimeter",
        "DS-2CD2143G2-I",
        "Hikvision",
        "V5.7.3 build 220112",
    ),
    CameraSpec(
        "cam-08", "Rooftop PTZ", "Outdoor", "Main building roof", "harbour", "SYN-PTZ8", ptz=True
    ),
    CameraSpec("cam-09", "Platform 2", "Transit", "Central station", "platform"),
    CameraSpec("cam-10", "Warehouse Aisle 4", "Indoor", "Warehouse", "warehouse"),
)


def catalogue(count: int = len(CAMERAS)) -> tuple[CameraSpec, ...]:
    """`count` cameras: the ten above, then more of the same scenes under their own names and ids
    (for walls of 16 tiles and more, where a camera may appear only once)."""
    if count < 1:
        raise ValueError("the demo hub needs at least one camera")
    specs = list(CAMERAS[:count])
    for n in range(len(CAMERAS) + 1, count + 1):
        base = CAMERAS[(n - 1) % len(CAMERAS)]
        copy = (n - 1) // len(CAMERAS) + 1
        specs.append(replace(base, id=f"cam-{n:02d}", name=f"{base.name} ({copy})"))
    return tuple(specs)
