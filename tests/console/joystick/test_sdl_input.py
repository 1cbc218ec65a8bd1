"""JoystickInput against SDL itself, driven by SDL's virtual joysticks and a real asyncio loop."""

import asyncio
import contextlib
import itertools
import sys
import threading
import time

import pytest

from console.base.marshal import Marshal
from console.joystick.mapping import JoystickProfile, shape_axis
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInput, load_sdl
from console.joystick.virtual import VirtualJoystick

SIGNALS = ("attached", "detached", "axes", "button", "unavailable")


class Rig:
    """A JoystickInput on this loop, recording every emission with its time and thread."""

    def __init__(self, profiles: JoystickProfiles, poll_hz: float = 100.0) -> None:
        self.input = JoystickInput(Marshal(asyncio.get_running_loop()), profiles, poll_hz)
        self.events: list[tuple[float, str, tuple]] = []
        self.threads: set[int] = set()
        for name in SIGNALS:
            getattr(self.input, name).connect(lambda *a, n=name: self._record(n, a))

    def _record(self, name: str, args: tuple) -> None:
        self.threads.add(threading.get_ident())
        self.events.append((time.monotonic(), name, args))

    def of(self, name: str, key: str | None = None) -> list[tuple]:
        return [a for _, n, a in self.events if n == name and (key is None or a[0] == key)]

    def since(self, mark: int, name: str | None = None) -> list[tuple[float, str, tuple]]:
        return [e for e in self.events[mark:] if name is None or e[1] == name]

    async def until(self, predicate, timeout: float = 2.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events: {self.events[-10:]}")
            await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def running(profiles: JoystickProfiles | None = None, poll_hz: float = 100.0):
    rig = Rig(profiles or JoystickProfiles(), poll_hz)
    rig.input.start()
    assert rig.input.wait_ready(5.0)
    assert rig.input.problem is None, rig.input.problem
    try:
        yield rig
    finally:
        assert rig.input.stop(2.0)
    await asyncio.sleep(0.02)  # let the last marshalled emissions run
    assert rig.threads <= {threading.get_ident()}  # delivered on the loop's thread only


def run(scenario) -> None:
    asyncio.run(asyncio.wait_for(scenario, 15))


# serial: counts ~100 Hz samples in 0.5 s and bounds their gaps (a sampling thread's pace)
@pytest.mark.serial
def test_attach_move_hold_and_return():
    async def scenario():
        async with running() as rig:
            pad = VirtualJoystick(rig.input, "Test Pad", axes=4, buttons=10)
            key = pad.attach()
            await rig.until(lambda: rig.of("attached"))
            (info,) = rig.of("attached")[0]
            assert (info.key, info.guid, info.name) == (key, key, "Test Pad")
            assert (info.axes, info.buttons, info.virtual) == (4, 10, True)
            assert rig.of("axes") == []  # at rest: silence

            pad.set_axes({0: 0.6, 1: -1.0})
            await rig.until(lambda: rig.of("axes"))
            start = len(rig.events)
            await asyncio.sleep(0.5)  # a held stick keeps producing samples
            held = rig.since(start, "axes")
            pan = shape_axis(round(0.6 * 32767) / 32767, 0.15, 2.0)
            assert {args for _, _, args in held} == {(key, pan, 1.0, 0.0)}
            assert 30 <= len(held) <= 60, len(held)  # ~100 Hz
            gaps = [b[0] - a[0] for a, b in itertools.pairwise(held)]
            assert max(gaps) < 0.2  # far inside the consumer's 0.5 s dead-man timer

            pad.centre()
            await rig.until(lambda: rig.of("axes")[-1][1:] == (0.0, 0.0, 0.0))
            zeros = len(rig.of("axes"))
            await asyncio.sleep(0.1)
            assert len(rig.of("axes")) == zeros  # one zero sample, then silence

    run(scenario())


def test_dead_zone_holds_the_output_at_zero():
    async def scenario():
        async with running() as rig:
            pad = VirtualJoystick(rig.input, axes=3)
            pad.attach()
            await rig.until(lambda: rig.of("attached"))
            pad.set_axes({0: 0.14, 1: -0.14, 2: 0.1})
            await asyncio.sleep(0.15)
            assert rig.of("axes") == []
            pad.set_axis(0, 0.2)  # just outside: a small, smooth start
            await rig.until(lambda: rig.of("axes"))
            pan = rig.of("axes")[0][1]
            assert 0 < pan < 0.01

    run(scenario())


def test_buttons_give_their_actions_and_profile_changes_apply_live(tmp_path):
    async def scenario():
        profiles = JoystickProfiles(tmp_path / "joysticks.json")
        async with running(profiles) as rig:
            pad = VirtualJoystick(rig.input, buttons=16)
            key = pad.attach()
            await rig.until(lambda: rig.of("attached"))
            for button in (3, 15, 5):  # 15 has no action in the default profile
                pad.press(button)
                await asyncio.sleep(0.03)  # held across a poll, as a finger would
                pad.release(button)
                await asyncio.sleep(0.03)
            await rig.until(lambda: len(rig.of("button")) == 2)
            assert rig.of("button") == [(key, "next_camera"), (key, "preset:1")]

            profiles.update(JoystickProfile(key=key, buttons={15: "home"}, invert_pan=True))
            pad.press(15)
            await rig.until(lambda: len(rig.of("button")) == 3)
            assert rig.of("button")[-1] == (key, "home")
            pad.set_axis(0, 1.0)
            await rig.until(lambda: rig.of("axes"))
            assert rig.of("axes")[0] == (key, -1.0, 0.0, 0.0)

    run(scenario())


def test_unplugged_mid_move_sends_zeros_then_detached():
    async def scenario():
        async with running() as rig:
            pad = VirtualJoystick(rig.input)
            key = pad.attach()
            pad.set_axes({0: -1.0, 2: 0.8})
            await rig.until(lambda: len(rig.of("axes")) >= 3)
            pad.detach()
            await rig.until(lambda: rig.of("detached"))
            await asyncio.sleep(0.05)
            tail = [(n, a) for _, n, a in rig.events if n in ("axes", "detached")][-2:]
            assert tail == [("axes", (key, 0.0, 0.0, 0.0)), ("detached", (key,))]
            pad.detach()  # twice is harmless

    run(scenario())


def test_hot_plug_a_second_device_with_its_own_profile(tmp_path):
    async def scenario():
        profiles = JoystickProfiles(tmp_path / "joysticks.json")
        async with running(profiles) as rig:
            first = VirtualJoystick(rig.input, "Desk Pad")
            a = first.attach()
            await rig.until(lambda: len(rig.of("attached")) == 1)
            second = VirtualJoystick(rig.input, "PTZ Keyboard Stick")
            b = second.attach()
            await rig.until(lambda: len(rig.of("attached")) == 2)
            assert a != b
            profiles.update(JoystickProfile(key=b, name="PTZ Keyboard Stick", pan_axis=3))

            first.set_axis(0, 1.0)
            second.set_axes({0: 1.0, 3: -1.0})
            await rig.until(lambda: rig.of("axes", a) and rig.of("axes", b))
            assert rig.of("axes", a)[-1] == (a, 1.0, 0.0, 0.0)
            assert rig.of("axes", b)[-1] == (b, -1.0, 0.0, 0.0)  # its own profile: axis 3 pans

            first.detach()
            await rig.until(lambda: rig.of("detached") == [(a,)])
            mark = len(rig.events)
            await asyncio.sleep(0.05)
            assert rig.since(mark, "axes") and all(e[2][0] == b for e in rig.since(mark, "axes"))
            second.detach()
            await rig.until(lambda: len(rig.of("detached")) == 2)

    run(scenario())


def test_two_identical_devices_get_distinct_keys_and_share_the_profile():
    async def scenario():
        async with running() as rig:
            one, two = VirtualJoystick(rig.input, "Twin"), VirtualJoystick(rig.input, "Twin")
            guid = one.attach()
            assert two.attach() == guid
            await rig.until(lambda: len(rig.of("attached")) == 2)
            infos = [a[0] for a in rig.of("attached")]
            assert [i.key for i in infos] == [guid, f"{guid}#2"]
            assert {i.guid for i in infos} == {guid}
            two.set_axis(0, 1.0)
            await rig.until(lambda: rig.of("axes"))
            assert rig.of("axes")[0] == (f"{guid}#2", 1.0, 0.0, 0.0)

    run(scenario())


def test_a_profile_saved_earlier_drives_the_device_after_a_restart(tmp_path):
    async def scenario():
        path = tmp_path / "joysticks.json"
        async with running(JoystickProfiles(path)) as rig:
            key = VirtualJoystick(rig.input, "Saved Pad").attach()
        stored = JoystickProfiles(path)
        stored.update(
            JoystickProfile(
                key=key, name="Saved Pad", tilt_axis=2, zoom_axis=None, invert_tilt=False
            )
        )

        reloaded = JoystickProfiles(path)
        assert reloaded.load() is None
        async with running(reloaded) as rig:
            pad = VirtualJoystick(rig.input, "Saved Pad")
            assert pad.attach() == key  # same device, same key, after SDL was restarted
            pad.set_axes({1: 1.0, 2: 1.0})
            await rig.until(lambda: rig.of("axes"))
            assert rig.of("axes")[0] == (key, 0.0, 1.0, 0.0)

    run(scenario())


# serial: the input thread must stop within 0.5 s (not under the load of tests beside it)
@pytest.mark.serial
def test_stop_is_quick_stops_the_camera_and_can_start_again():
    async def scenario():
        rig = Rig(JoystickProfiles())
        rig.input.start()
        assert rig.input.wait_ready()
        session = rig.input.session
        pad = VirtualJoystick(rig.input)
        key = pad.attach()
        pad.set_axis(0, 1.0)
        await rig.until(lambda: rig.of("axes"))
        began = time.monotonic()
        assert rig.input.stop(2.0)
        assert time.monotonic() - began < 0.5
        assert not rig.input.running
        await rig.until(lambda: rig.of("detached"))
        assert rig.events[-2:][0][1:] == ("axes", (key, 0.0, 0.0, 0.0))
        assert rig.events[-1][1:] == ("detached", (key,))
        assert not any(t.name == "tessera-joystick" for t in threading.enumerate())
        assert not pad.attached
        with pytest.raises(RuntimeError, match="not running"):
            pad.set_axis(0, 0.0)
        pad.detach()  # nothing to do: SDL took it down

        rig.input.start()  # and again, on a fresh SDL
        assert rig.input.wait_ready() and rig.input.session == session + 1
        VirtualJoystick(rig.input).attach()
        await rig.until(lambda: len(rig.of("attached")) == 2)
        assert rig.input.stop()
        assert rig.input.stop()  # twice is harmless

    run(scenario())


def test_start_without_the_sdl_library_does_not_raise(monkeypatch):
    """Simulated by making `import sdl2` fail, as it does when pysdl2 or SDL is missing."""

    async def scenario():
        monkeypatch.setitem(sys.modules, "sdl2", None)
        rig = Rig(JoystickProfiles())
        rig.input.start()
        assert rig.input.wait_ready(2.0)
        assert "SDL 2 library could not be loaded" in rig.input.problem
        await rig.until(lambda: rig.of("unavailable"))
        assert rig.of("unavailable") == [(rig.input.problem,)]
        assert not rig.input.running
        with pytest.raises(RuntimeError, match="SDL 2 library"):
            VirtualJoystick(rig.input).attach()
        assert rig.input.stop(1.0)

    run(scenario())


def test_sdl_init_failure_is_reported_in_plain_words(monkeypatch):
    """SDL offers no switch that makes SDL_Init fail, so the real library's SDL_Init is replaced
    by one that sets SDL's error and fails, as it does on a system without joystick support."""
    sdl = load_sdl()

    def failing_init(flags):
        sdl.SDL_SetError(b"No joystick support on this system")
        return -1

    monkeypatch.setattr(sdl, "SDL_Init", failing_init)

    async def scenario():
        rig = Rig(JoystickProfiles())
        rig.input.start()
        assert rig.input.wait_ready(2.0)
        assert rig.input.problem == (
            "Joysticks are off: SDL could not start its joystick support "
            "(No joystick support on this system)."
        )
        assert not rig.input.running
        assert rig.input.stop(1.0)
        await rig.until(lambda: rig.of("unavailable"))

    run(scenario())
