"""The alarm list: a dockable table of the alarm book, filtered and sorted, keyboard first.

`AlarmTableModel` mirrors `AlarmBook` but never per alert: changes queue up and are applied at
most once per screen refresh, as one row insertion and a `dataChanged` per run of changed rows,
at most `MAX_ROWS_PER_FLUSH` alarms a time, so a burst of a thousand alerts costs the GUI thread
a few short flushes rather than a thousand layouts or one long one.
`AlarmFilter` filters by priority, state, camera and age and sorts by any column.

Keys in the list: N (or F8 anywhere in the window) goes to the most urgent unacknowledged alarm
and shows its camera; Enter shows the selected alarm's camera; A acknowledges, Shift+A asks for a
note first; C closes (Shift+C with a note) after `CLOSE_UNDO_S`, and Ctrl+Z within that time
takes it back; R replays the moment it fired again. Tab leaves the table. Opening an
alarm shows its camera live on the wall and, with an `AlarmReplay`, its recording from just
before it fired in the pane beside the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.alerts.book import AlarmBook
from console.alerts.replay import AlarmReplay
from console.base.tasks import TaskOwner
from console.hub.models import AlarmState, Alert, AlertPriority
from widgets.alarms.alarm_replay import ReplayPanel
from widgets.alarms.alert_overlay import alert_colour
from widgets.common import theme
from widgets.common.hub_text import shown, shown_html

COLUMNS = ("Priority", "Time", "Camera", "Alert", "State", "Handled by")
PRIORITY, TIME, CAMERA, ALERT, STATE, HANDLED = range(len(COLUMNS))
COLUMN_WIDTHS = (70, 70, 150, 170, 100, 160)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ALERT_ROLE = Qt.ItemDataRole.UserRole + 2

# At most this many alarms per flush; the rest wait for the next refresh. Each new or changed
# row costs the filter and the sort a few Python calls, so one flush stays a few milliseconds.
MAX_ROWS_PER_FLUSH = 64
# How long a close waits, so that Ctrl+Z can take it back (issue 14: C closed at once).
CLOSE_UNDO_S = 5.0
SHUTDOWN_CLOSE_S = 3.0  # at shutdown, closes still waiting are sent; this long at most
NOTE_DIALOG_WIDTH = 420  # wide enough for "Acknowledge alarm" in a window manager's title bar

AGE_FILTERS = {"Any time": None, "Last 15 minutes": 15 * 60, "Last hour": 3600, "Today": None}


def local_time(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")


def _handled(alert: Alert) -> str:
    action = alert.closed or alert.acknowledged
    if action is None:
        return ""
    note = f" - {shown(action.note)}" if action.note else ""
    return f"{shown(action.by)} {local_time(action.at)}{note}"


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of adjacent rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class AlarmTableModel(QAbstractTableModel):
    """The book's alarms as rows (in arrival order), updated in batches at the screen's rate."""

    flushed = Signal()  # after each batch reached the views

    def __init__(
        self,
        book: AlarmBook,
        camera_name: Callable[[str], str],
        parent: QWidget | None = None,
        refresh_hz: float = 60.0,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self.camera_name = camera_name
        self._bold = QFont()
        self._bold.setBold(True)
        self._rows: list[Alert] = []
        self._row_of: dict[str, int] = {}
        self._pending: dict[str, Alert] = {}
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(max(1, round(1000 / max(refresh_hz, 1.0))))
        self._flush_timer.timeout.connect(self.flush)
        self.flushes = 0
        self.longest_flush_ms = 0.0
        book.changed.connect(self._on_changed)
        book.reset.connect(self._on_reset)
        self._on_reset()

    # -- from the book ---------------------------------------------------------------------------
    def _on_changed(self, alert: Alert, _change: object) -> None:
        self._pending[alert.id] = alert
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _on_reset(self) -> None:
        self.beginResetModel()
        self._rows = self._book.alarms()
        self._row_of = {a.id: i for i, a in enumerate(self._rows)}
        self._pending.clear()
        self.endResetModel()
        self.flushed.emit()

    def flush(self, limit: int | None = MAX_ROWS_PER_FLUSH) -> None:
        """Apply queued changes (the oldest `limit` of them; None: all): one insertion of the
        new rows, one signal per run of changed rows."""
        if not self._pending:
            return
        started = time.perf_counter()
        if limit is None or len(self._pending) <= limit:
            pending, self._pending = self._pending, {}
        else:
            ids = list(self._pending)[:limit]
            pending = {i: self._pending.pop(i) for i in ids}
            self._flush_timer.start()  # the rest at the next refresh
        new = [a for a in pending.values() if a.id not in self._row_of]
        changed = [self._row_of[a.id] for a in pending.values() if a.id in self._row_of]
        for row in changed:
            self._rows[row] = pending[self._rows[row].id]
        # One dataChanged per run of adjacent rows: a span from the first to the last changed
        # row would make the filter and the sort look at every row in between.
        for first, last in _runs(sorted(changed)):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, alert in enumerate(new):
                self._row_of[alert.id] = first + offset
                self._rows.append(alert)
            self.endInsertRows()
        self.flushes += 1
        self.flushed.emit()
        self.longest_flush_ms = max(self.longest_flush_ms, (time.perf_counter() - started) * 1000)

    def alert_at(self, row: int) -> Alert:
        return self._rows[row]

    def row_of(self, alert_id: str) -> int | None:
        return self._row_of.get(alert_id)

    # -- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(  # noqa: PLR0911 (older than the rule; split when next changed)
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid():
            return None
        alert = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(alert, col)
        if role == SORT_ROLE:
            if col == PRIORITY:
                return int(alert.priority)
            if col == TIME:
                return alert.started.timestamp()
            return self._text(alert, col)
        if role == ALERT_ROLE:
            return alert
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            return self._colour(alert, col, role)
        if role == Qt.ItemDataRole.FontRole and alert.state is AlarmState.NEW:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            text = shown_html(alert.message or alert.title)  # a tooltip may read rich text
            if self._book.gone_from_hub(alert.id):
                text += (
                    "<br>The hub restarted and no longer knows this alarm. It is kept here "
                    "until you close it."
                )
            return text
        return None

    def _colour(self, alert: Alert, col: int, role: int) -> Any:  # a QColor, or None
        """A row's colours: the priority in its colour, high and critical rows tinted with
        theirs (they stand out at a glance), closed rows muted and untinted."""
        closed = alert.state is AlarmState.CLOSED
        if role == Qt.ItemDataRole.BackgroundRole:
            if alert.priority >= AlertPriority.HIGH and not closed:
                return theme.tint(alert_colour(alert.priority))
            return None
        if col == PRIORITY:
            return alert_colour(alert.priority)
        return theme.MUTED if closed else None

    def _text(self, alert: Alert, col: int) -> str:
        if col == PRIORITY:
            return alert.priority.title
        if col == TIME:
            return local_time(alert.started)
        if col == CAMERA:
            return shown(self.camera_name(alert.camera_id))
        gone = self._book.gone_from_hub(alert.id)
        if col == ALERT:
            live = " (live)" if alert.active and not gone else ""
            return f"{shown(alert.title)}{live}"
        if col == STATE:
            # Kept from before a hub restart that forgot it: acted on here only.
            return alert.state.value.capitalize() + (" · gone from hub" if gone else "")
        return _handled(alert)


class AlarmFilter(QSortFilterProxyModel):
    """Filters by lowest priority, state, camera and age; sorts by each column's sort value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.min_priority = AlertPriority.LOW
        self.states: frozenset[AlarmState] = frozenset({AlarmState.NEW, AlarmState.ACKNOWLEDGED})
        self.camera_id: str | None = None
        self.max_age_s: float | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def _refilter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 replaced invalidateFilter() with a begin/end pair around the change.
        begin = getattr(self, "beginFilterChange", None)
        if begin is None:
            change()
            self.invalidateFilter()
            return
        begin()
        change()
        self.endFilterChange()

    def set_min_priority(self, priority: AlertPriority) -> None:
        self._refilter(lambda: setattr(self, "min_priority", priority))

    def set_states(self, states: frozenset[AlarmState]) -> None:
        self._refilter(lambda: setattr(self, "states", states))

    def set_camera(self, camera_id: str | None) -> None:
        self._refilter(lambda: setattr(self, "camera_id", camera_id))

    def set_max_age(self, seconds: float | None) -> None:
        self._refilter(lambda: setattr(self, "max_age_s", seconds))

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AlarmTableModel)
        alert = model.alert_at(source_row)
        if alert.priority < self.min_priority or alert.state not in self.states:
            return False
        if self.camera_id is not None and alert.camera_id != self.camera_id:
            return False
        if self.max_age_s is not None:
            age = time.time() - alert.started.timestamp()
            if age > self.max_age_s:
                return False
        return True


