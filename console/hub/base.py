"""The seam: the one interface the console uses to talk to any hub.

A driver subclasses `HubClient`, turns its vendor's payloads into `console.hub.models` and its
vendor's failures into `console.hub.errors`, and registers a factory in `console.hub.registry`.
Everything above this line is vendor-free.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn

from console.hub.errors import HubNotSupported
from console.hub.models import (
    Alert,
    AlertBox,
    AlertKind,
    AlertPriority,
    AlertSnapshot,
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    PlaybackEndpoint,
    PtzLock,
    PtzPreset,
    PtzStatus,
    PtzTour,
    PtzTourStep,
    Recordings,
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

    # -- PTZ (docs/hub-api.md "PTZ"). Not abstract: a driver without PTZ inherits these, which
    # raise HubNotSupported. Commands that move or change something need an operator name
    # (HubConfig.operator); another operator's lock raises HubPtzLocked.

    def _ptz_unsupported(self, what: str) -> NoReturn:
        raise HubNotSupported(message=f"{type(self).__name__} has no PTZ ({what})")

    # -- alerts (docs/hub-api.md "Alerts and alarms"). Not abstract: a driver without alerts
    # raises HubNotSupported; its event channel simply never carries `alert` events.

    async def alerts(self, *, include_closed: bool = False) -> AlertSnapshot:
        """The hub's alerts that are not closed (all with `include_closed`), and its seq."""
        raise HubNotSupported(message=f"{type(self).__name__} has no alerts")

    async def alert(self, alert_id: str) -> Alert:
        raise HubNotSupported(message=f"{type(self).__name__} has no alerts")

    async def raise_alert(
        self,
        kind: AlertKind,
        camera_id: str,
        priority: AlertPriority,
        *,
        label: str | None = None,
        box: AlertBox | None = None,
        plate: str | None = None,
        message: str | None = None,
        duration_s: float | None = None,
    ) -> Alert:
        """Raise an alert at the hub now (a manual alarm, a test)."""
        raise HubNotSupported(message=f"{type(self).__name__} cannot raise alerts")

    async def acknowledge_alert(self, alert_id: str, note: str = "") -> Alert:
        """Acknowledge as this console's operator; every console sees it through the events."""
        raise HubNotSupported(message=f"{type(self).__name__} has no alerts")

    async def close_alert(self, alert_id: str, note: str = "") -> Alert:
        raise HubNotSupported(message=f"{type(self).__name__} has no alerts")

    # -- recordings (docs/hub-api.md "Recordings"). Not abstract: a driver without recordings
    # raises HubNotSupported. Ask only for cameras with `Camera.has_recordings`.

    async def recordings(
        self, camera_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> Recordings:
        """What the hub has recorded of `camera_id`: the spans that overlap [start, end] (aware
        times; None: open-ended). HubNotSupported for a camera that is not recorded."""
        raise HubNotSupported(
            message=f"{type(self).__name__} has no recordings",
            operator_message="This video hub keeps no recordings.",
        )

    async def playback(self, camera_id: str, profile: str, start: datetime) -> PlaybackEndpoint:
        """Where to play `profile` of `camera_id` from the recorded moment `start` (aware).

        Ask for a new endpoint for every playback; its url is not meant to be kept. Raises
        HubNotSupported for a camera that is not recorded, HubHttpError `out_of_range` when
        `start` is not recorded and a retryable HubHttpError (503 `unavailable`) when the hub
        plays as many recordings as it can.
        """
        raise HubNotSupported(
            message=f"{type(self).__name__} has no recordings",
            operator_message="This video hub keeps no recordings.",
        )

    async def ptz_status(self, camera_id: str) -> PtzStatus:
        """Where the camera points, whether it moves, who holds its lock, which tour runs."""
        self._ptz_unsupported("status")

    async def ptz_move(
        self,
        camera_id: str,
        pan: float,
        tilt: float,
        zoom: float,
        *,
        timeout_ms: int = 1000,
        seq: int | None = None,
    ) -> PtzStatus:
        """Continuous move at speeds in [-1, 1] until another command or `timeout_ms` passes.

        `seq`: the client's own increasing command counter; the hub ignores a move or stop
        whose seq is not larger than the last one it applied (the status says `ignored`).
        """
        self._ptz_unsupported("move")

    async def ptz_stop(self, camera_id: str, *, seq: int | None = None) -> PtzStatus:
        """Stop every axis. Never waits behind another request of this client."""
        self._ptz_unsupported("stop")

    async def ptz_prepare_stop(self, camera_id: str) -> None:
        """Make the path a stop of `camera_id` takes ready now, so it costs no set-up later.

        Called when steering starts. A driver whose stop opens a connection of its own opens
        it here; the default does nothing. Never raises: a stop still works without it.
        """
        return None

    async def ptz_absolute(
        self,
        camera_id: str,
        pan: float | None = None,
        tilt: float | None = None,
        zoom: float | None = None,
    ) -> PtzStatus:
        """Move to a position (None: keep that axis)."""
        self._ptz_unsupported("absolute")

    async def ptz_relative(
        self, camera_id: str, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> PtzStatus:
        """Move by `pan`/`tilt` degrees and multiply the zoom by `zoom_factor`."""
        self._ptz_unsupported("relative")

    async def ptz_home(self, camera_id: str) -> PtzStatus:
        """Move to the home position."""
        self._ptz_unsupported("home")

    async def ptz_set_home(self, camera_id: str) -> PtzStatus:
        """Make the current position the home position."""
        self._ptz_unsupported("set home")

    async def ptz_presets(self, camera_id: str) -> list[PtzPreset]:
        self._ptz_unsupported("presets")

    async def ptz_save_preset(self, camera_id: str, name: str) -> PtzPreset:
        """Save the current position as a new preset called `name`."""
        self._ptz_unsupported("save preset")

    async def ptz_rename_preset(self, camera_id: str, preset_id: str, name: str) -> PtzPreset:
        self._ptz_unsupported("rename preset")

    async def ptz_delete_preset(self, camera_id: str, preset_id: str) -> None:
        self._ptz_unsupported("delete preset")

    async def ptz_goto_preset(self, camera_id: str, preset_id: str) -> PtzStatus:
        self._ptz_unsupported("go to preset")

    async def ptz_tours(self, camera_id: str) -> list[PtzTour]:
        self._ptz_unsupported("tours")

    async def ptz_save_tour(
        self,
        camera_id: str,
        name: str,
        steps: Sequence[PtzTourStep],
        *,
        tour_id: str | None = None,
    ) -> PtzTour:
        """Create a tour, or replace tour `tour_id`."""
        self._ptz_unsupported("save tour")

    async def ptz_delete_tour(self, camera_id: str, tour_id: str) -> None:
        self._ptz_unsupported("delete tour")

    async def ptz_start_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        self._ptz_unsupported("start tour")

    async def ptz_stop_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        self._ptz_unsupported("stop tour")

    async def ptz_lock(self, camera_id: str, priority: int = 0) -> PtzLock:
        """Take or refresh this operator's lock (priority 0..100, higher takes over)."""
        self._ptz_unsupported("lock")

    async def ptz_unlock(self, camera_id: str) -> None:
        """Release this operator's lock."""
        self._ptz_unsupported("unlock")

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
