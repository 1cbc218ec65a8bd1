"""An https hub with a certificate of its own (issue 17): the console verifies certificates by
default, so a self-signed hub is refused until its fingerprint is confirmed; once pinned, only
that certificate is accepted, and another one (a second hub, a replaced certificate) is refused
as changed. The real demo hub over TLS, real sockets, aiohttp's own checks."""

from __future__ import annotations

import asyncio

import pytest

from console.hub.errors import HubCertificateError
from console.hub.identity import HubAuth
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient, peer_certificate

pytestmark = pytest.mark.timeout(60)


async def _info(url: str, fingerprint: str | None, token: str | None = None) -> object:
    client = TesseraHubClient(
        HubConfig(url=url, tls_fingerprint=fingerprint, auth=HubAuth(token), timeout_s=5.0)
    )
    try:
        if token is None:
            return await client.info()
        return await client.session_info()
    finally:
        await client.close()


def test_a_self_signed_hub_is_trusted_only_with_its_confirmed_fingerprint(hub_factory, tmp_path):
    first = hub_factory(sign_in=True, tls=True, state_dir=tmp_path / "a")
    second = hub_factory(sign_in=True, tls=True, state_dir=tmp_path / "b")
    assert first.url.startswith("https://")
    # Not vouched for by any authority: refused, as not yet trusted (not as changed).
    with pytest.raises(HubCertificateError) as untrusted:
        asyncio.run(_info(first.url, None))
    assert not untrusted.value.changed and "fingerprint" in untrusted.value.operator_message
    # What the operator is shown is what the hub prints at start.
    shown, _ = asyncio.run(peer_certificate(first.url))
    assert shown == first.hub.tls_fingerprint
    # Pinned: the hub answers, sign-in included.
    info = asyncio.run(_info(first.url, shown))
    assert info.tls is True and info.sign_in == "required"
    token = first.sign_in("viewer")
    assert asyncio.run(_info(first.url, shown, token)).user == "viewer"
    # Another certificate behind the pinned name: refused as changed, in plain words.
    with pytest.raises(HubCertificateError) as changed:
        asyncio.run(_info(second.url, shown))
    assert changed.value.changed
    assert "not the one you confirmed" in changed.value.operator_message
    assert changed.value.fingerprint is not None


def test_a_malformed_pin_is_refused_not_ignored():
    with pytest.raises(HubCertificateError):
        asyncio.run(_info("https://127.0.0.1:9", "not-hex"))
