"""The privacy wiring with real parts: the demo hub's masks through the real Tessera driver and
registry, real wall models and real libvlc players (the wall's feeds are the real `WallFeeds`
with a feed that holds one real `TilePlayer`). A native-window wall that shows a masked camera
goes composited and says so; every player of a camera gets its masks when they arrive, loses
them for a lift and gets them back when it ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from console.app.privacy_wiring import PrivacyWiring, mask_player
from console.base.marshal import Marshal
from console.base.notices import Notices
from console.base.signals import Signal
from console.cameras.directory import CameraDirectory
from console.hub.errors import HubNotFound, HubNotSupported
from console.hub.models import PtzPosition
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_masks import masks_facet_for
from console.media.engine import MediaEngine
from console.media.feed import FeedState, FeedStatus
from console.media.frame import RenderPath
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.privacy.follow import project_mask
from console.privacy.masks import SOLID_BGR, MaskAnchor, PrivacyMask, mask_raster
from console.privacy.registry import LocalMaskFile, MaskRegistry
from console.ptz.desk import PtzDesk
from console.wall.feeds import FeedKey, WallFeeds
from console.wall.layout import preset
from console.wall.model import WallModel, WallState

pytestmark = pytest.mark.timeout(60)

PTZ_CAM = "cam-08"


async def _until(pred: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


class _PlayerFeed:
    """A feed around a real TilePlayer that plays nothing (the wiring only sets its masks)."""

    def __init__(self, player) -> None:
        self.player = player
        self.state_changed = Signal()
        self.state = FeedState(FeedStatus.CONNECTING)

    def start(self) -> None: ...

    def close(self) -> None:
        self.player.close()

    def set_picture_box(self, size) -> None: ...


def test_masks_reach_every_player_and_a_native_wall_goes_composited(hub, tmp_path) -> None:
    async def main() -> None:
        client = TesseraHubClient(HubConfig(url=hub.url, operator="sam", timeout_s=5.0))
        engine = MediaEngine(
            MediaSettings(hw_decoding=HardwareDecoding.OFF), Marshal(asyncio.get_running_loop())
        )
        registry = MaskRegistry(
            lambda cid: masks_facet_for(client, cid),
            LocalMaskFile(tmp_path / "m.json"),
            no_masks_errors=(HubNotFound, HubNotSupported),
        )
        native = WallModel(WallState(0, preset("2x2", ["cam-01", "cam-03"]), RenderPath.NATIVE))
        composited = WallModel(WallState(0, preset("2x2", ["cam-03", "cam-02"])))

        def make_feed(key: FeedKey) -> _PlayerFeed:
            player = engine.create_player(name=f"w:{key.camera_id}:sub")
            return _PlayerFeed(mask_player(registry, player, key.camera_id))

        feeds = WallFeeds(composited, make_feed)
        notices = Notices()
        wiring = PrivacyWiring(registry, [native, composited], [None, feeds].__getitem__, notices)
        try:
            cam03 = next(f for k, f in feeds.feeds.items() if k.camera_id == "cam-03")
            cam02 = next(f for k, f in feeds.feeds.items() if k.camera_id == "cam-02")
            assert cam03.player.masks is None  # not known yet
            await registry.ensure("cam-03")
            await registry.ensure("cam-02")
            assert cam03.player.masks is registry.masks_for("cam-03") is not None
            assert cam02.player.masks is None
            # The native wall shows cam-03: composited now, and said once in plain words.
            assert native.render_path == RenderPath.COMPOSITED
            assert composited.render_path == RenderPath.COMPOSITED
            words = [n.text for n in notices.items]
            assert len(words) == 1 and "Reception" not in words[0]  # ids without a directory
            assert "cam-03 has privacy masks" in words[0] and "composited" in words[0]
            # A lift takes the masks off this camera's players; its end puts them back.
            await registry.lift("cam-03", "checking", minutes=0.01)
            assert cam03.player.masks is None
            back = asyncio.Event()
            registry.changed.connect(lambda _cid: back.set())
            await asyncio.wait_for(back.wait(), 10)
            assert cam03.player.masks is not None
        finally:
            wiring.disconnect()
            feeds.close()
            await registry.aclose()
            await client.close()
            assert engine.shutdown(3.0)

    asyncio.run(main())


def test_with_the_watermark_policy_no_wall_stays_on_the_native_path(tmp_path) -> None:
    """libvlc's video windows cannot carry the watermark any more than masks: every native
    wall goes composited while the policy is on, said once in plain words; off, they stay."""

    async def main() -> None:
        registry = MaskRegistry(lambda _cid: None, LocalMaskFile(tmp_path / "m.json"))
        native = WallModel(WallState(0, preset("2x2", ["cam-01"]), RenderPath.NATIVE))
        notices = Notices()
        policy = [False]
        wiring = PrivacyWiring(
            registry, [native], lambda _i: None, notices, watermark_on=lambda: policy[0]
        )
        try:
            wiring.check_native_walls()
            assert native.render_path == RenderPath.NATIVE and not notices.items
            policy[0] = True
            wiring.check_native_walls()
            assert native.render_path == RenderPath.COMPOSITED
            (notice,) = notices.items
            assert "watermark" in notice.text and "composited" in notice.text
            native.set_render_path(RenderPath.NATIVE)  # the operator switches back: refused
            assert native.render_path == RenderPath.COMPOSITED
        finally:
            wiring.disconnect()
            await registry.aclose()

    asyncio.run(main())


class _PlayingFeed(_PlayerFeed):
    """A feed around a real TilePlayer that plays its camera's stream from the demo hub."""

    def __init__(self, player, url: str) -> None:
        super().__init__(player)
        player.play(url)


