"""Alarm sounds: short WAV tones made on first use, played by ALSA's `aplay` off the GUI thread.

`aplay` (Debian/Ubuntu `alsa-utils`, installed by `packaging/setup.sh`) plays through the
default ALSA device, which desktop sound servers (PulseAudio, PipeWire) take over. The device
can be named (`TESSERA_ALSA_DEVICE`, e.g. `null` on a machine without sound hardware). A machine
without `aplay` gets one plain-words notice and silence, never a hang.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import os
import shutil
import struct
import subprocess
import threading
import wave
from pathlib import Path

from console.alerts.settings import SOUND_NAMES
from console.base.notices import Level, Notices

log = logging.getLogger(__name__)

RATE = 22050
# (frequency Hz, or (from, to) for a sweep; seconds) per sound: short, distinct, not shrill.
_TONES: dict[str, list[tuple[float | tuple[float, float], float]]] = {
    "chime": [(660.0, 0.12), (0.0, 0.04), (880.0, 0.18)],
    "alert": [(880.0, 0.1), (0.0, 0.06), (880.0, 0.1), (0.0, 0.06), (880.0, 0.1)],
    "siren": [((600.0, 1200.0), 0.35), ((1200.0, 600.0), 0.35)],
}


def sound_wav(name: str) -> bytes:
    """The WAV file (16-bit mono) of a named sound."""
    samples: list[int] = []
    phase = 0.0
    for freq, seconds in _TONES[name]:
        n = int(RATE * seconds)
        for i in range(n):
            f = freq if isinstance(freq, float) else freq[0] + (freq[1] - freq[0]) * i / n
            if f <= 0:
                samples.append(0)
                continue
            phase += 2 * math.pi * f / RATE
            # A short fade in and out of each tone: no clicks.
            envelope = min(1.0, i / (0.01 * RATE), (n - i) / (0.01 * RATE))
            samples.append(int(0.4 * 32767 * envelope * math.sin(phase)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()


class AplayPlayer:
    """Plays named sounds with `aplay`; files are written to `folder` on first use.

    `play` returns at once: writing and starting `aplay` run in the loop's executor.
    """

    def __init__(self, folder: Path, notices: Notices | None = None) -> None:
        self._folder = folder
        self._notices = notices
        self._aplay = shutil.which("aplay")
        self._device = os.environ.get("TESSERA_ALSA_DEVICE")
        self._warned = False
        self._writing = threading.Lock()  # two plays of a new sound must not write it at once
        self.started: list[str] = []  # names whose aplay started (for tests)
        self.failures: list[str] = []

    @property
    def available(self) -> bool:
        return self._aplay is not None

    def play(self, name: str) -> None:
        if name not in SOUND_NAMES:
            return
        if self._aplay is None:
            if not self._warned and self._notices is not None:
                self._warned = True
                self._notices.post(
                    "Alarm sounds are on, but this machine has no sound player (aplay). "
                    "Install alsa-utils to hear them.",
                    Level.WARNING,
                )
            return
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, self._play_blocking, name)

    def _play_blocking(self, name: str) -> None:
        assert self._aplay is not None
        path = self._folder / f"{name}.wav"
        try:
            with self._writing:
                if not path.exists():
                    self._folder.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(".tmp")
                    tmp.write_bytes(sound_wav(name))
                    tmp.replace(path)
            args = [self._aplay, "-q"]
            if self._device:
                args += ["-D", self._device]
            result = subprocess.run(
                [*args, str(path)], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError) as e:
            log.warning("alarm sound %s: %s", name, e)
            self.failures.append(name)
            return
        if result.returncode != 0:
            log.warning(
                "alarm sound %s: aplay exit %s: %s",
                name,
                result.returncode,
                result.stderr.decode(errors="replace").strip()[:200],
            )
            self.failures.append(name)
            return
        self.started.append(name)
