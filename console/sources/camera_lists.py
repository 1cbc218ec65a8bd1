"""Camera list files: the cameras of an `rtsp` source, one JSON file each, written by the
console (Sources dialog, `tessera sources add rtsp`) and editable by hand. STUB: the signatures
are fixed, a helper fills in the bodies and the format (docs/camera-list.md).

A listed camera names its credentials by reference (`credentials`, a keyring entry
`camera/<ref>` under service `tessera`), never by value; its URLs carry no password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.base.jsonfile import LoadResult


@dataclass(frozen=True)
class ListedCamera:
    id: str
    name: str
    main_url: str  # rtsp://, http(s):// (MJPEG, MPEG-TS, HLS); no user or password in it
    sub_url: str = ""  # a smaller stream of the same camera, if it has one
    group: str = ""
    location: str = ""
    vendor: str = ""
    model: str = ""
    username: str = ""
    credentials: str = ""  # keyring reference: the password is under `camera/<credentials>`

    @property
    def credential_key(self) -> str | None:
        return f"camera/{self.credentials}" if self.credentials else None


def load_camera_list(path: Path) -> LoadResult[list[ListedCamera]]:
    """The cameras in `path` (an empty list for a missing file); a damaged file is kept and
    reported in `problem`."""
    raise NotImplementedError


def save_camera_list(path: Path, cameras: list[ListedCamera]) -> None:
    """Write the list atomically. Raises OSError, or ValueError for a URL with a password."""
    raise NotImplementedError
