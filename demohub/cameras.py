"""The demo hub's camera catalogue: ten public synthetic cameras, four private ones (a resident's
doorbell, a shop, a garage, a farm gate) and their two stream profiles.

cam-08, "Rooftop PTZ", can be steered (pan, tilt, zoom; see `demohub/ptz.py`). Every other
camera can be recorded (`demohub/recordings.py`); a PTZ camera cannot, since its picture
depends on a steering history the hub does not keep.

A private camera carries `sharing`: its owner and how much the owner shares (the tiers of
`SHARING_TIERS`, enforced by the hub, see `demohub/consent.py`). Private cameras come after the
public ones, so a wall filled in camera order shows the public ones first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from demohub.ptz import DEFAULT_LOCK_IDLE_S, DEMO_PTZ, PtzHead
from demohub.scenes import Scene, scene_for

__all__ = [
    "CAMERAS",
    "FPS",
    "PRIVATE_CAMERAS",
    "PROFILES",
    "PUBLIC_CAMERAS",
    "SHARING_TIERS",
    "CameraSpec",
    "Profile",
    "Sharing",
    "catalogue",
]

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


# How much the owner of a private camera shares (docs/hub-api.md "Private cameras"):
# live: live video at all times; on_request: video only under a granted access request;
# recordings_only: recordings, never live; registry_only: where it is, no video at all.
SHARING_TIERS = ("live", "on_request", "recordings_only", "registry_only")


@dataclass(frozen=True)
class Sharing:
    """A private camera's owner and sharing tier (one of SHARING_TIERS)."""

    tier: str
    owner: str

    def __post_init__(self) -> None:
        if self.tier not in SHARING_TIERS:
            raise ValueError(f"unknown sharing tier {self.tier!r}")

    def to_json(self) -> dict[str, Any]:
        return {"tier": self.tier, "owner": self.owner}


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
    sharing: Sharing | None = None  # None: a public camera

    @property
    def tier(self) -> str:
        """The sharing tier; "public" for a camera without an owner."""
        return "public" if self.sharing is None else self.sharing.tier

    def make_scene(self, head: PtzHead | None = None) -> Scene:
        """The camera's scene; a PTZ camera's follows `head` (its home view without one)."""
        return scene_for(self.scene, self.name, head)

    @property
    def recordable(self) -> bool:
        """Whether the hub can play this camera back from the past (not a PTZ camera, nor
        one whose owner shares no video)."""
        return not self.ptz and self.tier != "registry_only"

    def to_json(
        self, lock_idle_s: float = DEFAULT_LOCK_IDLE_S, *, recorded: bool = False
    ) -> dict[str, Any]:
        """The Camera object; a PTZ camera's has "ptz" in its capabilities and a `ptz` object,
        a `recorded` one "recordings"."""
        capabilities = [] if self.tier in ("recordings_only", "registry_only") else ["live"]
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
        if self.sharing is not None:
            camera["sharing"] = self.sharing.to_json()
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
    CameraSpec(
        "doorbell-14",
        "Doorbell, 14 Elm Road",
        "Private",
        "14 Elm Road, front door",
        "entrance",
        "DB-200",
        "Synthetic Doorbells",
        sharing=Sharing("on_request", "Resident of 14 Elm Road"),
    ),
    CameraSpec(
        "shop-corner",
        "Corner Shop Till",
        "Private",
        "Corner Shop, 2 High Street",
        "lobby",
        "SHOP-1",
        sharing=Sharing("live", "Corner Shop Ltd"),
    ),
    CameraSpec(
        "garage-mill",
        "Mill Lane Garage Forecourt",
        "Private",
        "Mill Lane Garage",
        "car_park",
        sharing=Sharing("recordings_only", "Mill Lane Garage"),
    ),
    CameraSpec(
        "farm-gate",
        "Ashby Farm Gate",
        "Private",
        "Ashby Farm, north gate on the B4120",
        "perimeter",
        sharing=Sharing("registry_only", "Ashby Farm"),
    ),
)
PUBLIC_CAMERAS = tuple(c for c in CAMERAS if c.sharing is None)
PRIVATE_CAMERAS = tuple(c for c in CAMERAS if c.sharing is not None)


def catalogue(count: int = len(PUBLIC_CAMERAS), *, private: bool = False) -> tuple[CameraSpec, ...]:
    """`count` public cameras: the ten above, then more of the same scenes under their own names
    and ids (for walls of 16 tiles and more, where a camera may appear only once); then, with
    `private`, the private cameras (their ids are not `cam-NN`, so they never take the place of
    a public camera a wall or a bench asks for by number)."""
    if count < 1:
        raise ValueError("the demo hub needs at least one camera")
    public = len(PUBLIC_CAMERAS)
    specs = list(PUBLIC_CAMERAS[:count])
    for n in range(public + 1, count + 1):
        base = PUBLIC_CAMERAS[(n - 1) % public]
        copy = (n - 1) // public + 1
        specs.append(replace(base, id=f"cam-{n:02d}", name=f"{base.name} ({copy})"))
    if private:
        specs.extend(PRIVATE_CAMERAS)
    return tuple(specs)
