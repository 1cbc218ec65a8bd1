"""The playback timeline: the strip under a wall in playback mode (issue 16, sections 2 and 4).

It paints a `TimelineData` over a visible time range from one minute to one week: a time axis
(local time) with the playback cursor and its time, an "All cameras" row (what any camera
recorded), the alerts (coloured by priority), the bookmarks (a bar with a flag), the original
operators' acknowledgements and the trainee's (rows shown only when there are such marks), and
one row per camera (recorded spans filled, gaps empty, a camera that is not recorded hatched).

The owner feeds it: `set_data` when the data for `range_changed`'s range has loaded,
`set_position` as the wall's playback clock moves. It asks the owner through its signals:
`seek_requested` (a click, a drag on the axis, Shift+arrows), `range_changed` (whenever the
visible range changes: zoom, keys, `set_range`, follow; a drag of the rows says it once, on
release; a wheel says it per notch, so the owner should load lazily) and `go_to_requested`
(Ctrl+G). Time outside the loaded data's range is drawn as the strip's surface, not as a gap;
`TimelineData.problem` shows as "Incomplete" in the corner, with the reason as its tooltip.

Painting is bounded by pixels, not by data: spans are found by bisection within the visible
range, runs closer than a pixel are drawn as one, and marks one per pixel column and width.
"""

from __future__ import annotations

import bisect
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygon,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from console.hub.models import AlertPriority
from console.playback.timeline_data import (
    MARK_ACK,
    MARK_ALERT,
    MARK_BOOKMARK,
    MARK_TRAINEE_ACK,
    TimelineData,
    TimelineMark,
    TimelineSpan,
)
from widgets.alarms.alert_overlay import alert_colour
from widgets.common import theme
from widgets.common.hub_text import elided, shown_html

# The zoom ladder: how much time the strip shows, from one minute to one week.
ZOOM_LEVELS_S = (60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 604800)
MIN_RANGE_S = ZOOM_LEVELS_S[0]
MAX_RANGE_S = ZOOM_LEVELS_S[-1]
# Tick steps of the axis; the smallest that leaves TICK_MIN_PX between labels is used.
TICK_STEPS_S = (
    *(1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800),
    *(3600, 7200, 10800, 21600, 43200, 86400, 172800),
)
TICK_MIN_PX = 70
DAY_S = 86400

AXIS_HEIGHT = 22
ROW_HEIGHT = 14  # nine cameras and the summary rows in about 200 px
MARK_ROW_HEIGHT = 12
LABEL_WIDTH = 96
RIGHT_MARGIN = 6
DRAG_THRESHOLD_PX = 4
PAN_SHARE = 0.1  # Left / Right pan by this share of the range
SEEK_SHARE = 0.02  # Shift+Left / Right move the cursor by this share of the range
WHEEL_STEP = 120

ROW_MERGED = "merged"
ROW_ALERTS = MARK_ALERT
ROW_BOOKMARKS = MARK_BOOKMARK
ROW_ACKS = MARK_ACK
ROW_TRAINEE = MARK_TRAINEE_ACK
MARK_TITLES = {
    ROW_ALERTS: "Alerts",
    ROW_BOOKMARKS: "Bookmarks",
    ROW_ACKS: "Acknowledged",
    ROW_TRAINEE: "Trainee",
}

RECORDED = QColor(60, 120, 190)
MERGED = QColor(70, 160, 105)
BOOKMARK = QColor(190, 140, 230)
ACK = QColor(150, 200, 150)
TRAINEE_ACK = QColor(90, 200, 220)
CURSOR = theme.SELECTED
PROBLEM_WORD = "Incomplete"
GAP = theme.BACKGROUND


@dataclass(frozen=True)
class _Row:
    key: str  # a camera id, ROW_MERGED or a mark kind
    title: str  # the console's words, or the camera's name (hub text)
    top: int
    height: int
    from_hub: bool = False


