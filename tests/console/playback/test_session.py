"""`PlaybackSession` against the real demo hub (recordings over real sockets) and real libvlc
players: what each tile shows is read from the time code the hub burns into every picture, so
"in sync" means the pictures on the tiles show the same recorded moment."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest

from console.base.marshal import Marshal
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.registry import HubConfig, create_client
from console.media.engine import MediaEngine
from console.media.frame import RenderPath
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.playback.session import PlaybackSession, TileStatus, time_of
from demohub.recordings import GAP_SCHEDULES
from tests.support.hubthread import HubThread, encoder_threads, wait_until

SW = MediaSettings(hw_decoding=HardwareDecoding.OFF)
FRAME_MS = 1000 / 15  # the demo hub's streams
BOX = (640, 360)
CAMERAS = {1: "cam-01", 2: "cam-02", 3: "cam-03", 4: "cam-10"}
PLAYBACK_BUFFER_MS = 300  # as the console plays recordings (console_app.PLAYBACK_BUFFER_MS)


@pytest.fixture(scope="module")
def hub() -> Iterator[HubThread]:
    """One hub for the module, recording for the last 15 minutes (a whole gap of cam-10's
    schedule lies in them)."""
    hub = HubThread(recorded_since=time.time() - 900)
    yield hub
    hub.close()
    assert wait_until(lambda: not encoder_threads()), "encoder threads left behind"


def playback_encoders() -> list[object]:
    return [t for t in encoder_threads() if "playback" in t.name]


async def until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    detail: Callable[[], object] = lambda: "",
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what} {detail()}"
        await asyncio.sleep(0.02)


def ago(seconds: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=seconds)


def run(
    hub: HubThread,
    cameras: dict[int, str],
    body: Callable[[PlaybackSession], Awaitable[None]],
) -> None:
    """`body` with a session of `cameras` (not started), its tiles painting 640x360; closed
    afterwards, and then no playback encoder may be left on the hub."""

    async def main() -> None:
        engine = MediaEngine(SW, Marshal(asyncio.get_running_loop()))
        client = create_client(HubConfig(url=hub.url, operator="ana"))
        session: PlaybackSession | None = None
        try:
            directory = CameraDirectory(client, Notices())
            await directory.load()
            session = PlaybackSession(
                client,
                directory,
                lambda name: engine.create_player(
                    RenderPath.COMPOSITED, name=name, network_caching_ms=PLAYBACK_BUFFER_MS
                ),
            )
            session.set_tiles(cameras)
            for tile_id in cameras:
                session.set_picture_box(tile_id, BOX)
            await body(session)
        finally:
            if session is not None:
                session.close()
            await client.close()
            assert engine.shutdown(5.0)
        assert hub.wait_until(lambda: not playback_encoders(), 10), "playback left running"

    asyncio.run(main())


def shown(session: PlaybackSession, tile_id: int) -> int | None:
    frames = session.frames(tile_id)
    assert frames is not None
    return frames.shown_ms


def status(session: PlaybackSession, tile_id: int) -> TileStatus:
    state = session.tile_state(tile_id)
    assert state is not None
    return state.status


def offsets(session: PlaybackSession, tiles: list[int]) -> dict[int, float | None]:
    """What each tile shows less the clock's moment (read in one go: nothing moves between)."""
    clock = session.position_ms()
    return {t: (None if (s := shown(session, t)) is None else s - clock) for t in tiles}


def in_sync(session: PlaybackSession, tiles: list[int], *, forward: bool = True) -> bool:
    """Every tile shows the picture the clock reached: at most one picture behind it (reverse:
    ahead of it)."""
    for off in offsets(session, tiles).values():
        if off is None:
            return False
        if forward and not -FRAME_MS <= off <= 1:
            return False
        if not forward and not -1 <= off <= FRAME_MS:
            return False
    return True


