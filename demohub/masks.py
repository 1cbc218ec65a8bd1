"""The demo hub's privacy masks: per-camera polygons, and time-limited lifts per session.

Masks are kept in `masks.json` in the state folder (written whole and atomically before the
answer to a change leaves, so a restart, even SIGKILL, loses none); without a state folder they
live in memory. A camera nobody has set masks on has the demo's default masks (`DEFAULT_MASKS`:
cam-03 "Reception Entrance" ships with a solid mask over the reception desk and a blurred one
over the notice board), so the README's first command shows masks at once; a supervisor who
clears them saves an empty list, which is then kept as such.

A lift (`POST .../masks/lift`) is granted to one session only, for a limited time
(`DEFAULT_LIFT_MINUTES`, at most `MAX_LIFT_MINUTES`), and is not kept across restarts: after a
restart every camera is masked again, the safe side. The hub draws no masks into its streams
(the console draws them into every picture); a real hub could mask at the source as well.

Loop thread only. Bodies are untrusted: checked by the rules of
`console.privacy.masks.parse_masks` (restated here: the demo hub may import only console.base),
but strictly: a bad mask is a 400 naming it, never silently dropped.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.base.jsonfile import FileFormatError, LoadResult, load_versioned, save_versioned

__all__ = [
    "DEFAULT_LIFT_MINUTES",
    "DEFAULT_MASKS",
    "MAX_LIFT_MINUTES",
    "MaskBook",
    "MaskError",
    "MaskLift",
    "parse_lift_body",
    "parse_masks_body",
]

MASKS_KIND = "tessera-demohub-masks"
MASKS_VERSION = 1
MASKS_FILE = "masks.json"
MAX_MASKS = 32
MAX_POINTS = 64
MAX_ID_CHARS = 64
MAX_LABEL_CHARS = 120
MAX_BODY_BYTES = 64 * 1024
MAX_REASON_CHARS = 500
MAX_CASE_CHARS = 100
STYLES = ("solid", "blur")
DEFAULT_LIFT_MINUTES = 5
MAX_LIFT_MINUTES = 30

# The demo's masks, shown until a supervisor changes them.
DEFAULT_MASKS: dict[str, list[dict[str, Any]]] = {
    "cam-03": [
        {
            "id": "reception-desk",
            "points": [[0.05, 0.55], [0.45, 0.55], [0.45, 0.95], [0.05, 0.95]],
            "style": "solid",
            "label": "Reception desk screens",
        },
        {
            "id": "notice-board",
            "points": [[0.62, 0.08], [0.92, 0.08], [0.92, 0.38], [0.62, 0.38]],
            "style": "blur",
            "label": "Staff notice board",
        },
    ]
}


class MaskError(Exception):
    """A request the masks API refuses: `code` (bad_request, ...) and plain words."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _text(value: object, limit: int) -> str:
    return "".join(ch for ch in value if ch.isprintable())[:limit] if isinstance(value, str) else ""


def _point(value: object, where: str) -> list[float]:
    if not isinstance(value, list) or len(value) != 2:
        raise MaskError("bad_request", f"{where} must be [x, y]")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise MaskError("bad_request", f"{where} must be two finite numbers")
        if not -0.01 <= v <= 1.01:
            raise MaskError("bad_request", f"{where} must lie in the picture (0 to 1)")
        out.append(round(min(1.0, max(0.0, float(v))), 5))
    return out


# An anchor's bounds: wide enough for any PTZ head (pan may be given as -360..360), tight enough
# that a client's projection never meets an infinity.
ANCHOR_BOUNDS = {"pan": (-360.0, 360.0), "tilt": (-90.0, 90.0), "zoom": (0.01, 1000.0)}


def _anchor(value: object, where: str) -> dict[str, float]:
    """A mask's PTZ anchor: the head's position when its polygon was drawn."""
    if not isinstance(value, dict) or set(value) != set(ANCHOR_BOUNDS):
        raise MaskError("bad_request", f"{where} must be {{pan, tilt, zoom}}")
    out = {}
    for axis, (low, high) in ANCHOR_BOUNDS.items():
        v = value[axis]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise MaskError("bad_request", f"{where}.{axis} must be a finite number")
        if not low <= v <= high:
            raise MaskError("bad_request", f"{where}.{axis} must lie in {low:g} to {high:g}")
        out[axis] = round(float(v), 4)
    return out


