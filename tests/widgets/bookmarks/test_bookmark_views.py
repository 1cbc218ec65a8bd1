"""The bookmark views (issue 16, section 3) against a real demo hub in a thread, offscreen: B on
the wall journals a bookmark of the selected tile's camera and opens the editor; the dock lists
it (pending, then on the hub), finds it by words and #tag, filters to the selected camera, and
its keys play (Enter), edit (E), protect (P) and delete (Delete, after asking)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from console.alerts.replay import Moment, ReplayState, ReplayStatus
from console.base.signals import Signal
from console.bookmarks.core import Bookmarks
from console.hub.models import BookmarkQuery
from console.hub.registry import HubConfig
from console.hub.retry import Backoff
from console.hub.tessera_api import TesseraHubClient
from tests.support.hubthread import HubThread
from widgets.bookmarks.bookmark_editor import BookmarkEditor, parse_tags
from widgets.bookmarks.bookmark_list import BookmarkListPanel, parse_search
from widgets.common.hub_text import shown
from widgets.shell.wall_window import SHORTCUTS, WallWindow


class FakeReplay:
    """What the list and its replay pane use of AlarmReplay; records what was opened."""

    def __init__(self) -> None:
        self.changed = Signal()
        self.frame_ready = Signal()
        self.state = ReplayState(ReplayStatus.IDLE)
        self.player = None
        self.opened: list[Moment] = []

    def position(self):
        return None

    def show_moment(self, moment: Moment) -> None:
        self.opened.append(moment)
        self.state = ReplayState(ReplayStatus.LOADING, "", moment=moment)
        self.changed.emit(self.state)

    def stop(self) -> None:
        pass


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def state_of(panel: BookmarkListPanel, bookmark_id: str) -> str | None:
    """The State column of that bookmark's row."""
    for row in range(panel.table.rowCount()):
        if panel.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == bookmark_id:
            return panel.table.item(row, 4).text()
    return None


@pytest.fixture
def hub():
    hub = HubThread()
    yield hub
    hub.close()


@pytest.fixture
def bookmarks(hub, qloop, tmp_path):
    client = TesseraHubClient(HubConfig(url=hub.url, operator="ana", timeout_s=2.0))
    book = Bookmarks(client, tmp_path / "bookmarks.sqlite3", backoff=Backoff(0.02, 0.1, jitter=0.0))
    qloop.run_until_complete(book.open())
    # Its sender must first wait inside the running loop: qasync runs a task's steps on Qt
    # events too, and asyncio's primitives need a running loop (the console's always runs).
    qloop.run_until_complete(asyncio.sleep(0.05))
    yield book
    qloop.run_until_complete(book.close())
    qloop.run_until_complete(client.close())


def test_search_words_and_tags():
    assert parse_search("gate  #night #car") == BookmarkQuery(
        text="gate", tags=frozenset({"night", "car"})
    )
    assert parse_search("") == BookmarkQuery()
    assert parse_tags(" night, car ,, ") == ["night", "car"]


# `station` last: it is closed first, while the window (deleted once the loop runs again, in
# the bookmarks' teardown) still follows it.
def test_b_on_the_wall_journals_a_bookmark_and_the_editor_only_edits_it(
    qtbot, qloop, bookmarks, hub, station
):
    async def scenario() -> None:
        replay = FakeReplay()
        window = WallWindow(station, 0, lambda: None, bookmarks=bookmarks, replay=replay)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        wall = station.walls[0]
        wall.select(wall.layout.tiles[0].id)  # cam-01
        window.activateWindow()
        window.focus_wall()
        await until(lambda: window.isActiveWindow() and window.wall_view.hasFocus())
        pressed = time.time()
        qtbot.keyClick(window.wall_view, Qt.Key.Key_B)
        await until(lambda: window.bookmark_editor is not None)
        editor = window.bookmark_editor
        assert editor.isVisible() and not editor.isModal()
        made = editor.bookmark
        entries = await bookmarks.entries()
        assert [e.bookmark.id for e in entries] == [made.id]  # journaled before any edit
        assert made.camera_id == "cam-01" and made.duration_s == pytest.approx(30.0, abs=0.002)
        assert abs(made.start.timestamp() + 10 - pressed) < 1.0
        # The editor: a name, a tag, a start two seconds earlier; Save edits that same bookmark.
        editor.name_edit.setText("Van at the gate")
        editor.tags_edit.setText("night, car")
        editor.start_edit.setDateTime(editor.start_edit.dateTime().addSecs(-2))
        editor.save()
        await until(lambda: not editor.isVisible())
        assert editor.bookmark.id == made.id and editor.bookmark.tags == ("night", "car")
        assert (made.start - editor.bookmark.start) >= timedelta(seconds=1.9)
        sent = await bookmarks.wait_sent(5)
        assert sent, await bookmarks.entries()
        status, body = hub.get_json(f"/api/v1/bookmarks/{made.id}")
        assert status == 200 and body["name"] == "Van at the gate"
        # The dock lists it; the menu names the key; F1's sheet has it.
        panel = window.bookmark_panel
        await until(lambda: panel.found.bookmarks and not panel.found.pending_ids)
        assert panel.table.item(0, 2).text() == shown("Van at the gate")
        assert window.bookmark_action.shortcut().toString() == "B"
        assert any(key == "B" for _s, keys in SHORTCUTS for key, _w in keys)
        assert panel.search in window.panes()
        await window.aclose()

    qloop.run_until_complete(scenario())


