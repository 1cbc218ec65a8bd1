"""`loads_in_slices` gives what `json.loads` gives, and lets the loop run while it works."""

from __future__ import annotations

import asyncio
import gc
import json
import time

import pytest

from console.hub.sliced_json import (
    CHUNK_BYTES,
    MAX_DEPTH,
    MAX_STRING_BYTES,
    SMALL_BODY_BYTES,
    UnreadableJsonError,
    collector_paused,
    loads_in_slices,
)

CAMERA = {
    "id": "cam-1",
    "name": 'Gate [north] "A" \\ ü \u202e',
    "profiles": [{"name": "main", "width": 1280, "fps": 12.5}],
    "ptz": {"pan": {"min": -170.0, "max": 1.7e2}, "on": True, "x": None},
}
DOCUMENTS = {
    "a camera list": {"cameras": [dict(CAMERA, id=f"cam-{i}") for i in range(3000)]},
    "deep nesting": [[[[[[[[1, {"a": [[[[[]]]]]}]]]]]]]] * 3000,
    "a long string and a flat array": {"s": "x" * 200_000, "b": [True, None, -1.5e-3] * 9000},
    "numbers": list(range(40_000)),
    "an empty object among big ones": [{}, [], "", 0] * 20_000,
}


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("indent", [None, 2])
def test_the_result_is_what_json_loads_gives(name, indent):
    text = json.dumps(DOCUMENTS[name], indent=indent, ensure_ascii=indent is None)
    assert len(text) > SMALL_BODY_BYTES  # the sliced path, not the small-body shortcut
    assert run(loads_in_slices(text.encode())) == json.loads(text)


@pytest.mark.parametrize(
    "broken",
    ['{"a": 1,}', "[1 2]", '{"a" 1}', "[1, 2", '{"a": [1]} x', "[" * 100 + "]" * 100, "{1: 2}"],
)
def test_broken_json_is_unreadable(broken):
    padded = broken + " " * (SMALL_BODY_BYTES + 1)
    with pytest.raises(UnreadableJsonError):
        run(loads_in_slices(padded))


@pytest.mark.parametrize("size", [100, SMALL_BODY_BYTES + 1])
def test_bytes_that_are_not_utf8_are_unreadable(size):
    with pytest.raises(UnreadableJsonError):
        run(loads_in_slices(b'"\xff' + b" " * size))


@pytest.mark.parametrize("small", [True, False])
def test_broken_json_is_unreadable_on_both_paths_and_not_quoted(small):
    secret = '{"token": "hunter2", "x": [1 2]}'
    text = secret if small else secret + " " * SMALL_BODY_BYTES
    with pytest.raises(UnreadableJsonError) as info:
        run(loads_in_slices(text))
    assert "hunter2" not in str(info.value)


def test_a_megabyte_of_brackets_is_refused_quickly():
    # ijson's path stage keeps the path to every open container: memory grows with the square
    # of the depth, so the depth is refused before that stage sees it.
    started = time.perf_counter()
    with pytest.raises(UnreadableJsonError, match=f"deeper than {MAX_DEPTH}"):
        run(loads_in_slices(b"[" * 1024 * 1024))
    assert time.perf_counter() - started < 5


def test_nesting_up_to_the_limit_is_read():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH + " " * SMALL_BODY_BYTES
    assert run(loads_in_slices(text)) == json.loads(text)


def test_json_nested_past_the_recursion_limit_is_unreadable_on_the_small_path():
    with pytest.raises(UnreadableJsonError):
        run(loads_in_slices("[" * 30_000 + "]" * 30_000))


def test_the_loop_runs_while_a_large_list_is_parsed():
    text = json.dumps(DOCUMENTS["a camera list"] | {"more": list(range(50_000))})
    chunks = len(text) // CHUNK_BYTES
    assert chunks > 50

    async def main():
        turns = 0

        async def count():
            nonlocal turns
            while True:
                await asyncio.sleep(0)
                turns += 1

        counter = asyncio.ensure_future(count())
        await loads_in_slices(text, slice_s=0.0)
        counter.cancel()
        return turns

    # With no time allowed per slice, the loop gets a turn at every chunk (CPU-time bounds are
    # checked where they matter, in the GUI stall test).
    assert run(main()) >= chunks


