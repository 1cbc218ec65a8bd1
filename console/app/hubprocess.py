"""Runs the embedded demo hub as a child process on loopback, and keeps it running.

The hub encodes video; in its own process it cannot take the GUI thread's time (the GIL). The
console starts it on a free port, reads the port from its first line, restarts it on the same
port if it dies, and stops it on exit. All waiting happens on an owned thread or an executor.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

READY = re.compile(r"listening on (https?://\S+)")
START_TIMEOUT_S = 30.0


DEMO_HISTORY_S = 3600
# The environment variable that hands the hub its one-time sign-in secret (never the command
# line: other users of the machine can read a process's arguments, not its environment).
BOOTSTRAP_ENV = "TESSERA_HUB_BOOTSTRAP"


class HubStartError(RuntimeError):
    """The demo hub did not start; the message says why in plain words."""


class EmbeddedHub:
    """The demo hub child process. `start()` and `stop()` block: call them from an executor."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_restart: Callable[[str], None] | None = None,
        *,
        bootstrap_user: str = "supervisor",
    ) -> None:
        self._bootstrap_user = bootstrap_user
        self._secret: str | None = None
        self._host = host
        self._port = port
        self._proc: subprocess.Popen[str] | None = None
        self._url: str | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._on_restart = on_restart
        self.restarts = 0

    @property
    def url(self) -> str:
        if self._url is None:
            raise HubStartError("the demo hub is not running")
        return self._url

    def take_secret(self) -> str | None:
        """The one-time sign-in secret of the running hub (once: the hub spends it on first
        use, and it is not kept here after this call). It signs in `bootstrap_user`."""
        secret, self._secret = self._secret, None
        return secret

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> str:
        self._url = self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="demo-hub-watch", daemon=True)
        self._watcher.start()
        return self._url

    def _spawn(self) -> str:
        cmd = [
            sys.executable,
            "-m",
            "demohub",
            "--host",
            self._host,
            "--port",
            str(self._port),
            "--stop-with-parent",
            # An hour of recordings from the start, so playback has something to show at once
            # (the demo hub's scenes are functions of time: nothing is invented).
            "--recorded-for",
            str(DEMO_HISTORY_S),
            # The console signs itself in with a secret only it knows (issue 17): the first
            # command still opens on a live wall, and nobody else on the machine gets in.
            "--bootstrap-secret-env",
            BOOTSTRAP_ENV,
            "--bootstrap-user",
            self._bootstrap_user,
        ]
        self._secret = secrets.token_urlsafe(32)
        env = dict(os.environ)
        env[BOOTSTRAP_ENV] = self._secret
        env.setdefault("PYTHONUNBUFFERED", "1")
        # stdin stays open for the hub's life: when this process dies the pipe closes and the
        # hub exits (--stop-with-parent), so no orphan keeps encoding.
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True, env=env
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            m = READY.search(line)
            if m:
                self._proc = proc
                url = m.group(1).rstrip("/")
                self._port = int(url.rsplit(":", 1)[1])
                # Keep draining stdout so the hub never blocks on a full pipe.
                threading.Thread(
                    target=_drain, args=(proc,), name="demo-hub-stdout", daemon=True
                ).start()
                log.info("demo hub (pid %s) at %s", proc.pid, url)
                return url
        proc.kill()
        proc.wait(timeout=5)
        raise HubStartError(
            f"The embedded demo hub did not start (exit code {proc.returncode}). "
            "Run `tessera hub` in a terminal to see why."
        )

    def _watch(self) -> None:
        while not self._stopping.is_set():
            proc = self._proc
            if proc is None:
                return
            code = proc.wait()
            if self._stopping.is_set():
                return
            log.warning("demo hub exited with code %s; restarting it on port %s", code, self._port)
            for attempt in range(1, 100):
                if self._stopping.wait(min(5.0, 0.5 * attempt)):
                    return
                try:
                    self._url = self._spawn()
                except HubStartError:
                    log.exception("demo hub restart %d failed", attempt)
                    continue
                self.restarts += 1
                if self._on_restart:
                    self._on_restart(self._url)
                break

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            log.warning("demo hub did not stop in %.0f s; killing it", timeout_s)
            proc.kill()
            proc.wait(timeout=timeout_s)


def _drain(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        log.debug("hub: %s", line.rstrip())
