"""The PTZ control chain of one camera: from input samples (joystick, mouse drag) to the hub.

`PtzControl` lives on the asyncio loop (with qasync that is the GUI thread), so nothing here
blocks: every hub call runs in its own task and every failure is reported on `failed` instead of
raised. What it guarantees (docs/hub-api.md "PTZ"):

- **Coalescing.** `set_velocity` is an input sample, not a command. At most one `move` is in
  flight, at most one every `min_interval_s`, and the next one carries the latest speed only: a
  joystick sampled at 100 Hz sends a handful of commands per second, never a backlog.
- **Holding.** While a non-zero speed is held, the `move` is repeated every `timeout_ms / 3`,
  before the hub-side dead-man (`timeout_ms`) stops the camera.
- **Dead-man.** No input sample for `deadman_s` (0.5 s) while a speed is held: stop. So the UI
  keeps feeding samples while the operator holds a speed (a joystick does; a drag held still
  repeats its last sample from a timer).
- **Stop first.** `release()` (and a zero sample) sends `stop` at once, on a connection of its
  own, with a higher `seq` than any move: it never waits for an in-flight move, and the hub
  ignores that move should it arrive later, so a late move cannot restart the camera. When
  steering starts (and every `PREPARE_STOP_EVERY_S` while it goes on) the chain asks the driver
  to make the stop's path ready (`ptz_prepare_stop`), so the stop does not open a connection.
- **No exceptions into the UI.** `HubPtzLocked`, `HubNotSupported`, any `HubError` and
  timeouts are emitted on `failed(error)`; the chain keeps working. After a failed move it waits
  `retry_after_s` before the next one, so a locked camera reports about once a second, not at
  the joystick's rate.

Signals (`console.base.signals.Signal`, emitted on the loop):

- `sent(command: str, pan: float, tilt: float, zoom: float, seq: int | None)`: when a command
  leaves ("move", "stop"; one-shots send their name with zeros and seq None).
- `answered(status: PtzStatus)`: the hub's answer to a move, stop or one-shot.
- `failed(error: HubError)`: a command failed.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from console.base.signals import Signal
from console.base.tasks import current_loop
from console.hub.errors import HubError, HubHttpError, HubUnreachable
from console.hub.facets import PtzFacet
from console.hub.models import PtzStatus

log = logging.getLogger(__name__)

T = TypeVar("T")

Velocity = tuple[float, float, float]
ZERO: Velocity = (0.0, 0.0, 0.0)

DEFAULT_MOVE_TIMEOUT_MS = 1000
DEFAULT_DEADMAN_S = 0.5
DEFAULT_MIN_INTERVAL_S = 0.05
DEFAULT_REQUEST_TIMEOUT_S = 2.0
DEFAULT_RETRY_AFTER_S = 1.0
# While steering, the stop's path (PtzFacet.ptz_prepare_stop) is made ready again this often:
# under the 15 s an idle kept-alive connection lasts, so the stop ending a long move is warm too.
PREPARE_STOP_EVERY_S = 10.0


class SeqCounter:
    """Command numbers that only grow: microseconds of the wall clock, at least last + 1.

    The hub ignores a move or stop whose seq is not larger than the last one it applied from the
    same operator on that camera. Time-based numbers keep growing across new `PtzControl`s and
    console restarts, so a new chain is never ignored because an old one counted higher.
    """

    def __init__(self, clock_us: Callable[[], int] | None = None) -> None:
        self._clock_us = clock_us or (lambda: time.time_ns() // 1000)
        self._last = 0
        # The stop line (console.ptz.stop_line) draws numbers from another thread.
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, self._clock_us())
            return self._last


# One counter for the whole process: two chains of one camera (two tiles) never collide.
next_seq = SeqCounter()


def clamp_speed(value: float) -> float:
    """A speed in [-1, 1]; NaN (a broken input device) counts as 0."""
    if math.isnan(value):
        return 0.0
    return max(-1.0, min(1.0, float(value)))


class PtzControl:
    """The chain between the UI and the hub driver for one camera (see the module doc)."""

    def __init__(
        self,
        client: PtzFacet,
        camera_id: str,
        *,
        move_timeout_ms: int = DEFAULT_MOVE_TIMEOUT_MS,
        deadman_s: float | None = DEFAULT_DEADMAN_S,
        min_interval_s: float = DEFAULT_MIN_INTERVAL_S,
        request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
        retry_after_s: float = DEFAULT_RETRY_AFTER_S,
        loop: asyncio.AbstractEventLoop | None = None,
        seq: Callable[[], int] | None = None,
    ) -> None:
        if not 100 <= move_timeout_ms <= 10000:
            raise ValueError("move_timeout_ms must be within 100..10000 (the contract's range)")
        if deadman_s is not None and deadman_s <= 0:
            raise ValueError("deadman_s must be positive (or None for no dead-man)")
        if min_interval_s < 0 or request_timeout_s <= 0 or retry_after_s < 0:
            raise ValueError("need min_interval_s >= 0, request_timeout_s > 0, retry_after_s >= 0")
        self.client = client
        self.camera_id = camera_id
        self.move_timeout_ms = move_timeout_ms
        self.deadman_s = deadman_s
        self.min_interval_s = min_interval_s
        self.request_timeout_s = request_timeout_s
        self.retry_after_s = retry_after_s
        # Re-send a held speed well before the hub-side dead-man stops the camera.
        self.refresh_s = move_timeout_ms / 1000.0 / 3.0
        self._loop = loop or current_loop()
        self._seq = seq or next_seq

        self.sent = Signal()
        self.answered = Signal()
        self.failed = Signal()

        self._target: Velocity = ZERO
        self._sent_speed: Velocity | None = None  # the speed of the last move, until a stop
        self._engaged = False  # a move went out since the last stop: release must stop
        self._move_task: asyncio.Task[None] | None = None
        self._urgent: set[asyncio.Task[None]] = set()  # stops in flight
        self._tasks: set[asyncio.Task[Any]] = set()  # everything in flight
        self._last_move_at = -math.inf
        self._stop_prepared_at = -math.inf
        self._prepare_task: asyncio.Task[None] | None = None
        self._last_input_at = -math.inf
        self._cooldown_until = -math.inf
        self._latest_seq: int | None = None
        self._deadman: asyncio.TimerHandle | None = None
        # qasync's call_at returns a plain Handle (no `when()`): keep the due time ourselves.
        self._wake: asyncio.Handle | None = None
        self._wake_at = math.inf
        self._closed = False
        self.last_status: PtzStatus | None = None

    def __repr__(self) -> str:
        return f"PtzControl({self.camera_id!r}, velocity={self._target})"

    # -- state ----------------------------------------------------------------------------------

    @property
    def velocity(self) -> Velocity:
        """The speed the operator holds now (zero when released)."""
        return self._target

    @property
    def moving(self) -> bool:
        """Whether this chain has commanded a move that no stop has ended yet."""
        return self._engaged

    @property
    def in_flight(self) -> int:
        """How many requests of this chain are waiting for the hub."""
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- continuous control ---------------------------------------------------------------------

    def set_velocity(self, pan: float, tilt: float, zoom: float) -> None:
        """One input sample: speeds in [-1, 1] (clamped). All zero releases (stop)."""
        if self._closed:
            return
        speed = (clamp_speed(pan), clamp_speed(tilt), clamp_speed(zoom))
        if speed == ZERO:
            if self._target != ZERO or self._engaged:
                self.release("zero speed")
            return
        self._last_input_at = self._loop.time()
        self._target = speed
        self._arm_deadman()
        self._pump()

    def release(self, reason: str = "release", *, force: bool = False) -> None:
        """Stop now: focus lost, tile changed, joystick unplugged, hub reconnected, key up.

        Sends `stop` at once (never behind an in-flight move) when this chain may have set the
        camera moving; otherwise only forgets the held speed. `force` sends the stop in any case
        (a stop button: it also ends a preset move or a tour).
        """
        if self._closed:
            return
        self._target = ZERO
        self._cancel_timers()
        # A move in flight from before the last stop is covered by that stop's higher seq.
        if self._engaged or force:
            log.debug("ptz %s: stop (%s)", self.camera_id, reason)
            self._send_stop()

    def _arm_deadman(self) -> None:
        if self.deadman_s is None or self._deadman is not None:
            return
        self._deadman = self._loop.call_at(
            self._last_input_at + self.deadman_s, self._deadman_check
        )

    def _deadman_check(self) -> None:
        self._deadman = None
        if self._closed or self._target == ZERO or self.deadman_s is None:
            return
        due = self._last_input_at + self.deadman_s
        if due > self._loop.time() + 0.001:
            # Samples kept coming: wait for the rest (one timer, not one per sample).
            self._deadman = self._loop.call_at(due, self._deadman_check)
            return
        log.info("ptz %s: no input for %.1f s, stopping", self.camera_id, self.deadman_s)
        self.release("dead-man")

    def _cancel_timers(self) -> None:
        for handle in (self._deadman, self._wake):
            if handle is not None:
                handle.cancel()
        self._deadman = self._wake = None

    def _next_move_at(self) -> float:
        earliest = max(self._last_move_at + self.min_interval_s, self._cooldown_until)
        if self._target != self._sent_speed:
            return earliest
        return max(earliest, self._last_move_at + self.refresh_s)

    def _pump(self) -> None:
        """Send the latest speed if nothing is in flight and it is time; else wake up later."""
        if self._closed or self._target == ZERO or self._move_task is not None:
            return
        due = self._next_move_at()
        now = self._loop.time()
        if due > now:
            if self._wake is None or self._wake_at > due:
                if self._wake is not None:
                    self._wake.cancel()
                self._wake = self._loop.call_at(due, self._on_wake)
                self._wake_at = due
            return
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        self._send_move(now)

    def _on_wake(self) -> None:
        self._wake = None
        self._pump()

    def _send_move(self, now: float) -> None:
        speed = self._target
        seq = self._seq()
        self._latest_seq = seq
        self._sent_speed = speed
        self._engaged = True
        self._last_move_at = now
        if now - self._stop_prepared_at >= PREPARE_STOP_EVERY_S:
            self._stop_prepared_at = now
            # Not counted in `in_flight`: it carries no command, and close() cancels it.
            self._prepare_task = self._loop.create_task(
                self._prepare_stop(), name=f"ptz-prepare-stop-{self.camera_id}"
            )
        self.sent.emit("move", *speed, seq)
        task = self._loop.create_task(self._move(speed, seq), name=f"ptz-move-{self.camera_id}")
        self._move_task = task
        self._track(task)

    async def _move(self, speed: Velocity, seq: int) -> None:
        try:
            status = await self._call(
                "move",
                lambda: self.client.ptz_move(
                    self.camera_id, *speed, timeout_ms=self.move_timeout_ms, seq=seq
                ),
            )
        except HubError as error:
            self._move_failed(error)
        else:
            self._answer(status, seq)
        finally:
            self._move_task = None
            self._pump()

    def _move_failed(self, error: HubError) -> None:
        self._cooldown_until = self._loop.time() + self.retry_after_s
        if isinstance(error, HubHttpError) and error.status < 500:
            # Refused (locked, not supported, bad request): the hub did not apply it, so this
            # chain has nothing to stop, and a release must not send a stop that fails as well.
            self._engaged = False
            self._sent_speed = None
        self.failed.emit(error)

    def _send_stop(self) -> None:
        seq = self._seq()
        self._latest_seq = seq
        self._engaged = False
        self._sent_speed = None
        self.sent.emit("stop", 0.0, 0.0, 0.0, seq)
        task = self._loop.create_task(self._stop(seq), name=f"ptz-stop-{self.camera_id}")
        self._urgent.add(task)
        task.add_done_callback(self._urgent.discard)
        self._track(task)

    async def _prepare_stop(self) -> None:
        try:
            await asyncio.wait_for(
                self.client.ptz_prepare_stop(self.camera_id), self.request_timeout_s
            )
        except (HubError, asyncio.TimeoutError) as error:
            log.debug("ptz %s: preparing the stop path failed: %s", self.camera_id, error)

    async def _stop(self, seq: int) -> None:
        try:
            status = await self._call("stop", lambda: self.client.ptz_stop(self.camera_id, seq=seq))
        except HubError as error:
            self.failed.emit(error)
        else:
            self._answer(status, seq)

    def _answer(self, status: PtzStatus, seq: int | None) -> None:
        self.last_status = status
        if status.ignored and seq is not None and seq == self._latest_seq:
            # Our newest command was older than one the hub already applied for this operator:
            # another console with the same operator name and a clock ahead of ours.
            log.warning(
                "ptz %s: the hub ignored command seq %s as out of date", self.camera_id, seq
            )
        self.answered.emit(status)

    # -- one-shot commands ----------------------------------------------------------------------

    def run(
        self, factory: Callable[[], Awaitable[T]], *, what: str = "command"
    ) -> asyncio.Task[T | None]:
        """Run one discrete command (goto preset, relative, absolute, home) in a task.

        It ends any continuous move first (without a stop: the command itself moves the camera)
        and waits for this chain's in-flight moves and stops, so a late move cannot undo it. The
        task's result is the command's, or None when it failed (reported on `failed`).
        """
        self._target = ZERO
        self._cancel_timers()
        self._engaged = False
        self._sent_speed = None
        task = self._loop.create_task(self._one_shot(factory, what), name=f"ptz-{what}")
        self._track(task)
        return task

    async def _one_shot(self, factory: Callable[[], Awaitable[T]], what: str) -> T | None:
        earlier = [t for t in (self._move_task, *self._urgent) if t is not None]
        if earlier:
            await asyncio.wait(earlier)
        if self._closed:
            return None
        self.sent.emit(what, 0.0, 0.0, 0.0, None)
        try:
            result = await self._call(what, factory)
        except HubError as error:
            self.failed.emit(error)
            return None
        if isinstance(result, PtzStatus):
            self._answer(result, None)
        return result

    def goto_preset(self, preset_id: str) -> asyncio.Task[PtzStatus | None]:
        return self.run(lambda: self.client.ptz_goto_preset(self.camera_id, preset_id), what="goto")

    def relative(
        self, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> asyncio.Task[PtzStatus | None]:
        return self.run(
            lambda: self.client.ptz_relative(self.camera_id, pan, tilt, zoom_factor),
            what="relative",
        )

    def absolute(
        self, pan: float | None = None, tilt: float | None = None, zoom: float | None = None
    ) -> asyncio.Task[PtzStatus | None]:
        return self.run(
            lambda: self.client.ptz_absolute(self.camera_id, pan, tilt, zoom), what="absolute"
        )

    def home(self) -> asyncio.Task[PtzStatus | None]:
        return self.run(lambda: self.client.ptz_home(self.camera_id), what="home")

    # -- plumbing -------------------------------------------------------------------------------

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _call(self, what: str, factory: Callable[[], Awaitable[T]]) -> T:
        """One hub call as a HubError or a result, within `request_timeout_s`."""
        try:
            return await asyncio.wait_for(factory(), self.request_timeout_s)
        except HubError:
            raise
        except asyncio.TimeoutError:
            raise HubUnreachable(
                f"PTZ {what} on {self.camera_id}: no answer within {self.request_timeout_s:g} s",
                operator_message="The video hub did not answer the camera command in time.",
            ) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("ptz %s on %s failed unexpectedly", what, self.camera_id)
            raise HubError(f"PTZ {what} on {self.camera_id} failed: {exc!r}") from None

    async def close(self) -> None:
        """Stop the camera if this chain moves it, then wait for every request in flight."""
        if self._closed:
            return
        self.release("close")
        self._closed = True
        self._cancel_timers()
        pending = list(self._tasks)
        if self._prepare_task is not None:
            self._prepare_task.cancel()
            pending.append(self._prepare_task)
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
