"""What a hub can do beyond live video and events, one facet each: PTZ, alerts, recordings,
bookmarks.

A driver offers a facet by inheriting it (`class MyClient(HubClient, PtzFacet)`) and
implementing its methods; the console asks `client.ptz_facet` and gets the driver, or None
when the driver has no such facet. So a feature whose facet is missing is not offered at all,
instead of every call failing with "not supported". What a hub refuses for one camera (a camera
that is not recorded, a preset it lacks) is still an error of that call (`console.hub.errors`).
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime

from console.hub.models import (
    Alert,
    AlertBox,
    AlertHistory,
    AlertKind,
    AlertPriority,
    AlertSnapshot,
    Bookmark,
    BookmarkList,
    BookmarkQuery,
    PlaybackEndpoint,
    PtzLock,
    PtzPreset,
    PtzStatus,
    PtzTour,
    PtzTourStep,
    Recordings,
    RecordingsSearch,
)

# The most alerts one history request asks for (the contract's limit).
MAX_HISTORY_LIMIT = 1000

__all__ = ["MAX_HISTORY_LIMIT", "AlertsFacet", "BookmarksFacet", "PtzFacet", "RecordingsFacet"]


class PtzFacet(ABC):
    """Pan, tilt and zoom (docs/hub-api.md "PTZ"). Commands that move or change something need
    an operator name (HubConfig.operator); another operator's lock raises HubPtzLocked; a
    camera that cannot do a command raises HubNotSupported."""

    @abstractmethod
    async def ptz_status(self, camera_id: str) -> PtzStatus:
        """Where the camera points, whether it moves, who holds its lock, which tour runs."""

    @abstractmethod
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

    @abstractmethod
    async def ptz_stop(self, camera_id: str, *, seq: int | None = None) -> PtzStatus:
        """Stop every axis. Never waits behind another request of this client."""

    async def ptz_prepare_stop(self, camera_id: str) -> None:
        """Make the path a stop of `camera_id` takes ready now, so it costs no set-up later.

        Called when steering starts. A driver whose stop opens a connection of its own opens
        it here; the default does nothing. Never raises: a stop still works without it.
        """
        return None

    @abstractmethod
    async def ptz_absolute(
        self,
        camera_id: str,
        pan: float | None = None,
        tilt: float | None = None,
        zoom: float | None = None,
    ) -> PtzStatus:
        """Move to a position (None: keep that axis)."""

    @abstractmethod
    async def ptz_relative(
        self, camera_id: str, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> PtzStatus:
        """Move by `pan`/`tilt` degrees and multiply the zoom by `zoom_factor`."""

    @abstractmethod
    async def ptz_home(self, camera_id: str) -> PtzStatus:
        """Move to the home position."""

    @abstractmethod
    async def ptz_set_home(self, camera_id: str) -> PtzStatus:
        """Make the current position the home position."""

    @abstractmethod
    async def ptz_presets(self, camera_id: str) -> list[PtzPreset]: ...

    @abstractmethod
    async def ptz_save_preset(self, camera_id: str, name: str) -> PtzPreset:
        """Save the current position as a new preset called `name`."""

    @abstractmethod
    async def ptz_rename_preset(self, camera_id: str, preset_id: str, name: str) -> PtzPreset: ...

    @abstractmethod
    async def ptz_delete_preset(self, camera_id: str, preset_id: str) -> None: ...

    @abstractmethod
    async def ptz_goto_preset(self, camera_id: str, preset_id: str) -> PtzStatus: ...

    @abstractmethod
    async def ptz_tours(self, camera_id: str) -> list[PtzTour]: ...

    @abstractmethod
    async def ptz_save_tour(
        self,
        camera_id: str,
        name: str,
        steps: Sequence[PtzTourStep],
        *,
        tour_id: str | None = None,
    ) -> PtzTour:
        """Create a tour, or replace tour `tour_id`."""

    @abstractmethod
    async def ptz_delete_tour(self, camera_id: str, tour_id: str) -> None: ...

    @abstractmethod
    async def ptz_start_tour(self, camera_id: str, tour_id: str) -> PtzStatus: ...

    @abstractmethod
    async def ptz_stop_tour(self, camera_id: str, tour_id: str) -> PtzStatus: ...

    @abstractmethod
    async def ptz_lock(self, camera_id: str, priority: int = 0) -> PtzLock:
        """Take or refresh this operator's lock (priority 0..100, higher takes over)."""

    @abstractmethod
    async def ptz_unlock(self, camera_id: str) -> None:
        """Release this operator's lock."""


