"""The connection test of a source: reach it, sign in, list its cameras, say what happened in
plain words. STUB: the signatures are fixed, a helper fills in the bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from console.hub.models import Camera, HubInfo
from console.sources.model import SourceConfig


class ProbeOutcome(str, Enum):
    OK = "ok"
    UNREACHABLE = "unreachable"  # nothing answers at that address (or not in time)
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an outcome, not a password). The source refused the user name or password
    NOT_ONVIF = "not_onvif"  # something answers, but it is not an ONVIF device
    NO_CAMERAS = "no_cameras"  # reached and signed in, but no camera or no media profile
    NEEDS_PASSWORD = "needs_password"  # noqa: S105 (an outcome). No password given and none in the keyring
    ERROR = "error"  # anything else, with the plain-words reason


@dataclass(frozen=True)
class ProbeResult:
    outcome: ProbeOutcome
    message: str  # one or two sentences for the operator, no secrets
    hub: HubInfo | None = None
    cameras: tuple[Camera, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome is ProbeOutcome.OK


async def probe_source(
    source: SourceConfig,
    password: str | None,
    *,
    progress: Callable[[str], None] | None = None,
    timeout_s: float = 10.0,
) -> ProbeResult:
    """Test `source` with `password` (None: no password). `progress` gets short steps
    ("Connecting to 10.0.0.5:80…", "Signing in…", "Reading media profiles…"). Never raises for
    a failure of the source: the outcome says it."""
    raise NotImplementedError
