"""The operator's session on a hub with sign-in: signing in, out, locking, and what they may do.

`Identity` is the console's one answer to "who is at this desk, and what may they do here". It
owns the hub config's `HubAuth` (the token every client of that hub sends) and keeps:

- the session (`info`: name, role, rights per camera) as the hub described it; views ask
  `may(right, camera_id)` before offering an action and `why_not(...)` to say why it is not
  offered. The hub enforces the same rights: a view that forgot to ask gets a refusal.
- where the token lives between runs: the OS keyring only (`console.sources.credentials`), under
  `hub-session/<hub url without credentials>`; with no keyring the token stays in memory, the
  operator is told once, and the next start asks again (never a file). The embedded demo hub's
  session is never kept: it is made again from the one-time secret at every start.
- the lock: `lock()` hides the operator controls (the views cover them; the wall keeps playing);
  `unlock(password)` signs the same operator in again, which proves the password to the hub,
  and replaces the session.

Every method that talks to the hub or the keyring is a coroutine; keyring calls run in a thread
(D-Bus may block). Signals: `changed(info | None)` after every sign-in, sign-out or refusal;
`locked_changed(bool)`; `refused(plain message)` when the hub ends the session by itself
(expired, revoked by a supervisor).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from console.base.notices import Level, Notices
from console.base.redact import redact_url
from console.base.signals import Signal
from console.hub.errors import HubError, HubSignInFailed, HubSignInRequired
from console.hub.identity import HubAuth, SessionFacet, SessionInfo, SignedIn
from console.sources.credentials import Credentials, KeyringUnavailable

log = logging.getLogger(__name__)

__all__ = ["Identity", "RightsGate", "display_key", "no_refusal", "session_key"]

NOTICE_KEY = "sign-in"


def session_key(hub_url: str) -> str:
    """The keyring entry of a hub's session token."""
    return f"hub-session/{redact_url(hub_url.rstrip('/'))}"


def display_key(hub_url: str) -> str:
    """The keyring entry of a wall display's long-lived token for a hub."""
    return f"hub-display/{redact_url(hub_url.rstrip('/'))}"