STATE_FILTERS = {
    "Open": frozenset({AlarmState.NEW, AlarmState.ACKNOWLEDGED}),
    "New": frozenset({AlarmState.NEW}),
    "Acknowledged": frozenset({AlarmState.ACKNOWLEDGED}),
    "Closed": frozenset({AlarmState.CLOSED}),
    "All": frozenset(AlarmState),
}


class AlarmTable(QTableView):
    """The table, with the list's keys (the panel does the work)."""

    def __init__(self, panel: AlarmListPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._panel.open_selected()
        elif key == Qt.Key.Key_N:
            self._panel.next_unacknowledged()
        elif key == Qt.Key.Key_A:
            self._panel.acknowledge_selected(ask_note=shift)
        elif key == Qt.Key.Key_C:
            self._panel.close_selected(ask_note=shift)
        elif key == Qt.Key.Key_R:
            self._panel.replay_selected()
        elif event.matches(QKeySequence.StandardKey.Undo):
            self._panel.undo_close()
        else:
            super().keyPressEvent(event)


def set_up_alarm_table(table: QTableView, widths: Sequence[int]) -> None:
    """A list of alarms (live or replayed): whole rows, one at a time, read-only, fixed widths."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    # Tab leaves the table for the next control (arrows move between rows): it used to walk
    # cell by cell and never leave.
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    # Fixed widths, set once: sizing columns to their contents re-reads every row of a long
    # list on each batch (hundreds of ms on the GUI thread in a burst).
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for index, width in enumerate(widths):
        header.resizeSection(index, width)
    header.setStretchLastSection(True)


class AlarmListPanel(QWidget):
    """Filters, the table and the actions. `open_camera(alert)` shows an alarm's camera live
    (the window decides where); acknowledging and closing go to the hub through the book."""

    def __init__(  # noqa: PLR0915 (older than the rule; split when next changed)
        self,
        book: AlarmBook,
        camera_name: Callable[[str], str],
        open_camera: Callable[[Alert], None],
        parent: QWidget | None = None,
        *,
        replay: AlarmReplay | None = None,
        refresh_hz: float = 60.0,
    ) -> None:
        super().__init__(parent)
        self.book = self._book = book
        self._open_camera = open_camera
        self.replay = replay
        self._tasks = TaskOwner("alarm-list")
        self.model = AlarmTableModel(book, camera_name, self, refresh_hz)
        self.proxy = AlarmFilter(self)
        self.proxy.setSourceModel(self.model)

        self.priority_box = QComboBox(self)
        self.priority_box.setToolTip("Show alarms of at least this priority")
        for p in AlertPriority:
            self.priority_box.addItem(f"{p.title}+" if p is not AlertPriority.CRITICAL else p.title)
        self.priority_box.currentIndexChanged.connect(
            lambda i: self.proxy.set_min_priority(list(AlertPriority)[i])
        )
        self.state_box = QComboBox(self)
        self.state_box.setToolTip("Show alarms in this state")
        self.state_box.addItems(list(STATE_FILTERS))
        self.state_box.currentTextChanged.connect(
            lambda text: self.proxy.set_states(STATE_FILTERS[text])
        )
        self.camera_box = QComboBox(self)
        self.camera_box.setToolTip("Show the alarms of one camera")
        self.camera_box.addItem("All cameras", None)
        self.camera_box.currentIndexChanged.connect(
            lambda _i: self.proxy.set_camera(self.camera_box.currentData())
        )
        self.age_box = QComboBox(self)
        self.age_box.setToolTip("Show alarms raised within this time")
        self.age_box.addItems(list(AGE_FILTERS))
        self.age_box.currentTextChanged.connect(self._on_age)
        filters = QHBoxLayout()
        for box in (self.priority_box, self.state_box, self.camera_box, self.age_box):
            filters.addWidget(box)

        self.table = AlarmTable(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TIME, Qt.SortOrder.DescendingOrder)
        set_up_alarm_table(self.table, COLUMN_WIDTHS)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.setToolTip(
            "N next new alarm · Enter show camera · A acknowledge · C close · R replay"
        )

        self.ack_button = QPushButton("Acknowledge (A)", self)
        self.ack_button.clicked.connect(lambda: self.acknowledge_selected(ask_note=False))
        self.close_button = QPushButton("Close (C)", self)
        self.close_button.clicked.connect(lambda: self.close_selected(ask_note=False))
        self.next_button = QPushButton("Next new (N)", self)
        self.next_button.clicked.connect(self.next_unacknowledged)
        self.undo_button = QPushButton("Undo close (Ctrl+Z)", self)
        self.undo_button.clicked.connect(self.undo_close)
        self.undo_button.hide()
        # Closing waits CLOSE_UNDO_S, so that a C pressed on the wrong row can be taken back.
        self._closing: dict[str, tuple[str, QTimer]] = {}
        actions = QHBoxLayout()
        for b in (self.next_button, self.ack_button, self.close_button, self.undo_button):
            actions.addWidget(b)
        actions.addStretch(1)

        self.summary = QLabel(self)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        list_side = QWidget(self)
        column = QVBoxLayout(list_side)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(filters)
        column.addWidget(self.table, 1)
        column.addLayout(actions)
        column.addWidget(self.detail)
        column.addWidget(self.summary)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.replay_panel: ReplayPanel | None = None
        if replay is None:
            outer.addWidget(list_side)
        else:
            # The list on the left, the opened alarm's recording on the right.
            self.replay_panel = ReplayPanel(replay, camera_name, book, self)
            splitter = QSplitter(Qt.Orientation.Horizontal, self)
            splitter.addWidget(list_side)
            splitter.addWidget(self.replay_panel)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 2)
            outer.addWidget(splitter)

        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.model.flushed.connect(self._after_flush)
        self.model.modelReset.connect(self._after_flush)
        book.problem.connect(self._on_problem)
        self._after_flush()

    # -- filters ---------------------------------------------------------------------------------
    def _on_age(self, text: str) -> None:
        if text == "Today":
            now = datetime.now().astimezone()
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            self.proxy.set_max_age((now - midnight).total_seconds())
        else:
            self.proxy.set_max_age(AGE_FILTERS[text])

    def set_cameras(self, cameras: list[tuple[str, str]]) -> None:
        """(camera id, name) pairs for the camera filter."""
        current = self.camera_box.currentData()
        self.camera_box.blockSignals(True)
        self.camera_box.clear()
        self.camera_box.addItem("All cameras", None)
        for camera_id, name in cameras:
            self.camera_box.addItem(name, camera_id)
        index = self.camera_box.findData(current)
        self.camera_box.setCurrentIndex(max(0, index))
        self.camera_box.blockSignals(False)

    # -- actions ---------------------------------------------------------------------------------
    def selected(self) -> Alert | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        alert = self.proxy.data(index, ALERT_ROLE)
        # The row's newest copy (the model keeps it current).
        return self._book.get(alert.id) if isinstance(alert, Alert) else None

    def select(self, alert_id: str) -> bool:
        """Select an alarm's row (widening the filter to "All" if it hides it)."""
        self.model.flush(limit=None)
        row = self.model.row_of(alert_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.state_box.setCurrentText("All")
            self.priority_box.setCurrentIndex(0)
            self.camera_box.setCurrentIndex(0)
            self.age_box.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def next_unacknowledged(self) -> Alert | None:
        """Select the most urgent new alarm (then the oldest) and show its camera: N and F8 go
        there whichever row is selected (they went to the one after the selected row)."""
        alert = self._book.next_unacknowledged()
        if alert is None:
            self.detail.setText("No new alarms.")
            return None
        self.select(alert.id)
        self.table.setFocus()
        self._open(alert)
        return alert

    def open_selected(self) -> None:
        alert = self.selected()
        if alert is not None:
            self._open(alert)

    def replay_selected(self) -> None:
        alert = self.selected()
        if alert is not None and self.replay is not None:
            self.replay.show(alert)

    def _open(self, alert: Alert) -> None:
        """Its camera live on the wall and, where the hub has recordings, the moment it fired."""
        self._open_camera(alert)
        if self.replay is not None:
            self.replay.show(alert)

    def acknowledge_selected(self, *, ask_note: bool) -> None:
        self._act(self._book.acknowledge, "Acknowledge alarm", ask_note)

    def close_selected(self, *, ask_note: bool) -> None:
        """Close the selected alarm after `CLOSE_UNDO_S` (Ctrl+Z before then takes it back)."""
        alert = self.selected()
        note = self._note(alert, "Close alarm", ask_note)
        if alert is None or note is None or alert.id in self._closing:
            return
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(functools.partial(self._close_now, alert.id))
        timer.start(round(CLOSE_UNDO_S * 1000))
        self._closing[alert.id] = (note, timer)
        self.undo_button.show()
        self.detail.setText(
            f"Closing “{shown_html(alert.title)}” in {CLOSE_UNDO_S:.0f} s · Ctrl+Z takes it back"
        )

    def closing(self) -> list[str]:
        """Ids of the alarms whose close is waiting out its undo time, oldest first."""
        return list(self._closing)

    def undo_close(self) -> bool:
        """Take back the latest close still waiting; False when there is none."""
        if not self._closing:
            return False
        alert_id = next(reversed(self._closing))
        _note, timer = self._closing.pop(alert_id)
        timer.stop()
        timer.deleteLater()
        self.undo_button.setVisible(bool(self._closing))
        alert = self._book.get(alert_id)
        title = shown_html(alert.title) if alert is not None else alert_id
        self.detail.setText(f"Not closed: “{title}”.")
        return True

    def _close_now(self, alert_id: str) -> None:
        pending = self._closing.pop(alert_id, None)
        if pending is None:
            return
        note, timer = pending
        timer.deleteLater()
        self.undo_button.setVisible(bool(self._closing))
        self._tasks.spawn(self._book.close(alert_id, note), "alarm-close")

    async def aclose(self) -> None:
        """At shutdown: the closes still waiting go to the hub now (the operator meant them;
        at most `SHUTDOWN_CLOSE_S`), then what is in flight ends."""
        waiting = list(self._closing.items())
        self._closing.clear()
        for _alert_id, (_note, timer) in waiting:
            timer.stop()
        if waiting:
            closes = [self._book.close(alert_id, note) for alert_id, (note, _t) in waiting]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*closes), SHUTDOWN_CLOSE_S)
        await self._tasks.close()

    def _note(self, alert: Alert | None, title: str, ask_note: bool) -> str | None:
        """The operator's note ("" unless asked for); None when there is no alarm or they
        cancelled."""
        if alert is None:
            return None
        if not ask_note:
            return ""
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(f"Note for “{alert.title}”:")
        dialog.resize(NOTE_DIALOG_WIDTH, dialog.sizeHint().height())  # its title was cut
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return None
        return dialog.textValue().strip()

    def _act(
        self, action: Callable[[str, str], Coroutine[Any, Any, Any]], title: str, ask_note: bool
    ) -> None:
        alert = self.selected()
        note = self._note(alert, title, ask_note)
        if alert is None or note is None:
            return
        self._tasks.spawn(action(alert.id, note), "alarm-action")

    # -- display ---------------------------------------------------------------------------------
    def _after_flush(self) -> None:
        text = f"{self._book.new_count} new"
        self.summary.setText(f"{text} · {len(self._book)} in all")
        self._show_detail()

    def _show_detail(self) -> None:
        alert = self.selected()
        if alert is None:
            return
        lines = [
            f"<b>{shown_html(alert.title)}</b> on "
            f"{shown_html(self.model.camera_name(alert.camera_id))} · "
            f"{alert.priority.title} · {alert.state.value}",
        ]
        if alert.message:
            lines.append(shown_html(alert.message))
        when = f"Raised {local_time(alert.started)}"
        if alert.ended is not None:
            when += f", ended {local_time(alert.ended)}"
        lines.append(when)
        if alert.acknowledged is not None:
            lines.append(f"Acknowledged by {_handled_line(alert.acknowledged)}")
        if alert.closed is not None:
            lines.append(f"Closed by {_handled_line(alert.closed)}")
        self.detail.setText("<br>".join(lines))

    def _on_problem(self, message: str) -> None:
        # The message may quote the hub's own words: escaped for the rich-text label.
        self.detail.setText(
            f"<span style='color:{theme.ALARM.name()}'>{html.escape(message)}</span>"
        )


def _handled_line(action: Any) -> str:
    note = f": “{shown_html(action.note)}”" if action.note else ""
    return f"{shown_html(action.by)} at {local_time(action.at)}{note}"
