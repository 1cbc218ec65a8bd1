"""JSON parsed in slices, so a large answer from a hub never holds the event loop (the GUI thread).

`json.loads` is one C call that keeps the GIL: a 19 MB list of 50,000 cameras took 2.2 s on a
loaded 2-core machine, and a worker thread does not help (the GUI thread waits for the GIL just
the same). `loads_in_slices` gives the same result, but hands the document to ijson (its yajl2 C
backend, a maintained incremental parser) `CHUNK_BYTES` at a time, and lets the loop run whenever
`SLICE_S` of work has passed (`await asyncio.sleep(0)`). One chunk costs about 2 ms on a loaded
2-core machine. yajl lexes an unfinished token again from its start with every chunk, so inside
one long token the chunk doubles, up to `MAX_CHUNK_BYTES`, until a token ends. Even so, a
20 MB string cost one GUI-thread stretch of 20 to 87 ms on a quiet 2-core machine (lexing the
whole token again, then building a 20 MB `str`), and 102 ms on a loaded CI machine: over the
100 ms bound. No value of the API comes near `MAX_STRING_BYTES`, so a string longer than that is
cut there, marked with "…" (`_cut_long_string`): yajl never holds more than that of one token. A
number that long is refused. A run of blank space is left alone (yajl keeps none of it).

ijson is used as its own pipeline of coroutines, with one check between two stages: the lexer's
events (`basic_parse`) are counted for nesting depth before they reach the stages that build
Python objects (`parse`, then `items` at the top level). The `parse` stage keeps the dotted path
of every open container, so its memory grows with the square of the depth (40 KB of "[" took
3.9 GB, a megabyte all the memory there was); deeper than `MAX_DEPTH` is refused before it gets
there. The count runs at C speed (`map`, `accumulate`): about an eighth of the parse's time.

Parsing 50,000 cameras makes about a million small containers; the cyclic garbage collector's
full passes over them cost 60-100 ms of CPU each on the GUI thread (measured), so they are held
off while a large answer is read (`collector_paused`). JSON containers hold no cycles: reference
counting frees them all the same.

Bodies up to `SMALL_BODY_BYTES` go to `json.loads` in one call. Above it, what ijson refuses and
`json.loads` accepts: NaN and infinities, numbers out of range of a float, and integers beyond
64 bits (a hub has no business sending them); a lone surrogate escape ("\\ud800") reads as "?".

So the result is what `json.loads` gives, but for strings longer than `MAX_STRING_BYTES`.
Every error is an `UnreadableJsonError` (a `ValueError`) whose message never quotes the document.
Plain Python (no aiohttp, no Qt); ijson is imported here and nowhere else.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import itertools
import json
import logging
import operator
import time
from collections.abc import Iterator
from typing import Any

import ijson

# Bodies up to this size are parsed with one `json.loads` (a few ms at most).
SMALL_BODY_BYTES = 64 * 1024
# What ijson is handed at a time: about 2 ms of work on a loaded 2-core machine (64 KiB took up
# to 7 ms, too close to `SLICE_S`).
CHUNK_BYTES = 16 * 1024
# Inside a long token the chunk doubles up to this (see `loads_in_slices`).
MAX_CHUNK_BYTES = 1024 * 1024
# A string longer than this is cut (see `_cut_long_string`); a number this long is refused.
MAX_STRING_BYTES = 1024 * 1024
SLICE_S = 0.008  # the longest stretch of parsing without the loop running
MAX_DEPTH = 64  # deeper nesting is refused (no answer of the API comes near it)

log = logging.getLogger(__name__)

_BACKEND = ijson.get_backend("yajl2_c")
_BACKSLASH = ord("\\")
_BLANKS = b" \t\r\n"
_NUMBER_BYTES = b"0123456789+-.eE"
_CUT_MARK = '…"'.encode()  # the cut string ends with an ellipsis
_DEPTH_STEP = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
_event_name = operator.itemgetter(0)


class UnreadableJsonError(ValueError):
    """The document is not JSON this console reads: malformed, not UTF-8, nested deeper than
    `MAX_DEPTH`, or with a number out of range. The message says what and where, in bytes."""


_pauses = 0
_collector_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic garbage collection inside (nested uses count; the collector is
    switched back on when the outermost ends, if it was on before)."""
    global _pauses, _collector_was_enabled  # one process-wide collector, by nature
    if _pauses == 0:
        _collector_was_enabled = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _collector_was_enabled:
            gc.enable()


class _Reader:
    """ijson's stages, with the depth checked between lexing and building."""

    def __init__(self) -> None:
        self._events: list[tuple[str, Any]] = ijson.sendable_list()
        self._lexer = _BACKEND.basic_parse_basecoro(self._events, use_float=True)
        self._result: list[Any] = ijson.sendable_list()
        self._builder = _BACKEND.parse_basecoro(_BACKEND.items_basecoro(self._result, "", None))
        self._depth = 0

    def feed(self, chunk: memoryview) -> bool:
        """Lex and build `chunk`; False when it ended no token (it lies inside one)."""
        self._lexer.send(chunk)
        return self._build()

    def finish(self) -> Any:
        self._lexer.close()  # raises if the document is not complete
        self._build()
        return self._result[0]

    def _build(self) -> bool:
        events = self._events
        if not events:
            return False
        steps = map(_DEPTH_STEP.get, map(_event_name, events), itertools.repeat(0))
        depths = list(itertools.accumulate(steps, initial=self._depth))
        if max(depths) > MAX_DEPTH:
            raise UnreadableJsonError(f"nested deeper than {MAX_DEPTH}")
        self._depth = depths[-1]
        collections.deque(map(self._builder.send, events), maxlen=0)  # at C speed
        events.clear()
        return True


