"""Masks anchored to a PTZ head, projected into the current view: known geometry (zoom, pan,
out of view), and the raster never covers less of the scene than the mask drawn."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from console.hub.models import PtzPosition
from console.privacy.follow import anchor_of, project_mask, project_masks, project_points
from console.privacy.masks import MaskAnchor, PrivacyMask, mask_raster
from tests.support.ptz_caps import DEMO_PTZ_CAPS

CAPS = DEMO_PTZ_CAPS
HOME = MaskAnchor(0.0, 0.0, 1.0)


def _square(cx: float, cy: float, half: float) -> tuple[tuple[float, float], ...]:
    return (
        (cx - half, cy - half),
        (cx + half, cy - half),
        (cx + half, cy + half),
        (cx - half, cy + half),
    )


def _box(points):
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), max(xs), min(ys), max(ys)


def _pinhole_scale(zoom_from: float, zoom_to: float) -> tuple[float, float]:
    """How much bigger a small thing at the centre gets, per axis (the model's own figure)."""
    out = []
    for fov in (CAPS.fov_h, CAPS.fov_v):
        before = math.tan(math.radians(fov / zoom_from) / 2)
        after = math.tan(math.radians(fov / zoom_to) / 2)
        out.append(before / after)
    return out[0], out[1]


def test_the_view_it_was_drawn_at_gives_the_polygon_back():
    points = _square(0.3, 0.6, 0.1)
    projected = project_points(points, HOME, PtzPosition(0.0, 0.0, 1.0), CAPS)
    assert projected is not None
    assert _box(projected) == pytest.approx(_box(points), abs=1e-9)


def test_a_mask_drawn_at_the_centre_covers_twice_its_size_after_zooming_to_two():
    mask = PrivacyMask("m", _square(0.5, 0.5, 0.05), anchor=HOME)
    projected = project_mask(mask, PtzPosition(0.0, 0.0, 2.0), CAPS)
    assert projected is not None and projected.anchor is None
    x0, x1, y0, y1 = _box(projected.points)
    # Still centred, and at least twice as wide and high: the model's pinhole says 2.15 for
    # the demo camera's 60 degrees (the field of view at zoom z is fov / z, not the tangent).
    assert (x0 + x1) / 2 == pytest.approx(0.5) and (y0 + y1) / 2 == pytest.approx(0.5)
    scale_h, scale_v = _pinhole_scale(1.0, 2.0)
    assert x1 - x0 == pytest.approx(0.1 * scale_h, rel=0.01)
    assert y1 - y0 == pytest.approx(0.1 * scale_v, rel=0.01)
    assert x1 - x0 >= 0.2 and y1 - y0 >= 0.2


def test_panning_by_half_the_field_of_view_moves_it_by_half_the_picture():
    # A small mask at the centre; the head pans right by half the field of view (30 degrees):
    # the scene moves left, and the mask with it, to the picture's left edge.
    mask = PrivacyMask("m", _square(0.5, 0.5, 0.01), anchor=HOME)
    projected = project_mask(mask, PtzPosition(30.0, 0.0, 1.0), CAPS)
    assert projected is not None
    x0, x1, y0, y1 = _box(projected.points)
    assert (x0 + x1) / 2 == pytest.approx(0.0, abs=1e-3)
    assert (y0 + y1) / 2 == pytest.approx(0.5, abs=1e-3)
    # Tilting up by half the vertical field of view moves it down to the bottom edge.
    projected = project_mask(mask, PtzPosition(0.0, CAPS.fov_v / 2, 1.0), CAPS)
    assert projected is not None
    x0, x1, y0, y1 = _box(projected.points)
    assert (y0 + y1) / 2 == pytest.approx(1.0, abs=1e-3)
    assert (x0 + x1) / 2 == pytest.approx(0.5, abs=1e-3)


def test_a_mask_out_of_view_gives_nothing():
    mask = PrivacyMask("m", _square(0.5, 0.5, 0.1), anchor=HOME)
    assert project_mask(mask, PtzPosition(90.0, 0.0, 1.0), CAPS) is None
    assert project_mask(mask, PtzPosition(-45.0, 0.0, 4.0), CAPS) is None
    # Behind the camera, and across the -180/180 seam, too.
    assert project_mask(mask, PtzPosition(170.0, 0.0, 1.0), CAPS) is None
    assert project_masks([mask], [PtzPosition(170.0, 0.0, 1.0)], CAPS) == ()


def test_across_the_pan_seam_a_mask_is_beside_the_view_not_a_turn_away():
    drawn_at = MaskAnchor(170.0, 0.0, 1.0)
    mask = PrivacyMask("m", _square(0.5, 0.5, 0.01), anchor=drawn_at)
    projected = project_mask(mask, PtzPosition(-170.0, 0.0, 1.0), CAPS)  # 20 degrees right
    assert projected is not None
    x0, x1, _y0, _y1 = _box(projected.points)
    expected = (1 - math.tan(math.radians(20)) / math.tan(math.radians(30))) / 2
    assert (x0 + x1) / 2 == pytest.approx(expected, abs=1e-3)


def test_a_mask_partly_in_view_is_clipped_near_the_picture():
    mask = PrivacyMask("m", _square(0.5, 0.5, 0.2), anchor=HOME)
    projected = project_mask(mask, PtzPosition(20.0, 0.0, 2.0), CAPS)
    assert projected is not None
    x0, x1, _y0, _y1 = _box(projected.points)
    assert x0 < 0.0 < x1 < 1.0  # its right part is in view, the rest clipped near the edge
    assert x0 >= -0.5


def test_masks_without_an_anchor_or_without_a_position_stay_as_drawn():
    plain = PrivacyMask("p", _square(0.2, 0.2, 0.1))
    anchored = PrivacyMask("a", _square(0.5, 0.5, 0.1), anchor=HOME)
    assert project_mask(plain, PtzPosition(40.0, 0.0, 3.0), CAPS) is plain
    assert project_mask(anchored, None, CAPS) is anchored
    assert project_masks([plain, anchored], [], CAPS) == (plain, anchored)
    # Several views: the anchored mask over the sweep between two in view (which holds both
    # places), at a place in view alone, never out of view; the plain one once.
    views = [
        PtzPosition(0.0, 0.0, 1.0),
        PtzPosition(5.0, 0.0, 1.0),
        PtzPosition(90.0, 0.0, 1.0),
        PtzPosition(-10.0, 0.0, 1.0),
    ]
    out = project_masks([plain, anchored], views, CAPS)
    assert [m.id for m in out] == ["p", "a", "a"]
    alone = project_mask(anchored, views[3], CAPS)
    assert alone is not None and out[2].points == alone.points


def test_anchor_of_a_position():
    assert anchor_of(PtzPosition(12.5, -3.0, 2.0)) == MaskAnchor(12.5, -3.0, 2.0)


def _back_projected(width, height, anchor, current):
    """Each pixel centre of the current view, as a point of the anchor view's picture: the
    ground truth, computed the other way round."""
    tc_h, tc_v = (math.tan(math.radians(f) / 2) for f in CAPS.fov_at(current.zoom))
    ta_h, ta_v = (math.tan(math.radians(f) / 2) for f in CAPS.fov_at(anchor.zoom))
    u = (np.arange(width) + 0.5) / width
    v = (np.arange(height) + 0.5) / height
    pan = current.pan + np.degrees(np.arctan((2 * u - 1) * tc_h)) - anchor.pan
    tilt = current.tilt + np.degrees(np.arctan((1 - 2 * v) * tc_v)) - anchor.tilt
    xa = (np.tan(np.radians(pan)) / ta_h + 1) / 2
    ya = (1 - np.tan(np.radians(tilt)) / ta_v) / 2
    return np.meshgrid(xa, ya)


@pytest.mark.parametrize(
    "current",
    [
        PtzPosition(0.0, 0.0, 2.5),
        PtzPosition(12.0, -4.0, 1.7),
        PtzPosition(-2.0, 4.0, 3.0),
        PtzPosition(25.0, 0.0, 1.0),  # partly out of view
    ],
)
def test_the_raster_covers_every_pixel_whose_scene_the_mask_covers(current):
    # A concave polygon (an L), drawn at a view off home.
    anchor = MaskAnchor(4.0, 2.0, 1.5)
    points = ((0.3, 0.3), (0.7, 0.3), (0.7, 0.45), (0.45, 0.45), (0.45, 0.75), (0.3, 0.75))
    mask = PrivacyMask("L", points, anchor=anchor)
    width, height = 240, 135
    projected = project_mask(mask, current, CAPS)
    assert projected is not None
    covered = mask_raster([projected], width, height)
    xa, ya = _back_projected(width, height, anchor, current)
    contour = (np.array(points, np.float32) * 1000).reshape(-1, 1, 2)
    inside = np.array(
        [
            [
                cv2.pointPolygonTest(contour, (float(x * 1000), float(y * 1000)), False) >= 0
                for x, y in zip(row_x, row_y, strict=True)
            ]
            for row_x, row_y in zip(xa, ya, strict=True)
        ]
    )
    assert inside.any()
    assert covered[inside].all()  # never less
    # ...and not much more: the outline's own width, no more than a few percent.
    assert covered.sum() <= inside.sum() * 1.25 + 4 * (width + height)


def test_between_two_views_the_mask_covers_what_it_swept_over():
    # A narrow mask; the head pans 10 degrees between two position reads: the picture may show
    # any view in between, so the place the mask had at 5 degrees is covered too.
    mask = PrivacyMask("m", _square(0.5, 0.5, 0.01), anchor=HOME)
    views = [PtzPosition(0.0, 0.0, 1.0), PtzPosition(10.0, 0.0, 1.0)]
    drawn = project_masks([mask], views, CAPS)
    assert len(drawn) == 1  # the sweep between the two places, which holds both
    width, height = 320, 180
    covered = mask_raster(drawn, width, height)
    between = project_mask(mask, PtzPosition(5.0, 0.0, 1.0), CAPS)
    assert between is not None
    assert covered[mask_raster([between], width, height)].all()
    # Not the whole picture: the rows above and below stay free.
    assert not covered[: height // 3].any() and not covered[-height // 3 :].any()
