"""Privacy masks on the demo hub: kept across restarts, set by supervisors only, lifted for one
session with a reason for a limited time, audited, and announced on the event channel.

Real `DemoHub`s over real sockets (blocking urllib clients), signed in as the demo users.
"""

from __future__ import annotations

import json
import time

import pytest

from demohub.masks import DEFAULT_MASKS, MAX_LIFT_MINUTES
from tests.support.openapi import openapi, validator

pytestmark = pytest.mark.timeout(60)

CAM = "cam-03"
SQUARE = {"id": "door", "points": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]}


def _audit_actions(hub) -> list[tuple[str, str | None, dict]]:
    audit = hub.hub.audit
    found = []
    for raw in audit.entries(0, audit.size):
        entry = json.loads(raw)
        found.append((entry["action"], entry["camera"], entry["details"]))
    return found


def test_the_demo_hub_ships_masks_on_reception_entrance(hub):
    status, answer = hub.get_json(f"/api/v1/cameras/{CAM}/masks")
    assert status == 200
    assert answer["masks"] == DEFAULT_MASKS[CAM]
    assert {m["style"] for m in answer["masks"]} == {"solid", "blur"}
    assert answer["lifted_until"] is None
    assert answer["lift_max_minutes"] == MAX_LIFT_MINUTES
    assert hub.get_json("/api/v1/cameras/cam-01/masks")[1]["masks"] == []
    assert "masks" in hub.get_json("/api/v1/hub")[1]["capabilities"]
    validator("CameraMasks").validate(answer)
    for path in ("", "/lift"):
        assert f"/api/v1/cameras/{{camera_id}}/masks{path}" in openapi()["paths"]


def test_masks_survive_a_restart_and_a_bad_mask_is_refused_by_name(hub_factory, tmp_path):
    first = hub_factory(state_dir=tmp_path)
    status, answer, _ = first.request("PUT", "/api/v1/cameras/cam-01/masks", {"masks": [SQUARE]})
    assert status == 200 and answer["masks"][0]["id"] == "door"
    assert answer["masks"][0]["style"] == "solid"
    status, answer, _ = first.request(
        "PUT", "/api/v1/cameras/cam-01/masks", {"masks": [{"points": [[0, 0], [1, 1]]}]}
    )
    assert status == 400 and "masks[0].points" in answer["error"]["message"]
    status, answer, _ = first.request(
        "PUT",
        "/api/v1/cameras/cam-01/masks",
        {"masks": [{**SQUARE, "points": [[0, 0], [1, "x"], [1, 1]]}]},
    )
    assert status == 400 and "masks[0].points[1]" in answer["error"]["message"]
    status, _, _ = first.request("PUT", f"/api/v1/cameras/{CAM}/masks", {"masks": []})
    assert status == 200
    first.close()
    second = hub_factory(state_dir=tmp_path)
    assert second.get_json("/api/v1/cameras/cam-01/masks")[1]["masks"][0]["id"] == "door"
    assert second.get_json(f"/api/v1/cameras/{CAM}/masks")[1]["masks"] == []  # cleared stays


