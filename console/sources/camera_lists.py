"""Camera list files: the cameras of an `rtsp` source, one JSON file each, written by the
console (Sources dialog, `tessera sources add rtsp`) and editable by hand. The format is
docs/camera-list.md; its parser lives in the hub layer (`console.hub.camera_list_file`, which
the "camera-list" driver reads it with) and is re-used here, so both read a file alike.

A listed camera names its credentials by reference (`credentials`, a keyring entry
`camera/<ref>` under service `tessera`), never by value; its URLs carry no password.

Blocking (file I/O): call these from an executor, not the GUI thread.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from console.base.jsonfile import LoadResult, keep_copy, save_versioned
from console.hub.camera_list_file import (
    KIND,
    VERSION,
    CameraListContent,
    CameraListFormatError,
    ListedCamera,
    camera_to_json,
    parse_bytes,
    url_problem,
)
from console.hub.models import Rejected

log = logging.getLogger(__name__)

__all__ = [
    "ListedCamera",
    "camera_list_dir",
    "load_camera_list",
    "read_camera_list",
    "save_camera_list",
    "url_problem",
]


def camera_list_dir(config: Path) -> Path:
    """Where the console keeps the camera lists it writes (`<config dir>/camera-lists`)."""
    return config / "camera-lists"


def read_camera_list(path: Path) -> tuple[CameraListContent, str | None, Path | None]:
    """The file's cameras and unreadable entries (`rejected`), a plain-words problem, and the
    kept copy of a damaged file. A missing file is an empty list, quietly."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CameraListContent(()), None, None
    except OSError as e:
        return CameraListContent(()), f"{path} could not be read ({e.strerror}).", None
    try:
        content = parse_bytes(raw)
    except CameraListFormatError as e:
        kept = keep_copy(path)
        where = f"kept as {kept}" if kept else "left untouched"
        log.warning("damaged camera list %s: %s (%s)", path, e, where)
        return (
            CameraListContent(()),
            f"{path.name} is damaged: {e}. No camera of it is shown; your file was {where}.",
            kept,
        )
    problem = None
    if content.rejected:
        problem = _rejected_problem(path, content.rejected)
    return content, problem, None


def _rejected_problem(path: Path, rejected: tuple[Rejected, ...]) -> str:
    shown = "; ".join(r.describe() for r in rejected[:5])
    more = f" and {len(rejected) - 5} more" if len(rejected) > 5 else ""
    return (
        f"{len(rejected)} camera(s) of {path.name} cannot be read and are left out: "
        f"{shown}{more}. They stay in the file until it is corrected."
    )


def load_camera_list(path: Path) -> LoadResult[list[ListedCamera]]:
    """The cameras in `path` (an empty list for a missing file); a damaged file is kept and
    reported in `problem`, and so are unreadable entries (which saving keeps in the file)."""
    content, problem, kept = read_camera_list(path)
    return LoadResult(list(content.cameras), problem, kept)


def save_camera_list(path: Path, cameras: list[ListedCamera]) -> None:
    """Write the list atomically. Raises OSError, or ValueError for a URL with a password.

    Entries of the file on disk that could not be read (a hand edit gone wrong) are kept as
    they are, after the cameras, so saving from the console never loses them; a file on disk
    that is not a camera list at all is kept as a copy first."""
    ids: set[str] = set()
    for cam in cameras:
        for url in (cam.main_url, cam.sub_url):
            problem = url_problem(url) if url else None
            if problem:
                raise ValueError(problem)
        if cam.id in ids:
            raise ValueError(f"Two cameras have the id {cam.id}; each needs its own.")
        ids.add(cam.id)
    entries: list[Any] = [camera_to_json(c) for c in cameras]
    entries.extend(_unreadable_entries(path, ids))
    save_versioned(path, KIND, VERSION, {"cameras": entries})


def _unreadable_entries(path: Path, saved_ids: set[str]) -> list[Any]:
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    try:
        content = parse_bytes(raw)
        doc = json.loads(raw.decode("utf-8"))
    except (CameraListFormatError, UnicodeDecodeError, ValueError):
        kept = keep_copy(path)
        log.warning("camera list %s replaced; the old file was kept as %s", path, kept)
        return []
    old = doc.get("cameras", [])
    keep: list[Any] = []
    for r in content.rejected:
        if r.item_id is not None and r.item_id in saved_ids:
            continue  # the console saves a readable camera of that id now
        if 0 <= r.position < len(old):
            keep.append(old[r.position])
    return keep
