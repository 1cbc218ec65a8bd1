"""From a configured source to the `HubConfig` of the hub driver that talks to it."""

from __future__ import annotations

from collections.abc import Callable

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
    return HubConfig(
        url=url,
        driver=source.kind.driver,
        timeout_s=timeout_s,
        operator=operator,
        username=source.username or None,
        password=password,
        credential_lookup=credential_lookup,
    )
