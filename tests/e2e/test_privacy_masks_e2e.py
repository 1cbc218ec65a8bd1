"""Privacy masks end to end (issue 18, section 2): the real console on a demo hub process, whose
cam-03 ships a solid mask over the reception desk. Read from the pixels: the painted tile and the
frame libvlc handed the console have the mask's flat colour over the whole masked area; a lift
shows the original pixels to this operator, with the countdown on the tile, and the masks come
back by the console's own clock when it ends."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.media.feed import FeedStatus
from console.privacy.masks import SOLID_BGR, PrivacyMask, mask_raster
from demohub.masks import DEFAULT_MASKS
from tests.e2e.conftest import qimage_to_array, wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

CAM = "cam-03"
DESK = next(m for m in DEFAULT_MASKS[CAM] if m["style"] == "solid")
DESK_MASK = PrivacyMask(DESK["id"], tuple(tuple(p) for p in DESK["points"]), "solid")


def _inside(width: int, height: int, margin: int) -> np.ndarray:
    """The desk mask's pixels at least `margin` pixels from its edge (scaling blends edges)."""
    covered = mask_raster([DESK_MASK], width, height).astype(np.uint8)
    kernel = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    return cv2.erode(covered, kernel).astype(bool)


def _painted(app: ConsoleApp, view) -> np.ndarray:
    shot = qimage_to_array(app.windows[0].wall_view.grab_wall().toImage())
    g, pic = view.geometry(), view.picture_rect()
    x, y = g.x() + pic.x(), g.y() + pic.y()
    return shot[y : y + pic.height(), x : x + pic.width()]


def _frame_masked(view) -> bool:
    frame = view.feed.player.latest_frame()
    covered = mask_raster([DESK_MASK], frame.width, frame.height)
    return bool((frame.image[covered][:, :3] == SOLID_BGR).all())


def test_a_masked_camera_is_masked_on_the_painted_tile_and_a_lift_is_timed(qloop, qapp):
    hub = HubProcess(alerts="off").start()
    try:

        async def scenario():
            app = ConsoleApp(
                ConsoleOptions(hub_url=hub.url, operator="ana", layout="2x2", joystick=False),
                qapp,
            )
            assert await app.start() == 0
            try:
                app.windows[0].showNormal()
                app.windows[0].resize(1280, 800)
                wall = app.station.walls[0]
                await wait_until(lambda: wall.layout.tile_showing(CAM) is not None, 20, CAM)
                tile = wall.layout.tile_showing(CAM)
                view = next(v for v in app.windows[0].wall_view.tile_views if v.tile.id == tile.id)
                await wait_until(
                    lambda: (
                        view.feed is not None
                        and view.feed.state.status is FeedStatus.LIVE
                        and view.has_shown_video
                    ),
                    40,
                    f"{CAM} live",
                )
                assert app.masks is not None and app.masks.masks_for(CAM) is not None
                assert _frame_masked(view)  # the frame libvlc handed over, every pixel
                painted = _painted(app, view)
                inside = _inside(painted.shape[1], painted.shape[0], 2)
                assert inside.sum() > 0.1 * inside.size
                solid = (painted[inside] == SOLID_BGR[0]).all(axis=1)  # a grey: any order
                assert solid.mean() > 0.99, f"{solid.mean():.3f} of the masked area is solid"
                assert "Privacy masks: 2" in view.toolTip()

                # A lift for this operator: the original pixels, and the countdown on the tile.
                await app.masks.lift(CAM, "Identify the visitor", "C-1", minutes=0.05)
                await wait_until(lambda: not _frame_masked(view), 10, "the original pixels")
                privacy = app.windows[0].wall_view._privacy
                assert privacy.status_text(CAM).startswith("masks lifted, 0:0")
                # The lift ends by the console's own clock: masked again.
                await wait_until(lambda: _frame_masked(view), 15, "the masks back")
                assert privacy.status_text(CAM) is None
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        hub.stop()
