"""The configured sources, kept in `settings.json` under "sources".

The console writes the file (atomically, through `console.base.jsonfile`), keeping every other
section of it as it was ("hub", "video", and whatever a newer console added); hand edits still
work. The file is the settings file (`console.app.settings`, format `tessera.settings`, version
1): "sources" is an additive section of version 1, which that module's parser ignores.

```json
{"format": "tessera.settings", "version": 1,
 "sources": [
   {"name": "lobby", "kind": "onvif", "url": "http://10.0.0.5:80", "username": "admin"},
   {"name": "yard", "kind": "rtsp", "url": "/home/op/.config/tessera/camera-lists/yard.json"}
 ]}
```

A damaged file (not JSON, "sources" not a list) is kept as a copy and reported, never
overwritten in silence; an unreadable source costs only itself (reported, and the file kept as
a copy before the console could save over it). No password is ever written (they live in the
keyring); an address with a user name, password or token in it is refused in plain words.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from console.base.jsonfile import (
    FileFormatError,
    LoadResult,
    config_dir,
    keep_copy,
    load_versioned,
    save_sections,
)
from console.base.redact import SECRET_QUERY_KEYS
from console.sources.model import SourceConfig, SourceError, SourceKind

log = logging.getLogger(__name__)

# The settings file's identity (the same as console.app.settings: one file, several sections).
KIND = "tessera.settings"
VERSION = 1
SECTION = "sources"
SETTINGS_FILE = "settings.json"


def settings_path() -> Path:
    """The settings file the console uses (`settings.json` in the config dir)."""
    return config_dir() / SETTINGS_FILE


def check_address(source: SourceConfig) -> None:
    """SourceError when the source's address carries a secret (a user or password, a token in
    its query). `SourceConfig` refuses a user part itself; this adds the query."""
    if source.kind is SourceKind.RTSP or not source.url:
        return
    try:
        query = parse_qsl(urlsplit(source.url).query, keep_blank_values=True)
    except ValueError:
        raise SourceError(f"The address of the source {source.name} is not a valid URL.") from None
    if any(k.lower() in SECRET_QUERY_KEYS for k, _ in query):
        raise SourceError(
            f"The address of the source {source.name} carries a password or token; Tessera "
            "keeps no passwords in files (they go to the system keyring)."
        )


def source_from_json(entry: object, position: int) -> SourceConfig:
    """One entry of "sources"; SourceError (plain words, no values quoted) when unreadable."""
    where = f"source #{position + 1}"
    if not isinstance(entry, dict):
        raise SourceError(f"{where} is not an object.")
    name = entry.get("name")
    if isinstance(name, str) and name:
        where = f"source {name!r}"
    kind = entry.get("kind")
    try:
        kind_enum = SourceKind(kind)
    except ValueError:
        raise SourceError(
            f'{where}: "kind" must be one of {", ".join(k.value for k in SourceKind)}.'
        ) from None
    fields: dict[str, Any] = {}
    for key in ("url", "username", "label"):
        value = entry.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise SourceError(f'{where}: "{key}" must be text.')
        fields[key] = value
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SourceError(f'{where}: "enabled" must be true or false.')
    try:
        source = SourceConfig(
            name=name if isinstance(name, str) else "",
            kind=kind_enum,
            url=fields["url"],
            username=fields["username"],
            label=fields["label"],
            enabled=enabled,
        )
        check_address(source)
    except SourceError as e:
        raise SourceError(f"{where}: {e}") from None
    return source


def source_to_json(source: SourceConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"name": source.name, "kind": source.kind.value}
    if source.url:
        out["url"] = source.url
    if source.username:
        out["username"] = source.username
    if source.label:
        out["label"] = source.label
    if not source.enabled:
        out["enabled"] = False
    return out


class SourcesStore:
    """Loads and saves the "sources" section of settings.json. Blocking: use an executor."""

    def __init__(self, settings_path: Path) -> None:
        self.path = settings_path

    def load(self) -> LoadResult[list[SourceConfig]]:
        """The sources (empty list: none configured, the console runs the demo hub)."""
        unreadable: list[str] = []

        def parse(doc: dict[str, Any]) -> list[SourceConfig]:
            entries = doc.get(SECTION, [])
            if entries is None:
                return []
            if not isinstance(entries, list):
                raise FileFormatError(f'"{SECTION}" must be a list')
            sources: list[SourceConfig] = []
            names: set[str] = set()
            for i, entry in enumerate(entries):
                try:
                    source = source_from_json(entry, i)
                except SourceError as e:
                    unreadable.append(str(e))
                    continue
                if source.name in names:
                    unreadable.append(f"source {source.name!r}: an earlier source has this name.")
                    continue
                names.add(source.name)
                sources.append(source)
            return sources

        def none() -> list[SourceConfig]:
            return []

        result = load_versioned(self.path, KIND, VERSION, parse, none)
        if result.problem is not None or not unreadable:
            return result
        kept = keep_copy(self.path)
        where = f"kept as {kept}" if kept else "left untouched"
        log.warning("%s: %d unreadable sources left out (%s)", self.path, len(unreadable), where)
        return LoadResult(
            result.value,
            f"{self.path.name}: {len(unreadable)} source(s) cannot be used and are left out: "
            + " ".join(unreadable)
            + f" A copy of your file was {where}.",
            kept,
        )

    def save(self, sources: list[SourceConfig]) -> None:
        """Write the sources, keeping the file's other sections. Raises OSError, or
        SourceError (a ValueError) for two sources of one name or an address with a secret."""
        names: set[str] = set()
        for source in sources:
            check_address(source)
            if source.name in names:
                raise SourceError(f"Two sources are called {source.name}; each needs its own name.")
            names.add(source.name)
        save_sections(self.path, KIND, VERSION, {SECTION: [source_to_json(s) for s in sources]})
