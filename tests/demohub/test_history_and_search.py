"""The demo hub's multi-camera recordings search and its alert history (issue 16 section 1),
over real sockets, each answer checked against docs/openapi.yaml."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Any

import pytest

from demohub.alerts import scenario_id, unix_iso
from tests.support.openapi import openapi, validator

OPERATOR = "X-Tessera-Operator"
CYCLE = 1_800_000_000.0  # a multiple of 60: a scenario cycle starts here


def get(hub, path: str, **query: str) -> tuple[int, Any]:
    suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
    return hub.get_json(f"{path}{suffix}")


def post(hub, path: str, body: Any, operator: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if operator is not None:
        headers[OPERATOR] = operator
    request = urllib.request.Request(
        f"{hub.url}/api/v1{path}", data=json.dumps(body).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def assert_error(answer: tuple[int, Any], status: int, code: str, *words: str) -> None:
    got_status, body = answer
    assert (got_status, body["error"]["code"]) == (status, code), body
    validator("Error").validate(body)
    for word in words:
        assert word in body["error"]["message"], body


# -- the multi-camera search --------------------------------------------------------------------


def search(hub, **query: str) -> tuple[int, Any]:
    return get(hub, "/api/v1/recordings", **query)


def test_search_answers_each_camera_as_its_own_recordings_would(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 1300)
    status, body = search(hub, cameras="cam-03,cam-10,cam-08,cam-03")
    assert status == 200, body
    validator("RecordingsSearch").validate(body)
    assert [r["camera_id"] for r in body["recordings"]] == ["cam-03", "cam-10"]
    assert body["not_recorded"] == ["cam-08"]  # the PTZ camera: not an error here
    own = {c: get(hub, f"/api/v1/cameras/{c}/recordings")[1] for c in ("cam-03", "cam-10")}
    for answer in body["recordings"]:
        mine = own[answer["camera_id"]]
        assert answer["retention_s"] == mine["retention_s"] == 3600
        assert [s["start"] for s in answer["spans"]] == [s["start"] for s in mine["spans"]]
    assert len(body["recordings"][0]["spans"]) == 1
    assert len(body["recordings"][1]["spans"]) >= 3  # cam-10 has gaps


def test_search_with_a_range_picks_the_spans_that_overlap_it(hub_factory):
    now = time.time()
    hub = hub_factory(recorded_since=now - 1300)
    spans = get(hub, "/api/v1/cameras/cam-10/recordings")[1]["spans"]
    gap_from, gap_to = spans[0]["end"], spans[1]["start"]
    # From 10 s to 50 s into the minute without recording.
    inside = {"from": gap_from[:17] + "10.000Z", "to": gap_from[:17] + "50.000Z"}
    assert gap_to[:17] != gap_from[:17]
    status, body = search(hub, cameras="cam-10,cam-01", **inside)
    assert status == 200, body
    validator("RecordingsSearch").validate(body)
    cam10, cam01 = body["recordings"]
    assert cam10["spans"] == []  # nothing recorded in the gap
    assert len(cam01["spans"]) == 1
    both = search(hub, cameras="cam-10", **{"from": gap_from, "to": gap_to})[1]
    assert [s["end"] for s in both["recordings"][0]["spans"]][:1] == [gap_from]
    assert len(both["recordings"][0]["spans"]) == 2  # the spans on either side of the gap


@pytest.mark.parametrize(
    ("query", "status", "code", "word"),
    [
        ({}, 400, "bad_request", "cameras is required"),
        ({"cameras": ""}, 400, "bad_request", "cameras must be"),
        ({"cameras": "cam-01,,cam-02"}, 400, "bad_request", "cameras must be"),
        ({"cameras": "cam-01,cam-99"}, 404, "not_found", "cam-99"),
        ({"cameras": ",".join(f"cam-{n}" for n in range(101))}, 400, "bad_request", "at most 100"),
        ({"cameras": "cam-01", "from": "soon"}, 400, "bad_request", "from must be"),
        (
            {"cameras": "cam-01", "from": "2026-11-22T10:00:00Z", "to": "2026-11-22T09:00:00Z"},
            400,
            "bad_request",
            "to must not be before from",
        ),
    ],
)
def test_search_refusals_name_the_parameter(hub, query, status, code, word):
    assert_error(search(hub, **query), status, code, word)


def test_search_on_a_hub_without_recordings_lists_every_camera_as_not_recorded(hub_factory):
    hub = hub_factory(recording_retention_s=0)
    body = search(hub, cameras="cam-01,cam-02")[1]
    assert body == {"recordings": [], "not_recorded": ["cam-01", "cam-02"]}


# -- the alert history --------------------------------------------------------------------------


def _hub_clock(second: float):
    """A clock that reads `second` into a cycle now and runs at the real pace."""
    origin = time.monotonic()
    return lambda: CYCLE + second + (time.monotonic() - origin)


def history(hub, start: float, end: float, **query: str) -> list[dict[str, Any]]:
    status, body = get(
        hub, "/api/v1/events/history", **{"from": unix_iso(start), "to": unix_iso(end), **query}
    )
    assert status == 200, body
    validator("AlertHistory").validate(body)
    assert (body["from"], body["to"]) == (unix_iso(start), unix_iso(end))
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [a["id"] for a in body["alerts"]]


def test_history_holds_what_the_scenario_raised_and_how_operators_handled_it(hub_factory):
    # 8 s into a cycle: the person at the reception door (since 1.5 s) and the fence crossing
    # (since 7.5 s) are under way.
    hub = hub_factory(alert_scenario=True, alert_clock=_hub_clock(8.0))
    person, crossing = scenario_id(CYCLE, 0), scenario_id(CYCLE, 1)
    assert post(hub, f"/alerts/{person}/acknowledge", {"note": "guard sent"}, "ana")[0] == 200
    assert post(hub, f"/alerts/{crossing}/close", {"note": "a fox"}, "bo")[0] == 200
    status, panic = post(
        hub,
        "/alerts",
        {"kind": "panic", "camera_id": "cam-09", "priority": "critical", "duration_s": 0},
    )
    assert status == 201
    body = history(hub, CYCLE, CYCLE + 60)
    assert ids(body) == [person, crossing, panic["id"]]  # oldest started first
    assert body["more"] is False
    first, second, third = body["alerts"]
    assert first["acknowledged"]["by"] == "ana" and first["acknowledged"]["note"] == "guard sent"
    assert first["state"] == "acknowledged" and first["closed"] is None
    assert second["closed"]["by"] == "bo" and second["closed"]["note"] == "a fox"
    assert second["state"] == "closed" and second["active"] is False
    assert third["kind"] == "panic" and third["active"] is False
    # Filters by camera and by kind (a kind the hub does not know matches nothing).
    assert ids(history(hub, CYCLE, CYCLE + 60, cameras="cam-03,cam-99")) == [person]
    assert ids(history(hub, CYCLE, CYCLE + 60, kinds="panic,line_crossing")) == [
        crossing,
        panic["id"],
    ]
    assert ids(history(hub, CYCLE, CYCLE + 60, kinds="smoke")) == []
    # Bounded: the oldest first, and `more` says there were more.
    limited = history(hub, CYCLE, CYCLE + 60, limit="2")
    assert ids(limited) == [person, crossing] and limited["more"] is True
    assert history(hub, CYCLE, CYCLE + 60, limit="3")["more"] is False
    # A range before anything happened, and one inside the person's walk only.
    assert ids(history(hub, CYCLE - 120, CYCLE - 60)) == []
    assert ids(history(hub, CYCLE + 2.0, CYCLE + 3.0)) == [person]


def test_an_alert_handled_after_it_ended_is_in_the_history_of_when_it_was_handled(hub_factory):
    clock = _hub_clock(20.0)  # a quiet moment of the scenario, which is off here anyway
    hub = hub_factory(alert_clock=clock)
    status, alert = post(
        hub,
        "/alerts",
        {"kind": "motion", "camera_id": "cam-04", "priority": "low", "duration_s": 0},
    )
    assert status == 201
    ended = clock()
    time.sleep(0.3)
    handled = post(hub, f"/alerts/{alert['id']}/acknowledge", {}, "ana")[1]["acknowledged"]
    at = unix_ms_seconds(handled["at"])
    assert at - ended > 0.2
    assert ids(history(hub, at - 0.05, at + 0.05)) == [alert["id"]]  # acknowledged in it
    assert ids(history(hub, ended + 0.1, at - 0.1)) == []  # ended before, handled after


def unix_ms_seconds(text: str) -> float:
    """A contract timestamp as Unix time."""
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return when.timestamp()


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ({"to": "2026-11-22T10:00:00Z"}, "from is required"),
        ({"from": "2026-11-22T10:00:00Z"}, "to is required"),
        ({"from": "yesterday", "to": "2026-11-22T10:00:00Z"}, "from must be"),
        ({"from": "2026-11-22T10:00:00Z", "to": "2026-11-22T10:00:00"}, "to needs a time zone"),
        ({"from": "2026-11-22T10:00:00Z", "to": "2026-11-22T09:00:00Z"}, "to must not be before"),
        ({"cameras": "cam-01,"}, "cameras must be"),
        ({"kinds": ""}, "kinds must be"),
        ({"limit": "0"}, "limit must be a whole number from 1 to 1000"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-1"}, "limit"),
    ],
)
def test_history_refusals_name_the_parameter(hub, query, word):
    full = {"from": "2026-11-22T09:00:00Z", "to": "2026-11-22T10:00:00Z", **query}
    if "from" in query or "to" in query:
        full = dict(query)
    assert_error(get(hub, "/api/v1/events/history", **full), 400, "bad_request", word)


def test_the_new_paths_are_in_the_openapi_document():
    paths = openapi()["paths"]
    assert "/api/v1/recordings" in paths and "/api/v1/events/history" in paths
    parameters = paths["/api/v1/cameras/{camera_id}/playback/{profile}"]["get"]["parameters"]
    refs = {p.get("$ref", "").rsplit("/", 1)[-1] for p in parameters}
    assert {"PlaybackSpeed", "PlaybackDirection", "PlaybackIntraOnly"} <= refs


def test_the_history_outlives_a_restart_with_a_state_folder(hub_factory, tmp_path):
    first = hub_factory(state_dir=tmp_path)
    status, raised = post(
        first, "/alerts", {"kind": "tamper", "camera_id": "cam-05", "priority": "medium"}
    )
    assert status == 201
    assert post(first, f"/alerts/{raised['id']}/close", {"note": "lens wiped"}, "ana")[0] == 200
    first.run(first.hub.stop())
    second = hub_factory(state_dir=tmp_path)
    now = time.time()
    body = history(second, now - 60, now)
    assert ids(body) == [raised["id"]]
    assert body["alerts"][0]["closed"]["note"] == "lens wiped"


def test_an_alert_is_in_the_history_of_the_very_millisecond_it_shows(hub):
    # The hub compares times as its answers show them: a client naming the `started` it was
    # given as both ends of a range finds the alert (the hub's own clock has microseconds).
    for _ in range(5):
        status, raised = post(
            hub, "/alerts", {"kind": "motion", "camera_id": "cam-01", "priority": "low"}
        )
        assert status == 201
        moment = {"from": raised["started"], "to": raised["started"]}
        body = get(hub, "/api/v1/events/history", **moment)[1]
        assert raised["id"] in ids(body)
