"""A small aiohttp app serving only `demohub.audit`'s routes over a real socket (port 0), on
the caller's running loop: what the audit tests and the audit bench talk to. The operator is
the `X-Tessera-Operator` header (the demo hub's own sign-in is wired in elsewhere)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from demohub.audit import AuditLog, add_routes
from tests.support.loop_thread import stop_loop_thread

OPERATOR_HEADER = "X-Tessera-Operator"


@asynccontextmanager
async def serving(log: AuditLog, *, can_read_all: bool = True) -> AsyncIterator[str]:
    """The base URL (`http://127.0.0.1:PORT`) of an app with the audit routes over `log`."""
    app = web.Application()
    add_routes(
        app,
        log,
        lambda request: request.headers.get(OPERATOR_HEADER) or None,
        lambda request: can_read_all,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class AuditHubThread:
    """`serving(log)` on an asyncio loop in a thread of its own (for blocking tests and for
    console processes that are killed: the hub lives on)."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stop: asyncio.Event | None = None
        self._done: concurrent.futures.Future[None] | None = None

    def start(self) -> AuditHubThread:
        self._thread.start()
        ready: concurrent.futures.Future[str] = concurrent.futures.Future()

        async def main() -> None:
            self._stop = asyncio.Event()
            async with serving(self.log) as url:
                ready.set_result(url)
                await self._stop.wait()

        self._done = asyncio.run_coroutine_threadsafe(main(), self._loop)
        self.url = ready.result(10)
        return self

    def stop(self) -> None:
        if self._stop is not None and self._done is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._done.result(10)
        stop_loop_thread(self._loop, self._thread, _nothing, 5.0)


async def _nothing() -> None:
    return None