def rings(session: PlaybackSession, tiles: list[int]) -> dict[int, list[float]]:
    """The moments each tile keeps, less the clock's (for failure messages)."""
    clock = session.position_ms()
    found = {}
    for t in tiles:
        frames = session.frames(t)
        assert frames is not None
        found[t] = [round(p.unix_ms - clock, 1) for p in frames._ring]
    return found


def exactly_at_clock(session: PlaybackSession, tiles: list[int]) -> bool:
    """Every tile shows the picture of exactly the clock's moment (a decoded one, or one of a
    prefetch burst: its stream starts at a moment rounded to the ms, so within 2 ms)."""
    return all(off is not None and abs(off) <= 2 for off in offsets(session, tiles).values())


def at_the_step(session: PlaybackSession, tiles: list[int]) -> bool:
    """Every tile shows the picture the step reached: at most 2 ms after the clock (a decoded
    picture's rounding) and less than one picture interval before it, so never the picture of
    the step before, a whole interval away (the session's own rule: `step`).

    Not `exactly_at_clock`: a step onto a kept picture shows it where it was recorded, and the
    demo hub stamps each picture of a playback with the moment its encoder made it
    (`PlaybackClock`: the start, then the monotonic time since), so past a stream's first
    picture the moments lie off the 1/15 s grid by the encoder thread's lateness: 3-6 ms seen
    on a loaded machine, where the step rightly showed a picture 6.3 ms before the clock."""
    for off in offsets(session, tiles).values():
        if off is None or not -(FRAME_MS - 1) <= off <= 2:
            return False
    return True


def recorded_moment(seconds_ago: float) -> datetime:
    """About `seconds_ago` back, where cam-10 has recordings for the next half minute."""
    schedule = GAP_SCHEDULES["cam-10"]
    for back in (seconds_ago, seconds_ago + 60, seconds_ago + 120):
        t = time.time() - back
        if not schedule.gaps(t - 5, t + 30):
            return datetime.fromtimestamp(t, tz=timezone.utc)
    raise AssertionError("no recorded moment found")


def gap_of_cam10() -> tuple[float, float]:
    """The latest whole gap of cam-10's recordings that ended over 30 s ago (Unix s)."""
    schedule = GAP_SCHEDULES["cam-10"]
    now = time.time()
    gaps = schedule.gaps(now - 800, now - 30)
    g0, g1 = max(g for g in gaps if g[1] <= now - 30)
    assert g0 > now - 880, "the hub's history must reach the gap"
    return g0, g1


# -- playing in sync ---------------------------------------------------------------------------


def test_tiles_play_in_sync_pause_holds_the_clock_and_steps_move_one_picture(hub):
    tiles = list(CAMERAS)

    async def body(session: PlaybackSession) -> None:
        start = recorded_moment(120)
        session.start(start)
        assert session.state.position is not None and not session.state.paused
        await until(
            lambda: (
                all(status(session, t) is TileStatus.PLAYING for t in tiles)
                and session.position_ms() > start.timestamp() * 1000 + 500
            ),
            20,
            "every tile playing",
        )
        await until(lambda: in_sync(session, tiles), 10, "the tiles in sync")
        clock = session.position_ms()
        assert all(abs(shown(session, t) - clock) <= FRAME_MS for t in tiles)  # type: ignore[operator]
        # Still in sync a moment later, the clock gone on.
        await asyncio.sleep(1.0)
        await until(lambda: in_sync(session, tiles), 10, "the tiles in sync again")
        assert session.position_ms() > clock

        # Pause: the clock stands still, the tiles show its moment.
        session.pause()
        assert session.state.paused
        paused_at = session.position_ms()
        await asyncio.sleep(1.5)  # past the pause fill: the streams stop
        assert session.position_ms() == paused_at
        await until(lambda: in_sync(session, tiles), 10, "the paused pictures")

        # Steps move exactly one picture, and every tile shows it.
        session.step(-1)
        assert session.position_ms() == pytest.approx(paused_at - FRAME_MS, abs=0.01)
        await until(lambda: in_sync(session, tiles), 10, "the picture before")
        session.step(+1)
        session.step(+1)
        assert session.position_ms() == pytest.approx(paused_at + FRAME_MS, abs=0.01)
        await until(lambda: in_sync(session, tiles), 10, "the picture after")

        # A paused seek: each tile shows a picture decoded at exactly that moment, and each
        # step from there the picture it reached.
        target = recorded_moment(200)
        session.seek(target)
        assert session.state.paused
        assert session.position_ms() == pytest.approx(target.timestamp() * 1000, abs=1)
        await until(lambda: exactly_at_clock(session, tiles), 15, "the decoded picture")
        for way in (+1, +1, -1, -1, -1):
            before = session.position_ms()
            session.step(way)
            assert session.position_ms() == pytest.approx(before + way * FRAME_MS, abs=0.01)
            await until(
                lambda: at_the_step(session, tiles),
                15,
                f"the step {way:+d}",
                lambda: (offsets(session, tiles), rings(session, tiles)),
            )
        assert session.position_ms() == pytest.approx(target.timestamp() * 1000 - FRAME_MS, abs=1)
        assert all(status(session, t) is TileStatus.PLAYING for t in tiles)

    run(hub, CAMERAS, body)


