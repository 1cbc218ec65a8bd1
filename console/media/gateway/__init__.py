"""The stream gateway: RTSP cameras remuxed (no re-encoding) to HTTP on 127.0.0.1 for libvlc.

See README.md. `StreamGateway` and `needs_gateway` are the API of the composition root.
"""

from console.media.gateway.gateway import GatewayStats, StreamGateway
from console.media.gateway.upstream import SessionStats
from console.media.gateway.urls import needs_gateway

__all__ = ["GatewayStats", "SessionStats", "StreamGateway", "needs_gateway"]
