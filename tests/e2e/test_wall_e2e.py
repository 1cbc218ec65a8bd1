"""The wall end to end: the real console in-process, the real demo hub, the real libvlc."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import numpy as np
import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.media.feed import FeedStatus
from tests.e2e.conftest import qimage_to_array, wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def tiles_of(app: ConsoleApp):
    return app.windows[0].wall_view.tile_views


def all_live(app: ConsoleApp) -> bool:
    views = tiles_of(app)
    return all(
        v.feed is not None and v.feed.state.status is FeedStatus.LIVE and v.has_shown_video
        for v in views
    )


def tile_pictures(app: ConsoleApp) -> list[np.ndarray]:
    wall_view = app.windows[0].wall_view
    shot = qimage_to_array(wall_view.grab_wall().toImage())
    crops = []
    for view in tiles_of(app):
        # The painted picture only: letterbox bars would dilute any measure of change.
        g, pic = view.geometry(), view.picture_rect()
        x, y = g.x() + pic.x(), g.y() + pic.y()
        crops.append(shot[y : y + pic.height(), x : x + pic.width()].astype(int))
    return crops


def changed_pixels(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels that changed clearly (not codec noise) between two grabs of one tile."""
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return int((np.abs(a[:h, :w] - b[:h, :w]).max(axis=2) > 40).sum())


# serial: asserts the GUI thread never stalled 100 ms in 3 s of a live 3x3 wall, which other
# tests' load on the same two cores breaks (322 ms seen beside them), not the console
@pytest.mark.serial
def test_a_3x3_demo_wall_shows_nine_distinct_moving_feeds(qloop, qapp):
    async def scenario():
        app = ConsoleApp(ConsoleOptions(demo=True, layout="3x3"), qapp)
        assert await app.start() == 0
        try:
            # A wall of a real size: frames come at the tile's size, and the time code must
            # stay readable in them (tiles of at least 160 px).
            app.windows[0].showNormal()
            app.windows[0].resize(1280, 800)
            took = await wait_until(
                lambda: len(tiles_of(app)) == 9 and all_live(app), 30, "all nine tiles live"
            )
            print(f"all nine tiles live after {took:.1f} s")
            first = tile_pictures(app)
            await asyncio.sleep(1.0)
            second = tile_pictures(app)
            for i, (a, b) in enumerate(zip(first, second, strict=True)):
                # A small far-away walker in a small tile still moves a few dozen pixels.
                moved = changed_pixels(a, b)
                print(f"tile {i + 1}: {moved} pixels changed in 1 s of {a.shape[1]}x{a.shape[0]}")
                assert moved >= 20, f"tile {i + 1} did not change in 1 s"
            for (i, a), (j, b) in itertools.combinations(enumerate(second), 2):
                h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
                assert np.abs(a[:h, :w] - b[:h, :w]).mean() > 8, f"tiles {i + 1} and {j + 1} alike"
            names = {app.station.camera_name(v.tile.camera_id) for v in tiles_of(app)}
            assert len(names) == 9
            app.windows[0].wall_view.show_latency(True)
            await wait_until(
                lambda: all(v.latency.latest_ms is not None for v in tiles_of(app)),
                10,
                "a latency reading on every tile (the hub's time code read from painted frames)",
            )
            assert all(0 < v.latency.latest_ms < 5000 for v in tiles_of(app))
            # The running wall, not the test's own grabs: 3 s of nine live tiles.
            app.stall.reset()
            await asyncio.sleep(3)
            assert app.stall.max_stall_ms < 100, f"GUI blocked {app.stall.max_stall_ms:.0f} ms"
        finally:
            await app.shutdown()

    qloop.run_until_complete(scenario())


def test_every_tile_comes_back_after_the_hub_is_killed_and_restarted(qloop, qapp):
    hub = HubProcess().start()
    try:

        async def scenario():
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, layout="2x2"), qapp)
            assert await app.start() == 0
            try:
                await wait_until(
                    lambda: len(tiles_of(app)) == 4 and all_live(app), 30, "four live tiles"
                )
                hub.kill()
                killed = time.monotonic()
                await wait_until(
                    lambda: all(
                        v.feed.state.status is FeedStatus.SIGNAL_LOST for v in tiles_of(app)
                    ),
                    8,
                    "signal lost on every tile",
                )
                lost_after = time.monotonic() - killed
                # max(3 frame intervals, 2 s) of silence, then shown within 2 s.
                assert lost_after < 4.5, f"signal lost shown {lost_after:.1f} s after the kill"
                reasons = {v.feed.state.reason for v in tiles_of(app)}
                assert all(reasons), reasons
                # The outage itself is said once, across the wall and in the camera tree.
                window = app.windows[0]
                banner = window.wall_view.hub_banner
                await wait_until(lambda: window.wall_view.hub_down, 8, "the hub banner")
                assert banner.isVisible()
                assert window.camera_tree is not None and window.camera_tree.hub_note.isVisible()
                hub.start()
                took = await wait_until(
                    lambda: (
                        all_live(app)
                        and all(v.feed.state.status is FeedStatus.LIVE for v in tiles_of(app))
                    ),
                    30,
                    "every tile live again",
                )
                assert not banner.isVisible()  # gone once it answered
                assert not window.camera_tree.hub_note.isVisible()
                print(f"signal lost after {lost_after:.1f} s; back {took:.1f} s after restart")
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        hub.stop()


