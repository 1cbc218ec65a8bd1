"""Sessions with the Tessera hubs among the sources (issue 17): signed in with the user name and
password each source keeps in the OS keyring, and kept signed in.

The single-hub path signs its operator in through a dialog (`console.identity`); a source is
set up once (`tessera sources add tessera ... --user NAME`, or the Sources dialog) and from
then on the console signs in to it by itself, as a wall display does. Per source:

- at start, when its hub asks for sign-in (`GET /api/v1/hub` says `sign_in: required`), one
  sign-in with the source's name and password; the token is shared by every client made from
  the source's config (`HubAuth`) and lives in memory only;
- a hub that does not answer yet is tried again in the background (backoff up to 30 s);
- a session the hub lets expire, or forgets (a restart without its state), is renewed at once;
- a session a supervisor *revoked* is not: the console says so and leaves the source signed
  out until the operator signs in again (reopens the console or edits the source), so a
  revocation means what it says;
- a refused password, or a hub that asks for sign-in from a source with no user name, is said
  once in plain words naming the source.

Headless core; runs on the console's asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from console.base.notices import Level, Notices
from console.hub.base import HubClient
from console.hub.errors import HubAuthFailed, HubError, HubSignInFailed
from console.hub.identity import HubAuth
from console.hub.registry import HubConfig, create_client
from console.media.feed import backoff_delay
from console.sources.model import SourceKind
from console.sources.runtime import PreparedSources

log = logging.getLogger(__name__)

__all__ = ["NOTICE_PREFIX", "SourceSession", "SourceSessions"]

NOTICE_PREFIX = "source-sign-in:"
# How long the start waits for each source's first sign-in before the walls open anyway.
FIRST_SIGN_IN_S = 5.0
RETRY_CAP_S = 30.0


class SourceSession:
    """One Tessera source's session: `run` signs in and keeps it (until `close`)."""

    def __init__(
        self,
        name: str,
        label: str,
        config: HubConfig,
        notices: Notices,
        *,
        make_client: Callable[[HubConfig], HubClient] = create_client,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.label = label
        self.auth = config.auth if config.auth is not None else HubAuth()
        self.config = dataclasses.replace(config, auth=self.auth)
        self._notices = notices
        self._make_client = make_client
        self._sleep = sleep
        self._refused = asyncio.Event()
        self._refusal = ""
        self.first_try = asyncio.Event()  # set once the first attempt has an outcome
        self.state = "starting"  # signed_in, not_needed, refused, revoked, waiting
        self.auth.on_refused(self._on_refused)

    def _on_refused(self, reason: str) -> None:
        self._refusal = reason
        self._refused.set()

    def _notice(self, text: str | None, level: Level = Level.WARNING) -> None:
        key = NOTICE_PREFIX + self.name
        if text is None:
            self._notices.withdraw(key)
        else:
            self._notices.post(text, level, key)

    async def run(self) -> None:
        attempt = 0
        while True:
            outcome = await self._try_once()
            self.first_try.set()
            if outcome == "retry":
                attempt += 1
                await self._sleep(backoff_delay(attempt, 2.0, RETRY_CAP_S))
                continue
            attempt = 0
            if outcome != "signed_in":
                return  # nothing more to do (no sign-in on this hub, or refused: said)
            self._refused.clear()
            await self._refused.wait()
            if self._refusal == "revoked":
                self.state = "revoked"
                self.auth.set_token(None)
                self._notice(
                    f"The hub of the source {self.label} ended this console's session (a "
                    "supervisor revoked it). Its cameras stay signed out until you sign in "
                    "again: reopen the console or edit the source."
                )
                return
            log.info("source %s: session %s; signing in again", self.name, self._refusal)

    async def _try_once(self) -> str:
        client = self._make_client(self.config)
        try:
            info = await client.info()
            if info.sign_in != "required":
                self.state = "not_needed"
                return "not_needed"
            facet = client.session_facet
            user, password = self.config.username, self.config.password
            if facet is None or not user or password is None:
                self.state = "refused"
                self._notice(
                    f"The hub of the source {self.label} asks for sign-in: give the source a "
                    "user name and password (Sources dialog, or `tessera sources add tessera "
                    "... --user NAME`)."
                )
                return "refused"
            signed = await facet.sign_in(user, password)
        except HubSignInFailed as exc:
            self.state = "refused"
            self._notice(
                f"The hub of the source {self.label} refused the sign-in as {user}: "
                f"{exc.operator_message} Set the source's password again in the Sources dialog."
            )
            return "refused"
        except HubAuthFailed as exc:  # a proxy in front of the hub refusing us
            self.state = "refused"
            self._notice(f"The source {self.label} refused this console: {exc.operator_message}")
            return "refused"
        except HubError as exc:
            self.state = "waiting"
            log.info("source %s: sign-in not possible yet: %s", self.name, exc)
            return "retry"
        finally:
            await client.close()
        self.auth.set_token(signed.token)
        self.state = "signed_in"
        self._notice(None)
        log.info("source %s: signed in as %s", self.name, signed.info.user)
        return "signed_in"


class SourceSessions:
    """The sessions of every Tessera source of `prepared` (their configs get the session's
    `HubAuth`, so build clients after `start`)."""

    def __init__(
        self,
        prepared: PreparedSources,
        notices: Notices,
        *,
        make_client: Callable[[HubConfig], HubClient] = create_client,
    ) -> None:
        self._tasks: list[asyncio.Task[None]] = []
        self.sessions: dict[str, SourceSession] = {}
        kinds = {s.name: s.kind for s in prepared.sources}
        for name, config in list(prepared.configs.items()):
            if kinds.get(name) is not SourceKind.TESSERA:
                continue
            session = SourceSession(
                name, prepared.labels.get(name, name), config, notices, make_client=make_client
            )
            self.sessions[name] = session
            prepared.configs[name] = session.config

    async def start(self, first_wait_s: float = FIRST_SIGN_IN_S) -> None:
        """Start every session and wait (at most `first_wait_s`) for their first attempts."""
        for name, session in self.sessions.items():
            self._tasks.append(asyncio.create_task(session.run(), name=f"source-session-{name}"))
        firsts = [asyncio.create_task(s.first_try.wait()) for s in self.sessions.values()]
        if firsts:
            _done, pending = await asyncio.wait(firsts, timeout=first_wait_s)
            for task in pending:
                task.cancel()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
