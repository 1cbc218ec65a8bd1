"""Typed errors of the hub client library.

Every driver raises only these. Each error carries a technical message (for logs; any URL in it
is redacted) and an `operator_message` in plain words for the UI: no jargon, no secrets.
`retryable` says whether trying again later can help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.base.redact import redact_text
from console.base.safe_text import isolate

if TYPE_CHECKING:
    from console.hub.models import PtzLock


class HubError(Exception):
    """Base of all hub client errors."""

    default_operator_message = "Something went wrong while talking to the video hub."

    def __init__(self, message: str, *, operator_message: str | None = None) -> None:
        self.message = redact_text(message)
        self.operator_message = redact_text(operator_message or self.default_operator_message)
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        return False


class HubUnreachable(HubError):  # noqa: N818 (names of the public API)
    """The hub could not be reached: connection refused, DNS failure, or no answer in time."""

    default_operator_message = (
        "The video hub cannot be reached. Check that it is running and that this workstation "
        "is connected to the network."
    )

    @property
    def retryable(self) -> bool:
        return True


class HubConnectionLost(HubError):  # noqa: N818 (names of the public API)
    """The connection dropped in the middle of an answer, or the event channel went away."""

    default_operator_message = "The connection to the video hub was lost. Reconnecting."

    @property
    def retryable(self) -> bool:
        return True


class HubAuthFailed(HubError):  # noqa: N818 (names of the public API)
    """The hub or camera refused the user name or password (HTTP 401, an ONVIF NotAuthorized)."""

    default_operator_message = (
        "The video source refused the user name or password. Check them in Sources."
    )


class HubSignInRequired(HubAuthFailed):
    """A hub with sign-in refused the request's session (HTTP 401): none was sent, or it
    expired, was revoked (signed out, or by a supervisor) or is unknown. `reason` is one of
    "missing", "expired", "revoked", "invalid" (anything else the hub says becomes "invalid")."""

    REASONS = ("missing", "expired", "revoked", "invalid")
    _MESSAGES = {
        "missing": "The video hub asks you to sign in.",
        "expired": "Your session on the video hub has ended. Sign in again.",
        "revoked": "You were signed out of the video hub. Sign in again.",
        "invalid": "The video hub does not accept this session. Sign in again.",
    }

    def __init__(self, message: str, *, reason: str = "invalid") -> None:
        self.reason = reason if reason in self.REASONS else "invalid"
        super().__init__(message, operator_message=self._MESSAGES[self.reason])


class HubSignInFailed(HubAuthFailed):
    """The hub refused a name and password (or a display token, or the start-up secret).
    `retry_after_s`: after too many attempts, how long the hub refuses this name."""

    default_operator_message = "The name or password is not right."

    def __init__(
        self, message: str, *, operator_message: str | None = None, retry_after_s: float = 0.0
    ) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message, operator_message=operator_message)


class HubForbidden(HubAuthFailed):
    """The signed-in operator may not do this (HTTP 403): the hub enforces the operator's role
    and per-camera rights. `right` and `camera_id` say which, when the hub said."""

    default_operator_message = "Your role on the video hub does not allow this."

    def __init__(
        self,
        message: str,
        *,
        right: str | None = None,
        camera_id: str | None = None,
        operator_message: str | None = None,
    ) -> None:
        self.right = right
        self.camera_id = camera_id
        super().__init__(message, operator_message=operator_message)


class HubCertificateError(HubError):
    """An https hub's certificate is not trusted: not signed by an authority this computer
    trusts (`changed` False: the operator may check and confirm `fingerprint`), or different
    from the one the operator confirmed before (`changed` True: refused)."""

    def __init__(self, message: str, *, fingerprint: str | None, changed: bool) -> None:
        self.fingerprint = fingerprint
        self.changed = changed
        if changed:
            words = (
                "The video hub's certificate is not the one you confirmed before, so the "
                "console does not connect: someone may be between you and the hub. Ask the "
                "hub's administrator whether its certificate was replaced."
            )
        else:
            words = (
                "The video hub's certificate is not signed by an authority this computer "
                "trusts. Compare its fingerprint with the one the hub's administrator gives you "
                "before you trust it."
            )
        super().__init__(message, operator_message=words)


class HubProtocolError(HubError):
    """The hub answered something this console does not understand (never retried)."""

    default_operator_message = (
        "The video hub sent an answer this console does not understand. The hub may need an "
        "update, or it is not a supported hub."
    )

    def __init__(
        self, message: str, *, field: str | None = None, operator_message: str | None = None
    ) -> None:
        self.field = field
        super().__init__(message, operator_message=operator_message)


class HubHttpError(HubError):
    """The hub answered with an HTTP error status. 5xx can be retried, 4xx cannot."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str = "",
        *,
        operator_message: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        detail = (
            f"HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
        )
        if operator_message is None:
            operator_message = (
                "The video hub had a problem answering. It may recover by itself."
                if status >= 500
                else "The video hub refused the request."
            )
        super().__init__(detail, operator_message=operator_message)
        # Keep the hub's own words (redacted) apart from the composed detail.
        self.server_message = redact_text(message)

    @property
    def retryable(self) -> bool:
        return self.status >= 500


