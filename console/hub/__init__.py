"""The hub client library: one async interface to any video hub.

Import the interface, models, errors and registry from here; drivers are loaded by the
registry when a configuration names them (so importing this package loads no vendor library).
"""

from console.hub.base import HubClient
from console.hub.errors import (
    HubAuthFailed,
    HubConnectionLost,
    HubError,
    HubHttpError,
    HubNotFound,
    HubProtocolError,
    HubUnreachable,
)
from console.hub.facets import AlertsFacet, BookmarksFacet, PtzFacet, RecordingsFacet
from console.hub.models import Camera, HubEvent, HubInfo, StreamEndpoint, StreamProfile
from console.hub.registry import (
    HubConfig,
    UnknownDriverError,
    create_client,
    known_drivers,
    register_driver,
)
from console.hub.retry import Backoff, retry
from console.hub.subscription import EventSubscription

__all__ = [
    "AlertsFacet",
    "Backoff",
    "BookmarksFacet",
    "Camera",
    "EventSubscription",
    "HubAuthFailed",
    "HubClient",
    "HubConfig",
    "HubConnectionLost",
    "HubError",
    "HubEvent",
    "HubHttpError",
    "HubInfo",
    "HubNotFound",
    "HubProtocolError",
    "HubUnreachable",
    "PtzFacet",
    "RecordingsFacet",
    "StreamEndpoint",
    "StreamProfile",
    "UnknownDriverError",
    "create_client",
    "known_drivers",
    "register_driver",
    "retry",
]
