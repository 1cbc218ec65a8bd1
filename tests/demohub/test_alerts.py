"""Alerts on the demo hub over real sockets: raise, list, acknowledge, close, the `alert` events
with their revisions, `since` replay of a burst, and the scripted scenario.

The scenario is a pure function of Unix time, so it is tested at chosen moments (and against
the very pictures the scenes draw); the runner is tested with an injected clock instead of
waiting for the minute to come round.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any

import aiohttp
import numpy as np
import pytest

from demohub.alerts import (
    SCENARIO,
    AlertBoard,
    AlertBox,
    AlertError,
    ScenarioRunner,
    cycle_start,
    default_scene,
    scenario_at,
    scenario_id,
    unix_iso,
)
from demohub.cameras import CAMERAS
from demohub.events import EventLog
from demohub.scenes import Scene
from tests.support.openapi import ROOT, validator

OPERATOR = "X-Tessera-Operator"
CYCLE = 1_800_000_000.0  # a multiple of 60: a scenario cycle starts here
PERSON_BGR = (150, 40, 40)  # the entrance walker's body (EntranceScene)
CAR_BGR = (20, 120, 230)  # the car driving into the car park (CarParkScene)


def api(
    hub,
    method: str,
    path: str = "",
    body: Any = None,
    *,
    operator: str | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One request under /api/v1/alerts; (status, JSON answer)."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if operator is not None:
        headers[OPERATOR] = operator
    request = urllib.request.Request(
        f"{hub.url}/api/v1/alerts{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def raise_alert(hub, **fields: Any) -> dict[str, Any]:
    body = {"kind": "object", "camera_id": "cam-03", "priority": "medium", **fields}
    code, alert = api(hub, "POST", "", body)
    assert code == 201, alert
    validator("Alert").validate(alert)
    return alert


def alert_events(hub) -> list[dict[str, Any]]:
    return [e for e in hub.call(lambda: hub.hub.events.since(0)) if e["type"] == "alert"]


def unix(text: str) -> float:
    """A contract timestamp as Unix time."""
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return when.replace(tzinfo=timezone.utc).timestamp()


async def _next(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> dict[str, Any]:
    """The next event, skipping heartbeats."""
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event = json.loads(msg.data)
        if event["type"] != "heartbeat":
            return event


# -- raise, list, get ---------------------------------------------------------------------------


def test_hub_lists_the_alerts_capability(hub):
    assert "alerts" in hub.get_json("/api/v1/hub")[1]["capabilities"]


def test_raise_then_list_and_get(hub):
    box = {"x": 0.25, "y": 0.5, "w": 0.25, "h": 0.5}
    alert = raise_alert(hub, label="person", box=box, message="Someone at the door")
    assert alert["id"] and alert["source"] == "raised"
    assert alert["kind"] == "object" and alert["camera_id"] == "cam-03"
    assert alert["priority"] == "medium" and alert["label"] == "person" and alert["box"] == box
    assert alert["active"] is True and alert["ended"] is None
    assert alert["state"] == "new" and alert["acknowledged"] is None and alert["closed"] is None
    assert alert["line"] is None and alert["plate"] is None
    assert alert["message"] == "Someone at the door"
    [event] = alert_events(hub)
    assert alert["revision"] == event["seq"] == hub.call(lambda: hub.hub.events.last_seq)
    assert event["camera_id"] == "cam-03"
    assert event["data"] == {"change": "raised", "alert": alert}

    plate = raise_alert(
        hub, kind="plate", camera_id="cam-02", priority="high", plate="TSR 420", duration_s=0
    )
    assert plate["active"] is False and plate["ended"] == plate["started"]  # momentary
    assert plate["plate"] == "TSR 420" and plate["label"] is None and plate["message"] == ""
    assert len(alert_events(hub)) == 2  # one `raised`, already ended

    code, listed = api(hub, "GET")
    assert code == 200
    validator("AlertList").validate(listed)
    assert listed == {"alerts": [alert, plate], "seq": plate["revision"]}
    assert api(hub, "GET", "?state=all")[1] == listed
    assert api(hub, "GET", f"/{alert['id']}") == (200, alert)
    code, body = api(hub, "GET", "/al-999")
    assert (code, body["error"]["code"]) == (404, "not_found") and "al-999" in body["error"][
        "message"
    ]


def test_in_process_raise_uses_the_same_rules(hub):
    alert = hub.call(
        lambda: hub.hub.raise_alert(
            kind="line_crossing",
            camera_id="cam-07",
            priority="high",
            line={"x1": 0.5, "y1": 0.6, "x2": 0.5, "y2": 0.9, "direction": "in"},
            box=AlertBox(0.1, 0.2, 0.3, 0.4),
        )
    )
    validator("Alert").validate(alert)
    assert alert["source"] == "raised" and alert["line"]["direction"] == "in"
    assert alert["box"] == {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}
    assert api(hub, "GET", f"/{alert['id']}") == (200, alert)
    for fields, code in (
        ({"camera_id": "cam-99"}, "not_found"),
        ({"priority": "x"}, "bad_request"),
    ):
        kwargs = {"kind": "motion", "camera_id": "cam-01", "priority": "low", **fields}
        with pytest.raises(AlertError) as caught:
            hub.call(lambda kwargs=kwargs: hub.hub.raise_alert(**kwargs))
        assert caught.value.code == code


def test_raised_alert_ends_after_its_duration(hub):
    alert = raise_alert(hub, duration_s=0.3)
    assert alert["active"] is True
    assert hub.wait_until(lambda: not api(hub, "GET", f"/{alert['id']}")[1]["active"], 3.0)
    ended = api(hub, "GET", f"/{alert['id']}")[1]
    validator("Alert").validate(ended)
    assert abs(unix(ended["ended"]) - unix(alert["started"]) - 0.3) < 0.002  # started + 0.3 s
    assert [e["data"]["change"] for e in alert_events(hub)] == ["raised", "ended"]
    assert ended["state"] == "new"  # the alarm is still the operators' to handle
    assert api(hub, "GET")[1]["alerts"] == [ended]


# -- acknowledge and close ----------------------------------------------------------------------


def test_acknowledge_then_close(hub):
    alert = raise_alert(hub, duration_s=600)
    code, acked = api(hub, "POST", f"/{alert['id']}/acknowledge", {"note": "seen"}, operator="ana")
    assert code == 200
    validator("Alert").validate(acked)
    assert acked["state"] == "acknowledged" and acked["active"] is True
    assert acked["acknowledged"]["by"] == "ana" and acked["acknowledged"]["note"] == "seen"
    assert acked["revision"] > alert["revision"]

    # Twice: nothing changes, the first one stays, no event.
    events_before = len(alert_events(hub))
    again = api(hub, "POST", f"/{alert['id']}/acknowledge", {"note": "me too"}, operator="bob")
    assert again == (200, acked)
    assert len(alert_events(hub)) == events_before

    code, closed = api(hub, "POST", f"/{alert['id']}/close", operator="bob")  # no body
    assert code == 200
    validator("Alert").validate(closed)
    assert closed["state"] == "closed" and closed["closed"]["by"] == "bob"
    assert closed["closed"]["note"] == ""
    assert closed["acknowledged"] == acked["acknowledged"]
    # Closing an active alert ends it, in the same (one) `closed` event.
    assert closed["active"] is False and closed["ended"] == closed["closed"]["at"]
    assert api(hub, "POST", f"/{alert['id']}/close", {"note": "x"}, operator="ana") == (
        200,
        closed,
    )
    assert api(hub, "POST", f"/{alert['id']}/acknowledge", operator="ana") == (200, closed)
    changes = [e["data"]["change"] for e in alert_events(hub)]
    assert changes == ["raised", "acknowledged", "closed"]
    assert alert_events(hub)[-1]["data"]["alert"] == closed

    assert api(hub, "GET")[1]["alerts"] == []  # open: not closed
    assert api(hub, "GET", "?state=all")[1]["alerts"] == [closed]
    # The timer that would have ended it is gone.
    assert hub.call(lambda: hub.hub.alerts._timers) == {}


def test_closing_a_new_alert_skips_acknowledge(hub):
    alert = raise_alert(hub, duration_s=0)
    code, closed = api(hub, "POST", f"/{alert['id']}/close", {"note": "false alarm"}, operator="a")
    assert code == 200 and closed["state"] == "closed" and closed["acknowledged"] is None
    assert closed["ended"] == alert["ended"]  # already ended: closing keeps when it ended
    validator("Alert").validate(closed)


# -- errors -------------------------------------------------------------------------------------


def test_refusals_name_the_field(hub):
    good = {"kind": "object", "camera_id": "cam-03", "priority": "medium"}
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({**good, "kind": "fire"}, 400, "bad_request", "kind"),
        ({"camera_id": "cam-03", "priority": "low"}, 400, "bad_request", "kind"),
        ({**good, "priority": "urgent"}, 400, "bad_request", "priority"),
        ({**good, "priority": 2}, 400, "bad_request", "priority"),
        ({**good, "camera_id": 3}, 400, "bad_request", "camera_id"),
        ({**good, "camera_id": "cam-99"}, 404, "not_found", "cam-99"),
        ({**good, "box": {"x": 0.5, "y": 0.5, "w": 0.6, "h": 0.1}}, 400, "bad_request", "box"),
        ({**good, "box": {"x": -0.1, "y": 0, "w": 0.1, "h": 0.1}}, 400, "bad_request", "box.x"),
        ({**good, "box": {"x": 0, "y": 0, "w": 0.1}}, 400, "bad_request", "box"),
        ({**good, "box": [0, 0, 1, 1]}, 400, "bad_request", "box"),
        ({**good, "box": {"x": 0, "y": 0, "w": True, "h": 1}}, 400, "bad_request", "box.w"),
        (
            {
                **good,
                "kind": "line_crossing",
                "line": {"x1": 0, "y1": 0, "x2": 1.5, "y2": 1, "direction": "in"},
            },
            400,
            "bad_request",
            "line.x2",
        ),
        (
            {
                **good,
                "kind": "line_crossing",
                "line": {"x1": 0, "y1": 0, "x2": 1, "y2": 1, "direction": "up"},
            },
            400,
            "bad_request",
            "line.direction",
        ),
        (
            {**good, "line": {"x1": 0, "y1": 0, "x2": 1, "y2": 1, "direction": "in"}},
            400,
            "bad_request",
            "line",
        ),
        ({**good, "plate": "AB 123"}, 400, "bad_request", "plate"),
        ({**good, "duration_s": -1}, 400, "bad_request", "duration_s"),
        ({**good, "duration_s": 3601}, 400, "bad_request", "duration_s"),
        ({**good, "duration_s": "10"}, 400, "bad_request", "duration_s"),
        ({**good, "message": 5}, 400, "bad_request", "message"),
        ({**good, "message": "x" * 501}, 400, "bad_request", "message"),
        ({**good, "label": "x" * 65}, 400, "bad_request", "label"),
        ({**good, "severity": "high"}, 400, "bad_request", "severity"),
    ]
    error = validator("Error")
    for body, code, error_code, field in cases:
        got, answer = api(hub, "POST", "", body)
        assert (got, answer["error"]["code"]) == (code, error_code), (body, answer)
        assert field in answer["error"]["message"], (body, answer)
        error.validate(answer)
    for raw in (b"{nope", b"[1, 2]", b'"text"', b""):
        got, answer = api(hub, "POST", "", raw=raw)
        assert (got, answer["error"]["code"]) == (400, "bad_request"), raw
    got, answer = api(hub, "GET", "?state=closed")
    assert (got, answer["error"]["code"]) == (400, "bad_request") and "state" in answer["error"][
        "message"
    ]
    assert api(hub, "GET", "?state=all")[1]["alerts"] == []  # none of them raised anything
    assert alert_events(hub) == []


def test_acknowledge_and_close_need_an_operator_and_a_known_alert(hub):
    alert = raise_alert(hub)
    for action in ("acknowledge", "close"):
        for operator in (None, "  "):
            code, body = api(hub, "POST", f"/{alert['id']}/{action}", operator=operator)
            assert (code, body["error"]["code"]) == (400, "operator_required"), action
            assert OPERATOR in body["error"]["message"]
        code, body = api(hub, "POST", f"/al-999/{action}", operator="ana")
        assert (code, body["error"]["code"]) == (404, "not_found")
        code, body = api(hub, "POST", f"/{alert['id']}/{action}", {"note": 1}, operator="ana")
        assert (code, body["error"]["code"]) == (400, "bad_request") and "note" in str(body)
        code, body = api(
            hub, "POST", f"/{alert['id']}/{action}", {"note": "x" * 501}, operator="ana"
        )
        assert (code, body["error"]["code"]) == (400, "bad_request") and "note" in str(body)
        code, body = api(hub, "POST", f"/{alert['id']}/{action}", {"by": "ana"}, operator="ana")
        assert (code, body["error"]["code"]) == (400, "bad_request") and "by" in str(body)
    assert api(hub, "GET", f"/{alert['id']}")[1] == alert  # unchanged
    code, body = api(hub, "DELETE", f"/{alert['id']}")
    assert (code, body["error"]["code"]) == (405, "method_not_allowed")
    code, body = api(hub, "POST", f"/{alert['id']}/acknowledge", {"note": "x" * 500}, operator="a")
    assert code == 200 and body["acknowledged"]["note"] == "x" * 500


# -- the board ----------------------------------------------------------------------------------


def test_board_forgets_the_oldest_closed_alerts_first():
    events = EventLog()
    board = AlertBoard(events, capacity=4, clock=lambda: CYCLE)
    ids = [board.raise_alert(kind="motion", camera_id="c", priority="low").id for _ in range(4)]
    board.close(ids[2], "ana")
    board.close(ids[1], "ana")
    fifth = board.raise_alert(kind="motion", camera_id="c", priority="low").id
    assert [a.id for a in board.alerts(open_only=False)] == [ids[0], ids[2], ids[3], fifth]
    sixth = board.raise_alert(kind="motion", camera_id="c", priority="low").id
    assert [a.id for a in board.alerts(open_only=False)] == [ids[0], ids[3], fifth, sixth]
    # None closed: the oldest of all goes.
    seventh = board.raise_alert(kind="motion", camera_id="c", priority="low").id
    assert [a.id for a in board.alerts(open_only=False)] == [ids[3], fifth, sixth, seventh]
    assert board.get(ids[0]) is None and len(board) == 4
    # Forgetting publishes nothing: 7 raised + 2 closed.
    assert [e["data"]["change"] for e in events.since(0)].count("raised") == 7
    assert events.last_seq == 9


def test_board_revisions_are_the_seqs_of_the_events():
    events = EventLog()
    events.publish("camera.status", "c", {"status": "online"})
    board = AlertBoard(events, clock=lambda: CYCLE)
    alert = board.raise_alert(
        kind="object", camera_id="c", priority="low", box=AlertBox(0, 0, 1, 1)
    )
    assert alert.revision == 2
    assert board.update(alert.id, box=AlertBox(0, 0, 1, 1)) is alert  # no change, no event
    board.update(alert.id, box=AlertBox(0, 0, 0.5, 0.5))
    board.update(alert.id, message="moved")
    board.end(alert.id, at=CYCLE + 2)
    board.end(alert.id)  # already ended: nothing
    board.acknowledge(alert.id, "ana")
    board.close(alert.id, "ana")
    replay = events.since(1)
    assert [e["data"]["change"] for e in replay] == [
        "raised",
        "updated",
        "updated",
        "ended",
        "acknowledged",
        "closed",
    ]
    for event in replay:
        assert event["data"]["alert"]["revision"] == event["seq"]
        validator("Event").validate(event)
    assert alert.revision == events.last_seq == 7
    assert replay[3]["data"]["alert"]["ended"] == unix_iso(CYCLE + 2)


# -- the event channel --------------------------------------------------------------------------


def test_alert_events_on_the_websocket(hub):
    event_validator = validator("Event")
    data_validator = validator("AlertEventData")

    async def main() -> list[dict[str, Any]]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{hub.url}/api/v1/events") as ws,
        ):
            assert (await _next(ws))["type"] == "hub.hello"
            base = f"{hub.url}/api/v1/alerts"
            body = {"kind": "object", "camera_id": "cam-06", "priority": "low", "duration_s": 1.0}
            async with session.post(base, json=body) as r:
                alert = await r.json()
            hub.call(lambda: hub.hub.alerts.update(alert["id"], message="moving on"))
            headers = {OPERATOR: "ana"}
            async with session.post(f"{base}/{alert['id']}/acknowledge", headers=headers) as r:
                assert r.status == 200
            events = [await _next(ws) for _ in range(4)]  # raised, updated, acknowledged, ended
            async with session.post(f"{base}/{alert['id']}/close", headers=headers) as r:
                closed = await r.json()
            events.append(await _next(ws))
            assert events[-1]["data"]["alert"] == closed
            return events

    events = asyncio.run(main())
    assert [e["data"]["change"] for e in events] == [
        "raised",
        "updated",
        "acknowledged",
        "ended",
        "closed",
    ]
    revisions = [e["data"]["alert"]["revision"] for e in events]
    assert revisions == [e["seq"] for e in events] == sorted(set(revisions))
    for event in events:
        assert event["type"] == "alert" and event["camera_id"] == "cam-06"
        event_validator.validate(event)
        data_validator.validate(event["data"])
    assert events[1]["data"]["alert"]["message"] == "moving on"
    # The schema really constrains the alert in the event.
    bad = {**events[0], "data": {"change": "raised", "alert": {"id": "x"}}}
    assert not event_validator.is_valid(bad)
    assert not event_validator.is_valid({**events[0], "data": {**events[0]["data"], "change": "x"}})


def test_snapshot_seq_continues_with_since(hub):
    first = raise_alert(hub, duration_s=0)
    code, snapshot = api(hub, "GET", "?state=all")
    assert code == 200 and snapshot["seq"] == first["revision"]
    second = raise_alert(hub, camera_id="cam-01")

    async def main() -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{hub.url}/api/v1/events?since={snapshot['seq']}") as ws,
        ):
            assert (await _next(ws))["type"] == "hub.hello"
            return await _next(ws)

    event = asyncio.run(main())
    assert event["seq"] == snapshot["seq"] + 1 and event["data"]["alert"] == second


def test_a_burst_of_1000_alerts_reaches_a_connected_client(hub):
    async def main() -> list[dict[str, Any]]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{hub.url}/api/v1/events") as ws,
        ):
            hello = await _next(ws)
            # Over HTTP, as fast as the hub takes them (well under a second here), 20 at a time.
            connector_limit = asyncio.Semaphore(20)

            async def post(i: int) -> int:
                body = {
                    "kind": "motion",
                    "camera_id": f"cam-{i % 10 + 1:02d}",
                    "priority": "low",
                    "message": f"burst {i}",
                    "duration_s": 600,
                }
                async with (
                    connector_limit,
                    session.post(f"{hub.url}/api/v1/alerts", json=body) as r,
                ):
                    return r.status

            statuses = await asyncio.gather(*(post(i) for i in range(1000)))
            assert statuses == [201] * 1000
            events = [await _next(ws) for _ in range(1000)]
            assert events[0]["seq"] == hello["seq"] + 1
            return events

    events = asyncio.run(main())
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 1000))
    assert sorted(int(e["data"]["alert"]["message"].split()[1]) for e in events) == list(
        range(1000)
    )
    assert all(e["data"]["change"] == "raised" for e in events)


def test_since_after_a_disconnect_loses_nothing_in_a_burst(hub):
    """1000 alerts raised at once (one loop turn, the worst burst); the client reads part of
    them, drops the connection, and reconnects with `since` = the last seq it processed."""

    def burst() -> None:
        for i in range(1000):
            hub.hub.raise_alert(
                kind="object", camera_id="cam-01", priority="low", message=str(i), duration_s=0
            )

    async def main() -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{hub.url}/api/v1/events") as ws:
                hello = await _next(ws)
                hub.call(burst)
                while len(seen) < 300:
                    seen.append(await _next(ws))
            last = seen[-1]["seq"]
            hub.call(burst)  # another 1000 while it is away
            async with session.ws_connect(f"{hub.url}/api/v1/events?since={last}") as ws:
                again = await _next(ws)
                assert again["type"] == "hub.hello" and again["seq"] == hello["seq"] + 2000
                while len(seen) < 2000:
                    seen.append(await _next(ws))
                with pytest.raises(asyncio.TimeoutError):  # and nothing more
                    await asyncio.wait_for(ws.receive(), 0.3)
            return seen

    seen = asyncio.run(main())
    seqs = [e["seq"] for e in seen]
    assert seqs == list(range(seqs[0], seqs[0] + 2000))  # no loss, no duplicate
    messages = [e["data"]["alert"]["message"] for e in seen]
    assert messages == [str(i) for i in range(1000)] * 2
    assert all(e["data"]["alert"]["revision"] == e["seq"] for e in seen)


# -- the scenario: a pure function of time -------------------------------------------------------


def test_the_scenario_follows_the_table():
    expected = {
        # second of the cycle: (step, camera, kind, priority)
        1.5: (0, "cam-03", "object", "medium"),
        8.9: (0, "cam-03", "object", "medium"),
        7.5: (1, "cam-07", "line_crossing", "high"),
        25.0: (2, "cam-02", "plate", "medium"),
        28.9: (2, "cam-02", "plate", "medium"),
        32.0: (3, "cam-04", "motion", "low"),
        44.0: (4, "cam-05", "tamper", "medium"),
        50.0: (5, "cam-09", "panic", "critical"),
        57.9: (5, "cam-09", "panic", "critical"),
    }
    for second, (index, camera, kind, priority) in expected.items():
        active = {a.index: a for a in scenario_at(CYCLE + 120 + second)}
        assert index in active, second
        item = active[index]
        assert item.id == scenario_id(CYCLE + 120, index) == f"sc-{int(CYCLE) + 120}-{index}"
        assert (item.step.camera_id, item.step.kind, item.step.priority) == (camera, kind, priority)
        assert item.started == CYCLE + 120 + item.step.start
    for second in (0.0, 1.4, 10.5, 11.0, 24.9, 29.0, 31.9, 38.0, 43.9, 49.0, 49.9, 58.0, 59.9):
        assert scenario_at(CYCLE + second) == [], second
    plate = scenario_at(CYCLE + 26.0)[0]
    assert plate.step.plate == "TSR 420" and plate.step.label == "car" and plate.box is not None
    assert scenario_at(CYCLE + 45.0)[0].box is None  # tamper: no place in the picture
    assert scenario_at(CYCLE + 51.0)[0].box is None  # panic
    assert cycle_start(CYCLE + 59.99) == CYCLE and cycle_start(CYCLE + 60.0) == CYCLE + 60


def test_the_scenario_is_deterministic():
    fresh = {s.camera_id: scene_for_camera(s.camera_id) for s in SCENARIO}
    for second in np.arange(0.0, 60.0, 0.25):
        t = CYCLE + 600 + float(second)
        first = scenario_at(t)
        assert first == scenario_at(t)
        assert first == scenario_at(t, fresh.__getitem__)  # new scene objects, same alerts
    # Only the cameras asked for.
    assert [a.index for a in scenario_at(CYCLE + 8.0, cameras={"cam-07"})] == [1]


def scene_for_camera(camera_id: str) -> Scene:
    """A new scene object for a catalogue camera (not the cached `default_scene`)."""
    return next(c for c in CAMERAS if c.id == camera_id).make_scene()


def _box_pixels(box: AlertBox, width: int, height: int) -> tuple[float, float, float, float]:
    return box.x * width, box.y * height, (box.x + box.w) * width, (box.y + box.h) * height


@pytest.mark.parametrize("second", [1.5, 2.2, 3.0, 4.1, 5.5, 6.9, 7.5, 8.3, 8.95])
def test_the_entrance_box_is_where_the_person_is_drawn(second):
    t = CYCLE + 300 + second
    [item] = [a for a in scenario_at(t) if a.step.camera_id == "cam-03"]
    assert item.box is not None and item.step.label == "person"
    picture = default_scene("cam-03").render(t, 640, 360)
    body = np.all(picture == PERSON_BGR, axis=2)
    ys, xs = np.nonzero(body)
    assert xs.size > 50, "the person is not drawn"
    x0, y0, x1, y1 = _box_pixels(item.box, 640, 360)
    tolerance = 2
    assert x0 - tolerance <= xs.min() and xs.max() + 1 <= x1 + tolerance
    assert y0 - tolerance <= ys.min() and ys.max() + 1 <= y1 + tolerance
    # The body is the full width of the box and about 40 % of its area (head and legs apart).
    assert xs.max() + 1 - xs.min() >= (x1 - x0) - tolerance
    assert body.sum() >= 0.3 * (x1 - x0) * (y1 - y0)


@pytest.mark.parametrize("second", [25.5, 26.5, 27.5, 28.5])
def test_the_car_park_box_is_on_the_car_driving_in(second):
    t = CYCLE + second
    [item] = scenario_at(t)
    assert item.step.camera_id == "cam-02" and item.box is not None
    picture = default_scene("cam-02").render(t, 640, 360)
    car = np.all(picture == CAR_BGR, axis=2)
    ys, xs = np.nonzero(car)
    x0, y0, x1, y1 = _box_pixels(item.box, 640, 360)
    assert xs.size > 100
    assert x0 - 2 <= xs.min() and xs.max() + 1 <= x1 + 2
    assert y0 - 2 <= ys.min() and ys.max() + 1 <= y1 + 2
    earlier = scenario_at(t - 0.5)[0].box
    assert earlier is not None and earlier.x > item.box.x  # it drives in from the right


def test_the_perimeter_walker_crosses_the_line_going_right_at_7_5_s():
    def centre(t: float) -> float:
        [item] = [a for a in scenario_at(t) if a.step.camera_id == "cam-07"]
        assert item.box is not None
        return item.box.x + item.box.w / 2

    [item] = [a for a in scenario_at(CYCLE + 7.5) if a.step.camera_id == "cam-07"]
    line = item.step.line
    assert line is not None and line.direction == "in" and line.x1 == line.x2 == 0.5
    assert centre(CYCLE + 7.6) > 0.5 > centre(CYCLE + 7.5) - 1e-6
    assert abs(centre(CYCLE + 7.5) - 0.5) < 1e-3
    feet = item.box.y + item.box.h
    assert min(line.y1, line.y2) < feet < max(line.y1, line.y2)  # the feet cross the line


# -- the scenario runner ------------------------------------------------------------------------


def test_the_runner_plays_a_whole_cycle():
    events = EventLog()
    board = AlertBoard(events, clock=lambda: CYCLE)
    runner = ScenarioRunner(board)
    for k in range(int(60 / 0.2) + 5):
        runner.tick(CYCLE + 60 + k * 0.2)
    replay = events.since(0)
    raised = [e["data"]["alert"] for e in replay if e["data"]["change"] == "raised"]
    assert [a["id"] for a in raised] == [scenario_id(CYCLE + 60, i) for i in range(6)]
    assert all(a["source"] == "scenario" and a["active"] for a in raised)
    ended = {
        e["data"]["alert"]["id"]: e["data"]["alert"]
        for e in replay
        if e["data"]["change"] == "ended"
    }
    for i, step in enumerate(SCENARIO):
        alert = ended[scenario_id(CYCLE + 60, i)]
        assert alert["started"] == unix_iso(CYCLE + 60 + step.start)
        assert alert["ended"] == unix_iso(CYCLE + 60 + step.end)
    for event in replay:
        validator("Event").validate(event)
    updates = [e["data"]["alert"] for e in replay if e["data"]["change"] == "updated"]
    by_id: dict[str, int] = {}
    for alert in updates:
        by_id[alert["id"]] = by_id.get(alert["id"], 0) + 1
    # Moving objects get a new box every tick (five a second), the others none.
    assert by_id[scenario_id(CYCLE + 60, 0)] <= 7.5 * 5
    assert by_id[scenario_id(CYCLE + 60, 0)] >= 7.5 * 5 - 3
    assert scenario_id(CYCLE + 60, 4) not in by_id and scenario_id(CYCLE + 60, 5) not in by_id


def test_the_runner_leaves_a_closed_alert_alone():
    events = EventLog()
    board = AlertBoard(events, clock=lambda: CYCLE + 3.0)
    runner = ScenarioRunner(board)
    runner.tick(CYCLE + 2.0)
    alert_id = scenario_id(CYCLE, 0)
    board.close(alert_id, "ana", "on it")
    for k in range(40):
        runner.tick(CYCLE + 3.0 + k * 0.2)
    changes = [e["data"]["change"] for e in events.since(0) if e["data"]["alert"]["id"] == alert_id]
    assert changes == ["raised", "closed"]
    # Ticks at the same moment, or too close together, send no box twice.
    runner.tick(CYCLE + 20.0)
    runner.tick(CYCLE + 25.1)
    before = events.last_seq
    runner.tick(CYCLE + 25.15)
    assert events.last_seq == before


def _hub_clock(second: float):
    """A clock that reads `second` into a cycle now and runs at the real pace."""
    origin = time.monotonic()
    return lambda: CYCLE + 600 + second + (time.monotonic() - origin)


def test_a_hub_started_mid_cycle_raises_what_is_under_way(hub_factory):
    hub = hub_factory(alert_scenario=True, alert_clock=_hub_clock(3.0))
    code, listed = api(hub, "GET")
    assert code == 200
    validator("AlertList").validate(listed)
    [alert] = listed["alerts"]
    assert alert["id"] == scenario_id(CYCLE + 600, 0)
    assert alert["camera_id"] == "cam-03" and alert["kind"] == "object"
    assert alert["label"] == "person" and alert["source"] == "scenario"
    assert alert["started"] == unix_iso(CYCLE + 600 + 1.5) and alert["active"] is True
    # The box follows the person, in `updated` events.
    assert hub.wait_until(
        lambda: sum(e["data"]["change"] == "updated" for e in alert_events(hub)) >= 2, 3.0
    )
    updates = [e for e in alert_events(hub) if e["data"]["change"] == "updated"]
    assert updates[0]["data"]["alert"]["box"] != updates[1]["data"]["alert"]["box"]
    times = [e["data"]["alert"]["revision"] for e in updates]
    assert times == sorted(times)


def test_the_hub_ends_a_scripted_alert_on_time(hub_factory):
    hub = hub_factory(alert_scenario=True, alert_clock=_hub_clock(8.0))
    alert_id = scenario_id(CYCLE + 600, 0)
    assert api(hub, "GET", f"/{alert_id}")[1]["active"] is True
    assert hub.wait_until(lambda: not api(hub, "GET", f"/{alert_id}")[1]["active"], 3.0)
    alert = api(hub, "GET", f"/{alert_id}")[1]
    assert alert["ended"] == unix_iso(CYCLE + 600 + 9.0)
    # The line crossing started at 7.5 s is under way too, with its line.
    crossing = api(hub, "GET", f"/{scenario_id(CYCLE + 600, 1)}")[1]
    assert crossing["kind"] == "line_crossing" and crossing["line"]["direction"] == "in"
    validator("Alert").validate(crossing)


def test_a_quiet_hub_raises_nothing(hub):
    time.sleep(0.5)
    assert api(hub, "GET", "?state=all")[1]["alerts"] == []


def test_command_line_offers_alerts_off():
    out = subprocess.run(
        [sys.executable, "-m", "demohub", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "--alerts {scripted,off}" in out
