"""`MultiSourceClient` routes the recorded-video calls of issue 16 (recordings search, alert
history, playback at a speed) to the source of each `source/camera` id, over real demo hubs on
real sockets, and merges the answers; a source that is down costs only its own cameras."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from console.hub.errors import HubError
from console.hub.models import AlertKind, AlertPriority
from console.hub.registry import HubConfig, create_client
from console.sources.multi import MultiSourceClient
from tests.support.minimal_client import MinimalClient


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(urls: dict[str, str], timeout_s: float = 5.0) -> MultiSourceClient:
    return MultiSourceClient(
        {
            name: create_client(HubConfig(url=url, operator="tester", timeout_s=timeout_s))
            for name, url in urls.items()
        }
    )


def test_a_search_asks_each_source_for_its_own_cameras_in_the_order_asked(hub_factory):
    north, south = hub_factory(), hub_factory(recorded_since=time.time() - 1300)

    async def scenario() -> None:
        async with _client({"north": north.url, "south": south.url}) as client:
            search = await client.recordings_search(
                ["north/cam-03", "south/cam-10", "south/cam-08", "cam-01", "north/cam-03"]
            )
            assert [r.camera_id for r in search.recordings] == [
                "north/cam-03",
                "south/cam-10",
                "north/cam-01",  # an id without a source is the first source's
            ]
            assert search.not_recorded == ("south/cam-08",) and search.rejected == ()
            south10 = search.of("south/cam-10")
            assert south10 is not None and len(south10.spans) >= 3  # south's gaps
            north03 = search.of("north/cam-03")
            assert north03 is not None and len(north03.spans) == 1

    asyncio.run(scenario())


def test_history_merges_every_source_oldest_first_and_playback_goes_to_its_source(hub_factory):
    north, south = hub_factory(), hub_factory(recorded_since=time.time() - 60)

    async def scenario() -> None:
        async with _client({"north": north.url, "south": south.url}) as client:
            first = await client.raise_alert(AlertKind.PANIC, "south/cam-09", AlertPriority.HIGH)
            await asyncio.sleep(0.01)
            second = await client.raise_alert(AlertKind.MOTION, "north/cam-04", AlertPriority.LOW)
            await client.acknowledge_alert(first.id, "on it")
            now = datetime.now(UTC)
            since = now - timedelta(minutes=1)
            history = await client.event_history(since, now)
            assert [a.id for a in history.alerts] == [first.id, second.id]
            assert first.id.startswith("south/") and second.id.startswith("north/")
            assert [a.camera_id for a in history.alerts] == ["south/cam-09", "north/cam-04"]
            assert history.alerts[0].acknowledged is not None
            assert history.alerts[0].acknowledged.note == "on it"
            assert not history.more
            # Only the sources of the cameras named are asked, for their own ids.
            only = await client.event_history(since, now, camera_ids=["north/cam-04"])
            assert [a.id for a in only.alerts] == [second.id]
            # The merged answer is cut to the limit, and says there was more.
            cut = await client.event_history(since, now, limit=1)
            assert [a.id for a in cut.alerts] == [first.id] and cut.more

            moment = datetime.now(UTC) - timedelta(seconds=5)
            endpoint = await client.playback("south/cam-03", "sub", moment, speed=2.0, reverse=True)
            assert endpoint.camera_id == "south/cam-03"
            assert f":{south.port}/" in endpoint.url
            assert (endpoint.speed, endpoint.reverse, endpoint.intra_only) == (2.0, True, False)

    asyncio.run(scenario())


def test_a_source_that_is_down_costs_only_its_own_cameras(hub_factory):
    live = hub_factory()
    dead_url = f"http://127.0.0.1:{_free_port()}"

    async def scenario() -> None:
        async with _client({"live": live.url, "dead": dead_url}, timeout_s=2.0) as client:
            search = await client.recordings_search(["dead/cam-01", "live/cam-01"])
            assert [r.camera_id for r in search.recordings] == ["live/cam-01"]
            [rejected] = search.rejected
            assert (rejected.position, rejected.item_id) == (0, "dead/cam-01")
            assert "source dead did not answer" in rejected.reason
            raised = await client.raise_alert(AlertKind.TAMPER, "live/cam-05", AlertPriority.LOW)
            now = datetime.now(UTC)
            history = await client.event_history(now - timedelta(minutes=1), now)
            assert [a.id for a in history.alerts] == [raised.id]
            with pytest.raises(HubError):  # every source asked failed
                await client.recordings_search(["dead/cam-02"])

    asyncio.run(scenario())


def test_a_source_without_recordings_has_its_cameras_not_recorded(hub_factory):
    hub = hub_factory()

    async def scenario() -> None:
        client = MultiSourceClient(
            {"hub": create_client(HubConfig(url=hub.url)), "plain": MinimalClient()}
        )
        async with client:
            search = await client.recordings_search(["plain/cam-01", "hub/cam-02"])
            assert [r.camera_id for r in search.recordings] == ["hub/cam-02"]
            assert search.not_recorded == ("plain/cam-01",) and search.rejected == ()
            now = datetime.now(UTC)
            # Only sources with recordings are asked for history (none of plain's cameras).
            history = await client.event_history(now - timedelta(minutes=1), now, ["plain/x"])
            assert history.alerts == () and not history.more

    asyncio.run(scenario())
