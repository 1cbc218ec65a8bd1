"""Gives a native-window wall up for the composited path when this machine cannot keep it live.

On the native path libvlc draws each tile into its own X window; where that costs more than the
machine has (no GPU, a busy CPU), tiles drop their pictures as too late, show a few frames a
second, or keep reconnecting. Rather than reconnect forever, the wall says so in plain words
and switches to the composited path (Qt paints the frames), which costs less per tile.

The judgement is about the machine, not the cameras or the network: a tile counts as
*struggling* in a tick only while its stream is open and libvlc decodes pictures from it (the
player is playing and its decoded count grew), and it is not live, or live at under half the
camera's rate, or dropping pictures as too late. A network cut, a dead hub or a stream of
garbage decodes nothing, so it never counts. The wall gives up when, in
the last `window_s`, at least half its tiles struggled in `give_up_share` of the ticks.
Headless core: no Qt; the caller ticks it (`start` schedules itself on an asyncio loop).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from console.media.feed import FeedState, FeedStatus
from console.media.frame import RenderPath
from console.wall.model import WallModel

log = logging.getLogger(__name__)


class GuardedFeed(Protocol):
    """What the guard reads of a feed (`LiveFeed` fits; its player is a `TilePlayer`)."""

    @property
    def state(self) -> FeedState: ...

    @property
    def expected_fps(self) -> float: ...

    @property
    def player(self) -> Any: ...


@dataclass(frozen=True)
class GuardTiming:
    tick_s: float = 1.0
    window_s: float = 30.0  # judged over the last 30 s, and not before 30 s of native video
    give_up_share: float = 2 / 3  # 20 of the 30 ticks ...
    tiles_share: float = 0.5  # ... with at least half the wall's tiles struggling
    slow_share: float = 0.5  # live at under half the camera's rate is struggling
    late_share: float = 0.25  # so is dropping a quarter of the camera's pictures as too late


class NativeWallGuard:
    """Watches one wall; calls `on_give_up(reason)` once, when the native path cannot keep it."""

    def __init__(
        self,
        wall: WallModel,
        feeds: Callable[[], Sequence[GuardedFeed]],
        on_give_up: Callable[[str], None],
        timing: GuardTiming | None = None,
    ) -> None:
        self._wall = wall
        self._feeds = feeds
        self._on_give_up = on_give_up
        self._t = timing or GuardTiming()
        self._ticks: deque[tuple[bool, int, int, int]] = deque(maxlen=self._window_ticks)
        # id(feed) -> (generation, late count, decoded count) at the last tick
        self._seen: dict[int, tuple[int, int, int]] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.gave_up = False

    @property
    def _window_ticks(self) -> int:
        return max(1, round(self._t.window_s / self._t.tick_s))

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._loop = None

    def _schedule(self) -> None:
        if self._loop is not None and not self.gave_up:
            self._handle = self._loop.call_later(self._t.tick_s, self._tick)

    def _tick(self) -> None:
        self.tick()
        self._schedule()

    def _struggling(self, feed: GuardedFeed) -> tuple[bool, bool, bool]:
        """(struggling, because of late pictures, because not live) for one feed, this tick."""
        player = feed.player
        if player is None:
            return False, False, False
        generation = int(getattr(player, "generation", 0))
        late_now = int(getattr(player, "late_count", 0))
        decoded_now = int(getattr(player, "decoded_count", 0))
        seen = self._seen.get(id(feed))
        if seen is None or seen[0] != generation:
            seen = (generation, 0, 0)
        late, decoded = late_now - seen[1], decoded_now - seen[2]
        self._seen[id(feed)] = (generation, late_now, decoded_now)
        if not getattr(player, "is_playing", False) or decoded <= 0:
            return False, False, False  # nothing to show: the network's, hub's or camera's
        expected = feed.expected_fps * self._t.tick_s
        state = feed.state
        not_live = state.status is not FeedStatus.LIVE
        slow = (
            not not_live
            and state.fps is not None
            and state.fps < self._t.slow_share * feed.expected_fps
        )
        too_late = late >= max(2.0, self._t.late_share * expected)
        return not_live or slow or too_late, too_late, not_live

    def tick(self) -> None:
        """One look at the wall (every `tick_s` once started; tests call it directly)."""
        if self.gave_up or self._wall.render_path != RenderPath.NATIVE:
            self._ticks.clear()
            return
        feeds = list(self._feeds())
        if not feeds:
            self._ticks.clear()
            return
        looks = [self._struggling(f) for f in feeds]
        struggling = sum(1 for s, _, _ in looks if s)
        need = max(1, math.ceil(self._t.tiles_share * len(feeds)))
        self._ticks.append(
            (
                struggling >= need,
                sum(1 for _, late, _ in looks if late),
                sum(1 for _, _, not_live in looks if not_live),
                len(feeds),
            )
        )
        if len(self._ticks) < self._window_ticks:
            return
        bad = [t for t in self._ticks if t[0]]
        if len(bad) < self._t.give_up_share * self._window_ticks:
            return
        self.gave_up = True
        tiles = max(t[3] for t in self._ticks)
        if sum(t[1] for t in bad) >= sum(t[2] for t in bad):
            why = "pictures arrive too late to show"
        else:
            why = "tiles keep losing and reconnecting their video"
        reason = (
            f"this computer cannot keep {tiles} video windows live on the native-window path "
            f"({why}); the wall now uses the composited path, which costs less per tile"
        )
        log.warning("%s", reason)
        self._on_give_up(reason)