def median_spacing(session: PlaybackSession, tile_id: int, since: float, forward: bool) -> float:
    """The median recorded time between the pictures a tile received past `since` (ms)."""
    frames = session.frames(tile_id)
    assert frames is not None
    moments = [p.unix_ms for p in frames._ring]
    moments = [m for m in moments if (m > since if forward else m < since)]
    assert len(moments) >= 4, moments
    return statistics.median(abs(b - a) for a, b in itertools.pairwise(moments))


def test_speeds_shuttle_and_reverse_play(hub):
    tiles = [1, 2]

    async def body(session: PlaybackSession) -> None:
        session.start(ago(300))
        await until(
            lambda: all(status(session, t) is TileStatus.PLAYING for t in tiles), 20, "playing"
        )
        # 4x: the streams come at four times the pace (each picture 4 pictures apart).
        session.set_speed(4)
        assert session.state.speed == 4 and not session.state.reverse
        mark = session.position_ms()
        await until(lambda: session.position_ms() > mark + 3000, 20, "the clock at 4x")
        assert all(median_spacing(session, t, mark, True) > 2.5 * FRAME_MS for t in tiles)
        await until(lambda: in_sync(session, tiles), 10, "the tiles in sync at 4x")

        # J/L shuttle: from pause 1x; again 2x, again 4x.
        session.pause()
        session.shuttle(+1)
        assert (session.state.speed, session.state.paused) == (1.0, False)
        session.shuttle(+1)
        assert session.state.speed == 2.0
        session.shuttle(+1)
        assert session.state.speed == 4.0 and not session.state.reverse
        session.slower()
        assert session.state.speed == 2.0

        # Reverse at 1x: the clock goes back, the tiles follow it.
        session.shuttle(-1)
        assert session.state.reverse and session.state.speed == 1.0
        mark = session.position_ms()
        await until(lambda: session.position_ms() < mark - 1500, 20, "the clock going back")
        await until(lambda: in_sync(session, tiles, forward=False), 10, "the tiles in reverse")
        assert all(status(session, t) is TileStatus.PLAYING for t in tiles)
        frames = session.frames(1)
        assert frames is not None and frames.arrived_ms is not None
        assert frames.arrived_ms < mark  # the stream itself runs backwards

    run(hub, {1: "cam-01", 2: "cam-02"}, body)


# -- gaps, cameras not recorded, the present ---------------------------------------------------


