"""From a configured source to the `HubConfig` of the hub driver that talks to it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from console.hub.identity import HubAuth
from console.hub.registry import HubConfig
from console.sources.model import SourceConfig, SourceError, SourceKind

DEFAULT_TIMEOUT_S = 5.0


def hub_config(
    source: SourceConfig,
    password: str | None,
    *,
    operator: str | None = None,
    demo_url: str | None = None,
    credential_lookup: Callable[[str], str | None] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    demo_auth: HubAuth | None = None,
) -> HubConfig:
    """The driver configuration of `source` (`SourceKind.driver`): its address (the demo hub's
    `demo_url` for the demo kind), user name, and `password` in memory only. A camera list's
    cameras find their own passwords through `credential_lookup` (blocking: drivers call it off
    the loop). SourceError when the demo hub's address is not known."""
    if source.kind is SourceKind.DEMO:
        if not demo_url:
            raise SourceError("The demo hub is not running.")
        url = demo_url
    else:
        url = source.url
    if source.kind is SourceKind.TESSERA and password and not _safe_for_password(url):
        raise SourceError(
            f"The hub {source.display_name} would get its password in clear text over the "
            "network: Tessera sends it only over https (or to a hub on this computer). Use the "
            "hub's https:// address."
        )
    return HubConfig(
        url=url,
        driver=source.kind.driver,
        timeout_s=timeout_s,
        operator=operator,
        username=source.username or None,
        password=password,
        credential_lookup=credential_lookup,
        # The embedded demo hub asks for sign-in: the console's session with it (issue 17).
        auth=demo_auth if source.kind is SourceKind.DEMO else None,
    )


def _safe_for_password(url: str) -> bool:
    """Whether a password may travel to `url` (sent as HTTP Basic by the Tessera driver): over
    https, or to this computer."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
