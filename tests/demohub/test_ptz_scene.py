"""The PTZ camera's picture and head, without a hub: the viewport moves, the overlays stay put."""

from __future__ import annotations

import math
import time

import numpy as np

from console.base import timecode
from demohub.ptz import DEMO_PTZ, Motion, Position, PtzHead
from demohub.scenes import HarbourPtzScene, scene_for

T = 1_795_000_000.25


def _scene(pan: float = 0.0, tilt: float = 0.0, zoom: float = 1.0) -> HarbourPtzScene:
    return HarbourPtzScene("Rooftop PTZ", PtzHead(start=Position(pan, tilt, zoom)))


def _mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_the_picture_moves_with_the_head_and_the_overlays_do_not():
    for width, height in ((640, 360), (1280, 720)):
        left = _scene(0.0).render(T, width, height)
        right = _scene(20.0).render(T, width, height)
        up = _scene(0.0, 15.0).render(T, width, height)
        close = _scene(0.0, 0.0, 2.0).render(T, width, height)
        body = (slice(height // 8, height * 5 // 6), slice(0, width))
        for other in (right, up, close):
            assert _mean_diff(left[body], other[body]) > 15
            # Title and clock (top left) and the time code (bottom right) stay where they are.
            for rows, cols in (
                (slice(0, height // 20), slice(0, width // 10)),
                (slice(height // 15, height // 10), slice(0, width // 4)),
            ):
                assert np.array_equal(left[rows, cols], other[rows, cols])
            x0, y0, x1, y1 = timecode.region(width, height)
            assert np.array_equal(left[y0:y1, x0:x1], other[y0:y1, x0:x1])
            assert timecode.read(other) == round(T * 1000)
        # The readout (top right) tells where the head points.
        assert not np.array_equal(
            left[: height // 16, -width // 4 :], right[: height // 16, -width // 4 :]
        )


def test_a_steered_scene_follows_its_head_in_time():
    head = PtzHead()
    scene = scene_for("harbour", "Rooftop PTZ", head)
    assert isinstance(scene, HarbourPtzScene) and scene.head is head
    now = time.time()
    head.go_to(Position(30.0, 0.0, 1.0))  # 1/3 s at 90 deg/s
    at_start = scene.render(now - 1.0, 640, 360)  # before the move: still at home
    assert np.array_equal(at_start[60:300], _scene(0.0).render(now - 1.0, 640, 360)[60:300])
    arrived = scene.render(now + 1.0, 640, 360)
    assert np.array_equal(arrived[60:300], _scene(30.0).render(now + 1.0, 640, 360)[60:300])
    halfway = scene.render(now + 1 / 6, 640, 360)
    assert _mean_diff(halfway[60:300], at_start[60:300]) > 10
    assert _mean_diff(halfway[60:300], arrived[60:300]) > 10


def test_objects_are_the_moving_things_in_the_viewport():
    wide, close = _scene(0.0), _scene(0.0, 0.0, 2.0)
    boxes = wide.objects(T, 1280, 720)
    assert boxes and {b[0] for b in boxes} <= {"car", "boat", "ship", "plane", "bird"}
    for _, x, y, w, h in boxes:
        assert x < 1280 and x + w > 0 and y < 720 and y + h > 0
    # Twice the zoom: the same things, twice as large and twice as far from the centre.
    for label, x, y, w, _ in close.objects(T, 1280, 720):
        match = [b for b in boxes if b[0] == label and abs((b[1] - 640) * 2 + 640 - x) <= 2]
        assert match, (label, x)
        assert abs(match[0][3] * 2 - w) <= 2 and abs((match[0][2] - 360) * 2 + 360 - y) <= 2
    # Panning right moves them left by the pan times the pixels per degree.
    shifted = _scene(3.0).objects(T, 1280, 720)
    still_visible = [a for a in boxes if a[1] - 64 + a[3] > 0]
    assert still_visible
    for label, x, y, w, h in still_visible:
        assert any(
            b[0] == label and abs(x - 64 - b[1]) <= 1 and b[2:] == (y, w, h) for b in shifted
        )


def _same(a: Position, b: Position) -> bool:
    pairs = ((a.pan, b.pan), (a.tilt, b.tilt), (a.zoom, b.zoom))
    return all(math.isclose(x, y, abs_tol=1e-9) for x, y in pairs)


def test_motion_is_a_pure_function_of_time():
    start = Position(10.0, 0.0, 1.0)
    continuous = Motion(DEMO_PTZ, start, 100.0, (90.0, 45.0, 1.0), until=100.5)
    assert continuous.at(99.0) == start
    assert _same(continuous.at(100.25), Position(32.5, 11.25, 2**0.25))
    assert _same(continuous.at(200.0), Position(55.0, 22.5, 2**0.5))
    assert continuous.end == 100.5 and continuous.moving(100.4) and not continuous.moving(100.5)
    clamped = Motion(DEMO_PTZ, start, 100.0, (-90.0, 0.0, -1.0), until=110.0)
    assert _same(clamped.at(110.0), Position(-170.0, 0.0, 1.0))
    assert math.isclose(clamped.end, 102.0)  # 180 degrees at 90 deg/s; zoom was at its end
    target = Motion(DEMO_PTZ, start, 100.0, target=Position(-8.0, -9.0, 4.0))
    assert _same(target.at(100.1), Position(1.0, -4.5, 2**0.1))
    assert _same(target.at(102.0), Position(-8.0, -9.0, 4.0))
    assert math.isclose(target.end, 102.0)  # zoom x4 takes longest: 2 s


def test_rendering_while_the_head_moves_is_cheap():
    head = PtzHead()
    scene = HarbourPtzScene("Speed", head)
    now = time.time()
    head._motion = Motion(DEMO_PTZ, Position(-20.0, 0.0, 1.0), now, (27.0, 4.5, 0.0), now + 10)
    frames = [now + i / 15 for i in range(30)]
    for size in ((1280, 720), (640, 360)):
        for t in frames:  # the first pass draws the tiles it needs
            scene.render(t, *size)
        # CPU time of this thread, best of three passes: what rendering costs, not how long a
        # busy machine kept the test waiting for a core (wall-clock time read 112 ms a frame
        # once while other processes ran; the render itself takes a few ms).
        passes = []
        for _ in range(3):
            started = time.thread_time()
            for t in frames:
                scene.render(t, *size)
            passes.append(time.thread_time() - started)
        per_frame_ms = min(passes) / len(frames) * 1000
        assert per_frame_ms < (10.0 if size[0] == 1280 else 4.0), (size, per_frame_ms)
