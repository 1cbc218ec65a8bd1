"""A small aiohttp app serving only `demohub.audit`'s routes over a real socket (port 0), on
the caller's running loop: what the audit tests and the audit bench talk to. The operator is
the `X-Tessera-Operator` header (the demo hub's own sign-in is wired in elsewhere)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from demohub.audit import AuditLog, add_routes

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
