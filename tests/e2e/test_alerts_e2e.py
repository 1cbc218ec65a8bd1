"""Alerts end to end: the real console on a demo hub process. A critical alert pops its camera
into the alarm tile with a red border, an alert on a camera already on the wall marks its tile
with the box, and the operator opens and acknowledges from the list with the keyboard: the
moment the alarm fired replays beside the list, and the hub and another console see who
acknowledged."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from console.alerts.replay import PRE_ROLL_S
from console.app.console_app import ConsoleApp, ConsoleOptions
from console.base import timecode
from console.hub.models import AlarmState, AlertBox, AlertKind, AlertPriority
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.media.feed import FeedStatus
from console.wall.layout import TileRole
from tests.e2e.conftest import qimage_to_array, wait_until
from tests.support.hubproc import HubProcess
from widgets.alarms.alert_overlay import PRIORITY_COLOURS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_a_critical_alert_pops_up_and_is_acknowledged_from_the_list(qloop, qapp):
    from pytestqt.qtbot import QtBot

    hub = HubProcess(alerts="off").start()
    bob = TesseraHubClient(HubConfig(url=hub.url, operator="bob", timeout_s=5))
    try:

        async def scenario():
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, operator="ana", joystick=False), qapp)
            assert await app.start() == 0
            try:
                wall = app.station.walls[0]
                alarm_tile = wall.layout.tiles[-1]
                assert alarm_tile.role == TileRole.ALARM  # a first start keeps one for alarms
                views = app.windows[0].wall_view.tile_views
                await wait_until(
                    lambda: (
                        sum(
                            v.feed is not None and v.feed.state.status is FeedStatus.LIVE
                            for v in views
                        )
                        == 8
                    ),
                    40,
                    "eight live tiles and the empty alarm tile",
                )
                assert wall.layout.tile(alarm_tile.id).camera_id is None

                panic = await bob.raise_alert(
                    AlertKind.PANIC, "cam-09", AlertPriority.CRITICAL, duration_s=60
                )
                pop_view = views[-1]
                await wait_until(
                    lambda: (
                        wall.layout.tile(alarm_tile.id).camera_id == "cam-09"
                        and pop_view.has_shown_video
                        and bool(pop_view.overlays())
                    ),
                    20,
                    "cam-09 live in the alarm tile with its alert",
                )
                red = PRIORITY_COLOURS[AlertPriority.CRITICAL]
                shot = qimage_to_array(pop_view.grab().toImage()).astype(int)
                edge = shot[shot.shape[0] // 2, 1]
                assert np.abs(edge - (red.red(), red.green(), red.blue())).max() < 40

                person = await bob.raise_alert(
                    AlertKind.OBJECT,
                    "cam-03",
                    AlertPriority.MEDIUM,
                    label="person",
                    box=AlertBox(0.45, 0.4, 0.1, 0.45),
                    duration_s=60,
                )
                cam3 = next(v for v in views if v.tile.camera_id == "cam-03")
                await wait_until(lambda: bool(cam3.overlays()), 10, "the box on cam-03's tile")
                assert wall.layout.tile_showing("cam-03").role == TileRole.NORMAL  # not moved

                panel = app.windows[0].alarm_panel
                await wait_until(lambda: panel.model.rowCount() == 2, 5, "two alarms listed")
                qtbot = QtBot(qapp)
                panel.table.setFocus()
                qtbot.keyClick(panel.table, Qt.Key.Key_N)  # the most urgent new one
                assert panel.selected().id == panic.id
                # Opening it also replays, beside the list, the moment it fired: the painted
                # picture's time code is the recorded moment (up to 5 s before the alarm).
                window = app.windows[0]
                window.resizeDocks([window.alarm_dock], [420], Qt.Orientation.Vertical)
                picture = panel.replay_panel.picture
                await wait_until(lambda: picture.frames_shown >= 3, 15, "the replay painted")
                shot = qimage_to_array(picture.grab().toImage())
                r = picture.picture
                code = timecode.read(shot[r.top() : r.bottom() + 1, r.left() : r.right() + 1])
                assert code is not None, "no time code in the replayed picture"
                fired = panic.started.timestamp()
                assert fired - PRE_ROLL_S - 0.5 <= code / 1000 <= fired + 1.5
                assert "Platform 2" in panel.replay_panel.caption.text()
                edge = qimage_to_array(picture.grab().toImage()).astype(int)[r.center().y(), 1]
                assert np.abs(edge - (red.red(), red.green(), red.blue())).max() < 40
                qtbot.keyClick(panel.table, Qt.Key.Key_A)
                await wait_until(
                    lambda: app.alarms.get(panic.id).state is AlarmState.ACKNOWLEDGED,
                    10,
                    "the acknowledgement back from the hub",
                )
                seen_by_bob = await bob.alert(panic.id)
                assert seen_by_bob.acknowledged is not None
                assert seen_by_bob.acknowledged.by == "ana"
                assert app.alarms.get(person.id).state is AlarmState.NEW
                await wait_until(lambda: "1 new" in panel.summary.text(), 5, "the count updated")
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        qloop.run_until_complete(bob.close())
        hub.stop()
