"""A private doorbell seen only after an access request, end to end (issue 18, section 3): the
real console with the README's first command (the embedded demo hub, its private cameras), the
real libvlc, real widgets offscreen.

The default wall still shows the public cameras; the doorbell put on a tile shows "Access needs a
request" and no feed; the operator asks with a case number and a reason in the reason dialog;
the hub grants, frames arrive on the tile, the countdown shows, and both the console's audit
trail and the hub's log hold the access. The farm gate (registry only) shows its panel and
never a feed, and the hub refuses its video to a direct call.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.hub.errors import HubPrivateCamera
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from tests.e2e.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

DOORBELL, FARM = "doorbell-14", "farm-gate"


def test_a_private_doorbell_plays_only_after_an_access_request(qloop, qapp):
    async def scenario():
        app = ConsoleApp(ConsoleOptions(demo=True, user="investigator", joystick=False), qapp)
        assert await app.start() == 0
        try:
            await wait_until(
                lambda: DOORBELL in {c.id for c in app.directory.cameras}, 20, "the camera list"
            )
            window = app.windows[0]
            wall = app.station.walls[0]
            shown = [c for c in wall.layout.camera_ids() if c]
            assert shown and all(c.startswith("cam-") for c in shown)  # the default wall
            tiles = [t for t in wall.layout.tiles if t.camera_id]
            door_tile, farm_tile = tiles[0].id, tiles[1].id
            app.station.drop_camera(0, door_tile, DOORBELL)
            app.station.drop_camera(0, farm_tile, FARM)
            views = {v.tile.id: v for v in window.wall_view.tile_views}
            door, farm = views[door_tile], views[farm_tile]
            await wait_until(
                lambda: door.tile.camera_id == DOORBELL and door.consent_panel is not None,
                10,
                "the doorbell on its tile",
            )
            panel = door.consent_panel
            assert panel is not None and panel.isVisible()
            assert "Access needs a request" in panel.message.text()
            assert panel.request_button.isVisible()
            assert door.feed is None  # nothing asked of the hub
            farm_panel = farm.consent_panel
            assert farm_panel is not None and farm_panel.isVisible()
            assert "Registry only: owner Ashby Farm" in farm_panel.message.text()
            assert not farm_panel.request_button.isVisible() and farm.feed is None

            # The hub refuses anyway: the operator's own session, asked directly.
            direct = TesseraHubClient(HubConfig(url=app._hub_url, auth=app._hub_auth))
            try:
                refusals = ((DOORBELL, "access_request_required"), (FARM, "registry_only"))
                for camera_id, code in refusals:
                    with pytest.raises(HubPrivateCamera) as refused:
                        await direct.stream(camera_id, "sub")
                    assert refused.value.code == code
            finally:
                await direct.close()

            # A on the wall, the doorbell's tile selected: the reason dialog (as its button).
            wall.select(door_tile)
            QTest.keyClick(window.wall_view, Qt.Key.Key_A)
            await wait_until(lambda: panel.dialog is not None, 5, "the reason dialog")
            dialog = panel.dialog
            assert dialog is not None
            dialog.case_edit.setText("INC-2026-0412")
            dialog.text_edit.setPlainText("Burglary reported at 16 Elm Road")
            dialog.accept()
            await wait_until(lambda: door.feed is not None, 20, "the doorbell's feed")
            await wait_until(lambda: door.frames_shown > 3, 40, "frames of the doorbell")
            assert not panel.isVisible()
            assert panel.countdown.isVisible() and "left" in panel.countdown.text()
            assert farm.feed is None

            trail = app.audit
            assert trail is not None
            await wait_until(lambda: trail.pending == 0, 20, "the audit sent")
            rows = await trail.rows()
            actions = [(r.record.action, r.record.camera) for r in rows]
            assert ("private_access.requested", DOORBELL) in actions
            assert ("private_access.granted", DOORBELL) in actions
            assert ("private_access.live", DOORBELL) in actions
        finally:
            await app.shutdown()

    qloop.run_until_complete(scenario())
