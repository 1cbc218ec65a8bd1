"""The consent facet: a hub with private cameras, whose on-request video needs an access request
with a reason (issue 18, section 3).

The hub grants for a limited time or refuses (`HubPrivateCamera`, a 403 with the reason in
words); it enforces each camera's tier on every route that gives video, whatever the console
shows. `console.consent` decides what the tiles show and audits each access.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

__all__ = ["AccessGrant", "ConsentFacet"]


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """Video of `camera_id` is handed to this operator until `until` (aware)."""

    id: str
    camera_id: str
    until: datetime
    reason: str = ""
    case: str = ""


class ConsentFacet(ABC):
    @abstractmethod
    async def request_private_access(
        self, camera_id: str, reason: str, case: str = ""
    ) -> AccessGrant:
        """Ask to see a private camera; the grant, or `HubPrivateCamera` / `HubForbidden`
        saying why not."""

    @abstractmethod
    async def private_access_grants(self) -> list[AccessGrant]:
        """This operator's grants in force (a console that restarts picks them up again)."""
