"""A real X server (Xvfb) on a free display number, for native-window tests and benchmarks.

Several processes start servers at once (pytest-xdist workers, a bench beside the suite), so a
display number is never chosen by looking for a free one and then starting a server on it:
two processes can see the same number free. Xvfb itself claims the number (its lock file,
/tmp/.X<n>-lock, is created atomically); a server that finds the number taken exits, and the
next number is tried. `-displayfd` tells when the server is ready to accept clients.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time

# Tries before giving up: each failed one is a number another process holds.
_TRIES = 150
_START_TIMEOUT_S = 15.0


class Xvfb:
    def __init__(
        self, screens: int = 1, size: str = "1280x720x24", first_display: int = 90
    ) -> None:
        binary = shutil.which("Xvfb")
        if binary is None:
            raise RuntimeError("Xvfb is not installed: run ./packaging/setup.sh test")
        for display in range(first_display, first_display + _TRIES):
            if os.path.exists(f"/tmp/.X{display}-lock"):
                continue  # held (or left behind by a dead server, which Xvfb would clear)
            proc = self._start(binary, display, screens, size)
            if proc is not None:
                self.display = display
                self.proc = proc
                return
        raise RuntimeError("no free X display number")

    @staticmethod
    def _start(binary: str, display: int, screens: int, size: str) -> subprocess.Popen | None:
        """A server on `display`, ready for clients; None when the number is taken."""
        read_fd, write_fd = os.pipe()
        args = [binary, f":{display}", "-nolisten", "tcp", "-noreset"]
        args += ["-displayfd", str(write_fd)]
        for i in range(screens):
            args += ["-screen", str(i), size]
        try:
            proc = subprocess.Popen(
                args,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(write_fd,),
            )
        finally:
            os.close(write_fd)
        try:
            # Xvfb writes the display number once it accepts connections; EOF means it exited
            # (the number was taken: "Server is already active for display").
            text = b""
            deadline = time.monotonic() + _START_TIMEOUT_S
            while not text.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    _stop(proc)
                    raise RuntimeError("Xvfb did not start")
                ready, _, _ = select.select([read_fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(read_fd, 64)
                if not chunk:
                    proc.wait(5)
                    return None
                text += chunk
        finally:
            os.close(read_fd)
        if text.strip() != str(display).encode():
            _stop(proc)
            raise RuntimeError(f"Xvfb started on :{text.strip().decode()}, not :{display}")
        return proc

    @property
    def env(self) -> dict[str, str]:
        return {"DISPLAY": f":{self.display}", "QT_QPA_PLATFORM": "xcb"}

    def stop(self) -> None:
        _stop(self.proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
