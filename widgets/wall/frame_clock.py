"""`FrameClock`: paints a wall's new video frames on a steady beat, not on each frame's arrival.

Sixteen 15 fps tiles deliver 240 frames a second at unrelated moments. Waking the GUI thread for
each (a cross-thread call, a loop turn, a repaint request) cost about a third of the GUI
thread's time in the wall benchmark. The clock instead looks at every tile of the wall once per
beat (16 ms, about a display refresh) and asks for a repaint of those whose player has a frame
they have not shown; the repaints of one beat are painted in one pass (through the wall's
`RepaintPacer`, so a large wall still paints a few tiles per event-loop turn). A frame waits at
most one beat for its paint, 8 ms on average. Players of clocked tiles signal only their first
frame (`TilePlayer.set_frame_signal`), which keeps call-up as fast as before.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer

BEAT_MS = 16


class ClockedView(Protocol):
    def has_new_frame(self) -> bool: ...

    def repaint_soon(self) -> None: ...


class FrameClock(QObject):
    def __init__(self, beat_ms: int = BEAT_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views: dict[ClockedView, None] = {}
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(beat_ms)
        self._timer.timeout.connect(self._beat)
        self.beats = 0

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def add(self, view: ClockedView) -> None:
        self._views.setdefault(view, None)
        if not self._timer.isActive():
            self._timer.start()

    def discard(self, view: ClockedView) -> None:
        self._views.pop(view, None)
        if not self._views:
            self._timer.stop()

    def _beat(self) -> None:
        self.beats += 1
        for view in list(self._views):
            try:
                if view.has_new_frame():
                    view.repaint_soon()
            except RuntimeError:  # deleted by Qt before it was discarded
                self._views.pop(view, None)