def test_the_collector_is_paused_and_restored_nested():
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()


def test_a_small_body_takes_the_one_call_path():
    started = time.perf_counter()
    assert run(loads_in_slices(b'{"a": [1, 2]}')) == {"a": [1, 2]}
    assert time.perf_counter() - started < 5  # (no bound meant: it merely runs)


def test_a_20_mb_string_is_cut_and_the_rest_is_read_in_linear_time():
    # yajl lexes an unfinished token again from its start on every chunk: in 16 KiB chunks a
    # 20 MB string cost 8.8 s of CPU (29 ms a chunk at its end) on a loaded 2-core machine.
    # Lexed whole, it cost one stretch of up to 102 ms; now it is cut at MAX_STRING_BYTES.
    text = json.dumps({"cameras": [CAMERA] * 20, "padding": "x" * (20 * 1024 * 1024), "n": 1})
    started = time.thread_time()  # CPU time: what a busy machine does not inflate
    result = run(loads_in_slices(text.encode()))
    assert time.thread_time() - started < 2.0
    assert result["cameras"] == [CAMERA] * 20
    assert result["n"] == 1
    assert result["padding"].endswith("…")
    assert MAX_STRING_BYTES <= len(result["padding"]) - 1 <= 2 * MAX_STRING_BYTES + CHUNK_BYTES
    assert set(result["padding"][:-1]) == {"x"}


# What a cut may fall inside of: escapes of every kind, a surrogate pair, UTF-8 of 2 to 4 bytes.
PIECES = ["x", "\\", '"', "\n", "é", "€", "😀", "\u202e"]


@pytest.mark.parametrize("shift", range(0, 13))
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_long_string_is_cut_at_a_whole_character_wherever_the_chunks_fall(shift, ascii_only):
    value = "".join(PIECES) * (MAX_STRING_BYTES // 8) + "end"  # cut past 2 MiB of it
    document = {"before": "a" * shift, "s": value, "after": [1, "two", {"three": None}]}
    text = json.dumps(document, ensure_ascii=ascii_only)
    result = run(loads_in_slices(text.encode()))
    assert result["before"] == document["before"]
    assert result["after"] == document["after"]
    assert result["s"].endswith("…")
    kept = result["s"][:-1]
    assert value.startswith(kept)  # a prefix, cut between two whole characters
    assert len(kept.encode()) >= MAX_STRING_BYTES // 2


def test_strings_up_to_the_limit_are_read_whole():
    # The limit is in bytes as the hub sent them: "é" is 2 bytes of UTF-8, 6 as "\\u00e9".
    document = {"s": "é" * (MAX_STRING_BYTES // 2 - 8), "t": "y" * (MAX_STRING_BYTES - 8)}
    text = json.dumps(document, ensure_ascii=False)
    assert run(loads_in_slices(text.encode())) == json.loads(text)


def test_a_long_run_of_blank_space_or_a_string_of_blanks_is_read_whole():
    for text in [
        "[1," + " " * (3 * MAX_STRING_BYTES) + "2]",
        json.dumps([" " * (3 * MAX_STRING_BYTES), 2]),
    ]:
        started = time.thread_time()
        assert run(loads_in_slices(text.encode())) == json.loads(text)
        assert time.thread_time() - started < 2.0


def test_a_number_longer_than_the_limit_is_refused():
    with pytest.raises(UnreadableJsonError, match="number"):
        run(loads_in_slices(b"[" + b"1" * (3 * MAX_STRING_BYTES) + b"]"))


def test_a_long_string_that_never_ends_is_refused():
    with pytest.raises(UnreadableJsonError, match="does not end"):
        run(loads_in_slices(b'["' + b"x" * (3 * MAX_STRING_BYTES)))