def test_b_without_a_camera_says_so_and_makes_nothing(qtbot, qloop, bookmarks, station):
    window = WallWindow(station, 0, lambda: None, bookmarks=bookmarks)
    qtbot.addWidget(window)
    window.show()
    wall = station.walls[0]
    wall.select(wall.layout.tiles[3].id)  # an empty tile
    window.create_bookmark()
    assert "Select a tile with a camera" in station.notices.items[-1].text
    assert window.bookmark_editor is None
    assert qloop.run_until_complete(bookmarks.entries()) == []


def test_the_list_finds_filters_plays_edits_protects_and_deletes(qtbot, qloop, bookmarks, hub):
    """Everything in one run of the loop: qasync steps tasks on Qt events outside it too,
    where asyncio has no running loop (the console's loop always runs)."""

    async def scenario() -> None:
        now = datetime.now(timezone.utc)
        gate = await bookmarks.create("cam-01", now, name="Gate <b>van</b>", tags=["night", "car"])
        await bookmarks.create("cam-02", now, name="Lobby", tags=["day"])
        edited: list[str] = []
        asked: list[str] = []
        replay = FakeReplay()
        panel = BookmarkListPanel(
            bookmarks,
            lambda cam: f"Camera {cam[-1]}",
            lambda b: edited.append(b.id),
            replay=replay,  # type: ignore[arg-type]
            confirm_delete=lambda _parent, b: asked.append(b.id) or True,
        )
        qtbot.addWidget(panel)
        panel.show()
        await until(lambda: len(panel.found.bookmarks) == 2)
        # Pending until the hub has them, then not.
        await until(lambda: not panel.found.pending_ids, 5)
        assert await bookmarks.wait_sent(5)
        # Words and tags.
        panel.search.setText("van #night")
        panel.refresh_now()
        await until(lambda: len(panel.found.bookmarks) == 1)
        assert panel.found.bookmarks[0].id == gate.id
        assert panel.table.item(0, 2).text() == shown("Gate <b>van</b>")  # hub text, not markup
        panel.search.setText("")
        panel.refresh_now()
        await until(lambda: len(panel.found.bookmarks) == 2)
        # The selected camera only.
        panel.set_camera("cam-02")
        panel.camera_only.setChecked(True)
        await until(lambda: len(panel.found.bookmarks) == 1)
        assert panel.found.bookmarks[0].camera_id == "cam-02"
        panel.camera_only.setChecked(False)
        await until(lambda: len(panel.found.bookmarks) == 2)
        # Down from the search box into the list; Enter plays from the start.
        panel.search.setFocus()
        qtbot.keyClick(panel.search, Qt.Key.Key_Down)
        assert panel.table.hasFocus() or panel.table.currentRow() == 0
        assert panel.select(gate.id)
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
        assert replay.opened == [Moment("cam-01", gate.start, gate.name, until=gate.end)]
        qtbot.keyClick(panel.table, Qt.Key.Key_E)
        assert edited == [gate.id]
        # P protects (on the hub too), P again lifts it.
        qtbot.keyClick(panel.table, Qt.Key.Key_P)
        await until(lambda: "protected" in (state_of(panel, gate.id) or ""))
        assert await bookmarks.wait_sent(5)
        assert hub.get_json(f"/api/v1/bookmarks/{gate.id}")[1]["protected"] is True
        await until(lambda: state_of(panel, gate.id) == "protected")  # no longer pending
        assert panel.select(gate.id)
        qtbot.keyClick(panel.table, Qt.Key.Key_P)
        await until(lambda: state_of(panel, gate.id) == "")
        assert await bookmarks.wait_sent(5)
        assert hub.get_json(f"/api/v1/bookmarks/{gate.id}")[1]["protected"] is False
        # Delete asks, then deletes (on the hub too).
        assert panel.select(gate.id)
        qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
        assert asked == [gate.id]
        await until(lambda: len(panel.found.bookmarks) == 1)  # the journal has the delete
        assert await bookmarks.wait_sent(5)
        assert hub.get_json(f"/api/v1/bookmarks/{gate.id}")[0] == 404
        await panel.aclose()

    qloop.run_until_complete(scenario())


