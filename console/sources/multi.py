"""Several sources shown as one hub: `MultiSourceClient`.

The console above the hub seam talks to one `HubClient`. With several sources configured (the
demo hub, Tessera hubs, ONVIF cameras, camera lists), this client is that one: it holds one
client per source and routes every call by the camera (or alert) id, which it qualifies as
`source/id` (`console.sources.model.qualify`). Layouts therefore refer to (source, camera).

What one source does touches only its own cameras:
- a source that does not answer keeps the cameras it listed last (its tiles go NO SIGNAL on
  their own; `camera_list` names it among the unread entries when it never answered);
- alerts and PTZ events of every source come through one merged subscription, renumbered with
  this client's own seq (each source's channel resumes and dedupes on its own numbering);
- PTZ, alerts, recordings and bookmarks go to the source of the camera, alert or bookmark; a
  source without the facet answers "not supported" for its cameras only. Bookmark ids are
  qualified like alert ids (`new_bookmark_id` makes them so), and a search asks every source
  that has bookmarks.

An id without a source part names a camera of the first source, so a layout saved while the
console ran one hub alone still opens.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from console.base.signals import Signal
from console.hub.base import HubClient
from console.hub.consent_facet import AccessGrant, ConsentFacet
from console.hub.errors import HubError, HubNotFound, HubNotSupported
from console.hub.facets import AlertsFacet, BookmarksFacet, PtzFacet, RecordingsFacet
from console.hub.models import (
    EVENT_HUB_HELLO,
    Alert,
    AlertBox,
    AlertHistory,
    AlertKind,
    AlertPriority,
    AlertSnapshot,
    Bookmark,
    BookmarkList,
    BookmarkQuery,
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
    RecordingsSearch,
    Rejected,
    StreamEndpoint,
)
from console.sources.model import qualify, split_camera_id

if TYPE_CHECKING:
    from console.hub.retry import Backoff
    from console.hub.subscription import EventSubscription

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F")


class MultiSourceClient(
    HubClient, PtzFacet, AlertsFacet, RecordingsFacet, BookmarksFacet, ConsentFacet
):
    """One hub made of `sources` (name -> client, in the operator's order). `labels` gives each
    source the name the camera tree shows (Camera.source)."""

    def __init__(
        self, sources: Mapping[str, HubClient], labels: Mapping[str, str] | None = None
    ) -> None:
        if not sources:
            raise ValueError("a multi-source client needs at least one source")
        self._sources: dict[str, HubClient] = dict(sources)
        self._labels = dict(labels or {})
        self._first = next(iter(self._sources))
        self._last_cameras: dict[str, tuple[Camera, ...]] = {}
        self._alert_seqs: dict[str, int] = {}  # each source's seq of its last alerts snapshot
        self._seq = 0  # this client's own event numbering
        self._closed = False

    @property
    def source_names(self) -> list[str]:
        return list(self._sources)

    def source_client(self, name: str) -> HubClient:
        return self._sources[name]

    def has_listed(self, name: str) -> bool:
        """Whether the source `name` has listed its cameras to this client."""
        return name in self._last_cameras

    def label(self, name: str) -> str:
        """The name the operator gave the source (its configured name when none)."""
        return self._labels.get(name, name)

    # -- routing ----------------------------------------------------------------------------------
    def route(self, qualified_id: str) -> tuple[str, HubClient, str]:
        """(source name, its client, the source's own id) for a console-wide id."""
        source, own = split_camera_id(qualified_id)
        if source is None or source not in self._sources:
            # No source part, or "name/x" where name is no source: an id of the first source
            # (which may itself hold a "/").
            source, own = self._first, qualified_id
        return source, self._sources[source], own

    def source_of(self, qualified_id: str) -> str:
        return self.route(qualified_id)[0]

    def _camera(self, source: str, camera: Camera) -> Camera:
        return dataclasses.replace(
            camera,
            id=qualify(source, camera.id),
            source=self._labels.get(source, source),
        )

    def _alert(self, source: str, alert: Alert) -> Alert:
        return dataclasses.replace(
            alert, id=qualify(source, alert.id), camera_id=qualify(source, alert.camera_id)
        )

    def _bookmark(self, source: str, bookmark: Bookmark) -> Bookmark:
        return dataclasses.replace(
            bookmark,
            id=qualify(source, bookmark.id),
            camera_id=qualify(source, bookmark.camera_id),
        )

    def _facet(
        self, some_id: str, facet_of: Callable[[HubClient], F | None], lacks: str
    ) -> tuple[str, F, str]:
        """(source, the source's facet, its own id) for a camera, alert or bookmark id;
        HubNotSupported naming the source when it lacks the facet ("has no PTZ")."""
        source, client, own = self.route(some_id)
        facet = facet_of(client)
        if facet is None:
            raise HubNotSupported(message=f"source {source} {lacks}")
        return source, facet, own

    async def _ask_each(
        self, names: Sequence[str], ask: Callable[[str], Awaitable[T]]
    ) -> tuple[list[tuple[str, T]], list[tuple[str, HubError]]]:
        """Ask every source in `names` at once: (the answers, the sources that failed with a
        HubError). Anything else (a bug, a cancellation) is raised."""
        results = await asyncio.gather(*(ask(n) for n in names), return_exceptions=True)
        answered: list[tuple[str, T]] = []
        failed: list[tuple[str, HubError]] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, HubError):
                failed.append((name, result))
            elif isinstance(result, BaseException):
                raise result
            else:
                answered.append((name, result))
        return answered, failed

    def _did_not_answer(self, name: str, error: HubError, position: int) -> Rejected:
        return Rejected(
            position=position,
            item_id=name,
            reason=f"the source {self.label(name)} did not answer ({error.operator_message})",
        )

    @staticmethod
    def _qualified(source: str, rejected: Sequence[Rejected]) -> list[Rejected]:
        return [
            dataclasses.replace(r, item_id=qualify(source, r.item_id) if r.item_id else r.item_id)
            for r in rejected
        ]

    # -- what every hub has -----------------------------------------------------------------------
    async def info(self) -> HubInfo:
        """The first source that answers (the probe of "is anything there")."""
        results = await asyncio.gather(
            *(c.info() for c in self._sources.values()), return_exceptions=True
        )
        answered = [r for r in results if isinstance(r, HubInfo)]
        if not answered:
            first = results[0]
            if isinstance(first, BaseException):
                raise first
        caps: frozenset[str] = frozenset().union(*(i.capabilities for i in answered))
        return HubInfo(
            api_version=1,
            name=f"{len(self._sources)} sources",
            software="tessera-multi-source",
            version="1",
            capabilities=caps,
        )

    async def cameras(self) -> list[Camera]:
        return list((await self.camera_list()).cameras)

    async def camera_list(self, limit: int | None = None) -> CameraList:
        answered, failed = await self._ask_each(
            list(self._sources), lambda n: self._sources[n].camera_list(limit)
        )
        cameras: list[Camera] = []
        rejected: list[Rejected] = []
        total = not_read = 0
        for name, found in answered:
            listed = tuple(self._camera(name, c) for c in found.cameras)
            self._last_cameras[name] = listed
            cameras.extend(listed)
            rejected.extend(self._qualified(name, found.rejected))
            total += found.total
            not_read += found.not_read
        for name, error in failed:
            kept = self._last_cameras.get(name, ())
            log.warning(
                "source %s: camera list not read (%s); %d cameras kept from before",
                name,
                error,
                len(kept),
            )
            cameras.extend(kept)
            total += len(kept)
            if not kept:
                rejected.append(self._did_not_answer(name, error, len(rejected)))
                total += 1
        if limit is not None and len(cameras) > limit:
            not_read += len(cameras) - limit
            cameras = cameras[:limit]
        return CameraList(tuple(cameras), tuple(rejected), total, not_read)

    async def camera(self, camera_id: str) -> Camera:
        source, client, own = self.route(camera_id)
        return self._camera(source, await client.camera(own))

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        source, client, own = self.route(camera_id)
        endpoint = await client.stream(own, profile)
        return dataclasses.replace(endpoint, camera_id=qualify(source, endpoint.camera_id))

    def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        """Every source's events, merged; one connection per source (see `MergedEvents`)."""
        return MergedEvents(self, types=types).__aiter__()

    def resilient_events(
        self,
        since: int | None = None,
        *,
        types: frozenset[str] | None = None,
        backoff: Backoff | None = None,
    ) -> EventSubscription:
        """Each source's own resilient subscription (resuming from the seq of the last alerts
        snapshot read through this client), merged. `since` is this client's numbering and
        cannot be resumed across sources; it is ignored."""
        merged = MergedEvents(
            self, types=types, since=dict(self._alert_seqs), backoff_factory=lambda: backoff
        )
        return merged  # type: ignore[return-value]  # the same interface (see MergedEvents)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def requalify_event(self, source: str, event: HubEvent) -> HubEvent:
        alert = self._alert(source, event.alert) if event.alert is not None else None
        bookmark = event.bookmark
        return dataclasses.replace(
            event,
            seq=self.next_seq(),
            camera_id=qualify(source, event.camera_id) if event.camera_id else None,
            alert=alert,
            bookmark=None if bookmark is None else self._bookmark(source, bookmark),
        )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*(c.close() for c in self._sources.values()), return_exceptions=True)

    # -- facets -----------------------------------------------------------------------------------
    @property
    def ptz_facet(self) -> PtzFacet | None:
        return self if any(c.ptz_facet for c in self._sources.values()) else None

    @property
    def alerts_facet(self) -> AlertsFacet | None:
        return self if any(c.alerts_facet for c in self._sources.values()) else None

    @property
    def recordings_facet(self) -> RecordingsFacet | None:
        return self if any(c.recordings_facet for c in self._sources.values()) else None

    @property
    def bookmarks_facet(self) -> BookmarksFacet | None:
        return self if any(c.bookmarks_facet for c in self._sources.values()) else None

    @property
    def consent_facet(self) -> ConsentFacet | None:
        return self if any(c.consent_facet for c in self._sources.values()) else None

    # private cameras (console.consent): each request goes to the camera's own source
    async def request_private_access(
        self, camera_id: str, reason: str, case: str = ""
    ) -> AccessGrant:
        source, facet, own = self._facet(
            camera_id, lambda c: c.consent_facet, "takes no access requests"
        )
        grant = await facet.request_private_access(own, reason, case)
        return dataclasses.replace(grant, camera_id=qualify(source, grant.camera_id))

    async def private_access_grants(self) -> list[AccessGrant]:
        """Every source's grants in force; a source that does not answer adds none."""
        names = [n for n, c in self._sources.items() if c.consent_facet is not None]

        async def ask(name: str) -> list[AccessGrant]:
            facet = self._sources[name].consent_facet
            assert facet is not None
            return await facet.private_access_grants()

        answered, _failed = await self._ask_each(names, ask)
        return [
            dataclasses.replace(g, camera_id=qualify(name, g.camera_id))
            for name, grants in answered
            for g in grants
        ]

    def _ptz(self, camera_id: str) -> tuple[str, PtzFacet, str]:
        return self._facet(camera_id, lambda c: c.ptz_facet, "has no PTZ")

    async def _ptz_call(self, camera_id: str, call: Callable[[PtzFacet, str], Awaitable[T]]) -> T:
        _, facet, own = self._ptz(camera_id)
        return await call(facet, own)

    async def ptz_status(self, camera_id: str) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_status(c))

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
        return await self._ptz_call(
            camera_id, lambda f, c: f.ptz_move(c, pan, tilt, zoom, timeout_ms=timeout_ms, seq=seq)
        )

    async def ptz_stop(self, camera_id: str, *, seq: int | None = None) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_stop(c, seq=seq))

    async def ptz_prepare_stop(self, camera_id: str) -> None:
        try:
            _, facet, own = self._ptz(camera_id)
        except HubError:
            return
        await facet.ptz_prepare_stop(own)

    async def ptz_absolute(
        self,
        camera_id: str,
        pan: float | None = None,
        tilt: float | None = None,
        zoom: float | None = None,
    ) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_absolute(c, pan, tilt, zoom))

    async def ptz_relative(
        self, camera_id: str, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> PtzStatus:
        return await self._ptz_call(
            camera_id, lambda f, c: f.ptz_relative(c, pan, tilt, zoom_factor)
        )

    async def ptz_home(self, camera_id: str) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_home(c))

    async def ptz_set_home(self, camera_id: str) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_set_home(c))

    async def ptz_presets(self, camera_id: str) -> list[PtzPreset]:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_presets(c))

    async def ptz_save_preset(self, camera_id: str, name: str) -> PtzPreset:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_save_preset(c, name))

    async def ptz_rename_preset(self, camera_id: str, preset_id: str, name: str) -> PtzPreset:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_rename_preset(c, preset_id, name))

    async def ptz_delete_preset(self, camera_id: str, preset_id: str) -> None:
        await self._ptz_call(camera_id, lambda f, c: f.ptz_delete_preset(c, preset_id))

    async def ptz_goto_preset(self, camera_id: str, preset_id: str) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_goto_preset(c, preset_id))

    async def ptz_tours(self, camera_id: str) -> list[PtzTour]:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_tours(c))

    async def ptz_save_tour(
        self,
        camera_id: str,
        name: str,
        steps: Sequence[PtzTourStep],
        *,
        tour_id: str | None = None,
    ) -> PtzTour:
        return await self._ptz_call(
            camera_id, lambda f, c: f.ptz_save_tour(c, name, steps, tour_id=tour_id)
        )

    async def ptz_delete_tour(self, camera_id: str, tour_id: str) -> None:
        await self._ptz_call(camera_id, lambda f, c: f.ptz_delete_tour(c, tour_id))

    async def ptz_start_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_start_tour(c, tour_id))

    async def ptz_stop_tour(self, camera_id: str, tour_id: str) -> PtzStatus:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_stop_tour(c, tour_id))

    async def ptz_lock(self, camera_id: str, priority: int = 0) -> PtzLock:
        return await self._ptz_call(camera_id, lambda f, c: f.ptz_lock(c, priority))

    async def ptz_unlock(self, camera_id: str) -> None:
        await self._ptz_call(camera_id, lambda f, c: f.ptz_unlock(c))

    # alerts
    def _alerts(self, alert_or_camera_id: str) -> tuple[str, AlertsFacet, str]:
        return self._facet(alert_or_camera_id, lambda c: c.alerts_facet, "has no alerts")

    async def alerts(self, *, include_closed: bool = False) -> AlertSnapshot:
        """Every source's alerts; a source that does not answer now keeps nothing here (the
        alarm book keeps what it had, marked as gone from the hub, and never drops an open
        alarm on its own)."""
        names = [n for n, c in self._sources.items() if c.alerts_facet is not None]

        async def one(name: str) -> AlertSnapshot:
            facet = self._sources[name].alerts_facet
            assert facet is not None
            return await facet.alerts(include_closed=include_closed)

        answered, failed = await self._ask_each(names, one)
        alerts: list[Alert] = []
        rejected: list[Rejected] = []
        for name, snapshot in answered:
            self._alert_seqs[name] = snapshot.seq
            alerts.extend(self._alert(name, a) for a in snapshot.alerts)
            rejected.extend(snapshot.rejected)
        # A source whose hub turns out to have no alerts is no failure.
        errors = [e for _, e in failed if not isinstance(e, HubNotSupported)]
        if errors and not alerts and len(errors) == len(names):
            raise errors[0]
        return AlertSnapshot(alerts=tuple(alerts), seq=self._seq, rejected=tuple(rejected))

    async def alert(self, alert_id: str) -> Alert:
        source, facet, own = self._alerts(alert_id)
        return self._alert(source, await facet.alert(own))

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
        source, facet, own = self._alerts(camera_id)
        alert = await facet.raise_alert(
            kind,
            own,
            priority,
            label=label,
            box=box,
            plate=plate,
            message=message,
            duration_s=duration_s,
        )
        return self._alert(source, alert)

    async def acknowledge_alert(self, alert_id: str, note: str = "") -> Alert:
        source, facet, own = self._alerts(alert_id)
        return self._alert(source, await facet.acknowledge_alert(own, note))

    async def close_alert(self, alert_id: str, note: str = "") -> Alert:
        source, facet, own = self._alerts(alert_id)
        return self._alert(source, await facet.close_alert(own, note))

    # recordings
    def _recordings(self, camera_id: str) -> tuple[str, RecordingsFacet, str]:
        return self._facet(camera_id, lambda c: c.recordings_facet, "keeps no recordings")

    async def recordings(
        self, camera_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> Recordings:
        _, facet, own = self._recordings(camera_id)
        return await facet.recordings(own, start, end)

    def _by_source(self, camera_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """The cameras grouped by source, in the order asked: source -> [(console id, own
        id)]."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for camera_id in dict.fromkeys(camera_ids):
            source, _, own = self.route(camera_id)
            groups.setdefault(source, []).append((camera_id, own))
        return groups

    async def recordings_search(
        self,
        camera_ids: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> RecordingsSearch:
        """Each source is asked for its own cameras, all at once. The cameras of a source
        without recordings are not recorded; those of a source that fails are reported in
        `rejected` (the others are answered), unless every source failed."""
        groups = self._by_source(camera_ids)
        order = {camera_id: i for i, camera_id in enumerate(dict.fromkeys(camera_ids))}
        names = list(groups)

        async def one(source: str) -> RecordingsSearch:
            facet = self._sources[source].recordings_facet
            if facet is None:
                return RecordingsSearch((), tuple(own for _, own in groups[source]))
            return await facet.recordings_search([own for _, own in groups[source]], start, end)

        answered, failed = await self._ask_each(names, one)
        found: list[Recordings] = []
        not_recorded: list[str] = []
        rejected: list[Rejected] = []
        for source, result in answered:
            found.extend(
                dataclasses.replace(r, camera_id=qualify(source, r.camera_id))
                for r in result.recordings
            )
            not_recorded.extend(qualify(source, c) for c in result.not_recorded)
            rejected.extend(result.rejected)
        for source, error in failed:
            log.warning("source %s: recordings search failed: %s", source, error)
            rejected.extend(
                Rejected(order[camera_id], camera_id, f"source {source} did not answer")
                for camera_id, _ in groups[source]
            )
        if failed and not answered:
            raise failed[0][1]
        found.sort(key=lambda r: order.get(r.camera_id, len(order)))
        return RecordingsSearch(tuple(found), tuple(not_recorded), tuple(rejected))

    async def event_history(
        self,
        start: datetime,
        end: datetime,
        camera_ids: Sequence[str] | None = None,
        kinds: Sequence[AlertKind] | None = None,
        limit: int = 100,
    ) -> AlertHistory:
        """Every source with recordings is asked (with `camera_ids`: the sources of those
        cameras, for their own ids); the answers are merged oldest first and cut to `limit`. A
        source that fails is logged and left out, unless every source failed."""
        if camera_ids is None:
            asked: dict[str, list[str] | None] = {
                name: None for name, c in self._sources.items() if c.recordings_facet
            }
        else:
            asked = {
                source: [own for _, own in pairs]
                for source, pairs in self._by_source(camera_ids).items()
                if self._sources[source].recordings_facet
            }
        names = list(asked)

        async def one(source: str) -> AlertHistory:
            facet = self._sources[source].recordings_facet
            assert facet is not None  # only sources with the facet are asked
            return await facet.event_history(start, end, asked[source], kinds, limit)

        answered, failed = await self._ask_each(names, one)
        alerts: list[Alert] = []
        rejected: list[Rejected] = []
        more = False
        for source, history in answered:
            alerts.extend(self._alert(source, a) for a in history.alerts)
            rejected.extend(history.rejected)
            more = more or history.more
        for source, error in failed:
            log.warning("source %s: event history failed: %s", source, error)
        if failed and not answered:
            raise failed[0][1]
        alerts.sort(key=lambda a: a.started)
        more = more or len(alerts) > limit
        return AlertHistory(start, end, tuple(alerts[:limit]), more, tuple(rejected))

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
        source, facet, own = self._recordings(camera_id)
        endpoint = await facet.playback(
            own,
            profile,
            start,
            speed=speed,
            reverse=reverse,
            intra_only=intra_only,
            reason=reason,
        )
        return dataclasses.replace(endpoint, camera_id=qualify(source, endpoint.camera_id))

    # bookmarks
    def _bookmarks(self, camera_or_bookmark_id: str) -> tuple[str, BookmarksFacet, str]:
        return self._facet(camera_or_bookmark_id, lambda c: c.bookmarks_facet, "keeps no bookmarks")

    def new_bookmark_id(self, camera_id: str) -> str:
        source, client, own = self.route(camera_id)
        facet = client.bookmarks_facet
        inner = facet.new_bookmark_id(own) if facet is not None else super().new_bookmark_id(own)
        return qualify(source, inner)

    async def bookmarks(self, query: BookmarkQuery | None = None) -> BookmarkList:
        """Every source's bookmarks that match (only the sources of `query.camera_ids` when it
        names cameras), by start. A source that does not answer adds an entry to `rejected`
        naming it; when none answers, its error is raised."""
        wanted: dict[str, set[str]] = {}
        for camera_id in query.camera_ids if query is not None else ():
            source, _, own = self.route(camera_id)
            wanted.setdefault(source, set()).add(own)
        names = [
            n
            for n, c in self._sources.items()
            if c.bookmarks_facet is not None and (not wanted or n in wanted)
        ]

        async def one(name: str) -> BookmarkList:
            facet = self._sources[name].bookmarks_facet
            assert facet is not None
            own_query = query
            if query is not None and wanted:
                own_query = dataclasses.replace(query, camera_ids=frozenset(wanted[name]))
            return await facet.bookmarks(own_query)

        answered, failed = await self._ask_each(names, one)
        found: list[Bookmark] = []
        rejected: list[Rejected] = []
        for name, listed in answered:
            found.extend(self._bookmark(name, b) for b in listed.bookmarks)
            rejected.extend(self._qualified(name, listed.rejected))
        for name, error in failed:
            rejected.append(self._did_not_answer(name, error, len(rejected)))
        if failed and not answered:
            raise failed[0][1]
        found.sort(key=lambda b: (b.start, b.id))
        return BookmarkList(tuple(found), self._seq, tuple(rejected))

    async def bookmark(self, bookmark_id: str) -> Bookmark:
        source, facet, own = self._bookmarks(bookmark_id)
        return self._bookmark(source, await facet.bookmark(own))

    async def save_bookmark(self, bookmark: Bookmark, *, revision: int | None = None) -> Bookmark:
        source, facet, own_camera = self._bookmarks(bookmark.camera_id)
        prefix = qualify(source, "")
        own_id = bookmark.id[len(prefix) :] if bookmark.id.startswith(prefix) else bookmark.id
        own = dataclasses.replace(bookmark, id=own_id, camera_id=own_camera)
        return self._bookmark(source, await facet.save_bookmark(own, revision=revision))

    async def delete_bookmark(self, bookmark_id: str) -> None:
        _, facet, own = self._bookmarks(bookmark_id)
        await facet.delete_bookmark(own)

    async def protect_bookmark(self, bookmark_id: str, protected: bool = True) -> Bookmark:
        source, facet, own = self._bookmarks(bookmark_id)
        return self._bookmark(source, await facet.protect_bookmark(own, protected))


class MergedEvents:
    """The events of every source of a `MultiSourceClient`, as one subscription with the
    interface of `EventSubscription` (async iteration; `connected`, `disconnected`,
    `restarted` signals; `last_seq`, `reconnects`).

    Each source is read through its own `resilient_events` (reconnect, resume and dedupe on its
    own numbering); events are renumbered with the client's seq and their ids qualified. A
    source whose channel is refused (not retryable) ends only its own reader, and is logged.
    """

    def __init__(
        self,
        client: MultiSourceClient,
        *,
        types: frozenset[str] | None,
        since: Mapping[str, int] | None = None,
        backoff_factory: Callable[[], Backoff | None] | None = None,
    ) -> None:
        self._client = client
        self._types = types
        self._since = dict(since or {})
        self._backoff_factory = backoff_factory or (lambda: None)
        self.last_seq: int | None = None
        self.reconnects = 0
        self.connected = Signal()
        self.disconnected = Signal()
        self.restarted = Signal()

    def __aiter__(self) -> AsyncIterator[HubEvent]:
        return self._run()

    async def _read(self, name: str, queue: asyncio.Queue[HubEvent]) -> None:
        source = self._client.source_client(name)
        subscription = source.resilient_events(
            self._since.get(name), types=self._types, backoff=self._backoff_factory()
        )

        def on_connected(hello: HubEvent) -> None:
            self.connected.emit(self._client.requalify_event(name, hello))

        def on_restarted(hello: HubEvent) -> None:
            self.restarted.emit(self._client.requalify_event(name, hello))

        def on_disconnected(error: Any, delay: Any) -> None:
            self.reconnects += 1
            self.disconnected.emit(error, delay)

        subscription.connected.connect(on_connected)
        subscription.restarted.connect(on_restarted)
        subscription.disconnected.connect(on_disconnected)
        try:
            async for event in subscription:
                if event.type == EVENT_HUB_HELLO:
                    continue
                await queue.put(self._client.requalify_event(name, event))
        except HubNotFound as e:
            log.info("source %s has no event channel: %s", name, e)
        except HubError as e:
            log.warning("source %s refused its event channel: %s", name, e)

    async def _run(self) -> AsyncIterator[HubEvent]:
        queue: asyncio.Queue[HubEvent] = asyncio.Queue(maxsize=1000)
        readers = [
            asyncio.ensure_future(self._read(name, queue)) for name in self._client.source_names
        ]
        try:
            while True:
                event = await queue.get()
                self.last_seq = event.seq
                yield event
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
