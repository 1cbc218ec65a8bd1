"""Private cameras on the demo hub: what each sharing tier lets out, and the access grants.

A camera with an owner (`CameraSpec.sharing`) is private. Its owner's tier decides what the hub
hands out, on every route that gives video (stream URL, playback URL, and the `.ts` streams
themselves, whose tickets are checked again when they are opened):

- `live`: live video at all times; recordings only under a grant.
- `on_request`: no video without a grant. An operator asks for one with a reason and a case
  number (`POST /api/v1/cameras/{id}/access-requests`); the demo hub grants at once, for
  `GRANT_S`, to an operator holding the `playback` right on the camera (seeing a private
  camera is an investigation, not watching), and refuses others in plain words.
- `recordings_only`: never live; recordings with the `playback` right.
- `registry_only`: the hub knows where the camera is, and gives no video at all.

Grants are per operator and camera (with sign-in off, the hub cannot tell operators apart: a
grant opens the camera to every client until it ends). They live in memory only: a restart
ends them, which errs on the owner's side. Loop thread only.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from demohub.cameras import CameraSpec

__all__ = [
    "GRANT_S",
    "MAX_ACCESS_REQUEST_BODY",
    "MAX_CASE_CHARS",
    "MAX_REASON_CHARS",
    "AccessGrant",
    "ConsentBook",
    "ConsentRefusedError",
    "parse_access_request",
]

GRANT_S = 15 * 60.0
MAX_REASON_CHARS = 500
MAX_CASE_CHARS = 64
MAX_ACCESS_REQUEST_BODY = 4096
MAX_GRANTS = 10000  # all operators together; the oldest ended ones go first


class ConsentRefusedError(Exception):
    """403 (400 for a malformed request): the tier does not let this out; `code` names why."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class AccessGrant:
    id: str
    camera_id: str
    operator: str | None
    reason: str
    case: str
    granted_at: float  # Unix time
    until: float  # Unix time

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "camera_id": self.camera_id,
            "operator": self.operator,
            "reason": self.reason,
            "case": self.case,
            "granted_at": _iso(self.granted_at),
            "granted_until": _iso(self.until),
            "expires_in_s": max(0, math.ceil(self.until - time.time())),
        }


def _iso(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def parse_access_request(raw: bytes) -> tuple[str, str]:
    """(reason, case) of a request body `{"reason": str, "case": str}`, strictly (400s in
    plain words otherwise)."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ConsentRefusedError("bad_request", "the body is not valid JSON", 400) from None
    if not isinstance(data, dict) or set(data) - {"reason", "case"}:
        raise ConsentRefusedError(
            "bad_request", 'the body must be {"reason": "...", "case": "..."}', 400
        )
    reason, case = data.get("reason"), data.get("case", "")
    if not isinstance(reason, str) or not reason.strip():
        raise ConsentRefusedError("bad_request", "say why you need to see this camera", 400)
    if len(reason) > MAX_REASON_CHARS or not reason.isprintable():
        raise ConsentRefusedError(
            "bad_request", f"the reason is at most {MAX_REASON_CHARS} printable characters", 400
        )
    if not isinstance(case, str) or len(case) > MAX_CASE_CHARS or not case.isprintable():
        raise ConsentRefusedError(
            "bad_request", f"the case is at most {MAX_CASE_CHARS} printable characters", 400
        )
    return " ".join(reason.split()), case.strip()


class ConsentBook:
    """The grants in force, and what each tier lets out (`check`)."""

    def __init__(self, grant_s: float = GRANT_S, clock: Callable[[], float] = time.time) -> None:
        self.grant_s = grant_s
        self.clock = clock
        self._grants: dict[tuple[str | None, str], AccessGrant] = {}

    def grant(
        self, camera: CameraSpec, operator: str | None, reason: str, case: str
    ) -> AccessGrant:
        """A grant for `operator` on `camera` (ConsentRefusedError for a camera that cannot be
        granted: a public one needs none, a registry-only one gives no video)."""
        tier = camera.tier
        if tier == "public":
            raise ConsentRefusedError(
                "not_private", f"{camera.name} is not a private camera: no request is needed.", 409
            )
        if tier == "registry_only":
            raise ConsentRefusedError(
                "registry_only",
                f"The owner of {camera.name} shares no video: only where it is.",
            )
        now = self.clock()
        self._forget_ended(now)
        grant = AccessGrant(
            secrets.token_urlsafe(9), camera.id, operator, reason, case, now, now + self.grant_s
        )
        self._grants[(operator, camera.id)] = grant
        return grant

    def active(self, operator: str | None) -> list[AccessGrant]:
        now = self.clock()
        return [g for (who, _), g in self._grants.items() if who == operator and g.until > now]

    def granted(self, camera_id: str, operator: str | None) -> AccessGrant | None:
        grant = self._grants.get((operator, camera_id))
        return grant if grant is not None and grant.until > self.clock() else None

    def check(
        self, camera: CameraSpec, kind: str, operator: str | None, *, anyone: bool = False
    ) -> AccessGrant | None:
        """Whether `operator` may have `kind` ("live" or "playback") video of `camera`: returns
        the grant it rests on (None: the tier needs none), else ConsentRefusedError with the
        code the contract names. `anyone`: sign-in is off, any operator's grant counts."""
        tier = camera.tier
        if tier == "public":
            return None
        if tier == "registry_only":
            raise ConsentRefusedError(
                "registry_only",
                f"The owner of {camera.name} shares no video: the hub knows only where it is.",
            )
        if tier == "recordings_only":
            if kind == "live":
                raise ConsentRefusedError(
                    "live_not_shared",
                    f"The owner of {camera.name} shares recordings only, no live video.",
                )
            return None
        if tier == "live" and kind == "live":
            return None
        grant = self._any_grant(camera.id) if anyone else self.granted(camera.id, operator)
        if grant is None:
            what = "its recordings" if kind == "playback" else "its video"
            raise ConsentRefusedError(
                "access_request_required",
                f"{camera.name} is a private camera: to see {what}, request access with a "
                "reason first.",
            )
        return grant

    def _any_grant(self, camera_id: str) -> AccessGrant | None:
        now = self.clock()
        return next(
            (g for (_, c), g in self._grants.items() if c == camera_id and g.until > now), None
        )

    def _forget_ended(self, now: float) -> None:
        if len(self._grants) < MAX_GRANTS:
            return
        for key in [k for k, g in self._grants.items() if g.until <= now]:
            del self._grants[key]
        while len(self._grants) >= MAX_GRANTS:
            self._grants.pop(next(iter(self._grants)))
