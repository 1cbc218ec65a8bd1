"""ONVIF events as Tessera alerts: the topic parsers on their own, then the driver's PullPoint
loop against a fake camera (tests/support/onvif_events_fake.py: no third-party ONVIF device
with an events service exists to test against; the fake's answers are serialized by zeep from
the WSDLs onvif-zeep-async ships)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import pytest

from console.hub.errors import HubNotFound, HubNotSupported
from console.hub.models import (
    EVENT_ALERT,
    EVENT_HUB_HELLO,
    AlarmState,
    AlertChange,
    AlertKind,
    HubEvent,
)
from console.hub.onvif_driver import OnvifHubClient
from console.hub.onvif_events import (
    EventMessage,
    EventSkipLog,
    UnreadableEventError,
    known_topics,
    normalize_topic,
    parse_event,
)
from console.hub.registry import HubConfig
from tests.support.onvif_events_fake import SOURCE_TOKEN, OnvifEventsFake, video_profile

T = TypeVar("T")

MOTION = "tns1:RuleEngine/CellMotionDetector/Motion"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 30))


# -- the parsers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "data", "kind", "active", "label"),
    [
        ("tns1:VideoSource/MotionAlarm", {"State": "true"}, AlertKind.MOTION, True, None),
        (MOTION, {"IsMotion": "false"}, AlertKind.MOTION, False, None),
        (
            "tns1:VideoSource/GlobalSceneChange/ImagingService",
            {"State": "1"},
            AlertKind.TAMPER,
            True,
            None,
        ),
        ("tns1:RuleEngine/TamperDetector/Tamper", {"IsTamper": "1"}, AlertKind.TAMPER, True, None),
        (
            "tns1:RuleEngine/LineDetector/Crossed",
            {"ObjectId": "7"},
            AlertKind.LINE_CROSSING,
            None,
            None,
        ),
        (
            "tns1:RuleEngine/FieldDetector/ObjectsInside",
            {"IsInside": "true"},
            AlertKind.OBJECT,
            True,
            "intrusion",
        ),
        (
            "tns1:RuleEngine/MyRuleDetector/PeopleDetect",
            {"State": "true"},
            AlertKind.OBJECT,
            True,
            "person",
        ),
        ("tns1:VideoSource/SignalLoss", {"State": "true"}, AlertKind.VIDEO_LOSS, True, None),
    ],
)
def test_each_topic_parser_maps_to_an_alert_kind(
    topic: str, data: dict[str, str], kind: AlertKind, active: bool | None, label: str | None
) -> None:
    parsed = parse_event(
        EventMessage(topic=topic, source={"VideoSourceConfigurationToken": "VSC_1"}, data=data)
    )
    assert parsed is not None
    got = (parsed.kind, parsed.active, parsed.label or "", parsed.source)
    assert got == (kind, active, label or "", "VSC_1")


def test_topics_match_whatever_prefix_the_camera_uses() -> None:
    assert normalize_topic("tns1:RuleEngine/tnsaxis:CellMotionDetector/Motion") == (
        "RuleEngine/CellMotionDetector/Motion"
    )
    parsed = parse_event(EventMessage(topic="ns7:VideoSource/MotionAlarm", data={"State": "true"}))
    assert parsed is not None and parsed.kind is AlertKind.MOTION
    assert "VideoSource/MotionAlarm" in known_topics()


def test_an_unknown_topic_has_no_parser_and_a_broken_state_is_unreadable() -> None:
    usage = EventMessage(topic="tns1:Monitoring/ProcessorUsage", data={"Value": "3"})
    assert parse_event(usage) is None
    with pytest.raises(UnreadableEventError):
        parse_event(EventMessage(topic=MOTION, data={"IsMotion": "maybe"}))
    with pytest.raises(UnreadableEventError):
        parse_event(EventMessage(topic=MOTION, data={}))


def test_names_from_the_camera_are_cleaned() -> None:
    parsed = parse_event(
        EventMessage(
            topic=MOTION,
            source={"VideoSourceConfigurationToken": "VSC_1", "Rule": "Gate\u202e\x07 rule"},
            data={"IsMotion": "true"},
        )
    )
    assert parsed is not None
    assert "\u202e" not in parsed.rule and "\x07" not in parsed.rule


def test_the_skip_log_is_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    skips = EventSkipLog("skipped", burst=2, window_s=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="console.hub.onvif_events"):
        for _ in range(10):
            skips.note("tns1:Unknown/Topic", "no parser")
        now[0] = 61.0
        skips.note("tns1:Unknown/Topic", "no parser")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4  # two, then the count of the eight held back, then one more
    assert "8 more" in lines[2]
    assert skips.count == 11 and skips.topics == {"tns1:Unknown/Topic": 11}


# -- the driver against the fake camera ---------------------------------------------------------


async def _next_alert_event(stream: AsyncIterator[HubEvent]) -> HubEvent:
    async for event in stream:
        if event.type == EVENT_ALERT:
            return event
    raise AssertionError("the event channel ended")


def _client(url: str, **kwargs: Any) -> OnvifHubClient:
    config = HubConfig(url=url, driver="onvif", username="", password="", operator="op1")
    return OnvifHubClient(config, **kwargs)


def test_events_become_alerts_raised_ended_acknowledged_and_closed() -> None:
    async def main() -> None:
        async with OnvifEventsFake() as cam:
            client = _client(cam.url)
            try:
                info = await client.info()
                assert info.has("events") and info.name == "Fake events camera"
                assert client.alerts_facet is client
                snapshot = await client.alerts()
                assert snapshot.alerts == () and snapshot.seq == 0
                stream = client.events(since=snapshot.seq, types=frozenset({EVENT_ALERT}))
                hello = await anext(stream)
                assert hello.type == EVENT_HUB_HELLO

                cam.push(MOTION, data={"IsMotion": "true"})
                raised = await _next_alert_event(stream)
                assert raised.alert is not None and raised.alert_change is AlertChange.RAISED
                alert = raised.alert
                assert (alert.kind, alert.camera_id, alert.active) == (
                    AlertKind.MOTION,
                    SOURCE_TOKEN,
                    True,
                )
                assert alert.revision == raised.seq and alert.state is AlarmState.NEW

                cam.push(MOTION, data={"IsMotion": "true"})  # a repeat: no second alert
                cam.push(MOTION, data={"IsMotion": "false"})
                ended = await _next_alert_event(stream)
                assert ended.alert_change is AlertChange.ENDED and ended.alert is not None
                assert ended.alert.id == alert.id and not ended.alert.active

                acked = await client.acknowledge_alert(alert.id, "seen")
                assert acked.state is AlarmState.ACKNOWLEDGED and acked.acknowledged is not None
                assert acked.acknowledged.by == "op1"
                event = await _next_alert_event(stream)
                assert event.alert_change is AlertChange.ACKNOWLEDGED
                closed = await client.close_alert(alert.id)
                assert closed.state is AlarmState.CLOSED and closed.revision > acked.revision
                assert (await client.alerts()).alerts == ()
                assert [a.id for a in (await client.alerts(include_closed=True)).alerts] == [
                    alert.id
                ]
                with pytest.raises(HubNotFound):
                    await client.alert("nope")
                await stream.aclose()
            finally:
                await client.close()
            assert cam.unsubscribes == 1

    run(main())


def test_events_since_replays_what_the_driver_kept() -> None:
    async def main() -> None:
        async with OnvifEventsFake() as cam:
            client = _client(cam.url)
            try:
                stream = client.events()
                await anext(stream)
                cam.push("tns1:RuleEngine/TamperDetector/Tamper", data={"IsTamper": "true"})
                first = await _next_alert_event(stream)
                await stream.aclose()
                # A consumer that reconnects from before that event gets it again.
                again = client.events(since=first.seq - 1)
                hello = await anext(again)
                assert hello.seq == first.seq  # the driver's latest seq
                replayed = await _next_alert_event(again)
                assert replayed.seq == first.seq and replayed.alert is not None
                assert replayed.alert.kind is AlertKind.TAMPER
                await again.aclose()
            finally:
                await client.close()

    run(main())


def test_an_unknown_topic_is_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async with OnvifEventsFake() as cam:
            client = _client(cam.url)
            try:
                stream = client.events(types=frozenset({EVENT_ALERT}))
                await anext(stream)
                cam.push("tns1:Monitoring/ProcessorUsage", data={"Value": "42"})
                cam.push(MOTION, data={"IsMotion": "maybe"})  # known topic, unreadable
                cam.push("tns1:VideoSource/MotionAlarm", data={"State": "true"})
                event = await _next_alert_event(stream)
                assert event.alert is not None and event.alert.kind is AlertKind.MOTION
                assert client.skipped_events.count == 2
                assert "tns1:Monitoring/ProcessorUsage" in client.skipped_events.topics
                await stream.aclose()
            finally:
                await client.close()

    with caplog.at_level(logging.WARNING, logger="console.hub.onvif_events"):
        run(main())
    assert any("ProcessorUsage" in r.getMessage() for r in caplog.records)


def test_a_line_crossing_pulse_ends_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("console.hub.onvif_driver.PULSE_ALERT_S", 0.1)

    async def main() -> None:
        async with OnvifEventsFake() as cam:
            client = _client(cam.url)
            try:
                stream = client.events(types=frozenset({EVENT_ALERT}))
                await anext(stream)
                cam.push(
                    "tns1:RuleEngine/LineDetector/Crossed",
                    data={"ObjectId": "3"},
                    source={"VideoSourceConfigurationToken": "VSC_1", "Rule": "Fence"},
                )
                raised = await _next_alert_event(stream)
                assert raised.alert is not None
                assert raised.alert.kind is AlertKind.LINE_CROSSING and raised.alert.active
                ended = await _next_alert_event(stream)
                assert ended.alert_change is AlertChange.ENDED
                await stream.aclose()
            finally:
                await client.close()

    run(main())


def test_the_subscription_is_renewed_and_taken_again_after_the_camera_drops_it() -> None:
    async def main() -> None:
        async with OnvifEventsFake() as cam:
            client = _client(cam.url, subscription_s=1.0, pull_timeout_s=0.3)
            try:
                stream = client.events(types=frozenset({EVENT_ALERT}))
                await anext(stream)
                await asyncio.sleep(1.2)
                assert cam.renewals >= 1
                cam.expire_subscription()
                with pytest.raises(Exception) as caught:
                    await _next_alert_event(stream)
                assert getattr(caught.value, "retryable", False)
                # The resilient subscription reconnects: the driver subscribes afresh.
                resilient = client.resilient_events(types=frozenset({EVENT_ALERT}))
                iterator = resilient.__aiter__()
                cam.push("tns1:VideoSource/SignalLoss", data={"State": "true"})
                event = await anext(iterator)
                assert event.alert is not None and event.alert.kind is AlertKind.VIDEO_LOSS
                assert cam.subscriptions == 2
                await iterator.aclose()  # type: ignore[attr-defined]
            finally:
                await client.close()

    run(main())


def test_a_camera_without_events_has_no_alerts_facet_and_a_quiet_channel() -> None:
    async def main() -> None:
        async with OnvifEventsFake(with_events=False) as cam:
            client = _client(cam.url)
            try:
                assert client.alerts_facet is client  # not known before the camera was read
                with pytest.raises(HubNotSupported) as caught:
                    await client.alerts()
                assert caught.value.operator_message == "This camera sends no events."
                assert client.alerts_facet is None
                stream = client.events()
                hello = await anext(stream)
                assert hello.type == EVENT_HUB_HELLO and hello.data["events"] is False
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(anext(stream), 0.3)
                assert cam.subscriptions == 0
            finally:
                await client.close()

    run(main())


# -- untrusted media profiles (the fake serves them; ipycam's are fixed) -----------------------


def test_unreadable_profiles_are_left_out_and_named_and_names_are_cleaned() -> None:
    profiles = [
        video_profile("P_main", width=1920, height=1080),
        video_profile("x" * 300),  # an id longer than any the console keeps
        video_profile("P_zero", width=0, height=0),
        video_profile("P_sub", width=640, height=360),
        video_profile("P_mid", width=1280, height=720),
        video_profile("P_other", source="VS_2", width=800, height=600),
    ]

    async def main() -> None:
        async with OnvifEventsFake(profiles=profiles, name="Gate\u202ecam") as cam:
            client = _client(cam.url)
            try:
                listed = await client.camera_list()
                assert [c.id for c in listed.cameras] == ["VS_1", "VS_2"]
                first, second = listed.cameras
                assert [(p.name, p.width) for p in first.profiles] == [
                    ("main", 1920),
                    ("sub", 640),
                ]
                assert [p.name for p in second.profiles] == ["main"]  # one profile: no sub
                assert "\u202e" not in first.name and first.name.endswith(" 1")
                assert [r.position for r in listed.rejected] == [1, 2]
                assert listed.rejected[0].item_id is None  # too long to be an id
                assert listed.rejected[1].item_id == "P_zero"
                assert listed.total == 4
            finally:
                await client.close()

    run(main())


def test_a_camera_without_media_profiles_lists_no_camera() -> None:
    async def main() -> None:
        async with OnvifEventsFake(profiles=[]) as cam:
            client = _client(cam.url)
            try:
                assert await client.cameras() == []
                assert (await client.info()).name == "Fake events camera"
            finally:
                await client.close()

    run(main())
