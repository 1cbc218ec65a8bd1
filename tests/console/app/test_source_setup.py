"""Saved walls fit the hub mode the console starts in (one hub, or several sources)."""

from __future__ import annotations

import dataclasses

import pytest

from console.app.source_setup import (
    demo_source,
    fit_saved_layouts,
    needs_demo_hub,
    with_pinned_certificates,
)
from console.sources.model import SourceConfig, SourceKind
from console.wall.layout import preset
from console.wall.model import WallState
from console.wall.store import NamedLayout, SavedLayouts


def _saved(*cameras: str | None, hidden: tuple[str, ...] = ()) -> SavedLayouts:
    layout = dataclasses.replace(preset("2x2", cameras), hidden=hidden)
    wall = WallState(screen=0, layout=layout)
    return SavedLayouts((NamedLayout("Day", (wall,)),), "Day", (wall,))


def _ids(saved: SavedLayouts) -> tuple[list[str], list[str], list[str]]:
    assert saved.session is not None
    named = saved.layouts[0].walls[0].layout
    session = saved.session[0].layout
    return named.camera_ids(), session.camera_ids(), list(session.hidden)


def test_walls_saved_with_one_hub_open_with_the_first_sources_cameras():
    saved = _saved("cam-01", None, "cam-02", hidden=("cam-05",))
    named, session, hidden = _ids(fit_saved_layouts(saved, ["demo", "lobby"]))
    assert named == session == ["demo/cam-01", "demo/cam-02"]
    assert hidden == ["demo/cam-05"]


def test_ids_that_name_a_source_are_kept_and_the_demo_prefix_goes_without_sources():
    saved = _saved("lobby/cam-1", "demo/cam-03")
    named, _, _ = _ids(fit_saved_layouts(saved, ["demo", "lobby"]))
    assert named == ["lobby/cam-1", "demo/cam-03"]
    named, _, _ = _ids(fit_saved_layouts(saved, []))
    assert named == ["lobby/cam-1", "cam-03"]  # a camera of a source that is gone stays named


def test_the_demo_hub_runs_without_sources_or_when_one_of_them_is_it():
    onvif = SourceConfig("door", SourceKind.ONVIF, "http://127.0.0.1:8080")
    assert needs_demo_hub([])
    assert not needs_demo_hub([onvif])
    assert needs_demo_hub([demo_source(), onvif])
    assert needs_demo_hub([dataclasses.replace(onvif, enabled=False)])  # none enabled


def test_an_https_tessera_source_accepts_the_certificate_confirmed_for_its_hub(
    hub_factory, tmp_path
):
    """A self-signed hub among the sources: refused until its certificate is confirmed (on the
    single-hub path), then accepted with exactly that certificate, as the single-hub path does."""
    import asyncio

    from console.hub.errors import HubCertificateError
    from console.hub.registry import HubConfig, create_client
    from console.hub.tessera_api import peer_certificate
    from console.identity.pins import PinStore
    from console.sources.runtime import PreparedSources

    hub = hub_factory(tls=True, state_dir=tmp_path / "hub")
    source = SourceConfig("north", SourceKind.TESSERA, hub.url)

    def prepared() -> PreparedSources:
        config = HubConfig(url=hub.url, driver="tessera", timeout_s=5.0)
        return PreparedSources([source], {"north": config}, {"north": "north"})

    async def info(ready: PreparedSources) -> object:
        client = create_client(ready.configs["north"])
        try:
            return await client.info()
        finally:
            await client.close()

    pins = PinStore(tmp_path / "config" / "pinned-certificates.json")
    with pytest.raises(HubCertificateError):
        asyncio.run(info(with_pinned_certificates(prepared(), pins.get)))
    fingerprint, certificate = asyncio.run(peer_certificate(hub.url))
    pins.pin(hub.url, fingerprint, certificate)
    ready = with_pinned_certificates(prepared(), pins.get)
    assert ready.configs["north"].tls_fingerprint == fingerprint
    assert asyncio.run(info(ready)).tls is True
