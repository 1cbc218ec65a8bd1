"""`LiveFeed`: the per-tile health state machine (headless core).

IDLE -> CONNECTING -> LIVE(fps) -> SIGNAL_LOST(reason, retry_in_s, attempt) -> CONNECTING ...

One asyncio task per started feed runs the whole machine on the loop thread; it ticks every ~250 ms
(watchdog) and wakes at once on player events. Each attempt asks the hub for the URL again (the hub
may have restarted) and calls `player.play(url)`, which hands the previous libvlc player to the
reaper. libvlc may never report a dead network stream, so silence is detected here: no new frame
for max(3 frame intervals, 1.2 s) means SIGNAL_LOST, and so does no first picture within 4.5 s of
the attempt's start (a stream that connects and then sends nothing, a trickle, garbage or no video;
at least 3 s from the play when the hub answered late), with the reason read from what libvlc
received and decoded. Frames that keep coming with an unchanged picture are reported as frozen
(`FeedState.frozen_s`).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import NoReturn, Protocol

from console.base.marshal import Marshal
from console.base.redact import redact_text, redact_url
from console.base.signals import Signal
from console.base.tasks import TaskOwner
from console.media.events import PlayerEvent, PlayerEventKind
from console.media.frame import FrameSource

log = logging.getLogger(__name__)


class FeedPlayer(FrameSource, Protocol):
    """What a feed needs from a player (`TilePlayer` fits), beside the pictures it shows."""

    state_changed: Signal

    @property
    def generation(self) -> int: ...

    @property
    def last_frame_at(self) -> float | None: ...

    @property
    def late_count(self) -> int: ...

    @property
    def bytes_received(self) -> int: ...

    @property
    def decoded_count(self) -> int: ...

    @property
    def picture_changed_at(self) -> float | None: ...

    @property
    def hardware_decoding_requested(self) -> bool: ...

    @property
    def decoding(self) -> str: ...

    @property
    def format_stale(self) -> bool: ...

    def set_picture_box(self, size: tuple[int, int] | None) -> None: ...

    def play(self, url: str, *, software: bool = False) -> int: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class FeedStatus(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    SIGNAL_LOST = "signal_lost"


@dataclass(frozen=True)
class FeedState:
    status: FeedStatus
    attempt: int = 0  # consecutive failed attempts so far (0 while healthy)
    fps: float | None = None  # LIVE: measured over the last ~2 s (None until measurable)
    reason: str | None = None  # SIGNAL_LOST: plain words for the operator
    retry_in_s: float | None = None  # SIGNAL_LOST: countdown to the next attempt
    # LIVE: frames keep arriving but the picture has not changed for this many seconds (a
    # frozen encoder); None while the picture moves, or where it cannot be seen (native path).
    frozen_s: float | None = None
    decoding: str | None = (
        None  # "SW", "SW (no hardware decoder ...)", "HW (vaapi, requested)", ...
    )
    # A tile playing a recording: what its label says instead of "Live" ("▶ 2x · 10:03:21",
    # "NO RECORDING"); None for a live feed.
    playback: str | None = None

    @classmethod
    def idle(cls) -> FeedState:
        return cls(FeedStatus.IDLE)


@dataclass(frozen=True)
class FeedTiming:
    tick_s: float = 0.25
    # From the start of an attempt (the URL asked of the hub included) to the first picture: a
    # stream that connects and yields no picture (silence, garbage, no video, a drip) is lost
    # after this long, like one that stops. Half a second under the 5 s the operator is
    # promised, for the watchdog's tick and a busy loop.
    connect_timeout_s: float = 4.5
    resolve_timeout_s: float = 5.0
    # ... but the stream itself always gets at least this long from `play()`: when the hub
    # answered late (held by a network that just came back), a deadline counted from the
    # attempt's start would leave the stream a fraction of a second, and a healthy stream would
    # be called lost and wait out a backoff (seen after cuts: decoded, not yet shown, at 0.6 s).
    stream_min_s: float = 3.0
    # A live stream is lost after max(3 frame intervals, this) without a new picture: at
    # 15 fps 18 intervals, so jitter is not loss, and a cut is flagged within 2 s (the frame
    # count is polled every 0.25 s, and the state every tick).
    min_silence_s: float = 1.2
    silence_frames: int = 3
    backoff_first_s: float = 0.5
    backoff_cap_s: float = 5.0
    stable_after_s: float = 10.0
    # Hardware decoding that has had data this long after Playing and shown no picture is
    # given up for software decoding (within the same connect deadline).
    hw_fallback_s: float = 2.0
    # Frames that keep coming with an unchanged picture this long: reported as frozen.
    frozen_after_s: float = 10.0
    fps_window_s: float = 2.0
    fps_publish_s: float = 1.0
    # A tile that changed size gets frames of its new size once the size has held this long
    # (the stream is played again; the old picture stays until the new one is painted).
    resize_settle_s: float = 1.0


def backoff_delay(attempt: int, first_s: float = 0.5, cap_s: float = 5.0) -> float:
    """Delay before retry number `attempt` (1-based): 0.5, 1, 2, 4, 5, 5, ... seconds."""
    if attempt < 1:
        return 0.0
    return min(cap_s, first_s * 2.0 ** min(attempt - 1, 32))


def silence_limit_s(expected_fps: float, timing: FeedTiming = FeedTiming()) -> float:
    """How long a LIVE feed may go without a frame: max(3 frame intervals, 1.2 s)."""
    interval = 1.0 / expected_fps if expected_fps > 0 else 0.0
    return max(timing.silence_frames * interval, timing.min_silence_s)


def no_picture_reason(timeout_s: float, bytes_received: int, decoded: int) -> str:
    """Why a stream gave no picture within `timeout_s`, in plain words, from what libvlc read
    and decoded: nothing playable (libvlc counts no bytes until a demuxer accepted the stream,
    so silence, a drip and garbage all read 0), a trickle, data without decodable video, or
    pictures that were decoded and not shown."""
    within = f"no picture within {timeout_s:g} s" if timeout_s >= 1 else "no picture yet"
    if bytes_received <= 0:
        return f"{within}: nothing playable came from the camera"
    if bytes_received < 4096:
        return f"{within}: the camera sends almost nothing ({bytes_received} bytes)"
    if decoded <= 0:
        return f"{within}: the stream carries no video that can be decoded"
    return f"{within}: pictures are decoded but none could be shown"


class _SignalLostError(Exception):
    """An attempt ended: `reason` in plain words; `stable` when it had been LIVE long enough."""

    def __init__(self, reason: str, stable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stable = stable


class LiveFeed:
    """Keeps one tile's stream alive. All methods and signals: loop thread only."""

    def __init__(
        self,
        player_factory: Callable[[], FeedPlayer],
        resolve_url: Callable[[], Awaitable[str]],
        marshal: Marshal,
        expected_fps: float = 15.0,
        *,
        timing: FeedTiming | None = None,
        name: str = "feed",
        hub_back: Signal | None = None,
        stream_lost: Callable[[], None] | None = None,
        tasks: TaskOwner | None = None,
        hub_silent: Callable[[], None] | None = None,
    ) -> None:
        """`hub_back`: emitted when the hub answers again after an outage; a feed waiting to
        reconnect then tries at once (`retry_now`). `stream_lost`: called when a stream that was
        live is lost (is the hub still there? `HubReachability.check`). `tasks`: who owns the feed's
        task (the console, which waits for them at shutdown); else the feed alone. `hub_silent`:
        called when the hub gave no stream URL within the deadline (not when the feed is closed
        while it waits: a wall going to playback closes its feeds, the hub is not down)."""
        self._factory = player_factory
        self._resolve_url = resolve_url
        self._marshal = marshal
        self._expected_fps = expected_fps
        self._timing = timing or FeedTiming()
        self._name = name
        self._player: FeedPlayer | None = None
        self._task: asyncio.Task[None] | None = None
        self._state = FeedState.idle()
        self._wake = asyncio.Event()
        self._retry_now = asyncio.Event()
        self._hub_back = hub_back
        self._stream_lost = stream_lost
        self._hub_silent = hub_silent
        self._tasks = tasks
        self._was_live = False  # the current attempt showed a picture
        if hub_back is not None:
            hub_back.connect(self.retry_now)
        self._generation = -1
        self._event: PlayerEvent | None = None  # first error/end of the current generation
        self._playing_at: float | None = None
        self._software = False
        self._closed = False
        self._picture_box: tuple[int, int] | None = None
        self._box_changed_at = 0.0
        self._replayed_for_box: tuple[int, int] | None = None
        self.state_changed = Signal()

    @property
    def state(self) -> FeedState:
        return self._state

    @property
    def player(self) -> FeedPlayer | None:
        return self._player

    @property
    def expected_fps(self) -> float:
        return self._expected_fps

    @property
    def silence_limit_s(self) -> float:
        return silence_limit_s(self._expected_fps, self._timing)

    def set_picture_box(self, size: tuple[int, int] | None) -> None:
        """The largest tile area (device pixels) this feed is painted into; frames are made for
        it from the next connection, or, once it has held `resize_settle_s`, by playing again."""
        if size == self._picture_box:
            return
        self._picture_box = size
        self._box_changed_at = time.monotonic()
        if self._player is not None:
            self._player.set_picture_box(size)

    def start(self) -> None:
        if self._closed:
            raise RuntimeError(f"{self._name}: feed is closed")
        if self._task is not None:
            return
        if self._player is None:
            self._player = self._factory()
            self._player.set_picture_box(self._picture_box)
            self._player.frame_ready.connect(self._on_frame)
            self._player.state_changed.connect(self._on_player_event)
        name = f"{self._name}-feed"
        if self._tasks is not None:
            self._task = self._tasks.spawn(self._run(), name)
        else:
            self._task = self._marshal.loop.create_task(self._run(), name=name)
        self._publish(FeedState(FeedStatus.CONNECTING))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._player is not None:
            self._player.stop()
        self._generation = -1
        self._publish(FeedState.idle())

    def retry_now(self) -> None:
        """The hub answers again (after a cut, a restart): a feed waiting out its backoff
        tries at once instead of after up to `backoff_cap_s`. Other states ignore it."""
        if self._state.status is FeedStatus.SIGNAL_LOST:
            self._retry_now.set()

    def close(self) -> None:
        if self._closed:
            return
        self.stop()
        self._closed = True
        if self._hub_back is not None:
            self._hub_back.disconnect(self.retry_now)
        if self._player is not None:
            self._player.frame_ready.disconnect(self._on_frame)
            self._player.state_changed.disconnect(self._on_player_event)
            self._player.close()
            self._player = None

    # --- player notifications (loop thread) --------------------------------------------------
    def _on_frame(self) -> None:
        self._wake.set()

    def _on_player_event(self, event: PlayerEvent) -> None:
        if event.generation != self._generation:
            return
        if event.kind is PlayerEventKind.PLAYING and self._playing_at is None:
            self._playing_at = time.monotonic()
        elif event.kind in (PlayerEventKind.ERROR, PlayerEventKind.ENDED) and self._event is None:
            self._event = event
        self._wake.set()

    # --- the machine ---------------------------------------------------------------------
    def _publish(self, state: FeedState) -> None:
        if state == self._state:
            return
        self._state = state
        self.state_changed.emit(state)

    async def _tick(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._timing.tick_s)
        self._wake.clear()

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._attempt(attempt)
            except _SignalLostError as lost:
                reason, stable = lost.reason, lost.stable
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug must not kill the tile forever
                log.exception("%s: feed attempt failed", self._name)
                reason = f"internal error: {type(exc).__name__}"
                stable = False
            if self._player is not None:
                self._player.stop()  # off-thread; the last picture stays on the tile
            self._generation = -1
            if self._was_live and self._stream_lost is not None:
                self._stream_lost()
            attempt = 1 if stable else attempt + 1
            delay = backoff_delay(attempt, self._timing.backoff_first_s, self._timing.backoff_cap_s)
            log.info("%s: signal lost (%s); retry %d in %.1f s", self._name, reason, attempt, delay)
            await self._countdown(reason, attempt, delay)

    async def _countdown(self, reason: str, attempt: int, delay: float) -> None:
        self._retry_now.clear()  # only news that comes while waiting cuts this wait short
        end = time.monotonic() + delay
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            shown = float(math.ceil(remaining)) if remaining >= 1 else round(remaining, 2)
            self._publish(
                FeedState(
                    FeedStatus.SIGNAL_LOST,
                    attempt=attempt,
                    reason=reason,
                    retry_in_s=shown,
                    decoding=self._state.decoding,
                )
            )
            # Wake on whole seconds of the remaining time, so the countdown reads 3, 2, 1.
            step = remaining - math.floor(remaining - 1e-6) if remaining > 1 else remaining
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._retry_now.wait(), max(step, 0.01))
            if self._retry_now.is_set():
                self._retry_now.clear()
                log.info("%s: the hub answers again; retrying now", self._name)
                return

    async def _resolve(self) -> str:
        timeout = min(self._timing.resolve_timeout_s, self._timing.connect_timeout_s)
        try:
            url = await asyncio.wait_for(self._resolve_url(), timeout)
        except asyncio.TimeoutError:
            if self._hub_silent is not None:
                self._hub_silent()
            raise _SignalLostError(f"hub unreachable: no answer in {timeout:.0f} s") from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            detail = redact_text(str(exc)) or type(exc).__name__
            raise _SignalLostError(f"hub unreachable: {detail}") from exc
        if not url:
            raise _SignalLostError("hub has no stream for this camera")
        return url

    def _play(self, url: str) -> None:
        player = self._player
        assert player is not None
        self._event = None
        self._playing_at = None
        self._generation = player.play(url, software=self._software)

    def _resized_enough(self, now: float) -> bool:
        """The player's frames are sized for an old tile size that has since settled (once per
        size: a player that cannot give the new size is not asked again)."""
        player = self._player
        return (
            player is not None
            and player.format_stale
            and self._picture_box != self._replayed_for_box
            and now - self._box_changed_at >= self._timing.resize_settle_s
        )

    async def _attempt(self, attempt: int) -> NoReturn:  # noqa: PLR0912, PLR0915 (older than the rule; split when next changed)
        """One connection: returns only by raising `_SignalLostError(reason, was_stable)`."""
        t = self._timing
        player = self._player
        assert player is not None
        self._publish(FeedState(FeedStatus.CONNECTING, attempt=attempt))
        self._was_live = False
        started = time.monotonic()  # the connect deadline counts from here, resolve included
        url = await self._resolve()
        if self._closed or self._player is not player:
            # Closed while the hub answered (a cancel that raced the answer is lost inside
            # wait_for): end here, not with a closed player.
            raise asyncio.CancelledError
        log.info("%s: connecting to %s (attempt %d)", self._name, redact_url(url), attempt)
        self._play(url)
        deadline = max(started + t.connect_timeout_s, time.monotonic() + t.stream_min_s)
        live_since: float | None = None
        samples: deque[tuple[float, int]] = deque()
        last_fps_publish = 0.0
        limit = self.silence_limit_s
        shown_before = 0
        late_base = 0  # late pictures when the last new one was shown
        while True:
            await self._tick()
            now = time.monotonic()
            stable = live_since is not None and now - live_since >= t.stable_after_s
            if self._event is not None:
                raise _SignalLostError(self._event.reason or "stream error", stable)
            count = player.frame_count
            late = player.late_count
            if count > shown_before:
                shown_before, late_base = count, late
            if live_since is None:
                if count > 0:
                    live_since = now
                    self._was_live = True
                    samples.append((now, count))
                    last_fps_publish = now
                    if self._state.status is not FeedStatus.LIVE:  # (a replay stays LIVE)
                        self._publish(FeedState(FeedStatus.LIVE, decoding=player.decoding))
                    continue
                if (
                    not self._software
                    and player.hardware_decoding_requested
                    and self._playing_at is not None
                    and now - self._playing_at >= t.hw_fallback_s
                    and player.bytes_received > 0  # data came: the decoder is the suspect
                ):
                    log.warning(
                        "%s: no picture %.1f s after playing with hardware decoding; "
                        "retrying with software decoding",
                        self._name,
                        now - self._playing_at,
                    )
                    self._software = True  # kept for later attempts of this feed
                    self._play(url)
                    continue  # within the same deadline
                if now >= deadline:
                    raise _SignalLostError(
                        no_picture_reason(
                            round(deadline - started, 1),
                            player.bytes_received,
                            player.decoded_count,
                        )
                    )
                continue
            last = player.last_frame_at
            silent = now - (last if last is not None else live_since)
            if silent > limit:
                # Most of the pictures due in the silence came and were dropped as late.
                if late - late_base >= max(2.0, 0.5 * silent * self._expected_fps):
                    raise _SignalLostError(
                        f"pictures arrive too late to show ({silent:.1f} s): the live buffer "
                        "is too short or the machine too busy",
                        stable,
                    )
                raise _SignalLostError(f"no video for {silent:.1f} s", stable)
            if self._resized_enough(now):
                self._replayed_for_box = self._picture_box
                log.info(
                    "%s: the tile is now %s px; playing again for frames of that size",
                    self._name,
                    "x".join(map(str, self._picture_box or ())),
                )
                self._play(url)
                started, live_since, shown_before = now, None, 0
                deadline = now + max(t.connect_timeout_s, t.stream_min_s)
                samples.clear()
                continue
            samples.append((now, count))
            while len(samples) > 2 and samples[1][0] <= now - t.fps_window_s:
                samples.popleft()
            changed_at = player.picture_changed_at
            unchanged = now - max(changed_at, live_since) if changed_at is not None else 0.0
            frozen_s = float(math.floor(unchanged)) if unchanged >= t.frozen_after_s else None
            if frozen_s != self._state.frozen_s and self._state.status is FeedStatus.LIVE:
                if frozen_s is not None and self._state.frozen_s is None:
                    log.warning("%s: picture frozen for %.0f s", self._name, unchanged)
                self._publish(replace(self._state, frozen_s=frozen_s))
            if self._state.fps is None or now - last_fps_publish >= t.fps_publish_s:
                (t0, c0), (t1, c1) = samples[0], samples[-1]
                if t1 - t0 >= 0.5:
                    last_fps_publish = now
                    fps = round((c1 - c0) / (t1 - t0), 1)
                    self._publish(
                        replace(self._state, status=FeedStatus.LIVE, fps=fps, attempt=0)
                        if self._state.status is FeedStatus.LIVE
                        else FeedState(FeedStatus.LIVE, fps=fps, decoding=player.decoding)
                    )