class HubNotFound(HubHttpError):  # noqa: N818 (names of the public API)
    """The hub does not know the camera, profile or resource that was asked for (HTTP 404)."""

    def __init__(
        self,
        status: int = 404,
        code: str | None = "not_found",
        message: str = "",
        *,
        operator_message: str | None = None,
    ) -> None:
        super().__init__(
            status,
            code,
            message,
            operator_message=operator_message
            or "The video hub does not have this camera or stream (any more).",
        )


class HubNotSupported(HubHttpError):  # noqa: N818 (names of the public API)
    """The camera (or the driver) cannot do what was asked: code `not_supported`."""

    def __init__(
        self,
        status: int = 400,
        code: str | None = "not_supported",
        message: str = "",
        *,
        operator_message: str | None = None,
    ) -> None:
        super().__init__(
            status,
            code,
            message or "not supported",
            operator_message=operator_message or "This camera cannot do that.",
        )


class HubPtzLocked(HubHttpError):  # noqa: N818 (names of the public API)
    """Another operator holds the camera's PTZ lock (HTTP 409 `ptz_locked`).

    `lock` says who holds it (None when the hub did not say or said it in a way this console
    does not understand).
    """

    def __init__(
        self,
        status: int = 409,
        code: str | None = "ptz_locked",
        message: str = "",
        *,
        lock: PtzLock | None = None,
        operator_message: str | None = None,
    ) -> None:
        self.lock = lock
        super().__init__(
            status,
            code,
            message or "PTZ is locked by another operator",
            operator_message=operator_message or ptz_locked_message(lock),
        )


def ptz_locked_message(lock: PtzLock | None) -> str:
    """Plain words naming who holds a PTZ lock, with the local time they took it."""
    if lock is None:
        return "PTZ of this camera is held by another operator."
    since = lock.since.astimezone().strftime("%H:%M")
    # The name is the hub's text: isolated, so a right-to-left name cannot reorder the sentence.
    return f"PTZ is held by {isolate(lock.operator)} since {since}."


class HubPrivateCamera(HubForbidden):
    """A private camera's owner does not share this (HTTP 403, issue 18): `code` says why:
    `access_request_required` (on request, no grant in force), `live_not_shared` (recordings
    only), `registry_only` (no video at all). The hub's message is the operator's."""

    default_operator_message = "The owner of this private camera does not share this video."
    CODES = frozenset({"access_request_required", "live_not_shared", "registry_only"})

    def __init__(
        self,
        message: str,
        *,
        code: str,
        camera_id: str | None = None,
        operator_message: str | None = None,
    ) -> None:
        self.code = code
        super().__init__(message, camera_id=camera_id, operator_message=operator_message)
