"""Incident sessions on disk: one JSON file per session, and files handed to another console.

A session file is `{"format": "tessera-incident", "version": 1, "session": {...}}`, written
atomically (`console.base.jsonfile.save_versioned`: a temporary file renamed over the old one).
The store keeps its sessions in one folder (`default_folder()`: `incidents` in the console's
data folder, `TESSERA_DATA_DIR` overrides) as `<session id>.json`; `export` writes a session to
any file the trainer chose and `import_file` copies such a file into the store.

A file that is damaged, too new or not a session at all raises `IncidentFileError`, in plain
words naming the file, and is never written over: `save` and `export` refuse to replace a file
they cannot read as a session. `list()` skips such files and keeps what it skipped in
`problems` (and the log).

Blocking: every method does file I/O. Callers on the GUI thread run them off it
(`await asyncio.to_thread(store.save, session)`).
"""

from __future__ import annotations

import builtins
import json
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from console.base.jsonfile import FileFormatError, data_dir, expect, save_versioned
from console.incident.model import IncidentSession, PausePoint, new_session_id

log = logging.getLogger(__name__)

FORMAT = "tessera-incident"
VERSION = 1
SUFFIX = ".json"
FOLDER_NAME = "incidents"
MAX_FILE_BYTES = 4 * 1024 * 1024  # a session is a few kilobytes; anything this big is not one


