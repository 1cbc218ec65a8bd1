"""Desktop notifications reach a real notification daemon through the real notify-send.

A private `dbus-daemon` is the session bus, `dunst` (a freedesktop notification daemon) runs on
a private Xvfb display, and `dunstctl history` tells what it received.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time

import pytest

from tests.support.xvfb import Xvfb
from widgets.alarms.desktop_notifier import DesktopNotifier

TOOLS = ("dbus-daemon", "notify-send", "dunst", "dunstctl", "Xvfb")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in TOOLS),
    reason=f"{', '.join(TOOLS)} are installed by packaging/setup.sh",
)


@pytest.fixture
def desktop(monkeypatch):
    """A session bus with a notification daemon on it; yields a function listing what the
    daemon has received (summaries and bodies)."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    xvfb = Xvfb()
    env = {**os.environ, "DISPLAY": f":{xvfb.display}", "DBUS_SESSION_BUS_ADDRESS": address}
    dunst = subprocess.Popen(
        ["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    deadline = time.monotonic() + 15
    while subprocess.run(
        ["dunstctl", "is-paused"], env=env, capture_output=True, check=False
    ).returncode:
        assert time.monotonic() < deadline, "dunst did not come up on the session bus"
        time.sleep(0.1)

    def received() -> list[str]:
        out = subprocess.run(
            ["dunstctl", "history"], env=env, capture_output=True, text=True, timeout=5, check=False
        )
        if out.returncode != 0:
            return []
        data = json.loads(out.stdout or "{}").get("data", [[]])
        items = data[0] if data else []
        return [f"{n['summary']['data']}|{n['body']['data']}|{n['appname']['data']}" for n in items]

    try:
        yield received
    finally:
        for p in (dunst, daemon):
            p.terminate()
            p.wait(5)
        xvfb.stop()


# serial: notify() must return within 50 ms, less than one scheduling delay on a loaded machine
@pytest.mark.serial
def test_a_notification_reaches_the_desktop_without_blocking_the_gui(qapp, qloop, desktop):
    notifier = DesktopNotifier(lambda: [])
    assert not notifier.in_front()  # no console window is active here

    async def scenario():
        started = time.perf_counter()
        notifier.notify("Critical alarm: Panic button", "Platform 2.", True)
        assert time.perf_counter() - started < 0.05  # notify-send runs off the GUI thread
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            # Dunst keeps a notification in its history once it is gone from the screen;
            # close them so they show up there.
            subprocess.run(["dunstctl", "close-all"], capture_output=True, check=False)
            if desktop():
                return
            await asyncio.sleep(0.2)

    qloop.run_until_complete(scenario())
    assert desktop() == ["Critical alarm: Panic button|Platform 2.|Tessera"]
    assert notifier.sent_by == ["desktop"] and notifier.failures == []
