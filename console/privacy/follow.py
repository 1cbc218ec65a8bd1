"""Masks that follow a PTZ camera's scene: an anchored mask projected into the current view.

A mask drawn on a PTZ camera carries its anchor, the head's position when its polygon was drawn
(`MaskAnchor`). When the head pans, tilts or zooms, the same part of the scene is elsewhere in
the picture: `project_mask` finds where. Each point of the polygon becomes two angles off the
anchor view's optical axis, then a point of the current view, by the pinhole model
`console/ptz/geometry.py` steers with (the same conventions: pan grows to the right, tilt
upwards, y downwards on screen; the field of view at zoom z is `fov * zoom.min / z`, from the
camera's `fov_at`). Pan and tilt are taken per axis, as geometry.py takes them.

Straight edges of the drawn polygon are not straight in another view (the projection is not
linear), so every edge is cut into `EDGE_STEPS` pieces before it is projected: the chords then
stay within a fraction of a pixel of the true outline, and the raster's outline (drawn two
pixels wide, `mask_raster`) covers that. A point behind the current view (more than
`MAX_OFF_AXIS_DEG` off its axis) is put far outside the picture on its side, and the polygon is
clipped to a box a little larger than the picture, so OpenCV never meets huge coordinates and
the part in view is drawn exactly.

Pure functions, no Qt, no hub types: a position is anything with `pan`, `tilt`, `zoom` (the
hub driver's `PtzPosition`, a `MaskAnchor`) and the camera's field of view anything with
`fov_at(zoom)` (the hub driver's `PtzCapabilities`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Protocol

import cv2
import numpy as np

from console.privacy.masks import MaskAnchor, PrivacyMask

__all__ = [
    "EDGE_STEPS",
    "FieldOfView",
    "HeadPosition",
    "anchor_of",
    "project_mask",
    "project_masks",
    "project_points",
]

# Pieces each edge is cut into before projecting (a 64-point mask becomes at most 1024 points).
EDGE_STEPS = 16
# A point further off the current view's axis than this is behind the camera, or so far to the
# side that it lies far outside the picture: it is drawn at this angle (never in view).
MAX_OFF_AXIS_DEG = 89.0
# The projected polygon is clipped to this much around the picture (0..1): exactly what lies in
# view survives, and the raster's coordinates stay small.
CLIP_MARGIN = 0.5

Point = tuple[float, float]


class HeadPosition(Protocol):
    """Where a PTZ head points: degrees (pan right, tilt up), zoom the magnification."""

    @property
    def pan(self) -> float: ...

    @property
    def tilt(self) -> float: ...

    @property
    def zoom(self) -> float: ...


class FieldOfView(Protocol):
    """A PTZ camera's field of view, (horizontal, vertical) degrees at a zoom."""

    def fov_at(self, zoom: float) -> tuple[float, float]: ...


def anchor_of(position: HeadPosition) -> MaskAnchor:
    """The anchor a mask drawn at `position` carries."""
    return MaskAnchor(float(position.pan), float(position.tilt), float(position.zoom))


def _half_tan(fov_deg: float) -> float:
    # A field of view is positive and under 180°; an odd camera declaration is bounded here.
    fov = min(179.0, max(0.01, fov_deg))
    return math.tan(math.radians(fov) / 2.0)


def _wrap(degrees: float) -> float:
    """`degrees` as -180..180 (a pan of 350° is -10°)."""
    return (degrees + 180.0) % 360.0 - 180.0


def _densify(points: Sequence[Point]) -> list[Point]:
    out: list[Point] = []
    for i, (x0, y0) in enumerate(points):
        x1, y1 = points[(i + 1) % len(points)]
        for step in range(EDGE_STEPS):
            t = step / EDGE_STEPS
            out.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    return out


def _clip(points: list[Point], low: float, high: float) -> list[Point]:
    """Sutherland-Hodgman: `points` clipped to the square low..high (exact for what lies
    inside; a concave polygon may keep zero-width edges along the square, outside the picture)."""
    for axis in (0, 1):
        for keep_low in (True, False):
            if not points:
                return points
            bound = low if keep_low else high

            def inside(
                p: Point, axis: int = axis, keep_low: bool = keep_low, b: float = bound
            ) -> bool:
                return p[axis] >= b if keep_low else p[axis] <= b

            clipped: list[Point] = []
            for i, current in enumerate(points):
                previous = points[i - 1]
                if inside(current):
                    if not inside(previous):
                        clipped.append(_cut(previous, current, axis, bound))
                    clipped.append(current)
                elif inside(previous):
                    clipped.append(_cut(previous, current, axis, bound))
            points = clipped
    return points


