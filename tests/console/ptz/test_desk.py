"""The console's PTZ desk against the real demo hub: locks seen from events, presets, tours,
click-to-centre, problems in plain words, and stop on every way of letting go."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.models import PtzTourStep
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.ptz.desk import PtzDesk, default_operator
from tests.support.hubthread import PTZ_CAM, HubThread, wait_for


@pytest.fixture
def hub() -> Iterator[HubThread]:
    h = HubThread(ptz_lock_idle_s=1.0)
    yield h
    h.close()


def client(url: str, operator: str) -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url, operator=operator, timeout_s=5.0))


async def make_desk(url: str, operator: str = "ana") -> PtzDesk:
    c = client(url, operator)
    directory = CameraDirectory(c, Notices())
    directory.set_cameras(await c.cameras())
    return PtzDesk(c, directory, operator)


async def close(desk: PtzDesk) -> None:
    await desk.close()
    await desk.client.close()


def run(coro: Any, timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_default_operator_names_user_and_host():
    name = default_operator()
    assert "@" in name and name.split("@")[0] and name.split("@")[1]


def test_only_ptz_cameras_have_capabilities(hub):
    async def go():
        desk = await make_desk(hub.url)
        try:
            assert desk.capabilities(PTZ_CAM) is not None
            assert desk.capabilities("cam-01") is None
            assert desk.capabilities(None) is None
            desk.steer("cam-01", 1.0, 0.0, 0.0)  # not steerable: ignored, nothing sent
            await asyncio.sleep(0.1)
            assert not [c for c in hub.commands("cam-01")]
        finally:
            await close(desk)

    run(go())


# serial: the stop must reach the hub within 100 ms of release (not under others' load)
@pytest.mark.serial
def test_steer_moves_the_camera_and_letting_go_stops_it(hub):
    async def go():
        desk = await make_desk(hub.url)
        try:
            before = (await desk.client.ptz_status(PTZ_CAM)).position.pan
            for _ in range(30):  # 0.3 s of samples at 100 Hz
                desk.steer(PTZ_CAM, 1.0, 0.0, 0.0)
                await asyncio.sleep(0.01)
            released = time.monotonic()
            desk.release(PTZ_CAM, "test")
            assert await wait_for(lambda: any(c.command == "stop" for c in hub.commands()), 2)
            stop = next(c for c in hub.commands() if c.command == "stop")
            assert stop.received - released < 0.1
            status = await desk.client.ptz_status(PTZ_CAM)
            assert status.position.pan > before + 5
            await asyncio.sleep(0.3)
            assert (await desk.client.ptz_status(PTZ_CAM)).position.pan == pytest.approx(
                status.position.pan, abs=1.0
            )
            assert desk.lock(PTZ_CAM) is not None and desk.lock(PTZ_CAM).operator == "ana"
            assert desk.held_by_other(PTZ_CAM) is None
        finally:
            await close(desk)

    run(go())


def test_a_lock_taken_by_another_console_shows_from_events(hub):
    async def go():
        desk = await make_desk(hub.url, "ana")
        events = asyncio.ensure_future(desk.follow_events())
        seen: list[Any] = []
        desk.lock_changed.connect(lambda cam, lock: seen.append((cam, lock)))
        problems: list[str] = []
        desk.problem.connect(lambda cam, message: problems.append(message))
        other = client(hub.url, "bob")
        try:
            await asyncio.sleep(0.3)  # the event channel is up
            await other.ptz_lock(PTZ_CAM)
            assert await wait_for(lambda: desk.held_by_other(PTZ_CAM) is not None, 3)
            assert desk.held_by_other(PTZ_CAM).operator == "bob"
            # ana tries to move: refused, in plain words naming bob, and nothing crashes
            desk.steer(PTZ_CAM, 0.5, 0.0, 0.0)
            assert await wait_for(lambda: bool(problems), 3)
            assert "bob" in problems[-1]
            desk.release(PTZ_CAM)
            # the lock expires after the idle time: the desk hears it
            assert await wait_for(lambda: desk.lock(PTZ_CAM) is None, 4)
            assert any(cam == PTZ_CAM and lock is None for cam, lock in seen)
        finally:
            events.cancel()
            await asyncio.gather(events, return_exceptions=True)
            await other.close()
            await close(desk)

    run(go())


def test_presets_and_tours_through_the_desk(hub):
    async def go():
        desk = await make_desk(hub.url)
        events = asyncio.ensure_future(desk.follow_events())
        try:
            desk.watch(PTZ_CAM)
            await asyncio.sleep(0.3)
            desk.save_preset(PTZ_CAM, "Gate")
            assert await wait_for(lambda: [p.name for p in desk.presets(PTZ_CAM)] == ["Gate"], 3)
            gate = desk.presets(PTZ_CAM)[0]
            desk.rename_preset(PTZ_CAM, gate.id, "Main gate")
            assert await wait_for(lambda: desk.presets(PTZ_CAM)[0].name == "Main gate", 3)
            desk.save_preset(PTZ_CAM, "Gate")  # same name as the old one: allowed now
            assert await wait_for(lambda: len(desk.presets(PTZ_CAM)) == 2, 3)
            desk.save_preset(PTZ_CAM, "Gate")  # a duplicate name: refused, said plainly
            problems: list[str] = []
            desk.problem.connect(lambda cam, message: problems.append(message))
            assert await wait_for(lambda: bool(problems), 3)
            steps = [PtzTourStep(p.id, 1.0) for p in desk.presets(PTZ_CAM)]
            desk.save_tour(PTZ_CAM, "Round", steps)
            assert await wait_for(lambda: [t.name for t in desk.tours(PTZ_CAM)] == ["Round"], 3)
            tour = desk.tours(PTZ_CAM)[0]
            desk.start_tour(PTZ_CAM, tour.id)
            assert await wait_for(lambda: desk.tours(PTZ_CAM)[0].running, 3)
            desk.stop_tour(PTZ_CAM, tour.id)
            assert await wait_for(lambda: not desk.tours(PTZ_CAM)[0].running, 3)
            assert desk.goto_preset_number(PTZ_CAM, 1)
            assert not desk.goto_preset_number(PTZ_CAM, 9)  # no such preset: said plainly
        finally:
            events.cancel()
            await asyncio.gather(events, return_exceptions=True)
            await close(desk)

    run(go())


def test_click_to_centre_turns_towards_the_click(hub):
    async def go():
        desk = await make_desk(hub.url)
        try:
            start = (await desk.client.ptz_status(PTZ_CAM)).position
            desk.centre_on(PTZ_CAM, 0.75, 0.5)  # right of centre: pan right, no tilt
            assert await wait_for(lambda: any(c.command == "relative" for c in hub.commands()), 3)
            rel = next(c for c in hub.commands() if c.command == "relative")
            caps = desk.capabilities(PTZ_CAM)
            assert rel.body["pan"] > 0
            assert rel.body["pan"] < caps.fov_at(start.zoom)[0] / 2
            assert abs(rel.body.get("tilt", 0.0)) < 0.01
            desk.zoom_to_area(PTZ_CAM, 0.25, 0.25, 0.75, 0.75)  # the middle half: zoom x2
            assert await wait_for(
                lambda: len([c for c in hub.commands() if c.command == "relative"]) == 2, 3
            )
            area = [c for c in hub.commands() if c.command == "relative"][1]
            assert area.body["zoom_factor"] == pytest.approx(2.0, rel=0.1)
        finally:
            await close(desk)

    run(go())


def test_reconnecting_event_channel_stops_what_the_console_steers(hub):
    """The hub may have restarted while the channel was down: a camera must not keep turning."""

    async def go():
        desk = await make_desk(hub.url)
        events = asyncio.ensure_future(desk.follow_events())
        try:
            await asyncio.sleep(0.3)
            for _ in range(20):
                desk.steer(PTZ_CAM, 0.5, 0.0, 0.0)
                await asyncio.sleep(0.01)
            # Cut every event connection at the hub (what a network drop looks like).
            hub.call(lambda: [sub.end() for sub in list(hub.hub._subscriptions)])
            for _ in range(300):  # keep holding the speed while the channel comes back
                desk.steer(PTZ_CAM, 0.5, 0.0, 0.0)
                await asyncio.sleep(0.01)
                if any(c.command == "stop" for c in hub.commands()):
                    break
            assert any(c.command == "stop" for c in hub.commands())
        finally:
            events.cancel()
            await asyncio.gather(events, return_exceptions=True)
            await close(desk)

    run(go())
