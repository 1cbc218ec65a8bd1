"""`HubReachability`: notices when the hub answers again after it did not.

Every tile that lost its stream waits out its own backoff (up to 5 s) before it asks the hub
again, and tiles that lost their streams together wait in step: measured in a hub-kill trial,
nine tiles all retried 3.5 s after the hub was back, none earlier. So while the hub is down a
cheap probe (the caller's, e.g. `HubClient.info`) asks it every `probe_every_s`; the first answer
to a probe or to any tile's request says so through `back`, and every feed still waiting tries at
once: a wall recovers about one call-up after its hub does, not one backoff later. The views
show the outage itself (a banner across the wall, a line in the camera tree) from `went_down`
to `back`.

An outage is known from a request that failed. A hub that restarts quickly may fail none: its
streams end, every tile waits out its backoff (up to 5 s once reconnects came close together)
and asks nothing meanwhile. So a tile that loses a live stream asks for a `check()`: the probe
asks the hub once, and when it does not answer, that is an outage like a failed request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from console.base.signals import Signal
from console.base.tasks import current_loop

log = logging.getLogger(__name__)

PROBE_EVERY_S = 0.5
PROBE_TIMEOUT_S = 2.0


class HubReachability:
    """Fed by whoever asks the hub (`failed()`, `answered()`); `went_down` is emitted once per
    outage, on the loop thread, when a failure follows an answer (or comes first), and `back`
    once when an answer follows a failure. With a `probe`, an outage also starts
    one owned task that asks the hub until it answers (`close()` ends it)."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[object]] | None = None,
        *,
        probe_every_s: float = PROBE_EVERY_S,
        probe_timeout_s: float = PROBE_TIMEOUT_S,
    ) -> None:
        self.went_down = Signal()
        self.back = Signal()
        self._down = False
        self._probe = probe
        self._every_s = probe_every_s
        self._timeout_s = probe_timeout_s
        self._task: asyncio.Task[None] | None = None
        self._check: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def down(self) -> bool:
        """The last request failed and none has been answered since."""
        return self._down

    def failed(self) -> None:
        news = not self._down
        self._down = True
        if self._probe is not None and self._task is None and not self._closed:
            self._task = current_loop().create_task(
                self._probe_until_back(), name="hub-reachability-probe"
            )
        if news and not self._closed:  # closed: the console is shutting down, views are going
            log.info("the hub does not answer: the views say so until it does")
            self.went_down.emit()

    def check(self) -> None:
        """A live stream was lost: ask the hub once (the probe) whether it still answers. One
        check at a time (a wall that loses every stream at once asks once); none while an outage
        is already known (the probe is asking) or without a probe."""
        if self._down or self._probe is None or self._closed or self._check is not None:
            return
        self._check = current_loop().create_task(self._check_once(), name="hub-reachability-check")

    def answered(self) -> None:
        if self._down and not self._closed:
            self._down = False
            log.info("the hub answers again: tiles waiting to reconnect try now")
            self.back.emit()

    def close(self) -> None:
        self._closed = True
        for task in (self._task, self._check):
            if task is not None:
                task.cancel()
        self._task = self._check = None

    async def _check_once(self) -> None:
        probe = self._probe
        assert probe is not None
        try:
            await asyncio.wait_for(probe(), self._timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # no answer: an outage, the probe asks until it is back
            log.info("a stream was lost and the hub does not answer (%s)", type(exc).__name__)
            self.failed()
        else:
            self.answered()
        finally:
            self._check = None

    async def _probe_until_back(self) -> None:
        probe = self._probe
        assert probe is not None
        try:
            while self._down:
                await asyncio.sleep(self._every_s)
                if not self._down:
                    break
                try:
                    await asyncio.wait_for(probe(), self._timeout_s)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # still down: any failure, a timeout included
                    log.debug("hub probe: %s", type(exc).__name__)
                    continue
                self.answered()
        finally:
            self._task = None
