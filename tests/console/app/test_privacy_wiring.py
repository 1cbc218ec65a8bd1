"""The privacy wiring with real parts: the demo hub's masks through the real Tessera driver and
registry, real wall models and real libvlc players (the wall's feeds are the real `WallFeeds`
with a feed that holds one real `TilePlayer`). A native-window wall that shows a masked camera
goes composited and says so; every player of a camera gets its masks when they arrive, loses
them for a lift and gets them back when it ends."""

from __future__ import annotations

import asyncio

import pytest

from console.app.privacy_wiring import PrivacyWiring, mask_player
from console.base.marshal import Marshal
from console.base.notices import Notices
from console.base.signals import Signal
from console.hub.errors import HubNotFound, HubNotSupported
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_masks import masks_facet_for
from console.media.engine import MediaEngine
from console.media.feed import FeedState, FeedStatus
from console.media.frame import RenderPath
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.privacy.registry import LocalMaskFile, MaskRegistry
from console.wall.feeds import FeedKey, WallFeeds
from console.wall.layout import preset
from console.wall.model import WallModel, WallState

pytestmark = pytest.mark.timeout(60)


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
