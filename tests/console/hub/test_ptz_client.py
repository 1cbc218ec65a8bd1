"""PTZ in the hub client library: strict parsing, typed errors, and every call against the
real demo hub over real sockets (cam-08 is its PTZ camera)."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from console.base.notices import Notices
from console.base.safe_text import isolate
from console.cameras.directory import CameraDirectory
from console.hub.errors import (
    HubHttpError,
    HubNotFound,
    HubNotSupported,
    HubProtocolError,
    HubPtzLocked,
)
from console.hub.models import (
    EVENT_PTZ_LOCK,
    EVENT_PTZ_PRESETS,
    EVENT_PTZ_TOURS,
    KNOWN_EVENT_TYPES,
    Camera,
    HubEvent,
    PtzLock,
    PtzPosition,
    PtzStatus,
    PtzTourStep,
)
from console.hub.registry import HubConfig
from console.hub.tessera_api import MAX_CONNECTIONS, TesseraHubClient
from console.hub.tessera_wire import (
    parse_camera,
    parse_event,
    parse_ptz_capabilities,
    parse_ptz_lock,
    parse_ptz_presets,
    parse_ptz_status,
    parse_ptz_tours,
)
from console.ptz.desk import PtzDesk
from tests.support.hubthread import HubThread
from tests.support.minimal_client import MinimalClient

PTZ_CAM = "cam-08"
FIXED_CAM = "cam-01"

CAPS: dict[str, Any] = {
    "continuous": True,
    "absolute": True,
    "relative": True,
    "presets": True,
    "home": True,
    "tours": False,
    "pan": {"min": -170.0, "max": 170.0},
    "tilt": {"min": -30.0, "max": 30},
    "zoom": {"min": 1.0, "max": 8.0},
    "fov": {"horizontal": 60.0, "vertical": 33.75},
    "lock_idle_s": 5.0,
}
LOCK: dict[str, Any] = {
    "operator": "ana",
    "priority": 0,
    "since": "2026-11-22T10:02:03.000Z",
    "idle_release_s": 5.0,
}
STATUS: dict[str, Any] = {
    "position": {"pan": 12.5, "tilt": -3.0, "zoom": 2.0},
    "moving": True,
    "lock": LOCK,
    "tour": {"id": "t1", "name": "Night", "step": 0},
}
CAMERA: dict[str, Any] = {
    "id": "cam-08",
    "name": "Harbour PTZ",
    "group": "Outdoor",
    "location": "Quay",
    "vendor": "Tessera Synthetic",
    "model": "SYN-PTZ",
    "firmware": "1.0.0",
    "capabilities": ["live", "ptz"],
    "profiles": [{"name": "sub", "width": 640, "height": 360, "fps": 15, "codec": "h264"}],
    "ptz": CAPS,
}


def broken(payload: dict[str, Any], dotted: str, value: object = ...) -> dict[str, Any]:
    """A deep copy with the field at `dotted` removed (value=...) or replaced."""
    data = copy.deepcopy(payload)
    *parents, last = dotted.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return data


# ---------------------------------------------------------------- models and parsing


def test_capabilities_are_parsed():
    caps = parse_ptz_capabilities(CAPS)
    assert (caps.continuous, caps.tours) == (True, False)
    assert (caps.pan.min, caps.pan.max) == (-170.0, 170.0)
    assert caps.tilt.max == 30.0 and isinstance(caps.tilt.max, float)
    assert (caps.zoom.min, caps.zoom.max, caps.fov_h, caps.fov_v) == (1.0, 8.0, 60.0, 33.75)
    assert caps.lock_idle_s == 5.0
    assert caps.fov_at(4.0) == (15.0, 33.75 / 4)
    assert caps.pan.clamp(200) == 170.0 and 0 in caps.pan and 171 not in caps.pan


def test_camera_carries_ptz_and_a_camera_without_it_has_none():
    camera = parse_camera(CAMERA)
    assert camera.ptz is not None and camera.ptz.zoom.max == 8.0
    plain = {k: v for k, v in CAMERA.items() if k != "ptz"}
    assert parse_camera(plain).ptz is None
    assert parse_camera({**plain, "ptz": None}).ptz is None
    # Existing constructors keep working: ptz is the last field, defaulting to None.
    assert Camera("c", "C", "g", "l", "v", "m", "f", frozenset(), ()).ptz is None


@pytest.mark.parametrize(
    ("dotted", "value", "field"),
    [
        ("ptz.continuous", ..., "camera.ptz.continuous"),
        ("ptz.tours", "yes", "camera.ptz.tours"),
        ("ptz.pan", [0, 1], "camera.ptz.pan"),
        ("ptz.tilt.max", ..., "camera.ptz.tilt.max"),
        ("ptz.tilt.max", -90.0, "camera.ptz.tilt.max"),
        ("ptz.zoom.min", 0, "camera.ptz.zoom.min"),
        ("ptz.fov.vertical", "wide", "camera.ptz.fov.vertical"),
        ("ptz.fov", ..., "camera.ptz.fov"),
        ("ptz.lock_idle_s", -1, "camera.ptz.lock_idle_s"),
        ("ptz", "full", "camera.ptz"),
    ],
)
def test_malformed_capabilities_name_the_field(dotted, value, field):
    with pytest.raises(HubProtocolError) as info:
        parse_camera(broken(CAMERA, dotted, value))
    assert info.value.field == field
    assert "full" not in str(info.value) and "wide" not in str(info.value)


def test_status_is_parsed_with_its_lock_and_tour():
    status = parse_ptz_status(STATUS)
    assert (status.position.pan, status.position.tilt, status.position.zoom) == (12.5, -3.0, 2.0)
    assert status.moving and status.tour_id == "t1" and not status.ignored
    assert status.lock == PtzLock(
        "ana", 0, datetime(2026, 11, 22, 10, 2, 3, tzinfo=timezone.utc), 5.0
    )
    free = parse_ptz_status({**STATUS, "lock": None, "tour": None, "ignored": True})
    assert free.lock is None and free.tour_id is None and free.ignored


@pytest.mark.parametrize(
    ("dotted", "value", "field"),
    [
        ("position", ..., "ptz.position"),
        ("position.pan", "left", "ptz.position.pan"),
        ("position.zoom", float("nan"), "ptz.position.zoom"),
        ("moving", 1, "ptz.moving"),
        ("lock", ..., "ptz.lock"),
        ("lock.operator", "", "ptz.lock.operator"),
        ("lock.priority", 1.5, "ptz.lock.priority"),
        ("lock.since", "yesterday", "ptz.lock.since"),
        ("tour", ..., "ptz.tour"),
        ("tour.id", None, "ptz.tour.id"),
        ("ignored", "no", "ptz.ignored"),
    ],
)
def test_malformed_status_names_the_field(dotted, value, field):
    with pytest.raises(HubProtocolError) as info:
        parse_ptz_status(broken(STATUS, dotted, value))
    assert info.value.field == field


def test_lock_presets_and_tours_event_data_parse():
    assert parse_ptz_lock(None) is None
    assert parse_ptz_lock(LOCK).operator == "ana"  # type: ignore[union-attr]
    presets = parse_ptz_presets(
        [{"id": "p1", "name": "Gate", "position": {"pan": 1, "tilt": 2, "zoom": 3}}]
    )
    assert presets[0].name == "Gate" and presets[0].position.zoom == 3.0
    tours = parse_ptz_tours(
        [
            {
                "id": "t1",
                "name": "Night",
                "steps": [{"preset_id": "p1", "dwell_s": 5}],
                "running": False,
            }
        ]
    )
    assert tours[0].steps == (PtzTourStep("p1", 5.0),) and not tours[0].running
    # Until issue 12 one bad preset or tour refused the whole list; now it is left out (logged).
    good = {"id": "p2", "name": "Dock", "position": {"pan": 1, "tilt": 2, "zoom": 3}}
    presets = parse_ptz_presets(
        [{"id": "p1", "name": "Gate", "position": {"pan": 1, "tilt": 2}}, good]
    )
    assert [p.id for p in presets] == ["p2"]
    assert (
        parse_ptz_tours([{"id": "t1", "name": "N", "steps": [{"preset_id": "p1"}], "running": 0}])
        == []
    )
    with pytest.raises(HubProtocolError) as info:
        parse_ptz_presets({"presets": []})
    assert info.value.field == "presets"


def test_ptz_event_types_are_known_and_reach_the_console():
    assert {EVENT_PTZ_LOCK, EVENT_PTZ_PRESETS, EVENT_PTZ_TOURS} <= KNOWN_EVENT_TYPES
    event = parse_event(
        {
            "seq": 7,
            "type": "ptz.lock",
            "time": "2026-11-22T10:02:03.000Z",
            "camera_id": PTZ_CAM,
            "data": {"lock": LOCK},
        }
    )
    assert event is not None and event.type == EVENT_PTZ_LOCK
    assert parse_ptz_lock(event.data["lock"]) is not None
    # The driver hands the change typed, so the PTZ desk needs no wire parser (issue 13).
    assert event.ptz is not None and event.ptz.lock == parse_ptz_lock(LOCK)


def test_ptz_events_arrive_typed_and_an_unreadable_one_arrives_without_its_change():
    def event(kind: str, data: dict[str, Any]) -> HubEvent:
        payload = {"seq": 8, "type": kind, "time": "2026-11-22T10:02:03.000Z", "data": data}
        parsed = parse_event({**payload, "camera_id": PTZ_CAM})
        assert parsed is not None
        return parsed

    released = event(EVENT_PTZ_LOCK, {"lock": None}).ptz
    assert released is not None and released.lock is None
    preset = {"id": "p1", "name": "Gate", "position": {"pan": 1, "tilt": 2, "zoom": 3}}
    presets = event(EVENT_PTZ_PRESETS, {"presets": [preset]}).ptz
    assert presets is not None and [p.name for p in presets.presets] == ["Gate"]
    tour = {"id": "t1", "name": "Night", "steps": [], "running": True}
    tours = event(EVENT_PTZ_TOURS, {"tours": [tour]}).ptz
    assert tours is not None and tours.tours[0].running
    assert event(EVENT_PTZ_PRESETS, {"presets": "all of them"}).ptz is None
    assert event(EVENT_PTZ_LOCK, {"lock": {"operator": 7}}).ptz is None


# ---------------------------------------------------------------- typed errors


def error_body(code: str, **extra: Any) -> bytes:
    return json.dumps({"error": {"code": code, "message": "refused", **extra}}).encode()


def test_409_with_a_lock_is_ptz_locked_naming_the_holder():
    client = TesseraHubClient(HubConfig(url="http://127.0.0.1:9"))
    error = client._http_error(409, error_body("ptz_locked", lock=LOCK), "POST move")
    assert isinstance(error, HubPtzLocked) and isinstance(error, HubHttpError)
    assert error.status == 409 and error.code == "ptz_locked" and not error.retryable
    assert error.lock is not None and error.lock.operator == "ana"
    local = error.lock.since.astimezone().strftime("%H:%M")
    assert error.operator_message == f"PTZ is held by {isolate('ana')} since {local}."


def test_409_with_an_unreadable_lock_still_says_locked():
    client = TesseraHubClient(HubConfig(url="http://127.0.0.1:9"))
    error = client._http_error(409, error_body("ptz_locked", lock={"who": 1}), "POST move")
    assert isinstance(error, HubPtzLocked) and error.lock is None
    assert "another operator" in error.operator_message


def test_other_ptz_codes_map_to_plain_words():
    client = TesseraHubClient(HubConfig(url="http://127.0.0.1:9"))
    unsupported = client._http_error(400, error_body("not_supported"), "POST move")
    assert isinstance(unsupported, HubNotSupported)
    assert unsupported.operator_message == "This camera cannot do that."
    needs_name = client._http_error(400, error_body("operator_required"), "POST move")
    assert type(needs_name) is HubHttpError and "operator name" in needs_name.operator_message
    conflict = client._http_error(409, error_body("conflict"), "POST presets")
    assert type(conflict) is HubHttpError and conflict.code == "conflict"
    plain_409 = client._http_error(409, b"<html>busy</html>", "POST move")
    assert type(plain_409) is HubHttpError


def test_a_driver_without_ptz_offers_no_ptz_facet_and_nothing_is_steered():
    # Before the facets, every PTZ call of such a driver raised HubNotSupported and each
    # consumer had to catch it; now the desk asks once and offers nothing.
    client = MinimalClient()
    assert client.ptz_facet is None
    directory = CameraDirectory(client, Notices())
    directory.set_cameras([parse_camera(copy.deepcopy(CAMERA))])  # a camera that has PTZ
    assert directory.cameras[0].ptz is not None
    desk = PtzDesk(client, directory, "ana")
    problems: list[tuple[str, str]] = []
    desk.problem.connect(lambda camera_id, message: problems.append((camera_id, message)))
    camera_id = directory.cameras[0].id

    async def main() -> None:
        desk.watch(camera_id)
        desk.steer(camera_id, 1.0, 0.0, 0.0)
        desk.relative(camera_id, 5.0, 0.0)
        desk.home(camera_id)
        desk.goto_preset(camera_id, "p")
        desk.save_preset(camera_id, "x")
        desk.take_control(camera_id)
        desk.release()
        await asyncio.sleep(0.05)
        await desk.close()

    asyncio.run(main())
    assert desk.capabilities(camera_id) is None
    assert problems == []
    with pytest.raises(LookupError):
        desk.control(camera_id)


def test_the_tessera_driver_offers_every_facet():
    client = TesseraHubClient(HubConfig(url="http://127.0.0.1:9"))
    assert client.ptz_facet is client
    assert client.alerts_facet is client
    assert client.recordings_facet is client


def test_the_main_pool_is_bounded_and_stops_have_their_own():
    async def main() -> tuple[int, int, int, int]:
        client = TesseraHubClient(HubConfig(url="http://127.0.0.1:9", operator="op"))
        try:
            main_pool = client._get_session().connector
            urgent = client._get_session(urgent=True).connector
            assert main_pool is not None and urgent is not None and main_pool is not urgent
            return main_pool.limit, main_pool.limit_per_host, urgent.limit, urgent.limit_per_host
        finally:
            await client.close()

    assert asyncio.run(main()) == (MAX_CONNECTIONS, 0, 0, 0)


# ---------------------------------------------------------------- against the real demo hub


@pytest.fixture
def hub() -> Iterator[HubThread]:
    thread = HubThread(ptz_lock_idle_s=5.0)
    try:
        yield thread
    finally:
        thread.close()


def client_for(url: str, operator: str | None = "ana") -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url, operator=operator))


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_cameras_declare_ptz_from_the_real_hub(hub):
    async def main() -> list[Camera]:
        async with client_for(hub.url) as client:
            return await client.cameras()

    cameras = {c.id: c for c in run(main())}
    ptz = cameras[PTZ_CAM].ptz
    assert ptz is not None and cameras[PTZ_CAM].has("ptz")
    assert (ptz.continuous, ptz.absolute, ptz.relative, ptz.presets, ptz.home, ptz.tours) == (
        True,
        True,
        True,
        True,
        True,
        True,
    )
    assert (ptz.pan.min, ptz.pan.max, ptz.tilt.min, ptz.tilt.max) == (-170, 170, -30, 30)
    assert (ptz.zoom.min, ptz.zoom.max, ptz.fov_h, ptz.fov_v) == (1, 8, 60, 33.75)
    assert ptz.lock_idle_s == 5.0
    assert cameras[FIXED_CAM].ptz is None


def test_move_stop_and_status(hub):
    async def main() -> tuple[PtzStatus, ...]:
        async with client_for(hub.url) as client:
            idle = await client.ptz_status(PTZ_CAM)
            moving = await client.ptz_move(PTZ_CAM, 1.0, -0.5, 0.25, timeout_ms=2000, seq=5)
            await asyncio.sleep(0.1)
            stopped = await client.ptz_stop(PTZ_CAM, seq=6)
            late = await client.ptz_move(PTZ_CAM, 1.0, 0.0, 0.0, seq=6)
            unordered = await client.ptz_stop(PTZ_CAM)
            return idle, moving, stopped, late, unordered

    idle, moving, stopped, late, unordered = run(main())
    assert idle.position == PtzPosition(0.0, 0.0, 1.0)
    assert not idle.moving and idle.lock is None and idle.tour_id is None
    assert moving.moving and moving.lock is not None and moving.lock.operator == "ana"
    assert not moving.ignored
    assert not stopped.moving and stopped.position.pan > 5.0  # 90 deg/s for ~0.1 s
    assert stopped.position.tilt < 0 and stopped.position.zoom > 1.0
    assert late.ignored and not late.moving
    assert not unordered.ignored
    records = hub.commands()
    assert [r.command for r in records] == ["move", "stop", "move", "stop"]
    assert records[0].body == {"pan": 1.0, "tilt": -0.5, "zoom": 0.25, "timeout_ms": 2000, "seq": 5}
    assert records[0].operator == "ana"
    assert records[1].body == {"seq": 6} and records[3].body == {}
    assert [r.applied for r in records] == [True, True, False, True]


async def settle(client: TesseraHubClient) -> PtzStatus:
    """Poll until the camera comes to rest."""
    for _ in range(300):
        status = await client.ptz_status(PTZ_CAM)
        if not status.moving:
            return status
        await asyncio.sleep(0.01)
    raise AssertionError("the camera did not come to rest")


def test_absolute_relative_home_and_set_home(hub):
    async def main() -> tuple[PtzStatus, ...]:
        async with client_for(hub.url) as client:
            absolute = await client.ptz_absolute(PTZ_CAM, pan=9.0, zoom=1.2)
            arrived = await settle(client)
            relative = await client.ptz_relative(PTZ_CAM, pan=-4.5, tilt=2.0, zoom_factor=0.9)
            await settle(client)
            set_home = await client.ptz_set_home(PTZ_CAM)
            await client.ptz_absolute(PTZ_CAM, pan=0.0, tilt=0.0)
            await settle(client)
            home = await client.ptz_home(PTZ_CAM)
            at_home = await settle(client)
            zoomed = await client.ptz_relative(PTZ_CAM, zoom_factor=2.0)
            return absolute, arrived, relative, set_home, home, at_home, zoomed

    absolute, arrived, relative, set_home, home, at_home, zoomed = run(main())
    assert absolute.moving and relative.moving
    assert arrived.position == PtzPosition(9.0, 0.0, 1.2)
    assert set_home.position == PtzPosition(4.5, 2.0, 1.08)
    assert home.moving
    assert at_home.position == PtzPosition(4.5, 2.0, 1.08)
    assert zoomed.moving
    commands = [r.command for r in hub.commands()]
    assert commands == [
        "absolute",
        "relative",
        "set_home",
        "absolute",
        "home",
        "relative",
    ]
    assert hub.commands()[1].body == {"pan": -4.5, "tilt": 2.0, "zoom_factor": 0.9}
    assert hub.commands()[0].body == {"pan": 9.0, "zoom": 1.2}


def test_presets_from_save_to_delete(hub):
    async def main() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client_for(hub.url) as client:
            out["empty"] = await client.ptz_presets(PTZ_CAM)
            await client.ptz_absolute(PTZ_CAM, pan=4.5)
            await asyncio.sleep(0.1)
            out["gate"] = await client.ptz_save_preset(PTZ_CAM, "Gate")
            out["dock"] = await client.ptz_save_preset(PTZ_CAM, "Dock")
            with pytest.raises(HubHttpError) as dup:
                await client.ptz_save_preset(PTZ_CAM, "gate")
            out["dup"] = dup.value
            out["renamed"] = await client.ptz_rename_preset(PTZ_CAM, out["dock"].id, "Quay")
            await client.ptz_absolute(PTZ_CAM, pan=-20.0)
            out["goto"] = await client.ptz_goto_preset(PTZ_CAM, out["gate"].id)
            await client.ptz_delete_preset(PTZ_CAM, out["dock"].id)
            out["left"] = await client.ptz_presets(PTZ_CAM)
            with pytest.raises(HubNotFound) as gone:
                await client.ptz_goto_preset(PTZ_CAM, out["dock"].id)
            out["gone"] = gone.value
        return out

    out = run(main())
    assert out["empty"] == []
    gate = out["gate"]
    assert gate.name == "Gate" and gate.id and gate.position.pan == pytest.approx(4.5)
    assert out["dup"].status == 409 and out["dup"].code == "conflict"
    assert "exists already" in out["dup"].operator_message
    assert out["renamed"].name == "Quay" and out["renamed"].id == out["dock"].id
    assert out["goto"].moving
    assert out["left"] == [gate]
    assert out["gone"].status == 404


def test_tours_from_save_to_delete(hub):
    async def main() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client_for(hub.url) as client:
            out["empty"] = await client.ptz_tours(PTZ_CAM)
            gate = await client.ptz_save_preset(PTZ_CAM, "Gate")
            await client.ptz_absolute(PTZ_CAM, pan=2.0)
            await asyncio.sleep(0.05)
            dock = await client.ptz_save_preset(PTZ_CAM, "Dock")
            steps = [PtzTourStep(gate.id, 1.0), PtzTourStep(dock.id, 2.5)]
            out["tour"] = tour = await client.ptz_save_tour(PTZ_CAM, "Night", steps)
            out["updated"] = await client.ptz_save_tour(
                PTZ_CAM, "Night shift", steps[::-1], tour_id=tour.id
            )
            with pytest.raises(HubHttpError) as bad:
                await client.ptz_save_tour(PTZ_CAM, "Bad", [PtzTourStep("nope", 5.0)])
            out["bad"] = bad.value
            out["started"] = await client.ptz_start_tour(PTZ_CAM, tour.id)
            out["running"] = await client.ptz_tours(PTZ_CAM)
            with pytest.raises(HubHttpError) as in_use:
                await client.ptz_delete_preset(PTZ_CAM, gate.id)
            out["in_use"] = in_use.value
            out["stopped"] = await client.ptz_stop_tour(PTZ_CAM, tour.id)
            await client.ptz_delete_tour(PTZ_CAM, tour.id)
            out["left"] = await client.ptz_tours(PTZ_CAM)
        return out

    out = run(main())
    assert out["empty"] == []
    tour = out["tour"]
    assert tour.name == "Night" and not tour.running and len(tour.steps) == 2
    assert tour.steps[1].dwell_s == 2.5
    assert out["updated"].id == tour.id and out["updated"].name == "Night shift"
    assert out["updated"].steps[0] == tour.steps[1]
    assert out["bad"].status == 400
    assert out["started"].tour_id == tour.id
    assert out["started"].lock is not None and out["started"].lock.operator == "ana"
    assert [t.running for t in out["running"]] == [True]
    assert out["in_use"].status == 409 and out["in_use"].code == "conflict"
    assert out["stopped"].tour_id is None
    assert out["left"] == []
    assert hub.commands()[-1].body == {}


def test_locks_between_operators(hub):
    async def main() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client_for(hub.url, "ana") as ana, client_for(hub.url, "bob") as bob:
            out["ana_lock"] = await ana.ptz_lock(PTZ_CAM)
            with pytest.raises(HubPtzLocked) as refused:
                await bob.ptz_move(PTZ_CAM, 0.5, 0.0, 0.0)
            out["refused"] = refused.value
            with pytest.raises(HubPtzLocked):
                await bob.ptz_unlock(PTZ_CAM)
            out["status"] = await bob.ptz_status(PTZ_CAM)  # reading needs no lock
            out["takeover"] = await bob.ptz_lock(PTZ_CAM, priority=50)
            with pytest.raises(HubPtzLocked) as ana_refused:
                await ana.ptz_stop(PTZ_CAM)
            out["ana_refused"] = ana_refused.value
            await bob.ptz_unlock(PTZ_CAM)
            out["free"] = await ana.ptz_status(PTZ_CAM)
        return out

    out = run(main())
    lock = out["ana_lock"]
    assert lock.operator == "ana" and lock.priority == 0 and lock.idle_release_s == 5.0
    assert lock.since.tzinfo is not None
    refused = out["refused"]
    assert refused.status == 409 and refused.code == "ptz_locked"
    assert refused.lock == lock
    local = lock.since.astimezone().strftime("%H:%M")
    assert refused.operator_message == f"PTZ is held by {isolate('ana')} since {local}."
    assert "ana" in refused.server_message
    assert out["status"].lock == lock
    assert out["takeover"].operator == "bob" and out["takeover"].priority == 50
    assert out["ana_refused"].lock.operator == "bob"
    assert out["free"].lock is None


def test_the_ptz_lock_event_reaches_the_event_channel(hub):
    async def main() -> list[HubEvent]:
        seen: list[HubEvent] = []
        async with client_for(hub.url) as client:
            events = client.events(since=0)

            async def read() -> None:
                async for event in events:
                    seen.append(event)
                    if event.type == EVENT_PTZ_PRESETS:
                        return

            reader = asyncio.ensure_future(read())
            await client.ptz_lock(PTZ_CAM)
            await client.ptz_save_preset(PTZ_CAM, "Gate")
            await asyncio.wait_for(reader, 5)
            await events.aclose()  # type: ignore[attr-defined]
        return seen

    seen = run(main())
    lock_event = next(e for e in seen if e.type == EVENT_PTZ_LOCK)
    assert lock_event.camera_id == PTZ_CAM
    lock = parse_ptz_lock(lock_event.data["lock"])
    assert lock is not None and lock.operator == "ana"
    presets = parse_ptz_presets(seen[-1].data["presets"])
    assert [p.name for p in presets] == ["Gate"]


def test_refusals_are_typed(hub):
    async def main() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client_for(hub.url) as client, client_for(hub.url, None) as anonymous:
            for key, call in {
                "not_supported": client.ptz_move(FIXED_CAM, 0.5, 0.0, 0.0),
                "not_supported_read": client.ptz_status(FIXED_CAM),
                "unknown_camera": client.ptz_status("cam-99"),
                "no_operator": anonymous.ptz_move(PTZ_CAM, 0.5, 0.0, 0.0),
                "out_of_range": client.ptz_absolute(PTZ_CAM, pan=400.0),
                "bad_preset": client.ptz_goto_preset(PTZ_CAM, "p-none"),
            }.items():
                try:
                    await call
                except HubHttpError as exc:
                    out[key] = exc
        return out

    out = run(main())
    assert isinstance(out["not_supported"], HubNotSupported)
    assert out["not_supported"].operator_message == "This camera cannot do that."
    assert isinstance(out["not_supported_read"], HubNotSupported)
    assert isinstance(out["unknown_camera"], HubNotFound)
    no_operator = out["no_operator"]
    assert no_operator.code == "operator_required" and "operator name" in (
        no_operator.operator_message
    )
    assert out["out_of_range"].code == "out_of_range" and "pan" in out["out_of_range"].message
    assert isinstance(out["bad_preset"], HubNotFound)


# serial: the stop must reach the hub within 100 ms (not under others' load)
@pytest.mark.serial
def test_a_stop_is_not_queued_behind_slow_requests(hub_factory_slow):
    """With many slow commands in flight the stop still reaches the hub at once."""
    hub = hub_factory_slow

    async def main() -> float:
        async with client_for(hub.url) as client:
            slow = [
                asyncio.ensure_future(client.ptz_absolute(PTZ_CAM, pan=float(i)))
                for i in range(MAX_CONNECTIONS + 5)
            ]
            await asyncio.sleep(0.2)  # all of them are waiting for their answers now
            sent = time.monotonic()
            await client.ptz_stop(PTZ_CAM, seq=1)
            await asyncio.gather(*slow)
            stop = next(r for r in hub.commands() if r.command == "stop")
            return stop.received - sent

    delay = run(main())
    assert delay < 0.1


@pytest.fixture
def hub_factory_slow() -> Iterator[HubThread]:
    thread = HubThread(ptz_answer_delay_s=1.0)
    try:
        yield thread
    finally:
        thread.close()
