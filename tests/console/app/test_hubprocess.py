"""The embedded demo hub child process: started on a free port, restarted when it dies,
and gone when its console is gone."""

import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from console.app.hubprocess import EmbeddedHub

pytestmark = pytest.mark.timeout(90)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/hub", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def process_alive(pid: str) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent has not reaped it yet


def wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_killed_embedded_hub_is_restarted_on_the_same_port():
    restarted = []
    hub = EmbeddedHub(on_restart=restarted.append)
    url = hub.start()
    try:
        assert answers(url)
        os.kill(hub.pid, signal.SIGKILL)
        assert wait_for(lambda: restarted and answers(url), 30)
        assert restarted == [url] and hub.restarts == 1
    finally:
        hub.stop()
    assert not answers(url)


def test_the_hub_exits_when_the_console_that_started_it_dies(tmp_path):
    script = (
        "from console.app.hubprocess import EmbeddedHub; import os, sys, time\n"
        "h = EmbeddedHub(); print(h.start(), h.pid, flush=True); time.sleep(60)\n"
    )
    console = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    url, pid = console.stdout.readline().split()
    assert answers(url)
    console.kill()
    console.wait(10)
    assert wait_for(lambda: not process_alive(pid), 15)
    assert not answers(url)