def test_a_tile_in_a_gap_says_no_recording_while_the_others_play_on(hub):
    g0, g1 = gap_of_cam10()
    at = datetime.fromtimestamp(g0 + 20, tz=timezone.utc)

    async def body(session: PlaybackSession) -> None:
        session.start(at)
        await until(
            lambda: (
                all(status(session, t) is TileStatus.PLAYING for t in (1, 2, 3))
                and status(session, 4) is TileStatus.NO_RECORDING
            ),
            20,
            "three playing, cam-10 in its gap",
        )
        mark = session.position_ms()
        await until(lambda: session.position_ms() > mark + 1000, 20, "the clock going on")
        assert status(session, 4) is TileStatus.NO_RECORDING
        assert session.position_ms() < g1 * 1000  # still in the gap: no jump
        assert not session.state.holding or in_sync(session, [1, 2, 3])
        assert shown(session, 4) is None  # it shows nothing of another moment
        state = session.tile_state(4)
        assert state is not None and state.drift_ms is None
        await until(lambda: in_sync(session, [1, 2, 3]), 10, "the others in sync")

    run(hub, CAMERAS, body)


def test_when_every_tile_is_in_a_gap_the_clock_jumps_to_the_next_recording(hub):
    g0, g1 = gap_of_cam10()
    at = datetime.fromtimestamp(g0 + 10, tz=timezone.utc)

    async def body(session: PlaybackSession) -> None:
        session.start(at)
        await until(lambda: session.position_ms() >= g1 * 1000, 20, "the jump past the gap")
        assert session.position_ms() < g1 * 1000 + 20_000  # to the gap's end, not beyond
        await until(lambda: status(session, 1) is TileStatus.PLAYING, 20, "cam-10 playing")
        await until(lambda: (shown(session, 1) or 0) >= g1 * 1000, 20, "a recorded picture")
        assert not session.state.paused

    run(hub, {1: "cam-10"}, body)


def test_a_camera_that_is_not_recorded_holds_nothing_and_the_present_pauses(hub):
    async def body(session: PlaybackSession) -> None:
        session.start(ago(8))
        session.set_speed(4)  # to catch up with the present
        await until(lambda: status(session, 2) is TileStatus.NOT_RECORDED, 20, "cam-08's answer")
        state = session.tile_state(2)
        assert state is not None and state.message == "This camera is not recorded."
        await until(lambda: status(session, 1) is TileStatus.PLAYING, 20, "cam-01 playing")
        # The clock goes on with cam-01, to the present, where it pauses and says so.
        await until(
            lambda: session.state.paused,
            20,
            "the present",
            lambda: (session.state, session.tile_state(1), time.time() * 1000),
        )
        assert session.state.message == "Reached the present: the recordings end here."
        assert session.position_ms() <= time.time() * 1000 - 900
        frames = session.frames(2)
        assert frames is not None and len(frames) == 0 and frames.shown_ms is None
        assert status(session, 2) is TileStatus.NOT_RECORDED
        # It plays on from there when asked.
        session.play()
        assert not session.state.paused and session.state.message == ""
        await until(lambda: status(session, 1) is TileStatus.PLAYING, 20, "playing again")

    run(hub, {1: "cam-01", 2: "cam-08"}, body)


# -- a tile on a clock of its own --------------------------------------------------------------


