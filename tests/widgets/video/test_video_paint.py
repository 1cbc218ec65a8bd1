"""How a frame lands on a tile: unscaled when libvlc made it for the tile, letterboxed, and
under labels that are drawn once, not on every frame."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter

from console.media.feed import FeedState, FeedStatus
from console.media.frame import Frame, frame_size_for
from widgets.shell.wall_window import WallWindow
from widgets.video.video_paint import fit_rect, letterbox, paint_frame


def frame_of(width: int, height: int, display=(640, 360)) -> Frame:
    """A frame as `TilePlayer` hands it out: rows padded to 32 bytes, `image` a view into it."""
    stride = (width * 4 + 31) // 32 * 32
    pixels = np.zeros((height, stride // 4, 4), np.uint8)
    rng = np.random.default_rng(7)
    pixels[:, :width, :3] = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    pixels[:, :width, 3] = 255
    return Frame(
        image=pixels[:, :width, :],
        pixels=pixels,
        width=width,
        height=height,
        stride=stride,
        seq=1,
        received_at=0.0,
        generation=1,
        display_width=display[0],
        display_height=display[1],
    )


def painted(rect: QRect, frame: Frame) -> tuple[np.ndarray, QRect]:
    canvas = QImage(rect.width(), rect.height(), QImage.Format.Format_RGB32)
    canvas.fill(QColor(255, 0, 255))
    p = QPainter(canvas)
    target = paint_frame(p, rect, frame)
    for bar in letterbox(rect, target):
        p.fillRect(bar, QColor(0, 0, 0))
    p.end()
    view = np.frombuffer(canvas.constBits(), np.uint8).reshape(rect.height(), rect.width(), 4)
    return view.copy(), target


def test_a_frame_made_for_the_tile_is_copied_pixel_for_pixel(qapp):
    rect = QRect(0, 0, 362, 204)
    size = frame_size_for((640, 360), (rect.width(), rect.height()))
    assert size == (362, 204)
    frame = frame_of(*size)
    out, target = painted(rect, frame)
    assert target == rect
    assert np.array_equal(out[:, :, :3], frame.image[:, :, :3])


def test_a_frame_of_another_size_is_scaled_into_the_letterboxed_picture(qapp):
    rect = QRect(0, 0, 400, 300)  # 4:3 tile, 16:9 picture: bars above and below
    frame = frame_of(640, 360)
    out, target = painted(rect, frame)
    assert target == fit_rect(rect, 640, 360) == QRect(0, 37, 400, 225)
    bars = letterbox(rect, target)
    assert bars == [QRect(0, 0, 400, 37), QRect(0, 262, 400, 38)]
    assert not out[:37, :, :3].any() and not out[262:, :, :3].any()  # the bars are black
    picture = out[37:262]
    assert not (picture == [255, 0, 255, 255]).all(axis=2).any()  # the picture covers its part
    assert letterbox(rect, rect) == []


def test_tile_labels_are_drawn_once_per_change_not_per_frame(qtbot, station, monkeypatch):
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    view = window.wall_view.tile_views[0]
    drawn = []
    original = type(view.labels).draw

    def counting(self, *args):
        drawn.append(args[1:3])
        return original(self, *args)

    monkeypatch.setattr(type(view.labels), "draw", counting)
    view._on_state(FeedState(FeedStatus.LIVE, fps=15.0, decoding="SW"))
    for _ in range(5):  # five frames
        view.grab()
    assert len(drawn) == 1 and drawn[0][1].startswith("Live · 15 fps")
    view._on_state(FeedState(FeedStatus.LIVE, fps=14.0, decoding="SW"))
    view.grab()
    assert len(drawn) == 2 and drawn[1][1].startswith("Live · 14 fps")


def test_a_tile_too_small_for_the_time_code_says_so_when_latency_is_shown(qtbot, station):
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    view = window.wall_view.tile_views[0]
    view._on_state(FeedState(FeedStatus.LIVE, fps=15.0, decoding="SW"))
    view.show_latency(True)
    view._picture = QRect(0, 0, 150, 84)  # as painted: narrower than the code can be read
    view.grab()
    assert view.labels.key[4].endswith("tile too small to read the latency")
    view._picture = QRect(0, 0, 320, 180)
    view.grab()
    assert view.labels.key[4].endswith("SW")  # readable size, no reading yet: nothing said


def test_on_a_high_dpi_screen_a_frame_made_for_the_tile_is_copied_device_pixel_for_pixel(qapp):
    ratio = 2.0
    rect = QRect(0, 0, 181, 102)  # logical pixels; the tile is 362x204 device pixels
    frame = frame_of(*frame_size_for((640, 360), (362, 204)))
    assert (frame.width, frame.height) == (362, 204)
    canvas = QImage(362, 204, QImage.Format.Format_RGB32)
    canvas.setDevicePixelRatio(ratio)
    canvas.fill(QColor(255, 0, 255))
    p = QPainter(canvas)
    paint_frame(p, rect, frame, ratio)
    p.end()
    out = np.frombuffer(canvas.constBits(), np.uint8).reshape(204, 362, 4)
    assert np.array_equal(out[:, :, :3], frame.image[:, :, :3])


def test_a_picture_that_is_not_live_is_painted_grey_and_dimmed_in_the_same_place(qapp):
    # Issue 14: the last frame of a lost stream must not pass for live at a glance.
    rect = QRect(0, 0, 400, 300)
    frame = frame_of(640, 360)
    live, target = painted(rect, frame)
    canvas = QImage(rect.width(), rect.height(), QImage.Format.Format_RGB32)
    p = QPainter(canvas)
    assert paint_frame(p, rect, frame, live=False) == target  # overlays land where they did
    p.end()
    out = np.frombuffer(canvas.constBits(), np.uint8).reshape(300, 400, 4).astype(int)
    picture = out[37:262, :, :3]
    assert (picture.max(axis=2) - picture.min(axis=2)).max() <= 1  # grey
    assert picture.mean() < 0.5 * live[37:262, :, :3].mean()  # and dimmed
