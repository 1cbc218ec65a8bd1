"""The demo hub's scripted incident, replayed end to end: one scenario cycle is played onto a
real hub's board in the past (with the operators' acknowledgements), its history is fetched
over HTTP, and the replay re-fires each scripted alert at its scripted offset."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

from console.hub.models import AlertKind
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.incident.model import IncidentSession
from console.incident.replay import IncidentReplay
from demohub.alerts import CYCLE_S, SCENARIO, ScenarioRunner, cycle_start, scenario_id
from tests.console.incident.incidentdata import HandClock

LEAD_IN_S = 10.0


class FakeTime:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def test_the_scripted_incident_is_replayed_from_the_hubs_history(hub_factory):
    cycle = cycle_start(time.time()) - 2 * CYCLE_S  # a whole cycle, two minutes ago
    clock = FakeTime(cycle)
    hub = hub_factory(alert_clock=clock)
    line_id, plate_id = scenario_id(cycle, 1), scenario_id(cycle, 2)

    def play_the_cycle() -> None:
        runner = ScenarioRunner(hub.hub.alerts, clock=clock)
        t = cycle
        while t <= cycle + CYCLE_S:
            clock.t = t
            runner.tick(t)
            if t == cycle + 10.0:  # the line crossing began at 7.5 s
                hub.hub.alerts.acknowledge(line_id, "ana", "guard sent")
            if t == cycle + 31.0:  # the plate began at 25 s
                hub.hub.alerts.acknowledge(plate_id, "bob")
            t += 0.5
        clock.t = time.time()

    hub.call(play_the_cycle)

    async def fetch():
        async with TesseraHubClient(HubConfig(url=hub.url)) as client:
            return await client.event_history(utc(cycle - LEAD_IN_S), utc(cycle + CYCLE_S))

    history = asyncio.run(asyncio.wait_for(fetch(), 20))
    assert [a.id for a in history.alerts] == [scenario_id(cycle, i) for i in range(len(SCENARIO))]

    cameras = tuple(dict.fromkeys(step.camera_id for step in SCENARIO))
    session = IncidentSession.from_span(
        cameras, utc(cycle), utc(cycle + CYCLE_S), lead_in_s=LEAD_IN_S
    ).with_pause_point(utc(cycle + 26), "What does the plate tell us?")
    hand = HandClock()
    replay = IncidentReplay(session, history, hand)
    fired: list[tuple[str, float]] = []
    replay.fired.connect(lambda a: fired.append((a.id, session.offset_s(a.started))))
    pauses: list[str] = []
    replay.pause_reached.connect(lambda p: pauses.append(p.note))
    finished: list[bool] = []
    replay.finished.connect(lambda: finished.append(True))

    position = session.play_from
    while position <= session.end + timedelta(seconds=1):
        hand.move_to(position)
        if position == utc(cycle + 12):  # the trainee is slower on the line crossing
            replay.acknowledge(line_id)
        if position == utc(cycle + 27):  # and faster on the plate
            replay.acknowledge(plate_id)
        if position == utc(cycle + 8):
            [person] = replay.overlays("cam-03")
            assert person.alert.kind is AlertKind.OBJECT and person.alert.box is not None
            assert person.opacity == 1.0
        position += timedelta(seconds=0.5)

    assert fired == [
        (scenario_id(cycle, i), step.start + LEAD_IN_S) for i, step in enumerate(SCENARIO)
    ]
    assert pauses == ["What does the plate tell us?"] and hand.paused == 1
    assert finished == [True]
    originals = [(alert.id, action.by) for _at, alert, action in replay.original_acks()]
    assert originals == [(line_id, "ana"), (plate_id, "bob")]

    summary = replay.summary()
    by_id = {row.alert.id: row for row in summary.rows}
    assert (summary.fired, summary.acknowledged) == (len(SCENARIO), 2)
    line, plate = by_id[line_id], by_id[plate_id]
    assert line.original is not None and line.original.delay_s == 2.5
    assert line.trainee is not None and line.trainee.delay_s == 4.5
    assert line.verdict() == "slower by 2 s"
    assert plate.original is not None and plate.original.delay_s == 6.0
    assert plate.verdict() == "faster by 4 s"
    assert len(summary.missed) == len(SCENARIO) - 2
