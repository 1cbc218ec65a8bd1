"""The bookmark core (console/bookmarks) against real demo hubs: journal first, then the hub;
the idempotent create; edit, delete, protect, search; the hub away while creating; a journal
that is damaged; the multi-source routing."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import threading
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.base.notices import Level, Notices
from console.bookmarks.core import BookmarkError, Bookmarks
from console.bookmarks.journal import Journal
from console.hub.models import Bookmark, BookmarkChange, BookmarkQuery, HubEvent
from console.hub.registry import HubConfig
from console.hub.retry import Backoff
from console.hub.tessera_api import TesseraHubClient
from console.sources.multi import MultiSourceClient
from demohub.bookmarks import BookmarkQuery as HubQuery
from tests.support.hubproc import HubProcess
from tests.support.hubthread import PTZ_CAM, HubThread

AT = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)


def client_for(url: str, operator: str | None = "ana") -> TesseraHubClient:
    return TesseraHubClient(HubConfig(url=url, operator=operator, timeout_s=2.0))


@asynccontextmanager
async def opened(
    client: Any, path: Path, notices: Notices | None = None
) -> AsyncIterator[Bookmarks]:
    book = Bookmarks(
        client, path, notices=notices, operator="ana", backoff=Backoff(0.02, 0.1, jitter=0.0)
    )
    await book.open()
    try:
        yield book
    finally:
        await book.close()
        await client.close()


def run(coro: Any, timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def on_hub(hub: HubThread) -> dict[str, Any]:
    """The hub's bookmarks by id (read on its loop thread, where they live)."""
    return hub.call(lambda: {b.id: b.to_json() for b in hub.hub.bookmarks.search(HubQuery())})


def test_a_bookmark_is_journaled_first_then_on_the_hub_under_the_same_id(hub, tmp_path):
    path = tmp_path / "bookmarks.sqlite3"
    counts: list[int] = []
    emitted_on: set[str] = set()

    async def main() -> tuple[Bookmark, Bookmark, str | None]:
        async with opened(client_for(hub.url), path) as book:
            book.pending_changed.connect(counts.append)
            book.changed.connect(lambda *_: emitted_on.add(threading.current_thread().name))
            made = await book.create(
                "cam-03", AT, before_s=5, after_s=25, name="Door", tags=["door", "door", "x"]
            )
            assert await book.wait_sent(10)
            [entry] = await book.entries()
            return made, entry.bookmark, book.journal_thread

    made, journaled, thread = run(main())
    assert made.revision == 0  # not on the hub yet when create returned
    assert (made.start, made.end) == (AT - timedelta(seconds=5), AT + timedelta(seconds=25))
    assert made.tags == ("door", "x")
    [stored] = on_hub(hub).values()
    assert stored["id"] == made.id and stored["name"] == "Door"
    assert stored["start"] == "2026-11-22T09:59:55.000Z"
    assert stored["created"]["by"] == "ana"
    assert journaled.revision == stored["revision"] > 0
    assert counts[0] == 1 and counts[-1] == 0
    # The blocking SQLite calls ran on the journal's own thread, never the loop's.
    assert thread is not None and thread.startswith("bookmark-journal")
    assert thread != threading.current_thread().name
    assert emitted_on == {threading.current_thread().name}  # signals come on the loop's thread


def test_the_same_bookmark_sent_twice_is_one_bookmark(hub, tmp_path):
    """The console died after the hub stored it but before it heard the answer: at the next
    start it sends it again, and the hub still has one."""
    path = tmp_path / "bookmarks.sqlite3"
    bookmark = Bookmark(
        id="0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        camera_id="cam-01",
        start=AT,
        end=AT + timedelta(seconds=30),
        name="Twice",
        created_at=AT,
    )
    journal = Journal(path)
    assert journal.open() is None
    journal.add(bookmark)
    journal.close()

    async def main() -> int:
        client = client_for(hub.url)
        first = await client.save_bookmark(bookmark)  # stored; "the answer was lost"
        again = await client.save_bookmark(bookmark)
        assert again == first
        await client.close()
        async with opened(client_for(hub.url), path) as book:
            assert await book.wait_sent(10)
            return book.pending

    assert run(main()) == 0
    assert list(on_hub(hub)) == [bookmark.id]
    events = hub.call(lambda: [e for e in hub.hub.events.since(0) if e["type"] == "bookmark"])
    assert len(events) == 1