class AlertsFacet(ABC):
    """The hub's alerts and alarms (docs/hub-api.md "Alerts and alarms"). Changes arrive on the
    event channel as `alert` events."""

    @abstractmethod
    async def alerts(self, *, include_closed: bool = False) -> AlertSnapshot:
        """The hub's alerts that are not closed (all with `include_closed`), and its seq."""

    @abstractmethod
    async def alert(self, alert_id: str) -> Alert: ...

    @abstractmethod
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

    @abstractmethod
    async def acknowledge_alert(self, alert_id: str, note: str = "") -> Alert:
        """Acknowledge as this console's operator; every console sees it through the events."""

    @abstractmethod
    async def close_alert(self, alert_id: str, note: str = "") -> Alert: ...


class RecordingsFacet(ABC):
    """Recorded video (docs/hub-api.md "Recordings"). Ask only for cameras with
    `Camera.has_recordings`; HubNotSupported for a camera that is not recorded."""

    @abstractmethod
    async def recordings(
        self, camera_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> Recordings:
        """What the hub has recorded of `camera_id`: the spans that overlap [start, end] (aware
        times; None: open-ended). HubNotSupported for a camera that is not recorded."""

    @abstractmethod
    async def recordings_search(
        self,
        camera_ids: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> RecordingsSearch:
        """What the hub has recorded of each of `camera_ids` over [start, end] (aware; None:
        open-ended), in one go: each recorded camera's spans (with the gaps between them) in
        the order asked, and the cameras that are not recorded. HubNotFound for an unknown
        camera."""

    @abstractmethod
    async def event_history(
        self,
        start: datetime,
        end: datetime,
        camera_ids: Sequence[str] | None = None,
        kinds: Sequence[AlertKind] | None = None,
        limit: int = 100,
    ) -> AlertHistory:
        """The alerts of [start, end] (aware): those active in it or acknowledged or closed in
        it, with who handled them, when and with what note, oldest first, at most `limit`
        (1..MAX_HISTORY_LIMIT; `more` says there were more). `camera_ids`, `kinds`: only
        these (None: all)."""

    @abstractmethod
    async def playback(
        self,
        camera_id: str,
        profile: str,
        start: datetime,
        *,
        speed: float = 1.0,
        reverse: bool = False,
        intra_only: bool = False,
        reason: Mapping[str, str] | None = None,
    ) -> PlaybackEndpoint:
        """Where to play `profile` of `camera_id` from the recorded moment `start` (aware), at
        `speed` recorded seconds per second (models.PLAYBACK_SPEEDS: 1/8 to 16; ValueError
        otherwise), backwards when `reverse`, with key frames only when `intra_only` (a fast
        scan). The stream ends where its recorded span ends (a gap, the present, or in reverse
        the span's start). `reason`: why the operator plays back (case, reason, words), sent
        with the request; a hub that requires one refuses without it (403 `reason_required`).

        Ask for a new endpoint for every playback; its url is not meant to be kept. Raises
        HubNotSupported for a camera that is not recorded or a hub that cannot play that way,
        HubHttpError `out_of_range` when `start` is not recorded and a retryable HubHttpError
        (503 `unavailable`) when the hub plays as many recordings as it can.
        """


class BookmarksFacet(ABC):
    """Bookmarks of moments (docs/hub-api.md "Bookmarks"). Changes arrive on the event channel
    as `bookmark` events. Ids are the client's own (`new_bookmark_id`), so writing a bookmark
    again, after a crash or a lost answer, never makes a second one."""

    def new_bookmark_id(self, camera_id: str) -> str:
        """A fresh id for a bookmark of `camera_id` (no I/O; a random UUID unless a driver must
        route by it, as the multi-source client does)."""
        return uuid.uuid4().hex

    @abstractmethod
    async def bookmarks(self, query: BookmarkQuery | None = None) -> BookmarkList:
        """The hub's bookmarks that match `query` (all without one), by start."""

    @abstractmethod
    async def bookmark(self, bookmark_id: str) -> Bookmark:
        """One bookmark; HubNotFound when the hub does not know it."""

    @abstractmethod
    async def save_bookmark(self, bookmark: Bookmark, *, revision: int | None = None) -> Bookmark:
        """Create or replace `bookmark.id` with its camera, span, name, description and tags
        (`protected`, `created` and `revision` of `bookmark` are not sent). Safe to repeat.

        `revision`: None replaces whatever is there; 0 creates only; N replaces only while the
        hub's revision is N (HubHttpError `conflict` otherwise). A deleted id raises HubHttpError
        410 `gone`."""

    @abstractmethod
    async def delete_bookmark(self, bookmark_id: str) -> None:
        """Delete it (also done when it was deleted before); HubNotFound for an unknown id."""

    @abstractmethod
    async def protect_bookmark(self, bookmark_id: str, protected: bool = True) -> Bookmark:
        """Keep the footage of its span from deletion (or lift that); HubNotSupported for a
        camera that is not recorded."""