def test_a_detached_tile_keeps_its_own_moment_and_rejoins_the_wall(hub):
    tiles = [1, 2]

    async def body(session: PlaybackSession) -> None:
        first = ago(240)
        first_ms = first.timestamp() * 1000
        session.start(first, paused=True)
        await until(lambda: exactly_at_clock(session, tiles), 15, "the paused pictures")
        session.detach(1)
        assert session.is_detached(1)
        state = session.tile_state(1)
        assert state is not None and state.detached
        second = ago(260)
        session.seek(second)
        await until(lambda: exactly_at_clock(session, [2]), 15, "the wall's new moment")
        assert shown(session, 1) == pytest.approx(first_ms, abs=1)  # its own moment
        # Commands naming it move its own clock only.
        session.step(+1, tile_id=1)
        await until(
            lambda: abs((shown(session, 1) or 0) - (first_ms + FRAME_MS)) <= 1, 15, "its step"
        )
        assert shown(session, 2) == pytest.approx(second.timestamp() * 1000, abs=1)
        session.rejoin(1)
        assert not session.is_detached(1)
        await until(lambda: exactly_at_clock(session, tiles), 15, "the wall's moment on both")
        assert shown(session, 1) == pytest.approx(second.timestamp() * 1000, abs=1)
        state = session.tile_state(1)
        assert state is not None and not state.detached
        assert session.position() == time_of(session.position_ms())
        # Skips move the clock by whole seconds; a moment to come is clamped to the present.
        session.skip(-10)
        assert session.position_ms() == pytest.approx(second.timestamp() * 1000 - 10_000, abs=1)
        await until(lambda: exactly_at_clock(session, tiles), 15, "ten seconds back")
        session.seek(datetime.now(timezone.utc) + timedelta(hours=1))
        assert session.position_ms() <= time.time() * 1000 - 900
        with pytest.raises(ValueError, match="speed must be one of"):
            session.set_speed(3)

    run(hub, {1: "cam-01", 2: "cam-03"}, body)


def test_a_tile_added_while_paused_shows_the_clocks_moment_and_streams_nothing(hub):
    async def body(session: PlaybackSession) -> None:
        at = recorded_moment(150)
        session.start(at, paused=True)
        await until(lambda: exactly_at_clock(session, [1]), 15, "the paused picture")
        session.set_tiles({1: "cam-01", 2: "cam-02", 3: "cam-08"})
        session.set_picture_box(2, BOX)
        await until(lambda: exactly_at_clock(session, [1, 2]), 15, "the new tile's picture")
        assert session.position_ms() == pytest.approx(at.timestamp() * 1000, abs=1)
        await until(lambda: status(session, 3) is TileStatus.NOT_RECORDED, 15, "cam-08's answer")
        # Paused, nothing streams on once the pictures next to the shown one are fetched.
        await until(lambda: not playback_encoders(), 20, "every playback stream stopped")
        assert session.state.paused and status(session, 2) is TileStatus.PLAYING

    run(hub, {1: "cam-01"}, body)


def test_a_tile_in_a_gap_comes_back_where_its_next_recording_starts(hub):
    _, g1 = gap_of_cam10()
    at = datetime.fromtimestamp(g1 - 2, tz=timezone.utc)

    async def body(session: PlaybackSession) -> None:
        session.start(at)
        await until(lambda: status(session, 2) is TileStatus.NO_RECORDING, 20, "cam-10's gap")
        await until(lambda: session.position_ms() > g1 * 1000 + 1000, 20, "the clock past it")
        await until(lambda: status(session, 2) is TileStatus.PLAYING, 20, "cam-10 back")
        await until(lambda: in_sync(session, [1, 2]), 10, "both in sync")
        assert (shown(session, 2) or 0) >= g1 * 1000

    run(hub, {1: "cam-01", 2: "cam-10"}, body)


def test_a_detached_tile_plays_on_while_the_wall_pauses_and_rejoins_it_playing(hub):
    async def body(session: PlaybackSession) -> None:
        session.start(recorded_moment(180))
        await until(
            lambda: all(status(session, t) is TileStatus.PLAYING for t in (1, 2)), 20, "playing"
        )
        session.detach(1)
        session.pause()
        assert session.state.paused
        wall_at = session.position_ms()
        mark = shown(session, 1) or 0
        await until(lambda: (shown(session, 1) or 0) > mark + 1000, 20, "tile 1 playing on")
        assert session.position_ms() == wall_at
        state = session.tile_state(1)
        assert state is not None and state.detached and not state.paused
        # Its own clock's commands: paused alone.
        session.pause(tile_id=1)
        own = session.tile_state(1)
        assert own is not None and own.paused
        # The wall plays again; tile 1 rejoins it, playing, in sync.
        session.play()
        session.rejoin(1)
        await until(
            lambda: (
                all(status(session, t) is TileStatus.PLAYING for t in (1, 2))
                and in_sync(session, [1, 2])
                and abs((shown(session, 1) or 0) - session.position_ms()) < 1000
            ),
            20,
            "tile 1 back on the wall's clock",
        )
        state = session.tile_state(1)
        assert state is not None and not state.detached and not state.paused

    run(hub, {1: "cam-01", 2: "cam-02"}, body)


