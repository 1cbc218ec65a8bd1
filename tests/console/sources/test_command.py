"""`tessera sources ...` end to end, as a wall PC's set-up script runs it: the real command in a
subprocess, a keyring chosen through the environment, the real demo hub; and no password in
any file of the config and data folders, nor in anything the command printed or logged."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from console.sources.command import SourcesCommand
from console.sources.credentials import Credentials
from tests.conftest import FAIL, PLAINTEXT
from tests.support.hubthread import HubThread

ROOT = Path(__file__).resolve().parents[3]
HUB_PASSWORD = "Hub-Secr3t-7781"
CAMERA_PASSWORD = "Cam:Secr3t/@#-4410"
ONVIF_PASSWORD = "Onvif-Secr3t-5521"
PASSWORDS = (HUB_PASSWORD, CAMERA_PASSWORD, ONVIF_PASSWORD)


def _command() -> list[str]:
    tessera = ROOT / ".venv" / "bin" / "tessera"
    if tessera.exists():
        return [str(tessera)]
    return [sys.executable, "-m", "console.app.cli"]


class Runner:
    def __init__(self, tmp_path: Path, backend: str) -> None:
        self.config = tmp_path / "config"
        self.data = tmp_path / "data"
        self.keyring_data = tmp_path / "xdg-data"
        self.env = {
            **os.environ,
            # This checkout's code, also when the shared .venv was installed from another.
            "PYTHONPATH": str(ROOT),
            "TESSERA_CONFIG_DIR": str(self.config),
            "TESSERA_DATA_DIR": str(self.data),
            "XDG_DATA_HOME": str(self.keyring_data),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "PYTHON_KEYRING_BACKEND": backend,
        }
        self.transcript: list[str] = []

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*_command(), "sources", *args],
            check=False,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=60,
        )
        self.transcript += [done.stdout, done.stderr]
        return done

    def kept_passwords(self, key: str) -> str | None:
        """What the keyring file the commands used holds under `key`."""
        backend = PlaintextKeyring()
        backend.file_path = str(self.keyring_data / "python_keyring" / "keyring_pass.cfg")
        return backend.get_password("tessera", key)

    def files(self) -> list[Path]:
        return [
            p
            for root in (self.config, self.data)
            if root.exists()
            for p in root.rglob("*")
            if p.is_file()
        ]

    def assert_no_password_anywhere(self) -> None:
        for path in self.files():
            raw = path.read_bytes()
            for pw in PASSWORDS:
                assert pw.encode() not in raw, f"{pw} in {path}"
        for text in self.transcript:
            for pw in PASSWORDS:
                assert pw not in text, f"{pw} printed: {text}"


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    return Runner(tmp_path, PLAINTEXT)


def test_add_list_test_remove(run: Runner, hub: HubThread, tmp_path: Path) -> None:
    added = run(
        "add",
        "tessera",
        "hq",
        "--url",
        hub.url,
        "--user",
        "ana",
        "--password-stdin",
        stdin=HUB_PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Added tessera hub hq." in added.stdout
    assert "plain-text file" in added.stderr  # the explicitly chosen keyrings.alt file says so

    gate = run(
        "add",
        "rtsp",
        "yard",
        "--url",
        "rtsp://10.0.0.7:554/live",
        "--sub-url",
        "rtsp://10.0.0.7:554/live2",
        "--camera-name",
        "North gate",
        "--user",
        "viewer",
        "--password-stdin",
        stdin=CAMERA_PASSWORD + "\n",
    )
    assert gate.returncode == 0, gate.stderr
    assert "Added camera north-gate" in gate.stdout
    hall = run(
        "add", "rtsp", "yard", "--url", "http://10.0.0.8/mjpg/video.mjpg", "--camera-name", "Hall"
    )
    assert hall.returncode == 0, hall.stderr
    onvif = run(
        "add",
        "onvif",
        "lobby",
        "--host",
        "10.0.0.5",
        "--port",
        "8080",
        "--user",
        "admin",
        "--password-stdin",
        stdin=ONVIF_PASSWORD + "\n",
    )
    assert onvif.returncode == 0, onvif.stderr
    closed = run("add", "tessera", "down", "--url", "http://127.0.0.1:9")
    assert closed.returncode == 0, closed.stderr

    listed = run("list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"hq  tessera  {hub.url}  user ana")
    assert lines[1].startswith("yard  rtsp  ") and lines[1].endswith("yard.json")
    assert lines[2] == "lobby  onvif  http://10.0.0.5:8080  user admin"

    tested = run("-v", "-v", "test", "hq")  # with debug logs: nothing secret in them either
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "Connecting to 127.0.0.1:" in tested.stdout
    assert "cameras found" in tested.stdout
    assert "  cam-01  " in tested.stdout

    tested = run("-v", "-v", "test", "yard")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 cameras found" in tested.stdout and "north-gate  North gate" in tested.stdout

    down = run("test", "down", "--timeout", "2")
    assert down.returncode == 1
    assert "cannot be reached" in down.stdout

    refused = run("add", "tessera", "leak", "--url", "http://admin:hunter2@10.0.0.9:8000")
    assert refused.returncode == 1
    assert "without user names or passwords" in refused.stderr and "hunter2" not in refused.stderr
    refused = run("add", "rtsp", "leak", "--url", "rtsp://admin:hunter2@10.0.0.9/live")
    assert refused.returncode == 1 and "hunter2" not in refused.stderr
    assert run("add", "tessera", "hq", "--url", hub.url).returncode == 1  # exists already

    run.assert_no_password_anywhere()
    kept = run.kept_passwords
    assert kept("source/hq") == HUB_PASSWORD
    assert kept("camera/yard/north-gate") == CAMERA_PASSWORD
    assert kept("source/lobby") == ONVIF_PASSWORD

    removed = run("remove", "yard")
    assert removed.returncode == 0, removed.stderr
    assert not (run.config / "camera-lists" / "yard.json").exists()
    assert kept("camera/yard/north-gate") is None
    assert run("remove", "hq").returncode == 0
    assert kept("source/hq") is None
    assert kept("source/lobby") == ONVIF_PASSWORD
    assert run("remove", "hq").returncode == 1  # no such source
    assert [ln.split()[0] for ln in run("list").stdout.splitlines()] == ["lobby", "down"]
    run.assert_no_password_anywhere()


def test_without_a_keyring_add_says_the_password_cannot_be_kept(tmp_path: Path) -> None:
    run = Runner(tmp_path, FAIL)
    added = run(
        "add",
        "onvif",
        "lobby",
        "--host",
        "10.0.0.5",
        "--user",
        "admin",
        "--password-stdin",
        stdin=ONVIF_PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "cannot be kept" in added.stderr and "ask for it each session" in added.stderr
    run.assert_no_password_anywhere()
    assert not run.keyring_data.exists()
    # Nothing kept: the next process's test has no password to sign in with.
    tested = run("test", "lobby")
    assert tested.returncode == 1
    assert "password is needed" in tested.stdout


def test_an_existing_list_is_adopted_where_it_is(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "site" / "cams.json"
    path.parent.mkdir()
    path.write_text(
        '{"format": "tessera.camera-list", "version": 1, "cameras": ['
        '{"id": "a", "main_url": "rtsp://10.0.0.1/a"}, {"id": "b"}]}'
    )
    added = run("add", "rtsp", "site", "--file", str(path))
    assert added.returncode == 0, added.stderr
    assert "1 camera(s)" in added.stdout and "'main_url' is missing" in added.stderr
    tested = run("test", "site")
    assert tested.returncode == 0 and "could not be read" in tested.stdout
    assert run("remove", "site").returncode == 0
    assert path.exists()  # adopted, not ours to delete
    assert run("add", "rtsp", "x", "--file", str(tmp_path / "none.json")).returncode == 1


def test_usage_errors_exit_2(run: Runner) -> None:
    assert run("add", "onvif", "cam").returncode == 2  # --host missing
    assert run("frobnicate").returncode == 2
    assert run("add", "tessera", "bad name!", "--url", "http://h").returncode == 1


def test_in_process_no_password_in_logs_output_or_files(
    tmp_path: Path, hub: HubThread, caplog: pytest.LogCaptureFixture
) -> None:
    """The same commands in this process, every logger at DEBUG, captured."""
    caplog.set_level(logging.DEBUG)
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "kr" / "keyring_pass.cfg")
    out, err = io.StringIO(), io.StringIO()

    def command(*args: str, stdin: str = "") -> int:
        return SourcesCommand(
            credentials=Credentials(backend=backend), stdin=io.StringIO(stdin), out=out, err=err
        ).run(list(args))

    assert (
        command(
            "add",
            "tessera",
            "hq",
            "--url",
            hub.url,
            "--user",
            "ana",
            "--password-stdin",
            stdin=HUB_PASSWORD + "\n",
        )
        == 0
    )
    assert (
        command(
            "add",
            "rtsp",
            "yard",
            "--url",
            "rtsp://10.0.0.7/live",
            "--user",
            "v",
            "--password-stdin",
            stdin=CAMERA_PASSWORD,
        )
        == 0
    )
    assert command("test", "hq") == 0
    assert command("test", "yard") == 0
    assert Credentials(backend=backend).get("camera/yard/camera-1") == CAMERA_PASSWORD
    texts = [caplog.text, out.getvalue(), err.getvalue()]
    config, data = tmp_path / "config", tmp_path / "data"
    files = [p for root in (config, data) if root.exists() for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "settings.json" for p in files)
    for pw in (HUB_PASSWORD, CAMERA_PASSWORD):
        for text in texts:
            assert pw not in text
        for path in files:
            assert pw.encode() not in path.read_bytes(), path
