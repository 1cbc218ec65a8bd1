"""The configured sources, kept in `settings.json` under "sources". STUB: the signatures are
fixed, a helper fills in the bodies.

The console writes the file (atomically, through `console.base.jsonfile`), keeping every other
section of it as it was; hand edits still work. A damaged file is kept and reported, never
overwritten in silence. No password is ever written (they live in the keyring).
"""

from __future__ import annotations

from pathlib import Path

from console.base.jsonfile import LoadResult
from console.sources.model import SourceConfig


class SourcesStore:
    """Loads and saves the "sources" section of settings.json. Blocking: use an executor."""

    def __init__(self, settings_path: Path) -> None:
        self.path = settings_path

    def load(self) -> LoadResult[list[SourceConfig]]:
        """The sources (empty list: none configured, the console runs the demo hub)."""
        raise NotImplementedError

    def save(self, sources: list[SourceConfig]) -> None:
        """Write the sources, keeping the file's other sections. Raises OSError."""
        raise NotImplementedError
