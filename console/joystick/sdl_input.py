"""USB joysticks and gamepads through SDL 2, on one background thread, without Qt or a window.

The thread owns SDL: it sets the hints, calls `SDL_Init(SDL_INIT_JOYSTICK | SDL_INIT_EVENTS)`
(no video subsystem), polls at `poll_hz`, opens devices as SDL reports them
(`SDL_JOYDEVICEADDED`, which also announces those present at start) and closes them on
`SDL_JOYDEVICEREMOVED`, and finally calls `SDL_Quit`. Nothing else touches SDL, except through
`JoystickInput.call_in_sdl_thread`, which runs a function on that thread between two polls.

Results reach the loop's thread only through `Marshal.call`, as emissions of the signals below.
"""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from console.base.marshal import Marshal
from console.base.signals import Signal
from console.joystick.mapping import apply
from console.joystick.profiles import JoystickProfiles

log = logging.getLogger(__name__)
T = TypeVar("T")

_Command = tuple[Callable[[], Any], "Future[Any]"]


@dataclass(frozen=True)
class JoystickInfo:
    """A device as it appeared. `key` names it in every signal; `guid` selects its profile."""

    key: str  # the SDL GUID string; "<GUID>#2" for a second identical device attached meanwhile
    guid: str  # the SDL GUID string: the profile key
    name: str
    instance_id: int  # SDL's id for this attachment (a re-plugged device gets a new one)
    axes: int
    buttons: int
    virtual: bool = False


def load_sdl() -> Any:
    """Import pysdl2 (which loads the SDL 2 library); raises when it is missing or unusable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pysdl2 warns that it uses the pysdl2-dll binaries
        import sdl2

    return sdl2


def axis_value(raw: int) -> float:
    """SDL's -32768..32767 as -1..1."""
    return raw / 32768.0 if raw < 0 else raw / 32767.0


@dataclass
class _Device:
    info: JoystickInfo
    handle: Any
    rest: list[float | None]  # where each axis rested when SDL first reported it
    moving: bool = False


