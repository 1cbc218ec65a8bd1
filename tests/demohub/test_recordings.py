"""Recordings on the demo hub over real sockets: capabilities, the recorded span, the playback
endpoint and its refusals, and playback streams decoded with PyAV, checked by the time code
burned into every picture (the recording at T is the scene as drawn at T).
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
import numpy as np
import pytest

from console.base import timecode
from demohub.alerts import cycle_start, default_scene, scenario_at, unix_iso
from demohub.cameras import PUBLIC_CAMERAS
from demohub.recordings import DEFAULT_MAX_PLAYBACKS, DEFAULT_RETENTION_S, PlaybackClock
from tests.support.openapi import ROOT, openapi, validator

PTZ_CAM = "cam-08"
FRAME_MS = 1000 / 15  # one frame interval at the demo hub's 15 fps
PERSON_BGR = (150, 40, 40)  # the entrance walker's body (EntranceScene)
AV_OPTIONS = {"probesize": "65536", "analyzeduration": "500000"}


def unix_ms(text: str) -> int:
    """A contract timestamp as Unix milliseconds."""
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(when.timestamp() * 1000)


def recordings(hub, camera_id: str, **query: str) -> tuple[int, Any]:
    suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
    return hub.get_json(f"/api/v1/cameras/{camera_id}/recordings{suffix}")


def playback(hub, camera_id: str, start: str | None, profile: str = "sub") -> tuple[int, Any]:
    suffix = "" if start is None else f"?start={urllib.parse.quote(start)}"
    return hub.get_json(f"/api/v1/cameras/{camera_id}/playback/{profile}{suffix}")


def assert_error(answer: tuple[int, Any], status: int, code: str, *words: str) -> str:
    got_status, body = answer
    assert (got_status, body["error"]["code"]) == (status, code), body
    validator("Error").validate(body)
    message = body["error"]["message"]
    for word in words:
        assert word in message, message
    return message


def playback_sessions(hub) -> int:
    return hub.call(lambda: len(hub.hub._playbacks))


def open_raw_stream(hub, path: str) -> socket.socket:
    """A playback stream opened on a plain socket, once its first bytes have arrived."""
    sock = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    head = sock.recv(65536)
    assert b"200 OK" in head and b"video/mp2t" in head, head[:200]
    return sock


def stream_path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


# -- capabilities and spans ---------------------------------------------------------------------


def test_hub_and_every_camera_but_the_ptz_one_are_recorded(hub):
    info = hub.get_json("/api/v1/hub")[1]
    assert "recordings" in info["capabilities"]
    validator("HubInfo").validate(info)
    cameras = {c["id"]: c for c in hub.get_json("/api/v1/cameras")[1]["cameras"]}
    assert set(cameras) == {c.id for c in PUBLIC_CAMERAS}
    for camera_id, camera in cameras.items():
        validator("Camera").validate(camera)
        assert ("recordings" in camera["capabilities"]) is (camera_id != PTZ_CAM), camera_id
    assert cameras[PTZ_CAM]["capabilities"] == ["live", "ptz"]
    assert hub.get_json("/api/v1/cameras/cam-03")[1]["capabilities"] == ["live", "recordings"]


def test_the_span_runs_from_the_hub_start_to_now(hub_factory):
    before = time.time()
    hub = hub_factory()
    started = time.time()
    time.sleep(0.3)
    status, body = recordings(hub, "cam-03")
    now = time.time()
    assert status == 200
    validator("Recordings").validate(body)
    assert body["camera_id"] == "cam-03"
    assert body["retention_s"] == DEFAULT_RETENTION_S == 3600
    [span] = body["spans"]
    start, end = unix_ms(span["start"]), unix_ms(span["end"])
    assert before * 1000 - 1 <= start <= started * 1000 + 1
    assert now * 1000 - 1000 < end <= now * 1000 + 1
    assert end - start >= 290


def test_retention_cuts_the_span(hub_factory):
    hub = hub_factory(recording_retention_s=5, recorded_since=time.time() - 600)
    status, body = recordings(hub, "cam-01")
    assert status == 200 and body["retention_s"] == 5
    [span] = body["spans"]
    assert abs(unix_ms(span["end"]) - unix_ms(span["start"]) - 5000) <= 2
    assert abs(unix_ms(span["end"]) - time.time() * 1000) < 1000


def test_from_and_to_pick_the_spans_that_overlap(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    [span] = recordings(hub, "cam-02")[1]["spans"]

    def starts(**query: str) -> list[str]:
        """The starts of the spans answered (a span's end keeps moving with now)."""
        status, body = recordings(hub, "cam-02", **query)
        assert status == 200, body
        validator("Recordings").validate(body)
        return [s["start"] for s in body["spans"]]

    # Whole spans, not cut at from/to.
    assert starts(**{"from": unix_iso(now - 50), "to": unix_iso(now - 40)}) == [span["start"]]
    assert starts(to=unix_iso(now - 200)) == []
    assert starts(**{"from": unix_iso(now + 60)}) == []
    assert starts(**{"from": unix_iso(now - 500)}) == [span["start"]]
    offset = time.strftime("%Y-%m-%dT%H:%M:%S+01:00", time.gmtime(now - 150 + 3600))
    assert starts(to=offset) == []  # 150 s ago, written in another zone
    assert_error(
        recordings(hub, "cam-02", **{"from": unix_iso(now), "to": unix_iso(now - 1)}),
        400,
        "bad_request",
        "to must not be before from",
    )
    assert_error(recordings(hub, "cam-02", to="yesterday"), 400, "bad_request", "to must be")
    assert_error(
        recordings(hub, "cam-02", **{"from": "2026-11-22T10:00:00"}),
        400,
        "bad_request",
        "from needs a time zone",
    )


def test_the_ptz_camera_is_not_recorded(hub):
    for answer in (
        recordings(hub, PTZ_CAM),
        playback(hub, PTZ_CAM, unix_iso(time.time())),
        hub.get_json(f"/playback/{PTZ_CAM}/sub.ts?start={round(time.time() * 1000)}"),
    ):
        message = assert_error(answer, 400, "not_supported", "'Rooftop PTZ' is not recorded")
        assert "steered" in message


def test_a_hub_without_recordings_says_so(hub_factory):
    hub = hub_factory(recording_retention_s=0)
    assert "recordings" not in hub.get_json("/api/v1/hub")[1]["capabilities"]
    cameras = hub.get_json("/api/v1/cameras")[1]["cameras"]
    assert all("recordings" not in c["capabilities"] for c in cameras)
    assert_error(recordings(hub, "cam-01"), 400, "not_supported", "keeps no recordings")
    assert_error(playback(hub, "cam-01", unix_iso(time.time())), 400, "not_supported")


# -- the playback endpoint ----------------------------------------------------------------------


def test_playback_endpoint_answers_a_playback_endpoint(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    start = unix_iso(now - 30.25)
    status, body = playback(hub, "cam-05", start, "main")
    assert status == 200
    validator("PlaybackEndpoint").validate(body)
    assert body == {
        "camera_id": "cam-05",
        "profile": "main",
        "start": start,
        "url": f"{hub.url}/playback/cam-05/main.ts?start={unix_ms(start)}",
        "container": "mpegts",
        "transport": "http",
        "codec": "h264",
        "width": 1280,
        "height": 720,
        "fps": 15,
        "speed": 1,
        "direction": "forward",
        "intra_only": False,
    }
    # An explicit offset names the same moment.
    offset = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix_ms(start) // 1000 + 3600))
    same = playback(hub, "cam-05", f"{offset}.{start[20:23]}+01:00")[1]
    assert same["start"] == start


def test_playback_endpoint_refusals(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    assert_error(playback(hub, "cam-01", None), 400, "bad_request", "start is required")
    assert_error(playback(hub, "cam-01", "noon"), 400, "bad_request", "start must be")
    assert_error(playback(hub, "cam-01", "2026-11-22T10:00:00.000"), 400, "bad_request", "zone")
    assert_error(playback(hub, "cam-99", unix_iso(now)), 404, "not_found", "cam-99")
    assert_error(playback(hub, "cam-01", unix_iso(now), "ultra"), 404, "not_found", "ultra")
    span = recordings(hub, "cam-01")[1]["spans"][0]
    for outside in (now - 200, now + 60):
        message = assert_error(
            playback(hub, "cam-01", unix_iso(outside)),
            400,
            "out_of_range",
            "outside the recordings of 'Main Street'",
            span["start"],
        )
        assert "which run from" in message
    # The stream URL checks the same (Unix milliseconds there), with some grace at the old end.
    base = "/playback/cam-01/sub.ts"
    assert_error(hub.get_json(base), 400, "bad_request", "start must be Unix time")
    assert_error(hub.get_json(f"{base}?start=1.5"), 400, "bad_request")
    assert_error(hub.get_json(f"{base}?start={'9' * 5000}"), 400, "bad_request")
    assert_error(playback(hub, "cam-01", "0001-01-01T00:00:00+01:00"), 400, "bad_request")
    too_old = round((now - 200) * 1000)
    assert_error(hub.get_json(f"{base}?start={too_old}"), 400, "out_of_range")
    assert_error(hub.get_json(f"/playback/cam-99/sub.ts?start={too_old}"), 404, "not_found")


def test_playback_sessions_are_limited(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100, max_playback_sessions=2)
    assert DEFAULT_MAX_PLAYBACKS >= 16  # a 4x4 wall can play back
    urls = [playback(hub, f"cam-0{n}", unix_iso(now - 10 * n))[1]["url"] for n in (1, 2, 4)]
    first = open_raw_stream(hub, stream_path(urls[0]))
    second = open_raw_stream(hub, stream_path(urls[1]))
    try:
        assert playback_sessions(hub) == 2
        message = assert_error(
            playback(hub, "cam-06", unix_iso(now - 5)), 503, "unavailable", "all 2 playback"
        )
        assert "try again" in message
        assert_error(hub.get_json(stream_path(urls[2])), 503, "unavailable")
    finally:
        first.close()
    assert hub.wait_until(lambda: playback_sessions(hub) == 1, 3.0)
    try:
        assert playback(hub, "cam-06", unix_iso(now - 5))[0] == 200
    finally:
        second.close()
    assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)


# -- playback streams ---------------------------------------------------------------------------


def test_playback_starts_at_the_moment_asked_for_and_runs_at_real_time(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 300)
    start = unix_iso(now - 120.5)
    endpoint = playback(hub, "cam-04", start)[1]
    assert endpoint["start"] == start
    frames: list[tuple[float, int, bool]] = []
    opened = time.monotonic()
    with av.open(endpoint["url"], options=AV_OPTIONS) as container:
        threads = [t.name for t in hub.encoder_threads()]
        assert threads == ["demohub-encoder-playback-cam-04-sub-1"]
        for frame in container.decode(video=0):
            assert (frame.width, frame.height) == (640, 360)
            stamp = timecode.read(frame.to_ndarray(format="bgr24"))
            assert stamp is not None, f"frame {len(frames)} carries no time code"
            frames.append((time.monotonic(), stamp, frame.key_frame))
            if len(frames) >= 45:  # 3 s
                break
    closed = time.monotonic()
    # The first picture is a key frame showing the requested moment (to the millisecond).
    _, first_stamp, key = frames[0]
    assert key
    assert abs(first_stamp - unix_ms(start)) < FRAME_MS
    assert first_stamp == unix_ms(start)  # the demo hub is exact
    stamps = [s for _, s, _ in frames]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert 50 < sum(gaps) / len(gaps) < 90, gaps
    # Real time: from the second second on (the first frames may arrive together, held back by
    # the probe), time codes advance as fast as the wall clock, and never ahead of it.
    (t_a, s_a, _), (t_b, s_b, _) = frames[15], frames[-1]
    assert abs((s_b - s_a) / 1000 - (t_b - t_a)) < 0.5, (s_b - s_a, t_b - t_a)
    played = (s_b - unix_ms(start)) / 1000
    assert t_b - opened - 1.5 < played <= t_b - opened + 0.1, (played, t_b - opened)
    # The viewer left: its encoder stops, and its session is free again.
    assert hub.wait_until(lambda: not hub.encoder_threads(), 2.0)
    assert time.monotonic() - closed < 2.0
    assert playback_sessions(hub) == 0


def test_playing_from_an_alert_shows_the_moment_it_fired(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 180)
    cycle = cycle_start(now) - 60  # a whole scenario cycle in the past
    [alert] = [a for a in scenario_at(cycle + 1.5) if a.step.camera_id == "cam-03"]
    assert alert.step.label == "person" and alert.box is not None
    started = unix_iso(alert.started)
    endpoint = playback(hub, "cam-03", started)[1]
    with av.open(endpoint["url"], options=AV_OPTIONS) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="bgr24")
    assert timecode.read(picture) == unix_ms(started)
    box = alert.box
    x0, y0 = round(box.x * 640), round(box.y * 360)
    x1, y1 = round((box.x + box.w) * 640), round((box.y + box.h) * 360)

    def person_pixels(image: np.ndarray) -> int:
        area = image[y0:y1, x0:x1].astype(np.int16)
        return int(np.all(np.abs(area - np.array(PERSON_BGR)) < 40, axis=2).sum())

    # The person coming in through the door, where the alert's box says...
    assert person_pixels(picture) > 50
    # ...and a second earlier the doorway was empty (the same check finds nothing).
    assert person_pixels(default_scene("cam-03").render(alert.started - 1.0, 640, 360)) == 0


def test_stop_ends_playback_streams_and_their_encoders(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 100)
    url = playback(hub, "cam-09", unix_iso(now - 30))[1]["url"]
    sock = open_raw_stream(hub, stream_path(url))
    try:
        assert hub.wait_until(lambda: len(hub.encoder_threads()) == 1)
        started = time.monotonic()
        hub.run(hub.hub.stop())
        assert time.monotonic() - started < 3.0
        assert not hub.encoder_threads()
        sock.settimeout(3)
        while sock.recv(65536):  # the stream ends
            pass
    finally:
        sock.close()


def test_command_line_offers_the_retention():
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "demohub", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert "--retention-s SECONDS" in run("--help").stdout
    refused = run("--retention-s", "-5")
    assert refused.returncode == 2 and "--retention-s must be 0 or more" in refused.stderr


def test_a_playback_clock_starts_at_its_moment_and_runs_at_real_time():
    ticks = iter([100.0, 100.5, 103.0])
    clock = PlaybackClock(1_800_000_000.25, monotonic=lambda: next(ticks))
    assert [clock(), clock(), clock()] == [1_800_000_000.25, 1_800_000_000.75, 1_800_000_003.25]


@pytest.mark.parametrize("path", ["/playback/cam-01/sub.ts", "/api/v1/cameras/cam-01/recordings"])
def test_recordings_paths_are_in_the_openapi_document(path):
    assert path.replace("cam-01", "{camera_id}").replace("sub", "{profile}") in openapi()["paths"]
    assert "/api/v1/cameras/{camera_id}/playback/{profile}" in openapi()["paths"]
