"""The WebSocket event channel: hello first, `since` replay, increasing seq, live events."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import pytest

from demohub.events import MAX_PENDING, RETAIN, EventLog


async def _next(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> dict[str, Any]:
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


def test_hello_then_live_events(hub):
    async def main() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{hub.url}/api/v1/events") as ws,
        ):
            hello = await _next(ws)
            assert hello["type"] == "hub.hello"
            assert hello["data"]["api_version"] == 1
            assert hello["seq"] == 10  # one camera.status per camera so far
            assert hello["time"].endswith("Z")
            # A viewer joining and leaving produces stream.viewers events, live.
            with urllib.request.urlopen(f"{hub.url}/streams/cam-07/sub.ts", timeout=5) as r:
                r.read(1000)
            joined = await _next(ws)
            left = await _next(ws)
            assert joined["type"] == left["type"] == "stream.viewers"
            assert joined["camera_id"] == "cam-07"
            assert joined["data"] == {"profile": "sub", "viewers": 1}
            assert left["data"] == {"profile": "sub", "viewers": 0}
            assert hello["seq"] < joined["seq"] < left["seq"]

    asyncio.run(main())


def test_since_replays_retained_events_in_order(hub_factory):
    hub = hub_factory(heartbeat_s=0.5)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{hub.url}/api/v1/events?since=0") as ws:
                hello = await _next(ws)
                replay = [await _next(ws) for _ in range(hello["seq"])]
            seqs = [e["seq"] for e in replay]
            assert seqs == list(range(1, hello["seq"] + 1))
            assert {e["type"] for e in replay} == {"camera.status"}
            assert {e["camera_id"] for e in replay} == {f"cam-{i:02d}" for i in range(1, 11)}
            assert all(e["data"] == {"status": "online"} for e in replay)

            async with session.ws_connect(f"{hub.url}/api/v1/events?since=7") as ws:
                hello = await _next(ws)
                replay = [await _next(ws) for _ in range(hello["seq"] - 7)]
                assert [e["seq"] for e in replay] == list(range(8, hello["seq"] + 1))
                # Nothing else is pending: the next message is live (here a heartbeat).
                beat = await _next(ws, 3.0)
                assert beat["type"] == "heartbeat" and "seq" not in beat

            # A since beyond the hub's latest seq (the hub restarted) replays nothing.
            async with session.ws_connect(f"{hub.url}/api/v1/events?since=999") as ws:
                assert (await _next(ws))["type"] == "hub.hello"
                assert (await _next(ws, 3.0))["type"] == "heartbeat"

    asyncio.run(main())


def test_types_filters_the_replay_and_the_live_events(hub_factory):
    hub = hub_factory(heartbeat_s=0.3)

    def publish(type_: str, camera_id: str) -> None:
        hub.call(lambda: hub.hub.events.publish(type_, camera_id, {"status": "offline"}))

    async def main() -> None:
        publish("stream.viewers", "cam-01")
        publish("camera.status", "cam-02")
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                f"{hub.url}/api/v1/events?since=8&types=camera.status,ptz.lock"
            ) as ws,
        ):
            hello = await _next(ws)
            assert hello["type"] == "hub.hello" and hello["seq"] == 12
            # Replay: cam-09 and cam-10 online (seq 9, 10), not the viewers event (11).
            replay = [await _next(ws) for _ in range(3)]
            assert [(e["seq"], e["camera_id"]) for e in replay] == [
                (9, "cam-09"),
                (10, "cam-10"),
                (12, "cam-02"),
            ]
            publish("stream.viewers", "cam-03")
            publish("camera.status", "cam-04")
            live = await _next(ws)
            assert (live["seq"], live["type"], live["camera_id"]) == (14, "camera.status", "cam-04")
            assert (await _next(ws))["type"] == "heartbeat"  # cam-03's viewers never came

    asyncio.run(main())
    for bad in ("", "alert,,ptz.lock"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{hub.url}/api/v1/events?types={bad}", timeout=5)
        assert refused.value.code == 400


def test_seq_is_strictly_increasing_across_replay_and_live(hub_factory):
    hub = hub_factory(heartbeat_s=0.3)

    async def main() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{hub.url}/api/v1/events?since=5") as ws,
        ):
            hello = await _next(ws)
            for _ in range(3):
                hub.call(
                    lambda: hub.hub.events.publish("camera.status", "cam-01", {"status": "offline"})
                )
            seqs = []
            heartbeats = 0
            while len(seqs) < hello["seq"] - 5 + 3 or heartbeats == 0:
                event = await _next(ws)
                if event["type"] == "heartbeat":
                    heartbeats += 1
                    continue
                seqs.append(event["seq"])
            assert seqs == list(range(6, hello["seq"] + 4))

    asyncio.run(main())


def test_retains_the_last_20000_events(hub):
    def flood() -> int:
        for i in range(25000):
            hub.hub.events.publish(
                "camera.status", "cam-01", {"status": "online" if i % 2 else "offline"}
            )
        return hub.hub.events.last_seq

    last = hub.call(flood)
    replay = hub.call(lambda: hub.hub.events.since(0))
    assert len(replay) == RETAIN == 20000  # the contract asks for at least 1000
    assert replay[-1]["seq"] == last
    assert [e["seq"] for e in replay] == list(range(last - len(replay) + 1, last + 1))
    assert [e["seq"] for e in hub.call(lambda: hub.hub.events.since(last - 3))] == [
        last - 2,
        last - 1,
        last,
    ]
    assert hub.call(lambda: hub.hub.events.since(last)) == []


def test_a_listener_5000_events_behind_is_dropped():
    events = EventLog()
    slow, other = events.subscribe(), events.subscribe()
    for _ in range(MAX_PENDING):
        events.publish("camera.status", "cam-01", {"status": "online"})
    assert MAX_PENDING == 5000
    assert not slow.ended and slow.queue.qsize() == MAX_PENDING  # a burst of 5000 still fits
    other.queue.get_nowait()  # this one keeps up (a little)
    events.publish("camera.status", "cam-01", {"status": "offline"})
    assert slow.ended and slow.dropped
    assert slow.queue.get_nowait() is None  # its stream ends: the client reconnects with since
    assert not other.ended and other.queue.qsize() == MAX_PENDING