def test_playing_back_past_where_the_recordings_begin_pauses_with_a_message(hub):
    async def body(session: PlaybackSession) -> None:
        session.start(recorded_moment(300), paused=True)
        await until(lambda: bool(session.spans("cam-01")), 15, "the recorded spans")
        first = session.spans("cam-01")[0][0]
        session.seek(time_of(first + 2500))
        session.set_speed(2, reverse=True)
        await until(
            lambda: session.state.paused,
            30,
            "the beginning",
            lambda: (session.state, session.tile_state(1), session.position_ms() - first),
        )
        assert session.state.message == "No more recordings this way."
        assert first - 2000 <= session.position_ms() <= first + 500
        shown_ms = shown(session, 1)
        assert shown_ms is not None and first <= shown_ms <= first + 500
        assert status(session, 1) is TileStatus.NO_RECORDING

    run(hub, {1: "cam-01"}, body)


def test_seeking_again_and_again_while_playing_leaves_one_stream_per_tile(hub):
    tiles = [1, 2]

    async def body(session: PlaybackSession) -> None:
        session.start(recorded_moment(400))
        for back in (380, 360, 340, 320):
            await asyncio.sleep(0.15)
            session.seek(recorded_moment(back))
        last = session.position_ms()
        await until(
            lambda: (
                all(status(session, t) is TileStatus.PLAYING for t in tiles)
                and session.position_ms() > last + 500
            ),
            20,
            "playing from the last seek",
        )
        await until(lambda: in_sync(session, tiles), 10, "in sync")
        assert session.position_ms() < last + 20_000
        await until(lambda: len(playback_encoders()) <= len(tiles), 15, "the old streams gone")

    run(hub, {1: "cam-01", 2: "cam-02"}, body)


def test_a_stream_ending_at_a_gap_stops_only_its_own_tile(hub):
    """Each tile has its own player, and every player counts its streams from 1: the end of
    cam-10's stream (at its gap) must reach cam-10's tile, not another one's."""
    g0, _ = gap_of_cam10()
    at = datetime.fromtimestamp(g0 - 3, tz=timezone.utc)
    seen: dict[int, list[TileStatus]] = {1: [], 2: []}

    async def body(session: PlaybackSession) -> None:
        session.tile_changed.connect(lambda t, s: seen[t].append(s.status))
        session.start(at)
        await until(
            lambda: all(status(session, t) is TileStatus.PLAYING for t in (1, 2)), 20, "playing"
        )
        await until(
            lambda: status(session, 2) is TileStatus.NO_RECORDING,
            20,
            "cam-10's gap",
            lambda: {t: [k.name for k, _ in itertools.groupby(v)] for t, v in seen.items()},
        )
        assert session.position_ms() < g0 * 1000 + 2000  # at the gap's start, not much later
        mark = session.position_ms()
        await until(lambda: session.position_ms() > mark + 1000, 20, "the clock going on")
        assert TileStatus.NO_RECORDING not in seen[1], seen[1]
        assert status(session, 1) is TileStatus.PLAYING

    run(hub, {1: "cam-01", 2: "cam-10"}, body)


