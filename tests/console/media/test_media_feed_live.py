"""LiveFeed with the real libvlc against real live, dead, closing, missing and down sources."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from console.base.marshal import Marshal
from console.media.engine import MediaEngine
from console.media.feed import FeedState, FeedStatus, LiveFeed, silence_limit_s
from console.media.media_settings import HardwareDecoding, MediaSettings

FPS = 15.0


async def _until(pred: Callable[[], bool], timeout: float, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def run_feed(
    resolve: Callable[[], Awaitable[str]],
    body: Callable[[LiveFeed, list[tuple[float, FeedState]]], Awaitable[None]],
) -> None:
    async def main() -> None:
        engine = MediaEngine(
            MediaSettings(hw_decoding=HardwareDecoding.OFF), Marshal(asyncio.get_running_loop())
        )
        feed = LiveFeed(engine.create_player, resolve, Marshal(asyncio.get_running_loop()), FPS)
        log: list[tuple[float, FeedState]] = []
        feed.state_changed.connect(lambda s: log.append((time.monotonic(), s)))
        feed.start()
        try:
            await body(feed, log)
        finally:
            feed.close()
            assert engine.shutdown(3.0)

    asyncio.run(main())


def fixed(url: str) -> Callable[[], Awaitable[str]]:
    async def resolve() -> str:
        return url

    return resolve


def test_connecting_to_live_with_measured_fps(server) -> None:
    async def body(feed: LiveFeed, log) -> None:
        assert log[0][1].status is FeedStatus.CONNECTING
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 8, "LIVE")
        await _until(lambda: (feed.state.fps or 0) > 0, 3, "fps")
        await asyncio.sleep(2.2)
        # The measured rate settles on the stream's 15 fps (a busy machine may drop a picture
        # or two as late for a while: it has 8 s to read true, not one instant).
        await _until(lambda: 12.5 <= (feed.state.fps or 0) <= 17.5, 8, f"15 fps: {feed.state}")
        assert feed.state.decoding == "SW"
        statuses = [s.status for _, s in log]
        assert FeedStatus.SIGNAL_LOST not in statuses

    run_feed(fixed(server.url("/live/medium")), body)


def test_dead_stream_goes_signal_lost_in_time_then_reconnects(server) -> None:
    async def body(feed: LiveFeed, log) -> None:
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 8, "LIVE")
        player = feed.player
        await _until(lambda: feed.state.status is FeedStatus.SIGNAL_LOST, 8, "SIGNAL_LOST")
        lost_at = next(t for t, s in log if s.status is FeedStatus.SIGNAL_LOST)
        # The player was stopped at the loss; the reason says how long video was missing.
        reason = feed.state.reason
        assert reason.startswith("no video for "), reason
        silent = float(reason.split()[3])
        limit = silence_limit_s(FPS)
        assert limit <= silent <= limit + 2.0
        assert player.latest_frame() is not None  # the last picture stays on the tile
        # Reconnects (re-resolving) and plays again, then the new stream dies again.
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 10, "LIVE again")
        assert time.monotonic() - lost_at < 10

    run_feed(fixed(server.url("/live/small?after=2&then=dead")), body)


def test_dead_stream_loss_measured_from_last_frame(server) -> None:
    async def body(feed: LiveFeed, log) -> None:
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 8, "LIVE")
        player = feed.player
        last = None
        while feed.state.status is FeedStatus.LIVE:
            last = player.last_frame_at or last
            await asyncio.sleep(0.01)
        lost_at = time.monotonic()
        assert feed.state.status is FeedStatus.SIGNAL_LOST
        assert lost_at - last <= silence_limit_s(FPS) + 2.0
        assert lost_at - last >= silence_limit_s(FPS)

    run_feed(fixed(server.url("/live/small?after=1.5&then=dead")), body)


def test_closed_socket_goes_signal_lost(server) -> None:
    async def body(feed: LiveFeed, log) -> None:
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 8, "LIVE")
        t_live = time.monotonic()
        await _until(lambda: feed.state.status is FeedStatus.SIGNAL_LOST, 8, "SIGNAL_LOST")
        assert time.monotonic() - t_live < 1.5 + silence_limit_s(FPS) + 2.0
        assert feed.state.reason in {
            "stream ended",
            "stream error",
        } or feed.state.reason.startswith("no video for")

    run_feed(fixed(server.url("/live/small?after=1.5&then=close")), body)


def test_404_is_a_stream_error_at_once_with_backoff(server) -> None:
    async def body(feed: LiveFeed, log) -> None:
        t0 = time.monotonic()
        await _until(lambda: feed.state.status is FeedStatus.SIGNAL_LOST, 4, "SIGNAL_LOST")
        assert time.monotonic() - t0 < 3
        assert feed.state.reason == "stream error"
        await _until(lambda: feed.state.attempt >= 3, 8, "three attempts")
        firsts = {}
        for _, s in log:
            if s.status is FeedStatus.SIGNAL_LOST and s.attempt not in firsts:
                firsts[s.attempt] = s.retry_in_s
        assert firsts[1] == 0.5 and firsts[2] == 1.0 and firsts[3] == 2.0

    run_feed(fixed(server.url("/live/missing")), body)


def test_comeback_when_the_server_returns(server) -> None:
    server.mode = "down"

    async def body(feed: LiveFeed, log) -> None:
        await _until(lambda: feed.state.status is FeedStatus.SIGNAL_LOST, 5, "SIGNAL_LOST")
        await _until(lambda: feed.state.attempt >= 2, 5, "second attempt")
        server.mode = "ok"
        t0 = time.monotonic()
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 10, "LIVE after comeback")
        assert time.monotonic() - t0 < 8
        # Going down again while LIVE: the open stream is cut and the feed notices.
        server.mode = "down"
        await _until(lambda: feed.state.status is FeedStatus.SIGNAL_LOST, 6, "lost again")

    run_feed(fixed(server.url("/live/small")), body)


def test_url_resolve_failure_then_success(server) -> None:
    calls = 0

    async def resolve() -> str:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ConnectionRefusedError("hub at http://op:pw@127.0.0.1:9/ refused")
        return server.url("/live/small?token=secret")

    async def body(feed: LiveFeed, log) -> None:
        await _until(lambda: feed.state.status is FeedStatus.SIGNAL_LOST, 2, "SIGNAL_LOST")
        reason = feed.state.reason
        assert reason.startswith("hub unreachable: hub at http://***@127.0.0.1:9/")
        assert "pw" not in reason
        await _until(lambda: feed.state.status is FeedStatus.LIVE, 10, "LIVE")
        assert calls == 3

    run_feed(resolve, body)


def test_a_resized_tile_is_played_again_for_frames_of_its_size(server) -> None:
    async def main() -> None:
        marshal = Marshal(asyncio.get_running_loop())
        engine = MediaEngine(MediaSettings(hw_decoding=HardwareDecoding.OFF), marshal)
        feed = LiveFeed(
            lambda: engine.create_player(picture_size=(640, 360)),
            fixed(server.url("/live/medium")),
            marshal,
            FPS,
        )
        statuses: list[FeedStatus] = []
        feed.state_changed.connect(lambda s: statuses.append(s.status))
        feed.set_picture_box((480, 270))
        feed.start()
        try:
            player = feed.player
            assert player is not None
            await _until(lambda: feed.state.status is FeedStatus.LIVE, 8, "LIVE")
            frame = player.latest_frame()
            assert (frame.width, frame.height) == (480, 270)
            first = player.generation
            feed.set_picture_box((320, 240))
            await _until(lambda: player.generation > first, 3, "the replay")
            held = player.latest_frame()
            assert held is not None and held.generation == first  # the old picture stays
            await _until(lambda: player.latest_frame().generation > first, 8, "new frames")
            frame = player.latest_frame()
            assert (frame.width, frame.height) == (320, 180)
            assert feed.state.status is FeedStatus.LIVE
            assert statuses.count(FeedStatus.CONNECTING) == 1  # the tile stayed LIVE
            assert FeedStatus.SIGNAL_LOST not in statuses
        finally:
            feed.close()
            assert engine.shutdown(3.0)

    asyncio.run(main())
