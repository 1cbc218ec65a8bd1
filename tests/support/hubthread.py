"""A real `DemoHub` on 127.0.0.1 (port 0), served from its own asyncio loop in a daemon thread.

Tests can then use blocking clients (urllib, PyAV, libvlc) directly, and `asyncio.run` or the
qasync loop for aiohttp clients. The hub is open (no sign-in) unless the test asks for
`sign_in=True` (`hub_factory(sign_in=True)`), as the access tests do; they sign in with
`HubThread.sign_in(user)` (or `sign_in(hub, user)`), which returns a bearer token. The PTZ
tests measure when commands reach the hub (`DemoHub.ptz_commands[i].received`,
`time.monotonic()` when the hub got the request): with the hub on a loop of its own, a busy
console loop cannot delay the hub's clock readings.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from demohub.background import BackgroundHub
from demohub.streams import THREAD_PREFIX

PTZ_CAM = "cam-08"  # the demo hub's PTZ camera
# The demo users' passwords (demohub.access.DEMO_USERS; demo only).
DEMO_PASSWORDS = {
    "supervisor": "supervisor-demo",
    "investigator": "investigator-demo",
    "viewer": "viewer-demo",
}


class HubThread(BackgroundHub):
    """The demo hub in a thread, with what tests ask of it."""

    def get_json(self, path: str, token: str | None = None) -> tuple[int, Any]:
        status, body, _ = self.request("GET", path, token=token)
        return status, body

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context that trusts the hub's own certificate (None: plain HTTP)."""
        cert = self.hub.tls_cert_path
        return None if cert is None else ssl.create_default_context(cafile=str(cert))

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, the JSON answer or None, the answer's headers) of one blocking request;
        `token` goes in `Authorization: Bearer`, `body` is sent as JSON (`raw`: as given)."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        sent = dict(headers or {})
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ssl_context()) as response:
                text = response.read()
                status, answer_headers = response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            text = exc.read()
            status, answer_headers = exc.code, dict(exc.headers)
        return status, json.loads(text) if text.strip() else None, answer_headers

    def sign_in(self, user: str, password: str | None = None) -> str:
        """Sign in as a demo user (its demo password unless `password`); the bearer token."""
        return sign_in(self, user, password)

    @staticmethod
    def encoder_threads() -> list[threading.Thread]:
        return encoder_threads()

    @staticmethod
    def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        return wait_until(predicate, timeout)

    def commands(self, camera_id: str = PTZ_CAM) -> list[Any]:
        """A snapshot of the PTZ command records of `camera_id`, oldest first."""
        return self.call(lambda: [c for c in self.hub.ptz_commands if c.camera_id == camera_id])


def encoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` from a coroutine until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


def sign_in(hub: HubThread, user: str, password: str | None = None) -> str:
    """Sign in to a `hub_factory(sign_in=True)` hub as a demo user; returns the bearer token."""
    body = {"user": user, "password": password or DEMO_PASSWORDS[user]}
    status, answer, _ = hub.request("POST", "/api/v1/session", body)
    assert status == 201, (status, answer)
    token: str = answer["token"]
    return token
