"""The demo hub's bookmarks (docs/hub-api.md "Bookmarks"): create-or-replace by a client's id,
edit, delete, search, protect; one `bookmark` event per change.

`BookmarkBook` (loop thread only) keeps the bookmarks by id. A bookmark's id is chosen by the
client, so `PUT /api/v1/bookmarks/{id}` sent twice (a console that crashed before it heard the
answer sends it again) makes one bookmark: the same content again changes nothing and publishes
nothing. A deleted id is remembered (a tombstone, `MAX_TOMBSTONES` of them), so a late retry of
its creation cannot bring it back: 410 `gone`.

Protection: the demo hub writes no video (its scenes are pure functions of time), so there is
nothing to delete and nothing to keep. What it keeps is the rule: `protected_spans(camera_id)`
lists the spans of the camera's protected bookmarks, which a retention sweep must not cut
(`DemoHub.kept_spans`). The spans live in the state file like the bookmarks.

`parse_bookmark_body` and `parse_query` read requests strictly; they raise `BookmarkError` with
the contract's error code and a message naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from demohub.alerts import RequestError, unix_iso
from demohub.events import EventLog
from demohub.recordings import RecordingError, Span, parse_time

__all__ = [
    "BOOKMARK_FIELDS",
    "MAX_BOOKMARKS",
    "Bookmark",
    "BookmarkBody",
    "BookmarkBook",
    "BookmarkError",
    "BookmarkQuery",
    "parse_bookmark_body",
    "parse_query",
]

MAX_BOOKMARKS = 10000
MAX_TOMBSTONES = 10000
MAX_ID = 128
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_TAGS = 20
MAX_TAG = 64
MAX_SPAN_S = 24 * 3600.0
BOOKMARK_FIELDS = ("camera_id", "start", "end", "name", "description", "tags", "revision")
# Ids travel in URLs: letters, digits and `-._~` only (a UUID fits).
_ID = re.compile(r"^[A-Za-z0-9._~-]+$")


class BookmarkError(RequestError):
    """A refused bookmark request."""

    STATUS = {**RequestError.STATUS, "conflict": 409, "gone": 410}


@dataclass(frozen=True)
class BookmarkBody:
    """A checked PUT body. `revision`: None (create or replace), 0 (create only) or the
    revision the client last saw (replace only if still that)."""

    camera_id: str
    start: float
    end: float
    name: str
    description: str
    tags: tuple[str, ...]
    revision: int | None


@dataclass(eq=False)
class Bookmark:
    """One bookmark; times are Unix seconds; `to_json()` gives the contract's Bookmark."""

    id: str
    camera_id: str
    start: float
    end: float
    name: str
    description: str
    tags: tuple[str, ...]
    created_by: str | None
    created_at: float
    protected: bool = False
    revision: int = 0

    def content(self) -> tuple[Any, ...]:
        return (self.camera_id, self.start, self.end, self.name, self.description, self.tags)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "camera_id": self.camera_id,
            "start": unix_iso(self.start),
            "end": unix_iso(self.end),
            "name": self.name,
            "description": self.description,
            "tags": list(self.tags),
            "protected": self.protected,
            "created": {"by": self.created_by, "at": unix_iso(self.created_at)},
            "revision": self.revision,
        }

    def record(self) -> dict[str, Any]:
        """As the state file keeps it (times in Unix seconds)."""
        return {
            "id": self.id,
            "camera_id": self.camera_id,
            "start": self.start,
            "end": self.end,
            "name": self.name,
            "description": self.description,
            "tags": list(self.tags),
            "created_by": self.created_by,
            "created_at": self.created_at,
            "protected": self.protected,
            "revision": self.revision,
        }

    @classmethod
    def from_record(cls, raw: Mapping[str, Any]) -> Bookmark:
        """`record()`'s inverse (KeyError, TypeError or ValueError for anything else)."""
        tags = raw["tags"]
        if not isinstance(tags, list):
            raise TypeError("bookmark tags must be a list")
        created_by = raw["created_by"]
        return cls(
            id=str(raw["id"]),
            camera_id=str(raw["camera_id"]),
            start=float(raw["start"]),
            end=float(raw["end"]),
            name=str(raw["name"]),
            description=str(raw["description"]),
            tags=tuple(str(t) for t in tags),
            created_by=None if created_by is None else str(created_by),
            created_at=float(raw["created_at"]),
            protected=bool(raw["protected"]),
            revision=int(raw["revision"]),
        )


@dataclass(frozen=True)
class BookmarkQuery:
    """A search: every given condition must hold (None: no condition)."""

    text: str | None = None  # in the name or description, ignoring case
    tags: frozenset[str] = frozenset()  # the bookmark carries every one
    camera_ids: frozenset[str] = frozenset()  # the bookmark is of one of them
    start: float | None = None  # the bookmark ends at or after this
    end: float | None = None  # the bookmark starts at or before this
    protected: bool | None = None

    def matches(self, b: Bookmark) -> bool:
        if self.text is not None:
            needle = self.text.casefold()
            if needle not in b.name.casefold() and needle not in b.description.casefold():
                return False
        return (
            self.tags <= set(b.tags)
            and (not self.camera_ids or b.camera_id in self.camera_ids)
            and (self.start is None or b.end >= self.start)
            and (self.end is None or b.start <= self.end)
            and (self.protected is None or b.protected is self.protected)
        )


