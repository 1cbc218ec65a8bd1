"""`TesseraConsentMixin`: the consent facet over the Tessera API v1 client's plumbing
(`/api/v1/cameras/{id}/access-requests`, `/api/v1/access-grants`).

Answers are untrusted: exact types, bounded sizes and counts; a grant whose camera is not the
one asked for, or whose time cannot be read, is a `HubProtocolError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from console.base.safe_text import clean_text
from console.hub.consent_facet import AccessGrant, ConsentFacet
from console.hub.errors import HubProtocolError
from console.hub.tessera_requests import TesseraRequests

__all__ = ["MAX_GRANT_S", "TesseraConsentMixin", "parse_grant"]

MAX_GRANTS = 1000
MAX_TEXT = 500
MAX_GRANT_S = 24 * 3600  # a longer grant is read as this long: the console re-asks sooner


def _bad(field: str, what: str) -> HubProtocolError:
    return HubProtocolError(f"access grant.{field}: {what}", field=f"access_grant.{field}")


def _str(doc: Mapping[str, Any], key: str, *, limit: int = MAX_TEXT, empty: bool = True) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str) or len(value) > limit or (not empty and not value):
        raise _bad(key, f"not a text of at most {limit} characters")
    return value


def parse_grant(payload: object, now: datetime | None = None) -> AccessGrant:
    """One AccessGrant answer; `until` from `expires_in_s` (the hub's clock may differ from
    ours), capped at MAX_GRANT_S."""
    if not isinstance(payload, dict):
        raise _bad("answer", "not a JSON object")
    seconds = payload.get("expires_in_s")
    if type(seconds) is not int or seconds < 0:
        raise _bad("expires_in_s", "not a whole number of seconds")
    start = now or datetime.now(timezone.utc)
    return AccessGrant(
        id=_str(payload, "id", limit=200, empty=False),
        camera_id=_str(payload, "camera_id", limit=256, empty=False),
        until=start + timedelta(seconds=min(seconds, MAX_GRANT_S)),
        reason=clean_text(_str(payload, "reason")),
        case=clean_text(_str(payload, "case", limit=64)),
    )


class TesseraConsentMixin(TesseraRequests, ConsentFacet):
    """The consent facet of a Tessera API v1 hub."""

    async def request_private_access(
        self, camera_id: str, reason: str, case: str = ""
    ) -> AccessGrant:
        body = {"reason": reason, "case": case}
        answer = await self._request_json("POST", ("cameras", camera_id, "access-requests"), body)
        grant = parse_grant(answer)
        if grant.camera_id != camera_id:
            raise _bad("camera_id", "not the camera asked for")
        return grant

    async def private_access_grants(self) -> list[AccessGrant]:
        answer = await self._request_json("GET", ("access-grants",))
        grants = answer.get("grants") if isinstance(answer, dict) else None
        if not isinstance(grants, list) or len(grants) > MAX_GRANTS:
            raise _bad("grants", f"not a list of at most {MAX_GRANTS} grants")
        now = datetime.now(timezone.utc)
        return [parse_grant(g, now) for g in grants]
