"""Evidence export from the demo hub (demohub.export): a recorded span as MPEG-TS, its gaps, the
right and reason it needs, its audit entry, and the hub's countersignature.

Real `DemoHub`s over real sockets (blocking urllib), real PyAV to read what they send.
"""

from __future__ import annotations

import base64
import io
import json
import math
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import av
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from demohub.alerts import unix_iso
from demohub.export import (
    AUDIT_ENTRY_HEADER,
    AUDIT_INDEX_HEADER,
    EXPORT_HEADER,
    countersign_message,
)
from demohub.reasons import REASON_HEADER
from tests.support.hubthread import HubThread

pytestmark = pytest.mark.timeout(60)

REASON = {"case": "CASE-18", "reason": "Evidence for the police", "words": "theft at the door"}


def export(
    hub: HubThread,
    camera: str,
    start: float,
    end: float,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    profile: str = "sub",
) -> tuple[int, bytes, Any]:
    """(status, body, headers) of one export request."""
    url = (
        f"{hub.url}/api/v1/cameras/{camera}/export?from={unix_iso(start)}&to={unix_iso(end)}"
        f"&profile={profile}"
    )
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=sent), timeout=30) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def frame_times(data: bytes) -> list[float]:
    """The presentation times (s) of every picture in an MPEG-TS export, decoded."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return [float(f.pts * f.time_base) for f in container.decode(stream)]


def last_full_gap(now: float) -> tuple[float, float]:
    """cam-10's latest gap (minute 8 to 9 of every ten) that ended at least 5 s ago."""
    k = math.floor((now - 480 - 60 - 5) / 600)
    return k * 600 + 480.0, k * 600 + 540.0


@pytest.fixture
def recorded_hub(hub_factory) -> HubThread:
    return hub_factory(recorded_since=time.time() - 1500)


def test_an_export_is_the_span_as_h264_in_mpeg_ts_and_is_audited(recorded_hub):
    now = time.time()
    start, end = now - 30, now - 28
    status, body, headers = export(recorded_hub, "cam-01", start, end)
    assert status == 200, body
    assert headers["Content-Type"] == "video/mp2t"
    described = json.loads(headers[EXPORT_HEADER])
    assert described["camera"] == "cam-01" and described["gaps"] == []
    assert described["fps"] == 15 and (described["width"], described["height"]) == (640, 360)
    times = frame_times(body)
    assert len(times) == 30  # 2 s at 15 fps, every frame
    with av.open(io.BytesIO(body)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    leaf = json.loads(base64.b64decode(headers[AUDIT_ENTRY_HEADER]))
    assert leaf["action"] == "export" and leaf["camera"] == "cam-01"
    assert leaf["details"]["from"] == unix_iso(start) and leaf["details"]["to"] == unix_iso(end)
    index = int(headers[AUDIT_INDEX_HEADER])
    assert recorded_hub.hub.audit is not None
    assert recorded_hub.hub.audit.entry(index) == base64.b64decode(headers[AUDIT_ENTRY_HEADER])


def test_the_gaps_of_cam_10_are_left_out_and_named(recorded_hub):
    g0, g1 = last_full_gap(time.time())
    status, body, headers = export(recorded_hub, "cam-10", g0 - 2, g1 + 2)
    assert status == 200, body
    gaps = json.loads(headers[EXPORT_HEADER])["gaps"]
    assert gaps == [{"from": unix_iso(g0), "to": unix_iso(g1)}]
    times = frame_times(body)
    assert len(times) == 60  # 2 s before the gap and 2 s after it, nothing inside
    first = times[0]
    assert not any(first + 2 <= t < first + 62 for t in times)  # the timestamps jump the gap


def test_a_viewer_may_not_export(hub_factory):
    """Issue 17: the viewer role has no export right; the hub refuses it, not only the console."""
    hub = hub_factory(sign_in=True, recorded_since=time.time() - 120)
    now = time.time()
    status, body, _ = export(hub, "cam-01", now - 10, now - 9, token=hub.sign_in("viewer"))
    assert status == 403
    refusal = json.loads(body)
    assert refusal["error"] == "forbidden" and refusal["right"] == "export"
    assert "may not export from" in refusal["message"]
    status, _, _ = export(hub, "cam-01", now - 10, now - 9, token=hub.sign_in("investigator"))
    assert status == 200


def test_a_reason_travels_with_the_export_where_the_hub_requires_one(hub_factory):
    hub = hub_factory(sign_in=True, recorded_since=time.time() - 120, reasons_required=("export",))
    token = hub.sign_in("investigator")
    now = time.time()
    status, body, _ = export(hub, "cam-02", now - 10, now - 9, token=token)
    assert status == 403 and json.loads(body)["error"] == "reason_required"
    blank = {REASON_HEADER: urlencode({"case": " ", "words": "\t"})}
    assert export(hub, "cam-02", now - 10, now - 9, token=token, headers=blank)[0] == 403
    good = {REASON_HEADER: urlencode(REASON)}
    status, _, headers = export(hub, "cam-02", now - 10, now - 9, token=token, headers=good)
    assert status == 200
    leaf = json.loads(base64.b64decode(headers[AUDIT_ENTRY_HEADER]))
    assert leaf["operator"] == "investigator" and leaf["camera"] == "cam-02"
    assert leaf["details"]["case"] == "CASE-18"
    assert leaf["details"]["reason"] == "Evidence for the police"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("from=2020-01-01T00:00:00Z&to=2020-01-01T00:00:05Z", "within what is recorded"),
        ("from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z", "at most 30 minutes"),
        ("from=2020-01-01T00:00:05Z&to=2020-01-01T00:00:00Z", "to must not be before from"),
        ("to=2020-01-01T00:00:05Z", "from is required"),
    ],
)
def test_a_bad_span_is_refused_in_plain_words(recorded_hub, query, words):
    url = f"{recorded_hub.url}/api/v1/cameras/cam-01/export?{query}"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=10)
    assert caught.value.code == 400
    assert words in json.loads(caught.value.read())["error"]["message"]


