"""`HubReachability` tells the views when the hub stops answering and when it answers again:
`went_down` and `back`, each once per outage, on the loop thread (the probe's or a request's)."""

from __future__ import annotations

import asyncio

from console.hub.reachability import HubReachability


def heard(reach: HubReachability) -> list[str]:
    events: list[str] = []
    reach.went_down.connect(lambda: events.append("down"))
    reach.back.connect(lambda: events.append("back"))
    return events


def test_went_down_is_said_once_per_outage_and_back_once_after_it() -> None:
    reach = HubReachability()
    events = heard(reach)
    reach.answered()  # an answer with no outage says nothing
    reach.failed()
    assert reach.down and events == ["down"]
    reach.failed()  # every tile's failed request: still the same outage
    reach.failed()
    assert events == ["down"]
    reach.answered()
    reach.answered()
    assert not reach.down and events == ["down", "back"]
    reach.failed()  # a second outage is news again
    assert events == ["down", "back", "down"]


def test_a_check_that_finds_no_hub_says_went_down_and_the_probe_finds_it_back() -> None:
    async def body() -> list[str]:
        up = asyncio.Event()
        went_down = asyncio.Event()
        answered = asyncio.Event()

        async def probe() -> object:
            if not up.is_set():
                raise ConnectionRefusedError("hub down")
            return "info"

        reach = HubReachability(probe, probe_every_s=0.01, probe_timeout_s=0.5)
        events = heard(reach)
        reach.went_down.connect(went_down.set)
        reach.back.connect(answered.set)
        reach.check()  # a live stream was lost; the hub does not answer the check
        await asyncio.wait_for(went_down.wait(), 5)
        assert reach.down and events == ["down"]
        up.set()
        await asyncio.wait_for(answered.wait(), 5)
        reach.close()
        return events

    assert asyncio.run(body()) == ["down", "back"]
