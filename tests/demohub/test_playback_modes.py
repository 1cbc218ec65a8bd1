"""Playback at a speed, forward and reverse, key frames only, and where a playback ends (issue 16
section 1), on the demo hub over real sockets. Streams are decoded with PyAV and checked by the
time code burned into every picture: the recording at T is the scene as drawn at T, so the time
codes say which recorded moment each frame shows.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from typing import Any

import av
import pytest

from console.base import timecode
from demohub.alerts import unix_iso
from demohub.recordings import (
    INTRA_ONLY_FPS,
    SPEEDS,
    PlaybackClock,
    Recorder,
    Span,
    parse_speed,
)
from tests.support.openapi import ROOT, validator

FRAME_MS = 1000 / 15
AV_OPTIONS = {"probesize": "65536", "analyzeduration": "500000"}
GAP_CAM = "cam-10"  # recorded with a gap from minute 8 to minute 9 of every ten


def unix_ms(text: str) -> int:
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(when.timestamp() * 1000)


def playback(hub, camera_id: str, start: str, profile: str = "sub", **modes: str):
    query = urllib.parse.urlencode({"start": start, **modes})
    return hub.get_json(f"/api/v1/cameras/{camera_id}/playback/{profile}?{query}")


def assert_error(answer: tuple[int, Any], status: int, code: str, *words: str) -> str:
    got_status, body = answer
    assert (got_status, body["error"]["code"]) == (status, code), body
    validator("Error").validate(body)
    message = body["error"]["message"]
    for word in words:
        assert word in message, message
    return message


def stamps_of(url: str, count: int | None = None, timeout: float = 10.0) -> list[int]:
    """The time codes of the first `count` frames of a stream (None: until it ends)."""
    stamps: list[int] = []
    deadline = time.monotonic() + timeout
    with av.open(url, options=AV_OPTIONS, timeout=5.0) as container:
        for frame in container.decode(video=0):
            stamp = timecode.read(frame.to_ndarray(format="bgr24"))
            assert stamp is not None, f"frame {len(stamps)} carries no time code"
            stamps.append(stamp)
            if count is not None and len(stamps) >= count:
                break
            assert time.monotonic() < deadline, "the stream did not end"
    return stamps


def recorded(hub, camera_id: str) -> list[tuple[int, int]]:
    status, body = hub.get_json(f"/api/v1/cameras/{camera_id}/recordings")
    assert status == 200, body
    return [(unix_ms(s["start"]), unix_ms(s["end"])) for s in body["spans"]]


# -- the endpoint -------------------------------------------------------------------------------


def test_the_endpoint_says_how_the_playback_runs_and_puts_it_in_the_url(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    start = unix_iso(now - 30)
    status, body = playback(hub, "cam-05", start, speed="0.5", direction="reverse")
    assert status == 200, body
    validator("PlaybackEndpoint").validate(body)
    assert (body["speed"], body["direction"], body["intra_only"], body["fps"]) == (
        0.5,
        "reverse",
        False,
        15,
    )
    assert body["url"].endswith(f"?start={unix_ms(start)}&speed=0.5&direction=reverse")
    status, body = playback(hub, "cam-05", start, speed="16.0", intra_only="true")
    validator("PlaybackEndpoint").validate(body)
    assert (body["speed"], body["direction"], body["intra_only"]) == (16, "forward", True)
    assert body["fps"] == INTRA_ONLY_FPS == 5  # the stream's own rate: 5 key frames a second
    assert body["url"].endswith("&speed=16&intra_only=true")
    # The defaults, said out loud, change nothing.
    plain = playback(hub, "cam-05", start)[1]
    said = playback(hub, "cam-05", start, speed="1", direction="forward", intra_only="false")[1]
    assert plain == said and plain["url"].endswith(f"?start={unix_ms(start)}")


@pytest.mark.parametrize(
    ("modes", "word"),
    [
        ({"speed": "3"}, "speed must be a power of two from 0.125"),
        ({"speed": "32"}, "speed"),
        ({"speed": "0.0625"}, "speed"),
        ({"speed": "0"}, "speed"),
        ({"speed": "-2"}, "speed"),
        ({"speed": "nan"}, "speed"),
        ({"speed": "inf"}, "speed"),
        ({"speed": "fast"}, "speed"),
        ({"speed": ""}, "speed"),
        ({"direction": "backwards"}, "direction must be forward or reverse"),
        ({"direction": ""}, "direction"),
        ({"intra_only": "yes"}, "intra_only must be true or false"),
        ({"intra_only": "1"}, "intra_only"),
    ],
)
def test_bad_playback_modes_are_refused_naming_the_parameter(hub_factory, modes, word):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    assert_error(playback(hub, "cam-01", unix_iso(now - 10), **modes), 400, "bad_request", word)
    query = urllib.parse.urlencode({"start": round((now - 10) * 1000), **modes})
    assert_error(hub.get_json(f"/playback/cam-01/sub.ts?{query}"), 400, "bad_request", word)


def test_speeds_are_the_powers_of_two_from_an_eighth_to_sixteen():
    assert SPEEDS == (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
    assert [parse_speed(t) for t in ("0.125", "0.25", ".5", "1", "2.0", "4", "8", "16")] == list(
        SPEEDS
    )
    assert parse_speed(None) == 1.0


def test_a_playback_clock_runs_at_its_rate_either_way():
    ticks = iter([10.0, 10.5, 12.0])
    clock = PlaybackClock(1000.0, monotonic=lambda: next(ticks), rate=4.0)
    assert [clock(), clock(), clock()] == [1000.0, 1002.0, 1008.0]
    ticks = iter([10.0, 10.5, 12.0])
    clock = PlaybackClock(1000.0, monotonic=lambda: next(ticks), rate=-0.125)
    assert [clock(), clock(), clock()] == [1000.0, 999.9375, 999.75]


# -- streams at a speed, forward and reverse ----------------------------------------------------


@pytest.mark.parametrize(
    ("speed", "direction"),
    [("16", "forward"), ("2", "forward"), ("0.125", "forward"), ("1", "reverse"), ("8", "reverse")],
)
def test_time_codes_advance_speed_seconds_per_second_in_the_direction_asked(
    hub_factory, speed, direction
):
    now = time.time()
    hub = hub_factory(recorded_since=now - 600)
    start = unix_iso(now - 300.25)
    endpoint = playback(hub, "cam-04", start, speed=speed, direction=direction)[1]
    stamps = stamps_of(endpoint["url"], 24)
    # The first picture (a key frame: PyAV decodes from one) shows `start` exactly.
    assert stamps[0] == unix_ms(start)
    sign = 1 if direction == "forward" else -1
    steps = [sign * (b - a) for a, b in itertools.pairwise(stamps)]
    assert all(step > 0 for step in steps), steps  # strictly on, the way asked
    # 15 frames a second, each `speed` / 15 s of recording after the one before (a frame the
    # encoder skipped when starved makes one step longer, never shorter).
    expected = float(speed) * FRAME_MS
    median = sorted(steps)[len(steps) // 2]
    assert 0.8 * expected <= median <= 1.25 * expected, (median, expected, steps)
    assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)


def test_intra_only_sends_key_frames_only(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 600)
    start = unix_iso(now - 400)
    endpoint = playback(hub, "cam-05", start, speed="16", intra_only="true")[1]
    keys: list[bool] = []
    stamps: list[int] = []
    with av.open(endpoint["url"], options=AV_OPTIONS, timeout=5.0) as container:
        for packet in container.demux(video=0):
            if packet.size == 0:  # the demuxer's flush packet
                continue
            keys.append(packet.is_keyframe)
            for frame in packet.decode():
                assert frame.key_frame
                stamp = timecode.read(frame.to_ndarray(format="bgr24"))
                assert stamp is not None
                stamps.append(stamp)
            if len(keys) >= 8:
                break
    assert keys == [True] * len(keys), keys
    assert stamps[0] == unix_ms(start)
    # 5 frames a second at 16x: 3.2 s of recording between frames.
    steps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(2400 <= s <= 6800 for s in steps), steps


def test_a_plain_playback_has_frames_between_its_key_frames(hub_factory):
    # The other side of intra-only: a 1x playback is a GOP of 30 (one key frame, then P frames).
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    endpoint = playback(hub, "cam-05", unix_iso(now - 50))[1]
    with av.open(endpoint["url"], options=AV_OPTIONS, timeout=5.0) as container:
        keys = [p.is_keyframe for p in itertools.islice(container.demux(video=0), 6)]
    assert keys[0] and not all(keys), keys


# -- where a playback ends ----------------------------------------------------------------------


def test_forward_faster_than_real_time_catches_up_with_the_present_and_ends(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    start = unix_iso(now - 2)
    endpoint = playback(hub, "cam-04", start, speed="16")[1]
    opened = time.monotonic()
    stamps = stamps_of(endpoint["url"])  # to the end of the stream
    ended = time.time()
    # 2 s behind at 16x: caught up after about 2 / 15 s, so a handful of frames.
    assert time.monotonic() - opened < 5.0
    assert 1 <= len(stamps) <= 20, stamps
    assert stamps[0] == unix_ms(start)
    assert stamps == sorted(stamps)
    assert stamps[-1] <= ended * 1000  # never a picture of the future
    assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)
    assert hub.wait_until(lambda: hub.call(lambda: len(hub.hub._playbacks)) == 0, 3.0)


def test_reverse_ends_at_the_start_of_the_span(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 60)
    [(first, _)] = recorded(hub, "cam-09")
    start = unix_iso((first + 3000) / 1000)  # 3 s into the recordings, backwards at 8x
    endpoint = playback(hub, "cam-09", start, speed="8", direction="reverse")[1]
    stamps = stamps_of(endpoint["url"])
    assert stamps[0] == unix_ms(start)
    assert stamps == sorted(stamps, reverse=True)
    # The last picture is within a frame or two (8 / 15 s each) of the span's start.
    assert first <= stamps[-1] <= first + 3 * 8 * FRAME_MS, (stamps[-1] - first, stamps)
    assert 2 <= len(stamps) <= 7  # 3 s of recording at 8 / 15 s a frame


def test_gaps_cut_the_recordings_of_cam_10(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 1300)
    spans = recorded(hub, GAP_CAM)
    assert len(spans) >= 3  # at least two whole gaps in 1300 s
    for (_, end), (start, _) in itertools.pairwise(spans):
        # A minute without recording, from minute 8 to minute 9 of ten (Unix time).
        assert start - end == 60_000
        assert end % 600_000 == 480_000
    # The others have one span; a hub without gaps records cam-10 in one piece too.
    assert len(recorded(hub, "cam-01")) == 1
    plain = hub_factory(recorded_since=now - 1300, recording_gaps=False)
    assert len(recorded(plain, GAP_CAM)) == 1


def test_a_playback_from_inside_a_gap_is_out_of_range_and_its_ends_are_recorded(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 1300)
    (_, gap_start), (gap_end, _) = recorded(hub, GAP_CAM)[:2]
    inside = (gap_start + 30_000) / 1000
    message = assert_error(
        playback(hub, GAP_CAM, unix_iso(inside)),
        400,
        "out_of_range",
        "start falls in a gap in the recordings of 'Warehouse Aisle 4'",
        unix_iso(gap_start / 1000),
        unix_iso(gap_end / 1000),
    )
    assert "nothing is recorded from" in message
    assert_error(
        hub.get_json(f"/playback/{GAP_CAM}/sub.ts?start={round(inside * 1000)}"),
        400,
        "out_of_range",
        "gap",
    )
    # Both ends of the gap are recorded moments.
    for edge in (gap_start, gap_end):
        assert playback(hub, GAP_CAM, unix_iso(edge / 1000))[0] == 200


@pytest.mark.parametrize("speed", ["1", "16"])
def test_a_forward_playback_ends_at_a_gap(hub_factory, speed):
    now = time.time()
    hub = hub_factory(recorded_since=now - 1300)
    lead_s = 1.0 if speed == "1" else 8.0  # about a second of playback either way
    # A span that ends at a gap and is longer than the lead: the first one can be a few
    # seconds long when the recording began just before a gap (about 1 run in 70 at 16x).
    spans = recorded(hub, GAP_CAM)
    gap_start = next(end for start, end in spans[:-1] if end - start > (lead_s + 1) * 1000)
    start = unix_iso(gap_start / 1000 - lead_s)
    endpoint = playback(hub, GAP_CAM, start, speed=speed)[1]
    opened = time.monotonic()
    stamps = stamps_of(endpoint["url"])
    assert time.monotonic() - opened < 5.0
    assert stamps[0] == unix_ms(start)
    # The last picture is the last frame before the gap: no picture from inside it.
    step = float(speed) * FRAME_MS
    assert gap_start - 3 * step <= stamps[-1] <= gap_start, (gap_start - stamps[-1], step)
    assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)


def test_the_gap_schedule_cuts_the_recorded_stretch_as_a_pure_function_of_time():
    hour = 1_800_000_000.0  # a multiple of 600: minute 0 of a ten-minute period
    recorder = Recorder(3600, since=hour - 7200, clock=lambda: hour + 1250.0)
    spans = recorder.spans(GAP_CAM)
    # From an hour before now to now, cut at minutes 8-9 of every ten.
    assert [(s.start - hour, s.end - hour, s.growing) for s in spans] == [
        (-2350.0, -1920.0, False),
        (-1860.0, -1320.0, False),
        (-1260.0, -720.0, False),
        (-660.0, -120.0, False),
        (-60.0, 480.0, False),
        (540.0, 1080.0, False),
        (1140.0, 1250.0, True),
    ]
    assert recorder.in_gap(GAP_CAM, hour + 500.0)
    assert not recorder.in_gap(GAP_CAM, hour + 480.0)  # both ends of a gap are recorded
    assert not recorder.in_gap(GAP_CAM, hour + 540.0)
    assert not recorder.in_gap("cam-01", hour + 500.0)
    assert recorder.spans("cam-01") == [Span(hour - 2350.0, hour + 1250.0, growing=True)]
    # Now inside a gap: nothing grows; the last span ended at the gap's start.
    inside = Recorder(3600, since=hour, clock=lambda: hour + 500.0)
    assert [(s.start - hour, s.end - hour, s.growing) for s in inside.spans(GAP_CAM)] == [
        (0.0, 480.0, False)
    ]
    # Recording began inside a gap: the first span starts at its end.
    late = Recorder(3600, since=hour + 490.0, clock=lambda: hour + 700.0)
    assert [(s.start - hour, s.end - hour) for s in late.spans(GAP_CAM)] == [(540.0, 700.0)]
    assert Recorder(3600, since=hour, clock=lambda: hour + 700.0, gaps={}).spans(GAP_CAM) == [
        Span(hour, hour + 700.0, growing=True)
    ]


def test_command_line_offers_the_recording_gaps():
    out = subprocess.run(
        [sys.executable, "-m", "demohub", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "--recording-gaps {on,off}" in out


def test_a_playback_in_any_mode_counts_against_the_playback_limit(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 600, max_playback_sessions=1)
    url = playback(hub, "cam-02", unix_iso(now - 500), speed="0.125", intra_only="true")[1]["url"]
    parts = urllib.parse.urlsplit(url)
    sock = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
    try:
        sock.sendall(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert b"200 OK" in sock.recv(65536)
        assert hub.wait_until(lambda: hub.call(lambda: len(hub.hub._playbacks)) == 1)
        assert_error(
            playback(hub, "cam-03", unix_iso(now - 60), direction="reverse"), 503, "unavailable"
        )
    finally:
        sock.close()
    assert hub.wait_until(lambda: hub.call(lambda: len(hub.hub._playbacks)) == 0, 3.0)
    assert playback(hub, "cam-03", unix_iso(now - 60), direction="reverse")[0] == 200
