"""Joystick mapping profiles, one per device, saved as versioned JSON (`joysticks.json`).

File format (version 1), profiles keyed by the device's SDL GUID string:

    {"format": "tessera.joysticks", "version": 1,
     "profiles": {"030000005e0400008e02000014010000": {
         "name": "Xbox 360 Controller",
         "pan_axis": 0, "tilt_axis": 1, "zoom_axis": 5, "zoom_out_axis": 2,
         "invert_pan": false, "invert_tilt": true, "invert_zoom": false,
         "dead_zone": 0.15, "exponent": 2.0,
         "buttons": {"0": "stop", "1": "home", "4": "previous_camera", "5": "next_camera"}}}}

Every field of a profile may be left out (it then takes the default's value); an axis may be
null (unmapped). A damaged file is kept as `joysticks.json.damaged-<time>` and every device uses
the default profile. A profile with bad values falls back to the default for that device only,
with a message; its entry is written back unchanged on save until that device is saved again,
so a hand edit is never lost.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from console.base.jsonfile import (
    FileFormatError,
    config_dir,
    expect,
    load_versioned,
    save_versioned,
)
from console.joystick.mapping import JoystickProfile, default_profile

KIND = "tessera.joysticks"
VERSION = 1
FILE_NAME = "joysticks.json"

_AXES = ("pan_axis", "tilt_axis", "zoom_axis", "zoom_out_axis")
_FLAGS = ("invert_pan", "invert_tilt", "invert_zoom")
_NUMBERS = ("dead_zone", "exponent")


def profile_to_json(p: JoystickProfile) -> dict[str, Any]:
    body: dict[str, Any] = {"name": p.name}
    for f in fields(p):
        if f.name in (*_AXES, *_FLAGS, *_NUMBERS):
            body[f.name] = getattr(p, f.name)
    body["buttons"] = {str(i): a for i, a in sorted(p.buttons.items())}
    return body


def profile_from_json(key: str, d: Any) -> JoystickProfile:
    """Parse one profile; raises ValueError (FileFormatError) saying what is wrong."""
    if not isinstance(d, dict):
        raise FileFormatError("it is not an object")
    name = d.get("name", "")
    if not isinstance(name, str):
        raise FileFormatError('"name" must be text')
    values: dict[str, Any] = {}
    for axis in _AXES:
        if axis in d:
            values[axis] = d[axis]  # None is allowed: unmapped
    for flag in (*_FLAGS, *_NUMBERS):
        if flag in d:
            values[flag] = d[flag]
    if "buttons" in d:
        buttons: dict[int, str] = {}
        for index, action in expect(d, "buttons", dict, "the profile").items():
            if not (isinstance(index, str) and index.isascii() and index.isdigit()):
                raise FileFormatError(f'button "{index}" is not a button number')
            buttons[int(index)] = action
        values["buttons"] = buttons
    try:
        return JoystickProfile(key=key, name=name, **values)
    except ValueError as e:
        raise FileFormatError(str(e)) from e


class _Loaded:
    def __init__(self) -> None:
        self.profiles: dict[str, JoystickProfile] = {}
        self.unreadable: dict[str, Any] = {}  # raw entries kept so a save does not lose them
        self.problems: list[str] = []


def _parse(doc: dict[str, Any]) -> _Loaded:
    loaded = _Loaded()
    entries = doc.get("profiles", {})
    if not isinstance(entries, dict):
        raise FileFormatError('"profiles" must be an object keyed by device')
    for key, entry in entries.items():
        try:
            loaded.profiles[key] = profile_from_json(key, entry)
        except ValueError as e:
            loaded.unreadable[key] = entry
            label = entry.get("name") if isinstance(entry, dict) else None
            who = f'"{label}" ({key})' if isinstance(label, str) and label else key
            loaded.problems.append(
                f"{FILE_NAME}: the joystick profile for {who} is unusable ({e}); "
                "that joystick uses the default mapping until its profile is saved again."
            )
    return loaded


class JoystickProfiles:
    """Per-device profiles in `config_dir()/joysticks.json`.

    `get` is safe from any thread (the SDL input thread reads it every poll); `load`, `save` and
    `update` do file I/O: call them from an executor, not the GUI thread.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / FILE_NAME
        self._lock = threading.Lock()
        self._profiles: dict[str, JoystickProfile] = {}
        self._unreadable: dict[str, Any] = {}
        self.problem: str | None = None
        """Plain words for the status bar about the last load, None when all was well."""

    def load(self) -> str | None:
        """Read the file (a missing one is no problem). Never raises on bad content."""
        result = load_versioned(self.path, KIND, VERSION, _parse, _Loaded)
        problems = [result.problem] if result.problem else []
        problems += result.value.problems
        with self._lock:
            self._profiles = dict(result.value.profiles)
            self._unreadable = dict(result.value.unreadable)
            self.problem = " ".join(problems) or None
        return self.problem

    def get(self, key: str, name: str = "") -> JoystickProfile:
        """The saved profile of device `key`, or the default profile (carrying key and name)."""
        with self._lock:
            saved = self._profiles.get(key)
        return saved if saved is not None else default_profile(key, name)

    def has(self, key: str) -> bool:
        with self._lock:
            return key in self._profiles

    def saved(self) -> dict[str, JoystickProfile]:
        with self._lock:
            return dict(self._profiles)

    def update(self, profile: JoystickProfile) -> None:
        """Keep `profile` for its device (`profile.key`) and save the file."""
        if not profile.key:
            raise ValueError("a joystick profile needs the device key (its SDL GUID)")
        with self._lock:
            self._profiles[profile.key] = profile
            self._unreadable.pop(profile.key, None)
        self.save()

    def remove(self, key: str) -> None:
        """Forget the device's profile (it goes back to the default) and save the file."""
        with self._lock:
            self._profiles.pop(key, None)
            self._unreadable.pop(key, None)
        self.save()

    def save(self) -> None:
        with self._lock:
            body: dict[str, Any] = dict(self._unreadable)
            body.update({k: profile_to_json(p) for k, p in self._profiles.items()})
        save_versioned(self.path, KIND, VERSION, {"profiles": body})