def test_a_hub_without_bookmarks_takes_b_and_the_dock_away(qtbot, qloop, bookmarks, station):
    window = WallWindow(station, 0, lambda: None, bookmarks=bookmarks)
    qtbot.addWidget(window)
    window.show()
    assert window.bookmark_action.isVisible() and window.bookmark_panel.search in window.panes()
    window.drop_bookmarks()
    assert not window.bookmark_action.isVisible() and not window.bookmark_action.isEnabled()
    assert window.bookmark_panel.search not in window.panes()
    wall = station.walls[0]
    wall.select(wall.layout.tiles[0].id)
    window.create_bookmark()
    assert window.bookmark_editor is None
    assert qloop.run_until_complete(bookmarks.entries()) == []


def test_while_the_hub_is_away_the_list_shows_its_own_as_pending(qtbot, qloop, tmp_path):
    client = TesseraHubClient(HubConfig(url="http://127.0.0.1:9", operator="ana", timeout_s=0.5))
    book = Bookmarks(client, tmp_path / "away.sqlite3", backoff=Backoff(5.0, 5.0, jitter=0.0))

    async def scenario() -> None:
        await book.open()
        try:
            made = await book.create("cam-03", datetime.now(timezone.utc), tags=["night"])
            panel = BookmarkListPanel(book, lambda cam: cam, lambda _b: None)
            qtbot.addWidget(panel)
            await until(lambda: [b.id for b in panel.found.bookmarks] == [made.id], 5)
            assert state_of(panel, made.id) == "pending"
            assert "1 not yet on the hub" in panel.summary.text()
            assert "the hub's are not shown" in panel.summary.text()
            panel.search.setText("#day")  # the journal's own are searched too
            panel.refresh_now()
            await until(lambda: not panel.found.bookmarks, 5)
            await panel.aclose()
        finally:
            await book.close()
            await client.close()

    qloop.run_until_complete(scenario())


def test_the_editor_says_why_it_cannot_save_and_esc_leaves_the_bookmark_as_made(
    qtbot, qloop, bookmarks, qapp
):
    # As in the console: closing the only window (the editor, here) does not quit the loop.
    qapp.setQuitOnLastWindowClosed(False)

    async def scenario() -> None:
        made = await bookmarks.create("cam-01", datetime.now(timezone.utc))
        editor = BookmarkEditor(bookmarks, made, lambda cam: "Gate <i>1</i>")
        qtbot.addWidget(editor)
        editor.show()
        assert editor.camera_label.text() == shown("Gate <i>1</i>")
        editor.end_edit.setDateTime(editor.start_edit.dateTime().addSecs(-5))
        editor.save()
        await until(lambda: editor.problem.text() != "")
        assert editor.problem.text() == "A bookmark cannot end before it starts."
        assert editor.isVisible()
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
        assert not editor.isVisible()
        (entry,) = await bookmarks.entries()
        kept = entry.bookmark  # as made (the hub may have acknowledged it meanwhile)
        assert (kept.start, kept.end, kept.name, kept.tags) == (
            made.start,
            made.end,
            made.name,
            made.tags,
        )
        await editor.aclose()

    try:
        qloop.run_until_complete(scenario())
    finally:
        qapp.setQuitOnLastWindowClosed(True)
