"""SDL's own virtual joystick, for tests and the PTZ benchmark: no hardware, no fake.

`SDL_JoystickAttachVirtualEx` makes SDL announce a device exactly as a plugged-in one
(`SDL_JOYDEVICEADDED`, a GUID built from the name, axes and buttons read through the normal
joystick API), so `JoystickInput` cannot tell it from a USB stick.
"""

from __future__ import annotations

import ctypes
import itertools
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from console.joystick.sdl_input import JoystickInput, load_sdl

_names = itertools.count(1)


def _raw(value: float) -> int:
    value = max(-1.0, min(value, 1.0))
    return round(value * 32768) if value < 0 else round(value * 32767)


class VirtualJoystick:
    """A virtual device attached through a running `JoystickInput`.

    Thread safety, the choice made: every SDL call of this class runs on the JoystickInput's SDL
    thread, handed over with `JoystickInput.call_in_sdl_thread` and run between two polls. That
    thread has done `SDL_Init`, so SDL's joystick state exists and is not being torn down, and
    the order of effects is exact: a value set here is what the next poll reads, and the
    attach/detach events reach the poll in order. (SDL's joystick calls do take SDL's joystick
    lock, so direct calls from another thread would mostly work, but nothing would stop one from
    racing `SDL_Quit` and using a freed joystick.) Each method blocks its caller until the SDL
    thread has run it: at most one poll period (10 ms at 100 Hz), so it may be called from the
    loop's thread in tests and benchmarks.

    SDL only reports the state it finds at a poll: a press and release between two polls is no
    press at all, so hold a button for at least one poll period.
    """

    def __init__(
        self,
        joysticks: JoystickInput,
        name: str | None = None,
        axes: int = 6,
        buttons: int = 16,
        vendor_id: int = 0,
        product_id: int = 0,
    ) -> None:
        self._input = joysticks
        # The GUID is derived from the name: distinct names give distinct devices and profiles.
        self.name = name if name is not None else f"Tessera Virtual Joystick {next(_names)}"
        self.axes = axes
        self.buttons = buttons
        self._vendor_id = vendor_id
        self._product_id = product_id
        self._handle: Any = None
        self._instance_id: int | None = None
        self._session = -1
        self.guid: str | None = None
        """The device's SDL GUID string (its profile key) once attached."""

    @property
    def attached(self) -> bool:
        return (
            self._handle is not None
            and self._session == self._input.session
            and self._input.running
        )

    def attach(self) -> str:
        """Plug the device in; returns its GUID. The input reports it at its next poll."""
        if self.attached:
            raise RuntimeError(f"{self.name} is already attached")
        return self._input.call_in_sdl_thread(self._attach)

    def _attach(self) -> str:
        sdl = load_sdl()
        desc = sdl.SDL_VirtualJoystickDesc()
        desc.version = sdl.SDL_VIRTUAL_JOYSTICK_DESC_VERSION
        desc.type = sdl.SDL_JOYSTICK_TYPE_GAMECONTROLLER
        desc.naxes = self.axes
        desc.nbuttons = self.buttons
        desc.vendor_id = self._vendor_id
        desc.product_id = self._product_id
        name = self.name.encode("utf-8")
        desc.name = name  # SDL copies it
        index = sdl.SDL_JoystickAttachVirtualEx(ctypes.byref(desc))
        if index < 0:
            raise RuntimeError(f"SDL could not attach a virtual joystick: {_error(sdl)}")
        handle = sdl.SDL_JoystickOpen(index)
        if not handle:
            error = _error(sdl)
            sdl.SDL_JoystickDetachVirtual(index)
            raise RuntimeError(f"SDL could not open the virtual joystick: {error}")
        buffer = ctypes.create_string_buffer(33)
        sdl.SDL_JoystickGetGUIDString(sdl.SDL_JoystickGetGUID(handle), buffer, len(buffer))
        self._handle = handle
        self._instance_id = int(sdl.SDL_JoystickInstanceID(handle))
        self._session = self._input.session
        self.guid = buffer.value.decode("ascii")
        return self.guid

    def set_axis(self, axis: int, value: float) -> None:
        """Deflect one axis; `value` in [-1, 1] (0 is centre)."""
        self.set_axes({axis: value})

    def set_axes(self, values: Mapping[int, float]) -> None:
        """Set several axes at once: the next poll sees them together."""

        def run() -> None:
            sdl = self._live()
            for axis, value in values.items():
                if sdl.SDL_JoystickSetVirtualAxis(self._handle, axis, _raw(value)) != 0:
                    raise ValueError(f"axis {axis}: {_error(sdl)}")

        self._input.call_in_sdl_thread(run)

    def centre(self) -> None:
        """Every axis back to 0."""
        self.set_axes(dict.fromkeys(range(self.axes), 0.0))

    def set_button(self, button: int, pressed: bool) -> None:
        def run() -> None:
            sdl = self._live()
            if sdl.SDL_JoystickSetVirtualButton(self._handle, button, int(pressed)) != 0:
                raise ValueError(f"button {button}: {_error(sdl)}")

        self._input.call_in_sdl_thread(run)

    def press(self, button: int) -> None:
        self.set_button(button, True)

    def release(self, button: int) -> None:
        self.set_button(button, False)

    def detach(self) -> None:
        """Unplug the device (the input sees it go at its next poll). Safe to call twice."""
        if not self.attached:
            self._handle = None
            return
        self._input.call_in_sdl_thread(self._detach)

    def _detach(self) -> None:
        sdl = self._live()
        for index in range(sdl.SDL_NumJoysticks()):  # device indexes shift as devices come and go
            if sdl.SDL_JoystickGetDeviceInstanceID(index) == self._instance_id:
                sdl.SDL_JoystickDetachVirtual(index)
                break
        sdl.SDL_JoystickClose(self._handle)
        self._handle = None

    def _live(self) -> Any:
        if not self.attached:
            raise RuntimeError(f"{self.name} is not attached")
        return load_sdl()

    def __enter__(self) -> VirtualJoystick:
        self.attach()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._input.running:
            self.detach()


def _error(sdl: Any) -> str:
    message: bytes = sdl.SDL_GetError()
    return message.decode("utf-8", "replace") or "no reason given"
