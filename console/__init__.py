"""Tessera's core: everything that runs without a display, one folder per feature.

`base` (signals, the marshal, owned tasks, notices, redaction), `hub` (the client library and its
drivers), `media` (libvlc players, the live-feed health machine, the frame seam), `wall` (walls,
layouts, feeds, the workstation), `cameras`, `alerts`, `ptz`, `joystick`, `latency`, and `app`
(the command line, settings and the composition root). Nothing here imports Qt, except the
composition root `console.app.console_app`, which wires the Qt views in `widgets` to the core;
`tests/console/test_core_boundary.py` and the import-linter contracts in pyproject.toml keep it
so. The embedded demo hub is a server of its own: the top-level package `demohub`.
"""

__version__ = "0.1.0"
