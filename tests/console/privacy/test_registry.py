"""The console's masks registry against the real demo hub (sign-in on, real sockets, the real
Tessera driver): masks read from the hub and again on its `camera.masks` event, a supervisor's
lift that ends by the console's own clock, a viewer's lift the hub refuses, and the console's
local file for sources that keep no masks (a damaged one loses nothing and says so)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from console.hub.errors import HubForbidden
from console.hub.identity import HubAuth
from console.hub.models import EVENT_CAMERA_MASKS, PtzPosition
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_masks import masks_facet_for
from console.privacy.follow import project_mask
from console.privacy.masks import MaskAnchor, PrivacyMask, mask_raster
from console.privacy.registry import LocalMaskFile, MaskActionError, MaskRegistry
from demohub.masks import DEFAULT_MASKS

pytestmark = pytest.mark.timeout(60)

CAM = "cam-03"
SQUARE = PrivacyMask("sq", ((0.1, 0.1), (0.3, 0.1), (0.3, 0.3), (0.1, 0.3)), "solid", "Door")
PTZ_CAM = "cam-08"
ANCHORED = PrivacyMask(
    "win",
    ((0.45, 0.4), (0.55, 0.4), (0.55, 0.6), (0.45, 0.6)),
    "solid",
    "Window",
    MaskAnchor(0, 0, 1),
)


@pytest.fixture
def shub(hub_factory):
    return hub_factory(sign_in=True)


def _client(hub, user: str) -> TesseraHubClient:
    token = hub.sign_in(user)
    return TesseraHubClient(HubConfig(url=hub.url, auth=HubAuth(token), timeout_s=5.0))


async def _changed(registry: MaskRegistry, camera_id: str) -> asyncio.Event:
    fired = asyncio.Event()
    registry.changed.connect(lambda cid: fired.set() if cid == camera_id else None)
    return fired


def test_masks_come_from_the_hub_and_follow_its_events(shub, tmp_path: Path) -> None:
    async def main() -> None:
        watcher = _client(shub, "viewer")
        editor = _client(shub, "supervisor")
        registry = MaskRegistry(
            lambda cid: masks_facet_for(watcher, cid), LocalMaskFile(tmp_path / "m.json")
        )
        try:
            await registry.refresh(CAM)
            masks = registry.masks_for(CAM)
            assert masks is not None
            assert [m.id for m in masks.masks] == [m["id"] for m in DEFAULT_MASKS[CAM]]
            assert registry.masks_for("cam-01") is None
            subscription = watcher.resilient_events(types=frozenset({EVENT_CAMERA_MASKS}))
            connected = asyncio.Event()
            subscription.connected.connect(lambda _hello: connected.set())
            follower = asyncio.create_task(
                registry.follow_events(subscription, subscription.connected)
            )
            await asyncio.wait_for(connected.wait(), 10)
            fired = await _changed(registry, CAM)
            # Another console (a supervisor) changes the masks: this one follows.
            editing = MaskRegistry(lambda cid: masks_facet_for(editor, cid))
            await editing.save(CAM, (SQUARE,))
            await asyncio.wait_for(fired.wait(), 10)
            now = registry.masks_for(CAM)
            assert now is not None and now.masks == (SQUARE,)
            follower.cancel()
            await editing.aclose()
        finally:
            await registry.aclose()
            await watcher.close()
            await editor.close()

    asyncio.run(main())


def test_a_supervisors_lift_ends_by_the_consoles_own_clock(shub, tmp_path: Path) -> None:
    async def main() -> None:
        client = _client(shub, "supervisor")
        registry = MaskRegistry(
            lambda cid: masks_facet_for(client, cid), LocalMaskFile(tmp_path / "m.json")
        )
        try:
            await registry.refresh(CAM)
            with pytest.raises(MaskActionError, match="reason"):
                await registry.lift(CAM, "  ")
            until = await registry.lift(CAM, "Identify the van", "C-12", minutes=0.02)
            assert registry.masks_for(CAM) is None  # lifted for this operator
            assert registry.lifted_until(CAM) == until
            assert registry.masks(CAM)  # still known
            back = await _changed(registry, CAM)
            await asyncio.wait_for(back.wait(), 10)  # the local timer, no event needed
            assert registry.masks_for(CAM) is not None
            assert registry.lifted_until(CAM) is None
            entries = [e for e in shub.hub.audit.entries(0, shub.hub.audit.size) if b"lifted" in e]
            assert len(entries) == 1 and b"Identify the van" in entries[0] and b"C-12" in entries[0]
        finally:
            await registry.aclose()
            await client.close()

    asyncio.run(main())


def test_a_viewers_lift_is_refused_by_the_hub_and_the_masks_stay(shub, tmp_path: Path) -> None:
    async def main() -> None:
        client = _client(shub, "viewer")
        registry = MaskRegistry(
            lambda cid: masks_facet_for(client, cid), LocalMaskFile(tmp_path / "m.json")
        )
        try:
            await registry.refresh(CAM)
            with pytest.raises(HubForbidden):
                await registry.lift(CAM, "curious")
            assert registry.masks_for(CAM) is not None
            with pytest.raises(HubForbidden):
                await registry.save(CAM, ())
            assert registry.masks_for(CAM) is not None
        finally:
            await registry.aclose()
            await client.close()

    asyncio.run(main())


def test_local_masks_are_kept_and_a_damaged_file_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "privacy-masks.json"

    async def main() -> None:
        registry = MaskRegistry(lambda _cid: None, LocalMaskFile(path))
        assert await registry.load_local() is None
        await registry.save("onvif/door", (SQUARE,))
        again = MaskRegistry(lambda _cid: None, LocalMaskFile(path))
        await again.load_local()
        found = again.masks_for("onvif/door")
        assert found is not None and found.masks == (SQUARE,)
        # A local lift (no hub): for a limited time, masks back by the console's clock.
        await again.lift("onvif/door", "checking the door", minutes=0.01)
        assert again.masks_for("onvif/door") is None
        back = await _changed(again, "onvif/door")
        await asyncio.wait_for(back.wait(), 10)
        assert again.masks_for("onvif/door") is not None
        await registry.aclose()
        await again.aclose()

    asyncio.run(main())
    damaged = b'{"format": "tessera-privacy-masks", "version": 1, "cameras": {"x": [{"poi'
    path.write_bytes(damaged)

    async def reload() -> None:
        registry = MaskRegistry(lambda _cid: None, LocalMaskFile(path))
        problem = await registry.load_local()
        assert problem is not None and "damaged" in problem and "kept as" in problem
        kept = list(tmp_path.glob("privacy-masks.json.damaged-*"))
        assert len(kept) == 1 and kept[0].read_bytes() == damaged  # byte for byte
        await registry.aclose()

    asyncio.run(reload())


def test_anchored_masks_follow_the_ptz_head_throttled_and_cover_their_trail(
    shub, tmp_path: Path
) -> None:
    """cam-08 (the demo's PTZ camera) with a mask anchored at home: positions from its real
    PTZ status move the mask; a burst of positions rebuilds a few times, the last one always;
    a view the head left stays covered for VIEW_TRAIL_S, then only the latest is drawn."""

    async def main() -> None:
        client = _client(shub, "supervisor")
        caps = (await client.camera(PTZ_CAM)).ptz
        assert caps is not None
        registry = MaskRegistry(
            lambda cid: masks_facet_for(client, cid), LocalMaskFile(tmp_path / "m.json")
        )
        try:
            await registry.save(PTZ_CAM, (ANCHORED,))
            # No position known yet: drawn where it was drawn.
            drawn = registry.masks_for(PTZ_CAM)
            assert drawn is not None and drawn.masks == (ANCHORED,)
            assert registry.anchored_cameras() == [PTZ_CAM]
            home = (await client.ptz_status(PTZ_CAM)).position
            rebuilds: list[int] = []
            registry.changed.connect(lambda cid: rebuilds.append(len(rebuilds)))
            fired = await _changed(registry, PTZ_CAM)
            registry.set_view(PTZ_CAM, home, caps)
            await asyncio.wait_for(fired.wait(), 10)
            at_home = registry.masks_for(PTZ_CAM)
            assert at_home is not None and len(at_home.masks) == 1
            assert at_home.masks[0].anchor is None  # drawn projected
            # A joystick's burst: twenty positions at once, panning right step by step.
            fired.clear()
            before = len(rebuilds)
            for step in range(1, 21):
                registry.set_view(PTZ_CAM, PtzPosition(step * 0.5, 0.0, 1.0), caps)
            await asyncio.wait_for(fired.wait(), 10)
            assert registry.view(PTZ_CAM) == PtzPosition(10.0, 0.0, 1.0)
            assert len(rebuilds) - before <= 2
            mask_set = registry.masks_for(PTZ_CAM)
            assert mask_set is not None
            # The latest view is drawn, and the way from the one just left (the picture lags the
            # status): one sweep from home to pan 10, holding both places.
            latest = project_mask(ANCHORED, PtzPosition(10.0, 0.0, 1.0), caps)
            at_home_place = at_home.masks[0]
            assert latest is not None
            trail = mask_raster(mask_set.masks, 320, 180)
            assert trail[mask_raster([latest], 320, 180)].all()
            assert trail[mask_raster([at_home_place], 320, 180)].all()
            # The trail ends by itself: only the latest view is left, exactly.
            while mask_set.masks != (latest,):
                fired.clear()
                await asyncio.wait_for(fired.wait(), 10)
                mask_set = registry.masks_for(PTZ_CAM)
                assert mask_set is not None
            # Out of view: the camera still has masks, none is drawn into this view.
            fired.clear()
            registry.set_view(PTZ_CAM, PtzPosition(120.0, 0.0, 1.0), caps)
            await asyncio.wait_for(fired.wait(), 10)
            while (found := registry.masks_for(PTZ_CAM)) is not None and found.masks:
                fired.clear()
                await asyncio.wait_for(fired.wait(), 10)
            assert found is not None and registry.masks(PTZ_CAM) == (ANCHORED,)
        finally:
            await registry.aclose()
            await client.close()

    asyncio.run(main())
