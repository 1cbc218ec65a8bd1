"""Private cameras through `MultiSourceClient` over two real demo hubs: an access request goes to
the camera's own hub, and its grant comes back under the qualified id."""

from __future__ import annotations

import asyncio

import pytest

from console.hub.errors import HubPrivateCamera
from console.hub.registry import HubConfig, create_client
from console.sources.multi import MultiSourceClient


def test_an_access_request_goes_to_the_cameras_own_source(hub_factory):
    north, south = hub_factory(camera_count=2), hub_factory(camera_count=2, private_cameras=True)

    async def scenario() -> None:
        client = MultiSourceClient(
            {
                "north": create_client(HubConfig(url=north.url, operator="ana")),
                "south": create_client(HubConfig(url=south.url, operator="ana")),
            }
        )
        async with client:
            assert client.consent_facet is client
            listed = {c.id: c for c in (await client.camera_list()).cameras}
            door = listed["south/doorbell-14"]
            assert door.sharing is not None and door.sharing.tier == "on_request"
            with pytest.raises(HubPrivateCamera):
                await client.stream("south/doorbell-14", "sub")
            grant = await client.request_private_access("south/doorbell-14", "a reason", "C-1")
            assert grant.camera_id == "south/doorbell-14"
            assert (await client.stream("south/doorbell-14", "sub")).url
            grants = await client.private_access_grants()
            assert [g.camera_id for g in grants] == ["south/doorbell-14"]

    asyncio.run(scenario())
