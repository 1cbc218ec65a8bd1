"""`WallPlayback`: a real WallModel and WallFeeds switched between live feeds and a real
`PlaybackSession` on the real demo hub (paused starts: the tiles' pictures are decoded with
PyAV from the hub's recordings); and the tiles' playback labels."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest

from console.base.marshal import Marshal
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.registry import HubConfig, create_client
from console.media.engine import MediaEngine
from console.media.feed import FeedStatus
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.playback.session import PlaybackSession, TilePlayback, TileStatus
from console.playback.wall_playback import PlaybackFeed, WallPlayback, feed_state, playback_label
from console.wall.feeds import WallFeeds
from console.wall.layout import preset
from console.wall.model import RenderPath, WallModel, WallState
from tests.support.hubthread import HubThread, encoder_threads, wait_until

SW = MediaSettings(hw_decoding=HardwareDecoding.OFF)


class LiveFeedStandIn:
    """Stands in for a LiveFeed: the live feeds are not what is tested here, only that the
    wall stops and starts them around playback (as tests/console/wall/test_feeds.py does)."""

    def __init__(self, key, log):
        self.key, self.log = key, log

    def start(self):
        self.log.append(("start", self.key.camera_id))

    def close(self):
        self.log.append(("close", self.key.camera_id))

    def set_picture_box(self, size):
        self.box = size


@pytest.fixture(scope="module")
def hub() -> Iterator[HubThread]:
    hub = HubThread(recorded_since=time.time() - 600)
    yield hub
    hub.close()
    assert wait_until(lambda: not encoder_threads()), "encoder threads left behind"


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def run(
    hub: HubThread,
    render_path: RenderPath,
    body: Callable[[WallPlayback, WallModel, WallFeeds, list], Awaitable[None]],
) -> None:
    """`body` with a 2x2 wall of cam-01 and cam-02 and its playback switch."""

    async def main() -> None:
        engine = MediaEngine(SW, Marshal(asyncio.get_running_loop()))
        client = create_client(HubConfig(url=hub.url, operator="ana"))
        log: list[tuple[str, str]] = []
        wall = WallModel(WallState(0, preset("2x2", ["cam-01", "cam-02"]), render_path))
        feeds = WallFeeds(wall, lambda key: LiveFeedStandIn(key, log))
        directory = CameraDirectory(client, Notices())
        await directory.load()

        def make_session() -> PlaybackSession:
            return PlaybackSession(
                client,
                directory,
                lambda name: engine.create_player(RenderPath.COMPOSITED, name=name),
            )

        playback = WallPlayback(wall, feeds, make_session, client)
        try:
            await body(playback, wall, feeds, log)
        finally:
            playback.close()
            await client.close()
            assert engine.shutdown(5.0)
        playback_encoders = lambda: [t for t in encoder_threads() if "playback" in t.name]  # noqa: E731
        assert wait_until(lambda: not playback_encoders(), 10), "playback left running"

    asyncio.run(main())


def ago(seconds: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=seconds)


def test_enter_suspends_the_live_feeds_follows_the_layout_and_leave_resumes_them(hub):
    async def body(playback: WallPlayback, wall: WallModel, feeds: WallFeeds, log) -> None:
        assert sorted(log) == [("start", "cam-01"), ("start", "cam-02")]
        log.clear()
        entered: list[bool] = []
        playback.changed.connect(entered.append)
        rebuilt: list[None] = []
        playback.feeds_changed.connect(lambda: rebuilt.append(None))

        session = playback.enter(ago(120), paused=True)
        assert playback.active and playback.session is session and entered == [True]
        assert feeds.suspended
        assert sorted(log) == [("close", "cam-01"), ("close", "cam-02")]
        assert sorted(session.tile_ids()) == [1, 2]
        first = playback.feed_for(1)
        assert isinstance(first, PlaybackFeed)
        assert first.player is session.frames(1)
        assert playback.feed_for(3) is None  # an empty tile plays nothing
        for tile_id in (1, 2):
            first_feed = playback.feed_for(tile_id)
            assert first_feed is not None
            first_feed.set_picture_box((640, 360))
        await until(
            lambda: all(
                (f := playback.feed_for(t)) is not None and f.state.status is FeedStatus.LIVE
                for t in (1, 2)
            ),
            15,
            "the paused pictures",
        )
        label = first.state.playback
        assert label is not None and label.startswith("❚❚ · "), label

        # A camera dropped on a tile joins the playback, not the live streams.
        log.clear()
        rebuilt.clear()
        wall.assign(3, "cam-03")
        assert rebuilt == [None]
        assert session.camera_of(3) == "cam-03"
        third = playback.feed_for(3)
        assert isinstance(third, PlaybackFeed) and third.player is session.frames(3)
        assert playback.feed_for(1) is first  # the others keep theirs
        # Another camera on a tile: a new feed for it.
        wall.assign(1, "cam-04")
        assert session.camera_of(1) == "cam-04"
        fourth = playback.feed_for(1)
        assert fourth is not None and fourth is not first
        assert fourth.player is session.frames(1)
        assert log == []  # no live stream started meanwhile
        # Entering again goes to the moment asked.
        again = ago(150)
        assert playback.enter(again, paused=True) is session
        assert session.position_ms() == pytest.approx(again.timestamp() * 1000, abs=1)

        playback.leave()
        assert not playback.active and playback.session is None and entered == [True, False]
        assert not feeds.suspended
        assert sorted(log) == [("start", "cam-02"), ("start", "cam-03"), ("start", "cam-04")]
        assert playback.feed_for(1) is None
        assert session.tile_ids() == []  # the session closed
        wall.assign(4, "cam-05")  # the layout no longer reaches the closed session
        assert session.tile_ids() == []

    run(hub, RenderPath.COMPOSITED, body)


def test_a_native_wall_is_composited_while_it_plays_back(hub):
    async def body(playback: WallPlayback, wall: WallModel, feeds: WallFeeds, log) -> None:
        paths: list[RenderPath] = []
        wall.render_path_changed.connect(paths.append)
        log.clear()
        playback.enter(ago(100), paused=True)
        assert wall.render_path is RenderPath.COMPOSITED
        # The native feeds stop; no live stream starts for the composited path meanwhile.
        assert sorted(log) == [("close", "cam-01"), ("close", "cam-02")], log
        log.clear()
        playback.leave()
        assert wall.render_path is RenderPath.NATIVE
        assert paths == [RenderPath.COMPOSITED, RenderPath.NATIVE]
        assert sorted(log) == [("start", "cam-01"), ("start", "cam-02")], log
        assert all(k.tile_id is not None for k in feeds.feeds)  # native feeds again

    run(hub, RenderPath.NATIVE, body)

    async def composited(playback: WallPlayback, wall: WallModel, feeds, log) -> None:
        playback.enter(ago(100), paused=True)
        playback.leave()
        assert wall.render_path is RenderPath.COMPOSITED

    run(hub, RenderPath.COMPOSITED, composited)


# -- labels ------------------------------------------------------------------------------------

SHOWN = datetime(2026, 3, 4, 10, 3, 21, 450_000, tzinfo=timezone.utc)


def when(t: datetime = SHOWN) -> str:
    local = t.astimezone()
    return local.strftime("%H:%M:%S") + f".{local.microsecond // 100_000}"


def test_playback_labels_say_what_the_tile_plays_in_a_few_words():
    playing = TilePlayback(TileStatus.PLAYING, shown=SHOWN)
    assert playback_label(playing) == f"▶ 1x · {when()}"
    paused = TilePlayback(TileStatus.PLAYING, shown=SHOWN, paused=True)
    assert playback_label(paused) == f"❚❚ · {when()}"
    assert when().endswith(".4")
    reverse = TilePlayback(TileStatus.PLAYING, shown=SHOWN, speed=4.0, reverse=True)
    assert playback_label(reverse) == f"◀ 4x · {when()}"
    slow = TilePlayback(TileStatus.PLAYING, shown=SHOWN, speed=0.125)
    assert playback_label(slow) == f"▶ 1/8x · {when()}"
    drifting = TilePlayback(TileStatus.PLAYING, shown=SHOWN, drift_ms=240, speed=2.0)
    assert playback_label(drifting) == f"▶ 2x · {when()} · drift +240 ms"
    behind = TilePlayback(TileStatus.PLAYING, shown=SHOWN, drift_ms=-130, paused=True)
    assert playback_label(behind) == f"❚❚ · {when()} · drift -130 ms"
    assert playback_label(TilePlayback(TileStatus.PLAYING)) == "▶ 1x"  # no picture yet
    assert playback_label(TilePlayback(TileStatus.NO_RECORDING)) == "NO RECORDING"
    assert playback_label(TilePlayback(TileStatus.NOT_RECORDED)) == "NOT RECORDED"
    assert playback_label(TilePlayback(TileStatus.FAILED, "refused")) == "PLAYBACK FAILED"
    own = TilePlayback(TileStatus.PLAYING, shown=SHOWN, detached=True)
    assert playback_label(own) == f"Own time · ▶ 1x · {when()}"
    loading = TilePlayback(TileStatus.OPENING, "Loading…", detached=True)
    assert playback_label(loading) == "Own time · Loading…"
    assert playback_label(TilePlayback(TileStatus.BUFFERING)) == "Buffering…"


def test_a_tile_in_a_gap_says_so_in_its_feed_state():
    state = feed_state(TilePlayback(TileStatus.NO_RECORDING, "No recording at this moment."))
    assert state.status is FeedStatus.SIGNAL_LOST
    assert state.playback == "NO RECORDING"
    assert state.reason == "This camera has no recording at this moment; the others play on."
    playing = feed_state(TilePlayback(TileStatus.PLAYING, shown=SHOWN))
    assert playing.status is FeedStatus.LIVE and playing.reason is None
    failed = feed_state(TilePlayback(TileStatus.FAILED, "The hub refused."))
    assert failed.status is FeedStatus.SIGNAL_LOST and failed.reason == "The hub refused."


def test_the_reason_given_for_playback_goes_with_every_playback_request():
    """A hub that requires a reason for playback (issue 17, section 3) gets the operator's
    reason with the request, and refuses, in plain words, a playback without one."""
    reasoned = HubThread(recorded_since=time.time() - 600, reasons_required=("playback",))
    try:

        async def body(playback: WallPlayback, wall: WallModel, feeds: WallFeeds, log) -> None:
            playback.enter(ago(120), paused=True)
            await until(
                lambda: (
                    (f := playback.feed_for(1)) is not None
                    and f.state.status is FeedStatus.SIGNAL_LOST
                ),
                15,
                "the refusal",
            )
            refused = playback.feed_for(1)
            assert refused is not None and refused.state.reason is not None
            assert "reason" in refused.state.reason, refused.state.reason
            playback.leave()

            reason = {"case": "CR-7", "reason": "Incident review", "words": ""}
            playback.enter(ago(120), paused=True, reason=reason)
            for tile_id in (1, 2):
                feed = playback.feed_for(tile_id)
                assert feed is not None
                feed.set_picture_box((640, 360))
            await until(
                lambda: all(
                    (f := playback.feed_for(t)) is not None and f.state.status is FeedStatus.LIVE
                    for t in (1, 2)
                ),
                15,
                "the pictures played back with a reason",
            )

        run(reasoned, RenderPath.COMPOSITED, body)
        audit = reasoned.hub.audit
        logged = [json.loads(e) for e in reasoned.call(lambda: audit.entries(0, audit.size))]
        given = {e["details"]["camera"] for e in logged if e["action"] == "playback.reason"}
        assert given == {"cam-01", "cam-02"}
        assert all(
            e["details"]["reason"] == {"case": "CR-7", "reason": "Incident review"}
            for e in logged
            if e["action"] == "playback.reason"
        )
    finally:
        reasoned.close()
