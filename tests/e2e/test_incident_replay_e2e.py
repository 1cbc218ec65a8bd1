"""Incident replay for trainers end to end (issue 16, section 4): the real console on a demo
hub process; an alert is raised through the hub's API the way its scripted scenario raises
them (the scenario itself is replayed in tests/console/incident). The trainer replays the
alarm once it has ended: the wall
shows the incident's cameras playing back from before it, the alert fires again on its tile
and in the replay's own alarm list (marked as a replay), the live alarms are not drawn
meanwhile, a trainee's acknowledgement stays in the replay (the hub's alert is untouched),
and leaving playback brings the wall's own layout and the live alarms back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.hub.models import AlertKind, AlertPriority
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from tests.e2e.conftest import wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]


def test_a_trainer_replays_an_alarm_with_its_alerts_fired_again(qloop, qapp):
    from pytestqt.qtbot import QtBot

    hub = HubProcess(alerts="off", extra_args=("--recorded-for", "600")).start()
    observer = TesseraHubClient(HubConfig(url=hub.url, operator="observer", timeout_s=5))
    try:

        async def scenario():
            app = ConsoleApp(
                ConsoleOptions(hub_url=hub.url, operator="ana", joystick=False, layout="3x3"),
                qapp,
            )
            assert await app.start() == 0
            try:
                window = app.windows[0]
                wall = app.station.walls[0]
                layout_before = wall.layout
                trainer = window.trainer
                assert trainer is not None
                # An alarm that has ended (its whole span recorded).
                raised = await observer.raise_alert(
                    AlertKind.OBJECT, "cam-03", AlertPriority.HIGH, label="person", duration_s=2
                )
                await wait_until(
                    lambda: (a := app.alarms.get(raised.id)) is not None and not a.active,
                    20,
                    "the alarm ended",
                )
                alert = app.alarms.get(raised.id)
                panel = window.alarm_panel
                await wait_until(lambda: panel.select(alert.id), 5, "the alarm in the list")
                window._replay_selected_alarm()
                await wait_until(lambda: trainer.running, 15, "the replay started")
                session, replay = trainer.session, trainer.replay
                clock = window._playback.session
                assert alert.camera_id in session.camera_ids
                assert [t.camera_id for t in wall.layout.tiles][: len(session.camera_ids)] == list(
                    session.camera_ids
                )
                assert window.trainer.dock.isVisible()
                # The live alarms are not drawn on the tiles while the replay runs.
                view = next(
                    v for v in window.wall_view.tile_views if v.tile.camera_id == alert.camera_id
                )
                assert view.overlays() == [] or all(
                    o.alert.id in {a.id for a in replay.alerts()} for o in view.overlays()
                )
                # Go to just before it fired: it fires again at its original moment.
                clock.seek(alert.started - timedelta(seconds=1.5))
                await wait_until(
                    lambda: any(e.alert.id == alert.id for e in replay.entries()),
                    15,
                    "the alert fired again",
                )
                await wait_until(
                    lambda: any(o.alert.id == alert.id for o in view.overlays()),
                    5,
                    "the re-fired alert on its tile",
                )
                # The replay's alarm list shows it; the trainee acknowledges it there.
                alarm_list = trainer.alarm_list
                alarm_list.refresh()
                assert alarm_list.table.rowCount() >= 1
                before = await observer.alert(alert.id)
                assert replay.acknowledge(alert.id) is not None
                assert replay.trainee_ack(alert.id) is not None
                await asyncio.sleep(0.2)
                after = await observer.alert(alert.id)  # nothing went to the hub
                assert after.acknowledged == before.acknowledged
                assert after.revision == before.revision
                # Ctrl+L ends the replay: the wall's layout and the live alarms come back.
                window.activateWindow()
                window.focus_wall()
                await wait_until(window.wall_view.hasFocus, 5, "the wall has the keyboard")
                QtBot(qapp).keyClick(
                    window.wall_view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                )
                assert not trainer.running and not window._playback.active
                assert wall.layout == layout_before
                assert window.wall_view._alarms is app.alarms  # live again: the live alarms
                # A replay still running when the console quits: it ends with it, nothing
                # starts again on the way out (this crashed once: live feeds resumed during
                # shutdown told windows already gone that the hub was down).
                trainer.from_last_minutes()
                await wait_until(lambda: trainer.running, 15, "a second replay")
                await asyncio.sleep(0.3)
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        qloop.run_until_complete(observer.close())
        hub.stop()
