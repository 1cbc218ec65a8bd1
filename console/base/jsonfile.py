"""Versioned JSON files in the user's config directory that never lose the user's data.

Loading a missing file gives the default quietly. Loading a damaged, hand-broken or too-new file
gives the default plus a plain-words problem, and the file is kept byte for byte: a copy named
`<name>.damaged-<time>` is written next to it before anything could replace it. Saving writes a
temporary file and renames it over the old one, so a crash mid-save leaves the old file whole.
These functions block (file I/O): call them from an executor, not the GUI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class FileFormatError(ValueError):
    """The JSON parsed but does not describe what it should; the message names the place."""


@dataclass(frozen=True)
class LoadResult(Generic[T]):
    value: T
    problem: str | None = None  # plain words for the operator, None when all is well
    kept_copy: Path | None = None


def config_dir() -> Path:
    """Where Tessera keeps settings and layouts (`TESSERA_CONFIG_DIR` overrides)."""
    return _user_folder("TESSERA_CONFIG_DIR", "APPDATA", "XDG_CONFIG_HOME", Path(".config"))


def data_dir() -> Path:
    """Where Tessera keeps data that is not a setting, such as the demo hub's state
    (`TESSERA_DATA_DIR` overrides)."""
    return _user_folder(
        "TESSERA_DATA_DIR", "LOCALAPPDATA", "XDG_DATA_HOME", Path(".local") / "share"
    )


def _user_folder(override: str, windows: str, xdg: str, xdg_default: Path) -> Path:
    """`$override`, else the platform's folder: `%windows%\\Tessera`, the macOS application
    support folder, or `$xdg/tessera` (`~/xdg_default/tessera` without it)."""
    chosen = os.environ.get(override)
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":
        return Path(os.environ.get(windows, Path.home())) / "Tessera"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Tessera"
    return Path(os.environ.get(xdg, Path.home() / xdg_default)) / "tessera"


def load_versioned(
    path: Path,
    kind: str,
    version: int,
    parse: Callable[[dict[str, Any]], T],
    default: Callable[[], T],
) -> LoadResult[T]:
    """Read `path` as `{"format": kind, "version": version, ...}` and parse it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadResult(default())
    except OSError as e:
        return LoadResult(default(), f"{path} could not be read ({e.strerror}); using defaults.")
    try:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise FileFormatError("the file does not hold a JSON object")
        if doc.get("format") != kind:
            raise FileFormatError(f'it is not a {kind} file (no "format": "{kind}")')
        found = doc.get("version")
        if not isinstance(found, int):
            raise FileFormatError('"version" is missing or not a number')
        if found > version:
            raise FileFormatError(
                f"it was written by a newer Tessera (format version {found}; "
                f"this one reads {version})"
            )
        value = parse(doc)
    except (
        UnicodeDecodeError,
        json.JSONDecodeError,
        FileFormatError,
        KeyError,
        TypeError,
        ValueError,
    ) as e:
        kept = _keep_copy(path)
        where = f"kept as {kept}" if kept else "left untouched"
        reason = _describe(e)
        log.warning("damaged %s file %s: %s (%s)", kind, path, reason, where)
        return LoadResult(
            default(),
            f"{path.name} is damaged: {reason}. Tessera started with the defaults; "
            f"your file was {where}.",
            kept,
        )
    return LoadResult(value)


def _describe(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"it is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
    if isinstance(e, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(e, KeyError):
        return f"the entry {e.args[0]!r} is missing"
    return str(e)


def keep_copy(path: Path) -> Path | None:
    """Copy `path` byte for byte to `<name>.damaged-<time>` beside it (before it could be
    replaced); the copy's path, or None when it could not be made (logged)."""
    return _keep_copy(path)


def _keep_copy(path: Path) -> Path | None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        shutil.copy2(path, target)
    except OSError:
        log.exception("could not keep a copy of %s", path)
        return None
    return target


def save_versioned(
    path: Path, kind: str, version: int, body: dict[str, Any], *, indent: int | None = 2
) -> None:
    """Write atomically: a temporary file in the same folder, fsync, then rename over `path`.
    `indent` None writes compact JSON (a large file written often)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"format": kind, "version": version, **body}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            # One dumps, one write: json.dump to a file encodes chunk by chunk in Python (a
            # 3 MB file took 0.25 s that way, 50 ms this way).
            f.write(json.dumps(doc, indent=indent, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# Files whose sections are written by more than one part of the console (settings.json: the
# settings and the sources) are read, changed and written under one lock per path.
_section_locks: dict[Path, threading.Lock] = {}
_section_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _section_locks_guard:
        return _section_locks.setdefault(path.resolve(), threading.Lock())


def save_sections(path: Path, kind: str, version: int, sections: dict[str, Any]) -> None:
    """Write `sections` (top-level keys) into the versioned file at `path`, keeping its other
    keys as they are, atomically (`save_versioned`). A file that is not a readable `kind` file
    of at most `version` is kept as a `.damaged-` copy first, then replaced by one holding only
    `sections`: what was in it is never lost in silence."""
    with _lock_for(path):
        body: dict[str, Any] = {}
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = None
        if raw is not None:
            try:
                doc = json.loads(raw.decode("utf-8"))
                found = doc.get("version") if isinstance(doc, dict) else None
                if (
                    not isinstance(doc, dict)
                    or doc.get("format") != kind
                    or not isinstance(found, int)
                    or found > version
                ):
                    raise FileFormatError("not a readable file of this kind")
                body = {k: v for k, v in doc.items() if k not in ("format", "version")}
            except (UnicodeDecodeError, json.JSONDecodeError, FileFormatError):
                kept = _keep_copy(path)
                log.warning("%s replaced on save; the unreadable old file kept as %s", path, kept)
        body.update(sections)
        save_versioned(path, kind, version, body)


def expect(doc: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    """Fetch `doc[key]` and check its type, with a message that says where it went wrong."""
    if key not in doc:
        raise FileFormatError(f'{where}: "{key}" is missing')
    value = doc[key]
    if not isinstance(value, typ) or (isinstance(value, bool) and typ is int):
        raise FileFormatError(f'{where}: "{key}" has the wrong type')
    return value
