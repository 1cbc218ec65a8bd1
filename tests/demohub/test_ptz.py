"""PTZ on the demo hub over real sockets: moves at finite speed, the lock, presets, tours, events.

The head's position is a pure function of time, so end positions are exact (a 300 ms move at
full pan speed ends at 27.0 degrees however late the test looks); only "still moving" checks
depend on timing, and those leave generous room.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import av
import numpy as np

from console.base import timecode
from demohub.hub import PtzCommandRecord
from demohub.ptz import Position
from tests.support.openapi import ROOT, openapi, validator

OPERATOR = "X-Tessera-Operator"
CAM = "cam-08"


def ptz(
    hub,
    method: str,
    path: str = "",
    body: Any = None,
    *,
    operator: str | None = "ana",
    camera: str = CAM,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One PTZ request; (status, JSON answer or None)."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if operator is not None:
        headers[OPERATOR] = operator
    request = urllib.request.Request(
        f"{hub.url}/api/v1/cameras/{camera}/ptz{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def status(hub, camera: str = CAM) -> dict[str, Any]:
    code, body = ptz(hub, "GET", camera=camera, operator=None)
    assert code == 200, body
    return body


def settle(hub, camera: str = CAM, timeout: float = 5.0) -> dict[str, Any]:
    """The status once the head has stopped moving."""
    assert hub.wait_until(lambda: not status(hub, camera)["moving"], timeout)
    return status(hub, camera)


def position(body: dict[str, Any]) -> tuple[float, float, float]:
    p = body["position"]
    return p["pan"], p["tilt"], p["zoom"]


def ptz_events(hub, type_: str | None = None) -> list[dict[str, Any]]:
    events = hub.call(lambda: hub.hub.events.since(0))
    return [e for e in events if e["type"].startswith("ptz.") and type_ in (None, e["type"])]


# -- capabilities -------------------------------------------------------------------------------


def test_only_the_ptz_camera_declares_ptz(hub):
    code, body = hub.get_json("/api/v1/cameras")
    assert code == 200
    cameras = {c["id"]: c for c in body["cameras"]}
    assert len(cameras) == 10
    cam = cameras[CAM]
    assert cam["name"] == "Rooftop PTZ"
    assert "ptz" in cam["capabilities"]
    assert cam["ptz"] == {
        "continuous": True,
        "absolute": True,
        "relative": True,
        "presets": True,
        "home": True,
        "tours": True,
        "pan": {"min": -170.0, "max": 170.0},
        "tilt": {"min": -30.0, "max": 30.0},
        "zoom": {"min": 1.0, "max": 8.0},
        "fov": {"horizontal": 60.0, "vertical": 33.75},
        "lock_idle_s": 5.0,
    }
    for camera_id, camera in cameras.items():
        validator("Camera").validate(camera)
        if camera_id != CAM:
            assert "ptz" not in camera and "ptz" not in camera["capabilities"]
    # The schema ties the capability to the object.
    assert not validator("Camera").is_valid({**cam, "ptz": None})
    assert not validator("Camera").is_valid({**cameras["cam-01"], "ptz": cam["ptz"]})


def test_copies_of_the_ptz_camera_are_steered_independently(hub_factory):
    hub = hub_factory(camera_count=20)
    code, copy = hub.get_json("/api/v1/cameras/cam-18")
    assert code == 200 and copy["name"] == "Rooftop PTZ (2)" and "ptz" in copy
    assert ptz(hub, "POST", "/absolute", {"pan": 4.5}, camera="cam-18")[0] == 200
    assert position(settle(hub, "cam-18")) == (4.5, 0.0, 1.0)
    assert position(status(hub)) == (0.0, 0.0, 1.0)
    assert status(hub)["lock"] is None
    assert hub.call(lambda: hub.hub.ptz("cam-18") is not hub.hub.ptz(CAM))


# -- moving -------------------------------------------------------------------------------------


def test_continuous_move_runs_until_its_timeout(hub):
    code, body = ptz(hub, "POST", "/move", {"pan": 1, "tilt": 0.5, "timeout_ms": 300})
    assert code == 200 and body["moving"] is True
    assert 0.0 <= body["position"]["pan"] < 27.0
    assert body["lock"]["operator"] == "ana"
    time.sleep(0.1)
    assert 0.0 < status(hub)["position"]["pan"] < 27.0  # under way, not there at once
    # 90 deg/s and 45 deg/s for 0.3 s: the dead-man stops it exactly there.
    assert position(settle(hub)) == (27.0, 6.75, 1.0)


def test_stop_halts_the_head_where_it_is(hub):
    ptz(hub, "POST", "/move", {"pan": -1, "zoom": 1, "timeout_ms": 5000})
    time.sleep(0.1)
    code, body = ptz(hub, "POST", "/stop")
    assert code == 200 and body["moving"] is False
    pan, _, zoom = position(body)
    assert -30.0 < pan < 0.0 and 1.0 < zoom < 2.0
    time.sleep(0.15)
    assert position(status(hub)) == position(body)


def test_continuous_moves_stop_at_the_range_ends(hub):
    started = time.monotonic()
    ptz(hub, "POST", "/move", {"tilt": 1, "timeout_ms": 5000})
    final = settle(hub)
    assert position(final) == (0.0, 30.0, 1.0)
    assert time.monotonic() - started < 4.0  # stopped at the end, not at the timeout
    code, body = ptz(hub, "POST", "/move", {"zoom": -1, "timeout_ms": 5000})
    assert code == 200 and body["moving"] is False and body["position"]["zoom"] == 1.0


def test_absolute_relative_and_home_move_at_finite_speed(hub):
    code, body = ptz(hub, "POST", "/absolute", {"pan": 9.0})
    assert code == 200 and body["moving"] is True
    assert 0.0 <= body["position"]["pan"] < 9.0  # 0.1 s at 90 deg/s: not there yet
    assert position(settle(hub)) == (9.0, 0.0, 1.0)

    code, body = ptz(hub, "POST", "/relative", {"pan": -4.5, "tilt": 2.25, "zoom_factor": 1.25})
    assert code == 200 and body["moving"] is True
    assert position(settle(hub)) == (4.5, 2.25, 1.25)

    code, body = ptz(hub, "PUT", "/home")
    assert code == 200 and position(body) == (4.5, 2.25, 1.25)
    ptz(hub, "POST", "/absolute", {"pan": 0.0, "tilt": 0.0, "zoom": 1.0})
    assert position(settle(hub)) == (0.0, 0.0, 1.0)
    code, body = ptz(hub, "POST", "/home")
    assert code == 200 and body["moving"] is True
    assert position(settle(hub)) == (4.5, 2.25, 1.25)

    # A relative move past a range end stops at the end.
    ptz(hub, "POST", "/relative", {"tilt": 40.0})
    assert position(settle(hub))[1] == 30.0


def test_engine_position_is_readable_from_any_thread(hub):
    ptz(hub, "POST", "/absolute", {"pan": -4.5})
    engine = hub.hub.ptz(CAM)
    assert hub.wait_until(lambda: engine.position() == Position(-4.5, 0.0, 1.0))
    assert hub.hub.scene(CAM).head is engine.head  # what the encoders render from


# -- errors -------------------------------------------------------------------------------------


def test_refusals_carry_the_contracts_codes(hub):
    cases: list[tuple[str, str, Any, int, str, str]] = [
        ("POST", "/move", {"pan": 1.5}, 400, "out_of_range", "pan"),
        ("POST", "/move", {"zoom": -2}, 400, "out_of_range", "zoom"),
        ("POST", "/move", {"pan": 1, "timeout_ms": 50}, 400, "out_of_range", "timeout_ms"),
        ("POST", "/move", {"tilt": "up"}, 400, "bad_request", "tilt"),
        ("POST", "/move", {"pan": True}, 400, "bad_request", "pan"),
        ("POST", "/move", {"pan": 1, "seq": 1.5}, 400, "bad_request", "seq"),
        ("POST", "/move", {"speed": 1}, 400, "bad_request", "speed"),
        ("POST", "/absolute", {"tilt": 31}, 400, "out_of_range", "tilt"),
        ("POST", "/absolute", {"zoom": 0.5}, 400, "out_of_range", "zoom"),
        ("POST", "/absolute", {"pan": -171}, 400, "out_of_range", "pan"),
        ("POST", "/relative", {"zoom": 2}, 400, "bad_request", "zoom"),
        ("POST", "/relative", {"zoom_factor": 0}, 400, "out_of_range", "zoom_factor"),
        ("POST", "/lock", {"priority": 101}, 400, "out_of_range", "priority"),
        ("POST", "/lock", {"priority": "high"}, 400, "bad_request", "priority"),
        ("POST", "/presets", {}, 400, "bad_request", "name"),
        ("POST", "/presets", {"name": "x" * 65}, 400, "bad_request", "name"),
        ("POST", "/presets/p99/goto", None, 404, "not_found", "p99"),
        ("DELETE", "/tours/t99", None, 404, "not_found", "t99"),
    ]
    error = validator("Error")
    for method, path, body, code, error_code, field in cases:
        got, answer = ptz(hub, method, path, body)
        assert (got, answer["error"]["code"]) == (code, error_code), (path, body, answer)
        assert field in answer["error"]["message"], (path, body, answer)
        error.validate(answer)
    for raw in (b"{nope", b"[1, 2]", b'"text"'):
        got, answer = ptz(hub, "POST", "/move", raw=raw)
        assert (got, answer["error"]["code"]) == (400, "bad_request"), raw
    assert position(status(hub)) == (0.0, 0.0, 1.0)  # none of them moved it
    assert status(hub)["lock"] is None


def test_operator_required_not_supported_and_unknown_camera(hub):
    code, body = ptz(hub, "POST", "/move", {"pan": 1}, operator=None)
    assert (code, body["error"]["code"]) == (400, "operator_required")
    assert OPERATOR in body["error"]["message"]
    code, body = ptz(hub, "POST", "/move", {"pan": 1}, operator="  ")
    assert (code, body["error"]["code"]) == (400, "operator_required")
    for method, path in (("PUT", "/home"), ("POST", "/presets"), ("DELETE", "/lock")):
        assert ptz(hub, method, path, operator=None)[1]["error"]["code"] == "operator_required"
    assert status(hub)["moving"] is False  # reading needs no operator

    for method, path in (("GET", ""), ("POST", "/move"), ("GET", "/presets"), ("POST", "/lock")):
        code, body = ptz(hub, method, path, {} if method == "POST" else None, camera="cam-01")
        assert (code, body["error"]["code"]) == (400, "not_supported"), (method, path)
    code, body = ptz(hub, "POST", "/move", {"pan": 1}, camera="cam-99")
    assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = ptz(hub, "GET", "/lock")
    assert code == 405 and body["error"]["code"] == "method_not_allowed"


# -- presets and tours --------------------------------------------------------------------------


def test_presets_are_saved_renamed_visited_and_deleted(hub):
    code, gate = ptz(hub, "POST", "/presets", {"name": "Gate"})
    assert code == 201
    assert gate["name"] == "Gate" and gate["position"] == {"pan": 0.0, "tilt": 0.0, "zoom": 1.0}
    validator("PtzPreset").validate(gate)
    ptz(hub, "POST", "/absolute", {"pan": 4.5, "tilt": -2.25})
    settle(hub)
    code, quay = ptz(hub, "POST", "/presets", {"name": "Quay"}, operator="bob")  # no lock needed
    assert code == 201 and quay["position"]["pan"] == 4.5 and quay["id"] != gate["id"]

    code, body = ptz(hub, "POST", "/presets", {"name": "gate"})
    assert (code, body["error"]["code"]) == (409, "conflict")
    code, body = ptz(hub, "PATCH", f"/presets/{quay['id']}", {"name": "GATE"})
    assert (code, body["error"]["code"]) == (409, "conflict")
    code, renamed = ptz(hub, "PATCH", f"/presets/{quay['id']}", {"name": "Quay west"})
    assert code == 200 and renamed == {**quay, "name": "Quay west"}

    code, listed = ptz(hub, "GET", "/presets", operator=None)
    assert code == 200 and listed == {"presets": [gate, renamed]}
    validator("PtzPresetList").validate(listed)

    code, body = ptz(hub, "POST", f"/presets/{gate['id']}/goto")
    assert code == 200 and body["moving"] is True
    assert position(settle(hub)) == (0.0, 0.0, 1.0)

    assert ptz(hub, "DELETE", f"/presets/{gate['id']}") == (204, None)
    assert ptz(hub, "POST", f"/presets/{gate['id']}/goto")[0] == 404
    assert ptz(hub, "GET", "/presets")[1] == {"presets": [renamed]}
    presets_events = ptz_events(hub, "ptz.presets")
    assert [len(e["data"]["presets"]) for e in presets_events] == [1, 2, 2, 1]
    assert all(e["camera_id"] == CAM for e in presets_events)


def test_tours_loop_through_their_presets_until_stopped(hub):
    code, near = ptz(hub, "POST", "/presets", {"name": "Near"})
    ptz(hub, "POST", "/absolute", {"pan": 4.5})
    settle(hub)
    code, far = ptz(hub, "POST", "/presets", {"name": "Far"})
    steps = [{"preset_id": near["id"], "dwell_s": 1}, {"preset_id": far["id"], "dwell_s": 1}]
    code, tour = ptz(hub, "POST", "/tours", {"name": "Night", "steps": steps})
    assert code == 201
    assert tour == {
        "id": tour["id"],
        "name": "Night",
        "steps": [{**s, "dwell_s": 1.0} for s in steps],
        "running": False,
    }
    validator("PtzTour").validate(tour)

    code, body = ptz(hub, "POST", f"/tours/{tour['id']}/start")
    assert code == 200
    assert body["tour"] == {"id": tour["id"], "name": "Night", "step": 0}
    assert body["lock"]["operator"] == "ana"
    assert ptz(hub, "GET", "/tours")[1]["tours"][0]["running"] is True
    assert hub.wait_until(lambda: position(status(hub)) == (0.0, 0.0, 1.0), 1.0)
    # Step 1 after the 1 s dwell, then back to step 0: it loops.
    assert hub.wait_until(lambda: status(hub)["tour"]["step"] == 1, 3.0)
    assert hub.wait_until(lambda: position(status(hub)) == (4.5, 0.0, 1.0), 1.0)
    assert hub.wait_until(lambda: status(hub)["tour"]["step"] == 0, 3.0)
    assert hub.wait_until(lambda: position(status(hub)) == (0.0, 0.0, 1.0), 1.0)

    code, body = ptz(hub, "POST", f"/presets/{far['id']}/goto", operator="bob")
    assert (code, body["error"]["code"]) == (409, "ptz_locked")  # the tour holds the lock
    code, body = ptz(hub, "DELETE", f"/presets/{far['id']}")
    assert (code, body["error"]["code"]) == (409, "conflict")  # a tour uses it

    code, body = ptz(hub, "POST", f"/tours/{tour['id']}/stop")
    assert code == 200 and body["tour"] is None
    assert ptz(hub, "GET", "/tours")[1]["tours"][0]["running"] is False
    running = [e["data"]["tours"][0]["running"] for e in ptz_events(hub, "ptz.tours")]
    assert running == [False, True, False]

    code, body = ptz(hub, "POST", "/tours", {"name": "Bad", "steps": []})
    assert (code, body["error"]["code"]) == (400, "bad_request")
    bad_step = [{"preset_id": "p99", "dwell_s": 5}]
    code, body = ptz(hub, "POST", "/tours", {"name": "Bad", "steps": bad_step})
    assert (code, body["error"]["code"]) == (400, "bad_request") and "p99" in str(body)
    short = [{"preset_id": near["id"], "dwell_s": 0.5}]
    code, body = ptz(hub, "PUT", f"/tours/{tour['id']}", {"name": "Bad", "steps": short})
    assert (code, body["error"]["code"]) == (400, "out_of_range")
    code, body = ptz(hub, "PUT", f"/tours/{tour['id']}", {"name": "Day", "steps": steps[:1]})
    assert code == 200 and body["name"] == "Day" and len(body["steps"]) == 1
    assert ptz(hub, "DELETE", f"/tours/{tour['id']}") == (204, None)
    assert ptz(hub, "GET", "/tours")[1] == {"tours": []}
    assert ptz(hub, "DELETE", f"/presets/{far['id']}") == (204, None)


def test_a_move_from_the_holder_stops_the_tour(hub):
    _, home = ptz(hub, "POST", "/presets", {"name": "Home"})
    steps = [{"preset_id": home["id"], "dwell_s": 60}]
    _, tour = ptz(hub, "POST", "/tours", {"name": "Watch", "steps": steps})
    assert ptz(hub, "POST", f"/tours/{tour['id']}/start")[1]["tour"]["id"] == tour["id"]
    code, body = ptz(hub, "POST", "/move", {"pan": 0.5, "timeout_ms": 200})
    assert code == 200 and body["tour"] is None
    assert ptz(hub, "GET", "/tours")[1]["tours"][0]["running"] is False


# -- the operator lock --------------------------------------------------------------------------


def test_the_first_mover_holds_the_lock_and_others_are_refused(hub):
    assert status(hub)["lock"] is None
    code, body = ptz(hub, "POST", "/move", {"pan": 0.2, "timeout_ms": 200})
    lock = body["lock"]
    assert lock["operator"] == "ana" and lock["priority"] == 0 and lock["idle_release_s"] == 5.0
    validator("PtzLock").validate(lock)

    code, body = ptz(hub, "POST", "/absolute", {"pan": 20}, operator="bob")
    assert (code, body["error"]["code"]) == (409, "ptz_locked")
    assert body["error"]["lock"] == lock
    assert "ana" in body["error"]["message"] and "Rooftop PTZ" in body["error"]["message"]
    validator("Error").validate(body)
    code, body = ptz(hub, "POST", "/stop", operator="bob")
    assert (code, body["error"]["code"]) == (409, "ptz_locked")
    code, body = ptz(hub, "DELETE", "/lock", operator="bob")
    assert (code, body["error"]["code"]) == (409, "ptz_locked")

    assert ptz(hub, "DELETE", "/lock") == (204, None)
    assert status(hub)["lock"] is None
    code, body = ptz(hub, "POST", "/move", {"pan": 0.2, "timeout_ms": 200}, operator="bob")
    assert code == 200 and body["lock"]["operator"] == "bob"
    locks = [e["data"]["lock"] for e in ptz_events(hub, "ptz.lock")]
    assert [lk and lk["operator"] for lk in locks] == ["ana", None, "bob"]


def test_an_idle_lock_is_released(hub_factory):
    hub = hub_factory(ptz_lock_idle_s=0.3)
    assert hub.get_json(f"/api/v1/cameras/{CAM}")[1]["ptz"]["lock_idle_s"] == 0.3
    code, body = ptz(hub, "POST", "/move", {"pan": 0.1, "timeout_ms": 100})
    assert body["lock"]["idle_release_s"] == 0.3
    assert ptz(hub, "POST", "/move", {"tilt": 1}, operator="bob")[0] == 409
    time.sleep(0.2)
    ptz(hub, "POST", "/move", {"pan": 0.1, "timeout_ms": 100})  # a command refreshes it
    time.sleep(0.2)
    assert status(hub)["lock"]["operator"] == "ana"
    # Released by the hub's timer, announced without anyone asking.
    assert hub.wait_until(lambda: len(ptz_events(hub, "ptz.lock")) == 2, 2.0)
    assert ptz_events(hub, "ptz.lock")[-1]["data"] == {"lock": None}
    code, body = ptz(hub, "POST", "/move", {"tilt": 0.1, "timeout_ms": 100}, operator="bob")
    assert code == 200 and body["lock"]["operator"] == "bob"


def test_a_higher_priority_takes_the_lock_over(hub):
    ptz(hub, "POST", "/move", {"pan": 1, "timeout_ms": 5000})
    code, body = ptz(hub, "POST", "/lock", {"priority": 0}, operator="bob")
    assert (code, body["error"]["code"]) == (409, "ptz_locked")  # equal does not take over
    code, lock = ptz(hub, "POST", "/lock", {"priority": 10}, operator="bob")
    assert code == 200 and (lock["operator"], lock["priority"]) == ("bob", 10)
    validator("PtzLock").validate(lock)
    now = status(hub)
    assert now["lock"] == lock and now["moving"] is False  # bob starts with a still camera
    code, body = ptz(hub, "POST", "/move", {"pan": 1}, operator="ana")
    assert (code, body["error"]["code"]) == (409, "ptz_locked")
    assert body["error"]["lock"]["operator"] == "bob"
    code, again = ptz(hub, "POST", "/lock", None, operator="bob")  # a refresh keeps it all
    assert code == 200 and again == lock
    code, body = ptz(hub, "POST", "/lock", {"priority": 10}, operator="ana")
    assert code == 409
    code, lowered = ptz(hub, "POST", "/lock", {"priority": 1}, operator="bob")
    assert code == 200 and lowered == {**lock, "priority": 1}
    code, body = ptz(hub, "POST", "/lock", {"priority": 2}, operator="ana")
    assert code == 200 and body["operator"] == "ana" and body["priority"] == 2
    holders = [
        (e["data"]["lock"]["operator"], e["data"]["lock"]["priority"])
        for e in ptz_events(hub, "ptz.lock")
    ]
    assert holders == [("ana", 0), ("bob", 10), ("bob", 1), ("ana", 2)]


# -- ordering and timing ------------------------------------------------------------------------


def test_a_late_move_cannot_restart_a_stopped_camera(hub):
    code, body = ptz(hub, "POST", "/move", {"pan": 1, "timeout_ms": 5000, "seq": 5})
    assert code == 200 and body["moving"] is True and "ignored" not in body
    code, body = ptz(hub, "POST", "/stop", {"seq": 6})
    assert code == 200 and body["moving"] is False and "ignored" not in body
    for seq in (5, 6, 2):
        code, body = ptz(hub, "POST", "/move", {"pan": 1, "timeout_ms": 5000, "seq": seq})
        assert code == 200 and body["ignored"] is True and body["moving"] is False
        validator("PtzStatus").validate(body)
    code, body = ptz(hub, "POST", "/stop", {"seq": 6})
    assert code == 200 and body["ignored"] is True
    records = list(hub.hub.ptz_commands)
    assert [(r.command, r.body.get("seq"), r.applied) for r in records] == [
        ("move", 5, True),
        ("stop", 6, True),
        ("move", 5, False),
        ("move", 6, False),
        ("move", 2, False),
        ("stop", 6, False),
    ]
    assert all(isinstance(r, PtzCommandRecord) and r.operator == "ana" for r in records)
    assert [r.received for r in records] == sorted(r.received for r in records)
    code, body = ptz(hub, "POST", "/move", {"pan": -1, "timeout_ms": 100, "seq": 7})
    assert code == 200 and "ignored" not in body
    code, body = ptz(hub, "POST", "/move", {"pan": 1, "timeout_ms": 100})  # no seq: applied
    assert code == 200 and "ignored" not in body


def test_a_slow_hub_applies_the_command_before_it_answers(hub_factory):
    hub = hub_factory(ptz_answer_delay_s=0.6)
    answers: list[tuple[int, Any]] = []
    started = time.monotonic()
    sender = threading.Thread(
        target=lambda: answers.append(ptz(hub, "POST", "/absolute", {"pan": 4.5}))
    )
    sender.start()
    assert hub.wait_until(lambda: len(hub.hub.ptz_commands) == 1, 2.0)
    record = hub.hub.ptz_commands[0]
    assert (record.command, record.body, record.applied) == ("absolute", {"pan": 4.5}, True)
    assert hub.wait_until(lambda: hub.hub.ptz(CAM).position().pan == 4.5, 1.0)
    assert sender.is_alive() and not answers  # applied, not answered yet
    sender.join(5)
    elapsed = time.monotonic() - started
    assert answers and answers[0][0] == 200 and elapsed >= 0.6
    assert ptz(hub, "GET", operator=None)[0] == 200  # reads are not delayed


# -- events and schemas -------------------------------------------------------------------------


def test_ptz_events_on_the_websocket(hub):
    headers = {OPERATOR: "ana"}
    base = f"{hub.url}/api/v1/cameras/{CAM}/ptz"

    async def main() -> list[dict[str, Any]]:
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.ws_connect(f"{hub.url}/api/v1/events") as ws,
        ):
            assert json.loads((await ws.receive()).data)["type"] == "hub.hello"
            async with session.post(f"{base}/presets", json={"name": "Gate"}) as r:
                preset = await r.json()
            steps = [{"preset_id": preset["id"], "dwell_s": 30}]
            async with session.post(f"{base}/tours", json={"name": "T", "steps": steps}) as r:
                tour = await r.json()
            for path in (f"/tours/{tour['id']}/start", f"/tours/{tour['id']}/stop"):
                async with session.post(base + path) as r:
                    assert r.status == 200
            async with session.delete(f"{base}/lock") as r:
                assert r.status == 204
            events = []
            while len(events) < 6:
                msg = await asyncio.wait_for(ws.receive(), 5)
                event = json.loads(msg.data)
                if event["type"].startswith("ptz."):
                    events.append(event)
            return events

    events = asyncio.run(main())
    assert [e["type"] for e in events] == [
        "ptz.presets",
        "ptz.tours",
        "ptz.lock",
        "ptz.tours",
        "ptz.tours",
        "ptz.lock",
    ]
    assert all(e["camera_id"] == CAM for e in events)
    assert events[0]["data"]["presets"][0]["name"] == "Gate"
    assert [e["data"]["tours"][0]["running"] for e in events if e["type"] == "ptz.tours"] == [
        False,
        True,
        False,
    ]
    assert events[2]["data"]["lock"]["operator"] == "ana"
    assert events[5]["data"] == {"lock": None}
    event_schema = validator("Event")
    for event in events:
        event_schema.validate(event)
    bad = {**events[2], "data": {"lock": {"operator": "ana"}}}
    assert not event_schema.is_valid(bad)


def test_ptz_answers_match_the_openapi_document(hub):
    doc = openapi()
    for path in (
        "/api/v1/cameras/{camera_id}/ptz",
        "/api/v1/cameras/{camera_id}/ptz/move",
        "/api/v1/cameras/{camera_id}/ptz/presets/{preset_id}/goto",
        "/api/v1/cameras/{camera_id}/ptz/tours/{tour_id}/start",
        "/api/v1/cameras/{camera_id}/ptz/lock",
    ):
        assert path in doc["paths"], path
    validator("PtzStatus").validate(status(hub))
    _, moving = ptz(hub, "POST", "/move", {"pan": 0.5, "zoom": 0.5, "timeout_ms": 200})
    validator("PtzStatus").validate(moving)
    validator("PtzPresetList").validate(ptz(hub, "GET", "/presets")[1])
    validator("PtzTourList").validate(ptz(hub, "GET", "/tours")[1])
    validator("PtzMoveRequest").validate({"pan": 1, "tilt": -0.5, "timeout_ms": 500, "seq": 3})
    assert not validator("PtzMoveRequest").is_valid({"pan": 2})
    assert not validator("PtzRelativeRequest").is_valid({"zoom": 2})


# -- the picture --------------------------------------------------------------------------------


def _frames(url: str, count: int) -> list[np.ndarray]:
    with av.open(url, options={"probesize": "65536", "analyzeduration": "500000"}) as container:
        frames = []
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="bgr24"))
            if len(frames) >= count:
                return frames
    return frames


def test_the_live_stream_follows_the_head(hub):
    url = f"{hub.url}/streams/{CAM}/sub.ts"
    before = _frames(url, 1)[0]
    ptz(hub, "POST", "/absolute", {"pan": 20.0})
    settle(hub)
    after = _frames(url, 1)[0]
    assert timecode.read(before) is not None and timecode.read(after) is not None
    body = (slice(90, 300), slice(0, 640))  # below the overlays, above the time code
    diff = np.abs(before[body].astype(np.int16) - after[body].astype(np.int16)).mean()
    assert diff > 15, diff


def test_ptz_lock_idle_option(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "demohub", "--no-sign-in", "--ptz-lock-idle", "2.5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"Tessera demo hub listening on (http://\S+)\n", line)
        assert match, line
        with urllib.request.urlopen(f"{match.group(1)}/api/v1/cameras/{CAM}", timeout=10) as r:
            assert json.loads(r.read())["ptz"]["lock_idle_s"] == 2.5
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
