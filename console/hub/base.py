"""The seam: the one interface the console uses to talk to any hub.

A driver subclasses `HubClient` (live video and events, which every hub has) and whichever
facets of `console.hub.facets` its hub offers (PTZ, alerts, recordings), turns its vendor's
payloads into `console.hub.models` and its vendor's failures into `console.hub.errors`, and
registers a factory in `console.hub.registry`. Everything above this line is vendor-free.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from console.hub.audit_facet import AuditFacet
from console.hub.consent_facet import ConsentFacet
from console.hub.facets import AlertsFacet, BookmarksFacet, PtzFacet, RecordingsFacet
from console.hub.identity import SessionFacet
from console.hub.models import (
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    StreamEndpoint,
)
from console.hub.subscription import EventSubscription

if TYPE_CHECKING:
    from console.hub.retry import Backoff


class HubClient(ABC):
    """Async client of one hub. Use it as `async with client:` or call `close()`."""

    @abstractmethod
    async def info(self) -> HubInfo:
        """Who the hub is. Raises HubProtocolError for an API version this console lacks."""

    @abstractmethod
    async def cameras(self) -> list[Camera]:
        """The cameras the hub offers that this console can read, in the hub's order (an
        unreadable entry is left out; `camera_list()` says which and why)."""

    async def camera_list(self, limit: int | None = None) -> CameraList:
        """The hub's cameras as far as they could be read: at most `limit` (None: all) readable
        ones, and each unreadable entry with its position and the reason (`CameraList`). The
        console uses this, so the operator is told which cameras are missing and why.

        Not abstract: a driver whose `cameras()` cannot tell entries apart inherits this, which
        reports nothing rejected.
        """
        cameras = await self.cameras()
        kept = cameras if limit is None else cameras[:limit]
        return CameraList(tuple(kept), (), len(cameras), len(cameras) - len(kept))

    @abstractmethod
    async def camera(self, camera_id: str) -> Camera:
        """One camera; HubNotFound when the hub does not know it."""

    @abstractmethod
    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        """Where to play `profile` of `camera_id`; HubNotFound for an unknown camera/profile."""

    @abstractmethod
    def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        """One connection to the event channel, as typed events.

        With `since`, retained events with a larger seq come first. With `types`, only events
        of those types (and `hub.hello`) are delivered: the hub is asked to send only those, and
        whatever else arrives is dropped before it is parsed. Heartbeats and event types
        this console does not know are skipped. Ends by raising a HubError (HubConnectionLost
        when the channel drops); use `resilient_events()` for a stream that reconnects.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release connections. Idempotent."""

    # -- facets: what the hub can do beyond live video and events. None when the driver does
    # not offer it: ask before offering a feature, rather than catching "not supported" from
    # every call. (Properties, not one generic lookup: mypy refuses an abstract class as a
    # `type[T]` argument.)

    @property
    def ptz_facet(self) -> PtzFacet | None:
        return self if isinstance(self, PtzFacet) else None

    @property
    def alerts_facet(self) -> AlertsFacet | None:
        return self if isinstance(self, AlertsFacet) else None

    @property
    def recordings_facet(self) -> RecordingsFacet | None:
        return self if isinstance(self, RecordingsFacet) else None

    @property
    def bookmarks_facet(self) -> BookmarksFacet | None:
        return self if isinstance(self, BookmarksFacet) else None

    @property
    def audit_facet(self) -> AuditFacet | None:
        """The hub's tamper-evident audit log (issue 17), where the driver has one."""
        return self if isinstance(self, AuditFacet) else None

    @property
    def consent_facet(self) -> ConsentFacet | None:
        """Access requests to private cameras (issue 18), where the driver has them."""
        return self if isinstance(self, ConsentFacet) else None

    @property
    def session_facet(self) -> SessionFacet | None:
        """Sign-in, where the driver's hubs can ask for it (whether this hub does: `info()`)."""
        return self if isinstance(self, SessionFacet) else None

    def resilient_events(
        self,
        since: int | None = None,
        *,
        types: frozenset[str] | None = None,
        backoff: Backoff | None = None,
    ) -> EventSubscription:
        """Events that survive drops: reconnects with backoff, resumes after the last seq.
        `types` as in `events()`."""
        return EventSubscription(self, since=since, types=types, backoff=backoff)

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
