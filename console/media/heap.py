"""Give freed heap memory back to the operating system after players are released.

A libvlc player allocates tens of MiB on the heap (decoder, picture pools, stream buffers) from
many threads, so from many glibc arenas. When it is released those bytes are free but glibc
keeps most of them in its arenas (it returns only the free top of a heap, and only above a
threshold that grows with the largest block freed), and the console's resident memory stays
where the busiest moment left it. After a burst of reconnects that is hundreds of MiB (measured
with `python -m bench.soak --churn-every`, docs/performance.md "Memory over time").
`malloc_trim(0)` returns the free pages of every arena. It exists in glibc only; elsewhere this
module does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_trim: Any = None
_loaded = False


def _malloc_trim() -> Any:
    global _trim, _loaded  # loaded once per process
    with _lock:
        if not _loaded:
            _loaded = True
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _trim = libc.malloc_trim
                _trim.argtypes = [ctypes.c_size_t]
                _trim.restype = ctypes.c_int
            except (OSError, AttributeError):  # not glibc: nothing to do
                _trim = None
        return _trim


def release_free_heap() -> bool:
    """Return free heap pages to the OS (glibc `malloc_trim(0)`); True when glibc did.

    It walks every arena (a few ms with a 16-tile wall): call it off the GUI thread, after a
    batch of players was released, not per frame."""
    trim = _malloc_trim()
    if trim is None:
        return False
    try:
        return bool(trim(0))
    except Exception:  # never let a memory hint break a release
        log.debug("malloc_trim failed", exc_info=True)
        return False
