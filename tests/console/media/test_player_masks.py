"""Privacy masks in the libvlc frame path, read pixel by pixel: the real demo hub's cam-03 stream
played by the real libvlc; every picture a composited player hands out has the solid colour over
the whole masked region, from the first one on; a native-window player with masks plays
nothing; taking the masks away (a lift) shows the original pixels again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np
import pytest

from console.base.marshal import Marshal
from console.media.engine import MediaEngine
from console.media.events import PlayerEventKind
from console.media.frame import RenderPath
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.privacy.masks import SOLID_BGR, MaskSet, PrivacyMask, mask_raster

pytestmark = pytest.mark.timeout(60)

SW = MediaSettings(hw_decoding=HardwareDecoding.OFF)
# A solid mask over the middle of the picture, where the demo scene always has detail.
SOLID = PrivacyMask("m", ((0.3, 0.25), (0.7, 0.25), (0.7, 0.75), (0.3, 0.75)), "solid")


async def _until(pred: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def _covered_is_solid(image: np.ndarray) -> tuple[bool, np.ndarray]:
    height, width = image.shape[:2]
    covered = mask_raster([SOLID], width, height)
    return bool((image[covered][:, :3] == SOLID_BGR).all()), covered


def test_every_picture_of_a_masked_player_is_solid_under_the_mask(hub) -> None:
    async def main() -> None:
        engine = MediaEngine(SW, Marshal(asyncio.get_running_loop()))
        try:
            player = engine.create_player(picture_size=(640, 360))
            player.set_masks(MaskSet([SOLID]))
            seen: list[bool] = []

            def check() -> None:
                frame = player.latest_frame()
                if frame is not None:
                    seen.append(_covered_is_solid(frame.image)[0])

            player.frame_ready.connect(check)
            player.play(f"{hub.url}/streams/cam-03/sub.ts")
            await _until(lambda: len(seen) >= 20, 20, "20 masked frames")
            assert all(seen), "a picture left the frame path with original pixels under the mask"
            frame = player.latest_frame()
            assert frame is not None
            solid, covered = _covered_is_solid(frame.image)
            assert solid and covered.sum() > 0.1 * covered.size
            outside = frame.image[~covered][:, :3]
            assert (outside != SOLID_BGR).any(axis=1).mean() > 0.9  # the rest is the scene

            # Lifted: the masks go, the original pixels come back with the pictures libvlc
            # renders from now on (those it rendered ahead, masked, are shown first: how many
            # depends on the machine's load, so the test waits for the first unmasked one).
            player.set_masks(None)

            def unmasked() -> bool:
                shown = player.latest_frame()
                return shown is not None and not _covered_is_solid(shown.image)[0]

            await _until(unmasked, 10, "an unmasked picture")
            # Masked again (the lift ended): at once, even the picture already shown.
            player.set_masks(MaskSet([SOLID]))
            frame = player.latest_frame()
            assert frame is not None and _covered_is_solid(frame.image)[0]
        finally:
            assert engine.shutdown(3.0)

    asyncio.run(main())


def test_a_native_window_player_with_masks_plays_nothing(hub) -> None:
    async def main() -> None:
        engine = MediaEngine(SW, Marshal(asyncio.get_running_loop()))
        try:
            player = engine.create_player(RenderPath.NATIVE)
            events: list[PlayerEventKind] = []
            player.state_changed.connect(lambda event: events.append(event.kind))
            player.set_masks(MaskSet([SOLID]))
            player.play(f"{hub.url}/streams/cam-03/sub.ts")
            await _until(lambda: PlayerEventKind.ERROR in events, 5, "the refusal")
            assert not player.is_playing
            assert PlayerEventKind.PLAYING not in events
        finally:
            assert engine.shutdown(3.0)

    asyncio.run(main())
