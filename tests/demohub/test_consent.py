"""Private cameras on the real demo hub over real sockets: each sharing tier lets out only what
its owner shares, on the URL routes and on the `.ts` streams themselves, an access request
grants an on-request camera for a limited time, and every access is in the hub's audit log."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from demohub.cameras import CAMERAS, PRIVATE_CAMERAS, PUBLIC_CAMERAS, catalogue
from demohub.consent import GRANT_S, ConsentBook, ConsentRefusedError
from tests.support.hubthread import HubThread
from tests.support.openapi import validator

pytestmark = pytest.mark.timeout(60)

DOORBELL, SHOP, GARAGE, FARM = "doorbell-14", "shop-corner", "garage-mill", "farm-gate"


@pytest.fixture
def phub(hub_factory) -> HubThread:
    return hub_factory(sign_in=True, private_cameras=True, recorded_since=time.time() - 600)


def _open_ts(url: str) -> tuple[int, Any]:
    """Open a stream URL: (200, None) for MPEG-TS, else (status, the JSON refusal)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read(188)[:1] == b"G"
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _code(body: Any) -> str:
    return body["error"]["code"]


def _audit(hub: HubThread) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        log = hub.hub.audit
        assert log is not None
        return [json.loads(e) for e in log.entries(0, log.size)]

    return hub.call(read)


def _playback_path(camera_id: str) -> str:
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 120))
    return f"/api/v1/cameras/{camera_id}/playback/sub?start={start}"


def test_the_private_cameras_come_after_the_public_ones():
    assert CAMERAS[: len(PUBLIC_CAMERAS)] == PUBLIC_CAMERAS
    assert [c.tier for c in PRIVATE_CAMERAS] == [
        "on_request",
        "live",
        "recordings_only",
        "registry_only",
    ]
    assert catalogue(10) == PUBLIC_CAMERAS  # the default walls and the benches see no change
    assert catalogue(3, private=True)[3:] == PRIVATE_CAMERAS


def test_the_camera_list_says_owner_and_tier(phub):
    status, body = phub.get_json("/api/v1/cameras", phub.sign_in("supervisor"))
    assert status == 200
    cameras = {c["id"]: c for c in body["cameras"]}
    for camera in cameras.values():
        validator("Camera").validate(camera)
    assert "sharing" not in cameras["cam-01"]
    assert cameras[DOORBELL]["sharing"] == {
        "tier": "on_request",
        "owner": "Resident of 14 Elm Road",
    }
    assert cameras[FARM]["sharing"]["tier"] == "registry_only"
    assert cameras[FARM]["location"]  # the registry knows where it is
    assert "live" not in cameras[FARM]["capabilities"]
    assert "recordings" not in cameras[FARM]["capabilities"]
    assert "live" not in cameras[GARAGE]["capabilities"]


def test_registry_only_gives_no_video_at_all(phub):
    token = phub.sign_in("supervisor")
    status, body = phub.get_json(f"/api/v1/cameras/{FARM}/streams/sub", token)
    assert (status, _code(body)) == (403, "registry_only")
    assert "no video" in body["error"]["message"]
    status, body = phub.get_json(_playback_path(FARM), token)
    assert (status, _code(body)) == (403, "registry_only")
    status, body, _ = phub.request(
        "POST", f"/api/v1/cameras/{FARM}/access-requests", {"reason": "x"}, token=token
    )
    assert (status, _code(body)) == (403, "registry_only")


def test_on_request_needs_a_granted_request_then_plays(phub):
    token = phub.sign_in("investigator")
    status, body = phub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub", token)
    assert (status, _code(body)) == (403, "access_request_required")
    assert "request access" in body["error"]["message"]
    status, body = phub.get_json(_playback_path(DOORBELL), token)
    assert (status, _code(body)) == (403, "access_request_required")

    status, grant, _ = phub.request(
        "POST",
        f"/api/v1/cameras/{DOORBELL}/access-requests",
        {"reason": "Burglary at 16 Elm Road", "case": "INC-7"},
        token=token,
    )
    assert status == 201
    validator("AccessGrant").validate(grant)
    assert grant["camera_id"] == DOORBELL and grant["case"] == "INC-7"
    assert 0 < grant["expires_in_s"] <= GRANT_S
    status, listed = phub.get_json(f"/api/v1/cameras/{DOORBELL}/access-requests", token)
    assert status == 200 and [g["id"] for g in listed["grants"]] == [grant["id"]]

    status, endpoint = phub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub", token)
    assert status == 200
    assert _open_ts(endpoint["url"]) == (200, None)
    status, endpoint = phub.get_json(_playback_path(DOORBELL), token)
    assert status == 200

    # The grant is this operator's: another one still needs a request of their own.
    other = phub.sign_in("supervisor")
    status, body = phub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub", other)
    assert (status, _code(body)) == (403, "access_request_required")

    entries = [e for e in _audit(phub) if e["camera"] == DOORBELL]
    actions = [(e["action"], e["operator"]) for e in entries]
    assert ("private_access.refused", "investigator") in actions
    assert ("private_access.granted", "investigator") in actions
    assert ("private_access.live", "investigator") in actions
    assert ("private_access.playback", "investigator") in actions
    granted = next(e for e in entries if e["action"] == "private_access.granted")
    assert granted["details"]["reason"] == "Burglary at 16 Elm Road"
    assert granted["details"]["case"] == "INC-7"
    assert granted["details"]["owner"] == "Resident of 14 Elm Road"


