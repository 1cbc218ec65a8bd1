"""`HubReachability`: notices when the hub answers again after it did not.

Every tile that lost its stream waits out its own backoff (up to 5 s) before it asks the hub
again. When the hub comes back after a network cut or a restart, the first request that gets an
answer says so through `back`, and every feed still waiting tries at once: a wall recovers in
about one call-up after the hub does, not one backoff later.
"""

from __future__ import annotations

import logging

from console.signals import Signal

log = logging.getLogger(__name__)


class HubReachability:
    """Fed by whoever asks the hub (`failed()`, `answered()`); `back()` is emitted once per
    outage, on the loop thread, when an answer follows a failure."""

    def __init__(self) -> None:
        self.back = Signal()
        self._down = False

    @property
    def down(self) -> bool:
        """The last request failed and none has been answered since."""
        return self._down

    def failed(self) -> None:
        self._down = True

    def answered(self) -> None:
        if self._down:
            self._down = False
            log.info("the hub answers again: tiles waiting to reconnect try now")
            self.back.emit()
