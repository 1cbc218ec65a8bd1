"""Evidence export end to end (issue 18, section 1): the README's first command (the console on
its embedded demo hub, signed in as the demo supervisor), Ctrl+E's dialog over the wall, a pack
written and verified authentic by `tessera verify`, and the console's own audit entry of the
export. Real widgets offscreen; the signing key in an explicitly chosen keyring."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import av
import cv2
import numpy as np
import pytest
from PySide6.QtCore import QDateTime, QTimeZone

from console.app.cli import main as tessera
from console.app.console_app import ConsoleApp, ConsoleOptions
from console.privacy.masks import SOLID_BGR, mask_raster, parse_masks
from tests.e2e.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]


def test_ctrl_e_exports_a_pack_that_verifies_and_is_audited(
    qloop, qapp, tmp_path, plaintext_keyring, capsys
):
    async def scenario() -> None:
        app = ConsoleApp(ConsoleOptions(demo=True, joystick=False), qapp)
        assert await app.start() == 0
        began = time.time()  # the embedded hub records from its start, before this
        try:
            window = app.windows[0]
            actions = window.export_actions
            assert actions is not None
            assert actions.export_action.shortcut().toString() == "Ctrl+E"
            # Also at hand on the playback bar (shown while the wall plays back).
            assert window.export_button.defaultAction() is actions.export_action
            # Something recorded to export: the embedded hub records from its start.
            await wait_until(lambda: time.time() - began > 5, 30, "five seconds recorded")
            dialog = actions.open()
            assert dialog is not None and dialog.chosen_cameras()
            end = datetime.fromtimestamp(time.time() - 1, timezone.utc)
            start = end - timedelta(seconds=2)
            for edit, when in ((dialog.start_edit, start), (dialog.end_edit, end)):
                edit.setDateTime(
                    QDateTime.fromMSecsSinceEpoch(int(when.timestamp() * 1000), QTimeZone.utc())
                )
            # cam-01 (no masks: remuxed) and cam-03 (the demo hub's masks: re-encoded with
            # them drawn in, as every other path draws them).
            for i in range(dialog.camera_list.count()):
                item = dialog.camera_list.item(i)
                keep = any(c in item.text() for c in ("Main Street", "Reception Entrance"))
                item.setCheckState(
                    item.checkState().Checked if keep else item.checkState().Unchecked
                )
            dialog.folder_edit.setText(str(tmp_path / "packs"))
            ended: list[Any] = []
            dialog.finished_export.connect(ended.append)
            dialog.export_button.click()
            await wait_until(lambda: bool(ended), 60, "the export")
            assert ended[0] is not None, dialog.status_label.text()
            pack = ended[0].path
            capsys.readouterr()
            assert tessera(["verify", str(pack)]) == 0
            said = capsys.readouterr().out
            assert said.startswith("AUTHENTIC") and "countersigned by the hub" in said
            manifest = json.loads((pack / "manifest.json").read_text())
            by_id = {c["id"]: c for c in manifest["cameras"]}
            assert set(by_id) == {"cam-01", "cam-03"}
            assert (
                by_id["cam-01"]["masks"] == []
                and by_id["cam-01"]["encoding"] != by_id["cam-03"]["encoding"]
            )
            masked = by_id["cam-03"]
            assert masked["masks"] and masked["masks_lifted"] is False
            solid = [m for m in parse_masks(masked["masks"])[0] if m.style == "solid"]
            with av.open(str(pack / masked["files"]["video"])) as video:
                frame = next(video.decode(video=0)).to_ndarray(format="bgr24")
            covered = mask_raster(solid, frame.shape[1], frame.shape[0])
            # Eight pixels in from the mask's edge (past the encoder's blur of the border).
            inner = cv2.erode(covered.astype(np.uint8), np.ones((17, 17), np.uint8)).astype(bool)
            # Re-encoded (lossy): within a few levels of the mask's colour and flat: no scene.
            assert inner.sum() > 1000
            assert np.abs(frame[inner].astype(int) - SOLID_BGR).max() <= 20
            assert frame[inner].std(axis=0).max() < 4
            assert app.audit is not None
            exports: list[Any] = []
            deadline = time.monotonic() + 20
            while not exports and time.monotonic() < deadline:  # journaled on its own thread
                exports = [r for r in await app.audit.rows() if r.record.action == "export"]
                await asyncio.sleep(0.05)
            assert exports and exports[-1].record.details["pack"] == pack.name
            assert exports[-1].record.details["signed_in"] == "supervisor"
        finally:
            await app.shutdown()

    qloop.run_until_complete(scenario())