def _bad(message: str) -> BookmarkError:
    return BookmarkError("bad_request", message)


def check_id(bookmark_id: str) -> str:
    if not (0 < len(bookmark_id) <= MAX_ID and _ID.match(bookmark_id)):
        raise _bad(f"a bookmark id must be 1 to {MAX_ID} letters, digits or -._~ (a UUID, say)")
    return bookmark_id


def _clean(text: str) -> bool:
    return all(ch.isprintable() or ch == " " for ch in text)


def _text(data: Mapping[str, Any], key: str, limit: int, *, required: bool) -> str:
    if key not in data:
        if required:
            raise _bad(f"{key} is required")
        return ""
    value = data[key]
    if not isinstance(value, str):
        raise _bad(f"{key} must be a string")
    if len(value) > limit:
        raise _bad(f"{key} must be at most {limit} characters")
    if required and not value.strip():
        raise _bad(f"{key} must not be empty")
    return value


def _tags(data: Mapping[str, Any]) -> tuple[str, ...]:
    value = data.get("tags", [])
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        raise _bad(f"tags must be an array of at most {MAX_TAGS} strings")
    tags: list[str] = []
    for i, tag in enumerate(value):
        if (
            not isinstance(tag, str)
            or not tag.strip()
            or len(tag) > MAX_TAG
            or "," in tag
            or not _clean(tag)
        ):
            raise _bad(f"tags[{i}] must be 1 to {MAX_TAG} printable characters without a comma")
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _body_time(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if not isinstance(value, str):
        raise _bad(f"{key} is required: a time such as 2026-11-22T10:00:00.000Z")
    try:
        return parse_time(value, key)
    except RecordingError as exc:
        raise _bad(exc.message) from None


def read_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise _bad("the body must be a JSON object")
    return data


def parse_bookmark_body(data: Mapping[str, Any]) -> BookmarkBody:
    """A PUT body, read strictly (BookmarkError `bad_request` naming the field)."""
    for key in data:
        if key not in BOOKMARK_FIELDS:
            raise _bad(f"unknown field {key!r} (allowed: {', '.join(BOOKMARK_FIELDS)})")
    camera_id = data.get("camera_id")
    if not isinstance(camera_id, str) or not camera_id:
        raise _bad("camera_id must be a camera's id")
    start, end = _body_time(data, "start"), _body_time(data, "end")
    if end < start:
        raise _bad("end must not be before start")
    if end - start > MAX_SPAN_S:
        raise _bad(f"a bookmark spans at most {MAX_SPAN_S / 3600:g} hours")
    revision = data.get("revision")
    if revision is not None and (
        isinstance(revision, bool) or not isinstance(revision, int) or revision < 0
    ):
        raise _bad("revision must be a whole number (0: create only)")
    name = _text(data, "name", MAX_NAME, required=True)
    if not _clean(name):
        raise _bad("name must not hold control characters")
    return BookmarkBody(
        camera_id=camera_id,
        start=start,
        end=end,
        name=name,
        description=_text(data, "description", MAX_DESCRIPTION, required=False),
        tags=_tags(data),
        revision=revision,
    )


def _list_param(query: Mapping[str, str], key: str) -> frozenset[str]:
    text = query.get(key)
    if text is None:
        return frozenset()
    parts = frozenset(p.strip() for p in text.split(","))
    if "" in parts:
        raise _bad(f"{key} must be values separated by commas")
    return parts


def parse_query(query: Mapping[str, str]) -> BookmarkQuery:
    """The search parameters of `GET /api/v1/bookmarks` (BookmarkError `bad_request`)."""
    known = {"text", "tags", "camera_id", "from", "to", "protected"}
    for key in query:
        if key not in known:
            raise _bad(f"unknown parameter {key!r} (allowed: {', '.join(sorted(known))})")
    try:
        start = parse_time(query["from"], "from") if "from" in query else None
        end = parse_time(query["to"], "to") if "to" in query else None
    except RecordingError as exc:
        raise _bad(exc.message) from None
    if start is not None and end is not None and end < start:
        raise _bad("to must not be before from")
    protected_text = query.get("protected")
    if protected_text not in (None, "true", "false"):
        raise _bad("protected must be true or false")
    text = query.get("text")
    return BookmarkQuery(
        text=text or None,
        tags=_list_param(query, "tags"),
        camera_ids=_list_param(query, "camera_id"),
        start=start,
        end=end,
        protected=None if protected_text is None else protected_text == "true",
    )


class BookmarkBook:
    """The hub's bookmarks by id, and every change to them as a `bookmark` event.

    Loop thread only. `clock` gives Unix time for `created.at`.
    """

    def __init__(self, events: EventLog, *, clock: Callable[[], float]) -> None:
        self.events = events
        self.clock = clock
        self._bookmarks: dict[str, Bookmark] = {}
        self._tombstones: dict[str, None] = {}  # deleted ids, oldest first

    def __len__(self) -> int:
        return len(self._bookmarks)

    def get(self, bookmark_id: str) -> Bookmark | None:
        return self._bookmarks.get(bookmark_id)

    def search(self, query: BookmarkQuery) -> list[Bookmark]:
        """The matching bookmarks, by start, then id."""
        found = [b for b in self._bookmarks.values() if query.matches(b)]
        return sorted(found, key=lambda b: (b.start, b.id))

    def put(
        self, bookmark_id: str, body: BookmarkBody, operator: str | None
    ) -> tuple[Bookmark, bool]:
        """Create or replace; (the bookmark, whether it was created). The same content again
        changes nothing (no event): a retried request is answered as the first was.

        BookmarkError `gone` for a deleted id, `conflict` when `body.revision` does not match
        (0: the bookmark must not exist with other content), `not_found` when a revision is
        given for a bookmark that does not exist, `conflict` when the book is full.
        """
        if bookmark_id in self._tombstones:
            raise BookmarkError("gone", f"bookmark {bookmark_id!r} was deleted")
        old = self._bookmarks.get(bookmark_id)
        content = (body.camera_id, body.start, body.end, body.name, body.description, body.tags)
        if old is not None:
            if old.content() == content:
                return old, False
            if body.revision is not None and body.revision != old.revision:
                raise BookmarkError(
                    "conflict",
                    f"bookmark {bookmark_id!r} was changed meanwhile (revision {old.revision}, "
                    f"not {body.revision}); read it again",
                )
            old.camera_id, old.start, old.end = body.camera_id, body.start, body.end
            old.name, old.description, old.tags = body.name, body.description, body.tags
            self._publish(old, "updated")
            return old, False
        if body.revision:
            raise BookmarkError("not_found", f"no bookmark {bookmark_id!r}")
        if len(self._bookmarks) >= MAX_BOOKMARKS:
            raise BookmarkError(
                "conflict", f"the hub keeps at most {MAX_BOOKMARKS} bookmarks; delete some first"
            )
        bookmark = Bookmark(
            id=bookmark_id,
            camera_id=body.camera_id,
            start=body.start,
            end=body.end,
            name=body.name,
            description=body.description,
            tags=body.tags,
            created_by=operator,
            created_at=self.clock(),
        )
        self._bookmarks[bookmark_id] = bookmark
        self._publish(bookmark, "created")
        return bookmark, True

    def delete(self, bookmark_id: str) -> None:
        """Delete (publishes `deleted` with the bookmark as it was). Deleting a deleted id again
        does nothing; BookmarkError `not_found` for an id never known."""
        bookmark = self._bookmarks.pop(bookmark_id, None)
        if bookmark is None:
            if bookmark_id in self._tombstones:
                return
            raise BookmarkError("not_found", f"no bookmark {bookmark_id!r}")
        self._tombstones[bookmark_id] = None
        while len(self._tombstones) > MAX_TOMBSTONES:
            del self._tombstones[next(iter(self._tombstones))]
        self._publish(bookmark, "deleted")

    def protect(self, bookmark_id: str, protected: bool) -> Bookmark:
        """Protect or lift it; the same state again changes nothing (no event)."""
        bookmark = self._bookmarks.get(bookmark_id)
        if bookmark is None:
            code = "gone" if bookmark_id in self._tombstones else "not_found"
            raise BookmarkError(code, f"no bookmark {bookmark_id!r}")
        if bookmark.protected is not protected:
            bookmark.protected = protected
            self._publish(bookmark, "protected" if protected else "unprotected")
        return bookmark

    def protected_spans(self, camera_id: str) -> list[Span]:
        """The spans of the camera's protected bookmarks, by start: kept out of retention."""
        spans = [
            Span(b.start, b.end)
            for b in self._bookmarks.values()
            if b.protected and b.camera_id == camera_id
        ]
        return sorted(spans, key=lambda s: s.start)

    # -- what outlives the process (demohub.state) ------------------------------------------
    def saved(self) -> dict[str, Any]:
        return {
            "bookmarks": [b.record() for b in self._bookmarks.values()],
            "deleted": list(self._tombstones),
        }

    def restore(self, saved: Mapping[str, Any]) -> None:
        """What `saved()` gave (KeyError, TypeError or ValueError when it is not that)."""
        bookmarks = [Bookmark.from_record(raw) for raw in saved["bookmarks"]]
        deleted = saved["deleted"]
        if not isinstance(deleted, list):
            raise TypeError("deleted must be a list")
        self._bookmarks = {b.id: b for b in bookmarks}
        self._tombstones = {str(i): None for i in deleted}

    def _publish(self, bookmark: Bookmark, change: str) -> None:
        # The event's own seq is the bookmark's revision (loop thread only: nothing publishes
        # between reading last_seq and publishing).
        bookmark.revision = self.events.last_seq + 1
        event = self.events.publish(
            "bookmark", bookmark.camera_id, {"change": change, "bookmark": bookmark.to_json()}
        )
        bookmark.revision = event["seq"]
