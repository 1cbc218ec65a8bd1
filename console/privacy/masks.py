"""Privacy masks: polygons over a camera's picture, drawn into the pixels before anyone sees them.

A mask is a polygon in the picture's own coordinates, normalised to 0..1 (x to the right, y
down), so it lands on the same part of the scene whatever size the picture is decoded or
scaled to (a tile's frame, the main profile, a snapshot, an exported frame). `apply_masks`
writes the masks into a BGRA (or BGR) image in place: a *solid* mask replaces every pixel
under it with one flat colour; a *blurred* mask replaces them with a coarse mosaic of the
region (blocks of `MOSAIC_BLOCK_PX`, then smoothed), which keeps the gist (a car is there)
and loses every detail. Either way no original pixel survives under a mask: pixels the
polygon's edge only touches are covered too (the raster is drawn filled and outlined).

Masks come from a hub (untrusted: `parse_masks` bounds and checks every field and says in
plain words what it left out) or from a supervisor in the console. Rasterising uses OpenCV's
`fillPoly` (sub-pixel precise, the library the project already ships); a `MaskSet` keeps the
raster for each picture size it has seen, so drawing masks into a stream costs one masked copy
per frame. Thread-safe for one writer per image: the rasters are computed once per size and
never changed.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

__all__ = [
    "MASK_STYLES",
    "MAX_MASKS",
    "MAX_POINTS",
    "MOSAIC_BLOCK_PX",
    "SOLID_BGR",
    "MaskAnchor",
    "MaskSet",
    "PrivacyMask",
    "apply_masks",
    "mask_raster",
    "parse_masks",
]

MASK_STYLES = ("solid", "blur")
# Bounds on what a hub may send: more than this is not a privacy mask but an attack on the
# frame path (each polygon costs a raster per picture size).
MAX_MASKS = 32
MAX_POINTS = 64
MAX_ID_CHARS = 64
MAX_LABEL_CHARS = 120
# A solid mask's colour (BGR): a dark grey that reads as "covered", not as a dead picture.
SOLID_BGR = (48, 48, 48)
# A blurred mask's mosaic block, in pixels of the picture it is drawn into (never finer than
# 1/40 of the picture's width, so a small tile and a main-profile frame are blurred alike).
MOSAIC_BLOCK_PX = 16
# Fixed-point bits for cv2.fillPoly's sub-pixel vertices.
_SHIFT = 4


# An anchor's bounds (as the hub's): any PTZ head fits, and no projection meets an infinity.
ANCHOR_BOUNDS = {"pan": (-360.0, 360.0), "tilt": (-90.0, 90.0), "zoom": (0.01, 1000.0)}


@dataclass(frozen=True, slots=True)
class MaskAnchor:
    """Where a PTZ head pointed when a mask was drawn: pan and tilt in degrees (right and up
    grow), zoom the magnification. The mask covers that part of the scene, wherever the head
    points now (`console.privacy.follow`)."""

    pan: float
    tilt: float
    zoom: float

    def to_json(self) -> dict[str, float]:
        return {"pan": round(self.pan, 4), "tilt": round(self.tilt, 4), "zoom": round(self.zoom, 4)}


@dataclass(frozen=True, slots=True)
class PrivacyMask:
    """One mask: `points` (x, y) in 0..1 of the picture, at least three; `style` solid or
    blur; `label` what it hides, in the supervisor's words (shown in the editor and the export
    manifest, never drawn); `anchor` (PTZ cameras) the head's position the points were drawn
    at, None for a mask that stays on the same part of the picture."""

    id: str
    points: tuple[tuple[float, float], ...]
    style: str = "solid"
    label: str = ""
    anchor: MaskAnchor | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "points": [[round(x, 5), round(y, 5)] for x, y in self.points],
            "style": self.style,
            "label": self.label,
        }
        if self.anchor is not None:
            out["anchor"] = self.anchor.to_json()
        return out


def _anchor(value: object) -> MaskAnchor | None:
    """A hub's anchor, checked: None when it is not {pan, tilt, zoom} of finite numbers within
    `ANCHOR_BOUNDS`."""
    if not isinstance(value, Mapping):
        return None
    axes = []
    for axis, (low, high) in ANCHOR_BOUNDS.items():
        v = value.get(axis)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        if not low <= v <= high:
            return None
        axes.append(float(v))
    return MaskAnchor(*axes)


def _point(value: object) -> tuple[float, float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    x, y = value
    if isinstance(x, bool) or isinstance(y, bool):
        return None
    if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    # A point a little outside the picture is a polygon drawn to its edge: clamp it.
    return (min(1.0, max(0.0, float(x))), min(1.0, max(0.0, float(y))))


def parse_masks(data: object) -> tuple[tuple[PrivacyMask, ...], tuple[str, ...]]:
    """The masks in a hub's answer (a list of mask objects), and what was left out, in plain
    words. An unknown style is drawn solid (the stronger of the two), never left out. A mask
    whose anchor cannot be read is drawn without it (where it was drawn), and said."""
    if not isinstance(data, list):
        return (), ("the masks are not a list",) if data is not None else ()
    masks: list[PrivacyMask] = []
    problems: list[str] = []
    for position, item in enumerate(data):
        if len(masks) >= MAX_MASKS:
            problems.append(f"more than {MAX_MASKS} masks: the rest were left out")
            break
        where = f"mask {position + 1}"
        if not isinstance(item, Mapping):
            problems.append(f"{where} is not an object")
            continue
        raw_id = item.get("id", f"mask-{position + 1}")
        mask_id = raw_id if isinstance(raw_id, str) and raw_id else f"mask-{position + 1}"
        mask_id = "".join(ch for ch in mask_id if ch.isprintable())[:MAX_ID_CHARS]
        raw_points = item.get("points")
        if not isinstance(raw_points, list) or not 3 <= len(raw_points) <= MAX_POINTS:
            problems.append(f"{where} needs 3 to {MAX_POINTS} points")
            continue
        points = [_point(p) for p in raw_points]
        if any(p is None for p in points):
            problems.append(f"{where} has a point that is not two finite numbers")
            continue
        style = item.get("style", "solid")
        if style not in MASK_STYLES:
            style = "solid"
        label = item.get("label", "")
        label = (
            "".join(ch for ch in label if ch.isprintable())[:MAX_LABEL_CHARS]
            if isinstance(label, str)
            else ""
        )
        anchor = None
        if item.get("anchor") is not None:
            anchor = _anchor(item.get("anchor"))
            if anchor is None:
                problems.append(
                    f"{where} has an anchor that is not a PTZ position: it stays where it was drawn"
                )
        masks.append(
            PrivacyMask(mask_id, tuple(p for p in points if p is not None), style, label, anchor)
        )
    return tuple(masks), tuple(problems)


def _polygon(mask: PrivacyMask, width: int, height: int) -> npt.NDArray[np.int32]:
    """The mask's vertices in a `width` x `height` picture, fixed point (`_SHIFT` bits)."""
    scale = 1 << _SHIFT
    # Pixel i spans i..i+1 of the picture's width; its centre, where OpenCV puts i, is at
    # i + 0.5.
    return np.array(
        [
            [round((x * width - 0.5) * scale), round((y * height - 0.5) * scale)]
            for x, y in mask.points
        ],
        np.int32,
    ).reshape(-1, 1, 2)