def test_layout_changes_are_saved_and_restored(qloop, qapp, private_config_dir):
    async def first_run():
        app = ConsoleApp(ConsoleOptions(demo=True, layout="2x2"), qapp)
        assert await app.start() == 0
        try:
            await wait_until(lambda: app.station.directory.cameras, 20, "the camera list")
            await wait_until(lambda: tiles_of(app)[0].tile.camera_id, 5, "cameras on the wall")
            wall = app.station.walls[0]
            wall.swap(wall.layout.tiles[0].id, wall.layout.tiles[3].id)
            assert await app.station.save_layout("Night shift")
            return [t.camera_id for t in wall.layout.tiles]
        finally:
            await app.shutdown()

    cameras = qloop.run_until_complete(first_run())
    doc = json.loads((private_config_dir / "layouts.json").read_text())
    assert doc["current"] == "Night shift"

    async def second_run():
        app = ConsoleApp(ConsoleOptions(demo=True), qapp)
        assert await app.start() == 0
        try:
            return [t.camera_id for t in app.station.walls[0].layout.tiles]
        finally:
            await app.shutdown()

    assert qloop.run_until_complete(second_run()) == cameras


def test_maximizing_a_tile_switches_to_main_without_a_blank_picture(qloop, qapp):
    async def scenario():
        app = ConsoleApp(ConsoleOptions(demo=True, layout="3x3"), qapp)
        assert await app.start() == 0
        try:
            await wait_until(
                lambda: len(tiles_of(app)) == 9 and all_live(app), 30, "all nine tiles live"
            )
            window = app.windows[0]
            window.showNormal()
            window.resize(1600, 1000)  # a 3x3 tile of this wall needs sub; maximized, main
            await asyncio.sleep(0.3)
            view = tiles_of(app)[4]
            wall = app.station.walls[0]
            feeds = app.station.feeds[0]
            assert feeds.key_for(view.tile).profile == "sub"
            assert "sub 640x360" in view.toolTip()
            widths = []
            blank_before = view.blank_paints
            wall.toggle_maximize(view.tile.id)
            await wait_until(lambda: feeds.key_for(view.tile).profile == "main", 5, "main")
            # Frames come at the tile's size: a maximized tile wider than sub's 640 px gets
            # main's picture scaled by libvlc to exactly the picture Qt paints.
            while not widths or widths[-1] <= 640:
                frame = view.feed.player.latest_frame() if view.feed.player else None
                widths.append(frame.width if frame else 0)
                await asyncio.sleep(0.05)
                assert len(widths) < 200, "the main stream never arrived"
            assert widths[-1] == min(1280, view.picture_rect().width()), widths
            await wait_until(lambda: feeds.outgoing_for(view.tile) is None, 5, "the sub released")
            assert view.blank_paints == blank_before, "the tile went blank during the switch"
            assert "main 1280x720" in view.toolTip()
            wall.toggle_maximize(view.tile.id)
            await wait_until(lambda: feeds.key_for(view.tile).profile == "sub", 5, "back to sub")
        finally:
            await app.shutdown()

    qloop.run_until_complete(scenario())


def test_closing_keeps_the_walls_apart_and_a_named_layout_changes_only_on_save(
    qloop, qapp, private_config_dir
):
    """Closing the console saved the walls into the named layout last saved or recalled, so a
    named layout drifted with every shift (issue 14). Now closing keeps them as the session."""

    async def first_run():
        app = ConsoleApp(ConsoleOptions(demo=True, layout="2x2"), qapp)
        assert await app.start() == 0
        try:
            await wait_until(lambda: tiles_of(app)[0].tile.camera_id, 20, "cameras on the wall")
            assert await app.station.save_layout("Night shift")
            wall = app.station.walls[0]
            saved = [t.camera_id for t in wall.layout.tiles]
            assert not app.station.layout_modified
            wall.swap(wall.layout.tiles[0].id, wall.layout.tiles[3].id)  # then closed unsaved
            assert app.station.layout_modified
            await app.save_session()  # what quitting does (ConsoleApp.run)
            return saved, [t.camera_id for t in wall.layout.tiles]
        finally:
            await app.shutdown()

    named, edited = qloop.run_until_complete(first_run())
    doc = json.loads((private_config_dir / "layouts.json").read_text())
    [night] = [n for n in doc["layouts"] if n["name"] == "Night shift"]
    assert [t["camera"] for t in night["walls"][0]["tiles"]] == named  # unchanged by closing

    async def second_run():
        app = ConsoleApp(ConsoleOptions(demo=True), qapp)
        assert await app.start() == 0
        try:
            opened = [t.camera_id for t in app.station.walls[0].layout.tiles]
            modified = app.station.layout_modified
            app.station.load_layout("Night shift")
            recalled = [t.camera_id for t in app.station.walls[0].layout.tiles]
            return opened, modified, recalled
        finally:
            await app.shutdown()

    opened, modified, recalled = qloop.run_until_complete(second_run())
    assert opened == edited and modified  # the session, shown as a change to "Night shift"
    assert recalled == named
