"""FrameClock: repaints what has a new frame, on its beat, and nothing else."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from widgets.wall.frame_clock import FrameClock


class View(QWidget):
    """A real widget standing in for a tile: `fresh` says whether its player has a new frame."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh = False
        self.asked = 0

    def has_new_frame(self) -> bool:
        return self.fresh

    def repaint_soon(self) -> None:
        self.asked += 1
        self.fresh = False  # painting it shows the newest frame


def test_views_with_a_new_frame_are_repainted_on_the_next_beats(qtbot):
    clock = FrameClock(beat_ms=10)
    quiet, busy = View(), View()
    for view in (quiet, busy):
        qtbot.addWidget(view)
        clock.add(view)
    assert clock.running
    busy.fresh = True
    qtbot.waitUntil(lambda: busy.asked == 1, timeout=500)
    start = clock.beats
    qtbot.waitUntil(lambda: clock.beats >= start + 5, timeout=500)
    assert busy.asked == 1 and quiet.asked == 0  # no new frame, no repaint
    busy.fresh = True
    qtbot.waitUntil(lambda: busy.asked == 2, timeout=500)


def test_the_clock_stops_with_no_views_and_skips_deleted_ones(qtbot):
    clock = FrameClock(beat_ms=10)
    view = View()
    clock.add(view)
    clock.discard(view)
    assert not clock.running

    class Gone(View):
        def has_new_frame(self) -> bool:
            raise RuntimeError("Internal C++ object already deleted.")

    gone, alive = Gone(), View()
    qtbot.addWidget(alive)
    clock.add(gone)
    clock.add(alive)
    alive.fresh = True
    qtbot.waitUntil(lambda: alive.asked == 1, timeout=500)
    clock.discard(alive)
    assert not clock.running  # the deleted one was dropped on the way
