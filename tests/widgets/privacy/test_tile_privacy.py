"""Privacy masks in the views (issue 18): the tile menu's entries say why an operator may not
lift or edit masks (a viewer) and offer both to a supervisor; a lift through the reason dialog
reaches the hub and shows its countdown; the editor draws a mask with the keyboard and mouse
and saves it to the hub. Real Qt widgets offscreen, a real demo hub with sign-in in a thread,
the real Tessera driver, registry and identity."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu, QWidget

from console.base.notices import Notices
from console.cameras.directory import CameraDirectory
from console.hub.identity import HubAuth
from console.hub.models import PtzPosition
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_masks import masks_facet_for
from console.identity.reasons import ReasonPolicy
from console.identity.signin import Identity
from console.privacy.masks import MaskAnchor
from console.privacy.registry import LocalMaskFile, MaskRegistry
from console.ptz.desk import PtzDesk
from widgets.privacy.mask_editor import MaskEditor
from widgets.privacy.tile_privacy import TilePrivacy, lifted_text

pytestmark = pytest.mark.timeout(60)

CAM = "cam-03"


async def _signed_in(hub, user: str, tmp_path) -> tuple[TesseraHubClient, Identity, MaskRegistry]:
    auth = HubAuth()
    client = TesseraHubClient(HubConfig(url=hub.url, auth=auth, timeout_s=5.0))
    identity = Identity(client, auth, hub.url, remember=False)
    await identity.sign_in(user, f"{user}-demo")
    registry = MaskRegistry(
        lambda cid: masks_facet_for(client, cid), LocalMaskFile(tmp_path / f"{user}.json")
    )
    await registry.refresh(CAM)
    return client, identity, registry


def _entries(privacy: TilePrivacy, parent: QWidget) -> dict[str, bool]:
    menu = QMenu(parent)
    privacy.add_menu_entries(menu, parent, CAM)
    return {a.text(): a.isEnabled() for a in menu.actions() if a.text()}


def test_a_viewer_is_told_why_and_a_supervisor_lifts_with_a_reason(
    qtbot, qloop, hub_factory, tmp_path
):
    shub = hub_factory(sign_in=True)
    notices: list[str] = []

    async def scenario() -> None:
        viewer_client, viewer, viewer_masks = await _signed_in(shub, "viewer", tmp_path)
        chief_client, chief, chief_masks = await _signed_in(shub, "supervisor", tmp_path)
        parent = QWidget()
        qtbot.addWidget(parent)
        policy = ReasonPolicy()
        try:
            seen_by_viewer = TilePrivacy(viewer_masks, viewer, policy, str, notices.append)
            entries = _entries(seen_by_viewer, parent)
            refused = {text: on for text, on in entries.items() if "(" in text}
            assert len(refused) == 2 and not any(refused.values())
            assert all("viewer" in text for text in refused)  # "Your role (viewer) may not ..."
            # Asking anyway: said in plain words, nothing lifted.
            seen_by_viewer.ask_lift(parent, CAM)
            assert notices and "viewer" in notices[-1]
            assert viewer_masks.masks_for(CAM) is not None

            seen_by_chief = TilePrivacy(chief_masks, chief, policy, str, notices.append)
            entries = _entries(seen_by_chief, parent)
            assert entries == {"Privacy masks…": True, "Lift privacy masks for 5 minutes…": True}
            seen_by_chief.ask_lift(parent, CAM)
            dialog = seen_by_chief.dialog
            assert dialog is not None
            dialog.case_edit.setText("INC-7")
            dialog.text_edit.setPlainText("Identify the courier")
            dialog.accept()
            await _until(lambda: chief_masks.masks_for(CAM) is None, "the lift")
            text = seen_by_chief.status_text(CAM)
            assert text is not None
            assert text.startswith("masks lifted, 4:") or text == "masks lifted, 5:00 left"
            assert viewer_masks.masks_for(CAM) is not None  # the viewer's console: still masked
            assert "Put privacy masks back" in _entries(seen_by_chief, parent)
            seen_by_chief.end_lift(CAM)
            await _until(lambda: chief_masks.masks_for(CAM) is not None, "the masks back")
            await seen_by_viewer.aclose()
            await seen_by_chief.aclose()
        finally:
            await viewer_masks.aclose()
            await chief_masks.aclose()
            await viewer_client.close()
            await chief_client.close()

    qloop.run_until_complete(scenario())


def test_the_editor_draws_a_mask_and_saves_it_to_the_hub(qtbot, qloop, hub_factory, tmp_path):
    shub = hub_factory(sign_in=True)

    async def scenario() -> None:
        client, _identity, registry = await _signed_in(shub, "supervisor", tmp_path)
        try:
            picture = np.full((180, 320, 4), 200, np.uint8)
            window = QWidget()  # the wall window it opens over (closing the editor ends no app)
            qtbot.addWidget(window)
            window.show()
            editor = MaskEditor(registry, CAM, "Reception Entrance", picture, window)
            editor.resize(800, 700)
            editor.show()
            await _until(editor.isVisible, "the editor")
            assert len(editor.masks) == 2  # the hub's
            editor.mask_list.setCurrentRow(1)
            editor.mask_list.setFocus()
            qtbot.keyClick(editor.mask_list, Qt.Key.Key_Delete)
            assert len(editor.masks) == 1
            canvas = editor.canvas
            rect = canvas.picture_rect()
            for fx, fy in ((0.6, 0.1), (0.9, 0.1), (0.9, 0.4)):
                point = QPoint(
                    int(rect.x() + fx * rect.width()), int(rect.y() + fy * rect.height())
                )
                qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point)
            editor.label_edit.setText("Window")
            editor.style_box.setCurrentIndex(1)  # blurred
            qtbot.keyClick(canvas, Qt.Key.Key_Return)
            assert len(editor.masks) == 2
            drawn = editor.masks[-1]
            assert drawn.style == "blur" and drawn.label == "Window" and len(drawn.points) == 3
            assert abs(drawn.points[1][0] - 0.9) < 0.01 and abs(drawn.points[2][1] - 0.4) < 0.01
            editor.save()
            await _until(lambda: not editor.isVisible(), "saved")
            status, answer = shub.get_json(f"/api/v1/cameras/{CAM}/masks", shub.sign_in("viewer"))
            assert status == 200 and [m["label"] for m in answer["masks"]][-1] == "Window"
            await editor.aclose()
        finally:
            await registry.aclose()
            await client.close()

    qloop.run_until_complete(scenario())


def test_the_countdown_reads_minutes_and_seconds():
    assert lifted_text(1000.0 + 272, 1000.0) == "masks lifted, 4:32 left"
    assert lifted_text(1000.0, 1001.0) == "masks lifted, 0:00 left"


async def _until(predicate, what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def test_the_editor_anchors_a_new_mask_of_the_ptz_camera_where_its_head_points(
    qtbot, qloop, hub_factory, tmp_path
):
    shub = hub_factory(sign_in=True)
    ptz_cam = "cam-08"

    async def scenario() -> None:
        client, identity, registry = await _signed_in(shub, "supervisor", tmp_path)
        directory = CameraDirectory(client, Notices())
        await directory.load()
        desk = PtzDesk(client, directory, "supervisor")
        parent = QWidget()
        qtbot.addWidget(parent)
        privacy = TilePrivacy(registry, identity, ReasonPolicy(), str, lambda _w: None, ptz=desk)
        try:
            await registry.refresh(ptz_cam)
            # The head moves (another console): the editor reads where it is when it opens.
            await client.ptz_absolute(ptz_cam, pan=20.0, tilt=5.0, zoom=2.0)
            await _until_async(
                lambda: client.ptz_status(ptz_cam), lambda s: not s.moving, "the head at rest"
            )
            privacy.open_editor(parent, ptz_cam)
            editor = privacy.dialog
            assert isinstance(editor, MaskEditor)
            await _until(lambda: editor.canvas.view is not None, "the head's position")
            await _until(
                lambda: editor.canvas.view == PtzPosition(20.0, 5.0, 2.0), "the read position"
            )
            editor.canvas.drawing = [(0.4, 0.4), (0.6, 0.4), (0.6, 0.6)]
            editor.close_polygon()
            assert editor.masks[-1].anchor == MaskAnchor(20.0, 5.0, 2.0)
            editor.save()
            await _until(lambda: privacy.dialog is None, "saved")  # closed, and deleted
            _status, answer = shub.get_json(
                f"/api/v1/cameras/{ptz_cam}/masks", shub.sign_in("viewer")
            )
            assert answer["masks"][-1]["anchor"] == {"pan": 20.0, "tilt": 5.0, "zoom": 2.0}
            await privacy.aclose()
        finally:
            await desk.close()
            await registry.aclose()
            await client.close()

    qloop.run_until_complete(scenario())


async def _until_async(read, pred, what: str, timeout: float = 20.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not pred(await read()):
        assert asyncio.get_running_loop().time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
