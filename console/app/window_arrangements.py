"""Where each wall window's docks are and how big, per screen, kept in
`windows.json` so that a restart opens the windows as the operator arranged them.

The arrangement itself is Qt's (`QMainWindow.saveState`), opaque bytes kept
here as base64: this module stays Qt-free. A damaged file is kept and defaults are used
(`console.base.jsonfile`). Blocking: call it from an executor, not the GUI thread.

    {"format": "tessera.windows", "version": 1,
     "screens": {"0": {"state": "<base64>"}}}
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.base.jsonfile import FileFormatError, LoadResult, load_versioned, save_versioned

KIND = "tessera.windows"
VERSION = 1


@dataclass(frozen=True)
class Arrangement:
    """One window's docks and toolbars, as Qt saved them."""

    state: bytes


@dataclass(frozen=True)
class WindowArrangements:
    by_screen: dict[int, Arrangement] = field(default_factory=dict)

    def get(self, screen: int) -> Arrangement | None:
        return self.by_screen.get(screen)

    def with_screen(self, screen: int, arrangement: Arrangement) -> WindowArrangements:
        return WindowArrangements({**self.by_screen, screen: arrangement})


def _bytes(raw: Any, where: str) -> bytes:
    if not isinstance(raw, str):
        raise FileFormatError(f"{where} is not text")
    try:
        return base64.b64decode(raw.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise FileFormatError(f"{where} is not base64") from None


def _parse(doc: dict[str, Any]) -> WindowArrangements:
    screens = doc.get("screens", {})
    if not isinstance(screens, dict):
        raise FileFormatError('"screens" must be an object')
    found: dict[int, Arrangement] = {}
    for key, value in screens.items():
        if not key.isdigit() or not isinstance(value, dict):
            raise FileFormatError(f"screen {key!r} is not a screen number with an object")
        found[int(key)] = Arrangement(_bytes(value.get("state"), f"screen {key}: state"))
    return WindowArrangements(found)


class WindowArrangementStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> LoadResult[WindowArrangements]:
        return load_versioned(self.path, KIND, VERSION, _parse, WindowArrangements)

    def save(self, arrangements: WindowArrangements) -> None:
        screens = {
            str(screen): {"state": base64.b64encode(a.state).decode("ascii")}
            for screen, a in sorted(arrangements.by_screen.items())
        }
        save_versioned(self.path, KIND, VERSION, {"screens": screens})
