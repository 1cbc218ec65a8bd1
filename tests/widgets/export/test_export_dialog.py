"""The export dialog and the window's Export menu (issue 18, section 1), offscreen on the qasync
loop, over a real demo hub in a thread with sign-in, a real `Identity` signed in there, and the
console's key in an explicitly chosen keyring (keyrings.alt's plaintext file)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from PySide6.QtWidgets import QMainWindow

from console.export.desk import ExportDesk
from console.export.verify_pack import AUTHENTIC, verify
from console.hub.identity import HubAuth
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.identity.reasons import ReasonPolicy
from console.identity.signin import Identity
from tests.support.hubthread import DEMO_PASSWORDS, HubThread
from widgets.export.export_actions import ExportActions
from widgets.export.export_dialog import ExportDialog

pytestmark = pytest.mark.timeout(90)


async def until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition was not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def shub(hub_factory) -> HubThread:
    return hub_factory(sign_in=True, recorded_since=time.time() - 300)


@pytest.fixture
def desk_for(shub, qloop, plaintext_keyring) -> Iterator[Callable[..., ExportDesk]]:
    clients: list[TesseraHubClient] = []

    def make(user: str = "investigator", **kw: Any) -> ExportDesk:
        auth = HubAuth()
        client = TesseraHubClient(HubConfig(url=shub.url, auth=auth, timeout_s=5.0))
        clients.append(client)
        identity = Identity(client.session_facet, auth, shub.url)
        qloop.run_until_complete(identity.sign_in(user, DEMO_PASSWORDS[user]))
        return ExportDesk(
            hub=client,
            hub_url=shub.url,
            hub_name="Demo hub",
            identity=identity,
            console_name="desk-1",
            **kw,
        )

    yield make
    for client in clients:
        qloop.run_until_complete(client.close())


def span() -> tuple[datetime, datetime]:
    end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=20)
    return end - timedelta(seconds=2), end


def test_an_export_shows_progress_then_where_the_pack_is_and_how_to_check_it(
    desk_for, qtbot, qloop, tmp_path
):
    desk = desk_for()
    start, end = span()
    dialog = ExportDialog(desk, [("cam-01", "Lobby"), ("cam-02", "Car park")], start, end)
    qtbot.addWidget(dialog)
    dialog.folder_edit.setText(str(tmp_path / "packs"))
    dialog.camera_list.item(1).setCheckState(dialog.camera_list.item(0).checkState().Unchecked)
    assert dialog.chosen_cameras() == ["cam-01"]
    seen: list[int] = []
    dialog.progress_bar.valueChanged.connect(seen.append)
    ended: list[Any] = []
    dialog.finished_export.connect(ended.append)
    dialog.export_button.click()
    qloop.run_until_complete(until(lambda: bool(ended)))
    assert ended[0] is not None and dialog.pack is ended[0]
    words = dialog.status_label.text()
    assert f"The evidence pack is in {dialog.pack.path}" in words
    assert f"tessera verify {dialog.pack.path}" in words
    assert any(0 < v < 1000 for v in seen) and dialog.progress_bar.value() == 1000
    assert verify(str(dialog.pack.path)).outcome == AUTHENTIC
    assert dialog.pack.path.parent == tmp_path / "packs"


def test_cancel_stops_the_export_and_leaves_nothing(desk_for, qtbot, qloop, tmp_path):
    desk = desk_for()
    start, end = span()
    dialog = ExportDialog(desk, [("cam-01", "Lobby")], start, end)
    qtbot.addWidget(dialog)
    dialog.folder_edit.setText(str(tmp_path / "packs"))
    ended: list[Any] = []
    dialog.finished_export.connect(ended.append)

    def cancel_once_fetching(_value: int) -> None:
        if dialog.job is not None and "Fetching" in dialog.status_label.text():
            dialog.cancel_button.click()

    dialog.progress_bar.valueChanged.connect(cancel_once_fetching)
    dialog.export_button.click()
    qloop.run_until_complete(until(lambda: bool(ended)))
    assert ended == [None]
    assert "Export cancelled. Nothing was written." in dialog.status_label.text()
    assert list((tmp_path / "packs").iterdir()) == []


def test_a_required_reason_is_asked_first_and_goes_into_the_manifest(
    desk_for, qtbot, qloop, tmp_path
):
    import json

    desk = desk_for(reasons=ReasonPolicy(frozenset({"export"})))
    start, end = span()
    dialog = ExportDialog(desk, [("cam-03", "Office")], start, end)
    qtbot.addWidget(dialog)
    dialog.folder_edit.setText(str(tmp_path))
    ended: list[Any] = []
    dialog.finished_export.connect(ended.append)
    dialog.export_button.click()
    assert dialog.job is None and dialog.reason_dialog is not None  # nothing fetched yet
    dialog.reason_dialog.case_edit.setText("INC-18")
    dialog.reason_dialog.accept()
    qloop.run_until_complete(until(lambda: bool(ended)))
    assert ended[0] is not None
    manifest = json.loads((ended[0].path / "manifest.json").read_text())
    assert manifest["reason"]["case"] == "INC-18"
    assert manifest["operator"] == "investigator"


def test_ctrl_e_is_refused_for_a_viewer_with_a_notice(desk_for, qtbot):
    desk = desk_for("viewer")
    window = QMainWindow()
    qtbot.addWidget(window)
    notices: list[str] = []
    actions = ExportActions(
        window, desk, lambda: [("cam-01", "Lobby")], lambda: None, lambda: None, notices.append
    )
    assert actions.export_action.shortcut().toString() == "Ctrl+E"
    actions.export_action.trigger()
    assert actions.dialog is None
    assert notices and "export" in notices[0].lower()


def test_ctrl_e_opens_the_dialog_over_the_wall_and_the_timeline_span(desk_for, qtbot):
    desk = desk_for()
    window = QMainWindow()
    qtbot.addWidget(window)
    start, end = span()
    actions = ExportActions(
        window,
        desk,
        lambda: [("cam-01", "Lobby"), ("cam-02", "Car park")],
        lambda: (start, end),
        lambda: None,
        lambda _words: None,
    )
    actions.export_action.trigger()
    dialog = actions.dialog
    assert dialog is not None
    assert dialog.chosen_cameras() == ["cam-01", "cam-02"]
    assert dialog.start_edit.dateTime().toSecsSinceEpoch() == int(start.timestamp())
    assert dialog.end_edit.dateTime().toSecsSinceEpoch() == int(end.timestamp())
    dialog.reject()
