"""Streams that connect and never give a picture are flagged like streams that stop.

Real libvlc players and real misbehaving servers (`tests/support/hostile_streams.py`): each
case must leave Connecting… for Signal lost with a plain reason within 5 s of the attempt's
start, and try again with the capped backoff. A valid stream whose picture never changes is
live, and reported frozen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from console.base.marshal import Marshal
from console.media.engine import MediaEngine
from console.media.feed import FeedState, FeedStatus, FeedTiming, LiveFeed
from console.media.media_settings import HardwareDecoding, MediaSettings
from tests.support.hostile_streams import CASES, HostileStreams

# A busy 2-core machine may be a tick or two late to notice: the deadline itself is 5 s.
SLACK_S = 1.5
EXPECTED_REASON = {
    "silent": "nothing playable came from the camera",
    "drip": "nothing playable came from the camera",
    "garbage": "nothing playable came from the camera",
    "never": "nothing playable came from the camera",
    "no_video": "the stream carries no video that can be decoded",
    "redirect": "stream error",
    "empty": "stream",  # libvlc reports an error or the end, at once
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileStreams]:
    server = HostileStreams().start()
    yield server
    server.stop()


def _watch(feed: LiveFeed) -> list[tuple[float, FeedState]]:
    log: list[tuple[float, FeedState]] = []
    feed.state_changed.connect(lambda s: log.append((time.monotonic(), s)))
    return log


def test_every_stream_that_never_gives_a_picture_is_lost_within_5_s_and_retried(
    hostile: HostileStreams,
) -> None:
    cases = [c for c in CASES if c != "frozen"]
    assert set(cases) == set(EXPECTED_REASON)

    async def main() -> dict[str, list[tuple[float, FeedState]]]:
        marshal = Marshal(asyncio.get_running_loop())
        engine = MediaEngine(MediaSettings(hw_decoding=HardwareDecoding.AUTO), marshal)
        feeds: dict[str, LiveFeed] = {}
        logs: dict[str, list[tuple[float, FeedState]]] = {}
        for case in cases:

            async def resolve(url: str = hostile.url(case)) -> str:
                return url

            feed = LiveFeed(engine.create_player, resolve, marshal, 15.0, name=case)
            logs[case] = _watch(feed)
            feeds[case] = feed
            feed.start()
        try:
            end = time.monotonic() + 5.0 + SLACK_S + 6.0
            while time.monotonic() < end and not all(
                any(s.status is FeedStatus.CONNECTING and s.attempt >= 1 for _, s in log)
                for log in logs.values()
            ):
                await asyncio.sleep(0.1)
        finally:
            for feed in feeds.values():
                feed.close()
            assert engine.shutdown(5.0)
        return logs

    logs = asyncio.run(main())
    for case, log in logs.items():
        started = log[0][0]
        assert log[0][1].status is FeedStatus.CONNECTING, case
        lost = [(t, s) for t, s in log if s.status is FeedStatus.SIGNAL_LOST]
        assert lost, f"{case}: never flagged: {[s for _, s in log]}"
        t_lost, first = lost[0]
        assert t_lost - started <= 5.0 + SLACK_S, f"{case}: flagged after {t_lost - started:.1f} s"
        assert first.reason and EXPECTED_REASON[case] in first.reason, (case, first.reason)
        assert first.retry_in_s is not None and first.retry_in_s <= 5.0, case
        assert not any(s.status is FeedStatus.LIVE for _, s in log), case
        # ... and it tries again, with the capped backoff
        again = [s for t, s in log if t > t_lost and s.status is FeedStatus.CONNECTING]
        assert again and again[0].attempt >= 1, f"{case}: no retry"


def test_a_stream_whose_picture_never_changes_is_live_and_reported_frozen(
    hostile: HostileStreams,
) -> None:
    async def main() -> list[tuple[float, FeedState]]:
        marshal = Marshal(asyncio.get_running_loop())
        engine = MediaEngine(MediaSettings(hw_decoding=HardwareDecoding.OFF), marshal)

        async def resolve() -> str:
            return hostile.url("frozen")

        timing = FeedTiming(frozen_after_s=2.0)
        feed = LiveFeed(engine.create_player, resolve, marshal, 15.0, timing=timing, name="f")
        log = _watch(feed)
        feed.start()
        try:
            end = time.monotonic() + 15
            while time.monotonic() < end and feed.state.frozen_s is None:
                await asyncio.sleep(0.1)
        finally:
            feed.close()
            assert engine.shutdown(5.0)
        return log

    log = asyncio.run(main())
    frozen = [s for _, s in log if s.frozen_s is not None]
    assert frozen, [s for _, s in log]
    assert frozen[0].status is FeedStatus.LIVE and frozen[0].frozen_s >= 2.0
    # frames kept coming: it was live (with a frame rate) before and while frozen
    assert any(s.status is FeedStatus.LIVE and s.fps for _, s in log)