def _first_line(exc: ijson.JSONError) -> str:
    """ijson's (yajl's) reason without the excerpt of the document that follows it."""
    reason = exc.args[0] if exc.args else ""
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    return str(reason).split("\n", 1)[0].strip() or type(exc).__name__


async def loads_in_slices(data: bytes | bytearray | str, *, slice_s: float = SLICE_S) -> Any:
    """What `json.loads(data)` returns, parsed without holding the loop for more than about
    `slice_s` at a time (plus one chunk of `CHUNK_BYTES`).

    Raises `UnreadableJsonError`.
    """
    if len(data) <= SMALL_BODY_BYTES:
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
            reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            raise UnreadableJsonError(reason) from None
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError:
        raise UnreadableJsonError("text that cannot be encoded as UTF-8") from None
    body = memoryview(raw)
    reader = _Reader()
    start = end = chunk_start = 0
    size = CHUNK_BYTES
    unended = 0  # bytes fed since the last chunk that ended a token
    slice_started = time.perf_counter()
    with collector_paused():
        try:
            while start < len(body):
                chunk_start, end = start, min(len(body), start + size)
                ended_a_token = reader.feed(body[start:end])
                start = end
                # Inside one long token yajl lexes the whole token again on every chunk: 16 KiB
                # chunks made a 20 MB string cost 8.8 s of CPU, 29 ms a chunk at its end.
                # Doubling the chunk while no token ends keeps that linear, and a string is cut
                # at `MAX_STRING_BYTES`.
                if ended_a_token:
                    size, unended = CHUNK_BYTES, 0
                else:
                    size, unended = min(2 * size, MAX_CHUNK_BYTES), unended + end - chunk_start
                    resume = (
                        _cut_long_string(reader, raw, start)
                        if unended > MAX_STRING_BYTES
                        else start
                    )
                    if resume > start:
                        start, size, unended = resume, CHUNK_BYTES, 0
                if time.perf_counter() - slice_started > slice_s:
                    await asyncio.sleep(0)  # the loop's turn: Qt paints and takes input
                    slice_started = time.perf_counter()
            return reader.finish()
        except (ijson.JSONError, UnreadableJsonError) as exc:
            reason = _first_line(exc) if isinstance(exc, ijson.JSONError) else str(exc)
            where = f"bytes {chunk_start}-{min(len(body), end)} of {len(body)}"
            raise UnreadableJsonError(f"{reason} (in {where})") from None


def _cut_long_string(reader: _Reader, body: bytes | bytearray, at: int) -> int:
    """Ends the string `reader` is inside (all of `body` before `at` has been fed, and more than
    `MAX_STRING_BYTES` of it ended no token) and returns where to go on reading: `at` where
    that was blank space, not a string.

    In a chunk that ends no token, an unescaped '"' can only open a string, never close one, so
    the first unescaped '"' at or after `at` closes the string being read. What is fed instead of
    the rest: the bytes up to the end of an escape or a UTF-8 character begun before `at`, then
    "…" and the closing quote. yajl still lexes every byte it is given.
    """
    recent = body[max(0, at - 64) : at]
    if not recent.strip(_BLANKS):
        return at  # blank space between tokens: yajl holds none of it
    if not recent.translate(None, _NUMBER_BYTES):
        raise UnreadableJsonError(f"a number (or digits) longer than {MAX_STRING_BYTES} bytes")
    close = _closing_quote(body, at)
    if close < 0:
        raise UnreadableJsonError("a string that does not end")
    cut = min(close, _character_end(body, at))
    reader.feed(memoryview(body[at:cut] + _CUT_MARK))
    log.warning("a hub answer holds a string longer than %d bytes: it was cut", MAX_STRING_BYTES)
    return close + 1


def _escape_starts_at(body: bytes | bytearray, i: int) -> bool:
    """Whether the backslash at `i` begins an escape: an even number of backslashes before it
    (each earlier pair is one escaped backslash)."""
    before = i
    while before > 0 and body[before - 1] == _BACKSLASH:
        before -= 1
    return (i - before) % 2 == 0


def _closing_quote(body: bytes | bytearray, at: int) -> int:
    """The first '"' at or after `at` that no backslash escapes, or -1."""
    quote = body.find(b'"', at)
    while quote > 0 and body[quote - 1] == _BACKSLASH and _escape_starts_at(body, quote - 1):
        quote = body.find(b'"', quote + 1)
    return quote


def _character_end(body: bytes | bytearray, at: int) -> int:
    """`at`, or past it to the end of the escape ("\\n", "\\u00e9", a surrogate pair) or the
    UTF-8 character that `at` falls inside of."""
    end = at
    for i in range(at - 1, max(-1, at - 12), -1):  # the escape nearest before `at`
        if body[i] == _BACKSLASH and _escape_starts_at(body, i):
            length = 6 if body[i + 1] == ord("u") else 2
            pair = body[i + 2 : i + 4].lower() in (b"d8", b"d9", b"da", b"db")
            if length == 6 and pair and body[i + 6 : i + 8] == b"\\u":
                length = 12  # a high surrogate and its low half
            end = max(end, i + length)
            break
    while end < len(body) and 0x80 <= body[end] < 0xC0:  # a UTF-8 continuation byte
        end += 1
    return end
