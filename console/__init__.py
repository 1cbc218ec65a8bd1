"""Tessera's core: everything that runs without a display.

The hub client library (`console.hub`), the embedded demo hub (`console.demohub`), media engine
control (`console.media`), the wall model (`console.wall`) and settings live here. Nothing in this
package imports Qt, except the composition root `console.app`, which wires the Qt views in
`widgets` to the core. `tests/console/test_core_boundary.py` keeps it so.
"""

__version__ = "0.1.0"
