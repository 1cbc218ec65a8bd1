"""What the composition root needs to run on the configured sources: which hub mode the
console starts in, and the saved walls' camera ids made to fit it.

With no source configured (or `--demo`, or `--hub URL`) the console talks to one hub alone and
camera ids are the hub's own. With sources, it talks to a `MultiSourceClient` and ids are
`source/camera`: walls saved before are read with their cameras qualified by the first source
(the demo hub, when the operator added sources to a console that ran on it), and walls saved
with sources that are all gone lose the prefix of the demo source again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from console.sources.model import SourceConfig, SourceKind, qualify, split_camera_id
from console.sources.runtime import PreparedSources
from console.wall.layout import GridLayout
from console.wall.model import WallState
from console.wall.store import NamedLayout, SavedLayouts

DEMO_SOURCE_NAME = "demo"


def demo_source() -> SourceConfig:
    """The embedded demo hub as a source: what the Sources dialog lists when none is configured,
    so adding a camera keeps the demo hub's cameras beside it."""
    return SourceConfig(DEMO_SOURCE_NAME, SourceKind.DEMO, label="Demo hub")


def needs_demo_hub(sources: list[SourceConfig]) -> bool:
    """The demo hub starts only when no source is configured, or one of them is the demo hub."""
    enabled = [s for s in sources if s.enabled]
    return not enabled or any(s.kind is SourceKind.DEMO for s in enabled)


def _map_layout(layout: GridLayout, fn: Callable[[str], str]) -> GridLayout:
    tiles = tuple(
        dataclasses.replace(t, camera_id=fn(t.camera_id)) if t.camera_id else t
        for t in layout.tiles
    )
    return dataclasses.replace(layout, tiles=tiles, hidden=tuple(fn(c) for c in layout.hidden))


def _map_walls(walls: tuple[WallState, ...], fn: Callable[[str], str]) -> tuple[WallState, ...]:
    return tuple(dataclasses.replace(w, layout=_map_layout(w.layout, fn)) for w in walls)


def map_saved_camera_ids(saved: SavedLayouts, fn: Callable[[str], str]) -> SavedLayouts:
    """Every camera id of every saved wall (named layouts and the session) through `fn`."""
    layouts = tuple(NamedLayout(n.name, _map_walls(n.walls, fn)) for n in saved.layouts)
    session = None if saved.session is None else _map_walls(saved.session, fn)
    return SavedLayouts(layouts, saved.current, session)


def fit_saved_layouts(saved: SavedLayouts, sources: list[str]) -> SavedLayouts:
    """The saved walls with camera ids as the console now names them: qualified by the first
    source when there are sources (an id of a source that is gone stays as it is, and its tile
    says the camera is unknown), or stripped of the demo source's prefix when there are none."""
    if sources:

        def to_source(camera_id: str) -> str:
            source, _own = split_camera_id(camera_id)
            return camera_id if source is not None else qualify(sources[0], camera_id)

        return map_saved_camera_ids(saved, to_source)

    def to_single_hub(camera_id: str) -> str:
        source, own = split_camera_id(camera_id)
        return own if source == DEMO_SOURCE_NAME else camera_id

    return map_saved_camera_ids(saved, to_single_hub)


def with_pinned_certificates(
    prepared: PreparedSources, pinned: Callable[[str], str | None]
) -> PreparedSources:
    """The https Tessera hubs among the sources accept the certificate the operator confirmed
    for them (`pinned(url)`: console.identity.pins; confirmed on the single-hub path, `tessera
    --hub URL`), as that path does; the others are verified against the system's
    authorities."""
    kinds = {s.name: s.kind for s in prepared.sources}
    for name, config in list(prepared.configs.items()):
        if kinds.get(name) is not SourceKind.TESSERA or not config.url.startswith("https:"):
            continue
        fingerprint = pinned(config.url)
        if fingerprint is not None:
            prepared.configs[name] = dataclasses.replace(config, tls_fingerprint=fingerprint)
    return prepared
