"""Media engine: libvlc players for tiles, their reaper, and the live-feed health machine."""

from console.media.engine import (
    HardwareDecoding,
    MediaEngine,
    MediaSettings,
    MediaUnavailable,
    NativeOutput,
)
from console.media.feed import FeedState, FeedStatus, FeedTiming, LiveFeed, backoff_delay
from console.media.player import Frame, PlayerEvent, PlayerEventKind, RenderPath, TilePlayer
from console.media.reaper import PlayerReaper

__all__ = [
    "FeedState",
    "FeedStatus",
    "FeedTiming",
    "Frame",
    "HardwareDecoding",
    "LiveFeed",
    "MediaEngine",
    "MediaSettings",
    "MediaUnavailable",
    "NativeOutput",
    "PlayerEvent",
    "PlayerEventKind",
    "PlayerReaper",
    "RenderPath",
    "TilePlayer",
    "backoff_delay",
]