class _Hidden:
    """A secret on its way between threads, with a repr that does not show it."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


class Identity:
    """Sign-in state for one hub. `facet` is the hub client's `session_facet`; `auth` the
    `HubAuth` of the config every client of that hub was made from."""

    def __init__(
        self,
        facet: SessionFacet,
        auth: HubAuth,
        hub_url: str,
        *,
        notices: Notices | None = None,
        credentials: Credentials | None = None,
        remember: bool = True,
    ) -> None:
        self._facet = facet
        self.auth = auth
        self.hub_url = hub_url
        self._notices = notices
        self._credentials = credentials
        self._remember = remember and credentials is not None
        self.info: SessionInfo | None = None
        self.locked = False
        # Awaited before the session changes hands (sign-out, another operator): the audit
        # trail sends what it journaled under the session that did it.
        self.before_change: Callable[[], Awaitable[object]] | None = None
        self.changed = Signal()
        self.locked_changed = Signal()
        self.refused = Signal()
        auth.on_refused(self._on_refused)

    # -- what the operator may do

    @property
    def signed_in(self) -> bool:
        return self.info is not None

    def may(self, right: str, camera_id: str | None = None) -> bool:
        """Whether the operator may do `right` now (nothing while locked or signed out)."""
        return self.info is not None and not self.locked and self.info.may(right, camera_id)

    def why_not(self, right: str, camera_name: str | None = None) -> str:
        if self.info is None:
            return "Sign in to the video hub first."
        if self.locked:
            return f"The console is locked. {self.info.user} can unlock it with the password."
        return self.info.why_not(right, camera_name)

    def refusal(
        self, right: str, camera_id: str | None = None, camera_name: str | None = None
    ) -> str | None:
        """None when the operator may do `right` (on `camera_id`); else why not, in words."""
        if self.may(right, camera_id):
            return None
        return self.why_not(right, camera_name)

    def bind(self, facet: SessionFacet) -> None:
        """Talk to the hub through this client from now on (the console's main client, once
        it exists; sign-in at start used a client of its own)."""
        self._facet = facet

    @property
    def operator(self) -> str | None:
        return None if self.info is None else self.info.user

    # -- signing in and out

    async def sign_in_bootstrap(self, secret: str) -> SessionInfo:
        """The embedded demo hub's session for the secret handed over at its start (not kept:
        the next start hands over a new one)."""
        signed = await self._facet.sign_in_bootstrap(secret)
        self._use(signed)
        return signed.info

    async def sign_in(self, user: str, password: str) -> SessionInfo:
        """Sign `user` in; the session replaces any other (which is signed out on the hub)."""
        signed = await self._facet.sign_in(user, password)
        await self._replace(signed)
        return signed.info

    async def sign_in_display(self, display_token: str, *, keep: bool = False) -> SessionInfo:
        """A wall display's session; with `keep`, its token goes to the keyring (once the hub
        accepted it) so the display signs in by itself at its next start."""
        signed = await self._facet.sign_in_display(display_token)
        await self._replace(signed)
        if keep and self._credentials is not None:
            try:
                await self._store_secret(display_key(self.hub_url), display_token)
            except KeyringUnavailable as exc:
                if self._notices is not None:
                    self._notices.post(exc.operator_message, Level.WARNING, NOTICE_KEY)
        return signed.info

    async def sign_in_kept_display(self) -> SessionInfo | None:
        """The wall display's token kept in the keyring, if any and still accepted."""
        token = await self._read_secret(display_key(self.hub_url))
        if not token:
            return None
        try:
            return await self.sign_in_display(token)
        except HubSignInFailed:
            return None

    async def resume(self) -> SessionInfo | None:
        """The session kept in the keyring from the last run, if the hub still honours it."""
        if not self._remember:
            return None
        token = await self._read_secret(session_key(self.hub_url))
        if not token:
            return None
        self.auth.set_token(token)
        try:
            info = await self._facet.session_info()
        except HubSignInRequired:
            self.auth.set_token(None)
            await self._forget()
            return None
        except HubError:
            self.auth.set_token(None)
            raise
        self.info = info
        self.changed.emit(info)
        return info

    async def sign_out(self) -> None:
        """End the session on the hub and forget its token everywhere."""
        await self._flush()
        if self.auth.token is not None:
            try:
                await self._facet.sign_out()
            except HubError as exc:
                # Still signed out here; the hub ends the session when it expires.
                log.info("sign-out: the hub did not answer (%s)", exc)
        self.auth.set_token(None)
        await self._forget()
        self.info = None
        self._set_locked(False)
        self.changed.emit(None)

    # -- the lock

    def lock(self) -> None:
        if self.info is not None:
            self._set_locked(True)

    async def unlock(self, password: str) -> SessionInfo:
        """Unlock with the signed-in operator's password (checked by the hub: a new session
        replaces the old one). Raises the hub's refusal (HubSignInFailed) unchanged."""
        if self.info is None:
            raise RuntimeError("nobody is signed in")
        info = await self.sign_in(self.info.user, password)
        self._set_locked(False)
        return info

    # -- internals

    def _use(self, signed: SignedIn) -> None:
        self.auth.set_token(signed.token)
        self.info = signed.info
        self.changed.emit(signed.info)

    async def _flush(self) -> None:
        if self.before_change is not None and self.auth.token is not None:
            try:
                await self.before_change()
            except Exception:
                log.exception("sign-in: what had to go before the session changed did not")

    async def _replace(self, signed: SignedIn) -> None:
        if self.info is not None and self.info.user != signed.info.user:
            await self._flush()
        old = self.auth.token
        if old is not None and old != signed.token:
            try:
                await self._facet.sign_out()  # still with the old token
            except HubError as exc:
                log.info("the previous session was not ended on the hub: %s", exc)
        self._use(signed)
        if self._remember and self._credentials is not None:
            await self._keep(signed.token)

    # Secrets cross to the keyring's thread inside closures and come back wrapped: qasync's
    # debug log shows every callback's arguments and every future's result.

    async def _read_secret(self, key: str) -> str | None:
        credentials = self._credentials
        if credentials is None:
            return None

        def read() -> _Hidden:
            return _Hidden(credentials.get(key))

        return (await asyncio.to_thread(read)).value

    async def _store_secret(self, key: str, secret: str) -> None:
        """KeyringUnavailable when there is no keyring to keep it in (never a file)."""
        credentials = self._credentials
        assert credentials is not None

        def store() -> None:
            credentials.require(key, secret)

        await asyncio.to_thread(store)

    async def _keep(self, token: str) -> None:
        try:
            await self._store_secret(session_key(self.hub_url), token)
        except KeyringUnavailable as exc:
            self._remember = False
            if self._notices is not None:
                self._notices.post(
                    f"{exc.operator_message} You stay signed in until the console closes; "
                    "the next start asks you to sign in again.",
                    Level.WARNING,
                    NOTICE_KEY,
                )

    async def _forget(self) -> None:
        if self._credentials is not None:
            await asyncio.to_thread(self._credentials.delete, session_key(self.hub_url))

    def _set_locked(self, locked: bool) -> None:
        if locked != self.locked:
            self.locked = locked
            self.locked_changed.emit(locked)

    def _on_refused(self, reason: str) -> None:
        """The hub refused the current token (called on the client's loop)."""
        if self.info is None:
            return
        message = HubSignInRequired("", reason=reason).operator_message
        log.info("the hub ended the session of %s (%s)", self.info.user, reason)
        self.info = None
        self.auth.set_token(None)
        self.changed.emit(None)
        self.refused.emit(message)
        if self._notices is not None:
            self._notices.post(message, Level.WARNING, NOTICE_KEY)


# `refusal(right, camera_id)`: None when allowed, else why not in plain words. What features
# take, so they need not know about sign-in (on a hub without it, nothing is refused).
RightsGate = Callable[[str, "str | None"], "str | None"]


def no_refusal(right: str, camera_id: str | None = None) -> str | None:
    """The gate of a hub without sign-in: the hub lets anyone do anything."""
    return None
