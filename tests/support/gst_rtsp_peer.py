"""GStreamer's RTSP server (`tests/support/gst_rtsp_server.py`) as a process tests can start,
stop, restart on the same port and ask how many clients it has.

    with GstRtspPeer() as peer:
        peer.url("h264")          # rtsp://127.0.0.1:PORT/h264
        peer.wait_clients(1)      # the server's own count of RTSP client connections

Run by the system Python (`/usr/bin/python3`, where Debian's python3-gi loads). The server
exits when its stdin closes, so a test that dies leaves no server behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "support" / "gst_rtsp_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"
MOUNTS = ("h264", "h265", "mjpeg")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gst_rtsp_available() -> str | None:
    """None when the peer can run here, else why not."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    probe = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import gi; gi.require_version('GstRtspServer', '1.0'); "
            "from gi.repository import GstRtspServer",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        return "GStreamer's RTSP server is not installed (gir1.2-gst-rtsp-server-1.0 python3-gi)"
    return None


class GstRtspPeer:
    """One server process at a time on a fixed port (kept across `restart()`)."""

    def __init__(self, port: int | None = None, size: str = "640x360", fps: int = 15) -> None:
        self.port = port or free_port()
        self.size = size
        self.fps = fps
        self.proc: subprocess.Popen[str] | None = None
        self.clients = 0  # RTSP client connections the server has now
        self.connects = 0  # client connections since start()
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None

    def url(self, mount: str, user: str | None = None, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if user is not None else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/{mount}"

    def start(self, timeout_s: float = 15.0) -> GstRtspPeer:
        if shutil.which(SYSTEM_PYTHON) is None:
            raise RuntimeError(f"{SYSTEM_PYTHON} not found")
        fps = ["--fps", str(self.fps)]
        # The system Python with its own packages: nothing of the project's virtual environment.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(SCRIPT), "--port", str(self.port), "--size", self.size, *fps],
            stdin=subprocess.PIPE,  # closed when we die: the server then exits too
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            cwd=ROOT,
            env=env,
        )
        with self._cond:
            self.clients = 0
            self.connects = 0
            self.lines = []
        self._reader = threading.Thread(
            target=self._read, args=(self.proc,), name="gst-rtsp-peer", daemon=True
        )
        self._reader.start()
        if not self._wait(lambda: any(line.startswith("ready") for line in self.lines), timeout_s):
            self.stop()
            raise RuntimeError(f"the RTSP server did not start: {self.lines[-5:]}")
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.strip()
            with self._cond:
                self.lines.append(line)
                word, _, count = line.partition(" ")
                if word in ("client-connected", "client-closed"):
                    self.clients = int(count)
                    if word == "client-connected":
                        self.connects += 1
                self._cond.notify_all()
        with self._cond:
            self.lines.append("exited")
            self._cond.notify_all()

    def _wait(self, pred: object, timeout_s: float) -> bool:
        assert callable(pred)
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_clients(self, n: int, timeout_s: float = 10.0) -> bool:
        """Wait until the server has exactly `n` RTSP clients."""
        return self._wait(lambda: self.clients == n, timeout_s)

    def clients_held(self, n: int, for_s: float) -> bool:
        """True when the server kept exactly `n` clients for `for_s` seconds."""
        deadline = time.monotonic() + for_s
        while time.monotonic() < deadline:
            if self.clients != n:
                return False
            time.sleep(0.05)
        return self.clients == n

    def stop(self) -> None:
        """End the server (its clients' connections close with it)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if self._reader is not None:
            self._reader.join(5)
        with self._cond:
            self.clients = 0

    def kill(self) -> None:
        """The camera dies at once (SIGKILL): no TEARDOWN, sockets reset by the kernel."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self.stop()

    def restart(self, timeout_s: float = 15.0) -> GstRtspPeer:
        self.stop()
        deadline = time.monotonic() + timeout_s
        while True:  # the port may take a moment to be free again
            try:
                return self.start(max(1.0, deadline - time.monotonic()))
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __enter__(self) -> GstRtspPeer:
        if self.proc is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def peer_fixture(size: str = "640x360", fps: int = 15) -> Iterator[GstRtspPeer]:
    """Body of a pytest fixture: `yield from peer_fixture()`. The test set-up installs the peer
    (`./packaging/setup.sh test`), so a missing one fails the test, saying how to install it."""
    import pytest

    missing = gst_rtsp_available()
    if missing:
        pytest.fail(f"{missing}: run ./packaging/setup.sh setup, which installs it")
    with GstRtspPeer(size=size, fps=fps) as peer:
        yield peer
