"""The ONVIF driver against a real ONVIF camera: ipycam on 127.0.0.1 in its own interpreter
(tests/support/ipycam_peer.py), plus the failures a camera address can have: nothing
listening, no answer, and an HTTP server that is not an ONVIF device."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from aiohttp import web

from console.hub.errors import (
    HubAuthFailed,
    HubNotFound,
    HubNotSupported,
    HubProtocolError,
    HubUnreachable,
)
from console.hub.onvif_driver import OnvifHubClient
from console.hub.registry import HubConfig, create_client
from console.ptz.control import PtzControl
from tests.support.hubproc import free_port
from tests.support.ipycam_peer import IpycamPeer

T = TypeVar("T")

USER, PASSWORD = "admin", "s3cr:t@pw"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


@pytest.fixture(scope="module")
def cam() -> Iterator[IpycamPeer]:
    """ipycam with WS-Security on, honouring ContinuousMove's Timeout (see the launcher)."""
    with IpycamPeer(username=USER, password=PASSWORD, honour_timeout=True) as peer:
        yield peer


def _client(url: str, *, password: str = PASSWORD, timeout_s: float = 5.0) -> OnvifHubClient:
    config = HubConfig(
        url=url,
        driver="onvif",
        username=USER,
        password=password,
        operator="op1",
        timeout_s=timeout_s,
    )
    client = create_client(config)
    assert isinstance(client, OnvifHubClient)
    return client


@contextlib.asynccontextmanager
async def connected(cam: IpycamPeer) -> AsyncIterator[tuple[OnvifHubClient, str]]:
    client = _client(cam.url)
    try:
        cameras = await client.cameras()
        assert len(cameras) == 1
        camera_id = cameras[0].id
        # Each test starts from the home position with nothing moving.
        await client.ptz_stop(camera_id)
        await client.ptz_home(camera_id)
        yield client, camera_id
    finally:
        await client.close()


# -- device and media --------------------------------------------------------------------------