def _cut(a: Point, b: Point, axis: int, bound: float) -> Point:
    t = (bound - a[axis]) / (b[axis] - a[axis])
    x = a[0] + (b[0] - a[0]) * t
    y = a[1] + (b[1] - a[1]) * t
    return (bound, y) if axis == 0 else (x, bound)


def project_points(
    points: Sequence[Point], anchor: HeadPosition, current: HeadPosition, fov: FieldOfView
) -> tuple[Point, ...] | None:
    """The polygon `points` (0..1 of the picture at `anchor`) in the picture at `current`, in
    its 0..1 coordinates (clipped to a margin around it); None when none of it is in view."""
    if len(points) < 3:
        return None
    anchor_h, anchor_v = (_half_tan(f) for f in fov.fov_at(anchor.zoom))
    current_h, current_v = (_half_tan(f) for f in fov.fov_at(current.zoom))
    # Pan as one turn around: the anchor's axis seen from the current one, -180..180, so a
    # mask drawn at pan 170 is beside a view at pan -170, not a full turn away.
    pan_between = _wrap(anchor.pan - current.pan)
    tilt_between = anchor.tilt - current.tilt
    limit = MAX_OFF_AXIS_DEG
    projected: list[Point] = []
    for x, y in _densify(points):
        pan_off = math.degrees(math.atan((2.0 * x - 1.0) * anchor_h)) + pan_between
        tilt_off = math.degrees(math.atan((1.0 - 2.0 * y) * anchor_v)) + tilt_between
        pan_off = max(-limit, min(limit, pan_off))
        tilt_off = max(-limit, min(limit, tilt_off))
        u = math.tan(math.radians(pan_off)) / current_h
        v = math.tan(math.radians(tilt_off)) / current_v
        projected.append(((u + 1.0) / 2.0, (1.0 - v) / 2.0))
    clipped = _clip(projected, -CLIP_MARGIN, 1.0 + CLIP_MARGIN)
    if len(clipped) < 3:
        return None
    xs = [p[0] for p in clipped]
    ys = [p[1] for p in clipped]
    if max(xs) < 0.0 or min(xs) > 1.0 or max(ys) < 0.0 or min(ys) > 1.0:
        return None
    return tuple(clipped)


def project_mask(
    mask: PrivacyMask, current: HeadPosition | None, fov: FieldOfView | None
) -> PrivacyMask | None:
    """`mask` as it is drawn into the picture at `current`: an anchored mask projected (None
    when out of view), any other as it is. While the position or the field of view is not
    known, an anchored mask is drawn where it was drawn: the only place known to be right at
    some time (see the README on what that risks)."""
    if mask.anchor is None or current is None or fov is None:
        return mask
    points = project_points(mask.points, mask.anchor, current, fov)
    if points is None:
        return None
    return PrivacyMask(mask.id, points, mask.style, mask.label)


def _sweep(a: PrivacyMask, b: PrivacyMask) -> PrivacyMask:
    """The convex hull of two places of one mask: what it passes over between them when the
    head moves steadily from one view to the next (more, for a concave mask)."""
    both = np.array([*a.points, *b.points], np.float32).reshape(-1, 1, 2)
    hull = cv2.convexHull(both).reshape(-1, 2)
    return PrivacyMask(a.id, tuple((float(x), float(y)) for x, y in hull), a.style, a.label)


def project_masks(
    masks: Iterable[PrivacyMask], views: Sequence[HeadPosition], fov: FieldOfView | None
) -> tuple[PrivacyMask, ...]:
    """Every mask as drawn over the pictures at `views` (oldest first; empty: as drawn): an
    anchored mask at each view it is in, and over what it sweeps between two consecutive ones.
    That union is how the console over-covers while the head moves: the picture on screen lags
    the position read, and a mask smaller than one step of the head would otherwise leave gaps
    where it passed."""
    out: list[PrivacyMask] = []
    for mask in masks:
        if mask.anchor is None or not views or fov is None:
            out.append(mask)
            continue
        shown = [project_mask(mask, view, fov) for view in views]
        swept = [False] * len(shown)  # a place inside a sweep needs no raster of its own
        for i, (a, b) in enumerate(itertools.pairwise(shown)):
            if a is not None and b is not None and a.points != b.points:
                out.append(_sweep(a, b))
                swept[i] = swept[i + 1] = True
        out.extend(
            p for p, inside in zip(shown, swept, strict=True) if p is not None and not inside
        )
    return tuple(out)
