"""The embedded demo hub: synthetic cameras behind the documented hub API v1.

Start it in-process with `DemoHub` (`await hub.start()`, `await hub.stop()`), in the foreground
with `run_hub(host, port)`, or as a child process with `python -m demohub`.
See `demohub/README.md` and `docs/hub-api.md`.
"""

from __future__ import annotations

from demohub.hub import LISTEN_LINE, DemoHub, run_hub

__all__ = ["LISTEN_LINE", "DemoHub", "run_hub"]
