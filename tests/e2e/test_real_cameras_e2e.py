"""Issue 15's "done": the real console on three sources at once (the embedded demo hub, an ONVIF
camera, an RTSP camera list), with real peers on 127.0.0.1: ipycam (ONVIF, its own RTSP) and
GStreamer's RTSP server. The RTSP pictures reach libvlc through the console's stream gateway.
The ONVIF camera is steered by keys, mouse and the joystick's path (the PTZ desk); its password
lives only in the keyring the test chose, and no file of the console and no log line holds it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import quote

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.app.source_setup import demo_source
from console.media.feed import FeedStatus
from console.sources.camera_lists import ListedCamera, save_camera_list
from console.sources.credentials import Credentials
from console.sources.model import SourceConfig, SourceKind
from console.sources.store import SourcesStore
from tests.e2e.conftest import wait_until
from tests.support.gst_rtsp_peer import GstRtspPeer
from tests.support.ipycam_peer import IpycamPeer

USER, PASSWORD = "wall-operator", "Kq7!onvif-secret"


def _live(view) -> bool:
    return (
        view.feed is not None and view.feed.state.status is FeedStatus.LIVE and view.has_shown_video
    )


def _mouse(view, kind: QMouseEvent.Type, at: QPointF, buttons) -> None:
    button = Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind,
        at,
        view.mapToGlobal(at),
        Qt.MouseButton.NoButton if kind == QMouseEvent.Type.MouseMove else button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, event)


def _key(view, kind: QKeyEvent.Type, key: Qt.Key) -> None:
    QApplication.sendEvent(view, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, "", False))


def test_an_onvif_and_an_rtsp_camera_play_beside_the_demo_hub_and_the_onvif_one_steers(
    qloop, qapp, private_config_dir, plaintext_keyring, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    with IpycamPeer(username=USER, password=PASSWORD) as onvif, GstRtspPeer() as rtsp:
        Credentials().set("source/door", PASSWORD)  # as the Sources dialog does
        cameras_file = private_config_dir / "camera-lists" / "yard.json"
        cameras_file.parent.mkdir(parents=True, exist_ok=True)
        save_camera_list(
            cameras_file, [ListedCamera(id="gate", name="Yard gate", main_url=rtsp.url("h264"))]
        )
        SourcesStore(private_config_dir / "settings.json").save(
            [
                demo_source(),
                SourceConfig("door", SourceKind.ONVIF, onvif.url, USER, label="Front door"),
                SourceConfig("yard", SourceKind.RTSP, str(cameras_file), label="Yard"),
            ]
        )

        async def scenario() -> None:
            app = ConsoleApp(ConsoleOptions(layout="2x2", joystick=False), qapp)
            assert await app.start() == 0
            try:
                directory = app.directory
                assert directory is not None and app.station is not None
                await wait_until(
                    lambda: (
                        {c.source for c in directory.cameras} == {"Demo hub", "Front door", "Yard"}
                    ),
                    30,
                    "the cameras of all three sources",
                )
                door = next(c for c in directory.cameras if c.source == "Front door")
                assert door.ptz is not None and door.id.startswith("door/")
                tiles = app.station.walls[0].layout.tiles
                for tile, camera_id in zip(
                    tiles, ["demo/cam-01", door.id, "yard/gate"], strict=False
                ):
                    app.station.drop_camera(0, tile.id, camera_id)
                views = app.windows[0].wall_view.tile_views
                await wait_until(
                    lambda: all(_live(v) for v in views[:3]), 60, "three sources live on the wall"
                )

                async def pan() -> float:
                    status = await app.services.client.ptz_status(door.id)
                    return status.position.pan

                # The joystick's path: the desk, steered and released.
                start = await pan()
                for _ in range(20):
                    app.ptz.steer(door.id, 0.8, 0.0, 0.0)
                    await asyncio.sleep(0.03)
                app.ptz.release(door.id)
                await asyncio.sleep(0.5)
                after_stick = await pan()
                assert after_stick > start + 5, (start, after_stick)

                # Keys: PTZ mode on the tile, the left arrow held.
                view = views[1]
                app.station.walls[0].select(tiles[1].id)
                _key(view, QKeyEvent.Type.KeyPress, Qt.Key.Key_P)
                await wait_until(lambda: view.ptz_mode, 5, "PTZ mode on the ONVIF tile")
                _key(view, QKeyEvent.Type.KeyPress, Qt.Key.Key_Left)
                await asyncio.sleep(0.6)
                _key(view, QKeyEvent.Type.KeyRelease, Qt.Key.Key_Left)
                await asyncio.sleep(0.5)
                after_keys = await pan()
                assert after_keys < after_stick - 5, (after_stick, after_keys)

                # Mouse: a drag to the right, let go.
                centre = QPointF(view.width() / 2, view.height() / 2)
                held = Qt.MouseButton.LeftButton
                _mouse(view, QMouseEvent.Type.MouseButtonPress, centre, held)
                _mouse(
                    view, QMouseEvent.Type.MouseMove, centre + QPointF(view.width() / 3, 0), held
                )
                await asyncio.sleep(0.6)
                _mouse(view, QMouseEvent.Type.MouseButtonRelease, centre, Qt.MouseButton.NoButton)
                await asyncio.sleep(0.5)
                assert await pan() > after_keys + 5
            finally:
                await app.shutdown()

        qloop.run_until_complete(scenario())

    # The password is in the keyring the test chose and nowhere else of the console's.
    assert plaintext_keyring.exists()
    secrets = (PASSWORD, quote(PASSWORD, safe=""))
    for folder in (private_config_dir, Path(tmp_path / "data")):
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file():
                data = path.read_bytes()
                assert not any(s.encode() in data for s in secrets), path
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(s in logged for s in secrets)


async def _until(predicate, timeout_s: float, what: str) -> None:
    await wait_until(predicate, timeout_s, what)


def test_an_operator_adds_an_onvif_and_an_rtsp_camera_with_the_sources_dialog(
    qloop, qapp, private_config_dir, plaintext_keyring
):
    """The dialog opened from the wall window (File → Sources…) of a console running on the
    demo hub: an ONVIF camera tested and saved, an RTSP list with one camera saved; closing the
    dialog restarts the console (as run_console does) on the demo hub and both cameras."""
    with IpycamPeer(username=USER, password=PASSWORD) as onvif, GstRtspPeer() as rtsp:

        async def add_sources(credentials: Credentials) -> bool:
            app = ConsoleApp(ConsoleOptions(layout="1x1", joystick=False), qapp, credentials)
            assert await app.start() == 0
            try:
                window = app.windows[0]
                window.sources_action.trigger()
                dialog = app._sources_dialog
                assert dialog is not None and dialog.isVisible()
                # The demo hub is listed: adding keeps its cameras.
                assert [s.kind for s in dialog.sources()] == [SourceKind.DEMO]

                dialog.add_source()
                await _until(lambda: dialog.form is not None, 5, "the add form")
                form = dialog.form
                form.name.setText("door")
                form.host.setText("127.0.0.1")
                form.port.setValue(int(onvif.url.rsplit(":", 1)[1]))
                form.onvif_user.setText(USER)
                form.onvif_password.setText(PASSWORD)
                form.test_button.click()
                await _until(
                    lambda: "found" in form.probe_panel.result_label.text(), 20, "the test's result"
                )
                form.save_button.click()
                await _until(lambda: dialog.form is None, 10, "the ONVIF source saved")

                dialog.add_source()
                await _until(lambda: dialog.form is not None, 5, "the add form")
                form = dialog.form
                form.kind.setCurrentIndex(form.kind.findText("RTSP camera list"))
                form.name.setText("yard")
                editor = form.cameras
                editor.add_button.click()
                editor.name.setText("Yard gate")
                editor.name.textEdited.emit("Yard gate")
                editor.main_url.setText(rtsp.url("h264"))
                editor.main_url.textEdited.emit(rtsp.url("h264"))
                form.save_button.click()
                await _until(lambda: dialog.form is None, 10, "the RTSP list saved")
                assert [s.name for s in dialog.sources()] == ["demo", "door", "yard"]
                dialog.close()
                await _until(lambda: app.restart_requested, 5, "the restart on the new sources")
                return app.restart_requested
            finally:
                await app.shutdown()

        async def run_on_them(credentials: Credentials) -> None:
            app = ConsoleApp(ConsoleOptions(layout="2x2", joystick=False), qapp, credentials)
            assert await app.start() == 0
            try:
                directory = app.directory
                assert directory is not None and app.station is not None
                await wait_until(
                    lambda: {c.source for c in directory.cameras} == {"Demo hub", "door", "yard"},
                    30,
                    "the demo hub's, the ONVIF and the RTSP cameras",
                )
                door = next(c for c in directory.cameras if c.source == "door")
                gate = next(c for c in directory.cameras if c.source == "yard")
                tiles = app.station.walls[0].layout.tiles
                app.station.drop_camera(0, tiles[0].id, door.id)
                app.station.drop_camera(0, tiles[1].id, gate.id)
                views = app.windows[0].wall_view.tile_views
                await wait_until(lambda: all(_live(v) for v in views[:2]), 60, "both live")
                assert any(_live(v) for v in views[2:]), "the demo hub's cameras play on"
            finally:
                await app.shutdown()

        credentials = Credentials()
        assert qloop.run_until_complete(add_sources(credentials))
        qloop.run_until_complete(run_on_them(credentials))
    for path in private_config_dir.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_without_a_keyring_the_console_asks_for_the_password_and_keeps_it_in_memory_only(
    qloop, qapp, private_config_dir, no_keyring, tmp_path
):
    from PySide6.QtWidgets import QInputDialog

    with IpycamPeer(username=USER, password=PASSWORD) as onvif:
        SourcesStore(private_config_dir / "settings.json").save(
            [demo_source(), SourceConfig("door", SourceKind.ONVIF, onvif.url, USER)]
        )
        credentials = Credentials()

        async def first_start() -> None:
            app = ConsoleApp(ConsoleOptions(layout="1x1", joystick=False), qapp, credentials)
            assert await app.start() == 0
            try:
                assert any("no system keyring" in n.text for n in app.notices.items)

                def prompt() -> QInputDialog | None:
                    found = app.windows[0].findChildren(QInputDialog, "source-password")
                    return found[0] if found and found[0].isVisible() else None

                await wait_until(lambda: prompt() is not None, 5, "the password prompt")
                dialog = prompt()
                assert dialog is not None and "door" in dialog.labelText()
                dialog.setTextValue(PASSWORD)
                dialog.accept()
                await wait_until(lambda: app.restart_requested, 5, "reconnecting with it")
            finally:
                await app.shutdown()

        async def second_start() -> None:
            app = ConsoleApp(ConsoleOptions(layout="1x1", joystick=False), qapp, credentials)
            assert await app.start() == 0
            try:
                assert not app.windows[0].findChildren(QInputDialog, "source-password")
                directory = app.directory
                assert directory is not None and app.station is not None
                await wait_until(
                    lambda: any(c.source == "door" for c in directory.cameras), 20, "the camera"
                )
                door = next(c for c in directory.cameras if c.source == "door")
                tile = app.station.walls[0].layout.tiles[0]
                app.station.drop_camera(0, tile.id, door.id)
                view = app.windows[0].wall_view.tile_views[0]
                await wait_until(lambda: _live(view), 40, "the ONVIF camera live")
            finally:
                await app.shutdown()

        qloop.run_until_complete(first_start())
        qloop.run_until_complete(second_start())
    for folder in (private_config_dir, tmp_path / "data", tmp_path / "xdg-data"):
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path
