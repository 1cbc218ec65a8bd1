"""Who the console is signed in as on a hub, and what that operator may do (issue 17).

A hub that asks for sign-in (`HubInfo.sign_in == "required"`) issues a session token for a name
and password, a wall display's token, or the one-time secret the console hands the embedded
demo hub at start. Every request then carries the token; the operator's name comes from it, not
from anything the console claims. What the operator may do is the hub's answer
(`SessionInfo.rights`), per camera, and the hub enforces it: the console only shows it.

`HubAuth` is the token holder that every client made from one `HubConfig` shares (the main
client and the PTZ stop line), so signing in as someone else changes them all at once. It is
kept in memory only; where it is kept across runs is `console.identity`'s business (the OS
keyring, never a file).

`SessionFacet` is what a driver whose hub has sign-in offers. Plain data and an ABC: no I/O.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from console.base.safe_text import clean_text

__all__ = [
    "RIGHTS",
    "RIGHT_WORDS",
    "HubAuth",
    "SessionFacet",
    "SessionInfo",
    "SignedIn",
]

# The hub API's rights (docs/hub-api.md, "Sign-in and rights").
RIGHTS = (
    "view",
    "playback",
    "bookmark",
    "export",
    "ptz",
    "ptz_priority",
    "alarms",
    "unmask",
    "admin",
    "masks",
)
# What each right lets an operator do, in the words the console uses to say why not.
RIGHT_WORDS = {
    "view": "watch",
    "playback": "play back recordings of",
    "bookmark": "bookmark",
    "export": "export video of",
    "ptz": "steer",
    "ptz_priority": "take PTZ priority on",
    "alarms": "acknowledge or close alarms of",
    "unmask": "lift privacy masks on",
    "admin": "manage operators on",
    "masks": "set the privacy masks of",
}


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """The signed-in operator as the hub described it (untrusted text already cleaned).

    `rights_all`: rights on every camera; `camera_rights`: per camera id, the rights on it, for
    every camera the operator may see at all (a camera absent there is not the operator's to
    see). `expires`: Unix time the session ends.
    """

    user: str
    role: str
    expires: float
    rights_all: frozenset[str] = frozenset()
    camera_rights: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def may(self, right: str, camera_id: str | None = None) -> bool:
        """Whether the hub lets this operator do `right` (on `camera_id`, when given)."""
        if camera_id is None:
            return right in self.rights_all or any(
                right in rights for rights in self.camera_rights.values()
            )
        rights = self.camera_rights.get(camera_id)
        if rights is None:
            return False
        return right in rights

    def why_not(self, right: str, camera_name: str | None = None) -> str:
        """A plain sentence saying that this operator may not do `right`."""
        what = RIGHT_WORDS.get(right, right.replace("_", " "))
        where = f" {camera_name}" if camera_name else " this camera"
        return f"Signed in as {self.user} ({self.role}): you may not {what}{where}."

    def describe(self) -> str:
        return f"{self.user} ({self.role})"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the token (a secret: never logged, never in a file) and who it is."""

    token: str = field(repr=False)
    info: SessionInfo


class HubAuth:
    """The session token shared by every client of one hub config, with a hook for refusals.

    `token` is read on every request (any thread: a lock guards it). `on_refused(reason)` is
    called (on the client's loop) when the hub answers 401 to a request that carried a token:
    "expired", "revoked", "invalid" or "missing". Kept out of reprs and logs.
    """

    def __init__(self, token: str | None = None) -> None:
        self._lock = threading.Lock()
        self._token = token
        self._listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        return f"HubAuth(signed_in={self.token is not None})"

    @property
    def token(self) -> str | None:
        with self._lock:
            return self._token

    def set_token(self, token: str | None) -> None:
        with self._lock:
            self._token = token

    def on_refused(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def refused(self, token: str, reason: str) -> None:
        """The hub refused `token` (only the current token's refusal is reported)."""
        if token != self.token:
            return
        for listener in list(self._listeners):
            listener(reason)


class SessionFacet(ABC):
    """Sign-in on a hub that asks for it. Each call may raise the usual HubErrors; a refused
    sign-in raises `HubAuthFailed` with the hub's plain reason."""

    @abstractmethod
    async def sign_in(self, user: str, password: str) -> SignedIn:
        """A session for a name and password. The token is not used until `use_token`."""

    @abstractmethod
    async def sign_in_display(self, display_token: str) -> SignedIn:
        """A session for a wall display's token."""

    @abstractmethod
    async def sign_in_bootstrap(self, secret: str) -> SignedIn:
        """The embedded hub's session for the one-time secret the console gave it."""

    @abstractmethod
    async def session_info(self) -> SessionInfo:
        """Who the current token is (HubAuthFailed when it is no longer valid)."""

    @abstractmethod
    async def sign_out(self) -> None:
        """End the current token's session on the hub (it is revoked there)."""


def parse_rights(value: object, where: str) -> frozenset[str]:
    """A list of right names; unknown names are kept (a newer hub), junk is refused."""
    if not isinstance(value, list) or len(value) > 64:
        raise ValueError(f"{where}: not a list of rights")
    rights = set()
    for item in value:
        if not isinstance(item, str) or not item or len(item) > 64:
            raise ValueError(f"{where}: a right is not a short string")
        rights.add(clean_text(item))
    return frozenset(rights)
