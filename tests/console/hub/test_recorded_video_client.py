"""The hub client's recorded-video API of issue 16: playback at a speed, reverse and key frames
only; the multi-camera recordings search; the alert history. Strict parsing of hostile answers
(entry by entry: an unreadable entry becomes a `Rejected`), the queries sent, over real sockets
against a hub answering canned JSON and against the real demo hub."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import web

from console.hub.errors import HubHttpError, HubNotFound, HubNotSupported, HubProtocolError
from console.hub.models import (
    PLAYBACK_SPEEDS,
    AlertChange,
    AlertKind,
    AlertPriority,
    Rejected,
)
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_wire import (
    parse_alert_history,
    parse_playback,
    parse_recordings_search,
)

UTC = timezone.utc


def at(hour: int, minute: int, second: float = 0.0) -> datetime:
    return datetime(2026, 11, 22, hour, minute, tzinfo=UTC) + timedelta(seconds=second)


PLAYBACK: dict[str, Any] = {
    "camera_id": "cam-03",
    "profile": "sub",
    "start": "2026-11-22T09:59:01.500Z",
    "url": "http://127.0.0.1:8765/playback/cam-03/sub.ts?start=1795341541500&speed=4",
    "container": "mpegts",
    "transport": "http",
    "codec": "h264",
    "width": 640,
    "height": 360,
    "fps": 5,
    "speed": 4,
    "direction": "reverse",
    "intra_only": True,
}
SPAN = {"start": "2026-11-22T09:00:00.000Z", "end": "2026-11-22T09:08:00.000Z"}
SPAN2 = {"start": "2026-11-22T09:09:00.000Z", "end": "2026-11-22T10:00:00.000Z"}
SEARCH: dict[str, Any] = {
    "recordings": [
        {"camera_id": "cam-03", "spans": [SPAN], "retention_s": 3600},
        {"camera_id": "cam-10", "spans": [SPAN2, SPAN], "retention_s": 3600},
    ],
    "not_recorded": ["cam-08"],
}


def alert(alert_id: str, started: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": alert_id,
        "kind": "object",
        "camera_id": "cam-03",
        "priority": "medium",
        "started": started,
        "ended": None,
        "active": True,
        "label": "person",
        "box": None,
        "line": None,
        "plate": None,
        "message": "",
        "source": "scenario",
        "state": "new",
        "acknowledged": None,
        "closed": None,
        "revision": 3,
        **extra,
    }


HISTORY: dict[str, Any] = {
    "from": "2026-11-22T09:00:00.000Z",
    "to": "2026-11-22T10:00:00.000Z",
    "alerts": [
        alert(
            "al-1",
            "2026-11-22T08:59:00.000Z",
            ended="2026-11-22T09:01:00.000Z",
            active=False,
            state="closed",
            acknowledged={"by": "ana", "at": "2026-11-22T09:00:30.000Z", "note": "guard sent"},
            closed={"by": "bo", "at": "2026-11-22T09:05:00.000Z", "note": ""},
        ),
        alert("al-2", "2026-11-22T09:30:00.000Z"),
    ],
    "more": True,
}


def with_(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(payload)
    data.update(changes)
    return data


# ---------------------------------------------------------------- playback modes


def test_a_playback_endpoint_says_its_speed_direction_and_frames():
    endpoint = parse_playback(PLAYBACK)
    assert (endpoint.speed, endpoint.reverse, endpoint.intra_only, endpoint.fps) == (
        4.0,
        True,
        True,
        5.0,
    )
    # A hub that predates the modes plays forward at 1x with every frame.
    older = {k: v for k, v in PLAYBACK.items() if k not in ("speed", "direction", "intra_only")}
    endpoint = parse_playback(older)
    assert (endpoint.speed, endpoint.reverse, endpoint.intra_only) == (1.0, False, False)
    assert PLAYBACK_SPEEDS == (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("speed", 3),
        ("speed", 32),
        ("speed", "4"),
        ("speed", True),
        ("speed", None),
        ("speed", float("nan")),
        ("direction", "sideways"),
        ("direction", None),
        ("direction", 1),
        ("intra_only", "true"),
        ("intra_only", None),
    ],
)
def test_hostile_playback_modes_name_the_field(field, value):
    with pytest.raises(HubProtocolError) as info:
        parse_playback(with_(PLAYBACK, **{field: value}))
    assert info.value.field == f"playback.{field}"
    assert "sideways" not in str(info.value)


# ---------------------------------------------------------------- the recordings search


def test_a_search_is_read_camera_by_camera():
    search = parse_recordings_search(SEARCH)
    assert [r.camera_id for r in search.recordings] == ["cam-03", "cam-10"]
    assert search.not_recorded == ("cam-08",) and search.rejected == ()
    cam10 = search.of("cam-10")
    assert cam10 is not None
    assert [s.start for s in cam10.spans] == [at(9, 0), at(9, 9)]  # oldest first
    assert not cam10.covers(at(9, 8, 30)) and cam10.covers(at(9, 8))  # the gap
    assert search.of("cam-99") is None


def test_hostile_search_entries_are_left_out_with_position_and_reason():
    hostile = with_(
        SEARCH,
        recordings=[
            42,
            {"camera_id": "cam-01", "spans": [SPAN]},  # no retention_s
            {"camera_id": "cam\u202e-02", "spans": [], "retention_s": 1},
            {"camera_id": "cam-03", "spans": [SPAN, {"start": "soon"}], "retention_s": None},
            {"camera_id": "cam-03", "spans": [], "retention_s": None},  # again
        ],
        not_recorded=["cam-08", None, "x" * 300, "cam-08"],
    )
    search = parse_recordings_search(hostile)
    # The readable entry is used, its unreadable span left out.
    [cam03] = search.recordings
    assert cam03.camera_id == "cam-03" and len(cam03.spans) == 1
    assert search.not_recorded == ("cam-08",)
    assert [(r.position, r.item_id) for r in search.rejected] == [
        (0, None),
        (1, None),
        (2, None),
        (4, None),
        (1, None),
        (2, None),
        (3, None),
    ]
    reasons = [r.reason for r in search.rejected]
    assert reasons[0] == "the entry should be an object, not a number"
    assert reasons[1] == "'retention_s' is missing"
    assert "control or formatting" in reasons[2]
    assert reasons[3] == reasons[6] == "an earlier entry has the same id"
    assert "longer than 256" in reasons[5]


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"recordings": {}, "not_recorded": []},
        {"recordings": []},
        {"not_recorded": []},
        {"recordings": [], "not_recorded": "cam-08"},
    ],
)
def test_a_search_answer_without_its_lists_is_refused(payload):
    with pytest.raises(HubProtocolError):
        parse_recordings_search(payload)


# ---------------------------------------------------------------- the alert history


def test_the_history_is_read_alert_by_alert_and_makes_a_timeline():
    history = parse_alert_history(HISTORY)
    assert (history.start, history.end, history.more) == (at(9, 0), at(10, 0), True)
    assert [a.id for a in history.alerts] == ["al-1", "al-2"]
    first = history.alerts[0]
    assert first.acknowledged is not None and first.acknowledged.by == "ana"
    assert first.acknowledged.note == "guard sent"
    # Within the range, in order of time: al-1 was raised before it (left out).
    assert [(e.at, e.change, e.alert.id, e.by, e.note) for e in history.entries()] == [
        (at(9, 0, 30), AlertChange.ACKNOWLEDGED, "al-1", "ana", "guard sent"),
        (at(9, 1), AlertChange.ENDED, "al-1", None, ""),
        (at(9, 5), AlertChange.CLOSED, "al-1", "bo", ""),
        (at(9, 30), AlertChange.RAISED, "al-2", None, ""),
    ]


def test_hostile_history_entries_are_left_out_and_the_rest_kept():
    hostile = with_(
        HISTORY,
        alerts=[
            alert("al-3", "2026-11-22T09:40:00.000Z", priority="urgent"),
            "al-4",
            alert("al-2", "2026-11-22T09:30:00.000Z", message="Door\u202eopen\n"),
            alert("al-5", "2026-11-22T09:10:00.000Z", closed={"by": "", "at": "x", "note": ""}),
            alert("al-2", "2026-11-22T09:31:00.000Z"),
            alert("al-6", "2026-11-22T09:20:00.000Z", kind="smoke"),
        ],
    )
    history = parse_alert_history(hostile)
    # Oldest first, whatever order the hub sent; an unknown kind is read as OTHER.
    assert [a.id for a in history.alerts] == ["al-6", "al-2"]
    assert history.alerts[0].kind is AlertKind.OTHER
    assert history.alerts[1].message == "Dooropen"  # cleaned text for people
    assert [(r.position, r.item_id) for r in history.rejected] == [
        (0, "al-3"),
        (1, None),
        (3, "al-5"),
        (4, "al-2"),
    ]
    assert "'priority'" in history.rejected[0].reason
    assert "'closed.by'" in history.rejected[2].reason


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"more": "no"}, "response.more"),
        ({"more": None}, "response.more"),
        ({"from": None}, "response.from"),
        ({"to": "later"}, "response.to"),
        ({"to": "2026-11-22T08:00:00.000Z"}, "response.to"),
        ({"alerts": {"al-1": {}}}, "response.alerts"),
    ],
)
def test_a_history_answer_with_bad_fields_is_refused_naming_them(changes, field):
    with pytest.raises(HubProtocolError) as info:
        parse_alert_history(with_(HISTORY, **changes))
    assert info.value.field == field


# ---------------------------------------------------------------- over sockets: a canned hub


@asynccontextmanager
async def canned_hub(answers: dict[str, Any]) -> AsyncIterator[tuple[str, list[str]]]:
    """A hub on a real socket answering each API path with the JSON given for it; yields its
    URL and the requests it got (path and query)."""
    requests: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        requests.append(request.path_qs)
        if request.path not in answers:
            return web.json_response({"error": {"code": "not_found", "message": "?"}}, status=404)
        return web.Response(text=json.dumps(answers[request.path]), content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", requests
    finally:
        await runner.cleanup()


def client_for(url: str, **kw: Any) -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url, **kw))


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_the_queries_sent_name_only_what_was_asked():
    answers = {
        "/api/v1/cameras/cam-03/playback/sub": PLAYBACK,
        "/api/v1/recordings": SEARCH,
        "/api/v1/events/history": HISTORY,
    }

    async def main() -> list[str]:
        async with canned_hub(answers) as (url, requests), client_for(url) as client:
            endpoint = await client.playback(
                "cam-03", "sub", at(9, 59, 1.5), speed=4.0, reverse=True, intra_only=True
            )
            assert endpoint.speed == 4.0 and endpoint.reverse and endpoint.intra_only
            await client.recordings_search(["cam-03", "cam-10", "cam-08", "cam-03"], at(9, 0))
            await client.event_history(
                at(9, 0),
                at(10, 0),
                camera_ids=["cam-03"],
                kinds=[AlertKind.OBJECT, AlertKind.PANIC],
                limit=50,
            )
            await client.event_history(at(9, 0), at(10, 0))
            return requests

    assert run(main()) == [
        "/api/v1/cameras/cam-03/playback/sub"
        "?start=2026-11-22T09:59:01.500Z&speed=4&direction=reverse&intra_only=true",
        "/api/v1/recordings?cameras=cam-03,cam-10,cam-08&from=2026-11-22T09:00:00.000Z",
        "/api/v1/events/history?from=2026-11-22T09:00:00.000Z&to=2026-11-22T10:00:00.000Z"
        "&limit=50&cameras=cam-03&kinds=object,panic",
        "/api/v1/events/history?from=2026-11-22T09:00:00.000Z&to=2026-11-22T10:00:00.000Z"
        "&limit=100",
    ]


def test_a_hub_that_plays_another_mode_than_asked_is_refused():
    # An older hub ignores the new parameters and answers a plain playback.
    older = {k: v for k, v in PLAYBACK.items() if k not in ("speed", "direction", "intra_only")}

    async def main() -> list[HubNotSupported]:
        errors: list[HubNotSupported] = []
        answers = {"/api/v1/cameras/cam-03/playback/sub": older}
        async with canned_hub(answers) as (url, _), client_for(url) as client:
            assert (await client.playback("cam-03", "sub", at(9, 30))).speed == 1.0
            for modes in ({"speed": 2.0}, {"reverse": True}, {"intra_only": True}):
                try:
                    await client.playback("cam-03", "sub", at(9, 30), **modes)
                except HubNotSupported as exc:
                    errors.append(exc)
        return errors

    errors = run(main())
    assert len(errors) == 3
    assert all("speed or direction" in e.operator_message for e in errors)


def test_a_search_answering_a_camera_not_asked_for_leaves_it_out():
    answers = {"/api/v1/recordings": with_(SEARCH, not_recorded=["cam-08", "cam-77"])}

    async def main() -> Any:
        async with canned_hub(answers) as (url, _), client_for(url) as client:
            return await client.recordings_search(["cam-03", "cam-08"])

    search = run(main())
    assert [r.camera_id for r in search.recordings] == ["cam-03"]
    assert search.not_recorded == ("cam-08",)
    assert search.rejected == (Rejected(1, None, "a camera that was not asked for"),)


def test_many_cameras_are_searched_a_hundred_at_a_time():
    async def main() -> list[str]:
        empty = {"recordings": [], "not_recorded": []}
        async with canned_hub({"/api/v1/recordings": empty}) as (url, requests):
            async with client_for(url) as client:
                await client.recordings_search([f"c{n}" for n in range(250)])
                assert (await client.recordings_search([])).recordings == ()
            return requests

    requests = run(main())
    assert [r.count(",") + 1 for r in requests] == [100, 100, 50]


def test_bad_arguments_are_refused_before_anything_is_sent():
    async def main() -> list[str]:
        async with canned_hub({}) as (url, requests), client_for(url) as client:
            for call in (
                client.playback("cam-03", "sub", at(9, 30), speed=3.0),
                client.playback("cam-03", "sub", at(9, 30), speed=32.0),
                client.recordings_search(["cam,03"]),
                client.event_history(at(9, 0), at(10, 0), limit=0),
                client.event_history(at(9, 0), at(10, 0), limit=1001),
                client.event_history(at(9, 0), at(10, 0), camera_ids=[]),
                client.event_history(at(9, 0), at(10, 0), kinds=[AlertKind.OTHER]),
            ):
                with pytest.raises(ValueError):
                    await call
            return requests

    assert run(main()) == []


# ---------------------------------------------------------------- against the real demo hub


def test_search_history_and_playback_modes_from_the_real_hub(hub_factory):
    hub = hub_factory(recorded_since=time.time() - 1300)

    async def main() -> None:
        async with client_for(hub.url, operator="ana") as client:
            search = await client.recordings_search(["cam-03", "cam-10", "cam-08"])
            assert [r.camera_id for r in search.recordings] == ["cam-03", "cam-10"]
            assert search.not_recorded == ("cam-08",) and search.rejected == ()
            cam10 = search.of("cam-10")
            assert cam10 is not None and len(cam10.spans) >= 3  # gaps
            gap = cam10.spans[0].end + timedelta(seconds=30)
            assert not cam10.covers(gap)
            with pytest.raises(HubNotFound):
                await client.recordings_search(["cam-99"])

            raised = await client.raise_alert(
                AlertKind.PANIC, "cam-09", AlertPriority.CRITICAL, duration_s=0
            )
            other = await client.raise_alert(AlertKind.MOTION, "cam-04", AlertPriority.LOW)
            await client.acknowledge_alert(raised.id, "guard sent")
            await client.close_alert(raised.id, "all clear")
            now = datetime.now(UTC)
            history = await client.event_history(now - timedelta(minutes=1), now)
            assert [a.id for a in history.alerts] == [raised.id, other.id]
            assert not history.more and history.rejected == ()
            steps = [(e.change, e.alert.id, e.by, e.note) for e in history.entries()]
            assert (AlertChange.ACKNOWLEDGED, raised.id, "ana", "guard sent") in steps
            assert (AlertChange.CLOSED, raised.id, "ana", "all clear") in steps
            only = await client.event_history(
                now - timedelta(minutes=1), now, kinds=[AlertKind.MOTION], limit=1
            )
            assert [a.id for a in only.alerts] == [other.id]

            moment = datetime.now(UTC) - timedelta(seconds=100)
            endpoint = await client.playback(
                "cam-03", "sub", moment, speed=0.25, reverse=True, intra_only=True
            )
            assert (endpoint.speed, endpoint.reverse, endpoint.intra_only) == (0.25, True, True)
            assert endpoint.fps == 5.0
            assert "speed=0.25&direction=reverse&intra_only=true" in endpoint.url
            with pytest.raises(HubHttpError) as info:
                await client.playback("cam-10", "sub", gap)
            assert info.value.code == "out_of_range"

    run(main())
