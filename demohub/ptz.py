"""The demo hub's PTZ engine: a head with finite speeds, the operator lock, presets and tours.

Implements the PTZ part of the hub API (docs/hub-api.md, "PTZ"); `hub.py` only maps HTTP onto it.

Threads: commands arrive on the asyncio loop thread, while encoder threads render the scene from
the head's position. The head's whole state is one immutable `Motion` segment (start position,
start time, and either a velocity or a target), replaced in one attribute assignment, and a
position is a pure function of that segment and the time. A reader never sees half a command
and needs no lock.

Clock: the head runs on Unix time (`time.time`), the clock the scenes render with, so every
frame shows the head where it was at the instant its time code says. The operator lock's idle
release uses the monotonic clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from demohub.events import iso_time

__all__ = [
    "DEFAULT_LOCK_IDLE_S",
    "DEMO_PTZ",
    "Axis",
    "Motion",
    "Position",
    "Preset",
    "PtzCamera",
    "PtzError",
    "PtzHead",
    "PtzLock",
    "PtzSpec",
    "Tour",
    "TourStep",
]

log = logging.getLogger(__name__)

DEFAULT_LOCK_IDLE_S = 5.0
NAME_MAX = 64
TIMEOUT_MS = (100.0, 10000.0)
DWELL_S = (1.0, 3600.0)
PRIORITY = (0, 100)

Publish = Callable[[str, dict[str, Any]], None]
"""Publishes an event of this camera: `publish(type, data)`."""


class PtzError(Exception):
    """A refused PTZ request: `code` is the contract's error code, `lock` set for ptz_locked."""

    def __init__(self, code: str, message: str, lock: PtzLock | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.lock = lock


@dataclass(frozen=True)
class Axis:
    """The range of one axis."""

    min: float
    max: float

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))

    def to_json(self) -> dict[str, float]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class Position:
    """Pan and tilt in degrees (right and up are positive), zoom as magnification."""

    pan: float
    tilt: float
    zoom: float

    def to_json(self) -> dict[str, float]:
        return {"pan": round(self.pan, 4), "tilt": round(self.tilt, 4), "zoom": round(self.zoom, 4)}


@dataclass(frozen=True)
class PtzSpec:
    """What a PTZ camera can do: ranges, field of view at the widest zoom, full speeds."""

    pan: Axis = Axis(-170.0, 170.0)
    tilt: Axis = Axis(-30.0, 30.0)
    zoom: Axis = Axis(1.0, 8.0)
    fov_h: float = 60.0
    fov_v: float = 33.75
    pan_speed: float = 90.0  # degrees per second at speed 1
    tilt_speed: float = 45.0  # degrees per second at speed 1
    zoom_speed: float = 1.0  # doublings of the zoom per second at speed 1
    home: Position = Position(0.0, 0.0, 1.0)

    def clamp(self, position: Position) -> Position:
        return Position(
            self.pan.clamp(position.pan),
            self.tilt.clamp(position.tilt),
            self.zoom.clamp(position.zoom),
        )

    def to_json(self, lock_idle_s: float) -> dict[str, Any]:
        """The camera's `ptz` object (docs/hub-api.md)."""
        return {
            "continuous": True,
            "absolute": True,
            "relative": True,
            "presets": True,
            "home": True,
            "tours": True,
            "pan": self.pan.to_json(),
            "tilt": self.tilt.to_json(),
            "zoom": self.zoom.to_json(),
            "fov": {"horizontal": self.fov_h, "vertical": self.fov_v},
            "lock_idle_s": lock_idle_s,
        }


DEMO_PTZ = PtzSpec()


def _approach(start: float, target: float, step: float) -> float:
    """`start` moved towards `target` by at most `step`."""
    if abs(target - start) <= step:
        return target
    return start + math.copysign(step, target - start)