def test_edit_protect_and_delete_reach_the_hub(hub, tmp_path):
    path = tmp_path / "bookmarks.sqlite3"
    changes: list[tuple[str, bool]] = []

    async def main() -> None:
        async with opened(client_for(hub.url), path) as book:
            book.changed.connect(lambda b, deleted: changes.append((b.name, deleted)))
            made = await book.create("cam-03", AT, name="Van")
            edited = await book.edit(
                made.id, name="Van at the gate", tags=["vehicle"], end=AT + timedelta(minutes=1)
            )
            assert edited.name == "Van at the gate"
            await book.protect(made.id)
            assert await book.wait_sent(10)
            stored = on_hub(hub)[made.id]
            assert stored["name"] == "Van at the gate" and stored["tags"] == ["vehicle"]
            assert stored["end"] == "2026-11-22T10:01:00.000Z" and stored["protected"]
            assert len(hub.call(lambda: hub.hub.kept_spans("cam-03"))) == 1
            await book.protect(made.id, False)
            assert await book.wait_sent(10)
            assert not on_hub(hub)[made.id]["protected"]
            await book.delete(made.id)
            assert await book.wait_sent(10)
            assert on_hub(hub) == {}
            with pytest.raises(BookmarkError, match="deleted"):
                await book.edit(made.id, name="again")

    run(main())
    assert changes[0] == ("Van", False) and changes[-1][1] is True


def test_another_consoles_bookmark_can_be_edited_here(hub, tmp_path):
    async def main() -> dict[str, Any]:
        other = client_for(hub.url, operator="bo")
        theirs = await other.save_bookmark(
            Bookmark(id="theirs", camera_id="cam-02", start=AT, end=AT, name="Bo's", created_at=AT)
        )
        await other.close()
        async with opened(client_for(hub.url), tmp_path / "j.sqlite3") as book:
            await book.edit(theirs.id, description="seen by ana too")
            assert await book.wait_sent(10)
        return on_hub(hub)["theirs"]

    stored = run(main())
    assert stored["description"] == "seen by ana too"
    assert stored["created"]["by"] == "bo"


def test_search_finds_the_hubs_bookmarks_with_this_consoles_unsent_ones(hub, tmp_path):
    async def main() -> None:
        other = client_for(hub.url, operator="bo")
        for n, camera in enumerate(("cam-01", "cam-02")):
            await other.save_bookmark(
                Bookmark(
                    id=f"bo-{n}",
                    camera_id=camera,
                    start=AT + timedelta(minutes=n),
                    end=AT + timedelta(minutes=n, seconds=10),
                    name=f"Bo van {n}",
                    tags=("vehicle",),
                    created_at=AT,
                )
            )
        await other.close()
        async with opened(client_for(hub.url), tmp_path / "j.sqlite3") as book:
            mine = await book.create("cam-01", AT + timedelta(minutes=5), name="Ana van")
            assert await book.wait_sent(10)

            async def ids(**query: Any) -> list[str]:
                found = await book.search(BookmarkQuery(**query))
                assert found.from_hub
                return [b.id for b in found.bookmarks]

            assert await ids() == ["bo-0", "bo-1", mine.id]
            assert await ids(text="VAN 1") == ["bo-1"]
            assert await ids(tags=frozenset({"vehicle"})) == ["bo-0", "bo-1"]
            assert await ids(camera_ids=frozenset({"cam-01"})) == ["bo-0", mine.id]
            assert await ids(start=AT + timedelta(minutes=2)) == [mine.id]
            await book.protect("bo-1")
            assert await book.wait_sent(10)
            assert await ids(protected=True) == ["bo-1"]

    run(main())


