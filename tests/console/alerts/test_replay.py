"""The alarm replay against the real demo hub (recordings over real sockets) and real libvlc:
the picture shown is the recorded moment, read back from the time code the hub burns into it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

import pytest

from console.alerts.replay import PRE_ROLL_S, AlarmReplay, Moment, ReplayStatus
from console.base import timecode
from console.base.marshal import Marshal
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.models import AlertKind, AlertPriority
from console.hub.registry import HubConfig, create_client
from console.media.engine import MediaEngine
from console.media.media_settings import HardwareDecoding, MediaSettings

SW = MediaSettings(hw_decoding=HardwareDecoding.OFF)


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def run(hub, body: Callable[[AlarmReplay, object], Awaitable[None]]) -> None:
    async def main() -> None:
        engine = MediaEngine(SW, Marshal(asyncio.get_running_loop()))
        client = create_client(HubConfig(url=hub.url, operator="ana"))
        directory = CameraDirectory(client, Notices())
        await directory.load()
        replay = AlarmReplay(client, directory, lambda: engine.create_player(name="replay"))
        try:
            await body(replay, client)
        finally:
            replay.close()
            await client.close()
            assert engine.shutdown(3.0)

    asyncio.run(main())


def shown_code(replay: AlarmReplay) -> int | None:
    frame = replay.player.latest_frame()  # type: ignore[union-attr]
    return None if frame is None else timecode.read(frame.image, fmt="bgrx")


# serial: the picture on screen must be within 0.6 s of the replay's clock; with two full
# suites on two cores (load 7.8) the paint fell 0.61 s behind once
@pytest.mark.serial
def test_opening_an_alarm_replays_its_camera_from_five_seconds_before_it_fired(hub_factory):
    hub = hub_factory(recorded_since=time.time() - 600)

    async def body(replay: AlarmReplay, client) -> None:
        alert = await client.raise_alert(
            AlertKind.OBJECT, "cam-03", AlertPriority.HIGH, label="person", duration_s=5
        )
        states = []
        replay.changed.connect(states.append)
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.PLAYING, 15, "the replay")
        assert [s.status for s in states][:1] == [ReplayStatus.LOADING]
        want = alert.started - timedelta(seconds=PRE_ROLL_S)
        assert abs((replay.state.start - want).total_seconds()) < 0.002
        # The first picture shown is the recorded moment, not live video.
        code = shown_code(replay)
        assert code is not None
        assert abs(code / 1000 - want.timestamp()) < 0.5
        # It plays on at real speed, and position() follows it.
        await asyncio.sleep(1.5)
        code = shown_code(replay)
        position = replay.position()
        assert code is not None and position is not None
        assert 0.8 < code / 1000 - want.timestamp() < 2.5
        assert abs(position.timestamp() - code / 1000) < 0.6
        replay.stop()
        assert replay.state.status is ReplayStatus.IDLE
        playback_threads = lambda: [t for t in hub.encoder_threads() if "playback" in t.name]  # noqa: E731
        assert hub.wait_until(lambda: not playback_threads())

    run(hub, body)


def test_an_alarm_older_than_the_recordings_plays_from_where_they_begin(hub_factory):
    hub = hub_factory()  # recording since the hub started, a moment ago

    async def body(replay: AlarmReplay, client) -> None:
        alert = await client.raise_alert(AlertKind.MOTION, "cam-04", AlertPriority.LOW)
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.PLAYING, 15, "the replay")
        start = replay.state.start
        assert start is not None
        assert alert.started - timedelta(seconds=PRE_ROLL_S) < start <= alert.started

    run(hub, body)


def test_no_replay_for_a_camera_that_is_not_recorded_or_a_hub_without_recordings(hub_factory):
    hub = hub_factory()

    async def ptz(replay: AlarmReplay, client) -> None:
        alert = await client.raise_alert(AlertKind.PANIC, "cam-08", AlertPriority.CRITICAL)
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.UNAVAILABLE, 5, "the answer")
        assert replay.state.message == "Rooftop PTZ is not recorded: only live video can be shown."
        assert replay.player is None  # nothing was played

    run(hub, ptz)
    bare = hub_factory(recording_retention_s=0)

    async def no_recordings(replay: AlarmReplay, client) -> None:
        alert = await client.raise_alert(AlertKind.MOTION, "cam-01", AlertPriority.LOW)
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.UNAVAILABLE, 5, "the answer")
        assert "keeps no recordings" in replay.state.message

    run(bare, no_recordings)


def test_a_hub_that_refuses_the_playback_is_reported_in_plain_words(hub_factory):
    hub = hub_factory(recorded_since=time.time() - 600, max_playback_sessions=0)

    async def body(replay: AlarmReplay, client) -> None:
        alert = await client.raise_alert(AlertKind.MOTION, "cam-01", AlertPriority.LOW)
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.FAILED, 5, "the refusal")
        assert "playback" in replay.state.message.lower()
        assert replay.state.alert == alert

    run(hub, body)


def test_a_moment_plays_from_exactly_its_time_and_says_why_when_it_cannot(hub_factory):
    hub = hub_factory(recorded_since=time.time() - 600)

    async def body(replay: AlarmReplay, client) -> None:
        at = datetime.now(timezone.utc) - timedelta(seconds=30)
        moment = Moment("cam-03", at, "Van at the gate", until=at + timedelta(seconds=30))
        replay.show_moment(moment)
        assert replay.state.moment == moment and replay.state.alert is None
        await until(lambda: replay.state.status is ReplayStatus.PLAYING, 15, "the replay")
        assert replay.state.moment == moment
        assert abs((replay.state.start - at).total_seconds()) < 0.002  # no pre-roll
        code = shown_code(replay)
        assert code is not None and abs(code / 1000 - at.timestamp()) < 0.5
        replay.show_moment(Moment("cam-08", at, "PTZ"))
        await until(lambda: replay.state.status is ReplayStatus.UNAVAILABLE, 5, "the answer")
        assert replay.state.message == "Rooftop PTZ is not recorded: only live video can be shown."

    run(hub, body)


def test_a_hub_that_asks_a_reason_for_playback_gets_the_operators_with_every_replay(hub_factory):
    """Issue 17, section 3: without a reason the replay says what it needs; given once, it
    replays and every later replay carries it; the hub logs it; another operator's console
    forgets it."""
    hub = hub_factory(recorded_since=time.time() - 600, reasons_required=("playback",))

    async def body(replay: AlarmReplay, client) -> None:
        alert = await client.raise_alert(
            AlertKind.OBJECT, "cam-02", AlertPriority.HIGH, label="person", duration_s=5
        )
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.REASON_NEEDED, 15, "the ask")
        assert "reason" in replay.state.message and replay.state.alert == alert
        replay.give_reason({"case": "CR-9", "reason": "Alarm review", "words": ""})
        await until(lambda: replay.state.status is ReplayStatus.PLAYING, 15, "the replay")
        replay.show_moment(Moment("cam-01", datetime.now(timezone.utc) - timedelta(seconds=30)))
        await until(lambda: replay.state.status is ReplayStatus.PLAYING, 15, "the next replay")
        audit = hub.hub.audit
        logged = [json.loads(e) for e in hub.call(lambda: audit.entries(0, audit.size))]
        given = {
            e["details"]["camera"]: e["details"]["reason"]
            for e in logged
            if e["action"] == "playback.reason"
        }
        assert given == {
            "cam-02": {"case": "CR-9", "reason": "Alarm review"},
            "cam-01": {"case": "CR-9", "reason": "Alarm review"},
        }
        replay.forget_reason()
        replay.show(alert)
        await until(lambda: replay.state.status is ReplayStatus.REASON_NEEDED, 15, "asked again")

    run(hub, body)
