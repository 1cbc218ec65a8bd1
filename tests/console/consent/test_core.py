"""The consent core against the real demo hub over real sockets (private cameras of each tier,
signed-in operators): what may play live, requests with a reason, the grant's end, the audit
signal; and the Tessera driver reading `sharing` defensively."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.consent.core import REASON_ACTION, LiveVerdict, PrivateAccess
from console.hub.errors import HubPrivateCamera
from console.hub.identity import HubAuth
from console.hub.models import TIER_REGISTRY_ONLY, Camera
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_wire import parse_camera, parse_sharing
from console.identity.reasons import Reason
from tests.support.hubthread import HubThread

pytestmark = pytest.mark.timeout(60)

DOORBELL, SHOP, GARAGE, FARM = "doorbell-14", "shop-corner", "garage-mill", "farm-gate"
REASON = Reason(REASON_ACTION, "INC-2026-0412", "Crime reported nearby", "burglary next door")


@pytest.fixture
def phub(hub_factory) -> HubThread:
    return hub_factory(sign_in=True, private_cameras=True, recorded_since=time.time() - 600)


def run(
    hub: HubThread,
    user: str,
    body: Callable[[TesseraHubClient, dict[str, Camera]], Awaitable[Any]],
) -> Any:
    token = hub.sign_in(user)

    async def main() -> Any:
        client = TesseraHubClient(HubConfig(url=hub.url, auth=HubAuth(token), timeout_s=10))
        try:
            cameras = {c.id: c for c in (await client.camera_list()).cameras}
            return await body(client, cameras)
        finally:
            await client.close()

    return asyncio.run(main())


def test_the_driver_reads_owner_and_tier(phub):
    async def body(_client: TesseraHubClient, cameras: dict[str, Camera]) -> None:
        assert cameras["cam-01"].sharing is None
        doorbell = cameras[DOORBELL].sharing
        assert doorbell is not None and doorbell.tier == "on_request"
        assert doorbell.owner == "Resident of 14 Elm Road"
        assert cameras[FARM].sharing is not None
        assert cameras[FARM].sharing.tier == TIER_REGISTRY_ONLY

    run(phub, "investigator", body)


@pytest.mark.parametrize(
    "raw",
    [
        {"tier": "friends_only", "owner": "Someone"},
        {"tier": 7, "owner": "Someone"},
        {"owner": "Someone"},
        "on_request",
        [],
        {"tier": "on_request\u202e", "owner": ["x"]},
    ],
)
def test_an_unknown_or_broken_tier_is_read_as_registry_only(raw):
    sharing = parse_sharing(raw)
    assert sharing is not None and sharing.tier == TIER_REGISTRY_ONLY
    assert sharing.unknown_tier
    camera = parse_camera(
        {
            "id": "c",
            "name": "C",
            "group": "",
            "location": "Here",
            "vendor": "",
            "model": "",
            "firmware": "",
            "capabilities": ["live"],
            "profiles": [{"name": "sub", "width": 640, "height": 360, "fps": 15, "codec": "h264"}],
            "sharing": raw,
        }
    )
    access = PrivateAccess({"c": camera}.get, None)
    state = access.state("c")
    assert state.verdict is LiveVerdict.REGISTRY_ONLY and not access.may_play_live("c")
    assert "does not know" in state.text


def test_public_and_absent_sharing_is_public():
    assert parse_sharing(None) is None
    assert parse_sharing({"tier": "public", "owner": ""}) is None


def test_each_tier_decides_what_plays_live(phub):
    async def body(client: TesseraHubClient, cameras: dict[str, Camera]) -> None:
        access = PrivateAccess(cameras.get, client.consent_facet)
        assert access.may_play_live("cam-01") and access.may_play_live(SHOP)
        assert access.state(SHOP).private  # shared live, still marked private
        assert access.state(GARAGE).verdict is LiveVerdict.RECORDINGS_ONLY
        assert access.state(GARAGE).text.startswith("Recordings only")
        farm = access.state(FARM)
        assert farm.verdict is LiveVerdict.REGISTRY_ONLY and not farm.may_request
        assert farm.text.startswith("Registry only: owner Ashby Farm, location Ashby Farm")
        assert "no video is shared" in farm.text
        # Recordings: a recordings-only camera plays back, a live-shared one needs a grant.
        assert access.state(GARAGE, playback=True).verdict is LiveVerdict.PLAY
        assert access.state(SHOP, playback=True).verdict is LiveVerdict.NEEDS_REQUEST
        assert access.state(FARM, playback=True).verdict is LiveVerdict.REGISTRY_ONLY
        assert access.state("cam-01", playback=True).verdict is LiveVerdict.PLAY
        door = access.state(DOORBELL)
        assert door.verdict is LiveVerdict.NEEDS_REQUEST and door.may_request
        assert door.text.startswith("Access needs a request")
        # The hub refuses anyway, whatever a console shows.
        with pytest.raises(HubPrivateCamera) as refused:
            await client.stream(DOORBELL, "sub")
        assert refused.value.code == "access_request_required"
        assert "request access" in refused.value.operator_message
        with pytest.raises(HubPrivateCamera) as refused:
            await client.stream(FARM, "sub")
        assert refused.value.code == "registry_only"

    run(phub, "investigator", body)


def test_a_request_with_a_reason_opens_the_camera_and_is_audited(phub):
    async def body(client: TesseraHubClient, cameras: dict[str, Camera]) -> None:
        access = PrivateAccess(cameras.get, client.consent_facet)
        told: list[tuple[str, str, dict[str, Any]]] = []
        access.accessed.connect(lambda a, c, d: told.append((a, c, d)))
        changed: list[str] = []
        access.changed.connect(changed.append)

        incomplete = dataclasses.replace(REASON, case_number="")
        assert await access.request(DOORBELL, incomplete) == "Type the case or incident number."
        assert told == []

        assert await access.request(DOORBELL, REASON) is None
        assert changed == [DOORBELL]
        assert access.may_play_live(DOORBELL)
        left = access.remaining_s(DOORBELL)
        assert left is not None and 0 < left <= 15 * 60
        endpoint = await client.stream(DOORBELL, "sub")  # the hub hands out the video now
        assert endpoint.url
        assert [a for a, _, _ in told] == ["private_access.requested", "private_access.granted"]
        assert told[0][2]["case"] == "INC-2026-0412"
        access.note_live(DOORBELL, 0)
        assert told[-1][0] == "private_access.live" and told[-1][2]["wall"] == 1

        # A console that starts again picks up the grants the hub still holds.
        again = PrivateAccess(cameras.get, client.consent_facet)
        await again.load_grants()
        assert again.may_play_live(DOORBELL)
        access.close()
        again.close()

    run(phub, "investigator", body)
    actions = phub.call(
        lambda: [
            e.decode()
            for e in phub.hub.audit.entries(0, phub.hub.audit.size)  # type: ignore[union-attr]
        ]
    )
    assert any('"private_access.granted"' in e and "INC-2026-0412" in e for e in actions)


def test_a_refused_request_says_why_in_the_hubs_words(phub):
    async def body(client: TesseraHubClient, cameras: dict[str, Camera]) -> None:
        access = PrivateAccess(cameras.get, client.consent_facet)
        told: list[str] = []
        access.accessed.connect(lambda a, c, d: told.append(a))
        problem = await access.request(DOORBELL, REASON)
        assert problem is not None and "may not request access" in problem
        assert told == ["private_access.requested", "private_access.refused"]
        assert not access.may_play_live(DOORBELL)

    run(phub, "viewer", body)


def test_the_tile_goes_back_to_access_ended_when_the_grant_ends(phub):
    """The grant is made short on the hub; the core's timer ends it on the loop."""
    phub.call(lambda: setattr(phub.hub.consent, "grant_s", 1.0))

    async def body(client: TesseraHubClient, cameras: dict[str, Camera]) -> None:
        access = PrivateAccess(cameras.get, client.consent_facet)
        ended = asyncio.Event()
        told: list[str] = []

        def on_changed(camera_id: str) -> None:
            if access.state(camera_id).verdict is LiveVerdict.ACCESS_ENDED:
                ended.set()

        access.changed.connect(on_changed)
        access.accessed.connect(lambda a, c, d: told.append(a))
        assert await access.request(DOORBELL, REASON) is None
        assert access.may_play_live(DOORBELL)
        await asyncio.wait_for(ended.wait(), 10)
        state = access.state(DOORBELL)
        assert state.text.startswith("Access ended") and state.may_request
        assert not access.may_play_live(DOORBELL)
        assert told[-1] == "private_access.ended"

    run(phub, "investigator", body)


def test_a_grant_already_over_is_not_taken():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    camera = parse_camera(
        {
            "id": "d",
            "name": "D",
            "group": "",
            "location": "",
            "vendor": "",
            "model": "",
            "firmware": "",
            "capabilities": [],
            "profiles": [{"name": "sub", "width": 640, "height": 360, "fps": 15, "codec": "h264"}],
            "sharing": {"tier": "on_request", "owner": "O"},
        }
    )
    access = PrivateAccess({"d": camera}.get, None, clock=lambda: now)
    assert access.grant("d") is None and access.remaining_s("d") is None
    assert not access.state("d").may_request  # no facet: nobody to ask
    assert "takes no access requests" in access.state("d").text
    assert now + timedelta(0) == now
