"""Find ONVIF cameras on the local network (WS-Discovery), for the "add a source" dialog.

The only module that imports `wsdiscovery` (WSDiscovery 2.1, already a dependency of the
drivers): it sends a multicast Probe for ONVIF's NetworkVideoTransmitter type and collects the
ProbeMatches that arrive within the timeout. `discover()` BLOCKS for that long (the library
runs its own threads and sleeps): call it off the GUI thread (`asyncio.to_thread`).

What a camera answers is untrusted: a match is kept only with an `http(s)://host[:port]`
device service address, names and scopes are cleaned and bounded, and at most
`MAX_CAMERAS` are returned. Nothing here connects to a camera: the dialog then tests the one
the operator picks with the ONVIF driver.

Limits: multicast goes out of every interface the library finds (with TTL 1: the local
network only) and needs UDP port 3702 free to bind; cameras on other subnets or behind
routers that drop multicast are not found (add them by address).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from console.base.safe_text import clean_text

log = logging.getLogger(__name__)

ONVIF_TYPE_NAMESPACE = "http://www.onvif.org/ver10/network/wsdl"
ONVIF_TYPE = "NetworkVideoTransmitter"
MAX_CAMERAS = 256
MAX_SCOPES = 32
DEFAULT_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class DiscoveredCamera:
    """One ONVIF device that answered: where its device service is and what it says it is.

    `url` is `http://host:port` as the ONVIF driver's `HubConfig.url` wants it; `name`,
    `hardware` and `location` come from its `onvif://www.onvif.org/name|hardware|location/...`
    scopes ("" when it has none); `scopes` are all of them, cleaned.
    """

    address: str
    port: int
    url: str
    name: str
    hardware: str
    location: str
    scopes: tuple[str, ...]
    endpoint: str  # the device's WS-Addressing endpoint reference (stable across reboots)

    @property
    def host(self) -> str:
        """The address, as the Sources dialog's ONVIF form names it."""
        return self.address


def _scope_text(scope: object) -> str:
    """A scope as text: the library gives `Scope` objects (their value), tests give strings."""
    value = getattr(scope, "getValue", None)
    return clean_text(str(value() if callable(value) else scope), 512)


def _scope_value(scopes: Iterable[str], kind: str) -> str:
    prefix = f"onvif://www.onvif.org/{kind}/"
    for scope in scopes:
        if scope.lower().startswith(prefix):
            return clean_text(unquote(scope[len(prefix) :]).replace("_", " "), 128)
    return ""


def camera_from(
    xaddrs: Iterable[object], scopes: Iterable[object], epr: object
) -> DiscoveredCamera | None:
    """A DiscoveredCamera from what a ProbeMatch carried (None: no usable device address)."""
    texts = [_scope_text(s) for s in list(scopes)[:MAX_SCOPES] if s is not None]
    for xaddr in xaddrs:
        if not isinstance(xaddr, str):
            continue
        try:
            parts = urlsplit(xaddr.strip())
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            continue
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host or parts.username:
            continue
        if host != clean_text(host, 255):
            continue
        shown = f"[{host}]" if ":" in host else host
        return DiscoveredCamera(
            address=host,
            port=port,
            url=f"{parts.scheme}://{shown}:{port}",
            name=_scope_value(texts, "name"),
            hardware=_scope_value(texts, "hardware"),
            location=_scope_value(texts, "location"),
            scopes=tuple(texts),
            endpoint=clean_text(str(epr or ""), 256),
        )
    return None


def _default_discovery() -> Any:
    from wsdiscovery.discovery import ThreadedWSDiscovery

    return ThreadedWSDiscovery()


def _onvif_type() -> Any:
    from wsdiscovery import QName

    return QName(ONVIF_TYPE_NAMESPACE, ONVIF_TYPE, "dn")


def discover(
    timeout_s: float = DEFAULT_TIMEOUT_S,
    *,
    discovery_factory: Callable[[], Any] = _default_discovery,
) -> list[DiscoveredCamera]:
    """The ONVIF cameras that answer a Probe within `timeout_s` seconds, one per device
    address, in the order found. Blocks for `timeout_s`. Never raises for the network: a
    machine where discovery cannot run (no multicast, port 3702 taken) finds nothing and
    logs why."""
    try:
        wsd = discovery_factory()
        wsd.start()
    except OSError as e:
        log.warning("onvif discovery: cannot start (%s)", e)
        return []
    try:
        services = wsd.searchServices(types=[_onvif_type()], timeout=max(0.1, timeout_s))
    except Exception as e:  # the library raises a bare Exception when its sockets failed
        log.warning("onvif discovery: the probe failed (%s)", e)
        return []
    finally:
        try:
            wsd.stop()
        except Exception as e:  # stopping is best effort; its threads are daemons
            log.debug("onvif discovery: stop failed: %s", e)
    found: dict[str, DiscoveredCamera] = {}
    for service in services:
        try:
            camera = camera_from(service.getXAddrs(), service.getScopes(), service.getEPR())
        except (AttributeError, TypeError, ValueError) as e:
            log.debug("onvif discovery: unreadable match skipped: %s", e)
            continue
        if camera is not None and camera.url not in found:
            found[camera.url] = camera
        if len(found) >= MAX_CAMERAS:
            break
    log.info("onvif discovery: %d camera(s) answered", len(found))
    return list(found.values())
