"""Drivers chosen by configuration.

`create_client(HubConfig(driver="tessera", url=...))` builds the client for a hub. Built-in
drivers live in their own modules, imported only when a driver is first looked up, so a
driver's vendor library is loaded only by a console that uses it. A driver module calls
`register_driver` at import time.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from console.base.redact import redact_url
from console.hub.base import HubClient
from console.hub.identity import HubAuth

log = logging.getLogger(__name__)

# Modules that register the built-in drivers; a new driver adds its module here.
BUILTIN_DRIVER_MODULES: tuple[str, ...] = (
    "console.hub.tessera_api",
    "console.hub.camera_list_driver",
    "console.hub.onvif_driver",
)

DEFAULT_DRIVER = "tessera"


@dataclass(frozen=True, slots=True)
class HubConfig:
    """How to reach one hub. `url` may carry credentials; the repr never shows them.

    `username` and `password` are for drivers whose hubs ask for them (ONVIF cameras, camera
    lists): the password is read from the OS keyring by whoever builds the config
    (`console.sources`) and lives only in memory; the repr never shows it.

    `credential_lookup(key)` gives the password kept under a keyring entry such as
    `camera/<ref>` (a camera list names one per camera), or None; it may block (D-Bus), so a
    driver calls it off the event loop. Left out of the repr and of comparisons.
    """

    url: str
    driver: str = DEFAULT_DRIVER
    timeout_s: float = 5.0
    operator: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    credential_lookup: Callable[[str], str | None] | None = field(
        default=None, repr=False, compare=False
    )
    # A hub with sign-in (console.hub.identity): the session token every client made from this
    # config sends. Memory only; left out of the repr and of comparisons.
    auth: HubAuth | None = field(default=None, repr=False, compare=False)
    # An https hub whose certificate is self-signed: the SHA-256 fingerprint (hex) the operator
    # confirmed. Only a certificate with exactly this fingerprint is accepted; None: the
    # system's certificate authorities decide.
    tls_fingerprint: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or not self.url.strip():
            raise ValueError("hub url must be a non-empty string")
        if not isinstance(self.driver, str) or not self.driver.strip():
            raise ValueError("hub driver must be a non-empty string")
        if not self.timeout_s > 0:
            raise ValueError("hub timeout_s must be positive")

    def __repr__(self) -> str:
        return (
            f"HubConfig(url={redact_url(self.url)!r}, driver={self.driver!r}, "
            f"timeout_s={self.timeout_s!r}, operator={self.operator!r}, "
            f"username={self.username!r}, password={'***' if self.password else None!r})"
        )


DriverFactory = Callable[[HubConfig], HubClient]


class UnknownDriverError(ValueError):
    """The configuration names a driver nobody registered."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(
            f"unknown hub driver {name!r}; known drivers: {', '.join(known) or '(none)'}"
        )


_drivers: dict[str, DriverFactory] = {}
_builtins_loaded = False


def register_driver(name: str, factory: DriverFactory, *, replace: bool = False) -> None:
    """Make `factory(config)` the driver called `name` (case-insensitive)."""
    key = name.strip().lower()
    if not key:
        raise ValueError("driver name must not be empty")
    if key in _drivers and not replace and _drivers[key] is not factory:
        raise ValueError(f"hub driver {key!r} is already registered")
    _drivers[key] = factory
    log.debug("hub driver %s registered", key)


def unregister_driver(name: str) -> None:
    _drivers.pop(name.strip().lower(), None)


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for module in BUILTIN_DRIVER_MODULES:
        importlib.import_module(module)


def known_drivers() -> tuple[str, ...]:
    _load_builtins()
    return tuple(sorted(_drivers))


def create_client(config: HubConfig) -> HubClient:
    """Build the client the configuration asks for; UnknownDriverError (a ValueError) if none."""
    _load_builtins()
    factory = _drivers.get(config.driver.strip().lower())
    if factory is None:
        raise UnknownDriverError(config.driver, known_drivers())
    log.info("hub client %s for %s", config.driver, redact_url(config.url))
    return factory(config)
