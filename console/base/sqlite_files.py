"""What the console's SQLite journals (bookmarks, audit) share: moving a damaged file aside.

A journal that cannot be read is kept byte for byte beside it (`<name>.damaged-<time>`, its
write-ahead log with it; the shared-memory index is only a cache and is removed), and a new one
is started: the operator is told, nothing is overwritten. Blocking file I/O: call it on the
journal's own thread.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)


def move_aside(path: Path, what: str) -> Path | None:
    """Rename the SQLite file `path` (and its `-wal`) to `<name>.damaged-<time>[-n]`; the new
    path, or None when it could not be moved (logged, naming `what`)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        path.rename(target)
    except OSError:
        log.exception("could not move the damaged %s %s aside", what, path)
        return None
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(OSError):
            if suffix == "-wal":
                side.rename(target.with_name(target.name + suffix))
            else:
                side.unlink()
    return target
