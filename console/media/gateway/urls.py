"""Which stream URLs go through the gateway, and the local URL a viewer gets for one."""

from __future__ import annotations

from urllib.parse import urlsplit

# Schemes the gateway reads (PyAV/FFmpeg's RTSP client; `rtsps` is RTSP over TLS).
GATEWAY_SCHEMES = frozenset({"rtsp", "rtsps"})


def scheme_of(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""


def needs_gateway(url: str, libvlc_opens_rtsp: bool) -> bool:
    """Whether a tile must play `url` through the stream gateway rather than hand it to libvlc.

    `rtsp://` does unless this libvlc has its own RTSP client (live555: official Windows and
    macOS builds; Debian's has none, see `console.media.engine.libvlc_opens_rtsp`).
    `rtsps://` always does: libvlc 3's live555 access does not speak RTSP over TLS.
    HTTP(S) streams (MJPEG, MPEG-TS, HLS) and files are played by libvlc directly.
    """
    scheme = scheme_of(url)
    if scheme == "rtsps":
        return True
    if scheme == "rtsp":
        return not libvlc_opens_rtsp
    return False
