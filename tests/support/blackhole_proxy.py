"""A loopback TCP proxy that can stop forwarding: a network blackhole between a console and a hub.

`BlackholeProxy(upstream_port).start()` listens on 127.0.0.1 (a free port) and forwards every
connection to 127.0.0.1:`upstream_port`, both ways, byte for byte. `cut()` stops forwarding:
connections stay open, nothing passes in either direction, and new connections are accepted
but not forwarded (nor connected upstream) until `resume()`. Nothing is dropped: what was sent
during a cut is delivered after it, as TCP does once a blackholed path comes back.

When the upstream cannot be reached (the hub is down), a new connection is reset at once, so
the client sees what it would see without the proxy: the connection refused.

`stall_rtsp_media(n)`: the next `n` connections pass their RTSP conversation but none of the
media after it (server to client, from the first interleaved `$` frame on): a camera that
answers PLAY and then sends nothing, as GStreamer's RTSP server now and then does.

It runs on an asyncio loop of its own in a daemon thread; `stop()` closes every connection.
Used by `bench.chaos` and by tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

from tests.support.loop_thread import stop_loop_thread

HOST = "127.0.0.1"
CHUNK = 64 * 1024


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST (SO_LINGER 0), as a refused or killed peer would look."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class BlackholeProxy:
    def __init__(self, upstream_port: int, port: int = 0) -> None:
        self.upstream_port = upstream_port
        self.port = port
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="blackhole-proxy", daemon=True
        )
        self._server: asyncio.AbstractServer | None = None
        self._open: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._upstream_of: dict[asyncio.StreamWriter, tuple[asyncio.StreamWriter, ...]] = {}
        self.accepted = 0  # connections accepted so far
        self._stall_media = 0  # connections still to come whose RTSP media is held
        self.forwarded_bytes = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> BlackholeProxy:
        self._thread.start()
        self._call(self._start(), 10)
        return self

    def stop(self) -> None:
        stop_loop_thread(self.loop, self._thread, self._stop, 10)

    def cut(self) -> None:
        """Stop forwarding now (connections stay open; new ones are accepted and held)."""
        self._call(self._set(False), 5)

    def resume(self) -> None:
        """Forward again, what was held first."""
        self._call(self._set(True), 5)

    def stall_rtsp_media(self, connections: int = 1) -> None:
        """Hold the media (not the RTSP answers) of the next `connections` connections."""
        self._stall_media = connections

    @property
    def forwarding(self) -> bool:
        return self._open is not None and self._open.is_set()

    # -- on the proxy's loop ---------------------------------------------------------------
    def _call(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._server = await asyncio.start_server(self._accept, HOST, self.port, limit=CHUNK)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)

    async def _set(self, forwarding: bool) -> None:
        assert self._open is not None
        if forwarding:
            self._open.set()
        else:
            self._open.clear()

    def _own(self, coro: Any) -> asyncio.Task[Any]:
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._open is not None
        self.accepted += 1
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        with contextlib.suppress(asyncio.CancelledError):  # stop(): end quietly
            await self._forward(reader, writer)
        for w in (writer, *self._upstream_of.pop(writer, ())):
            self._writers.discard(w)
            w.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._open is not None
        try:
            await self._open.wait()  # a connection made during a cut waits, unanswered
            try:
                up_reader, up = await asyncio.wait_for(
                    asyncio.open_connection(HOST, self.upstream_port, limit=CHUNK), 5
                )
            except (OSError, asyncio.TimeoutError):
                _reset(writer)
                return
            self._upstream_of[writer] = (up,)
            self._writers.add(up)
            stall = self._stall_media > 0
            self._stall_media -= stall
            a = self._own(self._pump(reader, up))
            b = self._own(self._pump(up_reader, writer, stall_at=b"$" if stall else None))
            await asyncio.wait([a, b], return_when=asyncio.FIRST_EXCEPTION)
            await asyncio.gather(a, b, return_exceptions=True)
        except (ConnectionError, OSError):
            pass

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stall_at: bytes | None = None,
    ) -> None:
        """Copy one direction; on EOF pass the half-close on; on an error reset both ends.
        With `stall_at`, forward up to its first occurrence and nothing after it."""
        assert self._open is not None
        try:
            while True:
                await self._open.wait()
                data = await reader.read(CHUNK)
                if not data:
                    if writer.can_write_eof():
                        with contextlib.suppress(OSError):
                            writer.write_eof()
                    return
                await self._open.wait()  # read just before a cut: held until the resume
                if stall_at is not None and stall_at in data:
                    # The client gets what came before; the rest is read and dropped (the
                    # server is not held up: its other clients go on).
                    writer.write(data[: data.index(stall_at)])
                    await writer.drain()
                    while await reader.read(CHUNK):
                        pass
                    return
                writer.write(data)
                self.forwarded_bytes += len(data)
                await writer.drain()
        except (ConnectionError, OSError):
            _reset(writer)
            raise
