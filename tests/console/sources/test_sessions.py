"""The Tessera hubs among the sources sign in with their kept passwords and stay signed in
(console/sources/sessions.py): real demo hubs with sign-in over real sockets."""

from __future__ import annotations

import asyncio
import time

import pytest

from console.base.notices import Notices
from console.hub.errors import HubSignInRequired
from console.hub.registry import HubConfig, create_client
from console.sources.model import SourceConfig, SourceKind
from console.sources.runtime import PreparedSources
from console.sources.sessions import NOTICE_PREFIX, SourceSessions
from tests.support.hubthread import DEMO_PASSWORDS

pytestmark = pytest.mark.timeout(60)


class FakeClock:
    """The hub's session clock, moved by the test (sessions expire without waiting 12 h)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def prepared(url: str, user: str = "", password: str | None = None) -> PreparedSources:
    source = SourceConfig("north", SourceKind.TESSERA, url, username=user, label="North hub")
    config = HubConfig(url=url, driver="tessera", username=user or None, password=password)
    return PreparedSources([source], {"north": config}, {"north": "North hub"})


def notices_text(notices: Notices) -> list[str]:
    return [n.text for n in notices.items if n.key and n.key.startswith(NOTICE_PREFIX)]


async def until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_a_source_signs_in_with_its_password_and_renews_an_expired_session(hub_factory):
    clock = FakeClock()
    hub = hub_factory(sign_in=True, session_clock=clock, session_lifetime_s=60)

    async def main() -> None:
        ready = prepared(hub.url, "investigator", DEMO_PASSWORDS["investigator"])
        sessions = SourceSessions(ready, Notices())
        await sessions.start()
        session = sessions.sessions["north"]
        assert session.state == "signed_in"
        client = create_client(ready.configs["north"])  # the console's clients: same session
        try:
            assert len((await client.camera_list()).cameras) > 0
            first = session.auth.token
            clock.now += 61  # the hub lets the session expire
            with pytest.raises(HubSignInRequired):
                await client.camera_list()
            await until(lambda: session.auth.token not in (None, first))
            assert len((await client.camera_list()).cameras) > 0
        finally:
            await client.close()
            await sessions.close()

    asyncio.run(main())


def test_a_refused_password_and_a_missing_user_are_said_naming_the_source(hub_factory):
    hub = hub_factory(sign_in=True)

    async def main() -> None:
        for ready, words in (
            (prepared(hub.url, "investigator", "not-the-password"), "refused the sign-in"),
            (prepared(hub.url), "asks for sign-in"),
        ):
            notices = Notices()
            sessions = SourceSessions(ready, notices)
            await sessions.start()
            assert sessions.sessions["north"].state == "refused"
            (text,) = notices_text(notices)
            assert "North hub" in text and words in text, text
            assert "not-the-password" not in text
            await sessions.close()

    asyncio.run(main())


def test_a_revoked_session_is_not_renewed_behind_the_supervisors_back(hub_factory):
    hub = hub_factory(sign_in=True)

    async def main() -> None:
        notices = Notices()
        ready = prepared(hub.url, "investigator", DEMO_PASSWORDS["investigator"])
        sessions = SourceSessions(ready, notices)
        await sessions.start()
        session = sessions.sessions["north"]
        client = create_client(ready.configs["north"])
        try:
            admin = await asyncio.to_thread(hub.sign_in, "supervisor")
            status, _, _ = await asyncio.to_thread(
                hub.request, "POST", "/api/v1/users/investigator/revoke", token=admin
            )
            assert status in (200, 204)
            with pytest.raises(HubSignInRequired):
                await client.camera_list()
            await until(lambda: session.state == "revoked")
            assert session.auth.token is None
            (text,) = notices_text(notices)
            assert "revoked" in text and "North hub" in text
        finally:
            await client.close()
            await sessions.close()

    asyncio.run(main())


def test_a_hub_without_sign_in_needs_no_session(hub_factory):
    hub = hub_factory()

    async def main() -> None:
        ready = prepared(hub.url)
        sessions = SourceSessions(ready, Notices())
        await sessions.start()
        assert sessions.sessions["north"].state == "not_needed"
        await sessions.close()

    asyncio.run(main())
