"""The Tessera API's event channel (docs/hub-api.md "Events"): one WebSocket, read as typed
events.

`TesseraHubClient.events()` opens the connection (its session, its errors) and hands it here:
`read_channel` reads messages until the channel ends, and `read_event` turns one message into a
`HubEvent`. One bad message is skipped and logged (rate-limited, never its content) and the
channel goes on: it would come back on every resume otherwise. Resilience (reconnect, resume,
dedupe) is `console.hub.subscription`'s, for every driver.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from yarl import URL

from console.base.redact import redact_text
from console.hub.errors import HubConnectionLost, HubProtocolError
from console.hub.models import EVENT_HUB_HELLO, HubEvent
from console.hub.skip_log import SkipLog
from console.hub.sliced_json import UnreadableJsonError, loads_in_slices
from console.hub.tessera_wire import (
    API_VERSION,
    UNSUPPORTED_VERSION_MESSAGE,
    parse_event,
)

log = logging.getLogger(__name__)

# The hub sends a heartbeat every 5 s when idle; three missed ones mean the channel is dead.
DEFAULT_EVENT_IDLE_TIMEOUT_S = 15.0
# Closing waits this long at most for the hub's close reply (a dead hub never sends one).
WS_CLOSE_TIMEOUT_S = 1.0
# An event message larger than this is skipped unread (no event of the API comes near it); the
# WebSocket refuses messages over MAX_WS_MESSAGE_BYTES outright (the channel then reconnects).
MAX_EVENT_BYTES = 1024 * 1024
MAX_WS_MESSAGE_BYTES = 4 * 1024 * 1024


def channel_url(events_url: URL, since: int | None, types: frozenset[str] | None) -> URL:
    """The channel's URL: events after `since`, of `types` only (the hub filters)."""
    query: dict[str, str] = {}
    if since is not None:
        query["since"] = str(since)
    if types is not None:
        query["types"] = ",".join(sorted(types))
    return events_url.with_query(query) if query else events_url


async def read_channel(
    ws: aiohttp.ClientWebSocketResponse,
    types: frozenset[str] | None,
    idle_timeout_s: float,
    skipped: SkipLog,
) -> AsyncIterator[HubEvent]:
    """The channel's events until it ends, which raises: HubConnectionLost when it closes, errs
    or stays silent for `idle_timeout_s`; HubProtocolError for an API version this console lacks.
    aiohttp's own errors are the caller's to map."""
    while True:
        try:
            msg = await ws.receive(timeout=idle_timeout_s)
        except asyncio.TimeoutError:
            raise HubConnectionLost(
                f"events: nothing from the hub for {idle_timeout_s:g} s"
            ) from None
        if msg.type == aiohttp.WSMsgType.TEXT:
            event = await read_event(msg.data, types, skipped)
            if event is not None:
                _check_hello(event)
                yield event
        elif msg.type == aiohttp.WSMsgType.BINARY:
            log.debug("events: skipped a binary message")
        elif msg.type == aiohttp.WSMsgType.ERROR:
            raise HubConnectionLost(f"events: channel error: {redact_text(str(msg.data))}")
        else:  # CLOSE, CLOSING, CLOSED
            raise HubConnectionLost(f"events: the hub closed the channel ({msg.extra or msg.data})")


def _check_hello(event: HubEvent) -> None:
    if event.type != EVENT_HUB_HELLO:
        return
    version = event.data.get("api_version")
    if version != API_VERSION:
        raise HubProtocolError(
            f"event.data.api_version: unsupported version {version!r}",
            field="event.data.api_version",
            operator_message=UNSUPPORTED_VERSION_MESSAGE,
        )


async def read_event(text: str, types: frozenset[str] | None, skipped: SkipLog) -> HubEvent | None:
    """One message of the event channel as an event, or None: a heartbeat, a type not asked
    for or not known, or a message that cannot be read (noted in `skipped`)."""
    if len(text) > MAX_EVENT_BYTES:
        skipped.note(f"a message of {len(text)} characters (too large)")
        return None
    try:
        payload = await loads_in_slices(text)
    except UnreadableJsonError:
        skipped.note("a message that is not valid JSON")
        return None
    try:
        event = parse_event(payload, types)
    except HubProtocolError as exc:
        skipped.note(f"an unreadable event ({exc.message})")
        return None
    if event is None:
        log.debug("events: skipped a heartbeat or unknown event type")
    return event
