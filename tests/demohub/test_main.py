"""`python -m demohub` announces its URL on stdout and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_module_runs_announces_port_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "demohub", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"Tessera demo hub listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        url, port = match.group(1), int(match.group(2))
        assert port > 0
        with urllib.request.urlopen(url + "/api/v1/hub", timeout=10) as response:
            assert json.loads(response.read())["api_version"] == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
