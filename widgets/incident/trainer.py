"""`IncidentTrainer`: runs an incident replay on a wall window, for a trainer.

From an alarm, a bookmark, the wall's last minutes or a saved incident: it asks the hub for the
alerts of the incident's span (`event_history`), puts the incident's cameras on the wall (the
wall's own layout comes back when the replay ends), plays the wall back from the lead-in
(`WallPlayback`), re-fires the alerts on the tiles (`WallView.set_alarm_source`: the live
alarms are not drawn meanwhile) and in the replay's own alarm list, marked as a replay, with
the incident panel (pause points, notes, save, hand over, open) beside it. The original
operators' acknowledgements are on the timeline's "Acknowledged" track (from the history), the
trainee's on the "Trainee" track; at the end of the incident the summary opens. Leaving
playback (Ctrl+L) ends the replay.

File I/O (saving, opening, handing over) runs off the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QTabWidget

from console.base.notices import Level, Notices
from console.base.tasks import TaskOwner
from console.hub.base import HubClient
from console.hub.errors import HubError
from console.hub.models import Alert, AlertHistory, Bookmark
from console.incident.model import IncidentSession
from console.incident.replay import IncidentReplay
from console.incident.store import IncidentFileError, IncidentStore
from console.playback.timeline_data import MARK_TRAINEE_ACK, TimelineMark
from console.playback.wall_playback import WallPlayback
from console.wall.layout import GridLayout, preset
from console.wall.model import WallModel
from widgets.incident.incident_panel import IncidentPanel
from widgets.incident.replay_alarm_list import DOCK_TITLE, ReplayAlarmList
from widgets.incident.replay_summary import ReplaySummaryDialog
from widgets.playback.playback_bar import PlaybackBar
from widgets.wall.wall_view import WallView

log = logging.getLogger(__name__)

LAST_MINUTES_S = 120  # "the wall's last minutes": this long, ending ...
LAST_MINUTES_END_S = 10  # ... this long ago
HISTORY_LIMIT = 500  # alerts of one incident asked of the hub
FILE_FILTER = "Tessera incidents (*.json);;All files (*)"


def grid_for(count: int) -> str:
    """The smallest uniform preset with room for `count` cameras."""
    for name, room in (("1x1", 1), ("2x2", 4), ("3x3", 9), ("4x4", 16)):
        if count <= room:
            return name
    return "4x4"


class IncidentTrainer:
    """One per wall window that can play back. `running` while a replay is on the wall."""

    def __init__(
        self,
        window: QMainWindow,
        wall: WallModel,
        wall_view: WallView,
        playback: WallPlayback,
        bar: PlaybackBar,
        camera_name: Callable[[str], str],
        notices: Notices,
        store: Callable[[], IncidentStore] = IncidentStore.default,
    ) -> None:
        self._window = window
        self._wall = wall
        self._wall_view = wall_view
        self._playback = playback
        self._bar = bar
        self._camera_name = camera_name
        self._notices = notices
        self._store = store
        self._client: HubClient = playback.client
        self._tasks = TaskOwner("incident-trainer")
        self.replay: IncidentReplay | None = None
        self.session: IncidentSession | None = None
        self.dock: QDockWidget | None = None
        self.alarm_list: ReplayAlarmList | None = None
        self.panel: IncidentPanel | None = None
        self.summary_dialog: ReplaySummaryDialog | None = None
        self._layout_before: GridLayout | None = None
        playback.changed.connect(self._on_playback)

    @property
    def running(self) -> bool:
        return self.replay is not None

    # -- starting ----------------------------------------------------------------------------
    def from_alarm(self, alert: Alert) -> None:
        self._run(self._from_alarm(alert))

    def from_bookmark(self, bookmark: Bookmark) -> None:
        self._run(self._start(IncidentSession.from_bookmark(bookmark)))

    def from_last_minutes(self) -> None:
        end = datetime.now(timezone.utc) - timedelta(seconds=LAST_MINUTES_END_S)
        self.from_span(end - timedelta(seconds=LAST_MINUTES_S), end, "The wall's last minutes")

    def from_span(self, start: datetime, end: datetime, title: str = "") -> None:
        """The wall's cameras over a span the trainer chose (the timeline's visible range)."""
        cameras = [t.camera_id for t in self._wall.layout.tiles if t.camera_id is not None]
        if not cameras:
            self._tell("Put cameras on the wall to replay a span of them.", Level.INFO)
            return
        try:
            session = IncidentSession.from_span(
                list(dict.fromkeys(cameras))[:16], start, end, title=title, lead_in_s=0.0
            )
        except ValueError as exc:
            self._tell(f"That span cannot be replayed: {exc}", Level.INFO)
            return
        self._run(self._start(session))

    def open_file(self, path: Path | None = None) -> None:
        """Open a saved or handed-over incident (asks for the file when `path` is None)."""
        if path is None:
            folder = self._store().folder
            chosen, _ = QFileDialog.getOpenFileName(
                self._window, "Open an incident", str(folder), FILE_FILTER
            )
            if not chosen:
                return
            path = Path(chosen)
        self._run(self._open(path))

    async def _open(self, path: Path) -> None:
        store = self._store()
        try:
            _kept, session = await asyncio.to_thread(store.import_file, path)
        except IncidentFileError as exc:
            self._tell(str(exc), Level.WARNING)
            return
        await self._start(session)

    async def _from_alarm(self, alert: Alert) -> None:
        around = await self._history(
            alert.started - timedelta(seconds=5), alert.started + timedelta(seconds=60), None
        )
        await self._start(IncidentSession.from_alarm(alert, around))

    async def _history(
        self, start: datetime, end: datetime, cameras: tuple[str, ...] | None
    ) -> AlertHistory | None:
        facet = self._client.recordings_facet
        if facet is None:
            return None
        try:
            return await facet.event_history(start, end, cameras, limit=HISTORY_LIMIT)
        except HubError as exc:
            self._tell(f"The incident's alerts could not be read: {exc.operator_message}")
            return None
        except ValueError:
            return None

    async def _start(self, session: IncidentSession) -> None:
        self.stop()
        history = await self._history(session.play_from, session.end, session.camera_ids)
        if history is None:
            history = AlertHistory(session.play_from, session.end, ())
        if history.more:
            self._tell("The hub had more alerts in this span than it answered; some are missing.")
        self.session = session
        self._layout_before = self._wall.layout
        self._wall.set_layout(preset(grid_for(len(session.camera_ids)), session.camera_ids))
        clock = self._playback.enter(session.play_from)
        replay = self.replay = IncidentReplay(session, history, clock)
        replay.changed.connect(self._on_replay_changed)
        replay.finished.connect(self._on_finished)
        self._wall_view.set_alarm_source(replay)
        self._show_dock(session, replay)
        log.info("incident replay %s: %d alerts", session.id, len(history.alerts))

    # -- the docks ---------------------------------------------------------------------------
    def _show_dock(self, session: IncidentSession, replay: IncidentReplay) -> None:
        clock = self._playback.session
        assert clock is not None
        self.alarm_list = ReplayAlarmList(replay, self._camera_name)
        panel = self.panel = IncidentPanel(session, clock, self._camera_name)
        panel.session_changed.connect(self._on_session_changed)
        panel.seek_requested.connect(clock.seek)
        panel.save_requested.connect(lambda s: self._run(self._save(s)))
        panel.export_requested.connect(self._export)
        panel.open_requested.connect(self.open_file)
        tabs = QTabWidget()
        tabs.addTab(self.alarm_list, "Replay alarms")
        tabs.addTab(panel, "Incident")
        if self.dock is None:
            self.dock = QDockWidget(DOCK_TITLE, self._window)
            self.dock.setObjectName("incident-replay-dock")
            self._window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        old = self.dock.widget()
        self.dock.setWidget(tabs)
        if old is not None:
            old.deleteLater()
        self.dock.show()
        self.dock.raise_()

    def _on_session_changed(self, session: IncidentSession) -> None:
        self.session = session
        if self.replay is not None:
            self.replay.set_session(session)

    def _on_replay_changed(self) -> None:
        replay = self.replay
        if replay is None:
            return
        marks = [
            TimelineMark(at, None, MARK_TRAINEE_ACK, alert.camera_id, f"Trainee: {alert.title}")
            for at, alert in replay.trainee_acks()
        ]
        self._bar.set_extra_marks(marks)

    def _on_finished(self) -> None:
        clock = self._playback.session
        if clock is not None:
            clock.pause()
        self.show_summary()

    def show_summary(self) -> None:
        replay, session = self.replay, self.session
        if replay is None or session is None:
            return
        dialog = self.summary_dialog = ReplaySummaryDialog(
            replay.summary(), session, self._camera_name, self._window
        )
        dialog.show()

    # -- files -------------------------------------------------------------------------------
    async def _save(self, session: IncidentSession) -> None:
        store = self._store()
        try:
            path = await asyncio.to_thread(store.save, session)
        except (IncidentFileError, OSError) as exc:
            self._tell(f"The incident was not saved: {exc}", Level.WARNING)
            return
        self._tell(f"Incident saved: {path.name}", Level.INFO)

    def _export(self, session: IncidentSession) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self._window, "Hand the incident over as a file", f"{session.id}.json", FILE_FILTER
        )
        if chosen:
            self._run(self._export_to(session, Path(chosen)))

    async def _export_to(self, session: IncidentSession, path: Path) -> None:
        store = self._store()
        try:
            await asyncio.to_thread(store.export, session, path)
        except (IncidentFileError, OSError) as exc:
            self._tell(f"The incident was not written: {exc}", Level.WARNING)
            return
        self._tell(f"Incident written to {path}", Level.INFO)

    # -- ending ------------------------------------------------------------------------------
    def _on_playback(self, on: bool) -> None:
        if not on:
            self.stop()

    def stop(self) -> None:
        """End the replay: live alarms on the tiles again, the wall's own layout back."""
        replay, self.replay = self.replay, None
        if replay is None:
            return
        replay.close()
        self._wall_view.set_alarm_source(None)
        self._bar.set_extra_marks(())
        if self.dock is not None:
            self.dock.hide()
        layout, self._layout_before = self._layout_before, None
        if self._playback.active:
            self._playback.leave()
        if layout is not None:
            self._wall.set_layout(layout)

    def close(self) -> None:
        self.stop()
        self._tasks.cancel()

    def _tell(self, text: str, level: Level = Level.WARNING) -> None:
        self._notices.post(text, level, "incident-replay")

    def _run(self, coro: Coroutine[Any, Any, object]) -> None:
        self._tasks.spawn(coro, "incident-trainer")