def test_search_while_the_hub_is_away_shows_this_consoles_own(tmp_path):
    away = HubProcess()  # never started: nothing listens on its port

    async def main() -> None:
        async with opened(client_for(away.url), tmp_path / "j.sqlite3") as book:
            made = await book.create("cam-01", AT, name="Offline", tags=["x"])
            found = await book.search(BookmarkQuery(tags=frozenset({"x"})))
            assert not found.from_hub and found.problem
            assert [b.id for b in found.bookmarks] == [made.id]
            assert found.pending_ids == {made.id}
            assert (await book.search(BookmarkQuery(text="online"))).bookmarks == ()

    run(main())


def test_bookmarks_made_while_the_hub_is_down_are_kept_and_sent_when_it_is_back(tmp_path):
    hub = HubProcess(alerts="off")  # started later, on the port the client already uses
    path = tmp_path / "bookmarks.sqlite3"

    async def first_session() -> int:
        async with opened(client_for(hub.url), path) as book:
            await book.create("cam-01", AT, name="down 1")
            await book.create("cam-02", AT, name="down 2")
            assert not await book.wait_sent(0.3)
            return book.pending  # ... and the console quits with them pending

    async def second_session() -> tuple[int, int]:
        async with opened(client_for(hub.url), path) as book:
            await book.create("cam-03", AT, name="down 3")
            waiting = book.pending
            await asyncio.get_running_loop().run_in_executor(None, hub.start)
            book.nudge()  # as HubReachability.back would: no waiting out the backoff
            assert await book.wait_sent(15)
            return waiting, book.pending

    assert run(first_session()) == 2
    try:
        assert run(second_session()) == (3, 0)
        with urllib.request.urlopen(f"{hub.url}/api/v1/bookmarks", timeout=10) as r:
            names = sorted(b["name"] for b in json.load(r)["bookmarks"])
    finally:
        hub.stop()
    assert names == ["down 1", "down 2", "down 3"]


def test_a_bookmark_the_hub_refuses_is_kept_and_reported(hub, tmp_path):
    notices = Notices()

    async def main() -> tuple[Any, int]:
        async with opened(client_for(hub.url), tmp_path / "j.sqlite3", notices) as book:
            made = await book.create(PTZ_CAM, AT, name="Not recorded")
            await book.protect(made.id)
            assert await book.wait_sent(10)  # refused for good is not pending
            found = await book.search()
            return found.refused, book.pending

    refused, pending = run(main())
    assert pending == 0 and len(refused) == 1
    assert "not recorded" in next(iter(refused.values()))
    [notice] = [n for n in notices.items if n.key and "refused" in n.key]
    assert notice.level is Level.WARNING and "Not recorded" in notice.text


def test_a_damaged_journal_is_kept_aside_and_the_console_goes_on(hub, tmp_path):
    path = tmp_path / "bookmarks.sqlite3"
    garbage = b"this is not SQLite at all\x00" * 100
    path.write_bytes(garbage)
    notices = Notices()

    async def main() -> tuple[str | None, int]:
        async with opened(client_for(hub.url), path, notices) as book:
            await book.create("cam-01", AT, name="After the damage")
            assert await book.wait_sent(10)
            return book.problem, len(await book.entries())

    problem, rows = run(main())
    assert problem is not None and "damaged" in problem and "new journal" in problem
    [kept] = tmp_path.glob("bookmarks.sqlite3.damaged-*")
    assert kept.read_bytes() == garbage
    assert problem in [n.text for n in notices.items]
    assert rows == 1


def test_a_journal_of_another_program_is_not_taken_for_ours(tmp_path):
    path = tmp_path / "bookmarks.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE other (x)")
    journal = Journal(path)
    problem = journal.open()
    journal.close()
    assert problem is not None and "damaged" in problem
    assert len(list(tmp_path.glob("bookmarks.sqlite3.damaged-*"))) == 1


