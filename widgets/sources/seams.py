"""What the Sources dialog is given instead of knowing the rest of the console: the keyring, the
connection test, the network search for ONVIF cameras, and the console's own "apply".

Each is a structural type, so the console passes `console.sources.credentials.Credentials`,
`console.sources.probe.probe_source` and its own coroutine as they are, and tests pass small
stand-ins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from console.base.tasks import current_loop
from console.sources.model import SourceConfig
from console.sources.probe import ProbeResult

T = TypeVar("T")


class CredentialStore(Protocol):
    """`console.sources.credentials.Credentials`: every call blocks (D-Bus), so the dialog makes
    each one in the loop's executor, never on the GUI thread."""

    def backend_warning(self) -> str | None: ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, password: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class ProbeFunction(Protocol):
    """`console.sources.probe.probe_source`: an async connection test that never raises for a
    failure of the source."""

    def __call__(
        self,
        source: SourceConfig,
        password: str | None,
        *,
        progress: Callable[[str], None] | None = None,
        timeout_s: float = 10.0,
    ) -> Awaitable[ProbeResult]: ...


class FoundDevice(Protocol):
    """One ONVIF device that answered a network search. `name` comes from the device (its
    WS-Discovery scopes): untrusted text, possibly empty."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def name(self) -> str: ...


# Searches the local network for ONVIF devices (WS-Discovery); blocks for a few seconds, so the
# dialog runs it in the loop's executor.
DiscoverFunction = Callable[[], Sequence[FoundDevice]]

# The console's "use these sources now": save settings.json, connect and disconnect sources.
# Raises for a failure (the dialog shows it in plain words and keeps the operator's input).
ApplySources = Callable[[list[SourceConfig]], Awaitable[None]]


async def off_the_gui_thread(call: Callable[..., T], *args: object) -> T:
    """`call(*args)` in the loop's default executor: for the keyring, files and discovery."""
    loop: asyncio.AbstractEventLoop = current_loop()
    return await loop.run_in_executor(None, call, *args)


def plain_words(error: BaseException) -> str:
    """An error as one sentence for the operator (never a traceback)."""
    operator_message = getattr(error, "operator_message", None)
    if isinstance(operator_message, str) and operator_message:
        return operator_message
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}."
    text = str(error).strip()
    return text if text else f"Unexpected error ({type(error).__name__})."
