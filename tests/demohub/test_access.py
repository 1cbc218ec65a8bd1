"""Sign-in on the demo hub: tokens, roles, per-camera rights, lockout, revocation, the operator
identity, and the rights each route needs (docs/hub-api.md, "Sign-in and rights").

Real `DemoHub`s with `sign_in=True` (cheap argon2) over real sockets, blocking urllib clients.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import argon2
import pytest

from demohub.access import RIGHTS, ROLES, token_hash
from demohub.cameras import CAMERAS
from tests.support.hubproc import HubProcess
from tests.support.hubthread import PTZ_CAM, HubThread
from tests.support.openapi import openapi, validator

pytestmark = pytest.mark.timeout(60)


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shub(hub_factory) -> HubThread:
    """A hub that requires sign-in."""
    return hub_factory(sign_in=True)


def test_hub_info_is_open_and_says_sign_in_is_required(shub, hub):
    status, info = shub.get_json("/api/v1/hub")
    assert status == 200
    assert info["sign_in"] == "required" and info["tls"] is False
    assert hub.get_json("/api/v1/hub")[1]["sign_in"] == "none"


@pytest.mark.parametrize("user", ["supervisor", "investigator", "viewer"])
def test_each_demo_user_signs_in_with_the_rights_of_its_role(shub, user):
    status, answer, headers = shub.request(
        "POST", "/api/v1/session", {"user": user, "password": f"{user}-demo"}
    )
    assert status == 201, answer
    assert headers["Cache-Control"] == "no-store"
    assert answer["user"] == user and answer["role"] == user
    assert len(answer["token"]) >= 40
    assert 12 * 3600 - 5 <= answer["expires_in_s"] <= 12 * 3600
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", answer["expires"])
    rights = answer["rights"]
    camera_rights = ROLES[user] - {"admin"}
    if user == "viewer":  # no rights on cam-10: absent, and nothing on every camera
        assert "cam-10" not in rights["cameras"]
        assert rights["all"] == []
    else:
        assert rights["all"] == [r for r in RIGHTS if r in ROLES[user]]
        assert sorted(rights["cameras"]) == [f"cam-{i:02d}" for i in range(1, 11)]
    assert set(rights["cameras"]["cam-01"]) == camera_rights
    status, again = shub.get_json("/api/v1/session", answer["token"])
    assert status == 200
    assert "token" not in again and again["user"] == user and again["rights"] == rights


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(shub):
    wrong = shub.request("POST", "/api/v1/session", {"user": "viewer", "password": "nope"})
    unknown = shub.request("POST", "/api/v1/session", {"user": "nobody", "password": "nope"})
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1]
    assert wrong[1]["error"] == "sign_in_failed" and wrong[1]["message"]


def test_five_failures_in_a_minute_lock_the_name_out(hub_factory):
    clock = FakeClock()
    shub = hub_factory(sign_in=True, session_clock=clock)
    wrong = {"user": "investigator", "password": "guess"}
    for _ in range(5):
        assert shub.request("POST", "/api/v1/session", wrong)[0] == 401
    right = {"user": "investigator", "password": "investigator-demo"}
    status, answer, headers = shub.request("POST", "/api/v1/session", right)
    assert status == 429
    assert answer["error"] == "too_many_attempts" and 1 <= answer["retry_after_s"] <= 60
    assert headers["Retry-After"] == str(answer["retry_after_s"])
    # Another name is not locked out; the name is free again after the minute.
    assert (
        shub.request("POST", "/api/v1/session", {"user": "viewer", "password": "viewer-demo"})[0]
        == 201
    )
    clock.now += 61
    assert shub.request("POST", "/api/v1/session", right)[0] == 201


def _fill(path: str) -> str:
    values = {
        "camera_id": "cam-01",
        "profile": "main",
        "alert_id": "a-1",
        "bookmark_id": "b-1",
        "preset_id": "p-1",
        "tour_id": "t-1",
        "user": "viewer",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_api_route_but_hub_info_and_sign_in_needs_a_token(shub):
    def routes() -> list[tuple[str, str]]:
        app = shub.hub._runner.app
        return sorted({(r.method, r.resource.canonical) for r in app.router.routes()})

    table = shub.call(routes)
    checked = []
    for method, path in table:
        if not path.startswith("/api/") or path == "/api/v1/hub":
            continue
        if (method, path) == ("POST", "/api/v1/session"):
            continue
        for token in (None, "not-a-token"):
            status, answer, headers = shub.request(method, _fill(path), token=token)
            assert status == 401, (method, path, status, answer)
            assert headers["WWW-Authenticate"] == "Bearer"
            if method != "HEAD":
                reason = "missing" if token is None else "invalid"
                assert answer["error"] == "unauthorized" and answer["reason"] == reason
                assert answer["message"]
        checked.append((method, path))
    assert len(checked) > 30  # the route table was read, not skipped
    assert ("GET", "/api/v1/events") in checked


def test_an_expired_session_is_refused_as_expired(hub_factory):
    clock = FakeClock()
    shub = hub_factory(sign_in=True, session_clock=clock, session_lifetime_s=60)
    token = shub.sign_in("viewer")
    assert shub.get_json("/api/v1/cameras", token)[0] == 200
    clock.now += 61
    for _ in range(2):  # and again: still expired, not "revoked" nor "invalid"
        status, answer = shub.get_json("/api/v1/cameras", token)
        assert status == 401 and answer["reason"] == "expired"


def test_sign_ins_at_the_same_time_cannot_pass_the_lockout_together(hub_factory):
    shub = hub_factory(sign_in=True)
    wrong = {"user": "viewer", "password": "guess"}
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(lambda _: shub.request("POST", "/api/v1/session", wrong)[0], range(12))
        )
    assert answers.count(401) == 5 and answers.count(429) == 7


def test_sign_out_revokes_the_token(shub):
    token = shub.sign_in("investigator")
    other = shub.sign_in("investigator")
    status, _, _ = shub.request("DELETE", "/api/v1/session", token=token)
    assert status == 204
    status, answer = shub.get_json("/api/v1/cameras", token)
    assert status == 401 and answer["reason"] == "revoked"
    assert shub.get_json("/api/v1/cameras", other)[0] == 200  # only that session ended


def test_an_admin_lists_users_and_revokes_every_session_of_one(shub):
    admin = shub.sign_in("supervisor")
    viewer_tokens = [shub.sign_in("viewer"), shub.sign_in("viewer")]
    status, answer = shub.get_json("/api/v1/users", admin)
    assert status == 200
    users = {u["user"]: u for u in answer["users"]}
    assert users["viewer"] == {"user": "viewer", "role": "viewer", "sessions": 2}
    assert users["supervisor"]["sessions"] == 1

    # Not an admin: 403 naming the right.
    status, answer, _ = shub.request("POST", "/api/v1/users/viewer/revoke", token=viewer_tokens[0])
    assert status == 403 and answer["right"] == "admin" and answer["camera"] is None

    async def listen_then_revoke() -> tuple[int | None, float]:
        headers = {"Authorization": f"Bearer {viewer_tokens[0]}"}
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{shub.url}/api/v1/events", headers=headers) as ws,
        ):
            hello = await ws.receive_json(timeout=5)
            assert hello["type"] == "hub.hello"
            revoke = await asyncio.to_thread(
                shub.request, "POST", "/api/v1/users/viewer/revoke", token=admin
            )
            assert revoke[0] == 200 and revoke[1] == {"revoked": 2}
            started = time.monotonic()
            while True:
                msg = await ws.receive(timeout=5)
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    return ws.close_code, time.monotonic() - started

    code, took = asyncio.run(listen_then_revoke())
    assert code == 4401 and took < 2
    for token in viewer_tokens:
        status, answer = shub.get_json("/api/v1/session", token)
        assert status == 401 and answer["reason"] == "revoked"
    assert shub.request("POST", "/api/v1/users/nobody/revoke", token=admin)[0] == 404


def test_the_event_channel_needs_a_token_and_hides_cameras_the_user_may_not_view(shub):
    token = shub.sign_in("viewer")

    async def run() -> list[dict]:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{shub.url}/api/v1/events")
            assert refused.value.status == 401
            headers = {"Authorization": f"Bearer {token}"}
            async with session.ws_connect(
                f"{shub.url}/api/v1/events?since=0", headers=headers
            ) as ws:
                seen = []
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    try:
                        seen.append(await ws.receive_json(timeout=0.3))
                    except asyncio.TimeoutError:
                        break
                return seen

    seen = asyncio.run(run())
    cameras = {e.get("camera_id") for e in seen}
    assert "cam-01" in cameras  # camera.status at start
    assert "cam-10" not in cameras


def test_a_viewer_cannot_steer_ptz_and_the_head_stays(shub):
    token = shub.sign_in("viewer")
    before = shub.hub.ptz(PTZ_CAM).position()
    status, answer, _ = shub.request(
        "POST", f"/api/v1/cameras/{PTZ_CAM}/ptz/move", {"pan": 1.0}, token=token
    )
    assert status == 403
    assert answer["error"] == "forbidden" and answer["right"] == "ptz"
    assert answer["camera"] == PTZ_CAM
    assert answer["message"] == "Your role (viewer) may not steer PTZ on Rooftop PTZ."
    time.sleep(0.2)
    assert shub.hub.ptz(PTZ_CAM).position() == before
    # Reading the PTZ status is viewing.
    assert shub.get_json(f"/api/v1/cameras/{PTZ_CAM}/ptz", token)[0] == 200


def test_a_viewer_cannot_play_back_nor_read_bookmarks(hub_factory):
    shub = hub_factory(sign_in=True, recorded_since=time.time() - 600)
    token = shub.sign_in("viewer")
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 300))
    for path in (
        f"/api/v1/cameras/cam-01/playback/main?start={start}",
        "/api/v1/cameras/cam-01/recordings",
        "/api/v1/recordings?cameras=cam-01",
    ):
        status, answer = shub.get_json(path, token)
        assert status == 403 and answer["right"] == "playback", path
    # The bookmark list is empty for the viewer; the investigator reads it.
    body = {"camera_id": "cam-01", "start": start, "end": start, "name": "x"}
    investigator = shub.sign_in("investigator")
    status, made, _ = shub.request("PUT", "/api/v1/bookmarks/b-1", body, token=investigator)
    assert status == 201, made
    assert made["created"]["by"] == "investigator"
    assert shub.get_json("/api/v1/bookmarks", token)[1]["bookmarks"] == []
    assert shub.get_json("/api/v1/bookmarks/b-1", token)[0] == 403
    assert len(shub.get_json("/api/v1/bookmarks", investigator)[1]["bookmarks"]) == 1
    status, answer, _ = shub.request("PUT", "/api/v1/bookmarks/b-2", body, token=token)
    assert status == 403 and answer["right"] == "bookmark"


def test_a_viewer_does_not_see_cam_10_at_all(shub):
    token = shub.sign_in("viewer")
    ids = [c["id"] for c in shub.get_json("/api/v1/cameras", token)[1]["cameras"]]
    assert "cam-10" not in ids and "cam-09" in ids
    hidden = shub.get_json("/api/v1/cameras/cam-10", token)
    unknown = shub.get_json("/api/v1/cameras/cam-99", token)
    assert hidden[0] == unknown[0] == 404
    assert hidden[1]["error"]["code"] == unknown[1]["error"]["code"] == "not_found"
    assert shub.get_json("/api/v1/cameras/cam-10/streams/main", token)[0] == 404
    # Its alerts are hidden too.
    shub.call(lambda: shub.hub.raise_alert(kind="motion", camera_id="cam-10", priority="high"))
    shub.call(lambda: shub.hub.raise_alert(kind="motion", camera_id="cam-02", priority="high"))
    alerts = shub.get_json("/api/v1/alerts", token)[1]["alerts"]
    assert [a["camera_id"] for a in alerts] == ["cam-02"]
    admin = shub.sign_in("supervisor")
    assert len(shub.get_json("/api/v1/alerts", admin)[1]["alerts"]) == 2


def test_an_investigator_steers_but_cannot_take_ptz_priority(shub):
    token = shub.sign_in("investigator")
    lock = f"/api/v1/cameras/{PTZ_CAM}/ptz/lock"
    status, answer, _ = shub.request("POST", lock, {"priority": 1}, token=token)
    assert status == 403 and answer["right"] == "ptz_priority"
    status, answer, _ = shub.request("POST", lock, {"priority": 0}, token=token)
    assert status == 200 and answer["operator"] == "investigator"
    supervisor = shub.sign_in("supervisor")
    status, answer, _ = shub.request("POST", lock, {"priority": 5}, token=supervisor)
    assert status == 200 and answer["operator"] == "supervisor" and answer["priority"] == 5


def test_the_operator_is_the_token_user_whatever_the_header_says(shub):
    token = shub.sign_in("investigator")
    lie = {"X-Tessera-Operator": "mallory"}
    status, lock, _ = shub.request(
        "POST", f"/api/v1/cameras/{PTZ_CAM}/ptz/lock", {}, token=token, headers=lie
    )
    assert status == 200 and lock["operator"] == "investigator"
    status, _, _ = shub.request(
        "POST", f"/api/v1/cameras/{PTZ_CAM}/ptz/stop", {}, token=token, headers=lie
    )
    assert status == 200
    assert {c.operator for c in shub.commands()} == {"investigator"}
    alert = shub.call(
        lambda: shub.hub.raise_alert(kind="motion", camera_id="cam-02", priority="high")
    )
    status, acked, _ = shub.request(
        "POST", f"/api/v1/alerts/{alert['id']}/acknowledge", {}, token=token, headers=lie
    )
    assert status == 200 and acked["acknowledged"]["by"] == "investigator"
    # Without the header at all, a signed-in user still acts as itself.
    status, closed, _ = shub.request("POST", f"/api/v1/alerts/{alert['id']}/close", {}, token=token)
    assert status == 200 and closed["closed"]["by"] == "investigator"


@pytest.mark.parametrize(
    "raw",
    [
        b"x" * 10000,
        b"not json",
        b"[]",
        b'{"user": "viewer"}',
        b'{"user": "viewer", "password": 3}',
        b'{"user": "viewer", "password": "viewer-demo", "role": "supervisor"}',
        b'{"user": "", "password": "x"}',
        b'{"display_token": ["x"]}',
        b'{"user": "' + b"v" * 100 + b'", "password": "x"}',
        b"[" * 5000 + b"]" * 5000,
        b"\xff\xfe",
        b"",
    ],
)
def test_a_malformed_sign_in_body_is_a_400_with_words(shub, raw):
    status, answer, _ = shub.request("POST", "/api/v1/session", raw=raw)
    assert status == 400, answer
    assert answer["error"] == "bad_request" and answer["message"]


def test_a_display_token_signs_a_wall_in(hub_factory):
    display = "wall-display-token-0123456789"
    shub = hub_factory(sign_in=True, display_tokens=(display,))
    status, answer, _ = shub.request("POST", "/api/v1/session", {"display_token": display})
    assert status == 201 and answer["user"] == "display" and answer["role"] == "viewer"
    assert shub.request("POST", "/api/v1/session", {"display_token": "other"})[0] == 401
    # The display token itself does not expire: it signs in again.
    assert shub.request("POST", "/api/v1/session", {"display_token": display})[0] == 201


def test_the_bootstrap_secret_signs_in_once(hub_factory):
    secret = "one-time-secret-0123456789"
    shub = hub_factory(sign_in=True, bootstrap_secret=secret)
    status, answer, _ = shub.request("POST", "/api/v1/session", {"bootstrap": secret})
    assert status == 201 and answer["user"] == "supervisor"
    status, answer, _ = shub.request("POST", "/api/v1/session", {"bootstrap": secret})
    assert status == 401 and answer["error"] == "sign_in_failed"


def test_sessions_survive_a_restart_and_only_hashes_are_kept(hub_factory, tmp_path: Path):
    first = hub_factory(sign_in=True, state_dir=tmp_path)
    token = first.sign_in("investigator")
    ended = first.sign_in("viewer")
    assert first.request("DELETE", "/api/v1/session", token=ended)[0] == 204
    first.close()
    second = hub_factory(sign_in=True, state_dir=tmp_path)
    status, answer = second.get_json("/api/v1/session", token)
    assert status == 200 and answer["user"] == "investigator"
    assert second.get_json("/api/v1/session", ended)[0] == 401
    kept = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert token.encode() not in kept and ended.encode() not in kept
    assert token_hash(token).encode() in kept
    assert (tmp_path / "sessions.json").stat().st_mode & 0o077 == 0


def test_tokens_never_reach_the_log(hub_factory, caplog):
    caplog.set_level(logging.DEBUG)
    shub = hub_factory(sign_in=True)
    token = shub.sign_in("supervisor")
    shub.get_json("/api/v1/cameras", token)
    _, endpoint = shub.get_json("/api/v1/cameras/cam-01/streams/sub", token)
    shub.request("DELETE", "/api/v1/session", token=token)
    shub.get_json("/api/v1/cameras", token)
    ticket = endpoint["url"].split("ticket=")[1]
    assert "signed in" in caplog.text
    assert token not in caplog.text and ticket not in caplog.text


def test_passwords_are_checked_off_the_event_loop(shub, monkeypatch):
    """argon2 is slow on purpose: the hub's loop (streams, events) must not wait for it."""
    from demohub.access import PasswordBook

    threads: list[str] = []
    verify = PasswordBook.verify

    def spy(self, password_hash, password):
        threads.append(threading.current_thread().name)
        return verify(self, password_hash, password)

    monkeypatch.setattr(PasswordBook, "verify", spy)
    shub.sign_in("viewer")
    loop_thread = shub.call(lambda: threading.current_thread().name)
    assert threads and loop_thread not in threads


