"""The demo hub keeps what it answered across restarts (`demohub.state`): alerts, PTZ homes,
presets and tours, and the event seq; a damaged state file is kept and the hub starts empty.

Real hubs over real sockets. A first hub is left running without `stop()` (so no final save,
as after SIGKILL) while a second one starts from the same folder; the kill of a hub process is
tested end to end in tests/e2e/test_hub_state_e2e.py.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

from demohub.alerts import SCENARIO, AlertBoard, ScenarioRunner, scenario_at
from demohub.events import EventLog
from demohub.state import FILE_NAME, StateFile
from tests.support.hubthread import PTZ_CAM, HubThread

OPERATOR = "X-Tessera-Operator"


def call(hub: HubThread, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{hub.url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", OPERATOR: "ana"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def home_of(hub: HubThread) -> dict[str, float]:
    """The PTZ camera's home (read on the hub's loop thread, where it lives)."""
    return hub.hub.ptz(PTZ_CAM).home.to_json()


def ptz(path: str = "") -> str:
    return f"/cameras/{PTZ_CAM}/ptz{path}"


def answered_changes(hub: HubThread) -> dict[str, Any]:
    """Alerts raised, acknowledged and closed; home, a preset and a tour set: all answered."""
    panic = {"kind": "panic", "camera_id": "cam-02", "priority": "critical", "message": "help"}
    code, first = call(hub, "POST", "/alerts", panic)
    assert code == 201
    code, second = call(hub, "POST", "/alerts", {**panic, "priority": "high"})
    code, third = call(hub, "POST", "/alerts", {**panic, "priority": "low"})
    assert call(hub, "POST", f"/alerts/{second['id']}/acknowledge", {"note": "on it"})[0] == 200
    assert call(hub, "POST", f"/alerts/{third['id']}/close", {})[0] == 200
    assert call(hub, "POST", ptz("/absolute"), {"pan": 40, "tilt": 5, "zoom": 2})[0] == 200
    hub.call(hub.hub.ptz(PTZ_CAM).head.stop)
    code, preset = call(hub, "POST", ptz("/presets"), {"name": "Gate"})
    assert code == 201
    assert call(hub, "PUT", ptz("/home"))[0] == 200
    steps = [{"preset_id": preset["id"], "dwell_s": 5}]
    code, tour = call(hub, "POST", ptz("/tours"), {"name": "Round", "steps": steps})
    assert code == 201
    return {"alerts": [first, second, third], "preset": preset, "tour": tour}


def test_what_was_answered_is_there_after_a_restart_without_a_clean_stop(tmp_path, hub_factory):
    first = hub_factory(state_dir=tmp_path)
    made = answered_changes(first)
    _, before = call(first, "GET", "/alerts?state=all")
    home = first.call(partial(home_of, first))
    last_seq = first.call(lambda: first.hub.events.last_seq)
    # No stop(): the first hub is left as a killed one would be (its final save never runs).
    second = hub_factory(state_dir=tmp_path)
    _, after = call(second, "GET", "/alerts?state=all")
    assert after["alerts"] == before["alerts"]
    states = {a["id"]: a["state"] for a in after["alerts"]}
    assert [states[a["id"]] for a in made["alerts"]] == ["new", "acknowledged", "closed"]
    assert after["alerts"][1]["acknowledged"]["note"] == "on it"
    _, presets = call(second, "GET", ptz("/presets"))
    assert presets["presets"] == [made["preset"]]
    _, tours = call(second, "GET", ptz("/tours"))
    assert [t["id"] for t in tours["tours"]] == [made["tour"]["id"]]
    assert second.call(partial(home_of, second)) == home  # to 1e-4 degree
    # Events go on from the saved seq, so a new change is newer than every restored revision;
    # new ids do not reuse old ones.
    assert second.call(lambda: second.hub.events.last_seq) >= last_seq
    code, fresh = call(second, "POST", "/alerts", {"kind": "panic", "camera_id": "cam-01",
                                                    "priority": "low"})  # fmt: skip
    assert code == 201
    assert fresh["revision"] > max(a["revision"] for a in after["alerts"])
    assert fresh["id"] not in states
    code, preset = call(second, "POST", ptz("/presets"), {"name": "Dock"})
    assert preset["id"] != made["preset"]["id"]


def test_without_a_state_folder_nothing_is_written(tmp_path, hub_factory):
    hub = hub_factory()
    answered_changes(hub)
    assert hub.hub.state_file is None
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_state_file_is_kept_and_the_hub_starts_empty(tmp_path, hub_factory, caplog):
    (tmp_path / FILE_NAME).write_text('{"format": "tessera-demohub-state", "version": 1, "seq": ')
    hub = hub_factory(state_dir=tmp_path)
    assert call(hub, "GET", "/alerts")[1]["alerts"] == []
    kept = list(tmp_path.glob(f"{FILE_NAME}.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text().endswith('"seq": ')
    assert "is damaged" in caplog.text
    answered_changes(hub)  # the hub goes on, and writes a good file beside the kept copy
    assert StateFile(tmp_path).load().value is not None


def test_a_state_file_with_a_wrong_entry_is_damaged_not_half_restored(tmp_path, hub_factory):
    first = hub_factory(state_dir=tmp_path)
    answered_changes(first)
    doc = json.loads((tmp_path / FILE_NAME).read_text())
    doc["alerts"]["alerts"][0]["state"] = "forgotten"
    (tmp_path / FILE_NAME).write_text(json.dumps(doc))
    second = hub_factory(state_dir=tmp_path)
    assert call(second, "GET", "/alerts")[1]["alerts"] == []
    assert call(second, "GET", ptz("/presets"))[1]["presets"] == []
    assert len(list(tmp_path.glob(f"{FILE_NAME}.damaged-*"))) == 1


def test_a_timed_alert_ends_when_it_was_due_even_across_a_restart(tmp_path, hub_factory):
    first = hub_factory(state_dir=tmp_path)
    body = {"kind": "motion", "camera_id": "cam-01", "priority": "low", "duration_s": 1.5}
    code, timed = call(first, "POST", "/alerts", body)
    assert code == 201 and timed["active"]
    second = hub_factory(state_dir=tmp_path)
    assert call(second, "GET", f"/alerts/{timed['id']}")[1]["active"]
    deadline = time.monotonic() + 5
    while call(second, "GET", f"/alerts/{timed['id']}")[1]["active"]:
        assert time.monotonic() < deadline, "the restored timed alert never ended"
        time.sleep(0.05)


def test_scripted_alerts_whose_time_passed_while_the_hub_was_down_are_ended(tmp_path: Path):
    # The board as a hub saved it while a scripted alert was under way.
    step = SCENARIO[0]
    cycle = 1_800_000_000.0
    during = cycle + step.start + 0.5
    board = AlertBoard(EventLog(), clock=lambda: during)
    runner = ScenarioRunner(board, clock=lambda: during)
    runner.tick(during)
    playing = [a for a in board if a.active]
    assert playing and all(a.source == "scenario" for a in playing)
    saved = board.saved()
    # Restored long after that step ended: the runner ends it at once, where it was left.
    later = cycle + 60 + step.start - 1.0
    assert not any(a.id == playing[0].id for a in scenario_at(later))
    restored = AlertBoard(EventLog(), clock=lambda: later)
    restored.restore(saved)
    ScenarioRunner(restored, clock=lambda: later).tick(later)  # a plain tick leaves it
    assert restored.get(playing[0].id).active  # type: ignore[union-attr]
    asyncio.run(start_and_stop(ScenarioRunner(restored, clock=lambda: later)))
    assert not restored.get(playing[0].id).active  # type: ignore[union-attr]


async def start_and_stop(runner: ScenarioRunner) -> None:
    runner.start()
    await runner.stop()