def test_the_ptz_camera_is_not_exported(recorded_hub):
    now = time.time()
    status, body, _ = export(recorded_hub, "cam-08", now - 10, now - 9)
    assert status == 400 and "not recorded" in json.loads(body)["error"]["message"]


def test_the_hub_countersigns_a_manifest_with_its_audit_key_and_audits_it(hub_factory):
    hub = hub_factory(sign_in=True)
    token = hub.sign_in("investigator")
    digest = "ab" * 32
    status, answer, _ = hub.request(
        "POST",
        "/api/v1/exports/countersign",
        {"manifest_sha256": digest, "cameras": ["cam-01"]},
        token=token,
    )
    assert status == 200, answer
    _, checkpoint = hub.get_json("/api/v1/audit/checkpoint", token)
    assert answer["public_key"] == checkpoint["public_key"]
    assert answer["signed"] == countersign_message(digest).decode()
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(answer["public_key"]))
    key.verify(base64.b64decode(answer["signature"]), countersign_message(digest))
    assert hub.hub.audit is not None
    leaf = json.loads(hub.hub.audit.entry(answer["audit_index"]))
    assert leaf["action"] == "export.countersign" and leaf["operator"] == "investigator"
    assert leaf["details"]["manifest_sha256"] == digest
    viewer = hub.sign_in("viewer")
    body = {"manifest_sha256": digest, "cameras": ["cam-01"]}
    assert hub.request("POST", "/api/v1/exports/countersign", body, token=viewer)[0] == 403
    body = {"manifest_sha256": "not hex", "cameras": ["cam-01"]}
    assert hub.request("POST", "/api/v1/exports/countersign", body, token=token)[0] == 400


def test_the_export_routes_are_in_the_openapi_document(hub_factory):
    import jsonschema

    from tests.support.openapi import openapi

    paths = openapi()["paths"]
    assert "get" in paths["/api/v1/cameras/{camera_id}/export"]
    route = paths["/api/v1/exports/countersign"]["post"]
    answer_schema = route["responses"]["200"]["content"]["application/json"]["schema"]
    body_schema = route["requestBody"]["content"]["application/json"]["schema"]
    hub = hub_factory()
    body = {"manifest_sha256": "cd" * 32, "cameras": ["cam-02"]}
    jsonschema.validate(body, body_schema)
    status, answer, _ = hub.request("POST", "/api/v1/exports/countersign", body)
    assert status == 200
    jsonschema.validate(answer, answer_schema)
