"""`MultiSourceClient` over two real demo hubs on real sockets: ids qualified by source, calls
routed to the right hub, events merged, and one source down touching only its own cameras."""

from __future__ import annotations

import asyncio
import socket

from console.hub.errors import HubNotFound
from console.hub.models import EVENT_ALERT, AlertKind, AlertPriority
from console.hub.registry import HubConfig, create_client
from console.sources.multi import MultiSourceClient


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(urls: dict[str, str]) -> MultiSourceClient:
    return MultiSourceClient(
        {name: create_client(HubConfig(url=url, operator="tester")) for name, url in urls.items()},
        {name: f"{name.title()} site" for name in urls},
    )


def test_cameras_are_qualified_by_source_and_calls_go_to_their_source(hub_factory):
    north, south = hub_factory(), hub_factory(camera_count=3)

    async def scenario() -> None:
        client = _client({"north": north.url, "south": south.url})
        async with client:
            listed = await client.camera_list()
            ids = [c.id for c in listed.cameras]
            assert "north/cam-01" in ids and "south/cam-01" in ids
            assert len([i for i in ids if i.startswith("south/")]) == 3
            assert {c.source for c in listed.cameras} == {"North site", "South site"}
            endpoint = await client.stream("south/cam-02", "sub")
            assert endpoint.camera_id == "south/cam-02"
            assert str(south.port) in endpoint.url
            # An id without a source is the first source's (layouts saved with one hub).
            assert (await client.camera("cam-01")).id == "north/cam-01"
            try:
                await client.camera("south/no-such-camera")
            except HubNotFound:
                pass
            else:
                raise AssertionError("an unknown camera must be HubNotFound")

    asyncio.run(scenario())


def test_a_source_that_is_down_costs_only_its_own_cameras(hub_factory):
    live = hub_factory(camera_count=2)
    dead_url = f"http://127.0.0.1:{_free_port()}"

    async def scenario() -> None:
        client = MultiSourceClient(
            {
                "live": create_client(HubConfig(url=live.url, timeout_s=2.0)),
                "dead": create_client(HubConfig(url=dead_url, timeout_s=1.0)),
            }
        )
        async with client:
            listed = await client.camera_list()
            assert [c.id for c in listed.cameras] == ["live/cam-01", "live/cam-02"]
            assert len(listed.rejected) == 1
            assert "did not answer" in listed.rejected[0].reason
            assert (await client.info()).name == "2 sources"  # one answers: reachable

    asyncio.run(scenario())


def test_alerts_of_every_source_arrive_on_one_channel_and_are_acted_on_at_their_source(
    hub_factory,
):
    north, south = hub_factory(), hub_factory()

    async def scenario() -> None:
        client = _client({"north": north.url, "south": south.url})
        async with client:
            snapshot = await client.alerts()
            assert snapshot.alerts == ()
            subscription = client.resilient_events(types=frozenset({EVENT_ALERT}))
            seen: list[str] = []

            async def read() -> None:
                async for event in subscription:
                    assert event.alert is not None
                    seen.append(event.alert.id)
                    if len(seen) == 2:
                        return

            reader = asyncio.ensure_future(read())
            await asyncio.sleep(0.5)  # both channels connected
            a = await client.raise_alert(AlertKind.MOTION, "north/cam-01", AlertPriority.HIGH)
            b = await client.raise_alert(AlertKind.MOTION, "south/cam-02", AlertPriority.LOW)
            assert a.id.startswith("north/") and a.camera_id == "north/cam-01"
            assert b.id.startswith("south/") and b.camera_id == "south/cam-02"
            await asyncio.wait_for(reader, 10)
            assert sorted(seen) == sorted([a.id, b.id])
            acked = await client.acknowledge_alert(b.id)
            assert acked.id == b.id and acked.acknowledged is not None
            status, body = south.get_json("/api/v1/alerts")
            assert status == 200
            assert any(x["acknowledged"] for x in body["alerts"])
            _, north_body = north.get_json("/api/v1/alerts")
            assert not any(x["acknowledged"] for x in north_body["alerts"])

    asyncio.run(scenario())


def test_ptz_goes_to_the_source_of_the_camera(hub_factory):
    north, south = hub_factory(), hub_factory()

    async def scenario() -> None:
        client = _client({"north": north.url, "south": south.url})
        async with client:
            assert client.ptz_facet is client
            await client.ptz_lock("south/cam-08")
            await client.ptz_home("south/cam-08")
        assert south.commands()
        assert not north.commands()

    asyncio.run(scenario())