@dataclass(frozen=True)
class _Spans:
    """A camera's spans as Unix seconds, for bisection."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]

    @classmethod
    def of(cls, spans: Sequence[TimelineSpan]) -> _Spans:
        return cls(
            tuple(s.start.timestamp() for s in spans), tuple(s.end.timestamp() for s in spans)
        )


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _local_text(t: datetime, with_tenths: bool = True) -> str:
    local = t.astimezone()
    if not with_tenths:
        return local.strftime("%H:%M:%S")
    return f"{local.strftime('%H:%M:%S')}.{local.microsecond // 100000}"


class TimelineView(QWidget):
    """The timeline strip: see the module's docstring."""

    seek_requested = Signal(object)  # aware UTC datetime
    range_changed = Signal(object, object)  # visible start, end (aware UTC)
    go_to_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Playback timeline")
        end = datetime.now(UTC).replace(microsecond=0)
        self._start = end - timedelta(hours=1)
        self._end = end
        self._data: TimelineData | None = None
        self._spans: dict[str, _Spans] = {}
        self._merged = _Spans((), ())
        self._marks: dict[str, tuple[TimelineMark, ...]] = {}
        self._position: datetime | None = None
        self._follow = False
        self._cameras_visible = True
        self._rows: list[_Row] = []
        self._press: QPoint | None = None
        self._press_range: tuple[datetime, datetime] | None = None
        self._dragging = False
        self._scrubbing = False
        self._wheel_rest = 0
        self._layout_rows()

    # -- what it shows ----------------------------------------------------------------------

    def set_data(self, data: TimelineData) -> None:
        self._data = data
        self._spans = {track.camera_id: _Spans.of(track.spans) for track in data.cameras}
        self._merged = _Spans.of(data.merged())
        self._marks = {kind: data.marks_of(kind) for kind in MARK_TITLES}
        self._layout_rows()
        self.update()

    def data(self) -> TimelineData | None:
        return self._data

    def set_position(self, t: datetime | None) -> None:
        """The wall clock's cursor (None: none). With follow on, a cursor that leaves the
        visible range pans it back into view."""
        self._position = None if t is None else _utc(t)
        if self._follow and self._position is not None and self._press is None:
            self._keep_in_view(self._position)
        self.update()

    def position(self) -> datetime | None:
        return self._position

    def set_follow(self, follow: bool) -> None:
        self._follow = follow
        if follow and self._position is not None:
            self._keep_in_view(self._position)

    def camera_tracks_visible(self, visible: bool) -> None:
        self._cameras_visible = visible
        self._layout_rows()
        self.update()

    def set_range(self, start: datetime, end: datetime) -> None:
        """Show [start, end] (aware); a span shorter than a minute or longer than a week is
        widened or narrowed around its middle."""
        self._apply_range(_utc(start), _utc(end))

    def visible_range(self) -> tuple[datetime, datetime]:
        return self._start, self._end

    def zoom(self, factor_steps: int) -> None:
        """Zoom in (positive steps) or out along the ladder, around the cursor when it is in
        view, else around the middle."""
        anchor = self._position
        if anchor is None or not self._start <= anchor <= self._end:
            anchor = self._start + (self._end - self._start) / 2
        self._zoom_around(factor_steps, anchor)

    # -- geometry (public for the owner's tests and tooltips) -------------------------------

    def plot_rect(self) -> QRect:
        """Where time runs: right of the labels, across the axis and rows."""
        return QRect(
            LABEL_WIDTH, 0, max(1, self.width() - LABEL_WIDTH - RIGHT_MARGIN), self.height()
        )

    def x_of(self, t: datetime) -> float:
        plot = self.plot_rect()
        span = (self._end - self._start).total_seconds()
        return plot.left() + (t - self._start).total_seconds() / span * plot.width()

    def time_at(self, x: float) -> datetime:
        plot = self.plot_rect()
        x = min(max(x, plot.left()), plot.left() + plot.width())
        span = (self._end - self._start).total_seconds()
        return self._start + timedelta(seconds=(x - plot.left()) / plot.width() * span)

    def row_rect(self, key: str) -> QRect | None:
        """The rectangle of a row: a camera id, "merged", or a mark kind; None when it is not
        shown."""
        plot = self.plot_rect()
        for row in self._rows:
            if row.key == key:
                return QRect(plot.left(), row.top, plot.width(), row.height)
        return None

    def rows_height(self) -> int:
        return self._rows[-1].top + self._rows[-1].height if self._rows else AXIS_HEIGHT

    # -- layout -----------------------------------------------------------------------------

    def _layout_rows(self) -> None:
        rows: list[_Row] = []
        top = AXIS_HEIGHT
        rows.append(_Row(ROW_MERGED, "All cameras", top, ROW_HEIGHT))
        top += ROW_HEIGHT
        for kind in (ROW_ALERTS, ROW_BOOKMARKS, ROW_ACKS, ROW_TRAINEE):
            if kind in (ROW_ALERTS, ROW_BOOKMARKS) or self._marks.get(kind):
                rows.append(_Row(kind, MARK_TITLES[kind], top, MARK_ROW_HEIGHT))
                top += MARK_ROW_HEIGHT
        if self._cameras_visible and self._data is not None:
            for track in self._data.cameras:
                rows.append(_Row(track.camera_id, track.name, top, ROW_HEIGHT, from_hub=True))
                top += ROW_HEIGHT
        self._rows = rows
        least = AXIS_HEIGHT + ROW_HEIGHT + 2 * MARK_ROW_HEIGHT + 2
        self.setMinimumHeight(least)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(800, self.rows_height() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(LABEL_WIDTH + 120, self.minimumHeight())

    # -- the range --------------------------------------------------------------------------

    def _apply_range(self, start: datetime, end: datetime, *, emit: bool = True) -> None:
        span = (end - start).total_seconds()
        wanted = min(max(span, MIN_RANGE_S), MAX_RANGE_S)
        if wanted != span:
            middle = start + (end - start) / 2
            start = middle - timedelta(seconds=wanted / 2)
            end = start + timedelta(seconds=wanted)
        if (start, end) == (self._start, self._end):
            return
        self._start, self._end = start, end
        self.update()
        if emit:
            self.range_changed.emit(start, end)

    def _zoom_around(self, steps: int, anchor: datetime) -> None:
        span = (self._end - self._start).total_seconds()
        if steps > 0:
            index = bisect.bisect_left(ZOOM_LEVELS_S, span * 0.999) - steps
        else:
            index = bisect.bisect_right(ZOOM_LEVELS_S, span * 1.001) - 1 - steps
        wanted = ZOOM_LEVELS_S[min(max(index, 0), len(ZOOM_LEVELS_S) - 1)]
        share = (anchor - self._start).total_seconds() / span if span else 0.5
        start = anchor - timedelta(seconds=share * wanted)
        self._apply_range(start, start + timedelta(seconds=wanted))

    def _pan(self, share: float) -> None:
        shift = (self._end - self._start) * share
        self._apply_range(self._start + shift, self._end + shift)

    def _keep_in_view(self, t: datetime) -> None:
        span = self._end - self._start
        if t > self._end:
            self._apply_range(t - span * 0.1, t + span * 0.9)
        elif t < self._start:
            self._apply_range(t - span * 0.9, t + span * 0.1)

    def go_to_cursor(self) -> None:
        """Centre the visible range on the cursor (Home)."""
        if self._position is not None:
            half = (self._end - self._start) / 2
            self._apply_range(self._position - half, self._position + half)

    # -- input ------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (self._is_go_to(event) or self._own_key(event))
        ):
            event.accept()
            return True
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            self._show_tooltip(event)
            return True
        return super().event(event)

    @staticmethod
    def _is_go_to(event: QKeyEvent) -> bool:
        return event.key() == Qt.Key.Key_G and bool(
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        )

    @staticmethod
    def _own_key(event: QKeyEvent) -> bool:
        return event.key() in (
            Qt.Key.Key_Plus,
            Qt.Key.Key_Equal,
            Qt.Key.Key_Minus,
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
            Qt.Key.Key_Home,
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if self._is_go_to(event):
            self.go_to_requested.emit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1)
        elif key == Qt.Key.Key_Minus:
            self.zoom(-1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and shift:
            self._seek_by(SEEK_SHARE if key == Qt.Key.Key_Right else -SEEK_SHARE)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._pan(PAN_SHARE if key == Qt.Key.Key_Right else -PAN_SHARE)
        elif key == Qt.Key.Key_Home:
            self.go_to_cursor()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _seek_by(self, share: float) -> None:
        base = self._position or self._start + (self._end - self._start) / 2
        target = base + (self._end - self._start) * share
        self.seek_requested.emit(target)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self._wheel_rest += event.angleDelta().y()
        steps = int(self._wheel_rest / WHEEL_STEP)
        if steps:
            self._wheel_rest -= steps * WHEEL_STEP
            self._zoom_around(steps, self.time_at(event.position().x()))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._press = event.position().toPoint()
        self._press_range = (self._start, self._end)
        self._dragging = False
        self._scrubbing = self._press.y() < AXIS_HEIGHT
        if self._scrubbing:
            self.seek_requested.emit(self.time_at(event.position().x()))
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or self._press_range is None:
            super().mouseMoveEvent(event)
            return
        point = event.position().toPoint()
        if self._scrubbing:
            self.seek_requested.emit(self.time_at(point.x()))
            return
        if not self._dragging and abs(point.x() - self._press.x()) < DRAG_THRESHOLD_PX:
            return
        if not self._dragging:
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        start, end = self._press_range
        shift = (end - start) * ((self._press.x() - point.x()) / self.plot_rect().width())
        self._apply_range(start + shift, end + shift, emit=False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        if self._dragging:
            self.unsetCursor()
            self.range_changed.emit(self._start, self._end)
        elif not self._scrubbing:
            self.seek_requested.emit(self.time_at(event.position().x()))
        self._press = self._press_range = None
        self._dragging = self._scrubbing = False
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    # -- tooltips ---------------------------------------------------------------------------

    def mark_at(self, point: QPoint) -> TimelineMark | None:
        """The mark drawn under `point` (within a few pixels), the latest first."""
        row = next((r for r in self._rows if r.top <= point.y() < r.top + r.height), None)
        if row is None or row.key not in self._marks:
            return None
        best: TimelineMark | None = None
        for mark in self._marks[row.key]:
            left = self.x_of(mark.at)
            right = self.x_of(mark.end) if mark.end is not None else left
            if left - 3 <= point.x() <= max(right, left) + 3:
                best = mark
        return best

    def _show_tooltip(self, event: QHelpEvent) -> None:
        problem = self._data.problem if self._data is not None else ""
        if problem and self._problem_rect().contains(event.pos()):
            QToolTip.showText(event.globalPos(), html.escape(problem), self)
            return
        mark = self.mark_at(event.pos())
        if mark is None:
            row = next((r for r in self._rows if r.top <= event.pos().y() < r.top + r.height), None)
            if row is None or event.pos().x() >= LABEL_WIDTH:
                QToolTip.hideText()
                event.ignore()
                return
            text = shown_html(row.title) if row.from_hub else row.title
        else:
            text = self._mark_text(mark)
        QToolTip.showText(event.globalPos(), text, self)

    def _mark_text(self, mark: TimelineMark) -> str:
        when = mark.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if mark.end is not None and mark.end != mark.at:
            when += f" to {_local_text(mark.end, with_tenths=False)}"
        track = self._data.track(mark.camera_id) if self._data is not None else None
        camera = track.name if track is not None else mark.camera_id
        words = shown_html(mark.title)
        if mark.kind == MARK_ALERT and mark.priority in {p.value for p in AlertPriority}:
            words += f" · {AlertPriority(mark.priority).title}"
        return f"<b>{words}</b><br>{shown_html(camera)} · {when}"

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), theme.SURFACE)
            plot = self.plot_rect()
            p.fillRect(QRect(plot.left(), AXIS_HEIGHT, plot.width(), self.height()), GAP)
            self._paint_not_loaded(p, plot)
            self._paint_axis(p, plot)
            self._paint_problem(p)
            for row in self._rows:
                self._paint_row(p, plot, row)
            self._paint_cursor(p, plot)
            if self.hasFocus():
                p.setPen(QPen(theme.ACCENT, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(self.rect().adjusted(1, 1, -1, -1))
        finally:
            p.end()

    def _paint_not_loaded(self, p: QPainter, plot: QRect) -> None:
        """Time outside the data's range (panned to, not loaded yet) is not a gap: it is
        drawn as the strip's surface, not as empty rows."""
        if self._data is None:
            return
        top, height = AXIS_HEIGHT, self.height() - AXIS_HEIGHT
        if self._data.start > self._start:
            right = min(plot.right() + 1, math.floor(self.x_of(self._data.start)))
            p.fillRect(QRect(plot.left(), top, right - plot.left(), height), theme.SURFACE)
        if self._data.end < self._end:
            left = max(plot.left(), math.ceil(self.x_of(self._data.end)))
            p.fillRect(QRect(left, top, plot.right() + 1 - left, height), theme.SURFACE)

    @staticmethod
    def _problem_rect() -> QRect:
        return QRect(0, 0, LABEL_WIDTH, AXIS_HEIGHT)

    def _paint_problem(self, p: QPainter) -> None:
        """A word in the corner when the data is incomplete; its tooltip says why."""
        if self._data is not None and self._data.problem:
            p.setPen(theme.WARN)
            p.drawText(
                self._problem_rect().adjusted(4, 0, 0, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                PROBLEM_WORD,
            )

    def _tick_step(self, plot: QRect) -> int:
        span = (self._end - self._start).total_seconds()
        for step in TICK_STEPS_S:
            if step / span * plot.width() >= TICK_MIN_PX:
                return step
        return TICK_STEPS_S[-1]

    def ticks(self) -> list[tuple[datetime, str]]:
        """The axis's ticks in view and their labels (local time)."""
        step = self._tick_step(self.plot_rect())
        local_start = self._start.astimezone()
        midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = (local_start - midnight).total_seconds()
        t = midnight + timedelta(seconds=math.ceil(offset / step) * step)
        found: list[tuple[datetime, str]] = []
        while t <= self._end:
            local = t.astimezone()
            if step >= DAY_S or (local.hour, local.minute, local.second) == (0, 0, 0):
                label = local.strftime("%a %d %b")  # a new day
            elif step < 60:
                label = local.strftime("%H:%M:%S")
            else:
                label = local.strftime("%H:%M")
            found.append((_utc(t), label))
            t = t + timedelta(seconds=step)
        return found

    def _paint_axis(self, p: QPainter, plot: QRect) -> None:
        p.setPen(theme.MUTED)
        metrics = p.fontMetrics()
        bottom = self.rows_height()
        for t, label in self.ticks():
            x = round(self.x_of(t))
            p.setPen(theme.RAISED)
            p.drawLine(x, AXIS_HEIGHT, x, bottom)
            p.setPen(theme.MUTED)
            p.drawLine(x, AXIS_HEIGHT - 5, x, AXIS_HEIGHT)
            width = metrics.horizontalAdvance(label)
            if x + 3 + width <= plot.right() + RIGHT_MARGIN:
                p.drawText(x + 3, AXIS_HEIGHT - 7, label)
        p.setPen(theme.RAISED)
        p.drawLine(plot.left(), AXIS_HEIGHT - 1, plot.right(), AXIS_HEIGHT - 1)

    def _paint_row(self, p: QPainter, plot: QRect, row: _Row) -> None:
        metrics = p.fontMetrics()
        label = QRect(4, row.top, LABEL_WIDTH - 8, row.height)
        text = elided(metrics, row.title, label.width()) if row.from_hub else row.title
        p.setPen(theme.TEXT if row.key != ROW_MERGED else theme.SELECTED)
        p.drawText(label, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        band = QRect(plot.left(), row.top + 2, plot.width(), row.height - 4)
        if row.key == ROW_MERGED:
            self._paint_spans(p, band, self._merged, MERGED)
        elif row.key in self._marks:
            self._paint_marks(p, band, row.key)
        elif row.key in self._spans or self._data is not None:
            track = self._data.track(row.key) if self._data is not None else None
            if track is not None and not track.recorded:
                p.fillRect(band, QBrush(theme.RAISED, Qt.BrushStyle.BDiagPattern))
                p.setPen(theme.MUTED)
                p.drawText(band, Qt.AlignmentFlag.AlignCenter, "not recorded")
            else:
                self._paint_spans(p, band, self._spans.get(row.key, _Spans((), ())), RECORDED)

    def _span_runs(self, spans: _Spans, plot: QRect) -> list[tuple[int, int]]:
        """The pixel runs [left, right) of the spans in view, runs less than a pixel apart
        joined."""
        start_s, end_s = self._start.timestamp(), self._end.timestamp()
        first = max(0, bisect.bisect_left(spans.ends, start_s))
        last = bisect.bisect_right(spans.starts, end_s)
        scale = plot.width() / (end_s - start_s)
        runs: list[tuple[int, int]] = []
        for i in range(first, last):
            left = plot.left() + math.floor((max(spans.starts[i], start_s) - start_s) * scale)
            right = plot.left() + math.ceil((min(spans.ends[i], end_s) - start_s) * scale)
            right = max(right, left + 1)
            if runs and left <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], right))
            else:
                runs.append((left, right))
        return runs

    def _paint_spans(self, p: QPainter, band: QRect, spans: _Spans, colour: QColor) -> None:
        for left, right in self._span_runs(spans, band):
            p.fillRect(QRect(left, band.top(), right - left, band.height()), colour)

    def _paint_marks(self, p: QPainter, band: QRect, kind: str) -> None:
        start_s, end_s = self._start.timestamp(), self._end.timestamp()
        scale = band.width() / (end_s - start_s)
        # One colour per pixel column: the most urgent mark there.
        columns: dict[tuple[int, int], int] = {}
        flags: set[int] = set()
        for mark in self._marks[kind]:
            at_s = mark.at.timestamp()
            until_s = mark.end.timestamp() if mark.end is not None else at_s
            if until_s < start_s or at_s > end_s:
                continue
            left = band.left() + math.floor((max(at_s, start_s) - start_s) * scale)
            right = band.left() + math.ceil((min(until_s, end_s) - start_s) * scale)
            width = max(right - left, 3 if mark.end is None or kind == MARK_ALERT else 2)
            key = (left, width)
            columns[key] = max(columns.get(key, 0), mark.priority)
            if kind == MARK_BOOKMARK and start_s <= at_s:
                flags.add(left)
        for (left, width), priority in columns.items():
            p.fillRect(
                QRect(left, band.top(), width, band.height()), self._mark_colour(kind, priority)
            )
        if flags:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(BOOKMARK.lighter(130))
            for left in flags:
                top = band.top() - 2
                p.drawPolygon(
                    QPolygon([QPoint(left, top), QPoint(left + 6, top + 3), QPoint(left, top + 6)])
                )

    @staticmethod
    def _mark_colour(kind: str, priority: int) -> QColor:
        if kind == MARK_ALERT:
            try:
                return alert_colour(AlertPriority(priority))
            except ValueError:
                return alert_colour(AlertPriority.MEDIUM)
        if kind == MARK_BOOKMARK:
            return BOOKMARK
        if kind == MARK_TRAINEE_ACK:
            return TRAINEE_ACK
        return ACK

    def _paint_cursor(self, p: QPainter, plot: QRect) -> None:
        if self._position is None or not self._start <= self._position <= self._end:
            return
        x = round(self.x_of(self._position))
        p.setPen(QPen(CURSOR, 1))
        p.drawLine(x, AXIS_HEIGHT - 4, x, self.rows_height())
        text = _local_text(self._position)
        metrics = p.fontMetrics()
        width = metrics.horizontalAdvance(text) + 8
        left = min(max(x - width // 2, plot.left()), plot.right() - width + 1)
        box = QRect(left, 1, width, AXIS_HEIGHT - 6)
        p.fillRect(box, theme.RAISED)
        p.setPen(CURSOR)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


__all__ = ["MAX_RANGE_S", "MIN_RANGE_S", "ZOOM_LEVELS_S", "TimelineView"]
