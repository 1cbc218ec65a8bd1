"""Privacy masks drawn into pixels: under a mask no original pixel survives, outside it every
pixel does, and whatever a hub sends as masks is checked."""

from __future__ import annotations

import numpy as np
import pytest

from console.privacy.masks import (
    MAX_MASKS,
    SOLID_BGR,
    MaskAnchor,
    MaskSet,
    PrivacyMask,
    apply_masks,
    mask_raster,
    parse_masks,
)

TRIANGLE = PrivacyMask("t", ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5)), "solid")
SQUARE_BLUR = PrivacyMask("s", ((0.6, 0.6), (0.9, 0.6), (0.9, 0.9), (0.6, 0.9)), "blur")


def _noise(height: int, width: int, channels: int = 4) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, (height, width, channels), np.uint8)


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (213, 120), (17, 9)])
def test_no_original_pixel_survives_under_a_mask_and_every_one_outside(size):
    width, height = size
    image = _noise(height, width)
    original = image.copy()
    MaskSet([TRIANGLE, SQUARE_BLUR]).apply(image)
    covered = mask_raster([TRIANGLE, SQUARE_BLUR], width, height)
    assert covered.any()
    same = (image == original).all(axis=2)
    assert not same[covered].any()
    assert same[~covered].all()
    solid = mask_raster([TRIANGLE], width, height)
    assert (image[solid][:, :3] == SOLID_BGR).all()


def test_a_mask_covers_the_same_part_of_the_scene_at_every_size():
    small = mask_raster([TRIANGLE], 320, 180)
    large = mask_raster([TRIANGLE], 1280, 720)
    shrunk = large.reshape(180, 4, 320, 4).mean(axis=(1, 3)) > 0.5
    overlap = (small & shrunk).sum() / (small | shrunk).sum()
    assert overlap > 0.85  # the small raster's covered edge is a larger share of it


def test_a_blurred_mask_keeps_no_detail():
    image = _noise(360, 640, 3)
    apply_masks(image, [SQUARE_BLUR])
    covered = mask_raster([SQUARE_BLUR], 640, 360)
    rows, cols = np.nonzero(covered)
    inner = image[rows.min() + 20 : rows.max() - 20, cols.min() + 20 : cols.max() - 20]
    # Random noise has a standard deviation of about 74; its mosaic is nearly flat.
    assert inner.std() < 20


def test_parse_masks_keeps_good_masks_and_names_what_it_left_out():
    masks, problems = parse_masks(
        [
            {
                "id": "door",
                "points": [[0, 0], [0.5, 0], [0.5, 1.5]],
                "style": "blur",
                "label": "Door",
            },
            {"points": [[0, 0], [1, 1]]},
            {"points": [[0, 0], [1, "x"], [1, 1]]},
            {"points": [[0, 0], [1, float("nan")], [1, 1]]},
            {"points": [[0, 0], [1, 0], [1, 1]], "style": "pixelate"},
            "mask",
        ]
    )
    assert [m.id for m in masks] == ["door", "mask-5"]
    assert masks[0].points[2] == (0.5, 1.0)  # clamped to the picture
    assert masks[1].style == "solid"  # an unknown style is drawn solid, never left out
    assert len(problems) == 4
    assert parse_masks(None) == ((), ())
    assert parse_masks({"points": []})[1] == ("the masks are not a list",)


def test_parse_masks_bounds_what_a_hub_sends():
    many = [{"points": [[0, 0], [1, 0], [1, 1]]}] * (MAX_MASKS + 5)
    masks, problems = parse_masks(many)
    assert len(masks) == MAX_MASKS
    assert problems and "more than" in problems[0]
    too_many_points = [{"points": [[0, 0]] * 1000}]
    assert parse_masks(too_many_points)[0] == ()


def test_round_trip_through_json():
    masks, problems = parse_masks([m.to_json() for m in (TRIANGLE, SQUARE_BLUR)])
    assert problems == ()
    assert masks == (TRIANGLE, SQUARE_BLUR)


def test_a_masks_ptz_anchor_is_read_bounded_and_written_back():
    raw = [
        {
            "id": "a",
            "points": [[0, 0], [1, 0], [1, 1]],
            "anchor": {"pan": 10, "tilt": -2.5, "zoom": 2},
        },
        {
            "id": "b",
            "points": [[0, 0], [1, 0], [1, 1]],
            "anchor": {"pan": 1e9, "tilt": 0, "zoom": 1},
        },
        {"id": "c", "points": [[0, 0], [1, 0], [1, 1]], "anchor": "home"},
        {"id": "d", "points": [[0, 0], [1, 0], [1, 1]], "anchor": None},
    ]
    masks, problems = parse_masks(raw)
    assert masks[0].anchor == MaskAnchor(10.0, -2.5, 2.0)
    # An anchor that is no PTZ position: the mask is kept, drawn where it was drawn, and said.
    assert [m.anchor for m in masks[1:]] == [None, None, None]
    assert len(problems) == 2 and all("anchor" in p for p in problems)
    assert masks[0].to_json()["anchor"] == {"pan": 10.0, "tilt": -2.5, "zoom": 2.0}
    assert "anchor" not in masks[3].to_json()
    again, none = parse_masks([m.to_json() for m in masks])
    assert again == masks and none == ()


def test_overlapping_masks_leave_no_hole_where_they_overlap():
    """OpenCV fills several polygons of one call by the even-odd rule: drawn one by one, two
    masks that overlap cover their overlap too."""
    left = PrivacyMask("a", ((0.1, 0.1), (0.6, 0.1), (0.6, 0.6), (0.1, 0.6)))
    right = PrivacyMask("b", ((0.4, 0.4), (0.9, 0.4), (0.9, 0.9), (0.4, 0.9)))
    image = _noise(360, 640)
    MaskSet([left, right]).apply(image)
    overlap = image[int(0.45 * 360) : int(0.55 * 360), int(0.45 * 640) : int(0.55 * 640)]
    assert (overlap[:, :, :3] == SOLID_BGR).all()
    both = mask_raster([left, right], 640, 360)
    assert both[int(0.5 * 360), int(0.5 * 640)]


def test_a_picture_with_padded_rows_is_masked_in_place():
    """libvlc's buffers are padded to whole blocks: the picture is a view with longer rows."""
    buffer = _noise(368, 648)
    picture = buffer[:360, :640, :]
    original = picture.copy()
    MaskSet([TRIANGLE, SQUARE_BLUR]).apply(picture)
    covered = mask_raster([TRIANGLE, SQUARE_BLUR], 640, 360)
    same = (picture == original).all(axis=2)
    assert not same[covered].any() and same[~covered].all()
    assert (buffer[:, 640:] == _noise(368, 648)[:, 640:]).all()  # the padding untouched