def test_python_m_demohub_requires_sign_in_and_takes_a_bootstrap_secret(monkeypatch):
    monkeypatch.setenv("HUB_SECRET", "bootstrap-secret-0123456789")
    hub = HubProcess(
        alerts="off", sign_in=True, extra_args=("--bootstrap-secret-env", "HUB_SECRET")
    ).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{hub.url}/api/v1/cameras", timeout=10)
        assert refused.value.code == 401
        request = urllib.request.Request(
            f"{hub.url}/api/v1/session",
            data=json.dumps({"bootstrap": "bootstrap-secret-0123456789"}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            token = json.load(answer)["token"]
        request = urllib.request.Request(
            f"{hub.url}/api/v1/cameras", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            # The command line adds the private cameras to the ten public ones.
            assert len(json.load(answer)["cameras"]) == len(CAMERAS)
    finally:
        hub.stop()


def test_sign_in_answers_match_the_openapi_document(hub_factory):
    clock = FakeClock()
    shub = hub_factory(sign_in=True, session_clock=clock)
    paths = openapi()["paths"]
    for path in ("/api/v1/session", "/api/v1/users", "/api/v1/users/{user}/revoke"):
        assert path in paths, path
    assert paths["/api/v1/hub"]["get"]["security"] == []
    assert paths["/api/v1/session"]["post"]["security"] == []
    validator("HubInfo").validate(shub.get_json("/api/v1/hub")[1])
    status, signed, _ = shub.request(
        "POST", "/api/v1/session", {"user": "supervisor", "password": "supervisor-demo"}
    )
    assert status == 201
    validator("SignedIn").validate(signed)
    token = signed["token"]
    validator("Session").validate(shub.get_json("/api/v1/session", token)[1])
    validator("UserList").validate(shub.get_json("/api/v1/users", token)[1])
    viewer = shub.sign_in("viewer")
    refusals = [
        shub.get_json("/api/v1/cameras")[1],
        shub.get_json("/api/v1/users", viewer)[1],
        shub.request("POST", "/api/v1/session", raw=b"[]")[1],
    ]
    for _ in range(6):
        refusals.append(
            shub.request("POST", "/api/v1/session", {"user": "viewer", "password": "x"})[1]
        )
    assert {r["error"] for r in refusals} == {
        "unauthorized",
        "forbidden",
        "bad_request",
        "sign_in_failed",
        "too_many_attempts",
    }
    for refusal in refusals:
        validator("AuthError").validate(refusal)
    assert not validator("SignIn").is_valid({"user": "x", "password": "y", "role": "admin"})


def _users_file(tmp_path: Path, users: list[dict]) -> Path:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": users}))
    return path


def test_a_users_file_replaces_the_demo_users_with_per_camera_grants(hub_factory, tmp_path):
    hashed = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST).hash("bob-pw")
    path = _users_file(
        tmp_path,
        [
            {
                "user": "ana",
                "role": "investigator",
                "password": "ana-pw",
                "cameras": {"cam-01": ["view", "ptz"], "cam-02": ["view"]},
            },
            {"user": "bob", "role": "supervisor", "password_hash": hashed},
        ],
    )
    shub = hub_factory(sign_in=True, users_file=path)
    assert (
        shub.request("POST", "/api/v1/session", {"user": "viewer", "password": "viewer-demo"})[0]
        == 401
    )
    status, ana, _ = shub.request("POST", "/api/v1/session", {"user": "ana", "password": "ana-pw"})
    assert status == 201
    assert ana["rights"] == {"all": [], "cameras": {"cam-01": ["view", "ptz"], "cam-02": ["view"]}}
    ids = [c["id"] for c in shub.get_json("/api/v1/cameras", ana["token"])[1]["cameras"]]
    assert ids == ["cam-01", "cam-02"]
    status, refusal = shub.get_json("/api/v1/cameras/cam-02/recordings", ana["token"])
    assert status == 403 and refusal["message"].startswith("Your account (ana) may not play back")
    assert refusal["right"] == "playback" and refusal["camera"] == "cam-02"
    status, bob, _ = shub.request("POST", "/api/v1/session", {"user": "bob", "password": "bob-pw"})
    assert status == 201 and "admin" in bob["rights"]["all"]


@pytest.mark.parametrize(
    ("users", "words"),
    [
        ([], "at least one user"),
        ([{"user": "a", "role": "boss", "password": "x"}], "role"),
        ([{"user": "a", "role": "viewer"}], "one of password and password_hash"),
        ([{"user": "a", "role": "viewer", "password_hash": "plain"}], "argon2"),
        (
            [{"user": "a", "role": "viewer", "password": "x", "cameras": {"cam-01": ["fly"]}}],
            "list of",
        ),
        ([{"user": "a", "role": "viewer", "password": "x", "colour": "red"}], "only"),
        ([{"user": "a", "role": "viewer", "password": "x"}] * 2, "new name"),
    ],
)
def test_a_bad_users_file_is_refused_with_words(tmp_path, users, words):
    from demohub.access import PasswordBook, load_users

    with pytest.raises(ValueError, match=words):
        load_users(_users_file(tmp_path, users), PasswordBook(cheap=True))


def test_python_m_demohub_refuses_a_bad_users_file(tmp_path):
    path = _users_file(tmp_path, [{"user": "a", "role": "boss", "password": "x"}])
    done = subprocess.run(
        [sys.executable, "-m", "demohub", "--no-state", "--users", str(path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and "role must be one of" in done.stderr


def test_rights_without_view_on_a_camera_are_no_rights(hub_factory, tmp_path):
    path = _users_file(
        tmp_path,
        [{"user": "eve", "role": "supervisor", "password": "pw", "cameras": {"cam-01": ["ptz"]}}],
    )
    shub = hub_factory(sign_in=True, users_file=path)
    status, eve, _ = shub.request("POST", "/api/v1/session", {"user": "eve", "password": "pw"})
    assert status == 201 and eve["rights"] == {"all": ["admin"], "cameras": {}}
    status, _, _ = shub.request("POST", "/api/v1/cameras/cam-01/ptz/stop", {}, token=eve["token"])
    assert status == 404  # cam-01 is not a PTZ camera, and eve may not know it anyway


def test_a_sign_in_body_sent_in_pieces_is_read_whole(shub):
    body = json.dumps({"user": "viewer", "password": "viewer-demo"}).encode()
    with socket.create_connection(("127.0.0.1", shub.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\n"
        )
        for piece in (body[:10], body[10:]):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            time.sleep(0.1)
        sock.sendall(b"0\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    # An endless chunked body is cut at the limit: 400, not a hub reading forever.
    with socket.create_connection(("127.0.0.1", shub.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        piece = b"x" * 1000
        for _ in range(6):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        assert sock.recv(65536).startswith(b"HTTP/1.1 400")
        sock.shutdown(socket.SHUT_WR)  # the hub stops reading what is left, and closes
        while sock.recv(65536):
            pass


def test_a_hub_that_requires_a_reason_refuses_playback_without_one_and_logs_the_reason(
    hub_factory,
):
    from urllib.parse import urlencode

    shub = hub_factory(
        sign_in=True, recorded_since=time.time() - 600, reasons_required=("playback",)
    )
    token = shub.sign_in("investigator")
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 300))
    path = f"/api/v1/cameras/cam-01/playback/sub?start={start}"
    status, answer, _ = shub.request("GET", path, token=token)
    assert status == 403 and answer["error"] == "reason_required", answer
    assert "reason" in answer["message"]
    # A header of nothing but separators, or of blank fields, is no reason either.
    for junk in ("&" * 5000, "case=&words=%20%20", "case=%01%02"):
        status, answer, _ = shub.request(
            "GET", path, token=token, headers={"X-Tessera-Reason": junk}
        )
        assert status == 403 and answer["error"] == "reason_required", junk
    reason = {"case": "CR-2026-0142", "reason": "Incident review", "words": "Fight  at gate"}
    for _ in range(3):  # a frame step asks many times: one line in the log
        status, answer, _ = shub.request(
            "GET", path, token=token, headers={"X-Tessera-Reason": urlencode(reason)}
        )
        assert status == 200 and answer["camera_id"] == "cam-01", answer
    audit = shub.hub.audit
    logged = [json.loads(e) for e in shub.call(lambda: audit.entries(0, audit.size))]
    given = [e for e in logged if e["action"] == "playback.reason"]
    assert len(given) == 1, logged
    assert given[0]["operator"] == "investigator"
    assert given[0]["details"] == {
        "camera": "cam-01",
        "reason": {"case": "CR-2026-0142", "reason": "Incident review", "words": "Fight at gate"},
    }
