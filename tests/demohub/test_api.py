"""The hub's JSON API over real sockets: endpoints, errors, and the OpenAPI schemas."""

from __future__ import annotations

import urllib.error
import urllib.request

from demohub.cameras import PUBLIC_CAMERAS
from tests.support.openapi import openapi, validator


def test_hub_info(hub):
    status, body = hub.get_json("/api/v1/hub")
    assert status == 200
    assert body["api_version"] == 1
    assert body["name"] == "Tessera demo hub"
    assert body["software"] == "tessera-demohub"
    assert {"live", "events"} <= set(body["capabilities"])
    assert body["time"].endswith("Z")


def test_cameras_and_camera(hub):
    status, body = hub.get_json("/api/v1/cameras")
    assert status == 200
    cameras = body["cameras"]
    assert len(cameras) == len(PUBLIC_CAMERAS) >= 9  # private cameras: only when asked
    assert len({c["name"] for c in cameras}) == len(cameras)
    for camera in cameras:
        profiles = {p["name"]: p for p in camera["profiles"]}
        assert (profiles["main"]["width"], profiles["main"]["height"]) == (1280, 720)
        assert (profiles["sub"]["width"], profiles["sub"]["height"]) == (640, 360)
        assert all(p["fps"] == 15 and p["codec"] == "h264" for p in profiles.values())
        status, one = hub.get_json(f"/api/v1/cameras/{camera['id']}")
        assert status == 200 and one == camera


def test_stream_endpoint_uses_the_host_header(hub):
    status, body = hub.get_json("/api/v1/cameras/cam-01/streams/sub")
    assert status == 200
    assert body == {
        "camera_id": "cam-01",
        "profile": "sub",
        "url": f"{hub.url}/streams/cam-01/sub.ts",
        "container": "mpegts",
        "transport": "http",
        "codec": "h264",
        "width": 640,
        "height": 360,
        "fps": 15,
    }
    request = urllib.request.Request(
        hub.url + "/api/v1/cameras/cam-02/streams/main", headers={"Host": "wall.example:8443"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        import json

        body = json.loads(response.read())
    assert body["url"] == "http://wall.example:8443/streams/cam-02/main.ts"
    assert (body["width"], body["height"]) == (1280, 720)


def test_errors_are_json(hub):
    cases = {
        "/api/v1/cameras/cam-99": 404,
        "/api/v1/cameras/cam-01/streams/ultra": 404,
        "/api/v1/cameras/cam-99/streams/sub": 404,
        "/api/v1/nothing/here": 404,
        "/api/v2/hub": 404,
        "/api/v1/events?since=abc": 400,
        "/api/v1/events": 400,  # not a WebSocket upgrade
        "/streams/cam-99/sub.ts": 404,
        "/streams/cam-01/ultra.ts": 404,
    }
    for path, expected in cases.items():
        status, body = hub.get_json(path)
        assert status == expected, path
        assert set(body) == {"error"}, path
        assert body["error"]["code"] == {404: "not_found", 400: "bad_request"}[expected]
        assert body["error"]["message"], path
    request = urllib.request.Request(hub.url + "/api/v1/hub", method="DELETE")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("DELETE was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 405
        assert exc.headers["Content-Type"].startswith("application/json")


def test_responses_match_the_openapi_document(hub):
    doc = openapi()
    assert doc["openapi"].startswith("3.1")
    for name in ("Camera", "Profile", "HubInfo", "StreamEndpoint", "Error", "Event"):
        assert name in doc["components"]["schemas"], name
    for path in (
        "/api/v1/hub",
        "/api/v1/cameras",
        "/api/v1/cameras/{camera_id}",
        "/api/v1/cameras/{camera_id}/streams/{profile}",
        "/api/v1/events",
        "/streams/{camera_id}/{profile}.ts",
    ):
        assert path in doc["paths"], path

    validator("HubInfo").validate(hub.get_json("/api/v1/hub")[1])
    cameras = hub.get_json("/api/v1/cameras")[1]
    validator("CameraList").validate(cameras)
    for camera in cameras["cameras"]:
        validator("Camera").validate(hub.get_json(f"/api/v1/cameras/{camera['id']}")[1])
        for profile in camera["profiles"]:
            validator("Profile").validate(profile)
            endpoint = hub.get_json(f"/api/v1/cameras/{camera['id']}/streams/{profile['name']}")
            validator("StreamEndpoint").validate(endpoint[1])
    for path in ("/api/v1/cameras/nope", "/api/v1/nope", "/api/v1/events?since=-1"):
        validator("Error").validate(hub.get_json(path)[1])
    events = hub.call(lambda: hub.hub.events.since(0))
    assert events
    for event in events:
        validator("Event").validate(event)
    # The schemas really constrain: a camera without profiles is rejected.
    bad = dict(cameras["cameras"][0], profiles=[])
    assert not validator("Camera").is_valid(bad)
    assert not validator("Event").is_valid(
        {"seq": 3, "type": "camera.status", "time": "2026-11-22T10:00:00.000Z", "data": {}}
    )