def test_a_mask_anchored_on_the_ptz_camera_follows_its_scene_in_the_pictures(hub, tmp_path):
    """cam-08 played by the real libvlc, its head steered through the hub's PTZ API: the mask
    anchored at home is drawn where its part of the scene went (panned and zoomed), and where it
    was drawn the scene shows again."""
    # A window-sized mask at the centre of the home view.
    anchored = PrivacyMask(
        "win",
        ((0.44, 0.38), (0.56, 0.38), (0.56, 0.62), (0.44, 0.62)),
        "solid",
        "Window",
        MaskAnchor(0.0, 0.0, 1.0),
    )
    target = PtzPosition(10.0, 0.0, 2.0)

    async def main() -> None:
        client = TesseraHubClient(HubConfig(url=hub.url, operator="sam", timeout_s=5.0))
        engine = MediaEngine(
            MediaSettings(hw_decoding=HardwareDecoding.OFF), Marshal(asyncio.get_running_loop())
        )
        notices = Notices()
        directory = CameraDirectory(client, notices)
        await directory.load()
        desk = PtzDesk(client, directory, "sam")
        caps = desk.capabilities(PTZ_CAM)
        assert caps is not None
        registry = MaskRegistry(
            lambda cid: masks_facet_for(client, cid),
            LocalMaskFile(tmp_path / "m.json"),
            no_masks_errors=(HubNotFound, HubNotSupported),
        )
        wall = WallModel(WallState(0, preset("1x1", [PTZ_CAM])))

        def make_feed(key: FeedKey) -> _PlayingFeed:
            player = engine.create_player(name=f"w:{key.camera_id}", picture_size=(640, 360))
            player = mask_player(registry, player, key.camera_id)
            return _PlayingFeed(player, f"{hub.url}/streams/{key.camera_id}/sub.ts")

        feeds = WallFeeds(wall, make_feed)
        wiring = PrivacyWiring(registry, [wall], [feeds].__getitem__, notices, ptz=desk)
        wiring.follow_ptz()
        player = next(iter(feeds.feeds.values())).player

        def regions(position: PtzPosition) -> tuple[np.ndarray, np.ndarray] | None:
            frame = player.latest_frame()
            if frame is None:
                return None
            height, width = frame.image.shape[:2]
            shown = project_mask(anchored, position, caps)
            assert shown is not None
            projected = mask_raster([shown], width, height)
            drawn = mask_raster([anchored], width, height)
            # Where the mask was drawn and is not now, a few pixels off the projected edge.
            free = drawn & ~cv2.dilate(projected.astype(np.uint8), np.ones((9, 9))).astype(bool)
            return frame.image[projected][:, :3], frame.image[free][:, :3]

        def follows(position: PtzPosition) -> bool:
            found = regions(position)
            if found is None:
                return False
            under, free = found
            solid = bool((under == SOLID_BGR).all())
            scene = free.size == 0 or (free != SOLID_BGR).any(axis=1).mean() > 0.9
            return solid and scene

        try:
            await registry.save(PTZ_CAM, (anchored,))
            home = PtzPosition(0.0, 0.0, 1.0)
            await _until(lambda: registry.view(PTZ_CAM) == home, 20, "the head's position")
            await _until(lambda: follows(home), 20, "the mask at home")
            # Pan right and zoom in: the window goes left and grows.
            await client.ptz_absolute(PTZ_CAM, pan=target.pan, zoom=target.zoom)
            await _until(lambda: registry.view(PTZ_CAM) == target, 20, "the head's arrival")
            exact = project_mask(anchored, target, caps)
            await _until(
                lambda: (
                    (found := registry.masks_for(PTZ_CAM)) is not None and found.masks == (exact,)
                ),
                20,
                "the trail of the move to end",
            )
            await _until(lambda: follows(target), 20, "the mask where its scene went")
            free = regions(target)
            assert free is not None and free[1].size > 0  # the old place is checked, not empty
            # From now on every picture has it there (the head rests).
            seen: list[bool] = []
            player.frame_ready.connect(lambda: seen.append(follows(target)))
            await _until(lambda: len(seen) >= 10, 20, "ten more pictures")
            assert all(seen)
        finally:
            wiring.disconnect()
            feeds.close()
            await desk.close()
            await registry.aclose()
            await client.close()
            assert engine.shutdown(3.0)

    asyncio.run(main())
