"""The stop line's pieces on their own: command numbers drawn from two threads, and a line
that is closed or never started."""

from __future__ import annotations

import threading

from console.ptz.control import SeqCounter
from console.ptz.stop_line import StopLine
from tests.support.hubthread import PTZ_CAM


def test_command_numbers_drawn_from_two_threads_never_repeat():
    seq = SeqCounter(clock_us=lambda: 0)  # a stuck clock: only the counter keeps them apart
    drawn: list[list[int]] = [[], []]

    def draw(out: list[int]) -> None:
        for _ in range(20000):
            out.append(seq())

    threads = [threading.Thread(target=draw, args=(out,)) for out in drawn]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = drawn[0] + drawn[1]
    assert len(set(numbers)) == len(numbers) == 40000


def test_a_stop_line_that_is_not_running_sends_nothing_and_raises_nothing():
    made: list[object] = []
    line = StopLine(lambda: made.append(1))  # type: ignore[arg-type,return-value]
    assert line.stop(PTZ_CAM) is None
    line.prepare(PTZ_CAM)
    line.close()
    assert not made
