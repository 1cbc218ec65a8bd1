"""Nothing the operator was alerted to or saved disappears when the hub is killed: the real
console on a demo hub process that keeps its state in a folder; the hub is killed with SIGKILL
and started again, and the console's alarm list, the PTZ presets and tours are as they were."""

from __future__ import annotations

import asyncio

import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.hub.models import AlarmState, AlertKind, AlertPriority, PtzTourStep
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from tests.e2e.conftest import wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

PTZ_CAM = "cam-08"


def test_a_killed_hub_comes_back_with_its_alarms_presets_and_tours(qloop, qapp, tmp_path):
    hub = HubProcess(alerts="off", state_dir=tmp_path / "hub-state").start()
    clients: list[TesseraHubClient] = []
    try:

        async def scenario() -> None:
            bob = TesseraHubClient(HubConfig(url=hub.url, operator="bob", timeout_s=5))
            clients.append(bob)
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, operator="ana", joystick=False), qapp)
            assert await app.start() == 0
            try:
                book = app.alarms
                assert book is not None
                panic = await bob.raise_alert(AlertKind.PANIC, "cam-02", AlertPriority.CRITICAL)
                motion = await bob.raise_alert(AlertKind.MOTION, "cam-03", AlertPriority.LOW)
                await bob.acknowledge_alert(motion.id, "seen")
                preset = await bob.ptz_save_preset(PTZ_CAM, "Harbour mouth")
                tour = await bob.ptz_save_tour(PTZ_CAM, "Night", [PtzTourStep(preset.id, 5)])
                await wait_until(
                    lambda: (
                        book.get(motion.id) is not None
                        and book.get(motion.id).state is AlarmState.ACKNOWLEDGED
                    ),
                    10,
                    "both alarms in the console",
                )

                # SIGKILL: no clean stop, no last save (off the GUI thread: it waits).
                await asyncio.to_thread(hub.kill)
                await asyncio.to_thread(hub.start)
                # bob's kept-alive connection died with the hub: a POST is not retried blindly.
                await bob.close()
                bob = TesseraHubClient(HubConfig(url=hub.url, operator="bob", timeout_s=5))
                clients.append(bob)
                fresh = await bob.raise_alert(AlertKind.TAMPER, "cam-05", AlertPriority.MEDIUM)
                await wait_until(lambda: book.get(fresh.id) is not None, 20, "live alarms again")
                assert fresh.id not in (panic.id, motion.id)  # the hub's ids go on
                assert book.get(panic.id) is not None and not book.gone_from_hub(panic.id)
                assert book.get(panic.id).state is AlarmState.NEW  # type: ignore[union-attr]
                assert book.get(motion.id).state is AlarmState.ACKNOWLEDGED  # type: ignore[union-attr]
                assert book.next_unacknowledged().id == panic.id  # type: ignore[union-attr]
                snapshot = await bob.alerts()
                assert {a.id for a in snapshot.alerts} == {panic.id, motion.id, fresh.id}
                assert [p.name for p in await bob.ptz_presets(PTZ_CAM)] == ["Harbour mouth"]
                assert [t.id for t in await bob.ptz_tours(PTZ_CAM)] == [tour.id]
                assert not [n for n in app.notices.items if "no longer knows" in n.text]
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())
    finally:
        for client in clients:
            qloop.run_until_complete(client.close())
        hub.stop()
