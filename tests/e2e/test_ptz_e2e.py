"""PTZ end to end: the real console steering the demo hub's PTZ camera (a hub process), the
picture following the head, and another operator's lock shown on the tile."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.media.feed import FeedStatus
from tests.e2e.conftest import qimage_to_array, wait_until
from tests.support.hubproc import HubProcess
from widgets.common.hub_text import shown

# serial: asserts the GUI thread never stalled 100 ms while steering, which other tests' load
# on the same two cores would break, not the console.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120), pytest.mark.serial]
PTZ_CAM = "cam-08"


def test_steering_moves_the_picture_and_another_operators_lock_shows(qloop, qapp):
    hub = HubProcess().start()
    bob = TesseraHubClient(HubConfig(url=hub.url, operator="bob", timeout_s=5))
    try:

        async def scenario():
            options = ConsoleOptions(hub_url=hub.url, layout="2x2", operator="ana", joystick=False)
            app = ConsoleApp(options, qapp)
            assert await app.start() == 0
            try:
                await app.directory.loaded.wait()
                wall = app.station.walls[0]
                tile_id = wall.layout.tiles[0].id
                app.station.drop_camera(0, tile_id, PTZ_CAM)
                view = app.windows[0].wall_view.tile_views[0]
                await wait_until(
                    lambda: (
                        view.feed is not None
                        and view.feed.state.status is FeedStatus.LIVE
                        and view.has_shown_video
                        and view.can_steer
                    ),
                    30,
                    "the PTZ camera live on the first tile",
                )

                def picture() -> np.ndarray:
                    g = view.picture_rect()
                    shot = qimage_to_array(view.grab().toImage())
                    return shot[g.y() + 40 : g.bottom() - 40, g.x() : g.right()].astype(int)

                start = await bob.ptz_status(PTZ_CAM)
                before = picture()
                for _ in range(100):  # 1 s of a held stick, full speed right
                    app.ptz.steer(PTZ_CAM, 1.0, 0.0, 0.0)
                    await asyncio.sleep(0.01)
                app.ptz.release(PTZ_CAM)
                await asyncio.sleep(1.0)  # the head stops; a few frames reach the tile
                moved = await bob.ptz_status(PTZ_CAM)
                assert moved.position.pan - start.position.pan > 40
                assert not moved.moving
                after = picture()
                assert np.abs(before - after).mean() > 15, "the picture did not follow the head"
                assert app.ptz.lock(PTZ_CAM).operator == "ana"

                # ana gives control up; bob takes it: ana's tile says so.
                app.ptz.give_up_control(PTZ_CAM)
                await wait_until(lambda: app.ptz.lock(PTZ_CAM) is None, 5, "lock released")
                await bob.ptz_lock(PTZ_CAM)
                await wait_until(
                    lambda: f"held by {shown('bob')}" in (view.ptz_line() or ("",))[0],
                    5,
                    "the tile naming bob as the holder",
                )
                # ana tries anyway: refused, and the tile says why.
                app.ptz.steer(PTZ_CAM, 0.5, 0.0, 0.0)
                await wait_until(
                    lambda: (view.ptz_line() or ("",))[0].startswith(
                        f"PTZ: PTZ is held by {shown('bob')}"
                    ),
                    5,
                    "the refusal on the tile",
                )
                app.ptz.release(PTZ_CAM)
                assert app.stall.max_stall_ms < 100
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        qloop.run_until_complete(bob.close())
        hub.stop()
