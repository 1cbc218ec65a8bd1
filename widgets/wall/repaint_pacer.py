"""`RepaintPacer`: spreads the repaints of many video tiles over consecutive event-loop turns.

Qt paints every dirty widget of a window in one pass. On a wall of 16 composited tiles that
pass costs 30 to 90 ms on a busy two-core machine (scaling each picture, then the overlays),
and it happens whenever all tiles turn dirty at once: a fade step of the alert overlays, a
burst of alert events, or simply a GUI thread that fell behind while every tile received a
new frame. Each long pass makes the next one long too, since every tile gets a frame
meanwhile, and the GUI thread stops taking input.

The pacer breaks that: tiles ask it for a repaint instead of calling `update()`, and it lets
at most `per_pass` tiles repaint per event-loop turn, oldest request first, giving the loop a
turn (input, network, timers) between passes. A tile that asks again while it waits keeps its
place; it paints its newest frame when its turn comes, so nothing queues up and no latency
builds. With few requests (a quiet wall) every request is served on the next turn.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

DEFAULT_PER_PASS = 4


class RepaintPacer(QObject):
    def __init__(self, per_pass: int = DEFAULT_PER_PASS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if per_pass < 1:
            raise ValueError("per_pass must be at least 1")
        self._per_pass = per_pass
        self._waiting: dict[QWidget, None] = {}  # insertion order: oldest request first
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._pass)
        self.passes = 0
        self.most_waiting = 0  # the longest queue seen (diagnostics and tests)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def request(self, view: QWidget) -> None:
        """Repaint `view` soon: on the next turn, or after the views that asked before it."""
        self._waiting.setdefault(view, None)
        self.most_waiting = max(self.most_waiting, len(self._waiting))
        if not self._timer.isActive():
            self._timer.start()

    def forget(self, view: QWidget) -> None:
        """`view` is going away: drop its pending request."""
        self._waiting.pop(view, None)

    def _pass(self) -> None:
        self.passes += 1
        for _ in range(min(self._per_pass, len(self._waiting))):
            view = next(iter(self._waiting))
            del self._waiting[view]
            try:
                view.update()
            except RuntimeError:  # deleted by Qt before its turn came
                continue
        if self._waiting:
            self._timer.start()  # the rest on the next turn, after Qt has painted these
