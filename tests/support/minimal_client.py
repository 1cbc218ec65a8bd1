"""A hub driver that implements only `HubClient`'s abstract methods: what a driver written before
PTZ, alerts or recordings looks like. It is a real subclass, not a fake of anything; tests use
it to check what the base class does for the methods such a driver lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

from console.hub.base import HubClient
from console.hub.models import Camera, HubEvent, HubInfo, StreamEndpoint


class MinimalClient(HubClient):
    """Only the abstract methods: no cameras, no events."""

    async def info(self) -> HubInfo:
        raise NotImplementedError

    async def cameras(self) -> list[Camera]:
        return []

    async def camera(self, camera_id: str) -> Camera:
        raise NotImplementedError

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        raise NotImplementedError

    async def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        if False:
            yield

    async def close(self) -> None:
        pass