def parse_masks_body(raw: bytes) -> list[dict[str, Any]]:
    """`{"masks": [{id?, points: [[x, y], ...], style?, label?, anchor?}, ...]}` -> the masks
    as kept. `anchor` (PTZ cameras): the position the polygon was drawn at, kept as given."""
    if len(raw) > MAX_BODY_BYTES:
        raise MaskError("bad_request", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        doc = json.loads(raw or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MaskError("bad_request", "the body is not valid JSON") from None
    if not isinstance(doc, dict) or set(doc) - {"masks"} or not isinstance(doc.get("masks"), list):
        raise MaskError("bad_request", 'the body must be {"masks": [...]}')
    items = doc["masks"]
    if len(items) > MAX_MASKS:
        raise MaskError("bad_request", f"a camera has at most {MAX_MASKS} masks")
    masks: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        where = f"masks[{n - 1}]"
        if not isinstance(item, dict):
            raise MaskError("bad_request", f"{where} must be an object")
        unknown = set(item) - {"id", "points", "style", "label", "anchor"}
        if unknown:
            raise MaskError("bad_request", f"{where} has an unknown field {sorted(unknown)[0]!r}")
        points = item.get("points")
        if not isinstance(points, list) or not 3 <= len(points) <= MAX_POINTS:
            raise MaskError("bad_request", f"{where}.points must be 3 to {MAX_POINTS} points")
        style = item.get("style", "solid")
        if style not in STYLES:
            raise MaskError("bad_request", f"{where}.style must be solid or blur")
        mask_id = _text(item.get("id"), MAX_ID_CHARS) or f"mask-{n}"
        if mask_id in seen:
            raise MaskError("bad_request", f"{where}.id {mask_id!r} is used twice")
        seen.add(mask_id)
        mask: dict[str, Any] = {
            "id": mask_id,
            "points": [_point(p, f"{where}.points[{i}]") for i, p in enumerate(points)],
            "style": style,
            "label": _text(item.get("label", ""), MAX_LABEL_CHARS),
        }
        if item.get("anchor") is not None:
            mask["anchor"] = _anchor(item["anchor"], f"{where}.anchor")
        masks.append(mask)
    return masks


@dataclass(frozen=True)
class LiftRequest:
    reason: str
    case: str
    minutes: float


def parse_lift_body(raw: bytes) -> LiftRequest:
    """`{reason, case?, minutes?}`: a reason is always needed (lifting a privacy mask is never
    routine), minutes 1 to MAX_LIFT_MINUTES (default DEFAULT_LIFT_MINUTES)."""
    if len(raw) > MAX_BODY_BYTES:
        raise MaskError("bad_request", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        doc = json.loads(raw or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MaskError("bad_request", "the body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise MaskError("bad_request", "the body must be a JSON object")
    unknown = set(doc) - {"reason", "case", "minutes"}
    if unknown:
        raise MaskError("bad_request", f"unknown field {sorted(unknown)[0]!r}")
    reason = _text(doc.get("reason"), MAX_REASON_CHARS).strip()
    if not reason:
        raise MaskError("reason_required", "Lifting privacy masks needs a reason.")
    minutes = doc.get("minutes", DEFAULT_LIFT_MINUTES)
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, (int, float))
        or not math.isfinite(minutes)
        or not 0 < minutes <= MAX_LIFT_MINUTES
    ):
        raise MaskError(
            "bad_request", f"minutes must be a number above 0 and at most {MAX_LIFT_MINUTES}"
        )
    return LiftRequest(reason, _text(doc.get("case", ""), MAX_CASE_CHARS).strip(), float(minutes))


@dataclass(frozen=True)
class MaskLift:
    """Masks of `camera_id` lifted for one session until `until` (Unix time)."""

    camera_id: str
    session_id: str
    user: str
    until: float
    reason: str
    case: str


def _parse_file(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    cameras = doc.get("cameras")
    if not isinstance(cameras, dict):
        raise FileFormatError('masks: "cameras" is missing or not an object')
    out: dict[str, list[dict[str, Any]]] = {}
    for camera_id, masks in cameras.items():
        try:
            out[camera_id] = parse_masks_body(json.dumps({"masks": masks}).encode())
        except MaskError as exc:
            raise FileFormatError(f"masks of {camera_id}: {exc.message}") from None
    return out


class MaskBook:
    """Every camera's masks, and the lifts in force. `path`: where they are kept (None: in
    memory only)."""

    def __init__(
        self,
        path: Path | None,
        clock: Callable[[], float] = time.time,
        *,
        defaults: Mapping[str, list[dict[str, Any]]] = DEFAULT_MASKS,
    ) -> None:
        self.path = path
        self._clock = clock
        self._defaults = defaults  # a camera nobody has set masks on has these
        self._masks: dict[str, list[dict[str, Any]]] = {}
        self._lifts: dict[tuple[str, str], MaskLift] = {}  # (camera, session id) -> lift

    # -- kept masks ----------------------------------------------------------------------------
    def load(self) -> str | None:
        """Read the kept masks (blocking file I/O); the problem in plain words, else None. A
        damaged file is kept beside it and the defaults apply."""
        if self.path is None:
            return None
        loaded: LoadResult[dict[str, list[dict[str, Any]]]] = load_versioned(
            self.path, MASKS_KIND, MASKS_VERSION, _parse_file, dict
        )
        self._masks = loaded.value
        return loaded.problem

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return {camera: [dict(m) for m in masks] for camera, masks in self._masks.items()}

    def write(self, snapshot: dict[str, list[dict[str, Any]]]) -> None:
        """Write a `snapshot()` whole and atomically (blocking; OSError when it cannot)."""
        if self.path is not None:
            save_versioned(self.path, MASKS_KIND, MASKS_VERSION, {"cameras": snapshot})

    def masks(self, camera_id: str) -> list[dict[str, Any]]:
        found = self._masks.get(camera_id)
        if found is None:
            found = self._defaults.get(camera_id, [])
        return [dict(m) for m in found]

    def set_masks(self, camera_id: str, masks: list[dict[str, Any]]) -> None:
        self._masks[camera_id] = [dict(m) for m in masks]

    # -- lifts ---------------------------------------------------------------------------------
    def lift(self, camera_id: str, session_id: str, user: str, request: LiftRequest) -> MaskLift:
        lift = MaskLift(
            camera_id,
            session_id,
            user,
            self._clock() + request.minutes * 60.0,
            request.reason,
            request.case,
        )
        self._lifts[(camera_id, session_id)] = lift
        return lift

    def end_lift(self, camera_id: str, session_id: str) -> MaskLift | None:
        return self._lifts.pop((camera_id, session_id), None)

    def lift_for(self, camera_id: str, session_id: str) -> MaskLift | None:
        """The lift in force for this session on this camera (an expired one is dropped)."""
        lift = self._lifts.get((camera_id, session_id))
        if lift is not None and lift.until <= self._clock():
            del self._lifts[(camera_id, session_id)]
            return None
        return lift
