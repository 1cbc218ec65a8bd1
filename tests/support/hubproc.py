"""A real demo hub in its own process that a test or a benchmark can start, kill and restart.

Used by the end-to-end tests and by `bench/` (one helper, so both exercise the hub the same way).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HubProcess:
    """`python -m demohub` on a chosen port (None: a free one, kept across restarts)."""

    def __init__(
        self,
        port: int | None = None,
        cameras: int | None = None,
        alerts: str | None = None,
        state_dir: Path | None = None,
        extra_args: tuple[str, ...] = (),
        sign_in: bool = False,
    ) -> None:
        self.extra_args = extra_args  # more `python -m demohub` options
        # The feature tests run an open hub (--no-sign-in); the access tests sign in.
        self.sign_in = sign_in
        self.port = port or free_port()
        self.cameras = cameras
        self.alerts = alerts  # "scripted" (the hub's default) or "off"
        # Where the hub keeps its state across restarts; None: in memory only (--no-state).
        self.state_dir = state_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout_s: float = 30.0) -> HubProcess:
        args = [
            sys.executable,
            "-m",
            "demohub",
            "--port",
            str(self.port),
            "--stop-with-parent",
        ]
        if self.cameras is not None:
            args += ["--cameras", str(self.cameras)]
        if self.alerts is not None:
            args += ["--alerts", self.alerts]
        args += ["--no-state"] if self.state_dir is None else ["--state", str(self.state_dir)]
        if not self.sign_in:
            args.append("--no-sign-in")
        args += list(self.extra_args)
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,  # closed when we die: the hub then exits too
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "listening on" in line:
                return self
            if not line and self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("demo hub did not start")

    def camera_ids(self) -> list[str]:
        with urllib.request.urlopen(f"{self.url}/api/v1/cameras", timeout=10) as r:
            return [c["id"] for c in json.load(r)["cameras"]]

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/hub", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False