def test_a_damaged_masks_file_is_kept_and_the_hub_starts_with_the_defaults(hub_factory, tmp_path):
    (tmp_path / "masks.json").write_text("{not json", encoding="utf-8")
    hub = hub_factory(state_dir=tmp_path)
    assert hub.get_json(f"/api/v1/cameras/{CAM}/masks")[1]["masks"] == DEFAULT_MASKS[CAM]
    kept = list(tmp_path.glob("masks.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"


def test_only_a_supervisor_sets_masks(hub_factory):
    shub = hub_factory(sign_in=True)
    for user in ("viewer", "investigator"):
        token = shub.sign_in(user)
        status, answer, _ = shub.request(
            "PUT", f"/api/v1/cameras/{CAM}/masks", {"masks": [SQUARE]}, token=token
        )
        assert status == 403, user
        assert answer["right"] == "masks" and answer["camera"] == CAM
        assert shub.get_json(f"/api/v1/cameras/{CAM}/masks", token)[0] == 200  # may read
    token = shub.sign_in("supervisor")
    status, answer, _ = shub.request(
        "PUT", f"/api/v1/cameras/{CAM}/masks", {"masks": [SQUARE]}, token=token
    )
    assert status == 200 and answer["masks"][0]["id"] == "door"
    actions = _audit_actions(shub)
    assert ("masks.changed", CAM, {"masks": 1}) in actions


def test_a_lift_needs_the_right_and_a_reason_and_holds_for_that_session_only(hub_factory):
    shub = hub_factory(sign_in=True)
    viewer = shub.sign_in("viewer")
    path = f"/api/v1/cameras/{CAM}/masks/lift"
    status, answer, _ = shub.request("POST", path, {"reason": "looking"}, token=viewer)
    assert status == 403
    assert answer["right"] == "unmask" and "unmask" in answer["message"]
    supervisor = shub.sign_in("supervisor")
    other_supervisor = shub.sign_in("supervisor")
    status, answer, _ = shub.request("POST", path, {"case": "C-1"}, token=supervisor)
    assert status == 400 and answer["error"]["code"] == "reason_required"
    status, answer, _ = shub.request(
        "POST", path, {"reason": "x", "minutes": MAX_LIFT_MINUTES + 1}, token=supervisor
    )
    assert status == 400 and "minutes" in answer["error"]["message"]
    before = time.time()
    status, answer, _ = shub.request(
        "POST",
        path,
        {"reason": "Identify the intruder", "case": "C-7", "minutes": 2},
        token=supervisor,
    )
    assert status == 200 and answer["lifted_until"] is not None
    validator("CameraMasks").validate(answer)
    assert answer["masks"] == DEFAULT_MASKS[CAM]  # still said: the console draws them again later
    masks_path = f"/api/v1/cameras/{CAM}/masks"
    assert shub.get_json(masks_path, supervisor)[1]["lifted_until"] == answer["lifted_until"]
    assert shub.get_json(masks_path, other_supervisor)[1]["lifted_until"] is None
    lifted = [a for a in _audit_actions(shub) if a[0] == "masks.lifted"]
    assert len(lifted) == 1
    _, camera, details = lifted[0]
    assert camera == CAM and details["reason"] == "Identify the intruder"
    assert details["case"] == "C-7" and details["minutes"] == 2
    lift = shub.hub.masks._lifts[next(iter(shub.hub.masks._lifts))]
    assert before + 119 <= lift.until <= time.time() + 121
    status, answer, _ = shub.request("DELETE", path, token=supervisor)
    assert status == 200 and answer["lifted_until"] is None
    assert ("masks.lift_ended", CAM, {}) in _audit_actions(shub)


def test_a_lift_ends_by_itself(hub_factory):
    now = [time.time()]
    hub = hub_factory()
    hub.hub.masks._clock = lambda: now[0]
    headers = {"X-Tessera-Operator": "sam"}
    path = f"/api/v1/cameras/{CAM}/masks"
    status, answer, _ = hub.request(
        "POST", path + "/lift", {"reason": "r", "minutes": 1}, headers=headers
    )
    assert status == 200 and answer["lifted_until"] is not None
    now[0] += 61
    assert hub.request("GET", path, headers=headers)[1]["lifted_until"] is None


def test_changes_and_lifts_are_announced_on_the_event_channel(hub):
    seq = hub.get_json(f"/api/v1/cameras/{CAM}/masks")[1]["seq"]
    headers = {"X-Tessera-Operator": "sam"}
    hub.request("PUT", f"/api/v1/cameras/{CAM}/masks", {"masks": [SQUARE]}, headers=headers)
    hub.request("POST", f"/api/v1/cameras/{CAM}/masks/lift", {"reason": "r"}, headers=headers)
    hub.request("DELETE", f"/api/v1/cameras/{CAM}/masks/lift", headers=headers)
    events = [e for e in hub.hub.events.since(seq) if e["type"] == "camera.masks"]
    assert [e["data"]["change"] for e in events] == ["masks", "lifted", "restored"]
    assert all(e["camera_id"] == CAM and e["data"]["by"] == "sam" for e in events)


def test_a_mask_keeps_its_ptz_anchor_and_a_bad_anchor_is_refused_by_name(hub):
    anchored = {**SQUARE, "anchor": {"pan": 12.5, "tilt": -3, "zoom": 2}}
    status, answer, _ = hub.request("PUT", "/api/v1/cameras/cam-08/masks", {"masks": [anchored]})
    assert status == 200
    assert answer["masks"][0]["anchor"] == {"pan": 12.5, "tilt": -3.0, "zoom": 2.0}
    validator("CameraMasks").validate(answer)
    assert hub.get_json("/api/v1/cameras/cam-08/masks")[1]["masks"][0]["anchor"]["pan"] == 12.5
    for anchor, words in (
        ({"pan": 0, "tilt": 0}, "masks[0].anchor must be"),
        ({"pan": 0, "tilt": 0, "zoom": 0}, "masks[0].anchor.zoom"),
        ({"pan": "x", "tilt": 0, "zoom": 1}, "masks[0].anchor.pan"),
        ({"pan": 0, "tilt": 91, "zoom": 1}, "masks[0].anchor.tilt"),
    ):
        status, answer, _ = hub.request(
            "PUT", "/api/v1/cameras/cam-08/masks", {"masks": [{**SQUARE, "anchor": anchor}]}
        )
        assert status == 400 and words in answer["error"]["message"], anchor
    # A mask without one has none (it stays on the picture).
    status, answer, _ = hub.request("PUT", "/api/v1/cameras/cam-08/masks", {"masks": [SQUARE]})
    assert status == 200 and "anchor" not in answer["masks"][0]
