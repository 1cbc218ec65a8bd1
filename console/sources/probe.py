"""The connection test of a source: reach it, sign in, list its cameras, say what happened in
plain words.

Generic over drivers: the source's driver (`SourceKind.driver`) is built with
`create_client(hub_config(...))`, asked `info()` then `camera_list()`, and closed whatever
happens. What went wrong is read from the driver's typed errors (`console.hub.errors`), so a
new driver gets a connection test by raising the right ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from console.base.redact import redact_text
from console.base.safe_text import isolate
from console.hub.base import HubClient
from console.hub.errors import (
    HubAuthFailed,
    HubConnectionLost,
    HubError,
    HubHttpError,
    HubProtocolError,
    HubUnreachable,
)
from console.hub.models import Camera, HubInfo
from console.hub.registry import UnknownDriverError, create_client
from console.sources.connect import hub_config
from console.sources.model import SourceConfig, SourceError, SourceKind

log = logging.getLogger(__name__)

# The whole test (sign-in and the camera list) is given this many request timeouts.
REQUESTS_PER_PROBE = 3


class ProbeOutcome(str, Enum):
    OK = "ok"
    UNREACHABLE = "unreachable"  # nothing answers at that address (or not in time)
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an outcome, not a password). The source refused the user name or password
    NOT_ONVIF = "not_onvif"  # something answers, but it is not an ONVIF device
    NO_CAMERAS = "no_cameras"  # reached and signed in, but no camera or no media profile
    NEEDS_PASSWORD = "needs_password"  # noqa: S105 (an outcome). No password given and none in the keyring
    ERROR = "error"  # anything else, with the plain-words reason


@dataclass(frozen=True)
class ProbeResult:
    outcome: ProbeOutcome
    message: str  # one or two sentences for the operator, no secrets
    hub: HubInfo | None = None
    cameras: tuple[Camera, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome is ProbeOutcome.OK


def where_of(source: SourceConfig) -> str:
    """The source's address for the operator: host:port, the list file, or the demo hub."""
    if source.kind is SourceKind.DEMO:
        return "the demo hub"
    if source.kind is SourceKind.RTSP:
        return source.url
    try:
        parts = urlsplit(source.url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "that address"
    return f"{host}:{port}" if port else host or "that address"


async def probe_source(
    source: SourceConfig,
    password: str | None,
    *,
    progress: Callable[[str], None] | None = None,
    timeout_s: float = 10.0,
    demo_url: str | None = None,
    operator: str | None = None,
    credential_lookup: Callable[[str], str | None] | None = None,
) -> ProbeResult:
    """Test `source` with `password` (None: no password). `progress` gets short steps
    ("Connecting to 10.0.0.5:80…", "Signing in…", "Reading media profiles…"). Never raises for
    a failure of the source: the outcome says it.

    `timeout_s` bounds each request; the whole test gets `REQUESTS_PER_PROBE` times that.
    `demo_url` is the running demo hub's address (the demo kind), `credential_lookup` finds the
    passwords a camera list names (blocking; called off the loop)."""

    def step(text: str) -> None:
        log.debug("probe %s: %s", source.name, text)
        if progress is not None:
            progress(text)

    if source.username and password is None and source.kind is not SourceKind.RTSP:
        return ProbeResult(
            ProbeOutcome.NEEDS_PASSWORD,
            f"A password is needed for the user {isolate(source.username)}, and none was given "
            "or kept in the system keyring.",
        )
    try:
        config = hub_config(
            source,
            password,
            operator=operator,
            demo_url=demo_url,
            credential_lookup=credential_lookup,
            timeout_s=timeout_s,
        )
        client = create_client(config)
    except UnknownDriverError:
        return ProbeResult(
            ProbeOutcome.ERROR,
            f"This console cannot talk to a source of the kind {source.kind.kind_name}.",
        )
    except (SourceError, ValueError) as e:
        return ProbeResult(ProbeOutcome.ERROR, redact_text(str(e)))
    try:
        return await _bounded(client, source, password, step, timeout_s)
    finally:
        try:
            await client.close()
        except Exception as e:  # closing is best effort here
            log.debug("probe %s: close failed: %s", source.name, type(e).__name__)


async def _bounded(
    client: HubClient,
    source: SourceConfig,
    password: str | None,
    step: Callable[[str], None],
    timeout_s: float,
) -> ProbeResult:
    """The test within its time, every failure turned into a result."""
    where = where_of(source)
    try:
        return await asyncio.wait_for(
            _run(client, source, password, where, step), timeout=timeout_s * REQUESTS_PER_PROBE
        )
    except asyncio.TimeoutError:
        return ProbeResult(
            ProbeOutcome.UNREACHABLE,
            f"{where} did not answer within {timeout_s * REQUESTS_PER_PROBE:g} seconds.",
        )
    except HubError as e:
        return _failure(e, source, password)
    except Exception as e:  # a driver's bug must not end the dialog
        log.warning("probe %s: %s: %s", source.name, type(e).__name__, redact_text(str(e)))
        return ProbeResult(
            ProbeOutcome.ERROR,
            f"The test of {where} failed unexpectedly ({type(e).__name__}); the log has more.",
        )


async def _run(
    client: HubClient,
    source: SourceConfig,
    password: str | None,
    where: str,
    step: Callable[[str], None],
) -> ProbeResult:
    if source.kind is SourceKind.RTSP:
        step(f"Reading the camera list {where}…")
    else:
        step(f"Connecting to {where}…")
    if source.username or password:
        step("Signing in…")
    info = await client.info()
    step("Reading media profiles…" if source.kind is SourceKind.ONVIF else "Listing cameras…")
    listed = await client.camera_list()
    cameras = listed.cameras
    unreadable = ""
    if listed.rejected:
        unreadable = (
            f" {len(listed.rejected)} entr{'y' if len(listed.rejected) == 1 else 'ies'} could "
            "not be read: " + "; ".join(r.describe() for r in listed.rejected[:3]) + "."
        )
    if not cameras:
        what = "media profile" if source.kind is SourceKind.ONVIF else "camera"
        return ProbeResult(
            ProbeOutcome.NO_CAMERAS,
            f"{where} answered, but offers no {what}." + unreadable,
            hub=info,
        )
    if source.kind is SourceKind.RTSP:
        missing = await _missing_passwords(client, cameras)
        if missing:
            return ProbeResult(
                ProbeOutcome.NEEDS_PASSWORD,
                f"The password of {len(missing)} camera(s) is not kept on this computer: "
                + ", ".join(isolate(m) for m in missing[:5])
                + ". Enter it in Sources.",
                hub=info,
                cameras=cameras,
            )
    n = len(cameras)
    return ProbeResult(
        ProbeOutcome.OK,
        f"Connected to {where}: {n} camera{'' if n == 1 else 's'} found." + unreadable,
        hub=info,
        cameras=cameras,
    )


async def _missing_passwords(client: HubClient, cameras: tuple[Camera, ...]) -> list[str]:
    """The cameras of a list whose stream cannot be given for want of a password (the
    driver says so with HubAuthFailed; nothing is connected to)."""
    missing: list[str] = []
    for cam in cameras:
        try:
            await client.stream(cam.id, "main")
        except HubAuthFailed:
            missing.append(cam.name)
        except HubError as e:
            log.debug("probe: stream of %s: %s", cam.id, e)
    return missing


def _failure(e: HubError, source: SourceConfig, password: str | None) -> ProbeResult:
    where = where_of(source)
    log.info("probe %s: %s: %s", source.name, type(e).__name__, e.message)
    if isinstance(e, (HubUnreachable, HubConnectionLost)):
        return ProbeResult(ProbeOutcome.UNREACHABLE, e.operator_message)
    refused = isinstance(e, HubAuthFailed) or (
        isinstance(e, HubHttpError) and e.status in (401, 403)
    )
    if refused:
        if password is None:
            return ProbeResult(
                ProbeOutcome.NEEDS_PASSWORD,
                f"{where} asks for a user name and password, and none is set.",
            )
        return ProbeResult(
            ProbeOutcome.WRONG_PASSWORD,
            f"{where} refused the user name or password. Check them and try again.",
        )
    if source.kind is SourceKind.ONVIF and (
        isinstance(e, HubProtocolError) or (isinstance(e, HubHttpError) and e.status == 404)
    ):
        return ProbeResult(
            ProbeOutcome.NOT_ONVIF,
            f"Something answers at {where}, but it is not an ONVIF camera (or not at that port).",
        )
    return ProbeResult(ProbeOutcome.ERROR, e.operator_message)
