"""Incident sessions on disk: a round trip, hand-over files, and damaged files that are named
in plain words and never written over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.incident.model import IncidentSession
from console.incident.store import IncidentFileError, IncidentStore, default_folder
from tests.console.incident.incidentdata import at


def a_session(session_id: str = "inc-1", start_s: float = 0) -> IncidentSession:
    return (
        IncidentSession(
            session_id,
            "Gate «نورا»",
            ("cam-01", "cam-07"),
            at(start_s),
            at(start_s + 60),
            lead_in_s=12.5,
            origin="alarm al-3",
        )
        .with_pause_point(at(start_s + 5), "Who saw the van?")
        .with_notes("Debrief:\nthe gate was open")
    )


def test_a_session_comes_back_as_it_was_saved(tmp_path):
    store = IncidentStore(tmp_path / "incidents")
    session = a_session()
    path = store.save(session)
    assert path.parent == tmp_path / "incidents"
    assert store.load(path) == session
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == ("tessera-incident", 1)
    assert store.list() == [(path, session)]


def test_the_default_folder_is_in_the_data_folder(tmp_path):
    # conftest points TESSERA_DATA_DIR at tmp_path / "data"
    assert default_folder() == tmp_path / "data" / "incidents"


def test_a_session_is_handed_over_as_a_file_and_imported(tmp_path):
    mine = IncidentStore(tmp_path / "here")
    theirs = IncidentStore(tmp_path / "there")
    session = a_session()
    file = mine.export(session, tmp_path / "handover.json")
    path, imported = theirs.import_file(file)
    assert imported == session and path.parent == tmp_path / "there"
    # The same id with other content is kept beside it, not written over.
    theirs.save(session.with_notes("their own notes"))
    _, second = theirs.import_file(file)
    assert second.id != session.id and second.notes == session.notes
    assert len(theirs.list()) == 2


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "does not hold a JSON object"),
        (b'{"format": "tessera-layouts", "version": 1}', "not a Tessera incident session"),
        (b'{"format": "tessera-incident", "version": 9, "session": {}}', "newer Tessera"),
        (b'{"format": "tessera-incident", "version": 1, "session": {"id": "x"}}', "missing"),
    ],
)
def test_a_damaged_or_foreign_file_is_named_and_left_untouched(tmp_path, content, words):
    store = IncidentStore(tmp_path)
    path = tmp_path / "inc-1.json"
    path.write_bytes(content)
    with pytest.raises(IncidentFileError, match=words) as caught:
        store.load(path)
    assert str(path) in str(caught.value) and caught.value.path == path
    assert "left as it is" in str(caught.value)
    with pytest.raises(IncidentFileError, match="not written over"):
        store.save(a_session("inc-1"))
    with pytest.raises(IncidentFileError, match="not written over"):
        store.export(a_session("inc-1"), path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inc-1.json"]


def test_a_session_that_breaks_its_own_rules_is_a_damaged_file(tmp_path):
    store = IncidentStore(tmp_path)
    path = store.save(a_session())
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["session"]["end"] = doc["session"]["start"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(IncidentFileError, match="must come after its start"):
        store.load(path)


def test_notes_that_are_not_text_make_a_damaged_file(tmp_path):
    store = IncidentStore(tmp_path)
    path = store.save(a_session())
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["session"]["notes"] = ["not", "text"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(IncidentFileError, match='"notes" is not text'):
        store.load(path)


def test_list_skips_damaged_files_and_says_which(tmp_path):
    store = IncidentStore(tmp_path)
    older = store.save(a_session("inc-a", 0))
    newer = store.save(a_session("inc-b", 600))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a session", encoding="utf-8")
    listed = store.list()
    assert [p for p, _ in listed] == [newer, older]
    assert [e.path.name for e in store.problems] == ["broken.json"]
    assert IncidentStore(tmp_path / "missing").list() == []


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(IncidentFileError, match="does not exist"):
        IncidentStore(tmp_path).load(Path(tmp_path / "gone.json"))
