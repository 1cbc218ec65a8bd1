"""A real X server (Xvfb) on a free display number, for native-window tests and benchmarks."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path


class Xvfb:
    def __init__(
        self, screens: int = 1, size: str = "1280x720x24", first_display: int = 90
    ) -> None:
        binary = shutil.which("Xvfb")
        if binary is None:
            raise RuntimeError("Xvfb is not installed: run ./packaging/setup.sh test")
        self.display = self._free_display(first_display)
        args = [binary, f":{self.display}", "-nolisten", "tcp", "-noreset"]
        for i in range(screens):
            args += ["-screen", str(i), size]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sock = Path(f"/tmp/.X11-unix/X{self.display}")
        deadline = time.monotonic() + 15
        while not sock.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)

    @staticmethod
    def _free_display(first: int) -> int:
        for n in range(first, first + 150):
            if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
                return n
        raise RuntimeError("no free X display number")

    @property
    def env(self) -> dict[str, str]:
        return {"DISPLAY": f":{self.display}", "QT_QPA_PLATFORM": "xcb"}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
