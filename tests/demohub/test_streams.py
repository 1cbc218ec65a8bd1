"""Live streams over real HTTP: valid MPEG-TS that PyAV decodes, encoders only while watched."""

from __future__ import annotations

import asyncio
import itertools
import socket
import statistics
import threading
import time

import av
import pytest

from console.base import timecode
from demohub.streams import Viewer


def _decode(url: str, frames: int) -> list[av.VideoFrame]:
    got: list[av.VideoFrame] = []
    with av.open(url, options={"probesize": "65536", "analyzeduration": "500000"}) as container:
        for frame in container.decode(video=0):
            got.append(frame)
            if len(got) >= frames:
                break
    return got


@pytest.mark.parametrize(("profile", "size"), [("sub", (640, 360)), ("main", (1280, 720))])
def test_stream_decodes_with_pyav_and_carries_the_time_code(hub, profile, size):
    before = time.time() * 1000
    frames = _decode(f"{hub.url}/streams/cam-03/{profile}.ts", 8)
    after = time.time() * 1000
    assert len(frames) == 8
    assert frames[0].key_frame  # every viewer starts at a key frame
    stamps = []
    for frame in frames:
        assert (frame.width, frame.height) == size
        stamps.append(timecode.read(frame.to_ndarray(format="bgr24")))
    assert None not in stamps
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert before - 2000 < stamps[0] and stamps[-1] < after
    # 15 fps: consecutive pictures are about 67 ms apart.
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    # The median gap: paced at about 15 fps; one frame held back by a busy machine (370 ms
    # once, beside a soak) must not decide it.
    assert 40 < statistics.median(gaps) < 120, gaps


def test_encoder_runs_only_while_watched(hub):
    assert not hub.encoder_threads()
    url = f"{hub.url}/streams/cam-05/sub.ts"
    with av.open(url, options={"probesize": "65536", "analyzeduration": "500000"}) as c1:
        next(c1.decode(video=0))
        assert len(hub.encoder_threads()) == 1
        with av.open(url, options={"probesize": "65536", "analyzeduration": "500000"}) as c2:
            frame = next(c2.decode(video=0))
            assert frame.key_frame  # a second viewer also starts at a key frame
            assert len(hub.encoder_threads()) == 1  # encoded once for both
            assert hub.call(lambda: hub.hub.streams.viewers("cam-05", "sub")) == 2
        assert hub.wait_until(
            lambda: hub.call(lambda: hub.hub.streams.viewers("cam-05", "sub")) == 1
        )
        assert len(hub.encoder_threads()) == 1
    assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)
    assert hub.call(hub.hub.streams.active) == []


# serial: the joiner's key frame within 0.6 s, from an encoder thread the load beside it slows
@pytest.mark.serial
def test_a_new_viewer_gets_a_key_frame_at_once(hub):
    url = f"{hub.url}/streams/cam-01/sub.ts"
    with av.open(url, options={"probesize": "65536", "analyzeduration": "500000"}) as first:
        decoded = first.decode(video=0)
        for _ in range(5):
            next(decoded)  # the encoder is now mid-GOP (a GOP is 30 frames)
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", hub.port), timeout=5) as sock:
            sock.sendall(b"GET /streams/cam-01/sub.ts HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"\x00\x00\x00\x01\x65" not in data and b"\x00\x00\x01\x65" not in data:
                chunk = sock.recv(65536)
                assert chunk
                data += chunk
        elapsed = time.monotonic() - start
    head = data.split(b"\r\n\r\n", 1)[0].decode().lower()
    assert "200 ok" in head and "video/mp2t" in head and "chunked" in head
    assert elapsed < 0.6, elapsed  # not the up-to-2-s wait for the next regular key frame


def test_a_slow_viewer_is_dropped_without_blocking_others():
    async def main() -> tuple[bool, bool, int]:
        dropped = threading.Event()
        viewer = Viewer(max_frames=3, on_drop=dropped.set)
        for i in range(3):
            viewer.deliver(bytes([i]))
        assert not viewer.dropped
        viewer.deliver(b"too much")
        items = []
        while not viewer.queue.empty():
            items.append(viewer.queue.get_nowait())
        viewer.deliver(b"after")
        return viewer.dropped, dropped.is_set(), len(items) if items == [None] else -1

    assert asyncio.run(main()) == (True, True, 1)


def test_a_stalled_client_is_disconnected_and_its_encoder_stops(hub_factory):
    hub = hub_factory(viewer_queue_frames=4, stream_sndbuf=4096)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", hub.port))
    try:
        sock.sendall(b"GET /streams/cam-02/main.ts HTTP/1.1\r\nHost: x\r\n\r\n")
        # Never read: the hub must give up on this viewer within a few seconds.
        assert hub.wait_until(
            lambda: hub.call(lambda: hub.hub.streams.viewers("cam-02", "main")) == 1
        )
        assert hub.wait_until(
            lambda: hub.call(lambda: hub.hub.streams.viewers("cam-02", "main")) == 0, 15.0
        )
        assert hub.wait_until(lambda: not hub.encoder_threads(), 3.0)
    finally:
        sock.close()


def test_disconnect_is_noticed_promptly(hub):
    with socket.create_connection(("127.0.0.1", hub.port), timeout=5) as sock:
        sock.sendall(b"GET /streams/cam-04/sub.ts HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096)
        assert hub.call(lambda: hub.hub.streams.viewers("cam-04", "sub")) == 1
    closed = time.monotonic()
    assert hub.wait_until(lambda: not hub.encoder_threads(), 2.0)
    assert time.monotonic() - closed < 1.0


def test_stop_ends_streams_and_event_channels_promptly(hub_factory):
    hub = hub_factory()
    sock = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
    sock.sendall(b"GET /streams/cam-06/sub.ts HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(4096)
    ws = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
    ws.sendall(
        b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert b"101" in ws.recv(4096)
    start = time.monotonic()
    hub.run(hub.hub.stop())
    assert time.monotonic() - start < 3.0
    assert not hub.encoder_threads()
    sock.settimeout(3)
    while sock.recv(65536):  # the stream ends (chunked terminator, then close)
        pass
    sock.close()
    ws.close()


def test_a_failing_encoder_ends_its_streams_and_the_next_viewer_gets_a_fresh_one(hub):
    from demohub.scenes import Scene, scene_for

    class Broken(Scene):
        def render(self, t, width, height):
            raise RuntimeError("scene exploded")

    # An encoder left running by an earlier test would keep the healthy scene: wait it out.
    assert hub.wait_until(lambda: hub.call(lambda: hub.hub.streams.viewers("cam-08", "sub")) == 0)
    hub.call(lambda: hub.hub._scenes.__setitem__("cam-08", Broken("Rooftop")))
    with socket.create_connection(("127.0.0.1", hub.port), timeout=5) as sock:
        sock.sendall(b"GET /streams/cam-08/sub.ts HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):  # the hub ends the response instead of hanging
            data += chunk
    assert b"200 OK" in data
    assert hub.wait_until(lambda: hub.call(lambda: hub.hub.streams.viewers("cam-08", "sub")) == 0)
    hub.call(lambda: hub.hub._scenes.__setitem__("cam-08", scene_for("rooftop", "Rooftop")))
    frames = _decode(f"{hub.url}/streams/cam-08/sub.ts", 2)
    assert len(frames) == 2