def _draw(target: npt.NDArray[np.uint8], polygons: list[Any], value: Any) -> Any:
    """Fill `polygons` and their outlines (every pixel an edge passes through) in `target`,
    in place; what OpenCV returns (the same array, unless it could not draw in place). One
    polygon at a time: `fillPoly` given several fills by the even-odd rule, so where two masks
    overlap it would leave a hole."""
    out: Any = target
    for polygon in polygons:
        out = cv2.fillPoly(out, [polygon], value, lineType=cv2.LINE_8, shift=_SHIFT)
        out = cv2.polylines(
            out, [polygon], True, value, thickness=2, lineType=cv2.LINE_8, shift=_SHIFT
        )
    return out


def mask_raster(masks: Iterable[PrivacyMask], width: int, height: int) -> npt.NDArray[np.bool_]:
    """Which pixels of a `width` x `height` picture the masks cover (True: covered), edges
    included: every pixel the polygon's outline passes through is covered."""
    raster = np.zeros((height, width), np.uint8)
    _draw(raster, [_polygon(m, width, height) for m in masks], 1)
    return raster.astype(bool)


def _mosaic(region: npt.NDArray[np.uint8], block: int) -> npt.NDArray[np.uint8]:
    """`region` as the averages of `block`-pixel blocks, spread smoothly back over it: detail
    finer than a block is gone (only the averages are left), the gist stays."""
    h, w = region.shape[:2]
    small = cv2.resize(
        region, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA
    )
    smooth = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(smooth, np.uint8).reshape(region.shape)