@dataclass(frozen=True)
class Motion:
    """One motion segment of the head, from `start` at Unix time `t0`.

    Either continuous, at `velocity` (pan and tilt in degrees per second, zoom in doublings per
    second) until `until` and clamped at the range ends, or, with a `target`, towards the target
    at full speed on every axis. `at(t)` is a pure function of the segment and `t`.
    """

    spec: PtzSpec
    start: Position
    t0: float
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    until: float = 0.0
    target: Position | None = None

    def at(self, t: float) -> Position:
        """The position at Unix time `t` (times before `t0` give `start`)."""
        s, start = self.spec, self.start
        dt = max(0.0, t - self.t0)
        if self.target is not None:
            target = self.target
            log_zoom = _approach(math.log2(start.zoom), math.log2(target.zoom), s.zoom_speed * dt)
            return Position(
                _approach(start.pan, target.pan, s.pan_speed * dt),
                _approach(start.tilt, target.tilt, s.tilt_speed * dt),
                target.zoom if log_zoom == math.log2(target.zoom) else 2.0**log_zoom,
            )
        dt = min(dt, max(0.0, self.until - self.t0))
        v_pan, v_tilt, v_zoom = self.velocity
        return Position(
            s.pan.clamp(start.pan + v_pan * dt),
            s.tilt.clamp(start.tilt + v_tilt * dt),
            s.zoom.clamp(start.zoom * 2.0 ** (v_zoom * dt)),
        )

    @property
    def end(self) -> float:
        """When the head comes to rest (arrives, times out or reaches the range ends)."""
        s, start = self.spec, self.start
        if self.target is not None:
            target = self.target
            return self.t0 + max(
                abs(target.pan - start.pan) / s.pan_speed,
                abs(target.tilt - start.tilt) / s.tilt_speed,
                abs(math.log2(target.zoom) - math.log2(start.zoom)) / s.zoom_speed,
            )
        duration = max(0.0, self.until - self.t0)
        longest = 0.0
        axes = (
            (start.pan, s.pan, self.velocity[0]),
            (start.tilt, s.tilt, self.velocity[1]),
            (
                math.log2(start.zoom),
                Axis(math.log2(s.zoom.min), math.log2(s.zoom.max)),
                self.velocity[2],
            ),
        )
        for value, axis, speed in axes:
            if speed == 0.0:
                continue
            room = (axis.max - value) if speed > 0 else (value - axis.min)
            longest = max(longest, min(duration, max(0.0, room) / abs(speed)))
        return self.t0 + longest

    def moving(self, t: float) -> bool:
        return t < self.end


class PtzHead:
    """The mechanical head: one `Motion` segment at a time, swapped atomically.

    Commands (`move`, `go_to`, `stop`) come from one thread (the loop); `position_at` and
    `motion` may be read from any thread.
    """

    def __init__(
        self,
        spec: PtzSpec = DEMO_PTZ,
        *,
        start: Position | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec = spec
        self.clock = clock
        now = clock()
        self._motion = Motion(spec, spec.clamp(start or spec.home), now, until=now)

    @property
    def motion(self) -> Motion:
        return self._motion

    def position_at(self, t: float) -> Position:
        return self._motion.at(t)

    def position(self) -> Position:
        """Where the head is now."""
        return self._motion.at(self.clock())

    def moving(self) -> bool:
        return self._motion.moving(self.clock())

    def move(self, pan: float, tilt: float, zoom: float, timeout_s: float) -> Motion:
        """Move continuously at normalized speeds (-1..1) for at most `timeout_s`."""
        s = self.spec
        velocity = (pan * s.pan_speed, tilt * s.tilt_speed, zoom * s.zoom_speed)
        return self._replace(lambda now, here: Motion(s, here, now, velocity, now + timeout_s))

    def go_to(self, target: Position) -> Motion:
        """Move at full speed to `target` (clamped to the ranges)."""
        goal = self.spec.clamp(target)
        return self._replace(lambda now, here: Motion(self.spec, here, now, target=goal))

    def stop(self) -> Motion:
        return self._replace(lambda now, here: Motion(self.spec, here, now, until=now))

    def _replace(self, make: Callable[[float, Position], Motion]) -> Motion:
        now = self.clock()
        motion = make(now, self._motion.at(now))
        self._motion = motion  # one assignment: readers see the old or the new segment
        return motion


@dataclass(frozen=True)
class PtzLock:
    operator: str
    priority: int
    since: str  # ISO 8601 UTC
    idle_release_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "priority": self.priority,
            "since": self.since,
            "idle_release_s": self.idle_release_s,
        }


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    position: Position

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.position.to_json()}


@dataclass(frozen=True)
class TourStep:
    preset_id: str
    dwell_s: float

    def to_json(self) -> dict[str, Any]:
        return {"preset_id": self.preset_id, "dwell_s": self.dwell_s}


@dataclass(frozen=True)
class Tour:
    id: str
    name: str
    steps: tuple[TourStep, ...]


@dataclass(eq=False)
class _TourRun:
    tour_id: str
    task: asyncio.Task[None] | None = None
    step: int = 0


