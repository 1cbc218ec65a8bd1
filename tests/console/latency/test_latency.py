import numpy as np

from console.base import timecode
from console.latency.meter import LatencyMeter


def frame_stamped(unix_ms: int) -> np.ndarray:
    bgr = np.full((360, 640, 3), 90, np.uint8)
    timecode.stamp(bgr, unix_ms)
    bgrx = np.zeros((360, 640, 4), np.uint8)
    bgrx[..., :3] = bgr
    return bgrx


def test_latency_is_paint_time_minus_the_time_code_sampled_not_per_frame():
    meter = LatencyMeter(interval_s=0.5)
    meter.offer(frame_stamped(1_000_000), now=1000.120)
    meter.offer(frame_stamped(1_000_000), now=1000.300)  # too soon: not read
    meter.offer(frame_stamped(1_000_500), now=1000.700)
    assert meter.latest_ms == 200
    assert meter.percentile(0.5) in (120, 200)
    assert meter.percentile(0.95) == 200


def test_frames_without_a_time_code_are_counted_not_guessed():
    meter = LatencyMeter(interval_s=0)
    meter.offer(np.zeros((360, 640, 4), np.uint8), now=5.0)
    assert meter.latest_ms is None and meter.unreadable == 1
