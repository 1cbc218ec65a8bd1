"""Bookmarks end to end (issue 16, section 3): the real console on a demo hub process. B on a
live tile journals a bookmark of its camera at once (pending), the hub has it a moment later
(asked through its API, as another console would), the editor names and tags it, the dock's
search finds it by word and #tag, and Enter plays it from its start: the replayed picture's
time code is inside the bookmark's span."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.base import timecode
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.media.feed import FeedStatus
from tests.e2e.conftest import qimage_to_array, wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_b_on_a_live_tile_bookmarks_it_and_the_dock_finds_and_plays_it(qloop, qapp):
    from pytestqt.qtbot import QtBot

    hub = HubProcess(alerts="off").start()
    bob = TesseraHubClient(HubConfig(url=hub.url, operator="bob", timeout_s=5))
    try:

        async def scenario():
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, operator="ana", joystick=False), qapp)
            assert await app.start() == 0
            try:
                assert app.bookmarks is not None  # the demo hub keeps bookmarks
                window = app.windows[0]
                wall = app.station.walls[0]
                # The first wall is filled once the camera list is in (a task after start).
                await wait_until(
                    lambda: wall.layout.tile_showing("cam-01") is not None, 20, "cam-01 on the wall"
                )
                tile = wall.layout.tile_showing("cam-01")
                view = next(v for v in window.wall_view.tile_views if v.tile.id == tile.id)
                await wait_until(
                    lambda: view.feed is not None and view.feed.state.status is FeedStatus.LIVE,
                    40,
                    "cam-01 live",
                )
                pending_counts: list[int] = []
                app.bookmarks.pending_changed.connect(pending_counts.append)
                wall.select(tile.id)
                window.activateWindow()
                window.focus_wall()
                await wait_until(window.wall_view.hasFocus, 5, "the wall has the keyboard")
                qtbot = QtBot(qapp)
                pressed = time.time()
                qtbot.keyClick(window.wall_view, Qt.Key.Key_B)
                await wait_until(lambda: window.bookmark_editor is not None, 5, "the editor")
                made = window.bookmark_editor.bookmark
                assert made.camera_id == "cam-01"
                assert abs(made.start.timestamp() + 10 - pressed) < 1.0
                # Journaled at the key press (pending), then on the hub.
                await wait_until(lambda: pending_counts[-1:] == [0], 10, "sent to the hub")
                assert pending_counts[0] == 1
                on_hub = await bob.bookmark(made.id)
                assert on_hub.created_by == "ana" and on_hub.start == made.start
                # The editor: a name and a tag, saved onto the same bookmark.
                editor = window.bookmark_editor
                editor.name_edit.setText("Forklift at bay 3")
                editor.tags_edit.setText("dock")
                editor.save()
                await wait_until(lambda: not editor.isVisible(), 5, "the editor saved")
                assert await app.bookmarks.wait_sent(5)
                on_hub = await bob.bookmark(made.id)
                assert on_hub.name == "Forklift at bay 3" and on_hub.tags == ("dock",)
                # The dock finds it by word and tag.
                panel = window.bookmark_panel
                window.bookmark_dock.show()
                window.bookmark_dock.raise_()
                window.resizeDocks([window.bookmark_dock], [420], Qt.Orientation.Vertical)
                panel.search.setFocus()
                qtbot.keyClicks(panel.search, "forklift #dock")
                await wait_until(
                    lambda: (
                        # the answer to this search, not one typed a moment before it
                        panel.found_for == panel.query()
                        and [b.id for b in panel.found.bookmarks] == [made.id]
                        and not panel.found.pending_ids
                        and panel.found.from_hub
                    ),
                    5,
                    "the search found it, on the hub",
                )
                qtbot.keyClick(panel.search, Qt.Key.Key_Down)
                assert panel.selected().id == made.id
                # Enter plays it from its start beside the list.
                qtbot.keyClick(panel.table, Qt.Key.Key_Return)
                picture = panel.replay_panel.picture
                await wait_until(lambda: picture.frames_shown >= 3, 20, "the replay painted")
                shot = qimage_to_array(picture.grab().toImage())
                r = picture.picture
                code = timecode.read(shot[r.top() : r.bottom() + 1, r.left() : r.right() + 1])
                assert code is not None, "no time code in the replayed picture"
                assert made.start.timestamp() - 0.5 <= code / 1000 <= made.end.timestamp()
                assert "Forklift at bay 3" in panel.replay_panel.caption.text()
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        qloop.run_until_complete(bob.close())
        hub.stop()
