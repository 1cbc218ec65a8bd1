"""The event channel over real WebSockets: typed events, skipping, and drop + resume."""

from __future__ import annotations

import asyncio
from datetime import timezone

import pytest

from console.hub import (
    Backoff,
    EventSubscription,
    HubConfig,
    HubConnectionLost,
    HubEvent,
    HubProtocolError,
)
from console.hub.tessera_api import TesseraHubClient


def client_for(url: str, **kw: float) -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url), **kw)


def fast_backoff() -> Backoff:
    return Backoff(base_s=0.01, cap_s=0.05, jitter=0.0)


async def take(stream, count: int) -> list[HubEvent]:
    """The first `count` events of an async iterator (then it is closed)."""
    out: list[HubEvent] = []
    iterator = aiter(stream)
    try:
        while len(out) < count:
            out.append(await anext(iterator))
    finally:
        await iterator.aclose()
    return out


def test_events_arrive_typed_after_the_hello(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            hub.publish("camera.status", "cam-01", {"status": "offline"})
            hub.publish("stream.viewers", "cam-01", {"profile": "sub", "viewers": 2})
            return await take(client.events(since=0), 3)

    hello, status, viewers = run(main())
    assert hello.type == "hub.hello" and hello.data["api_version"] == 1
    assert (status.seq, status.type, status.camera_id) == (1, "camera.status", "cam-01")
    assert status.data == {"status": "offline"}
    assert status.time.tzinfo == timezone.utc
    assert (viewers.seq, viewers.data["viewers"]) == (2, 2)
    with pytest.raises(TypeError):
        status.data["status"] = "online"  # type: ignore[index]


def test_types_are_asked_for_and_other_types_are_dropped_unparsed(fake_hub, run, caplog):
    # This fake hub ignores `types` (a hub may): the client drops the other types itself,
    # before parsing them, so a malformed alert is not even read.
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            hub.publish("alert", "cam-01", {"change": "raised", "alert": {"id": 7}})
            hub.publish("stream.viewers", "cam-01", {"profile": "sub", "viewers": 2})
            events = await take(client.events(since=0, types=frozenset({"stream.viewers"})), 2)
            return events, hub.event_queries

    with caplog.at_level("WARNING"):
        (hello, viewers), queries = run(main())
    assert hello.type == "hub.hello"
    assert (viewers.seq, viewers.type) == (2, "stream.viewers")
    assert "cannot read" not in caplog.text
    assert queries == [{"since": "0", "types": "stream.viewers"}]


def test_live_events_arrive_without_since(fake_hub, run):
    async def main():
        async with fake_hub() as hub, client_for(hub.url) as client:
            hub.publish("camera.status", "cam-01", {"status": "online"})  # before: not replayed
            stream = aiter(client.events())
            hello = await anext(stream)
            hub.publish("camera.status", "cam-02", {"status": "offline"})
            live = await anext(stream)
            await stream.aclose()
            return hello, live

    hello, live = run(main())
    assert hello.type == "hub.hello"
    assert (live.seq, live.camera_id) == (2, "cam-02")


def test_heartbeats_and_unknown_types_are_skipped(fake_hub, run):
    async def main():
        async with fake_hub(heartbeat_s=0.02) as hub, client_for(hub.url) as client:
            stream = aiter(client.events())
            await anext(stream)  # hello
            await asyncio.sleep(0.1)  # several heartbeats go by
            hub.publish("alert.motion", "cam-01", {"zone": 3})  # a type from a later version
            hub.publish("camera.status", "cam-01", {"status": "online"})
            event = await anext(stream)
            await stream.aclose()
            return event

    event = run(main())
    assert (event.seq, event.type) == (2, "camera.status")


def test_unknown_shapes_and_a_broken_envelope_are_skipped_and_the_channel_goes_on(
    raw_ws_hub, run, caplog
):
    # Until issue 12 a broken envelope ended the channel with a protocol error (and the alarm
    # book called the channel unusable); now that one event is skipped and logged.
    messages = [
        {
            "seq": 1,
            "type": "hub.hello",
            "time": "2026-11-22T10:00:00.000Z",
            "data": {"api_version": 1},
        },
        {"type": "heartbeat", "time": "2026-11-22T10:00:05.000Z"},
        {"type": "something.new", "whatever": [1, 2]},
        {"seq": 2, "type": "camera.status", "time": "2026-11-22T10:00:06Z", "camera_id": "cam-01"},
        {"seq": "3", "type": "camera.status", "time": "2026-11-22T10:00:07Z"},
        {"seq": 4, "type": "camera.status", "time": "2026-11-22T10:00:08Z", "camera_id": "cam-02"},
    ]

    async def main():
        async with raw_ws_hub(messages) as url, client_for(url) as client:
            got: list[HubEvent] = []
            with pytest.raises(HubConnectionLost):  # the hub closes after its messages
                async for event in client.events():
                    got.append(event)
            return got

    got = run(main())
    assert [e.seq for e in got] == [1, 2, 4]
    assert got[1].data == {}
    assert "event.seq: expected an integer, got string" in caplog.text


def test_a_non_json_event_message_is_skipped_and_the_channel_goes_on(raw_ws_hub, run, caplog):
    # Until issue 12 this ended the channel with "not valid JSON".
    good = {"seq": 5, "type": "camera.status", "time": "2026-11-22T10:00:06Z"}

    async def main():
        async with raw_ws_hub(["not json {", good]) as url, client_for(url) as client:
            got = []
            with pytest.raises(HubConnectionLost):
                async for event in client.events():
                    got.append(event.seq)
            return got

    assert run(main()) == [5]
    assert "not valid JSON" in caplog.text
    assert "not json {" not in caplog.text  # the message itself is never logged


def test_a_hello_with_another_api_version_is_refused(fake_hub, run):
    async def main():
        async with fake_hub(api_version=3) as hub, client_for(hub.url) as client:
            await take(client.events(), 1)

    with pytest.raises(HubProtocolError) as info:
        run(main())
    assert info.value.field == "event.data.api_version"


def test_a_dropped_channel_raises_connection_lost(fake_hub, run):
    async def main():
        async with fake_hub(drop_events_after=2) as hub, client_for(hub.url) as client:
            for _ in range(5):
                hub.publish("camera.status", "cam-01", {"status": "online"})
            got = []
            with pytest.raises(HubConnectionLost):
                async for event in client.events(since=0):
                    got.append(event.seq)
            return got

    assert run(main()) == [5, 1, 2]  # hello (carrying the latest seq), then two events


def test_a_silent_channel_counts_as_lost(fake_hub, run):
    async def main():
        async with (
            fake_hub(silent_events=True) as hub,
            client_for(hub.url, event_idle_timeout_s=0.2) as client,
        ):
            async for _ in client.events():
                pass

    with pytest.raises(HubConnectionLost, match="nothing from the hub"):
        run(main())


def test_resilient_events_resume_after_a_drop_without_loss_or_duplicates(fake_hub, run):
    """Replay is cut after 4 events; the hub then replays inclusively (one duplicate)."""

    async def main():
        async with (
            fake_hub(drop_events_after=4, replay_inclusive=True) as hub,
            client_for(hub.url) as client,
        ):
            for i in range(10):
                hub.publish("camera.status", f"cam-{i:02d}", {"status": "online"})
            sub = EventSubscription(client, since=0, backoff=fast_backoff())
            hellos: list[int] = []
            drops: list[float] = []
            sub.connected.connect(lambda hello: hellos.append(hello.seq))
            sub.disconnected.connect(lambda error, delay: drops.append(delay))
            seqs: list[int] = []
            async for event in sub:
                seqs.append(event.seq)
                if event.seq == 10:
                    hub.publish("camera.status", "cam-01", {"status": "offline"})
                    hub.publish("camera.status", "cam-02", {"status": "offline"})
                if event.seq == 12:
                    break
            return seqs, hub.event_connections, hellos, drops, sub

    seqs, connections, hellos, drops, sub = run(main())
    assert seqs == list(range(1, 13))
    assert connections == [0, 4]
    assert hellos == [10, 10]
    assert drops == [0.01]
    assert sub.last_seq == 12 and sub.reconnects == 1


def test_resilient_events_recover_live_events_missed_while_down(fake_hub, run):
    async def main():
        async with fake_hub(drop_events_after=3) as hub, client_for(hub.url) as client:
            sub = client.resilient_events(backoff=fast_backoff())
            # Publish only once connected: without `since` nothing is replayed at first.
            sub.connected.connect(
                lambda hello: (
                    [hub.publish("camera.status", "cam-01") for _ in range(6)]
                    if hello.seq == 0
                    else None
                )
            )
            seqs = [e.seq for e in await take(sub, 6)]
            return seqs, hub.event_connections

    seqs, connections = run(main())
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert connections == [None, 3]


def test_resilient_events_keep_trying_while_the_hub_is_down(closed_port_url, run):
    async def main():
        async with client_for(closed_port_url) as client:
            sub = EventSubscription(client, backoff=fast_backoff(), max_failures=3)
            errors: list[str] = []
            sub.disconnected.connect(lambda error, delay: errors.append(type(error).__name__))
            with pytest.raises(Exception) as info:
                async for _ in sub:
                    pass
            return errors, info.value

    errors, final = run(main())
    assert errors == ["HubUnreachable"] * 3
    assert type(final).__name__ == "HubUnreachable"


def test_resilient_events_stop_on_a_protocol_error(fake_hub, run):
    async def main():
        async with fake_hub(api_version=2) as hub, client_for(hub.url) as client:
            async for _ in client.resilient_events(backoff=fast_backoff()):
                pass

    with pytest.raises(HubProtocolError):
        run(main())