def test_local_checks_refuse_what_the_hub_would_refuse(hub, tmp_path):
    async def main() -> None:
        async with opened(client_for(hub.url), tmp_path / "j.sqlite3") as book:
            for kwargs in (
                {"tags": ["a,b"]},
                {"tags": [f"t{n}" for n in range(21)]},
                {"name": "x" * 201},
                {"name": "bell\x07"},
                {"before_s": -1},
                {"after_s": 25 * 3600},
            ):
                with pytest.raises(BookmarkError):
                    await book.create("cam-01", AT, **kwargs)
            assert await book.entries() == []
            with pytest.raises(ValueError):
                await book.create("cam-01", AT.replace(tzinfo=None))

    run(main())


def test_a_multi_source_console_routes_bookmarks_to_the_cameras_source(hub_factory, tmp_path):
    first, second = hub_factory(), hub_factory()

    async def main() -> tuple[str, list[str]]:
        multi = MultiSourceClient({"a": client_for(first.url), "b": client_for(second.url)})
        async with opened(multi, tmp_path / "j.sqlite3") as book:
            made = await book.create("b/cam-02", AT, name="On b")
            assert made.id.startswith("b/")
            assert await book.wait_sent(10)
            found = await book.search(BookmarkQuery(camera_ids=frozenset({"b/cam-02"})))
            await book.edit(made.id, name="On b, edited")
            assert await book.wait_sent(10)
            return made.id, [b.id for b in found.bookmarks]

    made_id, found = run(main())
    own = made_id.split("/", 1)[1]
    assert on_hub(first) == {}
    stored = on_hub(second)[own]
    assert stored["camera_id"] == "cam-02" and stored["name"] == "On b, edited"
    assert found == [made_id]


def test_bookmark_events_of_a_source_carry_console_wide_ids():
    multi = MultiSourceClient(
        {"a": client_for("http://127.0.0.1:9"), "b": client_for("http://127.0.0.1:9")}
    )
    mark = Bookmark(id="x1", camera_id="cam-01", start=AT, end=AT, name="n", created_at=AT)
    event = HubEvent(
        seq=7, type="bookmark", time=AT, camera_id="cam-01", bookmark=mark,
        bookmark_change=BookmarkChange.CREATED,
    )  # fmt: skip
    renamed = multi.requalify_event("b", event)
    assert renamed.bookmark is not None
    assert (renamed.bookmark.id, renamed.bookmark.camera_id) == ("b/x1", "b/cam-01")
    assert renamed.camera_id == "b/cam-01" and renamed.bookmark_change is BookmarkChange.CREATED
    assert multi.new_bookmark_id("b/cam-01").startswith("b/")
    assert multi.bookmarks_facet is multi


def test_an_edit_made_while_the_previous_one_was_on_its_way_stays_pending(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3")
    assert journal.open() is None
    mark = Bookmark(id="b1", camera_id="cam-01", start=AT, end=AT, name="v1", created_at=AT)
    in_flight = journal.add(mark)  # the sender took this copy (content_rev 1) ...
    journal.edit(dataclasses.replace(mark, name="v2"))  # ... the operator edits meanwhile
    hub_copy = dataclasses.replace(mark, revision=5)
    after = journal.content_acknowledged("b1", in_flight.content_rev, hub_copy)
    assert after.pending and after.bookmark.name == "v2" and after.bookmark.revision == 5
    latest = journal.get("b1")
    assert latest is not None
    done = journal.content_acknowledged("b1", latest.content_rev, hub_copy)
    assert not done.pending and journal.pending_count() == 0
    journal.set_protected("b1", True)
    journal.refused("b1", "not recorded")
    assert journal.pending_count() == 0  # refused for good: not sent again ...
    assert journal.edit(dataclasses.replace(mark, name="v3")).pending  # ... until changed
    journal.close()
