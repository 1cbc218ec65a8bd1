"""Desktop notifications for alarms while no console window is in front.

The freedesktop notification service (what GNOME, KDE and most Linux desktops run) is reached
through `notify-send` (Debian/Ubuntu `libnotify-bin`, installed by `packaging/setup.sh`), run in
the loop's executor so the GUI thread never waits on the session bus. Without it (or without a
session bus) a system tray balloon is used where there is a tray. In every case the window asks
the window manager for attention (a blinking taskbar entry).
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import shutil
import subprocess
from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

log = logging.getLogger(__name__)


def _session_bus() -> bool:
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return bool(runtime) and os.path.exists(os.path.join(runtime, "bus"))  # type: ignore[arg-type]


class DesktopNotifier:
    """`notify(title, body, urgent)`; `in_front()` says whether a console window is active."""

    def __init__(self, windows: Callable[[], list[QWidget]]) -> None:
        self._windows = windows
        self._tray: QSystemTrayIcon | None = None
        self._notify_send = shutil.which("notify-send")
        self.sent_by: list[str] = []  # "desktop", "tray" or "attention" per notification
        self.failures: list[str] = []

    def in_front(self) -> bool:
        active = QApplication.activeWindow()
        return active is not None and any(
            active is w or w.isAncestorOf(active) for w in self._windows()
        )

    def notify(self, title: str, body: str, urgent: bool) -> None:
        how = "attention"
        if self._notify_send is not None and _session_bus():
            asyncio.get_running_loop().run_in_executor(
                None, self._send_blocking, title, body, urgent
            )
            how = "desktop"
        elif QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon()
                self._tray.setIcon(QApplication.windowIcon())
                self._tray.show()
            icon = (
                QSystemTrayIcon.MessageIcon.Critical
                if urgent
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self._tray.showMessage(title, body, icon, 10000)
            how = "tray"
        windows = self._windows()
        if windows:
            QApplication.alert(windows[0], 0)  # blink until the operator looks
        self.sent_by.append(how)

    def _send_blocking(self, title: str, body: str, urgent: bool) -> None:
        assert self._notify_send is not None
        args = [
            self._notify_send,
            "--app-name=Tessera",
            f"--urgency={'critical' if urgent else 'normal'}",
            "--",
            title,
            # Notification servers read simple markup in the body; it quotes hub text.
            html.escape(body, quote=False),
        ]
        try:
            result = subprocess.run(args, capture_output=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            log.info("desktop notification not shown: %s", e)
            self.failures.append(str(e))
            return
        if result.returncode != 0:
            reason = result.stderr.decode(errors="replace").strip()[:200]
            log.info("desktop notification not shown: %s", reason)
            self.failures.append(reason)
