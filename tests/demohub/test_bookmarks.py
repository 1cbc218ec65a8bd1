"""The demo hub's bookmarks (docs/hub-api.md "Bookmarks") over real sockets: create-or-replace by
the client's id (the same PUT twice is one bookmark), edit, delete, search, protect, the
`bookmark` events, the answers checked against docs/openapi.yaml, and the state file."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.support.hubthread import PTZ_CAM, HubThread
from tests.support.openapi import openapi, validator

OPERATOR = "X-Tessera-Operator"
T0 = "2026-11-22T10:00:00.000Z"
T1 = "2026-11-22T10:00:30.000Z"


def call(
    hub: HubThread, method: str, path: str, body: Any = None, operator: str | None = "ana"
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if operator:
        headers[OPERATOR] = operator
    request = urllib.request.Request(
        f"{hub.url}/api/v1{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def body(**changes: Any) -> dict[str, Any]:
    return {
        "camera_id": "cam-03",
        "start": T0,
        "end": T1,
        "name": "Person at the door",
        "description": "came back twice",
        "tags": ["door", "follow-up"],
        **changes,
    }


def bookmark_events(hub: HubThread) -> list[dict[str, Any]]:
    return hub.call(lambda: [e for e in hub.hub.events.since(0) if e["type"] == "bookmark"])


def test_the_same_put_twice_is_one_bookmark_and_one_event(hub):
    for path in ("", "/{bookmark_id}", "/{bookmark_id}/protect", "/{bookmark_id}/unprotect"):
        assert f"/api/v1/bookmarks{path}" in openapi()["paths"], path
    code, first = call(hub, "PUT", "/bookmarks/b-1", body())
    assert code == 201
    validator("Bookmark").validate(first)
    assert first["created"]["by"] == "ana" and first["protected"] is False
    code, again = call(hub, "PUT", "/bookmarks/b-1", body())
    assert code == 200 and again == first
    code, listed = call(hub, "GET", "/bookmarks")
    validator("BookmarkList").validate(listed)
    assert [b["id"] for b in listed["bookmarks"]] == ["b-1"]
    [event] = bookmark_events(hub)
    validator("Event").validate(event)
    assert event["data"]["change"] == "created" and event["camera_id"] == "cam-03"
    assert event["seq"] == first["revision"]


def test_edit_protect_unprotect_and_delete_each_announce_themselves(hub):
    call(hub, "PUT", "/bookmarks/b-2", body())
    code, edited = call(hub, "PUT", "/bookmarks/b-2", body(name="Door", tags=["x"]))
    assert code == 200 and edited["name"] == "Door" and edited["tags"] == ["x"]
    assert edited["created"] == call(hub, "GET", "/bookmarks/b-2")[1]["created"]
    code, protected = call(hub, "POST", "/bookmarks/b-2/protect")
    assert code == 200 and protected["protected"]
    assert call(hub, "POST", "/bookmarks/b-2/protect")[1]["revision"] == protected["revision"]
    spans = hub.call(lambda: hub.hub.kept_spans("cam-03"))
    assert [(s.start, s.end) for s in spans] == [(1795341600.0, 1795341630.0)]
    # A replace keeps the protection as it is.
    assert call(hub, "PUT", "/bookmarks/b-2", body(name="Door 2"))[1]["protected"] is True
    assert call(hub, "POST", "/bookmarks/b-2/unprotect")[1]["protected"] is False
    assert hub.call(lambda: hub.hub.kept_spans("cam-03")) == []
    assert call(hub, "DELETE", "/bookmarks/b-2")[0] == 204
    assert call(hub, "DELETE", "/bookmarks/b-2")[0] == 204  # deleted before: done
    assert call(hub, "GET", "/bookmarks/b-2")[0] == 404
    events = bookmark_events(hub)
    for event in events:
        validator("Event").validate(event)
    assert [e["data"]["change"] for e in events] == [
        "created",
        "updated",
        "protected",
        "updated",
        "unprotected",
        "deleted",
    ]


def test_a_deleted_id_stays_deleted_and_revisions_make_writes_conditional(hub):
    code, made = call(hub, "PUT", "/bookmarks/b-3", body(revision=0))
    assert code == 201
    assert call(hub, "PUT", "/bookmarks/b-3", body(revision=0))[0] == 200  # the same: a retry
    code, error = call(hub, "PUT", "/bookmarks/b-3", body(name="other", revision=0))
    assert code == 409 and error["error"]["code"] == "conflict"
    validator("Error").validate(error)
    stale = made["revision"] - 1
    assert call(hub, "PUT", "/bookmarks/b-3", body(name="x", revision=stale))[0] == 409
    code, ok = call(hub, "PUT", "/bookmarks/b-3", body(name="x", revision=made["revision"]))
    assert code == 200 and ok["name"] == "x"
    assert call(hub, "PUT", "/bookmarks/nope", body(revision=5))[0] == 404
    assert call(hub, "DELETE", "/bookmarks/b-3")[0] == 204
    code, error = call(hub, "PUT", "/bookmarks/b-3", body())
    assert (code, error["error"]["code"]) == (410, "gone")
    assert call(hub, "POST", "/bookmarks/b-3/protect")[0] == 410
    assert call(hub, "DELETE", "/bookmarks/never")[0] == 404


def test_bad_requests_name_the_field(hub):
    cases = [
        ("/bookmarks/b-4", body(colour="red"), 400, "colour"),
        ("/bookmarks/b%20x", body(), 400, "bookmark id"),
        ("/bookmarks/b-4", body(camera_id="cam-99"), 404, "cam-99"),
        ("/bookmarks/b-4", body(end="2026-11-22T09:00:00.000Z"), 400, "end"),
        ("/bookmarks/b-4", body(start="yesterday"), 400, "start"),
        ("/bookmarks/b-4", body(end="2026-11-24T10:00:00.000Z"), 400, "24 hours"),
        ("/bookmarks/b-4", body(name=""), 400, "name"),
        ("/bookmarks/b-4", body(tags=["a,b"]), 400, "tags[0]"),
        ("/bookmarks/b-4", body(tags=["t"] * 21), 400, "tags"),
        ("/bookmarks/b-4", body(revision=-1), 400, "revision"),
    ]
    for path, payload, status, word in cases:
        code, error = call(hub, "PUT", path, payload)
        assert code == status, (payload, error)
        assert word in error["error"]["message"], error
    code, error = call(hub, "POST", "/bookmarks/b-5/protect")
    assert code == 404
    call(hub, "PUT", "/bookmarks/b-5", body(camera_id=PTZ_CAM))
    code, error = call(hub, "POST", "/bookmarks/b-5/protect")
    assert (code, error["error"]["code"]) == (400, "not_supported")
    assert call(hub, "GET", "/bookmarks?colour=red")[0] == 400
    assert call(hub, "GET", "/bookmarks?from=yesterday")[0] == 400
    assert call(hub, "GET", f"/bookmarks?from={T1}&to={T0}")[0] == 400


def test_search_by_text_tags_cameras_time_and_protection(hub):
    call(hub, "PUT", "/bookmarks/a", body(name="Van at the gate", tags=["vehicle"]))
    call(hub, "PUT", "/bookmarks/b", body(camera_id="cam-01", description="a VAN again",
                                          start="2026-11-22T11:00:00.000Z",
                                          end="2026-11-22T11:00:10.000Z"))  # fmt: skip
    call(hub, "PUT", "/bookmarks/c", body(name="Door", tags=["door", "vehicle"]))
    call(hub, "POST", "/bookmarks/c/protect")

    def ids(query: str) -> list[str]:
        code, answer = call(hub, "GET", "/bookmarks" + query)
        assert code == 200, answer
        validator("BookmarkList").validate(answer)
        return [b["id"] for b in answer["bookmarks"]]

    assert ids("") == ["a", "c", "b"]  # by start, then id
    assert ids("?text=van") == ["a", "b"]
    assert ids("?tags=vehicle") == ["a", "c"]
    assert ids("?tags=vehicle,door") == ["c"]
    assert ids("?camera_id=cam-01,cam-09") == ["b"]
    assert ids("?from=2026-11-22T10:30:00.000Z") == ["b"]
    assert ids("?to=2026-11-22T10:00:00.000Z") == ["a", "c"]
    assert ids("?protected=true") == ["c"]
    assert ids("?protected=false&text=van&camera_id=cam-03") == ["a"]


def test_bookmarks_outlive_a_restart_without_a_clean_stop(tmp_path, hub_factory):
    first = hub_factory(state_dir=tmp_path)
    call(first, "PUT", "/bookmarks/keep", body())
    call(first, "POST", "/bookmarks/keep/protect")
    call(first, "PUT", "/bookmarks/gone", body(name="old"))
    call(first, "DELETE", "/bookmarks/gone")
    _, before = call(first, "GET", "/bookmarks")
    # No stop(): the first hub is left as a killed one would be.
    second = hub_factory(state_dir=tmp_path)
    _, after = call(second, "GET", "/bookmarks")
    assert after["bookmarks"] == before["bookmarks"]
    assert call(second, "PUT", "/bookmarks/gone", body(name="old"))[0] == 410
    assert [s.start for s in second.call(lambda: second.hub.kept_spans("cam-03"))] == [1795341600.0]
    _, info = call(second, "GET", "/hub")
    assert "bookmarks" in info["capabilities"]
