"""What a libvlc player may keep in memory: the options that bound it (docs/performance.md,
"Memory over time")."""

from __future__ import annotations

from console.media.engine import MediaSettings
from console.media.player import RenderPath


def _value(args: list[str], name: str) -> int:
    return int(next(a for a in args if a.startswith(f"--{name}=")).split("=", 1)[1])


def test_a_player_keeps_at_most_a_mebibyte_of_stream_bytes_ahead_of_its_demuxer():
    for path in (RenderPath.COMPOSITED, RenderPath.NATIVE):
        args = MediaSettings().instance_args(path)
        # libvlc's default is 16 MiB per stream, all of it resident after a few minutes of video.
        assert _value(args, "prefetch-buffer-size") * 1024 <= 1024 * 1024
        # The ring is never smaller than one read: the read size must fit in it.
        assert _value(args, "prefetch-read-size") <= _value(args, "prefetch-buffer-size") * 1024
