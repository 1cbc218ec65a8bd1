"""A configured source of cameras, as kept in `settings.json` ("sources").

A source is one hub the console talks to: the embedded demo hub, a Tessera hub, one ONVIF
camera, or a list of RTSP/HTTP cameras. Its password is never part of it: it lives in the OS
keyring under `credential_key` (see `console.sources.credentials`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# A camera of a source is `source/camera` once the console shows several sources: source
# names hold no "/", so the first "/" splits them.
CAMERA_SEPARATOR = "/"


class SourceKind(str, Enum):
    DEMO = "demo"  # the embedded demo hub, started by the console
    TESSERA = "tessera"  # a hub speaking Tessera's API (docs/hub-api.md), by URL
    ONVIF = "onvif"  # one ONVIF camera (device service at http://host:port)
    RTSP = "rtsp"  # a camera list: a JSON file of RTSP and HTTP cameras

    @property
    def driver(self) -> str:
        """The hub driver (`console.hub.registry`) that talks to this kind of source."""
        return {
            SourceKind.DEMO: "tessera",
            SourceKind.TESSERA: "tessera",
            SourceKind.ONVIF: "onvif",
            SourceKind.RTSP: "camera-list",
        }[self]

    @property
    def kind_name(self) -> str:
        return {
            SourceKind.DEMO: "Demo hub",
            SourceKind.TESSERA: "Tessera hub",
            SourceKind.ONVIF: "ONVIF camera",
            SourceKind.RTSP: "RTSP camera list",
        }[self]


class SourceError(ValueError):
    """A source that cannot be used as configured; the message is plain words for the UI."""


@dataclass(frozen=True)
class SourceConfig:
    """One configured source.

    `url`: the hub's URL (tessera), the device service `http://host:port` (onvif), the camera
    list file's path (rtsp), empty for the demo hub. `username` is not secret and may be empty;
    the password, if any, is in the keyring under `credential_key`.
    """

    name: str
    kind: SourceKind
    url: str = ""
    username: str = ""
    label: str = ""  # shown in the camera tree; the name when empty
    enabled: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            raise SourceError(
                "A source name is 1 to 32 letters, digits, '-' or '_', starting with a letter "
                "or digit."
            )
        if not isinstance(self.kind, SourceKind):
            raise SourceError(f"Unknown kind of source: {self.kind!r}.")
        if self.kind is not SourceKind.DEMO and not self.url.strip():
            raise SourceError(f"The source {self.name} needs an address.")
        if self.url and self.kind is not SourceKind.RTSP and "@" in urlsplit(self.url).netloc:
            raise SourceError(
                "Addresses are kept without user names or passwords: give the user name on "
                "its own; the password goes to the system keyring."
            )

    @property
    def credential_key(self) -> str:
        """The keyring entry of this source's password (service `tessera`)."""
        return f"source/{self.name}"

    @property
    def display_name(self) -> str:
        return self.label or self.name


def qualify(source: str, camera_id: str) -> str:
    """The console-wide id of a source's camera."""
    return f"{source}{CAMERA_SEPARATOR}{camera_id}"


def split_camera_id(camera_id: str) -> tuple[str | None, str]:
    """(source, the source's own camera id); source None for an id without one."""
    source, sep, rest = camera_id.partition(CAMERA_SEPARATOR)
    if sep and NAME_PATTERN.match(source):
        return source, rest
    return None, camera_id