def test_info_and_the_camera_with_main_and_sub_profiles(cam: IpycamPeer) -> None:
    async def main() -> None:
        client = _client(cam.url)
        try:
            info = await client.info()
            assert (info.name, info.software, info.version) == (
                "Tessera test camera",
                "PythonCam VirtualCam-1",
                "1.3.0",
            )
            assert info.has("live") and info.has("ptz") and not info.has("events")
            (camera,) = await client.cameras()
            assert camera.id == "VS_1"
            assert (camera.vendor, camera.model, camera.firmware) == (
                "PythonCam",
                "VirtualCam-1",
                "1.3.0",
            )
            main_, sub = camera.profile("main"), camera.profile("sub")
            assert main_ is not None and sub is not None
            assert (main_.width, main_.height, main_.codec) == (cam.width, cam.height, "h264")
            assert (sub.width, sub.height) == (cam.width // 2, cam.height // 2)
            assert camera.ptz is not None and camera.has("ptz")
            caps = camera.ptz
            assert (caps.continuous, caps.absolute, caps.relative, caps.presets, caps.home) == (
                True,
                True,
                True,
                True,
                True,
            )
            assert caps.tours is False
            assert await client.camera("VS_1") == camera
            with pytest.raises(HubNotFound):
                await client.camera("VS_9")
            # ipycam has no events service: no alerts facet, once the camera was read.
            assert client.alerts_facet is None
            assert client.ptz_facet is client
        finally:
            await client.close()

    run(main())


def test_stream_url_carries_the_credentials_in_memory_only(
    cam: IpycamPeer, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> str:
        client = _client(cam.url)
        try:
            endpoint = await client.stream("VS_1", "sub")
            assert endpoint.url == (
                f"rtsp://admin:s3cr%3At%40pw@127.0.0.1:{cam.rtsp_port}/video_sub"
            )
            assert (endpoint.transport, endpoint.codec) == ("rtsp", "h264")
            assert (endpoint.width, endpoint.height) == (cam.width // 2, cam.height // 2)
            assert PASSWORD not in repr(endpoint) and "s3cr" not in str(endpoint)
            assert "s3cr" not in endpoint.safe_url
            with pytest.raises(HubNotFound):
                await client.stream("VS_1", "hd")
            snapshot = await client.snapshot_url("VS_1")
            assert snapshot == f"{cam.url}/snapshot.jpg"
            return endpoint.url
        finally:
            await client.close()

    with caplog.at_level(logging.DEBUG):
        url = run(main())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "s3cr" not in logged and "stream VS_1/sub at rtsp://***@" in logged
    # What ipycam streams there: H.264 over RTSP (from Debian's ffmpeg), user and password in
    # the URL as the console's stream gateway gets it.
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is not installed")
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-rtsp_transport",
            "tcp",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert probe.stdout.strip() == f"h264,{cam.width // 2},{cam.height // 2}", probe.stderr


# -- failures ----------------------------------------------------------------------------------


def test_a_wrong_password_is_hub_auth_failed(cam: IpycamPeer) -> None:
    async def main() -> None:
        client = _client(cam.url, password="wrong")
        try:
            with pytest.raises(HubAuthFailed) as caught:
                await client.info()
            assert "password" in caught.value.operator_message
            assert "wrong" not in str(caught.value)
        finally:
            await client.close()

    run(main())


def test_nothing_listening_is_hub_unreachable() -> None:
    async def main() -> None:
        client = _client(f"http://127.0.0.1:{free_port()}")
        try:
            with pytest.raises(HubUnreachable) as caught:
                await client.cameras()
            assert caught.value.retryable
        finally:
            await client.close()

    run(main())


def test_a_camera_that_never_answers_is_hub_unreachable_within_the_timeout() -> None:
    async def main() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(65536)
            await asyncio.sleep(30)

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = _client(f"http://127.0.0.1:{port}", timeout_s=0.5)
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(HubUnreachable) as caught:
                await client.info()
            assert loop.time() - started < 5.0  # parsing the WSDL once is not bounded by it
            assert "not answering in time" in caught.value.operator_message
        finally:
            await client.close()
            server.close()

    run(main())


@pytest.mark.parametrize("status", [200, 404])
def test_an_http_server_that_is_not_onvif_is_a_protocol_error_in_plain_words(status: int) -> None:
    async def main() -> None:
        async def page(_request: web.Request) -> web.Response:
            return web.Response(
                status=status,
                text="<html><body>Router login</body></html>",
                content_type="text/html",
            )

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        client = _client(f"http://127.0.0.1:{port}")
        try:
            with pytest.raises(HubProtocolError) as caught:
                await client.cameras()
            assert caught.value.operator_message.startswith(
                f"127.0.0.1:{port} answers, but it is not an ONVIF device."
            )
        finally:
            await client.close()
            await runner.cleanup()

    run(main())


# -- PTZ ---------------------------------------------------------------------------------------


async def _settled(client: OnvifHubClient, camera_id: str) -> tuple[float, float, float]:
    status = await client.ptz_status(camera_id)
    p = status.position
    return p.pan, p.tilt, p.zoom


def test_continuous_move_and_stop(cam: IpycamPeer) -> None:
    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            await client.ptz_move(camera_id, 1.0, 0.0, 0.0, timeout_ms=5000, seq=10)
            await asyncio.sleep(0.3)
            stopped = await client.ptz_stop(camera_id, seq=11)
            assert stopped.position.pan > 10.0 and not stopped.ignored
            await asyncio.sleep(0.3)
            assert (await _settled(client, camera_id))[0] == pytest.approx(stopped.position.pan)
            # A move older than the stop is not sent (the status says so).
            late = await client.ptz_move(camera_id, 1.0, 0.0, 0.0, seq=10)
            assert late.ignored
            await asyncio.sleep(0.2)
            assert (await _settled(client, camera_id))[0] == pytest.approx(stopped.position.pan)

    run(main())


def test_a_move_answered_after_a_stop_is_stopped_again(cam: IpycamPeer) -> None:
    """ONVIF has no seq: a move still on its way when the stop leaves may reach the camera
    after it. The driver then sends another stop."""

    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            move, stop = await asyncio.gather(
                client.ptz_move(camera_id, 1.0, 0.0, 0.0, timeout_ms=5000, seq=20),
                client.ptz_stop(camera_id, seq=21),
            )
            assert move.ignored and not stop.ignored
            first = await _settled(client, camera_id)
            await asyncio.sleep(0.3)
            assert await _settled(client, camera_id) == pytest.approx(first)

    run(main())


def test_the_onvif_timeout_is_the_dead_man_when_no_stop_arrives(cam: IpycamPeer) -> None:
    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            await client.ptz_move(camera_id, 0.0, 1.0, 0.0, timeout_ms=300)
            await asyncio.sleep(0.8)  # no stop sent
            first = await _settled(client, camera_id)
            await asyncio.sleep(0.3)
            assert first[1] > 5.0  # it moved up
            assert await _settled(client, camera_id) == pytest.approx(first)  # and stopped

    run(main())
    assert {"action": "ContinuousMove", "timeout": "PT0.3S"} in cam.wire()


def test_absolute_relative_and_home(cam: IpycamPeer) -> None:
    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            status = await client.ptz_absolute(camera_id, 90.0, -45.0, 5.0)
            p = status.position
            assert (p.pan, p.tilt, p.zoom) == pytest.approx((90.0, -45.0, 5.0))
            status = await client.ptz_absolute(camera_id, pan=-30.0)  # tilt kept
            assert (status.position.pan, status.position.tilt) == pytest.approx((-30.0, -45.0))
            status = await client.ptz_relative(camera_id, 10.0, 5.0, 2.0)
            p = status.position
            assert (p.pan, p.tilt, p.zoom) == pytest.approx((-20.0, -40.0, 10.0))
            home = await client.ptz_home(camera_id)
            assert (home.position.pan, home.position.tilt, home.position.zoom) == pytest.approx(
                (0.0, 0.0, 1.0)
            )
            with pytest.raises(HubNotSupported) as caught:
                await client.ptz_set_home(camera_id)  # ipycam's node: FixedHomePosition
            assert "fixed" in caught.value.operator_message

    run(main())


def test_presets(cam: IpycamPeer) -> None:
    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            assert [p.id for p in await client.ptz_presets(camera_id)][:1] == ["home"]
            await client.ptz_absolute(camera_id, 45.0, 30.0, 2.0)
            gate = await client.ptz_save_preset(camera_id, "Gate")
            assert gate.name == "Gate"
            assert (gate.position.pan, gate.position.tilt) == pytest.approx((45.0, 30.0))
            assert gate.id in [p.id for p in await client.ptz_presets(camera_id)]
            await client.ptz_home(camera_id)
            # ONVIF renames by saving again: refused while the camera points elsewhere.
            with pytest.raises(HubNotSupported) as caught:
                await client.ptz_rename_preset(camera_id, gate.id, "Main gate")
            assert "go to the preset first" in caught.value.operator_message
            status = await client.ptz_goto_preset(camera_id, gate.id)
            assert (status.position.pan, status.position.tilt) == pytest.approx((45.0, 30.0))
            # ipycam answers SetPreset with a token by making a new preset: said in plain words.
            with pytest.raises(HubNotSupported) as caught:
                await client.ptz_rename_preset(camera_id, gate.id, "Main gate")
            assert "cannot rename" in caught.value.operator_message
            # ipycam has no RemovePreset: the camera's refusal, as "cannot do that".
            with pytest.raises(HubNotSupported):
                await client.ptz_delete_preset(camera_id, gate.id)
            with pytest.raises(HubNotFound):
                await client.ptz_rename_preset(camera_id, "nope", "x")

    run(main())


def test_the_lock_is_local_and_tours_are_not_supported(cam: IpycamPeer) -> None:
    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            lock = await client.ptz_lock(camera_id, priority=50)
            assert (lock.operator, lock.priority) == ("op1", 50)
            assert (await client.ptz_status(camera_id)).lock == lock
            await client.ptz_unlock(camera_id)
            assert (await client.ptz_status(camera_id)).lock is None
            with pytest.raises(HubNotSupported) as caught:
                await client.ptz_tours(camera_id)
            assert caught.value.operator_message == "Tours are not available for ONVIF cameras."

    run(main())


def test_the_consoles_ptz_chain_steers_the_camera_unchanged(cam: IpycamPeer) -> None:
    """PtzControl (console/ptz/control.py), as the panel, keys and joystick use it."""

    async def main() -> None:
        async with connected(cam) as (client, camera_id):
            loop = asyncio.get_running_loop()
            chain = PtzControl(client, camera_id, loop=loop)
            failures: list[Any] = []
            sent: list[str] = []
            chain.failed.connect(failures.append)
            chain.sent.connect(lambda command, *_: sent.append(command))
            for _ in range(12):  # a joystick held right for 0.6 s, sampled at 20 Hz
                chain.set_velocity(0.8, 0.0, 0.0)
                await asyncio.sleep(0.05)
            chain.release("joystick centred")
            await chain.close()
            assert failures == []
            assert "move" in sent and sent[-1] == "stop"
            pan = (await _settled(client, camera_id))[0]
            assert pan > 20.0
            await asyncio.sleep(0.3)
            assert (await _settled(client, camera_id))[0] == pytest.approx(pan)  # stopped
            # One-shots through the chain.
            status = await chain_home(client, camera_id, loop)
            assert status is not None and status.position.pan == pytest.approx(0.0)

    async def chain_home(
        client: OnvifHubClient, camera_id: str, loop: asyncio.AbstractEventLoop
    ) -> Any:
        chain = PtzControl(client, camera_id, loop=loop)
        try:
            return await chain.home()
        finally:
            await chain.close()

    run(main())


def test_a_missing_peer_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import tests.support.ipycam_peer as peer_module

    monkeypatch.setattr(peer_module, "PEER_PYTHON", tmp_path / "no-such-python")
    with pytest.raises(peer_module.PeerMissingError, match=r"\./packaging/setup\.sh setup"):
        IpycamPeer().start()
