"""The tile of a private camera, offscreen with the real wall window, workstation and consent
core (the widget fixture's idle feeds: these tests check which tiles get a feed and what the
panels say, not video; tests/e2e/test_consent_e2e.py plays the doorbell for real)."""

from __future__ import annotations

import dataclasses

from console.consent.core import PrivateAccess
from console.hub.models import Sharing
from tests.widgets.conftest import CAMERAS
from widgets.shell.wall_window import WallWindow


def _private(station, tiers: dict[str, Sharing]) -> PrivateAccess:
    cameras = [dataclasses.replace(c, sharing=tiers.get(c.id)) for c in CAMERAS]
    station.directory.set_cameras(cameras)
    access = PrivateAccess(station.directory.get, None)
    station.set_live_gate(access)
    return access


def _window(qtbot, station, access: PrivateAccess) -> WallWindow:
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    window.wall_view.set_consent(access)
    return window


def _view(window: WallWindow, camera_id: str):
    return next(v for v in window.wall_view.tile_views if v.tile.camera_id == camera_id)


def test_registry_only_and_recordings_only_tiles_get_no_feed_and_say_why(qtbot, station):
    access = _private(
        station,
        {
            "cam-01": Sharing("registry_only", "Ashby Farm"),
            "cam-02": Sharing("recordings_only", "Mill Lane Garage"),
        },
    )
    window = _window(qtbot, station, access)
    farm, garage = _view(window, "cam-01"), _view(window, "cam-02")
    assert farm.feed is None and garage.feed is None
    assert farm.consent_panel is not None and farm.consent_panel.isVisible()
    text = farm.consent_panel.message.text()
    assert "Registry only: owner Ashby Farm, location Site 1; no video is shared" in text
    assert not farm.consent_panel.request_button.isVisible()
    assert garage.consent_panel is not None
    assert "Recordings only" in garage.consent_panel.message.text()


def test_a_public_camera_plays_and_its_tile_shows_no_panel(qtbot, station):
    access = _private(station, {"cam-01": Sharing("live", "Corner Shop Ltd")})
    window = _window(qtbot, station, access)
    shop, public = _view(window, "cam-01"), _view(window, "cam-02")
    assert shop.feed is not None and public.feed is not None
    assert shop.consent_panel is not None and not shop.consent_panel.isVisible()
    assert not shop.consent_panel.countdown.isVisible()


def test_an_on_request_camera_without_a_hub_to_ask_says_so(qtbot, station):
    access = _private(station, {"cam-02": Sharing("on_request", "Resident")})
    window = _window(qtbot, station, access)
    door = _view(window, "cam-02")
    assert door.feed is None
    panel = door.consent_panel
    assert panel is not None and panel.isVisible()
    assert "Access needs a request" in panel.message.text()
    assert "takes no access requests" in panel.message.text()
    assert not panel.request_button.isVisible()


def test_moving_a_private_camera_away_brings_the_video_back(qtbot, station):
    access = _private(station, {"cam-01": Sharing("registry_only", "Ashby Farm")})
    window = _window(qtbot, station, access)
    tile = _view(window, "cam-01").tile.id
    station.drop_camera(0, tile, "cam-03")
    view = next(v for v in window.wall_view.tile_views if v.tile.id == tile)
    qtbot.waitUntil(lambda: view.feed is not None)
    assert view.consent_panel is not None and not view.consent_panel.isVisible()


def test_a_recordings_only_tile_uncovers_its_picture_while_the_wall_plays_back(qtbot, station):
    access = _private(
        station,
        {
            "cam-01": Sharing("recordings_only", "Mill Lane Garage"),
            "cam-02": Sharing("registry_only", "Ashby Farm"),
        },
    )
    window = _window(qtbot, station, access)
    garage, farm = _view(window, "cam-01").consent_panel, _view(window, "cam-02").consent_panel
    assert garage is not None and farm is not None
    garage.set_playback(True)
    farm.set_playback(True)
    assert not garage.isVisible()  # its recordings are shared
    assert farm.isVisible()  # nothing is
    garage.set_playback(False)
    assert garage.isVisible()


def test_the_request_button_is_offered_only_where_a_request_can_open_the_camera(qtbot, station):
    access = _private(station, {"cam-01": Sharing("registry_only", "Ashby Farm")})
    window = _window(qtbot, station, access)
    farm = _view(window, "cam-01").consent_panel
    public = _view(window, "cam-02").consent_panel
    assert farm is not None and public is not None
    assert not farm.offers_request and not public.offers_request