def test_a_tile_whose_pictures_stop_says_buffering_until_its_own_come_again(hub):
    """The hub cannot be made to stall one stream, so the tile's pictures are cut where they
    enter it: its `SyncedFrames` stops taking them from its (real) player. The other tile's
    pictures must not make it say PLAYING; after `open_timeout_s` it opens again."""
    seen: list[TileStatus] = []

    async def body(session: PlaybackSession) -> None:
        session.tile_changed.connect(lambda t, s: seen.append(s.status) if t == 2 else None)
        session.start(recorded_moment(450))
        await until(
            lambda: all(status(session, t) is TileStatus.PLAYING for t in (1, 2)), 20, "playing"
        )
        frames = session.frames(2)
        assert frames is not None
        seen.clear()
        frames.follow(frames._player, None)  # its pictures no longer reach the tile
        await until(lambda: TileStatus.OPENING in seen, 20, "the stalled tile opened again")
        changes = [k.name for k, _ in itertools.groupby(seen[: seen.index(TileStatus.OPENING)])]
        # Playing on what it kept, then buffering until it opens again.
        assert changes in (["PLAYING", "BUFFERING"], ["BUFFERING"]), changes
        await until(lambda: status(session, 2) is TileStatus.PLAYING, 20, "playing again")
        await until(lambda: in_sync(session, [1, 2]), 10, "in sync again")

    run(hub, {1: "cam-01", 2: "cam-02"}, body)


def test_steps_into_and_out_of_a_gap_say_so_and_show_the_picture(hub):
    _, g1 = gap_of_cam10()
    g1_ms = round(g1 * 1000)

    async def body(session: PlaybackSession) -> None:
        session.start(time_of(g1_ms + 500), paused=True)
        await until(lambda: exactly_at_clock(session, [1]), 15, "the picture after the gap")
        session.seek(time_of(g1_ms + 10))
        await until(lambda: exactly_at_clock(session, [1]), 15, "the gap's end")
        session.step(-1)  # into the gap
        await until(lambda: status(session, 1) is TileStatus.NO_RECORDING, 15, "no recording")
        session.step(+1)  # out again, onto the picture it showed
        await until(
            lambda: status(session, 1) is TileStatus.PLAYING and exactly_at_clock(session, [1]),
            15,
            "the picture again",
            lambda: (session.tile_state(1), offsets(session, [1])),
        )

    run(hub, {1: "cam-10"}, body)


def test_a_hub_that_refuses_the_playback_fails_the_tile_in_plain_words_and_tries_again(
    hub_factory,
):
    refusing = hub_factory(recorded_since=time.time() - 600, max_playback_sessions=0)
    seen: list[TileStatus] = []

    async def body(session: PlaybackSession) -> None:
        session.tile_changed.connect(lambda t, s: seen.append(s.status))
        session.start(ago(60))
        await until(lambda: status(session, 1) is TileStatus.FAILED, 15, "the refusal")
        state = session.tile_state(1)
        assert state is not None and "playback" in state.message.lower(), state.message
        assert "http" not in state.message
        # The clock is not held by a tile that failed.
        mark = session.position_ms()
        await until(lambda: session.position_ms() > mark + 500, 15, "the clock going on")
        # It is asked again a moment later.
        seen.clear()
        await until(lambda: TileStatus.OPENING in seen, 15, "another try")
        await until(lambda: status(session, 1) is TileStatus.FAILED, 15, "refused again")

    run(refusing, {1: "cam-01"}, body)


def test_a_camera_added_while_the_recordings_are_being_searched_gets_its_spans_too(hub):
    async def body(session: PlaybackSession) -> None:
        session.start(recorded_moment(100), paused=True)
        for _ in range(3):  # the search for cam-01's recordings is under way (sent, no answer)
            await asyncio.sleep(0)
        session.set_tiles({1: "cam-01", 2: "cam-10"})
        await until(lambda: bool(session.spans("cam-01")), 10, "cam-01's recordings")
        await until(lambda: bool(session.spans("cam-10")), 10, "cam-10's recordings")
        assert len(session.spans("cam-10")) >= 2  # its gaps cut them

    run(hub, {1: "cam-01"}, body)
