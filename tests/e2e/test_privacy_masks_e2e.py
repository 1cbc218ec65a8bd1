"""Privacy masks end to end (issue 18, section 2): the real console on a demo hub process, whose
cam-03 ships a solid mask over the reception desk. Read from the pixels: the painted tile and the
frame libvlc handed the console have the mask's flat colour over the whole masked area; a lift
shows the original pixels to this operator, with the countdown on the tile, and the masks come
back by the console's own clock when it ends. On the PTZ camera cam-08 a mask anchored at home
follows its scene on the painted tile when another operator pans and zooms the head."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.hub.models import PtzPosition
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_masks import masks_facet_for
from console.media.feed import FeedStatus
from console.privacy.follow import project_mask
from console.privacy.masks import SOLID_BGR, MaskAnchor, PrivacyMask, mask_raster
from demohub.masks import DEFAULT_MASKS
from tests.e2e.conftest import qimage_to_array, wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

CAM = "cam-03"
PTZ_CAM = "cam-08"
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


def test_a_mask_anchored_on_the_ptz_camera_follows_its_scene_on_the_painted_tile(qloop, qapp):
    """cam-08 with a mask anchored at home, another operator pans and zooms it: on the painted
    tile the mask is where its part of the scene went, and the scene shows where it was."""
    hub = HubProcess(alerts="off").start()
    bob = TesseraHubClient(HubConfig(url=hub.url, operator="bob", timeout_s=5))
    anchored = PrivacyMask(
        "window",
        ((0.44, 0.38), (0.56, 0.38), (0.56, 0.62), (0.44, 0.62)),
        "solid",
        "Window",
        MaskAnchor(0.0, 0.0, 1.0),
    )
    target = PtzPosition(10.0, 0.0, 2.0)
    try:

        async def scenario():
            found = masks_facet_for(bob, PTZ_CAM)
            assert found is not None
            facet, own = found
            await facet.set_camera_masks(own, (anchored,))
            app = ConsoleApp(
                ConsoleOptions(hub_url=hub.url, operator="ana", layout="2x2", joystick=False),
                qapp,
            )
            assert await app.start() == 0
            try:
                app.windows[0].showNormal()
                app.windows[0].resize(1280, 800)
                await app.directory.loaded.wait()
                wall = app.station.walls[0]
                app.station.drop_camera(0, wall.layout.tiles[0].id, PTZ_CAM)
                view = app.windows[0].wall_view.tile_views[0]
                await wait_until(
                    lambda: (
                        view.feed is not None
                        and view.feed.state.status is FeedStatus.LIVE
                        and view.has_shown_video
                    ),
                    40,
                    f"{PTZ_CAM} live",
                )
                masks = app.masks
                assert masks is not None
                caps = app.ptz.capabilities(PTZ_CAM)
                assert caps is not None
                await wait_until(
                    lambda: masks.view(PTZ_CAM) == PtzPosition(0.0, 0.0, 1.0), 20, "the head"
                )
                await bob.ptz_absolute(PTZ_CAM, pan=target.pan, zoom=target.zoom)
                exact = project_mask(anchored, target, caps)
                assert exact is not None
                await wait_until(
                    lambda: (
                        (shown_now := masks.masks_for(PTZ_CAM)) is not None
                        and shown_now.masks == (exact,)
                    ),
                    20,
                    "the head's arrival and the end of the mask's trail",
                )

                def follows() -> bool:
                    painted = _painted(app, view)
                    height, width = painted.shape[:2]
                    now = mask_raster([exact], width, height).astype(np.uint8)
                    kernel = np.ones((7, 7), np.uint8)
                    inside = cv2.erode(now, kernel).astype(bool)
                    was = mask_raster([anchored], width, height)
                    free = was & ~cv2.dilate(now, kernel).astype(bool)
                    solid = (painted[inside] == SOLID_BGR[0]).all(axis=1).mean()
                    scene = (painted[free] != SOLID_BGR[0]).any(axis=1).mean()
                    return bool(solid > 0.99 and free.any() and scene > 0.9)

                await wait_until(follows, 20, "the mask where its scene went on the tile")
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        qloop.run_until_complete(bob.close())
        hub.stop()
