"""A real ONVIF camera for the tests: ipycam in its own interpreter, on 127.0.0.1.

`IpycamPeer` starts `tests/support/ipycam_launcher.py` with `.peers/ipycam/bin/python` (ipycam
has a virtual environment of its own: it bundles Qt 5 through opencv-python and must never be
imported into the project's `.venv`), waits for its ready line, and stops it on exit (SIGTERM,
then SIGKILL). Its stdin is a pipe, so a test runner that dies takes the camera with it.

    with IpycamPeer(username="admin", password="secret") as cam:
        HubConfig(url=cam.url, driver="onvif", username="admin", password="secret")
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from tests.support.hubproc import free_port

ROOT = Path(__file__).resolve().parents[2]
PEER_PYTHON = ROOT / ".peers" / "ipycam" / "bin" / "python"
LAUNCHER = Path(__file__).with_name("ipycam_launcher.py")


class PeerMissingError(RuntimeError):
    pass


def require_peer() -> Path:
    """The ipycam interpreter, or a clear failure saying how to get it."""
    if not PEER_PYTHON.exists():
        raise PeerMissingError(
            f"the ipycam test peer is missing ({PEER_PYTHON}); run `./packaging/setup.sh setup` "
            "to install it (its own virtual environment under .peers/ipycam)"
        )
    return PEER_PYTHON


class IpycamPeer:
    """ipycam serving ONVIF at `url` and RTSP on `rtsp_port`, both on 127.0.0.1."""

    def __init__(
        self,
        *,
        username: str = "",
        password: str = "",
        honour_timeout: bool = False,
        width: int = 320,
        height: int = 180,
        fps: int = 5,
    ) -> None:
        self.username = username
        self.password = password
        self.honour_timeout = honour_timeout
        self.width, self.height, self.fps = width, height, fps
        self.port = free_port()
        self.rtsp_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="ipycam-peer-")
        self.workdir = Path(self._tmp.name)
        self.wire_log = self.workdir / "wire.jsonl"
        self.proc: subprocess.Popen[str] | None = None
        self._output: list[str] = []

    def start(self, timeout_s: float = 30.0) -> IpycamPeer:
        python = require_peer()
        args = [
            str(python),
            str(LAUNCHER),
            "--port",
            str(self.port),
            "--rtsp-port",
            str(self.rtsp_port),
            "--closed-port",
            str(free_port()),
            "--workdir",
            str(self.workdir),
            "--wire-log",
            str(self.wire_log),
            "--width",
            str(self.width),
            "--height",
            str(self.height),
            "--fps",
            str(self.fps),
        ]
        if self.username or self.password:
            args += ["--username", self.username, "--password", self.password]
        if self.honour_timeout:
            args.append("--honour-timeout")
        # Never the project's environment: no PYTHONPATH into .venv, and Qt's variables unset
        # (ipycam's opencv bundles its own Qt 5).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTHON"))}
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.workdir,
            env=env,
        )
        ready = threading.Event()
        threading.Thread(target=self._read_output, args=(ready,), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready.wait(0.05):
                return self
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("ipycam did not start:\n" + "".join(self._output[-40:]))

    def _read_output(self, ready: threading.Event) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self._output.append(line)
            if line.startswith("IPYCAM READY"):
                ready.set()

    @property
    def output(self) -> str:
        return "".join(self._output)

    def wire(self) -> list[dict[str, object]]:
        """What the launcher recorded of the requests it got (ContinuousMove timeouts)."""
        if not self.wire_log.exists():
            return []
        lines = self.wire_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()
        self._tmp.cleanup()

    def __enter__(self) -> IpycamPeer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
