"""The connection test against real peers: the demo hub (OK with cameras), a closed port
(UNREACHABLE), an aiohttp server answering 401 (WRONG_PASSWORD), a camera list file; the
client is always closed and nothing is raised."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from console.hub.errors import HubAuthFailed
from console.hub.registry import HubConfig, create_client
from console.sources import probe as probe_module
from console.sources.connect import hub_config
from console.sources.model import SourceConfig, SourceError, SourceKind
from console.sources.probe import ProbeOutcome, ProbeResult, probe_source
from tests.support.hubthread import HubThread


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _probe(
    source: SourceConfig, password: str | None = None, **kw: Any
) -> tuple[ProbeResult, list[str]]:
    steps: list[str] = []
    result = asyncio.run(probe_source(source, password, progress=steps.append, **kw))
    return result, steps


def test_the_demo_hub_is_ok_with_its_cameras(hub: HubThread) -> None:
    result, steps = _probe(SourceConfig("hq", SourceKind.TESSERA, hub.url))
    assert result.outcome is ProbeOutcome.OK, result.message
    assert result.hub is not None and result.hub.api_version == 1
    assert len(result.cameras) > 0
    assert f"{len(result.cameras)} cameras found" in result.message
    assert steps[0].startswith("Connecting to 127.0.0.1:")
    # The demo kind is the same hub, reached by the address the console gives it.
    demo, _ = _probe(SourceConfig("demo", SourceKind.DEMO), demo_url=hub.url)
    assert demo.ok and len(demo.cameras) == len(result.cameras)


def test_a_closed_port_is_unreachable() -> None:
    source = SourceConfig("hq", SourceKind.TESSERA, f"http://127.0.0.1:{_closed_port()}")
    result, _ = _probe(source, timeout_s=2.0)
    assert result.outcome is ProbeOutcome.UNREACHABLE
    assert "cannot be reached" in result.message


async def _serve(handler: Callable[[web.Request], Any]) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


def test_a_hub_answering_401_means_a_wrong_password() -> None:
    seen: list[str | None] = []

    async def refuse(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response(
            {"error": {"code": "unauthorized", "message": "sign in"}}, status=401
        )

    async def run() -> tuple[ProbeResult, ProbeResult, ProbeResult]:
        runner, url = await _serve(refuse)
        try:
            source = SourceConfig("hq", SourceKind.TESSERA, url, username="ana")
            wrong = await probe_source(source, "not-it")
            needs = await probe_source(source, None)
            anonymous = await probe_source(SourceConfig("hq", SourceKind.TESSERA, url), None)
            return wrong, needs, anonymous
        finally:
            await runner.cleanup()

    wrong, needs, anonymous = asyncio.run(run())
    assert wrong.outcome is ProbeOutcome.WRONG_PASSWORD
    assert "refused the user name or password" in wrong.message
    assert "not-it" not in wrong.message
    assert seen[0] is not None and seen[0].startswith("Basic ")  # the password was sent
    assert needs.outcome is ProbeOutcome.NEEDS_PASSWORD  # not even tried without one
    assert anonymous.outcome is ProbeOutcome.NEEDS_PASSWORD  # the hub asks for one
    assert len(seen) == 2


def test_the_driver_maps_401_and_403_to_auth_failed() -> None:
    async def forbid(request: web.Request) -> web.Response:
        return web.Response(status=403, text="<html>no</html>")

    async def run() -> None:
        runner, url = await _serve(forbid)
        try:
            async with create_client(HubConfig(url=url)) as client:
                with pytest.raises(HubAuthFailed):
                    await client.info()
        finally:
            await runner.cleanup()

    asyncio.run(run())


def test_a_camera_list_source(tmp_path: Path) -> None:
    path = tmp_path / "yard.json"
    cams = [
        {"id": "gate", "name": "Gate", "main_url": "rtsp://10.0.0.7/live", "credentials": "y/g"},
        {"id": "hall", "name": "Hall", "main_url": "rtsp://10.0.0.8/live"},
    ]
    path.write_text(json.dumps({"format": "tessera.camera-list", "version": 1, "cameras": cams}))
    source = SourceConfig("yard", SourceKind.RTSP, str(path))
    ok, steps = _probe(source, credential_lookup=lambda key: "pw" if key == "camera/y/g" else None)
    assert ok.outcome is ProbeOutcome.OK and [c.id for c in ok.cameras] == ["gate", "hall"]
    assert steps[0].startswith("Reading the camera list")
    needs, _ = _probe(source, credential_lookup=lambda key: None)
    assert needs.outcome is ProbeOutcome.NEEDS_PASSWORD and "Gate" in needs.message
    path.write_text(json.dumps({"format": "tessera.camera-list", "version": 1, "cameras": []}))
    assert _probe(source)[0].outcome is ProbeOutcome.NO_CAMERAS
    missing, _ = _probe(SourceConfig("gone", SourceKind.RTSP, str(tmp_path / "gone.json")))
    assert missing.outcome is ProbeOutcome.UNREACHABLE and "does not exist" in missing.message
    path.write_text("{")
    assert _probe(source)[0].outcome is ProbeOutcome.ERROR


class _Client:
    """A stand-in driver: how each error of the library is read, and that close() is called."""

    def __init__(self, error: BaseException | None = None, delay: float = 0.0) -> None:
        self.error = error
        self.delay = delay
        self.closed = False

    async def info(self) -> Any:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        raise AssertionError

    async def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("kind", "error", "outcome"),
    [
        (SourceKind.ONVIF, "protocol", ProbeOutcome.NOT_ONVIF),
        (SourceKind.TESSERA, "protocol", ProbeOutcome.ERROR),
        (SourceKind.ONVIF, "auth", ProbeOutcome.WRONG_PASSWORD),
        (SourceKind.ONVIF, "bug", ProbeOutcome.ERROR),
        (SourceKind.ONVIF, "slow", ProbeOutcome.UNREACHABLE),
    ],
)
def test_outcomes_of_any_driver(
    monkeypatch: pytest.MonkeyPatch, kind: SourceKind, error: str, outcome: ProbeOutcome
) -> None:
    from console.hub.errors import HubProtocolError

    errors: dict[str, BaseException | None] = {
        "protocol": HubProtocolError("not soap"),
        "auth": HubAuthFailed("NotAuthorized"),
        "bug": KeyError("x"),
        "slow": None,
    }
    client = _Client(errors[error], delay=5.0 if error == "slow" else 0.0)
    monkeypatch.setattr(probe_module, "create_client", lambda config: client)
    source = SourceConfig("s", kind, "http://127.0.0.1:9")
    result = asyncio.run(probe_source(source, "pw", timeout_s=0.1))
    assert result.outcome is outcome, result.message
    assert client.closed


def test_hub_config_per_kind(tmp_path: Path) -> None:
    def lookup(key: str) -> str | None:
        return None

    onvif = hub_config(
        SourceConfig("cam", SourceKind.ONVIF, "http://10.0.0.5:80", username="admin"),
        "pw",
        operator="ana",
        timeout_s=3.0,
    )
    assert (onvif.driver, onvif.url, onvif.username, onvif.password) == (
        "onvif",
        "http://10.0.0.5:80",
        "admin",
        "pw",
    )
    assert onvif.operator == "ana" and onvif.timeout_s == 3.0
    rtsp = hub_config(
        SourceConfig("l", SourceKind.RTSP, str(tmp_path / "l.json")), None, credential_lookup=lookup
    )
    assert rtsp.driver == "camera-list" and rtsp.credential_lookup is lookup
    assert rtsp.username is None
    demo = hub_config(SourceConfig("demo", SourceKind.DEMO), None, demo_url="http://127.0.0.1:1")
    assert (demo.driver, demo.url) == ("tessera", "http://127.0.0.1:1")
    with pytest.raises(SourceError):
        hub_config(SourceConfig("demo", SourceKind.DEMO), None)
