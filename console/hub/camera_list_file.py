"""The camera list file (docs/camera-list.md): the cameras of an `rtsp` source, as JSON.

Parsing only, shared by the "camera-list" driver (`console.hub.camera_list_driver`, which reads
the file) and `console.sources.camera_lists` (which the console and `tessera sources` use to
edit it): the hub layer cannot import `console.sources`, so the format lives here.

The file is written by people as much as by the console, so it is read like a hub's answer
(docs/hub-api.md "What the console does with what a hub sends"): entry by entry
(`tessera_wire.ItemReader`), an unreadable camera costs only itself (`models.Rejected`), names
are cleaned for display, ids must be clean. A URL is refused when it carries a user name or a
password (in its user part or a query such as `?password=`): passwords live in the keyring, under
`camera/<credentials>`, and the driver puts them into the URL in memory only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from console.base.redact import SECRET_QUERY_KEYS
from console.base.safe_text import clean_text, is_clean
from console.hub.errors import HubProtocolError
from console.hub.models import Rejected
from console.hub.tessera_wire import MAX_ID_CHARS, ItemReader, expect_object

KIND = "tessera.camera-list"
VERSION = 1
SCHEMES = ("rtsp", "rtsps", "http", "https")
# Sizes assumed for a stream whose size the list does not give (the wall picks the stream of
# a tile by size: the sub stream must look smaller than the main one).
DEFAULT_MAIN_SIZE = (1920, 1080)
DEFAULT_SUB_SIZE = (640, 360)
DEFAULT_FPS = 25.0
MAX_REF_CHARS = 200


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
    # The streams' picture sizes and frame rate when known (0: not known, defaults assumed).
    main_width: int = 0
    main_height: int = 0
    sub_width: int = 0
    sub_height: int = 0
    fps: float = 0.0

    @property
    def credential_key(self) -> str | None:
        return f"camera/{self.credentials}" if self.credentials else None

    def __post_init__(self) -> None:
        for url in (self.main_url, self.sub_url):
            if url:
                problem = url_problem(url)
                if problem:
                    raise ValueError(problem)


@dataclass(frozen=True)
class CameraListContent:
    """What a camera list file holds: the readable cameras and each unreadable entry."""

    cameras: tuple[ListedCamera, ...]
    rejected: tuple[Rejected, ...] = ()
    total: int = 0


class CameraListFormatError(ValueError):
    """The file as a whole is not a camera list (not JSON, another format, a newer version);
    the message is plain words."""


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a camera's stream URL, in plain words; None when it can."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "The stream address is not a valid URL."
    if parts.scheme.lower() not in SCHEMES or not host:
        return (
            "A stream address starts with rtsp://, rtsps://, http:// or https:// and names a host."
        )
    if "@" in parts.netloc:
        return (
            "Stream addresses are kept without user names or passwords: give the user name in "
            "its own field; the password goes to the system keyring."
        )
    if any(k.lower() in SECRET_QUERY_KEYS for k, _ in query):
        return (
            "The stream address carries a password or token in its query; Tessera keeps no "
            "passwords in files."
        )
    return None


def _s(obj: Mapping[str, Any], key: str, path: str) -> str:
    """An optional string field ("" when absent)."""
    value = obj.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise HubProtocolError(f"{path}.{key}: expected a string", field=f"{path}.{key}")
    return value


def _size(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = obj.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 16384:
        raise HubProtocolError(
            f"{path}.{key}: expected a size in pixels (0 to 16384)", field=f"{path}.{key}"
        )
    return value


def _url(obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> str:
    value = _s(obj, key, path).strip()
    if not value:
        if required:
            raise HubProtocolError(f"{path}.{key}: missing", field=f"{path}.{key}")
        return ""
    problem = url_problem(value)
    if problem:
        # The words say what is wrong; the value (which may hold a password) is never quoted.
        raise HubProtocolError(f"{path}.{key}: {problem}", field=f"{path}.{key}")
    return value


def parse_listed_camera(payload: object, path: str) -> ListedCamera:
    obj = expect_object(payload, path)
    camera_id = obj.get("id")
    if not isinstance(camera_id, str) or not camera_id:
        raise HubProtocolError(f"{path}.id: missing", field=f"{path}.id")
    if len(camera_id) > MAX_ID_CHARS or not is_clean(camera_id) or "/" in camera_id:
        raise HubProtocolError(
            f"{path}.id: must be at most {MAX_ID_CHARS} characters, without '/' or control "
            "characters",
            field=f"{path}.id",
        )
    credentials = _s(obj, "credentials", path)
    if len(credentials) > MAX_REF_CHARS or not is_clean(credentials):
        raise HubProtocolError(
            f"{path}.credentials: must be a short reference without control characters",
            field=f"{path}.credentials",
        )
    fps = obj.get("fps", 0)
    if fps is None:
        fps = 0
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 <= fps <= 1000:
        raise HubProtocolError(f"{path}.fps: expected a number (0 to 1000)", field=f"{path}.fps")
    return ListedCamera(
        id=camera_id,
        name=clean_text(_s(obj, "name", path)) or camera_id,
        main_url=_url(obj, "main_url", path, required=True),
        sub_url=_url(obj, "sub_url", path, required=False),
        group=clean_text(_s(obj, "group", path)),
        location=clean_text(_s(obj, "location", path)),
        vendor=clean_text(_s(obj, "vendor", path)),
        model=clean_text(_s(obj, "model", path)),
        username=_s(obj, "username", path),
        credentials=credentials,
        main_width=_size(obj, "main_width", path),
        main_height=_size(obj, "main_height", path),
        sub_width=_size(obj, "sub_width", path),
        sub_height=_size(obj, "sub_height", path),
        fps=float(fps),
    )


def parse_document(doc: object) -> CameraListContent:
    """A parsed camera list file. Raises CameraListFormatError when the file as a whole is
    not one; an unreadable camera costs only itself (in `rejected`)."""
    if not isinstance(doc, dict):
        raise CameraListFormatError("the file does not hold a JSON object")
    if doc.get("format") != KIND:
        raise CameraListFormatError(f'it is not a camera list (no "format": "{KIND}")')
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise CameraListFormatError('"version" is missing or not a number')
    if version > VERSION:
        raise CameraListFormatError(
            f"it was written by a newer Tessera (camera list version {version}; this one "
            f"reads {VERSION})"
        )
    entries = doc.get("cameras", [])
    if not isinstance(entries, list):
        raise CameraListFormatError('"cameras" must be a list')
    reader = ItemReader(entries, "cameras", parse_listed_camera, key=lambda c: c.id).read()
    return CameraListContent(tuple(reader.items), tuple(reader.rejected), reader.total)


def parse_bytes(raw: bytes) -> CameraListContent:
    """`parse_document` of a file's bytes; CameraListFormatError for text that is not JSON."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CameraListFormatError("it is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise CameraListFormatError(
            f"it is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    return parse_document(doc)


def camera_to_json(camera: ListedCamera) -> dict[str, Any]:
    """One camera as the file holds it (fields at their default are left out)."""
    out: dict[str, Any] = {"id": camera.id, "name": camera.name, "main_url": camera.main_url}
    optional: dict[str, Any] = {
        "sub_url": camera.sub_url,
        "group": camera.group,
        "location": camera.location,
        "vendor": camera.vendor,
        "model": camera.model,
        "username": camera.username,
        "credentials": camera.credentials,
        "main_width": camera.main_width,
        "main_height": camera.main_height,
        "sub_width": camera.sub_width,
        "sub_height": camera.sub_height,
        "fps": camera.fps,
    }
    out.update({k: v for k, v in optional.items() if v})
    return out