class IncidentFileError(Exception):
    """A file that cannot be read (or must not be written) as an incident session; the message
    says which file and why, in plain words. `path`: the file."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


def default_folder() -> Path:
    """Where the console keeps its incident sessions: `incidents` in its data folder."""
    return data_dir() / FOLDER_NAME


# -- the file format -------------------------------------------------------------------------------
def session_to_json(session: IncidentSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "camera_ids": list(session.camera_ids),
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "lead_in_s": session.lead_in_s,
        "pause_points": [{"at": p.at.isoformat(), "note": p.note} for p in session.pause_points],
        "notes": session.notes,
        "origin": session.origin,
    }


def _time(raw: dict[str, Any], key: str, where: str) -> datetime:
    text = expect(raw, key, str, where)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FileFormatError(f'{where}: "{key}" is not a date and time') from None
    if value.tzinfo is None:
        raise FileFormatError(f'{where}: "{key}" has no time zone')
    return value


def session_from_json(raw: object) -> IncidentSession:
    """Read a session's JSON; FileFormatError (or ValueError from the session's own checks)
    naming what is wrong."""
    if not isinstance(raw, dict):
        raise FileFormatError('"session" is not an object')
    where = "the session"
    cameras = expect(raw, "camera_ids", list, where)
    if not all(isinstance(c, str) for c in cameras):
        raise FileFormatError(f'{where}: "camera_ids" must be a list of camera ids')
    points = []
    for n, item in enumerate(expect(raw, "pause_points", list, where), 1):
        if not isinstance(item, dict):
            raise FileFormatError(f"pause point {n} is not an object")
        note = item.get("note", "")
        if not isinstance(note, str):
            raise FileFormatError(f'pause point {n}: "note" is not text')
        points.append(PausePoint(_time(item, "at", f"pause point {n}"), note))
    lead = expect(raw, "lead_in_s", (int, float), where)
    if isinstance(lead, bool):
        raise FileFormatError(f'{where}: "lead_in_s" has the wrong type')
    return IncidentSession(
        id=expect(raw, "id", str, where),
        title=expect(raw, "title", str, where),
        camera_ids=tuple(cameras),
        start=_time(raw, "start", where),
        end=_time(raw, "end", where),
        lead_in_s=float(lead),
        pause_points=tuple(points),
        notes=_optional_text(raw, "notes", where),
        origin=_optional_text(raw, "origin", where),
    )


def _optional_text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise FileFormatError(f'{where}: "{key}" is not text')
    return value


def read_session(path: Path) -> IncidentSession:
    """The session in `path`; IncidentFileError when it cannot be read as one (the file is
    left exactly as it was)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileFormatError(f"it is far too large for an incident session ({size} bytes)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IncidentFileError(path, f"The incident file {path} does not exist.") from None
    except FileFormatError as e:
        raise _damaged(path, str(e)) from None
    except OSError as e:
        raise IncidentFileError(
            path, f"The incident file {path} could not be read ({e.strerror or e})."
        ) from None
    try:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise FileFormatError("it does not hold a JSON object")
        if doc.get("format") != FORMAT:
            raise FileFormatError("it is not a Tessera incident session")
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise FileFormatError('"version" is missing or not a number')
        if version > VERSION:
            raise FileFormatError(
                f"it was written by a newer Tessera (format version {version}; this one reads "
                f"{VERSION})"
            )
        return session_from_json(doc.get("session"))
    except UnicodeDecodeError:
        raise _damaged(path, "it is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise _damaged(
            path, f"it is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    except (FileFormatError, ValueError, TypeError, KeyError) as e:
        raise _damaged(path, str(e)) from None


def _damaged(path: Path, reason: str) -> IncidentFileError:
    return IncidentFileError(
        path,
        f"The incident file {path} cannot be opened: {reason}. The file was left as it is.",
    )


def write_session(path: Path, session: IncidentSession) -> None:
    """Write `session` to `path` atomically. A file already there that is not a readable
    session is not replaced: IncidentFileError."""
    if path.exists():
        try:
            read_session(path)
        except IncidentFileError as e:
            raise IncidentFileError(
                path,
                f"Not saved: {path} already exists and is not a Tessera incident session "
                f"this console can read, so it was not written over ({e}).",
            ) from None
    try:
        save_versioned(path, FORMAT, VERSION, {"session": session_to_json(session)})
    except OSError as e:
        raise IncidentFileError(
            path, f"The incident could not be saved to {path} ({e.strerror or e})."
        ) from None


class IncidentStore:
    """The console's incident sessions, one file each in `folder`. Blocking (file I/O)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # The files the last `list()` skipped, each with why.
        self.problems: builtins.list[IncidentFileError] = []

    @classmethod
    def default(cls) -> IncidentStore:
        return cls(default_folder())

    def path_of(self, session: IncidentSession | str) -> Path:
        session_id = session.id if isinstance(session, IncidentSession) else session
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in session_id)
        return self.folder / f"{safe}{SUFFIX}"

    def save(self, session: IncidentSession) -> Path:
        """Keep the session in the store (a newer save of the same id replaces it)."""
        path = self.path_of(session)
        write_session(path, session)
        log.info("incident: saved %s to %s", session.id, path)
        return path

    def load(self, path: Path) -> IncidentSession:
        return read_session(path)

    def list(self) -> builtins.list[tuple[Path, IncidentSession]]:
        """Every readable session in the store, newest incident first; the files it skipped
        are in `problems`."""
        found: builtins.list[tuple[Path, IncidentSession]] = []
        problems: builtins.list[IncidentFileError] = []
        try:
            paths = sorted(p for p in self.folder.iterdir() if p.suffix == SUFFIX)
        except FileNotFoundError:
            paths = []
        except OSError as e:
            paths = []
            problems.append(
                IncidentFileError(
                    self.folder,
                    f"The incident folder {self.folder} could not be read ({e.strerror or e}).",
                )
            )
        for path in paths:
            try:
                found.append((path, read_session(path)))
            except IncidentFileError as e:
                log.warning("incident: skipped %s: %s", path, e)
                problems.append(e)
        self.problems = problems
        found.sort(key=lambda item: (item[1].start, item[1].id), reverse=True)
        return found

    def export(self, session: IncidentSession, path: Path) -> Path:
        """Write the session to `path` for another console (the same format as the store's)."""
        write_session(path, session)
        log.info("incident: handed %s over as %s", session.id, path)
        return path

    def import_file(self, path: Path) -> tuple[Path, IncidentSession]:
        """Copy a session handed over as a file into the store. One whose id the store already
        holds with other content is kept beside it under a new id (nothing is written over)."""
        session = read_session(path)
        target = self.path_of(session)
        if target.exists():
            try:
                same = read_session(target) == session
            except IncidentFileError:
                same = False
            if same:
                return target, session
            session = replace(session, id=new_session_id())
        return self.save(session), session
