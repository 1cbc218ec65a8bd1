"""`AlarmReplay`: plays an alarm's camera from the hub's recordings, from just before it fired.

Opening an alarm shows its camera live on the wall (`AutoPop.show`) and, where the hub keeps
recordings of that camera, replays the moment it fired here: from `PRE_ROLL_S` before the
alert started, at real speed, in one player of its own (the wall's feeds are untouched). Where
there is nothing to replay, the state says why in plain words: the hub keeps no recordings,
the camera is not recorded, or the recordings do not reach back to that moment.

Loop thread only. The player is created on first use and kept for the next alarm; stopping it
goes through the reaper like every player, so nothing here blocks.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.cameras.directory import CameraDirectory
from console.hub.base import HubClient
from console.hub.errors import HubError, HubHttpError, HubNotSupported
from console.hub.facets import RecordingsFacet
from console.hub.models import CAPABILITY_RECORDINGS, Alert
from console.media.events import PlayerEvent, PlayerEventKind
from console.media.frame import FrameSource
from console.privacy.masks import MaskSet

log = logging.getLogger(__name__)

PRE_ROLL_S = 5.0  # the replay starts this long before the alert did
REPLAY_PROFILE = "sub"  # a replay is watched in a small pane: the camera's small stream
NO_RECORDINGS = "This hub keeps no recordings: only live video can be shown."


class ReplayPlayer(FrameSource, Protocol):
    """What a replay needs from a player (`TilePlayer` fits), beside the pictures it shows."""

    state_changed: Signal

    @property
    def generation(self) -> int: ...

    def play(self, url: str, *, software: bool = False) -> int: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class ReplayStatus(enum.Enum):
    IDLE = "idle"  # nothing opened
    UNAVAILABLE = "unavailable"  # nothing to replay for this alarm (the message says why)
    LOADING = "loading"  # asking the hub, or waiting for the first picture
    PLAYING = "playing"
    FAILED = "failed"  # the hub refused or the stream broke (the message says why)
    # The hub asks a reason before playback (issue 17): `give_reason` replays with one.
    REASON_NEEDED = "reason_needed"


@dataclass(frozen=True)
class ReplayState:
    status: ReplayStatus
    message: str = ""
    alert: Alert | None = None
    start: datetime | None = None  # the recorded moment the replay began at
    # A moment that is not an alarm's (a bookmark): its camera, from `at`, named `title`.
    moment: Moment | None = None


@dataclass(frozen=True)
class Moment:
    """A recorded moment to replay that is not an alarm: a bookmark's start, say. `title` is
    the console's or the hub's words for it (hub text: shown through widgets.common.hub_text)."""

    camera_id: str
    at: datetime
    title: str = ""
    until: datetime | None = None  # a recording that begins later than `at` but by this will do


class AlarmReplay:
    """Signals: `changed(ReplayState)`, `frame_ready()` (a new picture in `player`)."""

    def __init__(
        self,
        client: HubClient,
        directory: CameraDirectory,
        make_player: Callable[[], ReplayPlayer],
        *,
        pre_roll_s: float = PRE_ROLL_S,
        clock: Callable[[], float] = time.monotonic,
        masks_of: Callable[[str], MaskSet | None] = lambda _camera_id: None,
    ) -> None:
        self._client = client
        # The camera's privacy masks, drawn into the replay's pictures (issue 18).
        self._masks_of = masks_of
        self._camera_id: str | None = None
        # None: this hub's driver has no recordings; every replay says so.
        self._recordings: RecordingsFacet | None = client.recordings_facet
        self._directory = directory
        self._make_player = make_player
        self._pre_roll = timedelta(seconds=pre_roll_s)
        self._clock = clock
        self._player: ReplayPlayer | None = None
        self._generation: int | None = None
        self._first_frame_at: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._tasks = TaskOwner("alarm-replay")
        self._hub_records: bool | None = None  # asked once: does the hub keep recordings?
        self._state = ReplayState(ReplayStatus.IDLE)
        # Why the operator plays back, where the hub asks (case, reason, words): sent with
        # every replay until `forget_reason` (the console calls it when the operator changes).
        self.reason: Mapping[str, str] | None = None
        self.changed = Signal()
        self.frame_ready = Signal()

    @property
    def state(self) -> ReplayState:
        return self._state

    @property
    def player(self) -> ReplayPlayer | None:
        return self._player

    def position(self) -> datetime | None:
        """The recorded moment on screen now (from the first picture's arrival), or None."""
        state = self._state
        if state.status is not ReplayStatus.PLAYING or state.start is None:
            return None
        if self._first_frame_at is None:
            return state.start
        return state.start + timedelta(seconds=self._clock() - self._first_frame_at)

    # -- commands ------------------------------------------------------------------------------
    def show(self, alert: Alert) -> None:
        """Replay `alert` from `pre_roll_s` before it started (whatever played before stops)."""
        self._cancel()
        self._set(ReplayState(ReplayStatus.LOADING, "Finding the recording…", alert))
        self._task = self._tasks.spawn(self._open(alert), "alarm-replay-open")

    def show_moment(self, moment: Moment) -> None:
        """Replay `moment.camera_id` from `moment.at` exactly (no pre-roll: a bookmark's start
        is already where the operator wants it); a recording that only begins later, but by
        `moment.until`, is played from its beginning."""
        self._cancel()
        self._set(ReplayState(ReplayStatus.LOADING, "Finding the recording…", moment=moment))
        self._task = self._tasks.spawn(
            self._open_at(moment.camera_id, moment.at, moment.until or moment.at, None, moment),
            "alarm-replay-open",
        )

    def give_reason(self, reason: Mapping[str, str]) -> None:
        """The operator's reason for playback (case, reason, words): this replay opens again
        with it, and later ones carry it too."""
        self.reason = dict(reason)
        state = self._state
        if state.alert is not None:
            self.show(state.alert)
        elif state.moment is not None:
            self.show_moment(state.moment)

    def forget_reason(self) -> None:
        """Another operator: the last one's reason is not theirs."""
        self.reason = None

    def stop(self) -> None:
        self._cancel()
        if self._player is not None:
            self._player.stop()
        self._generation = None
        self._set(ReplayState(ReplayStatus.IDLE))

    def close(self) -> None:
        self._cancel()
        player, self._player = self._player, None
        if player is not None:
            player.close()

    # -- internals -----------------------------------------------------------------------------
    def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()

    def _set(self, state: ReplayState) -> None:
        self._state = state
        self.changed.emit(state)

    async def _hub_keeps_recordings(self) -> bool:
        if self._recordings is None:
            return False
        if self._hub_records is None:
            info = await self._client.info()
            self._hub_records = info.has(CAPABILITY_RECORDINGS)
        return self._hub_records

    async def _open(self, alert: Alert) -> None:
        await self._open_at(
            alert.camera_id, alert.started - self._pre_roll, alert.started, alert, None
        )

    async def _open_at(
        self,
        camera_id: str,
        wanted: datetime,
        latest: datetime,
        alert: Alert | None,
        moment: Moment | None,
    ) -> None:
        """Play `camera_id` from the recording nearest `wanted`, provided it starts no later
        than `latest`; the state carries `alert` or `moment`, whichever this replay is of."""
        camera = self._directory.get(camera_id)
        name = camera.name if camera is not None else camera_id

        def state(status: ReplayStatus, message: str, start: datetime | None = None) -> None:
            self._set(ReplayState(status, message, alert, start, moment))

        try:
            if not await self._hub_keeps_recordings() or self._recordings is None:
                state(ReplayStatus.UNAVAILABLE, NO_RECORDINGS)
                return
            if camera is not None and not camera.has_recordings:
                state(
                    ReplayStatus.UNAVAILABLE,
                    f"{name} is not recorded: only live video can be shown.",
                )
                return
            recordings = await self._recordings.recordings(camera_id, wanted, latest)
            start = recordings.nearest(wanted)
            if start is None or start > latest:
                when = latest.astimezone().strftime("%H:%M:%S")
                state(
                    ReplayStatus.UNAVAILABLE,
                    f"The recordings of {name} do not reach back to {when}.",
                )
                return
            endpoint = await self._recordings.playback(
                camera_id, REPLAY_PROFILE, start, reason=self.reason
            )
        except HubNotSupported:
            state(ReplayStatus.UNAVAILABLE, NO_RECORDINGS)
            return
        except HubHttpError as e:
            if e.code == "reason_required":
                state(
                    ReplayStatus.REASON_NEEDED,
                    "The video hub asks for a reason before playing back recordings: give one "
                    "to replay.",
                )
            else:
                state(ReplayStatus.FAILED, e.operator_message)
            return
        except HubError as e:
            state(ReplayStatus.FAILED, e.operator_message)
            return
        player = self._ensure_player()
        self._camera_id = camera_id
        set_masks = getattr(player, "set_masks", None)
        if set_masks is not None:
            set_masks(self._masks_of(camera_id))
        self._first_frame_at = None
        self._generation = player.play(endpoint.url)
        state(ReplayStatus.LOADING, "Loading the recording…", endpoint.start)

    def refresh_masks(self) -> None:
        """A camera's masks changed or a lift began or ended: the replay draws them now."""
        set_masks = getattr(self._player, "set_masks", None)
        if set_masks is not None and self._camera_id is not None:
            set_masks(self._masks_of(self._camera_id))

    def _ensure_player(self) -> ReplayPlayer:
        if self._player is None:
            player = self._player = self._make_player()
            player.frame_ready.connect(self._on_frame)
            player.state_changed.connect(self._on_player_event)
        return self._player

    def _on_frame(self) -> None:
        player, state = self._player, self._state
        if player is None or player.generation != self._generation:
            return
        if state.status is ReplayStatus.LOADING and state.start is not None:
            self._first_frame_at = self._clock()
            self._set(replace(state, status=ReplayStatus.PLAYING, message=""))
        self.frame_ready.emit()

    def _on_player_event(self, event: PlayerEvent) -> None:
        if event.generation != self._generation:
            return
        if event.kind in (PlayerEventKind.ERROR, PlayerEventKind.ENDED):
            state = self._state
            why = "could not be played" if event.kind is PlayerEventKind.ERROR else "ended"
            reason = f" ({event.reason})" if event.reason else ""
            self._set(
                replace(state, status=ReplayStatus.FAILED, message=f"The recording {why}{reason}.")
            )
            log.info("alarm replay %s%s", why, reason)
