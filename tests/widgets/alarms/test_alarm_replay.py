"""The replay pane's words: where the replay stands against the alarm, and why there is none
(against a real demo hub; the pane playing a recording is checked in tests/e2e)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from console.alerts.replay import AlarmReplay, ReplayStatus
from console.base.marshal import Marshal
from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.registry import HubConfig, create_client
from console.identity.reasons import ReasonPolicy
from console.media.engine import MediaEngine
from console.media.media_settings import HardwareDecoding, MediaSettings
from tests.console.alerts.alertdata import T0, make_alert
from tests.support.hubthread import HubThread
from widgets.alarms.alarm_replay import ReplayPanel, offset_text
from widgets.common.hub_text import shown


def test_offset_against_the_alarm_in_plain_words():
    assert offset_text(T0 - timedelta(seconds=4.6), T0) == "5 s before the alarm"
    assert offset_text(T0 + timedelta(seconds=0.3), T0) == "at the alarm"
    assert offset_text(T0 + timedelta(seconds=12), T0) == "12 s after the alarm"


def test_the_pane_says_why_there_is_no_replay_and_can_replay_again(qtbot, qloop):
    hub = HubThread()  # a real demo hub; its PTZ camera is not recorded
    client = create_client(HubConfig(url=hub.url))
    try:
        directory = CameraDirectory(client, Notices())
        qloop.run_until_complete(directory.load())
        replay = AlarmReplay(client, directory, lambda: pytest.fail("nothing to play"))
        panel = ReplayPanel(replay, directory_name(directory))
        qtbot.addWidget(panel)
        panel.show()
        assert not panel.again_button.isEnabled() and not panel.stop_button.isEnabled()
        alert = make_alert("al-1", "cam-08")
        replay.show(alert)
        # Camera name and alert title are hub text: each in a bidi isolate (issue 12).
        named = f"Replay · {shown('Rooftop PTZ')} · {shown('Person')}"
        assert panel.caption.text() == f"{named} · loading…"
        assert panel.stop_button.isEnabled()
        qloop.run_until_complete(until(lambda: replay.state.status is ReplayStatus.UNAVAILABLE))
        assert replay.state.message == "Rooftop PTZ is not recorded: only live video can be shown."
        assert panel.caption.text() == named
        assert panel.again_button.isEnabled() and not panel.stop_button.isEnabled()
        panel.picture.grab()  # paints the message, no picture
        assert panel.picture.picture.isNull()
        panel.again_button.click()
        assert replay.state.status is ReplayStatus.LOADING and replay.state.alert == alert
        qloop.run_until_complete(until(lambda: replay.state.status is ReplayStatus.UNAVAILABLE))
        replay.close()
    finally:
        qloop.run_until_complete(client.close())
        hub.close()


def test_where_the_hub_asks_a_reason_the_pane_asks_it_and_replays_with_it(qtbot, qloop):
    hub = HubThread(recorded_since=time.time() - 600, reasons_required=("playback",))
    client = create_client(HubConfig(url=hub.url))
    engine = MediaEngine(
        MediaSettings(hw_decoding=HardwareDecoding.OFF), Marshal(asyncio.get_event_loop())
    )
    try:
        directory = CameraDirectory(client, Notices())
        qloop.run_until_complete(directory.load())
        replay = AlarmReplay(client, directory, lambda: engine.create_player(name="replay"))
        panel = ReplayPanel(replay, directory_name(directory))
        panel.reasons = ReasonPolicy(presets={"playback": ("Alarm review",)})
        qtbot.addWidget(panel)
        panel.show()
        assert not panel.reason_button.isVisible()
        recorded = datetime.now(timezone.utc) - timedelta(seconds=60)  # the hub has it
        replay.show(dataclasses.replace(make_alert("al-1", "cam-02"), started=recorded))
        qloop.run_until_complete(until(lambda: replay.state.status is ReplayStatus.REASON_NEEDED))
        assert panel.reason_button.isVisible()
        panel.reason_button.click()
        dialog = panel.reason_dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.preset_box.itemText(0) == "Alarm review"  # the wall's policy's presets
        dialog.case_edit.setText("CR-11")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert replay.reason == {"case": "CR-11", "reason": "Alarm review", "words": ""}
        qloop.run_until_complete(until(lambda: replay.state.status is ReplayStatus.PLAYING, 15))
        assert not panel.reason_button.isVisible()
        replay.close()
    finally:
        qloop.run_until_complete(client.close())
        assert engine.shutdown(3.0)
        hub.close()


def directory_name(directory: CameraDirectory):
    def name(camera_id: str) -> str:
        camera = directory.get(camera_id)
        return camera.name if camera else camera_id

    return name


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