@dataclass
class _Ids:
    """Opaque ids `p1`, `p2`, ... never reused on this camera."""

    prefix: str
    last: int = 0

    def next(self) -> str:
        self.last += 1
        return f"{self.prefix}{self.last}"


def check_range(name: str, value: float, low: float, high: float) -> None:
    """400 `out_of_range` naming the field when `value` is outside `low..high`."""
    if not low <= value <= high:
        raise PtzError("out_of_range", f"{name} {value:g} is outside {low:g}..{high:g}")


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise PtzError("bad_request", f"name must be 1 to {NAME_MAX} characters")
    return name


class PtzCamera:
    """The PTZ side of one camera: its head, lock, presets, home and tours.

    Loop thread only (tours are asyncio tasks; the lock's idle release is a loop timer, and is
    also checked whenever the lock is looked at). Methods take the operator's name and raise
    `PtzError` for refusals; what changes is published through `publish`.
    """

    def __init__(
        self,
        camera_id: str,
        name: str,
        *,
        spec: PtzSpec = DEMO_PTZ,
        lock_idle_s: float = DEFAULT_LOCK_IDLE_S,
        publish: Publish | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera_id = camera_id
        self.name = name
        self.spec = spec
        self.lock_idle_s = lock_idle_s
        self.head = PtzHead(spec, clock=clock)
        self.home = spec.home
        self._publish = publish or (lambda type_, data: None)
        self._monotonic = monotonic
        self._lock: PtzLock | None = None
        self._lock_used = 0.0  # monotonic time of the holder's last command
        self._lock_timer: asyncio.TimerHandle | None = None
        self._last_seq: dict[str, int] = {}
        self._presets: dict[str, Preset] = {}
        self._tours: dict[str, Tour] = {}
        self._run: _TourRun | None = None
        self._preset_ids = _Ids("p")
        self._tour_ids = _Ids("t")

    # -- reading --------------------------------------------------------------------------------
    def position(self) -> Position:
        """Where the head is now."""
        return self.head.position()

    @property
    def lock(self) -> PtzLock | None:
        """The lock now (an idle one is released first)."""
        self._expire_idle_lock()
        return self._lock

    @property
    def running_tour(self) -> str | None:
        return None if self._run is None else self._run.tour_id

    def presets(self) -> list[Preset]:
        return list(self._presets.values())

    def tours(self) -> list[Tour]:
        return list(self._tours.values())

    def status(self, *, ignored: bool = False) -> dict[str, Any]:
        """The PtzStatus object."""
        motion = self.head.motion
        now = self.head.clock()
        lock = self.lock
        tour = None
        if self._run is not None:
            running = self._tours[self._run.tour_id]
            tour = {"id": running.id, "name": running.name, "step": self._run.step}
        status: dict[str, Any] = {
            "position": motion.at(now).to_json(),
            "moving": motion.moving(now),
            "lock": None if lock is None else lock.to_json(),
            "tour": tour,
        }
        if ignored:
            status["ignored"] = True
        return status

    def preset_json(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self._presets.values()]

    def tour_json(self, tour: Tour) -> dict[str, Any]:
        return {
            "id": tour.id,
            "name": tour.name,
            "steps": [step.to_json() for step in tour.steps],
            "running": self.running_tour == tour.id,
        }

    def tours_json(self) -> list[dict[str, Any]]:
        return [self.tour_json(t) for t in self._tours.values()]

    # -- moving ---------------------------------------------------------------------------------
    def move(
        self,
        operator: str,
        pan: float = 0.0,
        tilt: float = 0.0,
        zoom: float = 0.0,
        *,
        timeout_ms: float = 1000.0,
        seq: int | None = None,
    ) -> bool:
        """Continuous move at normalized speeds; False when ignored for its `seq`."""
        for axis, speed in (("pan", pan), ("tilt", tilt), ("zoom", zoom)):
            check_range(axis, speed, -1.0, 1.0)
        check_range("timeout_ms", timeout_ms, *TIMEOUT_MS)
        if self._stale(operator, seq):
            return False
        self._steer(operator)
        self.head.move(pan, tilt, zoom, timeout_ms / 1000.0)
        self._applied(operator, seq)
        return True

    def stop(self, operator: str, *, seq: int | None = None) -> bool:
        """Stop the head (and a tour); False when ignored for its `seq`."""
        if self._stale(operator, seq):
            return False
        self._steer(operator, take=False)
        self.head.stop()
        self._applied(operator, seq)
        return True

    def absolute(
        self,
        operator: str,
        pan: float | None = None,
        tilt: float | None = None,
        zoom: float | None = None,
    ) -> None:
        """Move to the given axes' positions; the other axes stop where they are."""
        s = self.spec
        for name, value, axis in (
            ("pan", pan, s.pan),
            ("tilt", tilt, s.tilt),
            ("zoom", zoom, s.zoom),
        ):
            if value is not None:
                check_range(name, value, axis.min, axis.max)
        self._steer(operator)
        here = self.head.position()
        self.head.go_to(
            Position(
                here.pan if pan is None else pan,
                here.tilt if tilt is None else tilt,
                here.zoom if zoom is None else zoom,
            )
        )

    def relative(
        self, operator: str, pan: float = 0.0, tilt: float = 0.0, zoom_factor: float = 1.0
    ) -> None:
        """Move by offsets from here (the target is clamped to the ranges)."""
        s = self.spec
        check_range("pan", pan, -(s.pan.max - s.pan.min), s.pan.max - s.pan.min)
        check_range("tilt", tilt, -(s.tilt.max - s.tilt.min), s.tilt.max - s.tilt.min)
        widest = s.zoom.max / s.zoom.min
        check_range("zoom_factor", zoom_factor, 1.0 / widest, widest)
        self._steer(operator)
        here = self.head.position()
        self.head.go_to(Position(here.pan + pan, here.tilt + tilt, here.zoom * zoom_factor))

    def go_home(self, operator: str) -> None:
        self._steer(operator)
        self.head.go_to(self.home)

    def set_home(self, operator: str) -> None:
        """The current position becomes home (a setting: needs no lock)."""
        self._configure(operator)
        self.home = self.head.position()

    # -- what outlives the process (demohub.state) ------------------------------------------
    def saved(self) -> dict[str, Any]:
        """Home, presets and tours (not the lock, the head or a running tour), as JSON."""
        return {
            "home": self.home.to_json(),
            "presets": self.preset_json(),
            "tours": [
                {"id": t.id, "name": t.name, "steps": [s.to_json() for s in t.steps]}
                for t in self._tours.values()
            ],
            "last_preset_id": self._preset_ids.last,
            "last_tour_id": self._tour_ids.last,
        }

    def restore(self, saved: dict[str, Any]) -> None:
        """What `saved()` gave, before the hub serves (KeyError, TypeError, ValueError when it
        is not that)."""

        def position(raw: dict[str, Any]) -> Position:
            return self.spec.clamp(
                Position(float(raw["pan"]), float(raw["tilt"]), float(raw["zoom"]))
            )

        presets = {
            str(p["id"]): Preset(str(p["id"]), str(p["name"]), position(p["position"]))
            for p in saved["presets"]
        }
        tours = {}
        for t in saved["tours"]:
            steps = tuple(TourStep(str(s["preset_id"]), float(s["dwell_s"])) for s in t["steps"])
            if any(step.preset_id not in presets for step in steps):
                raise ValueError(f"tour {t['id']!r} uses a preset that is not saved")
            tours[str(t["id"])] = Tour(str(t["id"]), str(t["name"]), steps)
        self.home = position(saved["home"])
        self._presets, self._tours = presets, tours
        self._preset_ids.last = int(saved["last_preset_id"])
        self._tour_ids.last = int(saved["last_tour_id"])

    # -- presets --------------------------------------------------------------------------------
    def preset(self, preset_id: str) -> Preset:
        preset = self._presets.get(preset_id)
        if preset is None:
            raise PtzError("not_found", f"no preset {preset_id!r} on {self.camera_id}")
        return preset

    def add_preset(self, operator: str, name: str) -> Preset:
        """Save the current position under `name` (unique per camera, ignoring case)."""
        name = self._unique_preset_name(name)
        self._configure(operator)
        preset = Preset(self._preset_ids.next(), name, self.head.position())
        self._presets[preset.id] = preset
        self._publish("ptz.presets", {"presets": self.preset_json()})
        return preset

    def rename_preset(self, operator: str, preset_id: str, name: str) -> Preset:
        preset = self.preset(preset_id)
        name = self._unique_preset_name(name, preset_id)
        self._configure(operator)
        preset = self._presets[preset_id] = replace(preset, name=name)
        self._publish("ptz.presets", {"presets": self.preset_json()})
        return preset

    def delete_preset(self, operator: str, preset_id: str) -> None:
        """Forget a preset; refused (conflict) while a tour uses it."""
        preset = self.preset(preset_id)
        users = [
            t.name for t in self._tours.values() if any(s.preset_id == preset_id for s in t.steps)
        ]
        if users:
            raise PtzError(
                "conflict",
                f"preset {preset.name!r} is used by tour {users[0]!r}; change the tour first",
            )
        self._configure(operator)
        del self._presets[preset_id]
        self._publish("ptz.presets", {"presets": self.preset_json()})

    def goto_preset(self, operator: str, preset_id: str) -> None:
        preset = self.preset(preset_id)
        self._steer(operator)
        self.head.go_to(preset.position)

    def _unique_preset_name(self, name: str, preset_id: str | None = None) -> str:
        name = _check_name(name)
        for other in self._presets.values():
            if other.id != preset_id and other.name.casefold() == name.casefold():
                raise PtzError("conflict", f"a preset named {other.name!r} exists already")
        return name

    # -- tours ----------------------------------------------------------------------------------
    def tour(self, tour_id: str) -> Tour:
        tour = self._tours.get(tour_id)
        if tour is None:
            raise PtzError("not_found", f"no tour {tour_id!r} on {self.camera_id}")
        return tour

    def add_tour(self, operator: str, name: str, steps: list[TourStep]) -> Tour:
        tour = Tour(self._tour_ids.next(), *self._check_tour(name, steps))
        self._configure(operator)
        self._tours[tour.id] = tour
        self._publish("ptz.tours", {"tours": self.tours_json()})
        return tour

    def replace_tour(self, operator: str, tour_id: str, name: str, steps: list[TourStep]) -> Tour:
        """Change a tour; a running one goes on with the new steps from its next step."""
        self.tour(tour_id)
        tour = Tour(tour_id, *self._check_tour(name, steps))
        self._configure(operator)
        self._tours[tour_id] = tour
        self._publish("ptz.tours", {"tours": self.tours_json()})
        return tour

    def delete_tour(self, operator: str, tour_id: str) -> None:
        """Forget a tour; a running one is stopped first, which only the lock holder may do."""
        self.tour(tour_id)
        if self.running_tour == tour_id:
            self._steer(operator, take=False)
        else:
            self._configure(operator)
        del self._tours[tour_id]
        self._publish("ptz.tours", {"tours": self.tours_json()})

    def start_tour(self, operator: str, tour_id: str) -> None:
        """Run a tour (as an asyncio task on the running loop); it takes the lock like a move."""
        self.tour(tour_id)
        self._steer(operator)  # also stops a tour already running
        run = self._run = _TourRun(tour_id)
        run.task = asyncio.get_running_loop().create_task(
            self._tour_loop(run), name=f"ptz-tour-{self.camera_id}-{tour_id}"
        )
        self._publish("ptz.tours", {"tours": self.tours_json()})

    def stop_tour(self, operator: str, tour_id: str) -> None:
        """Stop this tour if it runs; the head finishes its current move."""
        self.tour(tour_id)
        if self.running_tour != tour_id:
            return
        self._steer(operator, take=False)

    def _check_tour(self, name: str, steps: list[TourStep]) -> tuple[str, tuple[TourStep, ...]]:
        name = _check_name(name)
        if not steps:
            raise PtzError("bad_request", "a tour needs at least one step")
        for i, step in enumerate(steps):
            check_range(f"steps[{i}].dwell_s", step.dwell_s, *DWELL_S)
            if step.preset_id not in self._presets:
                raise PtzError("bad_request", f"steps[{i}]: no preset {step.preset_id!r}")
        return name, tuple(steps)

    async def _tour_loop(self, run: _TourRun) -> None:
        """Go to each step's preset, wait until there, dwell, loop; until stopped."""
        try:
            while self._run is run:
                tour = self._tours[run.tour_id]
                run.step %= len(tour.steps)
                step = tour.steps[run.step]
                motion = self.head.go_to(self._presets[step.preset_id].position)
                self._touch_lock()
                await asyncio.sleep(max(0.0, motion.end - self.head.clock()) + step.dwell_s)
                run.step += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("tour %s of %s failed", run.tour_id, self.camera_id)
            if self._run is run:
                self._run = None
                self._publish("ptz.tours", {"tours": self.tours_json()})

    def _stop_tour(self) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        if run.task is not None:
            run.task.cancel()
        self._publish("ptz.tours", {"tours": self.tours_json()})

    # -- the lock -------------------------------------------------------------------------------
    def take_lock(self, operator: str, priority: int | None = None) -> PtzLock:
        """Take, refresh or (with a higher priority) take over the lock.

        Without a priority: 0 for a new lock, the holder's own when refreshing.
        """
        if priority is not None:
            check_range("priority", priority, *PRIORITY)
        lock = self.lock
        if lock is None:
            self._set_lock(operator, priority or 0)
        elif lock.operator == operator:
            self._touch_lock()
            if priority is not None and priority != lock.priority:
                self._lock = replace(lock, priority=priority)
                self._publish("ptz.lock", {"lock": self._lock.to_json()})
        elif priority is not None and priority > lock.priority:
            log.info("%s takes PTZ of %s over from %s", operator, self.camera_id, lock.operator)
            self._stop_tour()
            self.head.stop()  # the new holder starts with a camera at rest
            self._set_lock(operator, priority)
        else:
            raise self._locked(lock)
        assert self._lock is not None
        return self._lock

    def release_lock(self, operator: str) -> None:
        """Release the lock; only its holder may (a free camera: nothing to do)."""
        lock = self.lock
        if lock is None:
            return
        if lock.operator != operator:
            raise self._locked(lock)
        self._stop_tour()
        self._clear_lock()

    def _steer(self, operator: str, *, take: bool = True) -> None:
        """Before a command that moves or stops the head: check (or take) the lock, end a tour."""
        lock = self.lock
        if lock is not None and lock.operator != operator:
            raise self._locked(lock)
        if lock is None and take:
            self._set_lock(operator, 0)
        elif lock is not None:
            self._touch_lock()
        self._stop_tour()

    def _configure(self, operator: str) -> None:
        """Before a settings change (presets, tours, home): no lock needed; refreshes it."""
        lock = self.lock
        if lock is not None and lock.operator == operator:
            self._touch_lock()

    def _locked(self, lock: PtzLock) -> PtzError:
        return PtzError(
            "ptz_locked",
            f"PTZ of {self.name!r} is held by {lock.operator} (priority {lock.priority}) "
            f"since {lock.since[11:19]} UTC",
            lock,
        )

    def _set_lock(self, operator: str, priority: int) -> None:
        self._lock = PtzLock(operator, priority, iso_time(), self.lock_idle_s)
        self._touch_lock()
        self._arm_lock_timer(self.lock_idle_s)
        self._publish("ptz.lock", {"lock": self._lock.to_json()})

    def _clear_lock(self) -> None:
        self._lock = None
        if self._lock_timer is not None:
            self._lock_timer.cancel()
            self._lock_timer = None
        self._publish("ptz.lock", {"lock": None})

    def _touch_lock(self) -> None:
        self._lock_used = self._monotonic()

    def _expire_idle_lock(self) -> None:
        if self._lock is None:
            return
        if self._run is not None:  # a running tour keeps its starter's lock
            self._touch_lock()
        elif self._monotonic() - self._lock_used >= self._lock.idle_release_s:
            log.info("PTZ lock of %s on %s released (idle)", self._lock.operator, self.camera_id)
            self._clear_lock()

    def _arm_lock_timer(self, delay: float) -> None:
        if self._lock_timer is not None:
            self._lock_timer.cancel()
            self._lock_timer = None
        with contextlib.suppress(RuntimeError):  # no running loop: checked when looked at
            self._lock_timer = asyncio.get_running_loop().call_later(delay, self._on_lock_timer)

    def _on_lock_timer(self) -> None:
        self._lock_timer = None
        self._expire_idle_lock()
        if self._lock is not None:
            left = self._lock.idle_release_s - (self._monotonic() - self._lock_used)
            self._arm_lock_timer(max(0.01, left))

    # -- ordering -------------------------------------------------------------------------------
    def _stale(self, operator: str, seq: int | None) -> bool:
        """A `seq` not larger than the last applied one from this operator: ignore the command."""
        last = self._last_seq.get(operator)
        return seq is not None and last is not None and seq <= last

    def _applied(self, operator: str, seq: int | None) -> None:
        if seq is not None:
            self._last_seq[operator] = seq

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop a tour and the lock timer (the hub is stopping)."""
        run, self._run = self._run, None
        if run is not None and run.task is not None:
            run.task.cancel()
        if self._lock_timer is not None:
            self._lock_timer.cancel()
            self._lock_timer = None
