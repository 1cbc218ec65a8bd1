"""Recordings in the hub client library: strict parsing of Recordings and PlaybackEndpoint, the
models' helpers, typed refusals in plain words, against the real demo hub and against a hub
answering garbage (the fake hub of conftest.py), all over real sockets."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.alerts.book import AlarmBook
from console.alerts.replay import NO_RECORDINGS, AlarmReplay, ReplayStatus
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.errors import (
    HubConnectionLost,
    HubHttpError,
    HubNotFound,
    HubNotSupported,
    HubProtocolError,
)
from console.hub.models import (
    CAPABILITY_RECORDINGS,
    Camera,
    HubInfo,
    PlaybackEndpoint,
    Recordings,
    RecordingSpan,
)
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_wire import format_time, parse_playback, parse_recordings
from tests.console.alerts.alertdata import make_alert
from tests.support.hubthread import HubThread
from tests.support.minimal_client import MinimalClient

UTC = timezone.utc
PTZ_CAM = "cam-08"
RECORDINGS: dict[str, Any] = {
    "camera_id": "cam-03",
    "spans": [
        {"start": "2026-11-22T09:30:00.000Z", "end": "2026-11-22T10:00:00.000Z"},
        {"start": "2026-11-22T09:00:00.000Z", "end": "2026-11-22T09:20:00.000Z"},
    ],
    "retention_s": 3600,
}
PLAYBACK: dict[str, Any] = {
    "camera_id": "cam-03",
    "profile": "sub",
    "start": "2026-11-22T09:59:01.500Z",
    "url": "http://127.0.0.1:8765/playback/cam-03/sub.ts?start=1795341541500",
    "container": "mpegts",
    "transport": "http",
    "codec": "h264",
    "width": 640,
    "height": 360,
    "fps": 15,
}


def at(hour: int, minute: int, second: float = 0.0) -> datetime:
    return datetime(2026, 11, 22, hour, minute, tzinfo=UTC) + timedelta(seconds=second)


def broken(payload: dict[str, Any], dotted: str, value: object = ...) -> dict[str, Any]:
    """A deep copy with the field at `dotted` removed (value=...) or replaced; a number in the
    path indexes a list."""
    data = copy.deepcopy(payload)
    *parents, last = dotted.split(".")
    target: Any = data
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    index: int | str = int(last) if last.isdigit() else last
    if value is ...:
        del target[index]
    else:
        target[index] = value
    return data


# ---------------------------------------------------------------- models and parsing


def test_recordings_are_parsed_oldest_first():
    recordings = parse_recordings(RECORDINGS)
    assert recordings.camera_id == "cam-03" and recordings.retention_s == 3600.0
    assert recordings.spans == (
        RecordingSpan(at(9, 0), at(9, 20)),
        RecordingSpan(at(9, 30), at(10, 0)),
    )
    assert recordings.spans[0].duration_s == 1200.0
    assert parse_recordings({**RECORDINGS, "spans": [], "retention_s": None}).spans == ()
    assert parse_recordings({**RECORDINGS, "retention_s": None}).retention_s is None


def test_recordings_cover_and_find_the_nearest_recorded_moment():
    recordings = parse_recordings(RECORDINGS)
    assert recordings.covers(at(9, 0)) and recordings.covers(at(9, 45))
    assert recordings.covers(at(10, 0)) and not recordings.covers(at(10, 0, 0.001))
    assert not recordings.covers(at(9, 25))
    assert recordings.nearest(at(9, 45)) == at(9, 45)
    assert recordings.nearest(at(8, 59, 58)) == at(9, 0)  # an alarm just before the recordings
    assert recordings.nearest(at(9, 24)) == at(9, 20)  # in the gap: the closer end
    assert recordings.nearest(at(9, 26)) == at(9, 30)
    assert recordings.nearest(at(11, 0)) == at(10, 0)
    assert Recordings("c", (), None).nearest(at(9, 0)) is None
    assert not Recordings("c", (), None).covers(at(9, 0))


@pytest.mark.parametrize(
    ("dotted", "value", "field"),
    [
        ("camera_id", ..., "recordings.camera_id"),
        ("camera_id", "", "recordings.camera_id"),
        ("spans", ..., "recordings.spans"),
        ("spans", {"start": "x"}, "recordings.spans"),
        ("retention_s", ..., "recordings.retention_s"),
        ("retention_s", "1h", "recordings.retention_s"),
        ("retention_s", -1, "recordings.retention_s"),
        ("retention_s", True, "recordings.retention_s"),
        ("retention_s", float("inf"), "recordings.retention_s"),
    ],
)
def test_malformed_recordings_name_the_field(dotted, value, field):
    with pytest.raises(HubProtocolError) as info:
        parse_recordings(broken(RECORDINGS, dotted, value))
    assert info.value.field == field
    assert "an hour ago" not in str(info.value) and "1h" not in str(info.value)


@pytest.mark.parametrize(
    ("dotted", "value"),
    [
        ("spans.0", "2026-11-22T09:30:00.000Z"),
        ("spans.0.start", ...),
        ("spans.0.end", "an hour ago"),
        ("spans.0.end", "2026-11-22T09:29:59.999Z"),  # before its start
    ],
)
def test_an_unreadable_recorded_span_is_left_out_and_the_others_kept(dotted, value):
    # Until issue 12 one bad span refused the whole answer; the rest can still be played.
    recordings = parse_recordings(broken(RECORDINGS, dotted, value))
    assert [(s.start, s.end) for s in recordings.spans] == [(at(9, 0), at(9, 20))]


def test_a_playback_endpoint_is_a_stream_endpoint_with_its_start():
    endpoint = parse_playback(PLAYBACK)
    assert endpoint == PlaybackEndpoint(
        camera_id="cam-03",
        profile="sub",
        url=PLAYBACK["url"],
        container="mpegts",
        transport="http",
        codec="h264",
        width=640,
        height=360,
        fps=15.0,
        start=at(9, 59, 1.5),
    )
    assert endpoint.start.tzinfo is not None


@pytest.mark.parametrize(
    ("dotted", "value", "field"),
    [
        ("start", ..., "playback.start"),
        ("start", 1795341541500, "playback.start"),
        ("start", "half past nine", "playback.start"),
        ("url", "/playback/cam-03/sub.ts", "playback.url"),
        ("url", ..., "playback.url"),
        ("width", 0, "playback.width"),
        ("fps", "15", "playback.fps"),
        ("camera_id", None, "playback.camera_id"),
    ],
)
def test_malformed_playback_endpoints_name_the_field(dotted, value, field):
    with pytest.raises(HubProtocolError) as info:
        parse_playback(broken(PLAYBACK, dotted, value))
    assert info.value.field == field


def test_playback_urls_with_credentials_never_reach_repr():
    secret = "http://viewer:s3cretpw@hub.example/playback/cam-03/sub.ts?start=1"
    endpoint = parse_playback({**PLAYBACK, "url": secret})
    assert "s3cretpw" not in repr(endpoint) and "s3cretpw" not in str(endpoint)
    assert "s3cretpw" not in endpoint.safe_url
    assert "2026-11-22T09:59:01.500000+00:00" in repr(endpoint)


def test_cameras_say_whether_they_are_recorded():
    def camera(*caps: str) -> Camera:
        return Camera("c", "C", "g", "l", "v", "m", "f", frozenset(caps), ())

    assert camera("live", CAPABILITY_RECORDINGS).has_recordings
    assert not camera("live", "ptz").has_recordings
    assert CAPABILITY_RECORDINGS == "recordings"


def test_times_go_out_as_the_contract_writes_them():
    assert format_time(at(9, 59, 1.5)) == "2026-11-22T09:59:01.500Z"
    plus_one = timezone(timedelta(hours=1))
    assert format_time(datetime(2026, 11, 22, 11, 0, 0, 123456, plus_one)) == (
        "2026-11-22T10:00:00.123Z"
    )
    with pytest.raises(ValueError, match="aware"):
        format_time(datetime(2026, 11, 22, 10, 0))


def test_a_driver_without_recordings_or_alerts_offers_neither_and_says_so():
    # Before the facets, each call of such a driver raised HubNotSupported; now the replay
    # and the alarm book ask once.
    client = MinimalClient()
    assert client.recordings_facet is None and client.alerts_facet is None
    directory = CameraDirectory(client, Notices())
    replay = AlarmReplay(client, directory, lambda: pytest.fail("nothing to play"))
    book = AlarmBook(client, Notices())

    async def main() -> None:
        replay.show(make_alert("al-1", "cam-01"))
        deadline = time.monotonic() + 5
        while replay.state.status is not ReplayStatus.UNAVAILABLE:
            assert time.monotonic() < deadline, replay.state
            await asyncio.sleep(0.01)
        await asyncio.wait_for(book.follow(), 5)  # nothing to follow: it ends
        assert await book.acknowledge("al-1") is None
        replay.close()

    asyncio.run(main())
    assert replay.state.message == NO_RECORDINGS
    assert not book.supported and len(book) == 0


# ---------------------------------------------------------------- a hub answering garbage


def test_garbage_recordings_are_a_protocol_error(fake_hub, run):
    async def main() -> list[HubProtocolError]:
        errors = []
        garbage = (("spans", [{"start": "2026-11-22T09:00:00.000Z"}]),)
        async with fake_hub(recording_fields=garbage) as hub, client_for(hub.url) as client:
            # An unreadable span is left out (before issue 12: the whole answer was refused).
            assert (await client.recordings("cam-01")).spans == ()
        garbage = (("start", "soon"),)
        async with fake_hub(recording_fields=garbage) as hub, client_for(hub.url) as client:
            with pytest.raises(HubProtocolError) as info:
                await client.playback("cam-01", "sub", at(9, 30))
            errors.append(info.value)
        garbage = (("camera_id", "cam-02"),)  # another camera's answer
        async with fake_hub(recording_fields=garbage) as hub, client_for(hub.url) as client:
            with pytest.raises(HubProtocolError) as info:
                await client.recordings("cam-01")
            errors.append(info.value)
            with pytest.raises(HubProtocolError) as info:
                await client.playback("cam-01", "sub", at(9, 30))
            errors.append(info.value)
        return errors

    errors = run(main())
    assert [e.field for e in errors] == [
        "playback.start",
        "recordings.camera_id",
        "playback.camera_id",
    ]
    assert all("does not understand" in e.operator_message for e in errors)


def test_a_hub_answering_not_json_or_html_or_dropping_the_answer(fake_hub, run):
    async def main() -> list[BaseException]:
        got: list[BaseException] = []
        for faults in ({"malformed_json": True}, {"html_502": True}, {"drop_mid_response": True}):
            async with fake_hub(**faults) as hub, client_for(hub.url) as client:
                for call in (
                    client.recordings("cam-01"),
                    client.playback("cam-01", "sub", at(9, 30)),
                ):
                    try:
                        await call
                    except Exception as exc:
                        got.append(exc)
        return got

    errors = run(main())
    assert [type(e) for e in errors] == [HubProtocolError] * 2 + [HubHttpError] * 2 + [
        HubConnectionLost
    ] * 2
    assert all(e.status == 502 and e.retryable for e in errors[2:4])  # type: ignore[attr-defined]


def test_the_fake_hub_happy_path_and_the_query_sent(fake_hub, run):
    async def main() -> tuple[Recordings, PlaybackEndpoint, list[str]]:
        async with fake_hub() as hub, client_for(hub.url) as client:
            recordings = await client.recordings("cam-01", at(9, 10), at(9, 20))
            endpoint = await client.playback("cam-01", "sub", at(9, 30, 0.25))
            return recordings, endpoint, hub.requests

    recordings, endpoint, requests = run(main())
    assert recordings.spans == (RecordingSpan(at(9, 0), at(10, 0)),)
    assert endpoint.start == at(9, 30, 0.25)
    assert requests == [
        "/api/v1/cameras/cam-01/recordings"
        "?from=2026-11-22T09:10:00.000Z&to=2026-11-22T09:20:00.000Z",
        "/api/v1/cameras/cam-01/playback/sub?start=2026-11-22T09:30:00.250Z",
    ]


# ---------------------------------------------------------------- against the real demo hub


@pytest.fixture
def hub() -> Iterator[HubThread]:
    thread = HubThread(recorded_since=time.time() - 120, max_playback_sessions=4)
    try:
        yield thread
    finally:
        thread.close()


def client_for(url: str) -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url))


def run_real(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_the_real_hub_declares_recordings(hub):
    async def main() -> tuple[HubInfo, list[Camera]]:
        async with client_for(hub.url) as client:
            return await client.info(), await client.cameras()

    info, cameras = run_real(main())
    assert info.has(CAPABILITY_RECORDINGS)
    recorded = {c.id for c in cameras if c.has_recordings}
    assert recorded == {c.id for c in cameras} - {PTZ_CAM}


def test_recordings_and_playback_from_the_real_hub(hub):
    now = datetime.now(UTC)
    moment = now - timedelta(seconds=60, microseconds=123456)

    async def main() -> tuple[Recordings, Recordings, Recordings, PlaybackEndpoint]:
        async with client_for(hub.url) as client:
            everything = await client.recordings("cam-03")
            around = await client.recordings("cam-03", moment, moment + timedelta(seconds=1))
            later = await client.recordings("cam-03", now + timedelta(minutes=5))
            endpoint = await client.playback("cam-03", "main", moment)
            return everything, around, later, endpoint

    everything, around, later, endpoint = run_real(main())
    [span] = everything.spans
    assert everything.camera_id == "cam-03" and everything.retention_s == 3600.0
    assert abs((span.start - (now - timedelta(seconds=120))).total_seconds()) < 2
    assert abs((span.end - now).total_seconds()) < 2
    assert everything.covers(moment) and everything.nearest(moment) == moment
    assert [s.start for s in around.spans] == [span.start]
    assert later.spans == ()
    # The hub resolves the moment to the millisecond; the stream starts there.
    assert endpoint.start == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert (endpoint.camera_id, endpoint.profile) == ("cam-03", "main")
    assert (endpoint.width, endpoint.height, endpoint.fps) == (1280, 720, 15)
    ms = round(endpoint.start.timestamp() * 1000)
    assert endpoint.url == f"{hub.url}/playback/cam-03/main.ts?start={ms}"


def test_refusals_from_the_real_hub_are_typed_and_in_plain_words(hub_factory):
    hub = hub_factory(recorded_since=time.time() - 120, max_playback_sessions=0)
    now = datetime.now(UTC)

    async def main() -> dict[str, BaseException]:
        calls = {
            "ptz": lambda c: c.recordings(PTZ_CAM),
            "ptz playback": lambda c: c.playback(PTZ_CAM, "sub", now),
            "too old": lambda c: c.playback("cam-01", "sub", now - timedelta(hours=1)),
            "unknown": lambda c: c.recordings("cam-99"),
            "full": lambda c: c.playback("cam-01", "sub", now - timedelta(seconds=10)),
        }
        got: dict[str, BaseException] = {}
        async with client_for(hub.url) as client:
            for name, call in calls.items():
                try:
                    await call(client)
                except Exception as exc:
                    got[name] = exc
        return got

    errors = run_real(main())
    assert set(errors) == {"ptz", "ptz playback", "too old", "unknown", "full"}
    for name in ("ptz", "ptz playback"):
        error = errors[name]
        assert isinstance(error, HubNotSupported), name
        assert error.operator_message == "The video hub has no recordings of this camera."
        assert "not recorded" in error.server_message
    too_old = errors["too old"]
    assert type(too_old) is HubHttpError and too_old.code == "out_of_range"
    assert too_old.operator_message == "There is no recording of this camera at that moment."
    assert "which run from" in too_old.server_message and not too_old.retryable
    assert isinstance(errors["unknown"], HubNotFound)
    full = errors["full"]
    assert type(full) is HubHttpError and (full.status, full.code) == (503, "unavailable")
    assert full.retryable and "as many recordings as it can" in full.operator_message
