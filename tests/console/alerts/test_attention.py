"""Sounds and notifications for new alarms: real `aplay` (ALSA's null device), rate limits, and
one summarising notification for a burst."""

from __future__ import annotations

import asyncio
import io
import shutil
import wave

import pytest

from console.alerts.attention import NOTIFY_GATHER_S, AlertAttention
from console.alerts.book import AlarmBook
from console.alerts.settings import SOUND_NAMES, AlertSettings
from console.alerts.sounds import AplayPlayer, sound_wav
from console.base.notices import Notices
from console.base.safe_text import isolate
from console.hub.models import AlertChange, AlertPriority
from tests.console.alerts.alertdata import make_alert
from tests.support.hubthread import wait_until
from tests.support.minimal_client import MinimalClient

LOW, HIGH, CRITICAL = AlertPriority.LOW, AlertPriority.HIGH, AlertPriority.CRITICAL


class RecordingNotifier:
    """Stands in for the desktop (the real one, notify-send on a session bus, is tested in
    tests/widgets/alarms/test_desktop_notifier.py); it records what would be shown."""

    def __init__(self, in_front: bool) -> None:
        self.front = in_front
        self.shown: list[tuple[str, str, bool]] = []

    def in_front(self) -> bool:
        return self.front

    def notify(self, title: str, body: str, urgent: bool) -> None:
        self.shown.append((title, body, urgent))


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_every_sound_is_a_short_valid_wav():
    for name in SOUND_NAMES:
        with wave.open(io.BytesIO(sound_wav(name))) as w:
            assert w.getnchannels() == 1 and w.getframerate() == 22050
            assert 0.2 < w.getnframes() / w.getframerate() < 1.0


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) not installed")
def test_sounds_are_off_by_default_and_play_per_priority_through_aplay(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_ALSA_DEVICE", "null")  # no sound card here: ALSA's null sink
    book = AlarmBook(client=MinimalClient())  # fed by hand
    player = AplayPlayer(tmp_path / "sounds")
    settings = AlertSettings()
    clock = Clock()
    attention = AlertAttention(book, lambda: settings, player, None, lambda c: c, clock=clock)

    async def scenario():
        nonlocal settings
        book.apply(make_alert("a", priority=CRITICAL), AlertChange.RAISED)
        assert attention.played == []  # off by default
        settings = AlertSettings(sounds_enabled=True)
        book.apply(make_alert("b", priority=HIGH), AlertChange.RAISED)
        book.apply(make_alert("c", priority=HIGH), AlertChange.RAISED)  # within the gap: once
        book.apply(make_alert("d", priority=CRITICAL), AlertChange.RAISED)  # more urgent: plays
        book.apply(make_alert("e", priority=LOW), AlertChange.RAISED)  # low is silent
        clock.now += 5
        book.apply(make_alert("f", priority=HIGH), AlertChange.RAISED)
        assert attention.played == ["alert", "siren", "alert"]
        await asyncio.sleep(0)

    asyncio.run(scenario())
    assert wait_until(lambda: len(player.started) == 3, 10), player.failures
    assert sorted(p.name for p in (tmp_path / "sounds").iterdir()) == ["alert.wav", "siren.wav"]


def test_no_player_on_this_machine_is_said_once_in_plain_words(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no aplay on PATH
    notices = Notices()
    player = AplayPlayer(tmp_path / "sounds", notices)

    async def scenario():
        player.play("siren")
        player.play("siren")

    asyncio.run(scenario())
    assert not player.available
    assert len(notices.items) == 1 and "alsa-utils" in notices.items[0].text


def test_a_burst_makes_one_notification_only_while_the_console_is_not_in_front():
    book = AlarmBook(client=MinimalClient())
    away = RecordingNotifier(in_front=False)
    attention = AlertAttention(book, AlertSettings, None, away, {"cam-09": "Platform 2"}.get)

    async def scenario():
        book.apply(make_alert("one", "cam-09", CRITICAL), AlertChange.RAISED)
        await asyncio.sleep(NOTIFY_GATHER_S + 0.2)
        for i in range(50):
            book.apply(make_alert(f"b{i}", "cam-09", HIGH), AlertChange.RAISED)
        book.apply(make_alert("low", "cam-09", LOW), AlertChange.RAISED)  # below the setting
        await asyncio.sleep(NOTIFY_GATHER_S + 0.2)
        away.front = True
        book.apply(make_alert("seen", "cam-09", CRITICAL), AlertChange.RAISED)
        await asyncio.sleep(NOTIFY_GATHER_S + 0.2)

    asyncio.run(scenario())
    # The hub's words (alert title, camera name) are each in a bidi isolate (issue 12).
    person, platform = isolate("Person"), isolate("Platform 2")
    assert [t for t, _, _ in away.shown] == [f"Critical alarm: {person}", "50 new alarms"]
    assert away.shown[0][2] is True and platform in away.shown[0][1]
    assert f"Most urgent: {person} on {platform}" in away.shown[1][1]
    attention.close()
