"""Provenance and the watermark in the README's first command (issue 18, sections 4 and 5): the
real console on its embedded demo hub, real libvlc, real widgets offscreen. cam-07 (a Hikvision
camera on the demo hub) carries its badge on its tile and in the camera tree, and with
`"policy": {"watermark": true}` in settings.json the signed-in operator's name is painted over
the live picture."""

from __future__ import annotations

import json

import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.media.feed import FeedStatus
from console.provenance.badges import BadgeKind
from tests.e2e.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]


def test_the_first_command_badges_cam_07_and_watermarks_the_live_tiles(
    qloop, qapp, private_config_dir
):
    private_config_dir.mkdir(parents=True, exist_ok=True)
    (private_config_dir / "settings.json").write_text(
        json.dumps({"format": "tessera.settings", "version": 1, "policy": {"watermark": True}})
    )

    async def scenario():
        app = ConsoleApp(ConsoleOptions(demo=True, joystick=False), qapp)
        assert await app.start() == 0
        try:
            window = app.windows[0]
            await wait_until(lambda: len(app.directory.cameras) > 0, 20, "the camera list")
            tile = app.station.walls[0].layout.tile_showing("cam-07")
            assert tile is not None, "cam-07 is on the first wall"
            view = next(v for v in window.wall_view.tile_views if v.tile.id == tile.id)
            await wait_until(
                lambda: view.feed is not None and view.feed.state.status is FeedStatus.LIVE,
                40,
                "cam-07 live",
            )
            await wait_until(lambda: view.frames_shown > 0, 20, "a frame of cam-07 painted")
            (badge,) = view.camera_badges()
            assert badge.kind is BadgeKind.FLAGGED and "US NDAA s.889" in badge.text
            assert "congress.gov" in view.toolTip()
            view.grab()  # a paint, now that the picture is live
            ((_pill, shown),) = view.badges.pills
            assert shown in (badge.text, "restricted vendor")  # in brief on a small tile
            assert view.watermark.copies >= 1
            assert view.watermark.key is not None and "supervisor" in view.watermark.key[-1][0]
            assert window.camera_tree is not None
            assert [b.kind for b in window.camera_tree.model.badges("cam-07")] == [
                BadgeKind.FLAGGED
            ]
            assert window.camera_tree.model.badges("cam-01") == ()
        finally:
            await app.shutdown()

    qloop.run_until_complete(scenario())