def test_a_stream_url_stops_opening_when_the_grant_ends(phub):
    token = phub.sign_in("investigator")
    status, _, _ = phub.request(
        "POST", f"/api/v1/cameras/{DOORBELL}/access-requests", {"reason": "r"}, token=token
    )
    assert status == 201
    status, endpoint = phub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub", token)
    assert status == 200

    def end_grants() -> None:
        phub.hub.consent.grant_s = 0.0
        phub.hub.consent.clock = lambda: time.time() + GRANT_S + 1

    phub.call(end_grants)
    status, body = _open_ts(endpoint["url"])  # the ticket is still good, the grant is not
    assert (status, _code(body)) == (403, "access_request_required")


def test_a_viewer_may_not_request_access(phub):
    token = phub.sign_in("viewer")
    status, body, _ = phub.request(
        "POST", f"/api/v1/cameras/{DOORBELL}/access-requests", {"reason": "curious"}, token=token
    )
    assert (status, _code(body)) == (403, "forbidden")
    assert "may not request access" in body["error"]["message"]
    refused = [e for e in _audit(phub) if e["action"] == "private_access.request_refused"]
    assert refused and refused[-1]["operator"] == "viewer"


def test_a_request_needs_a_reason(phub):
    token = phub.sign_in("investigator")
    for body in ({}, {"reason": "  "}, {"reason": "x", "extra": 1}, {"reason": "x" * 501}):
        status, answer, _ = phub.request(
            "POST", f"/api/v1/cameras/{DOORBELL}/access-requests", body, token=token
        )
        assert (status, _code(answer)) == (400, "bad_request"), body
    status, answer, _ = phub.request(
        "POST", f"/api/v1/cameras/{DOORBELL}/access-requests", raw=b"{nope", token=token
    )
    assert (status, _code(answer)) == (400, "bad_request")


def test_live_tier_plays_live_and_recordings_only_plays_back(phub):
    token = phub.sign_in("investigator")
    status, endpoint = phub.get_json(f"/api/v1/cameras/{SHOP}/streams/sub", token)
    assert status == 200
    assert _open_ts(endpoint["url"]) == (200, None)
    status, body = phub.get_json(_playback_path(SHOP), token)  # live only: recordings ask
    assert (status, _code(body)) == (403, "access_request_required")

    status, body = phub.get_json(f"/api/v1/cameras/{GARAGE}/streams/sub", token)
    assert (status, _code(body)) == (403, "live_not_shared")
    status, endpoint = phub.get_json(_playback_path(GARAGE), token)
    assert status == 200
    actions = {(e["action"], e["camera"]) for e in _audit(phub)}
    assert ("private_access.live", SHOP) in actions
    assert ("private_access.playback", GARAGE) in actions


def test_without_sign_in_a_grant_opens_the_camera_to_every_client(hub_factory):
    hub = hub_factory(private_cameras=True)
    status, body = hub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub")
    assert (status, _code(body)) == (403, "access_request_required")
    status, _, _ = hub.request(
        "POST", f"/api/v1/cameras/{DOORBELL}/access-requests", {"reason": "r", "case": "c"}
    )
    assert status == 201
    status, endpoint = hub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub")
    assert status == 200 and _open_ts(endpoint["url"]) == (200, None)


def test_a_public_camera_needs_no_request():
    book = ConsentBook()
    public = PUBLIC_CAMERAS[0]
    assert book.check(public, "live", "ana") is None
    with pytest.raises(ConsentRefusedError) as refused:
        book.grant(public, "ana", "r", "")
    assert refused.value.code == "not_private"


def test_a_live_stream_resting_on_a_grant_is_cut_when_the_grant_ends(phub):
    phub.call(lambda: setattr(phub.hub.consent, "grant_s", 2.0))
    token = phub.sign_in("investigator")
    status, _, _ = phub.request(
        "POST", f"/api/v1/cameras/{DOORBELL}/access-requests", {"reason": "r"}, token=token
    )
    assert status == 201
    status, endpoint = phub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub", token)
    assert status == 200
    received = 0
    with urllib.request.urlopen(endpoint["url"], timeout=20) as response:
        try:
            while chunk := response.read1(65536):  # until the hub closes it
                received += len(chunk)
        except (ConnectionError, http.client.IncompleteRead):
            pass  # cut mid-chunk: what an aborted stream looks like
    assert received > 0  # it played until then
    status, body = phub.get_json(f"/api/v1/cameras/{DOORBELL}/streams/sub", token)
    assert (status, _code(body)) == (403, "access_request_required")