class JoystickInput:
    """Joystick and gamepad input for PTZ.

    Signals, emitted on the loop's thread:
      attached(info: JoystickInfo)      a device appeared (also those present at start)
      detached(key: str)                it went away (or input stopped)
      axes(key: str, pan, tilt, zoom)   floats in [-1, 1], shaped by the device's profile; sent
                                        every poll while any is non-zero, then once with zeros
      button(key: str, action: str)     a mapped button was pressed (see mapping.ACTIONS)
      unavailable(message: str)         SDL could not start or failed; `problem` says the same

    A device unplugged, or input stopped, while its axes are non-zero first gets
    `axes(key, 0.0, 0.0, 0.0)` and then `detached(key)`, so its camera stops.
    """

    def __init__(
        self, marshal: Marshal, profiles: JoystickProfiles, poll_hz: float = 100.0
    ) -> None:
        if not poll_hz > 0:
            raise ValueError("poll_hz must be more than 0")
        self._marshal = marshal
        self._profiles = profiles
        self._period = 1.0 / poll_hz
        self.attached = Signal()
        self.detached = Signal()
        self.axes = Signal()
        self.button = Signal()
        self.unavailable = Signal()
        self.problem: str | None = None
        """Plain words for the status bar when joysticks are off, None when all is well."""
        self.on_rest: Callable[[str], None] | None = None
        """Called on SDL's thread, at once, with the device key when its axes come back to rest
        (or it goes away while deflected), before the zeros are handed to the loop. For the
        PTZ stop line only: it must not block and must not touch the GUI."""
        self._thread: threading.Thread | None = None
        self._commands: queue.SimpleQueue[_Command | None] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._gate = threading.Lock()  # orders "accepting commands" against the final drain
        self._running = False
        self._session = 0

    # -- loop thread -----------------------------------------------------------------------

    @property
    def poll_hz(self) -> float:
        return 1.0 / self._period

    @property
    def running(self) -> bool:
        """SDL is initialised and polling."""
        return self._running

    @property
    def session(self) -> int:
        """Counts SDL initialisations; SDL handles from an earlier session are dead."""
        return self._session

    def start(self) -> None:
        """Start the SDL thread. Never raises for a missing SDL: see `problem`/`unavailable`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self.problem = None
        self._stopping.clear()
        self._ready.clear()
        self._commands = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="tessera-joystick", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Block until SDL has started or failed to (then `problem` is set); False on timeout."""
        return self._ready.wait(timeout)

    def stop(self, timeout: float = 2.0) -> bool:
        """Stop polling, release the devices and quit SDL on its thread. True when it ended
        within `timeout`; otherwise the (daemon) thread is left to end on its own."""
        thread = self._thread
        if thread is None:
            return True
        self._stopping.set()
        self._commands.put(None)  # wake it now rather than at the next poll
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the joystick thread did not stop within %.1f s", timeout)
            return False
        self._thread = None
        return True

    def call_in_sdl_thread(self, fn: Callable[[], T], timeout: float = 2.0) -> T:
        """Run `fn()` on the SDL thread between two polls and return its result (blocking).

        Raises RuntimeError when SDL is not running, TimeoutError after `timeout` seconds, and
        whatever `fn` raised.
        """
        if threading.current_thread() is self._thread:
            return fn()
        future: Future[T] = Future()
        with self._gate:
            if not self._running:
                raise RuntimeError(self.problem or "joystick input is not running")
            self._commands.put((fn, future))
        return future.result(timeout)

    # -- SDL thread ------------------------------------------------------------------------

    def _emit(self, signal: Signal, *args: Any) -> None:
        self._marshal.call(signal.emit, *args)

    def _fail(self, message: str) -> None:
        log.warning("%s", message)
        self.problem = message
        self._ready.set()
        self._emit(self.unavailable, message)

    def _run(self) -> None:
        try:
            sdl = load_sdl()
        except Exception as e:
            self._fail(f"Joysticks are off: the SDL 2 library could not be loaded ({e}).")
            return
        flags = sdl.SDL_INIT_JOYSTICK | sdl.SDL_INIT_EVENTS
        try:
            sdl.SDL_SetHint(sdl.SDL_HINT_JOYSTICK_ALLOW_BACKGROUND_EVENTS, b"1")
            # SDL would otherwise take over SIGINT/SIGTERM from Python for its quit event.
            sdl.SDL_SetHint(sdl.SDL_HINT_NO_SIGNAL_HANDLERS, b"1")
            failed = sdl.SDL_Init(flags) != 0
        except Exception as e:
            failed, error = True, str(e)
        else:
            error = _text(sdl.SDL_GetError()) if failed else ""
        if failed:
            sdl.SDL_Quit()
            self._fail(
                "Joysticks are off: SDL could not start its joystick support "
                f"({error or 'no reason given'})."
            )
            return
        devices: dict[int, _Device] = {}
        self._session += 1
        with self._gate:
            self._running = True
        self._ready.set()
        try:
            self._poll(sdl, devices)
        except Exception:
            log.exception("joystick input failed")
            self._fail("Joysticks stopped after an unexpected error (details are in the log).")
        finally:
            with self._gate:
                self._running = False
            self._serve_commands(wait=0.0, refuse=True)
            for device in devices.values():
                self._release(device)
                sdl.SDL_JoystickClose(device.handle)
            sdl.SDL_QuitSubSystem(flags)
            sdl.SDL_Quit()

    def _poll(self, sdl: Any, devices: dict[int, _Device]) -> None:
        event = sdl.SDL_Event()
        next_tick = time.monotonic()
        while not self._stopping.is_set():
            self._serve_commands(wait=next_tick - time.monotonic())
            if self._stopping.is_set():
                return
            self._tick(sdl, devices, event)
            next_tick += self._period
            now = time.monotonic()
            if next_tick < now - self._period:
                next_tick = now  # fell behind (a slow command, a suspended machine): no burst

    def _serve_commands(self, wait: float, refuse: bool = False) -> None:
        """Run queued commands until `wait` seconds have passed (at least the ones queued)."""
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining > 0 and not refuse:
                    command = self._commands.get(timeout=remaining)
                else:
                    command = self._commands.get_nowait()
            except queue.Empty:
                return
            if command is None:
                if self._stopping.is_set() and not refuse:
                    return
                continue
            fn, future = command
            if not future.set_running_or_notify_cancel():
                continue
            if refuse:
                future.set_exception(RuntimeError("joystick input stopped"))
                continue
            try:
                future.set_result(fn())
            except BaseException as e:
                future.set_exception(e)

    def _tick(self, sdl: Any, devices: dict[int, _Device], event: Any) -> None:
        while sdl.SDL_PollEvent(ctypes.byref(event)):
            kind = event.type
            if kind == sdl.SDL_JOYDEVICEADDED:
                self._open(sdl, devices, event.jdevice.which)
            elif kind == sdl.SDL_JOYDEVICEREMOVED:
                device = devices.pop(event.jdevice.which, None)
                if device is not None:
                    self._release(device)
                    sdl.SDL_JoystickClose(device.handle)
            elif kind == sdl.SDL_JOYBUTTONDOWN:
                device = devices.get(event.jbutton.which)
                if device is not None:
                    profile = self._profiles.get(device.info.guid, device.info.name)
                    action = profile.action_for(event.jbutton.button)
                    if action is not None:
                        self._emit(self.button, device.info.key, action)
        for device in devices.values():
            self._sample(sdl, device)

    def _sample(self, sdl: Any, device: _Device) -> None:
        handle = device.handle
        for i, rest in enumerate(device.rest):
            if rest is None:
                state = ctypes.c_int16()
                if sdl.SDL_JoystickGetAxisInitialState(handle, i, ctypes.byref(state)):
                    device.rest[i] = axis_value(state.value)
        raw = [axis_value(sdl.SDL_JoystickGetAxis(handle, i)) for i in range(device.info.axes)]
        profile = self._profiles.get(device.info.guid, device.info.name)
        pan, tilt, zoom = apply(profile, raw, device.rest)
        if pan or tilt or zoom:
            device.moving = True
            self._emit(self.axes, device.info.key, pan, tilt, zoom)
        elif device.moving:
            device.moving = False
            self._came_to_rest(device)
            self._emit(self.axes, device.info.key, 0.0, 0.0, 0.0)

    def _came_to_rest(self, device: _Device) -> None:
        callback = self.on_rest
        if callback is None:
            return
        try:
            callback(device.info.key)
        except Exception:
            log.exception("the joystick's rest callback failed")

    def _open(self, sdl: Any, devices: dict[int, _Device], index: int) -> None:
        handle = sdl.SDL_JoystickOpen(index)
        if not handle:
            log.warning("could not open joystick %d: %s", index, _text(sdl.SDL_GetError()))
            return
        instance_id = int(sdl.SDL_JoystickInstanceID(handle))
        if instance_id in devices:  # SDL gave us our own handle again (it counts references)
            sdl.SDL_JoystickClose(handle)
            return
        buffer = ctypes.create_string_buffer(33)
        sdl.SDL_JoystickGetGUIDString(sdl.SDL_JoystickGetGUID(handle), buffer, len(buffer))
        guid = _text(buffer.value)
        keys = {d.info.key for d in devices.values()}
        key, n = guid, 1
        while key in keys:
            n += 1
            key = f"{guid}#{n}"
        naxes = max(0, int(sdl.SDL_JoystickNumAxes(handle)))
        info = JoystickInfo(
            key=key,
            guid=guid,
            name=_text(sdl.SDL_JoystickName(handle)) or "Joystick",
            instance_id=instance_id,
            axes=naxes,
            buttons=max(0, int(sdl.SDL_JoystickNumButtons(handle))),
            virtual=bool(sdl.SDL_JoystickIsVirtual(index)),
        )
        devices[instance_id] = _Device(info, handle, [None] * naxes)
        log.info(
            "joystick attached: %s (%s, %d axes, %d buttons)", info.name, key, naxes, info.buttons
        )
        self._emit(self.attached, info)

    def _release(self, device: _Device) -> None:
        if device.moving:
            device.moving = False
            self._came_to_rest(device)
            self._emit(self.axes, device.info.key, 0.0, 0.0, 0.0)
        log.info("joystick detached: %s (%s)", device.info.name, device.info.key)
        self._emit(self.detached, device.info.key)


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value else ""
