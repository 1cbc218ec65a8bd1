"""What a player reports about its stream (`TilePlayer.state_changed`), for whoever watches it
(the live feed, the alarm replay) without importing the libvlc adapter."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PlayerEventKind(enum.Enum):
    OPENING = "opening"
    PLAYING = "playing"
    VOUT = "vout"
    ERROR = "error"
    ENDED = "ended"
    STOPPED = "stopped"


@dataclass(frozen=True)
class PlayerEvent:
    kind: PlayerEventKind
    generation: int
    reason: str | None = None
