"""A hub is not trusted with bookmarks either (docs/hub-api.md "What the console does with what a
hub sends"): the list is read entry by entry, an unreadable `bookmark` event is skipped, text
is cleaned, and an answer to a write that cannot be read leaves the bookmark pending (the hub
may or may not have it; sending it again under the same id is safe). Real sockets."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aiohttp import web

from console.bookmarks.core import Bookmarks
from console.hub.models import Rejected
from console.hub.registry import HubConfig
from console.hub.retry import Backoff
from console.hub.tessera_api import TesseraHubClient
from console.hub.tessera_wire import parse_bookmark, parse_bookmark_list, parse_event

AT = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)
GOOD: dict[str, Any] = {
    "id": "b1",
    "camera_id": "cam-01",
    "start": "2026-11-22T10:00:00.000Z",
    "end": "2026-11-22T10:00:30.000Z",
    "name": "Door",
    "description": "",
    "tags": ["door"],
    "protected": False,
    "created": {"by": "ana", "at": "2026-11-22T10:00:01.000Z"},
    "revision": 4,
}


def test_unreadable_bookmarks_are_left_out_with_position_id_and_reason():
    entries = [
        GOOD,
        7,
        {**GOOD, "id": "b2", "end": "2026-11-22T09:00:00.000Z"},
        {**GOOD, "id": "b3", "tags": "door"},
        {**GOOD, "id": "b\u202e4"},
        {**GOOD, "id": "b5", "protected": "yes"},
        {**GOOD, "id": "b6", "created": None},
        {**GOOD, "id": "b7", "revision": 0},
        {**GOOD, "id": "b8", "tags": ["t"] * 21},
        {**GOOD},
        {**GOOD, "id": "b9", "name": "Gate\u202eevil\nx", "tags": ["a\u200fb", "ok", "ok"]},
    ]
    found = parse_bookmark_list({"bookmarks": entries, "seq": 12})
    assert [b.id for b in found.bookmarks] == ["b1", "b9"] and found.seq == 12
    assert found.rejected == (
        Rejected(1, None, "the entry should be an object, not a number"),
        Rejected(2, "b2", "'end': before start"),
        Rejected(3, "b3", "'tags' should be an array, not a string"),
        Rejected(4, "b4", "'id': has control or formatting characters"),
        Rejected(5, "b5", "'protected' should be a boolean, not a string"),
        Rejected(6, "b6", "'created' should be an object, not null"),
        Rejected(7, "b7", "'revision': must be at least 1"),
        Rejected(8, "b8", "'tags': more than 20"),
        Rejected(9, "b1", "an earlier entry has the same id"),
    )
    cleaned = found.bookmarks[1]
    assert cleaned.name == "Gateevil x" and cleaned.tags == ("ab", "ok")


def test_an_unreadable_bookmark_event_is_kept_as_an_event_without_a_bookmark():
    event = {
        "seq": 9,
        "type": "bookmark",
        "time": "2026-11-22T10:00:02.000Z",
        "camera_id": "cam-01",
        "data": {"change": "created", "bookmark": {**GOOD, "start": 5}},
    }
    parsed = parse_event(event)
    assert parsed is not None and parsed.seq == 9
    assert parsed.bookmark is None and parsed.bookmark_change is None
    good = parse_event({**event, "data": {"change": "deleted", "bookmark": GOOD}})
    assert good is not None and good.bookmark == parse_bookmark(GOOD)
    assert good.bookmark_change is not None and good.bookmark_change.value == "deleted"


class HostileBookmarkHub:
    """Answers bookmark writes with garbage `garbage_answers` times, then like a hub."""

    def __init__(self, garbage_answers: int) -> None:
        self.garbage_answers = garbage_answers
        self.puts: list[str] = []
        self.stored: dict[str, dict[str, Any]] = {}
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_put("/api/v1/bookmarks/{id}", self._put)
        app.router.add_get("/api/v1/bookmarks", self._list)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _put(self, request: web.Request) -> web.Response:
        bookmark_id = request.match_info["id"]
        body = await request.json()
        self.puts.append(bookmark_id)
        # It stores it every time (so the garbage hides an answer that did arrive).
        self.stored[bookmark_id] = {**GOOD, **body, "id": bookmark_id}
        if len(self.puts) <= self.garbage_answers:
            kinds = [
                web.Response(text="<html>proxy</html>", content_type="text/html"),
                web.json_response({**GOOD, "id": "someone-else"}),
                web.json_response({"bookmark": "?"}),
            ]
            return kinds[(len(self.puts) - 1) % len(kinds)]
        return web.json_response(self.stored[bookmark_id])

    async def _list(self, request: web.Request) -> web.Response:
        entries: list[Any] = [*self.stored.values(), {"id": None}]
        return web.Response(
            text=json.dumps({"bookmarks": entries, "seq": 3}), content_type="application/json"
        )


def test_a_write_answered_with_garbage_stays_pending_and_is_sent_again_once(tmp_path: Path):
    async def main() -> tuple[int, int, list[str], Any]:
        hostile = HostileBookmarkHub(garbage_answers=3)
        await hostile.start()
        client = TesseraHubClient(HubConfig(url=hostile.url, timeout_s=2.0))
        book = Bookmarks(client, tmp_path / "j.sqlite3", backoff=Backoff(0.02, 0.05, jitter=0.0))
        await book.open()
        try:
            made = await book.create("cam-01", AT, name="Through the noise")
            waiting = book.pending
            assert await book.wait_sent(10)
            found = await book.search()
            return waiting, book.pending, hostile.puts, (made, found)
        finally:
            await book.close()
            await client.close()
            await hostile.stop()

    waiting, pending, puts, (made, found) = asyncio.run(asyncio.wait_for(main(), 30))
    assert waiting == 1 and pending == 0
    assert puts == [made.id] * 4  # three unreadable answers, then one it could read
    assert [b.id for b in found.bookmarks] == [made.id]
    assert found.rejected == (Rejected(1, None, "'start' is missing"),)
