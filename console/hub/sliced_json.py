"""JSON parsed in slices, so a large answer from a hub never holds the event loop (the GUI thread).

`json.loads` is one C call that keeps the GIL: a 19 MB list of 50,000 cameras took 2.2 s on a
loaded 2-core machine, and a worker thread does not help (the GUI thread waits for the GIL just
the same). `loads_in_slices` gives the same result, but decodes the document a bounded piece at a
time and lets the loop run between pieces:

- a container whose text is small (at most `MAX_PIECE_CHARS`) and shallow (found by one bounded
  regular-expression match) is decoded by the C decoder in one go: a camera, a profile, an alert;
- a larger one is walked member by member here, each member decoded the same way;
- after `SLICE_S` of work the loop gets its turn (`await asyncio.sleep(0)`).

Parsing 50,000 cameras makes about a million small containers; the cyclic garbage collector's
full passes over them cost 80 ms of CPU each on the GUI thread (measured), so they are held off
while a large answer is read (`collector_paused`). JSON containers hold no cycles: reference
counting frees them all the same.

Errors are `json.JSONDecodeError`s, like `json.loads`. Plain Python (no aiohttp, no Qt).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import re
import time
from collections.abc import Iterator
from typing import Any

# Bodies up to this size are parsed with one `json.loads` (a few ms at most).
SMALL_BODY_BYTES = 64 * 1024
# The most text one C decoder call gets: a few ms on a slow machine.
MAX_PIECE_CHARS = 64 * 1024
SLICE_S = 0.008  # the longest stretch of parsing without the loop running
MAX_DEPTH = 64  # deeper nesting is refused (json.loads would hit the recursion limit anyway)

# A string, then containers nested at most four deep (a camera: camera > profiles > profile, or
# camera > ptz > pan). Possessive quantifiers: a failed match never backtracks, so a match costs
# at most one pass over the `MAX_PIECE_CHARS` it may look at.
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_PLAIN = r'[^{}\[\]"]++'


def _nested(inner: str) -> str:
    member = f"(?:{_STRING}|{_PLAIN}{'|' + inner if inner else ''})*+"
    return rf"(?:\{{{member}\}}|\[{member}\])"


_SMALL_CONTAINER = re.compile(_nested(_nested(_nested(_nested("")))))
_WHITESPACE = re.compile(r"[ \t\n\r]*")


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


class _SlicedParser:
    def __init__(self, text: str, slice_s: float) -> None:
        self._text = text
        self._decoder = json.JSONDecoder()
        self._slice_s = slice_s
        self._slice_started = time.perf_counter()

    def skip(self, i: int) -> int:
        match = _WHITESPACE.match(self._text, i)
        return match.end() if match else i

    def _expect(self, i: int, what: str) -> str:
        if i >= len(self._text):
            raise json.JSONDecodeError(f"Expecting {what}", self._text, i)
        return self._text[i]

    async def _turn(self) -> None:
        if time.perf_counter() - self._slice_started > self._slice_s:
            await asyncio.sleep(0)  # the loop's turn: Qt paints and takes input
            self._slice_started = time.perf_counter()

    async def value(self, i: int, depth: int) -> tuple[Any, int]:
        await self._turn()
        i = self.skip(i)
        first = self._expect(i, "value")
        if first in "{[":
            end = min(len(self._text), i + MAX_PIECE_CHARS)
            if _SMALL_CONTAINER.match(self._text, i, end) is None:
                if depth >= MAX_DEPTH:
                    raise json.JSONDecodeError("Nested too deeply", self._text, i)
                if first == "{":
                    return await self._object(i, depth + 1)
                return await self._array(i, depth + 1)
        # A small container or a scalar (a long string decodes at C speed, ~3 ms per MB).
        return self._decoder.raw_decode(self._text, i)

    async def _object(self, i: int, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        i = self.skip(i + 1)
        if self._expect(i, "property name or '}'") == "}":
            return result, i + 1
        while True:
            if self._expect(i, "property name enclosed in double quotes") != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", self._text, i
                )
            key, i = self._decoder.raw_decode(self._text, i)
            i = self.skip(i)
            if self._expect(i, "':' delimiter") != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", self._text, i)
            result[key], i = await self.value(i + 1, depth)
            i = self.skip(i)
            separator = self._expect(i, "',' delimiter")
            if separator == "}":
                return result, i + 1
            if separator != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", self._text, i)
            i = self.skip(i + 1)

    async def _array(self, i: int, depth: int) -> tuple[list[Any], int]:
        result: list[Any] = []
        i = self.skip(i + 1)
        if self._expect(i, "value or ']'") == "]":
            return result, i + 1
        while True:
            item, i = await self.value(i, depth)
            result.append(item)
            i = self.skip(i)
            separator = self._expect(i, "',' delimiter")
            if separator == "]":
                return result, i + 1
            if separator != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", self._text, i)
            i += 1


async def loads_in_slices(data: bytes | str, *, slice_s: float = SLICE_S) -> Any:
    """What `json.loads(data)` returns, parsed without holding the loop for more than about
    `slice_s` at a time (plus one C decoder call on at most `MAX_PIECE_CHARS`, or one string).

    Raises `json.JSONDecodeError` (or `UnicodeDecodeError` for bytes that are not UTF-8).
    """
    if len(data) <= SMALL_BODY_BYTES:
        return json.loads(data)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    parser = _SlicedParser(text, slice_s)
    with collector_paused():
        result, end = await parser.value(0, 0)
    end = parser.skip(end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return result
