"""The seam: the one interface the console uses to talk to any hub.

A driver subclasses `HubClient`, turns its vendor's payloads into `console.hub.models` and its
vendor's failures into `console.hub.errors`, and registers a factory in `console.hub.registry`.
Everything above this line is vendor-free.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from console.hub.models import Camera, HubEvent, HubInfo, StreamEndpoint

if TYPE_CHECKING:
    from console.hub.retry import Backoff
    from console.hub.subscription import EventSubscription


class HubClient(ABC):
    """Async client of one hub. Use it as `async with client:` or call `close()`."""

    @abstractmethod
    async def info(self) -> HubInfo:
        """Who the hub is. Raises HubProtocolError for an API version this console lacks."""

    @abstractmethod
    async def cameras(self) -> list[Camera]:
        """All cameras the hub offers, in the hub's order."""

    @abstractmethod
    async def camera(self, camera_id: str) -> Camera:
        """One camera; HubNotFound when the hub does not know it."""

    @abstractmethod
    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        """Where to play `profile` of `camera_id`; HubNotFound for an unknown camera/profile."""

    @abstractmethod
    def events(self, since: int | None = None) -> AsyncIterator[HubEvent]:
        """One connection to the event channel, as typed events.

        With `since`, retained events with a larger seq come first. Heartbeats and event types
        this console does not know are skipped. Ends by raising a HubError (HubConnectionLost
        when the channel drops); use `resilient_events()` for a stream that reconnects.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release connections. Idempotent."""

    def resilient_events(
        self, since: int | None = None, *, backoff: Backoff | None = None
    ) -> EventSubscription:
        """Events that survive drops: reconnects with backoff, resumes after the last seq."""
        from console.hub.subscription import EventSubscription

        return EventSubscription(self, since=since, backoff=backoff)

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
