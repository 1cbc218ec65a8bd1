"""The time code survives real H.264 encoding, decoding and scaling, and rejects garbage."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from console.base import timecode
from demohub.scenes import scene_for

T0_MS = 1_795_000_000_123


def test_roundtrip_on_raw_pictures_of_many_sizes():
    for width, height in (
        (160, 90),
        (320, 180),
        (640, 360),
        (1280, 720),
        (1920, 1080),
        (1000, 562),
    ):
        img = np.full((height, width, 3), 90, np.uint8)
        for ms in (0, 1, T0_MS, (1 << 48) - 1):
            timecode.stamp(img, ms)
            assert timecode.read(img) == ms, (width, height, ms)


def test_absent_or_damaged_code_reads_as_none():
    assert timecode.read(np.zeros((360, 640, 3), np.uint8)) is None
    assert timecode.read(np.full((360, 640, 3), 255, np.uint8)) is None
    rng = np.random.default_rng(7)
    for _ in range(20):
        assert timecode.read(rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)) is None
    img = np.zeros((360, 640, 3), np.uint8)
    timecode.stamp(img, T0_MS)
    x0, y0, _, _ = timecode.region(640, 360)
    block = 640 / timecode.BLOCKS_PER_WIDTH
    # Flip one data bit (row 1, column 5): the checksum no longer matches.
    cx, cy = round(x0 + 5.5 * block), round(y0 + 1.5 * block)
    img[cy - 2 : cy + 2, cx - 2 : cx + 2] = 255 - img[cy, cx]
    assert timecode.read(img) is None
    assert timecode.read(np.zeros((20, 40, 3), np.uint8)) is None


def test_out_of_range_values_are_refused():
    img = np.zeros((360, 640, 3), np.uint8)
    with pytest.raises(ValueError):
        timecode.stamp(img, -1)
    with pytest.raises(ValueError):
        timecode.stamp(img, 1 << 48)
    with pytest.raises(ValueError):
        timecode.read(img, fmt="yuv")


def test_rgbx_and_gray_pictures():
    img = scene_for("lobby", "Lobby").render(T0_MS / 1000, 640, 360)
    rgbx = np.dstack([img[:, :, ::-1], np.full(img.shape[:2], 255, np.uint8)])
    assert timecode.read(np.ascontiguousarray(rgbx), fmt="rgbx") == T0_MS
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert timecode.read(gray, fmt="gray") == T0_MS


def _h264_roundtrip(width: int, height: int, frames: int) -> tuple[list[int], list[np.ndarray]]:
    """Encode scene frames with libx264 into MPEG-TS in memory and decode them again."""
    scene = scene_for("street", "Main Street")
    buf = io.BytesIO()
    with av.open(buf, "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        stamps = []
        for i in range(frames):
            ms = T0_MS + i * 67
            stamps.append(ms)
            img = scene.render(ms / 1000, width, height)
            frame = av.VideoFrame.from_ndarray(
                cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), format="yuv420p"
            )
            frame.pts, frame.time_base = i, Fraction(1, 15)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    buf.seek(0)
    with av.open(buf, "r", format="mpegts") as inp:
        pictures = [f.to_ndarray(format="bgr24") for f in inp.decode(video=0)]
    return stamps, pictures


@pytest.mark.parametrize(("width", "height"), [(640, 360), (1280, 720)])
def test_reads_after_h264_and_scaling(width, height):
    stamps, pictures = _h264_roundtrip(width, height, 12)
    assert len(pictures) == len(stamps)
    for ms, picture in zip(stamps, pictures, strict=True):
        assert picture.shape == (height, width, 3)
        assert timecode.read(picture) == ms
        for size in ((320, 180), (480, 270), (256, 144)):
            for interpolation in (cv2.INTER_AREA, cv2.INTER_LINEAR):
                small = cv2.resize(picture, size, interpolation=interpolation)
                assert timecode.read(small) == ms, (size, interpolation)
        bigger = cv2.resize(picture, (1920, 1080), interpolation=cv2.INTER_LINEAR)
        assert timecode.read(bigger) == ms