class _Part:
    """What one style of a MaskSet draws into pictures of one size."""

    __slots__ = ("box", "polygons", "style", "where", "where_u8")

    def __init__(self, style: str, polygons: list[Any], raster: npt.NDArray[np.bool_]) -> None:
        rows = np.flatnonzero(raster.any(axis=1))
        cols = np.flatnonzero(raster.any(axis=0))
        self.style = style
        self.polygons = polygons
        self.box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
        y0, y1, x0, x1 = self.box
        self.where = raster[y0:y1, x0:x1, None]  # for numpy, where OpenCV cannot draw in place
        self.where_u8 = np.ascontiguousarray(raster[y0:y1, x0:x1], np.uint8)


class MaskSet:
    """A camera's masks with their rasters per picture size; `apply` draws them into an image.

    Solid masks are drawn after blurred ones, so where both cover a pixel it is solid. The
    drawing is OpenCV's (scanline fills and masked copies in C++: `bench.masks` measured the
    numpy masked copy at several milliseconds a 720p picture), into the picture in place; a
    picture laid out so OpenCV cannot draw into it in place is drawn by numpy instead."""

    def __init__(self, masks: Sequence[PrivacyMask] = ()) -> None:
        self.masks: tuple[PrivacyMask, ...] = tuple(masks)
        self._parts: dict[tuple[int, int], tuple[_Part, ...]] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.masks)

    def _parts_for(self, width: int, height: int) -> tuple[_Part, ...]:
        key = (width, height)
        found = self._parts.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._parts.get(key)
            if found is None:
                parts = []
                for style in ("blur", "solid"):
                    chosen = [m for m in self.masks if m.style == style]
                    raster = mask_raster(chosen, width, height)
                    if chosen and raster.any():
                        polygons = [_polygon(m, width, height) for m in chosen]
                        parts.append(_Part(style, polygons, raster))
                found = tuple(parts)
                if len(self._parts) > 16:  # a tile resized many times: keep the newest
                    self._parts.clear()
                self._parts[key] = found
        return found

    def apply(self, image: npt.NDArray[np.uint8]) -> None:
        """Draw the masks into `image` (H x W x 3 or 4, uint8, B G R [A] order) in place."""
        if not self.masks or image.ndim != 3 or image.shape[0] == 0 or image.shape[1] == 0:
            return
        height, width, channels = image.shape
        fill = (*SOLID_BGR, 255)[:channels]
        for part in self._parts_for(width, height):
            y0, y1, x0, x1 = part.box
            region = image[y0:y1, x0:x1]
            if part.style == "solid":
                try:
                    drawn = _draw(image, part.polygons, fill) is image
                except cv2.error:
                    drawn = False
                if not drawn:
                    np.copyto(region, np.array(fill, np.uint8), where=part.where)
            else:
                mosaic = _mosaic(region, max(MOSAIC_BLOCK_PX, width // 40))
                try:
                    drawn = cv2.copyTo(mosaic, part.where_u8, region) is region
                except cv2.error:
                    drawn = False
                if not drawn:
                    np.copyto(region, mosaic, where=part.where)


def apply_masks(image: npt.NDArray[np.uint8], masks: Sequence[PrivacyMask]) -> None:
    """Draw `masks` into `image` in place (a one-off; a stream keeps a `MaskSet`)."""
    MaskSet(masks).apply(image)
