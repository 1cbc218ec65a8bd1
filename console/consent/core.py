"""What a private camera lets this operator see now, and the access requests that open it.

The hub says each camera's owner and sharing tier (`Camera.sharing`) and enforces it; this core
decides what the tiles show, so the console never asks for video the owner does not share:

- public, and `live` private cameras: live video.
- `on_request`: no video until a request with a reason is granted; video until the grant ends;
  then "access ended" (a timer fires at the end, the feed stops, the tile says so).
- `recordings_only`: no live video ("Recordings only"); playback is allowed.
- `registry_only` (and any tier this console does not know): no video at all, only who owns
  the camera and where it is.

Every access is told through `accessed(action, camera_id, details)`, which the composition root
turns into audit entries (console.app.audit_wiring): `private_access.requested`, `.granted`,
`.refused`, `.live` (a private camera's live video starts on a wall) and `.ended`. The hub keeps
its own entries too. Runs on the console's loop thread; no Qt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from console.base.signals import Signal
from console.hub.consent_facet import AccessGrant, ConsentFacet
from console.hub.errors import HubError
from console.hub.models import (
    TIER_LIVE,
    TIER_ON_REQUEST,
    TIER_RECORDINGS_ONLY,
    Camera,
)
from console.identity.reasons import Reason

log = logging.getLogger(__name__)

__all__ = ["LiveVerdict", "PrivateAccess", "TileConsent"]

REASON_ACTION = "private_access"


class LiveVerdict(Enum):
    PLAY = "play"  # live video may play
    NEEDS_REQUEST = "needs_request"  # on request, no grant yet
    ACCESS_ENDED = "access_ended"  # on request, the grant has ended
    RECORDINGS_ONLY = "recordings_only"  # never live; playback allowed
    REGISTRY_ONLY = "registry_only"  # no video at all


@dataclass(frozen=True, slots=True)
class TileConsent:
    """What a tile shows for one camera: `verdict`, plain words (`text`), and the grant's end
    for a granted on-request camera."""

    verdict: LiveVerdict
    text: str = ""
    owner: str = ""
    location: str = ""
    granted_until: datetime | None = None
    may_request: bool = False  # a request can open it (the hub has the facet)
    private: bool = True  # a camera with an owner (False: public)


_PUBLIC = TileConsent(LiveVerdict.PLAY, private=False)


class PrivateAccess:
    """The consent state of every camera of one hub. `changed(camera_id)` fires when a camera's
    verdict changes (a grant given or ended); `accessed(action, camera_id, details)` for the
    audit."""

    def __init__(
        self,
        camera_of: Callable[[str], Camera | None],
        facet: ConsentFacet | None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._camera_of = camera_of
        self._facet = facet
        self._clock = clock
        self._grants: dict[str, AccessGrant] = {}
        self._ended: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.changed = Signal()  # (camera_id)
        self.accessed = Signal()  # (action, camera_id, details dict)

    @property
    def can_request(self) -> bool:
        return self._facet is not None

    # -- reading ---------------------------------------------------------------------------------
    def state(self, camera_id: str, *, playback: bool = False) -> TileConsent:
        """The verdict on live video, or with `playback` on the camera's recordings (a
        recordings-only camera plays back; a live-shared one needs a grant for its past)."""
        camera = self._camera_of(camera_id)
        sharing = camera.sharing if camera is not None else None
        if camera is None or sharing is None:
            return _PUBLIC
        owner = sharing.owner or "an owner the hub does not name"
        where = camera.location or "a place the hub does not say"
        tier = sharing.tier
        if tier == TIER_LIVE and not playback:
            return TileConsent(LiveVerdict.PLAY, f"Private · shared live by {owner}", owner, where)
        if tier == TIER_RECORDINGS_ONLY:
            if playback:
                return TileConsent(
                    LiveVerdict.PLAY, f"Private · recordings of {owner}", owner, where
                )
            return TileConsent(
                LiveVerdict.RECORDINGS_ONLY,
                f"Recordings only: {owner} shares no live video. Play back its recordings.",
                owner,
                where,
            )
        if tier in (TIER_ON_REQUEST, TIER_LIVE):
            return self._on_request(camera_id, owner, where)
        unknown = (
            f" (the hub says tier {sharing.unknown_tier!r}, which this console does not know)"
            if sharing.unknown_tier
            else ""
        )
        return TileConsent(
            LiveVerdict.REGISTRY_ONLY,
            f"Registry only: owner {owner}, location {where}; no video is shared{unknown}.",
            owner,
            where,
        )

    def _on_request(self, camera_id: str, owner: str, where: str) -> TileConsent:
        grant = self.grant(camera_id)
        if grant is not None:
            return TileConsent(
                LiveVerdict.PLAY,
                f"Private · access granted until {grant.until:%H:%M}",
                owner,
                where,
                granted_until=grant.until,
            )
        ended = camera_id in self._ended
        verdict = LiveVerdict.ACCESS_ENDED if ended else LiveVerdict.NEEDS_REQUEST
        first = "Access ended" if ended else "Access needs a request"
        how = (
            "request access with a reason to see it"
            if self.can_request
            else "this hub takes no access requests from this console"
        )
        return TileConsent(
            verdict,
            f"{first}: a private camera of {owner}; {how}.",
            owner,
            where,
            may_request=self.can_request,
        )

    def may_play_live(self, camera_id: str) -> bool:
        return self.state(camera_id).verdict is LiveVerdict.PLAY

    def grant(self, camera_id: str) -> AccessGrant | None:
        grant = self._grants.get(camera_id)
        return grant if grant is not None and grant.until > self._clock() else None

    def remaining_s(self, camera_id: str) -> float | None:
        grant = self.grant(camera_id)
        return None if grant is None else (grant.until - self._clock()).total_seconds()

    # -- acting ----------------------------------------------------------------------------------
    async def request(self, camera_id: str, reason: Reason) -> str | None:
        """Ask the hub for access with `reason`; None once granted, else why not (plain words).
        Both the request and its answer are told to the audit."""
        problem = reason.problem()
        if problem is not None:
            return problem
        if self._facet is None:
            return "This hub takes no access requests from this console."
        details = reason.details()
        self.accessed.emit("private_access.requested", camera_id, dict(details))
        words = details["reason"] + (" · " if details["reason"] and details["words"] else "")
        words += details["words"]
        try:
            grant = await self._facet.request_private_access(camera_id, words, details["case"])
        except HubError as exc:
            message = exc.operator_message
            self.accessed.emit(
                "private_access.refused",
                camera_id,
                {"case": details["case"], "why": getattr(exc, "code", None) or str(exc)[:200]},
            )
            return message
        self._take(grant)
        self.accessed.emit(
            "private_access.granted",
            camera_id,
            {"case": details["case"], "grant": grant.id, "until": grant.until.isoformat()},
        )
        return None

    async def load_grants(self) -> None:
        """The grants the hub still holds for this operator (after a console restart)."""
        if self._facet is None:
            return
        try:
            grants = await self._facet.private_access_grants()
        except HubError as exc:
            log.info("private access: the grants could not be read: %s", exc)
            return
        for grant in grants:
            self._take(grant)

    def note_live(self, camera_id: str, wall: int) -> None:
        """A private camera's live video starts on a wall (the audit's live call-up)."""
        state = self.state(camera_id)
        if state.private and state.verdict is LiveVerdict.PLAY:
            details: dict[str, object] = {"wall": wall + 1}
            grant = self.grant(camera_id)
            if grant is not None:
                details["grant"] = grant.id
            self.accessed.emit("private_access.live", camera_id, details)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _take(self, grant: AccessGrant) -> None:
        camera_id = grant.camera_id
        left = (grant.until - self._clock()).total_seconds()
        if left <= 0:
            return
        self._grants[camera_id] = grant
        self._ended.discard(camera_id)
        old = self._timers.pop(camera_id, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self._timers[camera_id] = loop.call_later(left, self._end, camera_id, grant)
        self.changed.emit(camera_id)

    def _end(self, camera_id: str, grant: AccessGrant) -> None:
        """The grant's time is up: the tile goes back to "access ended" (its feed stops)."""
        if self._grants.get(camera_id) is not grant:
            return
        if grant.until > self._clock():  # the loop's timer ran early: look again then
            left = (grant.until - self._clock()).total_seconds()
            self._timers[camera_id] = asyncio.get_running_loop().call_later(
                left, self._end, camera_id, grant
            )
            return
        del self._grants[camera_id]
        self._timers.pop(camera_id, None)
        self._ended.add(camera_id)
        self.accessed.emit("private_access.ended", camera_id, {"grant": grant.id})
        self.changed.emit(camera_id)
