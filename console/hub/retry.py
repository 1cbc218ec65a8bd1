"""Retrying hub calls with capped exponential backoff and jitter.

`Backoff` is the delay policy alone (the media layer reuses it for reconnect countdowns);
`retry` runs an async call again while it fails with a retryable `HubError`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from console.hub.errors import HubError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BASE_S = 0.25
DEFAULT_CAP_S = 5.0


class Backoff:
    """Delays base, 2*base, 4*base ... capped at `cap_s`, each shortened by up to `jitter`.

    Jitter only ever shortens a delay, so a countdown shown to an operator never exceeds the cap,
    and many consoles reconnecting to one hub do not all arrive at the same instant.
    """

    def __init__(
        self,
        base_s: float = DEFAULT_BASE_S,
        cap_s: float = DEFAULT_CAP_S,
        *,
        factor: float = 2.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if base_s <= 0 or cap_s <= 0 or factor < 1 or not 0 <= jitter < 1:
            raise ValueError("need base_s > 0, cap_s > 0, factor >= 1 and 0 <= jitter < 1")
        self.base_s = base_s
        self.cap_s = cap_s
        self.factor = factor
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._attempt = 0

    @property
    def attempt(self) -> int:
        """How many delays were handed out since the last reset."""
        return self._attempt

    def next_delay(self) -> float:
        # Cap the exponent too, so a long outage never overflows the float.
        exp = min(self._attempt, 64)
        self._attempt += 1
        delay = min(self.cap_s, self.base_s * self.factor**exp)
        if self.jitter:
            delay *= 1.0 - self.jitter * self._rng.random()
        return delay

    def reset(self) -> None:
        self._attempt = 0


async def retry(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int | None = 3,
    base_s: float = DEFAULT_BASE_S,
    cap_s: float = DEFAULT_CAP_S,
    on_retry: Callable[[HubError, int, float], object] | None = None,
    backoff: Backoff | None = None,
) -> T:
    """Await `fn()` until it succeeds, retrying retryable `HubError`s.

    `attempts` is the total number of calls (None: until it succeeds or fails for good).
    `on_retry(error, attempt, delay)` is called before each wait; `attempt` counts from 1.
    Non-retryable errors and other exceptions propagate at once; after the last attempt the
    last error propagates.
    """
    if attempts is not None and attempts < 1:
        raise ValueError("attempts must be at least 1 (or None for no limit)")
    policy = backoff or Backoff(base_s, cap_s)
    attempt = 0
    while True:
        attempt += 1
        try:
            return await fn()
        except HubError as exc:
            if not exc.retryable or (attempts is not None and attempt >= attempts):
                raise
            delay = policy.next_delay()
            log.warning("hub call failed (attempt %s): %s; retrying in %.2f s", attempt, exc, delay)
            if on_retry is not None:
                on_retry(exc, attempt, delay)
            await asyncio.sleep(delay)
