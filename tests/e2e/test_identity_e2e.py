"""Sign-in, roles and the lock, end to end (issue 17, section 1): the real console on the real
demo hub (the embedded one the README's first command starts, and one started as a process with
sign-in), real widgets offscreen.

- The first command still opens on a live wall: the console signs itself in to its embedded hub
  with the one-time secret; `--user viewer` tries a role, which sees only what it may (no
  cam-10, no PTZ, no playback), said in plain words, and refused by the hub too.
- Another hub: the sign-in dialog; a wrong password is said and the dialog stays; the token is
  kept in the keyring only, and the next start resumes it with no dialog. After the session no
  file under the config and data folders, and no log line, holds the password or the token.
- The lock: every control disabled while the wall plays on, back with the password only.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from console.app.console_app import ConsoleApp, ConsoleOptions
from console.hub.errors import HubForbidden, HubSignInFailed
from console.hub.identity import HubAuth
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.media.feed import FeedStatus
from tests.e2e.conftest import wait_until
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

PASSWORD = "investigator-demo"


def _files_holding(folder: Path, secrets: list[str]) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(s.encode() in data for s in secrets):
                found.append(path)
    return found


def test_the_first_command_opens_signed_in_and_a_viewer_sees_only_its_role(qloop, qapp):
    async def scenario():
        app = ConsoleApp(ConsoleOptions(demo=True, user="viewer", joystick=False), qapp)
        assert await app.start() == 0
        try:
            identity = app.identity
            assert identity is not None and identity.info is not None
            assert (identity.info.user, identity.info.role) == ("viewer", "viewer")
            window = app.windows[0]
            assert "viewer" in window.identity_button.text()
            await wait_until(lambda: len(app.directory.cameras) > 0, 20, "the camera list")
            ids = {c.id for c in app.directory.cameras}
            assert "cam-01" in ids and "cam-10" not in ids  # the viewer's per-camera rights
            # A live tile plays (the stream ticket opens the stream for libvlc).
            wall = app.station.walls[0]
            tile = wall.layout.tile_showing("cam-01")
            view = next(v for v in window.wall_view.tile_views if v.tile.id == tile.id)
            await wait_until(
                lambda: view.feed is not None and view.feed.state.status is FeedStatus.LIVE,
                40,
                "cam-01 live for the viewer",
            )
            # PTZ: not offered, and said why.
            reason = app.ptz.refusal("cam-08")
            assert reason is not None and "may not steer" in reason and "viewer" in reason
            problems = []
            app.ptz.problem.connect(lambda cam, msg: problems.append((cam, msg)))
            app.ptz.take_control("cam-08")
            assert problems and "may not steer" in problems[-1][1]
            # Playback: refused in words, the wall stays live.
            window.toggle_playback()
            assert not app.services.playbacks[0].active
            assert any("play back" in n.text for n in app.notices.items)
            # The hub refuses too, whatever a console claims: the viewer's own token.
            sneaky = TesseraHubClient(
                HubConfig(url=app._hub_url, operator="supervisor", auth=app._hub_auth)
            )
            try:
                with pytest.raises(HubForbidden) as refused:
                    await sneaky.ptz_lock("cam-08")
                assert refused.value.right == "ptz"
            finally:
                await sneaky.close()
            # Sign in as the supervisor: PTZ is offered now.
            await identity.sign_in("supervisor", "supervisor-demo")
            assert app.ptz.refusal("cam-08") is None
            assert "supervisor" in window.identity_button.text()
            await wait_until(
                lambda: "cam-10" in {c.id for c in app.directory.cameras},
                20,
                "the supervisor's camera list (cam-10 in it)",
            )
        finally:
            await app.shutdown()

    qloop.run_until_complete(scenario())


def test_sign_in_to_another_hub_keeps_the_token_in_the_keyring_only(
    qloop, qapp, tmp_path, plaintext_keyring, caplog
):
    caplog.set_level(logging.DEBUG)
    hub = HubProcess(alerts="off", sign_in=True, state_dir=tmp_path / "hub-state").start()
    token_seen: list[str] = []
    try:

        async def first_run():
            app = ConsoleApp(
                ConsoleOptions(hub_url=hub.url, user="investigator", joystick=False), qapp
            )
            started = qloop.create_task(app.start())
            await wait_until(
                lambda: app.sign_in_dialog is not None and app.sign_in_dialog.isVisible(),
                20,
                "the sign-in dialog",
            )
            dialog = app.sign_in_dialog
            assert dialog.user_edit.text() == "investigator"
            dialog.password_edit.setText("not-the-password")
            dialog.try_sign_in()
            await wait_until(lambda: "wrong" in dialog.message.text(), 20, "the refusal")
            assert dialog.isVisible() and dialog.password_edit.text() == ""
            dialog.password_edit.setText(PASSWORD)
            dialog.try_sign_in()
            assert await started == 0
            try:
                assert app.identity.info.user == "investigator"
                token_seen.append(app._hub_auth.token)
                window = app.windows[0]
                # The lock: controls off, the wall plays on; the password brings them back.
                app.identity.lock()
                assert not window.menuBar().isEnabled() and not window.wall_view.isEnabled()
                assert window.lock_toolbar.isVisible()
                with pytest.raises(HubSignInFailed):
                    await app.identity.unlock("wrong")
                assert app.identity.locked
                await app.identity.unlock(PASSWORD)
                assert window.menuBar().isEnabled() and window.wall_view.isEnabled()
                assert not window.lock_toolbar.isVisible()
                token_seen.append(app._hub_auth.token)
            finally:
                await app.shutdown()

        qloop.run_until_complete(first_run())

        async def second_run():
            # The session is resumed from the keyring: no dialog.
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, joystick=False), qapp)
            assert await app.start() == 0
            try:
                assert app.identity.info.user == "investigator"
                await app.identity.sign_out()
                assert app.identity.info is None
            finally:
                await app.shutdown()

        qloop.run_until_complete(second_run())
    finally:
        hub.stop()
    secrets = [PASSWORD, *token_seen]
    assert all(token_seen)
    config = Path(tmp_path / "config")
    data = Path(tmp_path / "data")
    assert _files_holding(config, secrets) == []
    assert _files_holding(data, secrets) == []
    assert _files_holding(tmp_path / "hub-state", secrets) == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    leaked = [line for line in logged.splitlines() if any(s in line for s in secrets)]
    assert leaked == []
    # After sign-out, the keyring does not hold the token either.
    assert not any(s in plaintext_keyring.read_text() for s in token_seen)


def test_a_hub_auth_is_left_out_of_reprs():
    auth = HubAuth("very-secret-token-value")
    config = HubConfig(url="http://hub", auth=auth)
    assert "very-secret" not in repr(config) and "very-secret" not in repr(auth)


def test_a_wall_display_signs_in_with_its_token_once_then_by_itself(
    qloop, qapp, tmp_path, plaintext_keyring
):
    token = "display-token-for-the-lobby-wall"
    hub = HubProcess(alerts="off", sign_in=True, extra_args=("--display-token", token)).start()
    try:

        async def first_run():
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, display=True, joystick=False), qapp)
            started = qloop.create_task(app.start())
            await wait_until(
                lambda: app.sign_in_dialog is not None and app.sign_in_dialog.isVisible(),
                20,
                "the display's sign-in dialog",
            )
            dialog = app.sign_in_dialog
            assert not dialog.user_edit.isVisible()
            dialog.password_edit.setText(token)
            dialog.try_sign_in()
            assert await started == 0
            try:
                assert app.identity.info.user == "display"
                assert app.identity.info.role == "viewer"
            finally:
                await app.shutdown()

        qloop.run_until_complete(first_run())

        async def second_run():
            app = ConsoleApp(ConsoleOptions(hub_url=hub.url, display=True, joystick=False), qapp)
            assert await app.start() == 0  # no dialog: the kept display token
            try:
                assert app.identity.info.user == "display"
            finally:
                await app.shutdown()

        qloop.run_until_complete(second_run())
    finally:
        hub.stop()
    assert not any(
        token in p.read_text(errors="ignore")
        for p in (tmp_path / "config").rglob("*")
        if p.is_file()
    )
