"""`frame_grab` against the real demo hub: playback URLs asked through the client's recordings
facet, decoded with PyAV; every picture's moment read back from the time code in it."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from datetime import datetime, timezone

import pytest

from console.hub.models import PlaybackEndpoint
from console.hub.registry import HubConfig, create_client
from console.playback.frame_grab import GrabbedFrame, GrabError, grab_frame, stream_frames

FRAME_MS = 1000 / 15


@pytest.fixture(scope="module")
def hub():
    """One hub with ten minutes of recordings for the whole module (the tests only read)."""
    from tests.support.hubthread import HubThread, encoder_threads, wait_until

    hub = HubThread(recorded_since=time.time() - 600)
    yield hub
    hub.close()
    assert wait_until(lambda: not encoder_threads()), "encoder threads left behind"


def endpoint(hub, camera_id: str, at_ms: int, *, reverse: bool = False) -> PlaybackEndpoint:
    async def ask() -> PlaybackEndpoint:
        client = create_client(HubConfig(url=hub.url, operator="ana"))
        try:
            recordings = client.recordings_facet
            assert recordings is not None
            at = datetime.fromtimestamp(at_ms / 1000, tz=timezone.utc)
            return await recordings.playback(camera_id, "sub", at, reverse=reverse)
        finally:
            await client.close()

    return asyncio.run(ask())


def moment(seconds_ago: float) -> int:
    return round((time.time() - seconds_ago) * 1000)


def test_grab_frame_returns_the_picture_of_exactly_the_moment_asked_at_the_size_asked(hub):
    at = moment(120)
    grabbed = grab_frame(endpoint(hub, "cam-01", at).url, at, (480, 270))
    assert grabbed.unix_ms is not None
    assert abs(grabbed.unix_ms - at) <= 1
    assert grabbed.image.shape == (270, 480, 4)
    assert grabbed.image.flags["C_CONTIGUOUS"]
    # Its own size when none is asked.
    own = grab_frame(endpoint(hub, "cam-02", at).url, at)
    assert own.image.shape[2] == 4 and own.image.shape[1] >= 320
    assert own.unix_ms is not None and abs(own.unix_ms - at) <= 1


def test_grab_frame_decodes_on_to_a_later_moment_either_way(hub):
    at = moment(200)
    later = at + 500
    grabbed = grab_frame(endpoint(hub, "cam-03", at).url, later, (320, 180))
    assert grabbed.unix_ms is not None
    assert later <= grabbed.unix_ms < later + FRAME_MS + 1
    assert grabbed.decoded > 1
    earlier = at - 500
    back = grab_frame(endpoint(hub, "cam-03", at, reverse=True).url, earlier, reverse=True)
    assert back.unix_ms is not None
    assert earlier - FRAME_MS - 1 < back.unix_ms <= earlier


def test_stream_frames_delivers_pictures_in_time_order_forward_and_backwards(hub):
    at = moment(300)
    for reverse in (False, True):
        got: list[GrabbedFrame] = []
        n = stream_frames(
            endpoint(hub, "cam-01", at, reverse=reverse).url,
            (320, 180),
            8,
            got.append,
            threading.Event(),
        )
        assert n == 8 and len(got) == 8
        moments = [g.unix_ms for g in got if g.unix_ms is not None]
        assert len(moments) == 8  # each with its time code
        assert abs(moments[0] - at) <= 1
        assert moments == sorted(moments, reverse=reverse), moments
        assert len(set(moments)) == 8
        # One picture after the other (the hub paces them in real time: no exact spacing).
        steps = [abs(b - a) for a, b in itertools.pairwise(moments)]
        assert all(0 < s < 1000 for s in steps), steps
        assert all(g.image.shape == (180, 320, 4) for g in got)


def test_a_cancelled_stream_stops_early(hub):
    at = moment(400)
    cancelled = threading.Event()
    got: list[GrabbedFrame] = []

    def deliver(grabbed: GrabbedFrame) -> None:
        got.append(grabbed)
        if len(got) == 3:
            cancelled.set()

    n = stream_frames(endpoint(hub, "cam-02", at).url, (320, 180), 50, deliver, cancelled)
    assert n == 3 and len(got) == 3
    # Cancelled before it starts: nothing delivered.
    assert stream_frames(endpoint(hub, "cam-02", at).url, None, 5, got.append, cancelled) == 0
    assert len(got) == 3


@pytest.mark.parametrize("path", ["/api/v1/hub", "/playback/nowhere/sub.ts"])
def test_a_url_that_is_not_a_stream_is_a_grab_error_in_plain_words(hub, path):
    url = hub.url + path
    with pytest.raises(GrabError) as caught:
        grab_frame(url, moment(60), timeout_s=5)
    message = str(caught.value)
    assert message.startswith("the recording could not be"), message
    assert "http" not in message and "127.0.0.1" not in message
    with pytest.raises(GrabError):
        stream_frames(url, None, 3, lambda g: None, threading.Event(), timeout_s=5)


def test_a_moment_the_stream_does_not_reach_in_time_is_a_grab_error(hub):
    at = moment(500)
    url = endpoint(hub, "cam-01", at).url
    with pytest.raises(GrabError, match="did not reach the moment asked for"):
        grab_frame(url, at + 60_000, (320, 180), timeout_s=1.0)


def test_a_frame_step_of_a_masked_camera_keeps_no_original_pixel_under_the_mask(hub):
    """Privacy masks (issue 18): drawn into the decoded picture after its time code is read."""
    from console.privacy.masks import SOLID_BGR, MaskSet, PrivacyMask, mask_raster

    solid = PrivacyMask("desk", ((0.05, 0.55), (0.45, 0.55), (0.45, 0.95), (0.05, 0.95)))
    blur = PrivacyMask("board", ((0.62, 0.08), (0.92, 0.08), (0.92, 0.38), (0.62, 0.38)), "blur")
    at = moment(90)
    url = endpoint(hub, "cam-03", at).url
    plain = grab_frame(url, at, (640, 360))
    masked = grab_frame(
        endpoint(hub, "cam-03", at).url, at, (640, 360), masks=MaskSet([solid, blur])
    )
    assert masked.unix_ms == plain.unix_ms  # the time code is still read (the mask spares it)
    covered = mask_raster([solid], 640, 360)
    assert (masked.image[covered][:, :3] == SOLID_BGR).all()
    assert not (plain.image[covered][:, :3] == SOLID_BGR).all()
    blurred = mask_raster([blur], 640, 360)
    same = (masked.image == plain.image).all(axis=2)
    assert same[~(covered | blurred)].mean() > 0.99  # outside the masks: the same picture
    expected = plain.image.copy()
    MaskSet([blur]).apply(expected)  # under the blur: the mosaic of the picture, nothing finer
    assert (masked.image[blurred & ~covered] == expected[blurred & ~covered]).all()

    kept: list[GrabbedFrame] = []
    stream_frames(
        endpoint(hub, "cam-03", at).url,
        (640, 360),
        5,
        kept.append,
        threading.Event(),
        masks=MaskSet([solid]),
    )
    assert len(kept) == 5
    assert all((g.image[covered][:, :3] == SOLID_BGR).all() for g in kept)
