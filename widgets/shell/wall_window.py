"""A wall window: one per screen, with the grid, a quiet toolbar and the operator's notices.

The first window also carries the camera tree, the PTZ panel and the named-layout menu.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QByteArray, QObject, Qt, QTime, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QCursor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSpinBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.alerts.book import AlarmBook
from console.alerts.replay import AlarmReplay
from console.base.notices import Level, Notice
from console.base.tasks import TaskOwner
from console.bookmarks.core import BookmarkError, Bookmarks
from console.export.desk import ExportDesk
from console.hub.models import Alert, Bookmark, Camera
from console.identity.reasons import ReasonPolicy
from console.identity.signin import Identity
from console.media.live_buffer import DEFAULT_LIVE_BUFFER_MS, LIVE_BUFFER_MAX_MS, LIVE_BUFFER_MIN_MS
from console.playback.wall_playback import WallPlayback
from console.provenance.badges import BadgeLookup
from console.ptz.desk import PtzDesk
from console.wall.layout import PRESETS, GridLayout, preset_name
from console.wall.model import WallModel
from console.wall.store import SavedLayouts
from console.wall.workstation import Workstation
from widgets.alarms.alarm_list import AlarmListPanel
from widgets.bookmarks.bookmark_editor import BookmarkEditor
from widgets.bookmarks.bookmark_list import BookmarkListPanel
from widgets.cameras.camera_tree import CameraTree
from widgets.export.export_actions import ExportActions
from widgets.identity.reason_dialog import ReasonDialog
from widgets.identity.sign_in import LOCK_KEYS, IdentityButton, LockBar
from widgets.incident.trainer import IncidentTrainer
from widgets.playback.playback_bar import PlaybackBar
from widgets.ptz.ptz_panel import PtzPanel
from widgets.wall.wall_view import WallView

PLAYBACK_LOOK_BACK_S = 60  # Ctrl+P plays the wall from this long ago
EDGE_POLL_MS = 250  # how often a full-screen window looks for the mouse at its top edge
ARRANGEMENT_VERSION = 1  # of the docks' arrangement Qt saves; a change forgets older ones


class WallWindow(QMainWindow):
    def __init__(
        self,
        station: Workstation,
        wall_index: int,
        on_close: Callable[[], None],
        parent: QWidget | None = None,
        hub_label: str = "",
        default_buffer_ms: int = DEFAULT_LIVE_BUFFER_MS,
        ptz: PtzDesk | None = None,
        alarms: AlarmBook | None = None,
        open_alarm: Callable[[Alert], None] | None = None,
        replay: AlarmReplay | None = None,
        open_sources: Callable[[], None] | None = None,
        bookmarks: Bookmarks | None = None,
        playback: WallPlayback | None = None,
        identity: Identity | None = None,
        reasons: ReasonPolicy | None = None,
        export: ExportDesk | None = None,
    ) -> None:
        super().__init__(parent)
        self._init_access(identity, reasons)
        self._export_desk = export  # evidence export (widgets/export), where the hub has it
        self.export_actions: ExportActions | None = None
        self._bookmarks = bookmarks
        self._playback = playback
        self.bookmark_editor: BookmarkEditor | None = None
        self._open_sources = open_sources
        self._station = station
        self._index = wall_index
        self._wall = station.walls[wall_index]
        self._on_close = on_close
        self._tasks = TaskOwner(f"wall-window-{wall_index + 1}")
        self.setWindowTitle(f"Tessera · Wall {wall_index + 1}")
        self.resize(1280, 760)

        self.wall_view = WallView(
            self._wall,
            wall_index,
            station.feeds[wall_index],
            station.camera_name,
            lambda tile_id, cam: station.drop_camera(wall_index, tile_id, cam),
            self,
            ptz,
            alarms,
        )
        # Provenance and sharing badges on the tiles (issue 18), from the camera directory.
        self.wall_view.set_camera_badges(BadgeLookup(station.directory.get))
        self.playback_bar: PlaybackBar | None = None
        self.trainer: IncidentTrainer | None = None
        self._build_central(playback)
        self.toolbar = self._build_toolbar(default_buffer_ms)
        self.camera_tree: CameraTree | None = None
        self.ptz_panel: PtzPanel | None = None
        self.alarm_panel: AlarmListPanel | None = None
        self.bookmark_panel: BookmarkListPanel | None = None
        if wall_index == 0:  # the first window carries the docks and the layouts menu
            self._add_layouts_menu()
            self._add_camera_tree()
            if ptz is not None:
                self._add_ptz_panel(ptz)
            if alarms is not None:
                self._add_alarm_panel(alarms, open_alarm, replay)
            if bookmarks is not None:
                self._add_bookmark_panel(bookmarks, replay)
        self._build_status_bar(hub_label)
        self._build_keys_and_menus()
        if identity is not None:
            self._add_identity(identity, hub_label)
        # Full screen shows video only (F11); F10 or the mouse at the top edge brings the bars
        # and docks back, Esc leaves full screen for the window as it was.
        self._was_maximized = True
        self._chrome_before: list[QWidget] = []
        self._edge_timer = QTimer(self)
        self._edge_timer.setInterval(EDGE_POLL_MS)
        self._edge_timer.timeout.connect(self._check_edge)
        if self._wall.state.fullscreen:
            self._hide_chrome()

        self._wall.layout_changed.connect(self._on_layout)
        self._wall.fullscreen_changed.connect(self._on_fullscreen)
        self._on_layout(self._wall.layout)
        self.wall_view.setFocus()

    # -- building ----------------------------------------------------------------------------------
    def _build_toolbar(self, default_buffer_ms: int) -> QToolBar:
        bar = self.addToolBar("Wall")
        bar.setMovable(False)
        bar.setObjectName("wall-toolbar")
        self.grid_box = QComboBox(self)
        self.grid_box.setToolTip("Grid of this wall (Ctrl+Z on the wall takes a change back)")
        self.grid_box.addItems(PRESETS)
        # Wide enough for every name ("1+12" was cut to "1…2").
        self.grid_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.grid_box.setMinimumContentsLength(max(len(p) for p in (*PRESETS, "custom")))
        self.grid_box.textActivated.connect(self._wall.apply_preset)
        bar.addWidget(self.grid_box)
        self.fullscreen_action = QAction("Full screen", self)
        self.fullscreen_action.setCheckable(True)
        self.fullscreen_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.fullscreen_action.setToolTip("Full screen, video only (F11; Esc leaves it)")
        self.fullscreen_action.toggled.connect(self._wall.set_fullscreen)
        bar.addAction(self.fullscreen_action)
        bar.addSeparator()
        self.buffer_box = QSpinBox(self)
        self.buffer_box.setRange(LIVE_BUFFER_MIN_MS, LIVE_BUFFER_MAX_MS)
        self.buffer_box.setSingleStep(50)
        self.buffer_box.setSuffix(" ms")
        self.buffer_box.setPrefix("Buffer ")
        self.buffer_box.setKeyboardTracking(False)
        self.buffer_box.setToolTip(
            "Live buffer of this wall: less is closer to real time, more rides out network "
            "jitter. Late frames are dropped, never queued."
        )
        self.buffer_box.setValue(self._wall.live_buffer_ms or default_buffer_ms)
        self.buffer_box.valueChanged.connect(self._wall.set_live_buffer)
        bar.addWidget(self.buffer_box)
        self.latency_action = QAction("Latency", self)
        self.latency_action.setCheckable(True)
        self.latency_action.setToolTip(
            "Show glass-to-glass delay on each tile (read from the demo hub's time code)"
        )
        self.latency_action.toggled.connect(self.wall_view.show_latency)
        bar.addAction(self.latency_action)
        return bar

    def _add_dock(
        self,
        title: str,
        name: str,
        widget: QWidget,
        area: Qt.DockWidgetArea,
        size: int,
        *,
        closable: bool = True,
    ) -> QDockWidget:
        """A dock of the first window: movable, floatable, closable unless said otherwise, and
        `size` pixels wide (left or right) or high (bottom) to start with."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        features = (
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        if closable:
            features |= QDockWidget.DockWidgetFeature.DockWidgetClosable
        dock.setFeatures(features)
        self.addDockWidget(area, dock)
        bottom = area == Qt.DockWidgetArea.BottomDockWidgetArea
        orientation = Qt.Orientation.Vertical if bottom else Qt.Orientation.Horizontal
        self.resizeDocks([dock], [size], orientation)
        return dock

    def _build_keys_and_menus(self) -> None:
        """The window's keys (each also in a menu, where its shortcut is shown): F6 / Shift+F6
        cycle the panes, Ctrl+F the camera search, Esc in a pane back to the wall, F1 the
        shortcut sheet, Ctrl+Q quits. A View menu lists the docks; Help has the sheet and About;
        File has the Sources dialog (where cameras come from) when the console offers it."""
        if self._open_sources is not None:
            file_menu = self.menuBar().addMenu("&File")
            open_sources = self._open_sources
            self.sources_action = self._window_action("Sources…", "Ctrl+Shift+S", open_sources)
            self.sources_action.setToolTip(
                "Add, test, edit and remove the hubs and cameras this console shows"
            )
            file_menu.addAction(self.sources_action)
        edit = self.menuBar().addMenu("&Edit")
        # Only while the wall has the keyboard: in the alarm list Ctrl+Z takes back a close.
        self.undo_action = QAction("Undo wall edit", self)
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_action.setToolTip("Take back the last change to this wall (Ctrl+Z on the wall)")
        self.undo_action.triggered.connect(lambda _checked=False: self._wall.undo())
        self.wall_view.addAction(self.undo_action)
        edit.addAction(self.undo_action)
        if self._bookmarks is not None:
            self._add_bookmark_action(edit)
        if self._playback is not None:
            self._add_playback_menu()
        if self._export_desk is not None:
            self._add_export_menu(self._export_desk)
        view = self.menuBar().addMenu("&View")
        view.addAction(self.fullscreen_action)
        self.chrome_action = self._window_action(
            "Bars and panels in full screen", "F10", self._toggle_chrome
        )
        view.addAction(self.chrome_action)
        self.next_pane_action = self._window_action("Next pane", "F6", lambda: self.cycle_panes(1))
        self.previous_pane_action = self._window_action(
            "Previous pane", "Shift+F6", lambda: self.cycle_panes(-1)
        )
        self.wall_action = self._window_action("Go to the wall", "", self.focus_wall)
        view.addActions([self.next_pane_action, self.previous_pane_action, self.wall_action])
        if self.camera_tree is not None:
            self.search_action = self._window_action("Find camera", "Ctrl+F", self.focus_search)
            view.addAction(self.search_action)
        if self.alarm_panel is not None:
            view.addAction(self.next_alarm_action)
        docks = self.findChildren(QDockWidget)
        if docks:
            view.addSeparator()
            for dock in docks:
                view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.quit_action = self._window_action("Quit", "Ctrl+Q", self._on_close)
        view.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = self._window_action("Keyboard shortcuts", "F1", self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction("About Tessera", self._show_about)
        # Esc in a pane (camera tree, PTZ, alarms) goes back to the wall; on the wall itself
        # Esc keeps its meaning (leave a maximised tile, leave full screen).
        for dock in docks:
            back = QShortcut(QKeySequence(Qt.Key.Key_Escape), dock)
            back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            back.activated.connect(self.focus_wall)

    def _init_access(self, identity: Identity | None, reasons: ReasonPolicy | None) -> None:
        """Who is signed in and the policy on reasons (nothing to show before the toolbar)."""
        self._identity = identity
        self._reasons = reasons or ReasonPolicy()
        self.reason_dialog: ReasonDialog | None = None
        self.identity_button: IdentityButton | None = None
        self.lock_bar: LockBar | None = None
        self._enabled_before_lock: dict[QObject, bool] = {}

    def _add_identity(self, identity: Identity, hub_label: str) -> None:
        """Who is signed in (toolbar), sign in as another / sign out / lock, and the lock bar,
        which stays usable while everything else is disabled."""
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.identity_button = IdentityButton(identity, hub_label, self)
        self.toolbar.addWidget(self.identity_button)
        self.lock_shortcut_action = self._window_action(
            "Lock the console", LOCK_KEYS, identity.lock
        )
        self.lock_toolbar = QToolBar("Locked", self)
        self.lock_toolbar.setObjectName("lock-toolbar")
        self.lock_toolbar.setMovable(False)
        self.lock_bar = LockBar(identity, self.lock_toolbar)
        self.lock_toolbar.addWidget(self.lock_bar)
        self.lock_bar.show()
        self.addToolBarBreak()
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.lock_toolbar)
        self.lock_toolbar.hide()
        identity.locked_changed.connect(self._on_locked)
        identity.changed.connect(lambda _info: self._on_locked(identity.locked))

    def _on_locked(self, locked: bool) -> None:
        """Locked: every control of this window is disabled (the video keeps playing) and the
        lock bar asks for the password; unlocked: everything as it was."""
        if self.lock_bar is None or locked == bool(self._enabled_before_lock):
            return
        controls: list[QObject] = [self.menuBar(), self.wall_view]
        controls += [bar for bar in self.findChildren(QToolBar) if bar is not self.lock_toolbar]
        controls += self.findChildren(QDockWidget)
        controls += [a for a in self.findChildren(QAction) if a is not self.lock_shortcut_action]
        if locked:
            for control in controls:
                if isinstance(control, (QWidget, QAction)):
                    self._enabled_before_lock[control] = control.isEnabled()
                    control.setEnabled(False)
            self.lock_toolbar.show()
            self.lock_bar.show_locked()
            return
        for control, enabled in self._enabled_before_lock.items():
            if isinstance(control, (QWidget, QAction)):
                control.setEnabled(enabled)
        self._enabled_before_lock.clear()
        self.lock_toolbar.hide()
        self.wall_view.setFocus()

    def _refused(self, right: str, camera_id: str | None) -> bool:
        """Whether the signed-in operator may not do `right` (said in a notice if so)."""
        if self._identity is None:
            return False
        name = self._station.camera_name(camera_id) if camera_id else None
        reason = self._identity.refusal(right, camera_id, name)
        if reason is not None:
            self._station.notices.post(reason, Level.WARNING, f"refused-{right}")
        return reason is not None

    def _add_bookmark_action(self, edit: QMenu) -> None:
        # B on the wall (not in a pane: there B is a letter): the selected tile's camera, at
        # the moment on screen (now, or the playback's). The bookmark is journaled at once; the
        # editor that opens only edits it.
        self.bookmark_action = QAction("Bookmark the selected camera", self)
        self.bookmark_action.setShortcut(QKeySequence(Qt.Key.Key_B))
        self.bookmark_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.bookmark_action.setToolTip(
            "Bookmark the selected tile's camera at this moment (B on the wall)"
        )
        self.bookmark_action.triggered.connect(lambda _checked=False: self.create_bookmark())
        self.wall_view.addAction(self.bookmark_action)
        edit.addAction(self.bookmark_action)

    # -- playback ------------------------------------------------------------------------------
    def _build_central(self, playback: WallPlayback | None) -> None:
        """The wall, and under it, while the wall plays its recordings, the transport and the
        timeline."""
        if playback is None:
            self.setCentralWidget(self.wall_view)
            return
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.wall_view, 1)
        self.playback_bar = PlaybackBar(playback.client, self._wall_cameras, central)
        self.playback_bar.live_requested.connect(self.go_live)
        self.playback_bar.hide()
        column.addWidget(self.playback_bar)
        self.setCentralWidget(central)
        self.wall_view.set_playback(playback)
        playback.changed.connect(self._on_playback)
        self.trainer = IncidentTrainer(
            self,
            self._wall,
            self.wall_view,
            playback,
            self.playback_bar,
            self._station.camera_name,
            self._station.notices,
        )

    def _add_playback_menu(self) -> None:
        menu = self.menuBar().addMenu("&Playback")
        self.playback_action = self._window_action(
            "Play back this wall", "Ctrl+P", self.toggle_playback
        )
        self.playback_action.setCheckable(True)
        self.playback_action.setToolTip(
            "The wall's recordings from a minute ago, every tile on one clock (Ctrl+P again: live)"
        )
        self.live_action = self._window_action("Back to live", "Ctrl+L", self.go_live)
        self.go_to_action = self._window_action("Go to a time…", "Ctrl+G", self.go_to_time)
        menu.addActions([self.playback_action, self.live_action, self.go_to_action])
        self.live_action.setEnabled(False)
        menu.addSeparator()
        training = menu.addMenu("Incident replay for training")
        training.setToolTip(
            "Replay an incident on this wall with its alerts fired again, as a replay"
        )
        training.addAction("From the selected alarm", self._replay_selected_alarm)
        training.addAction("From the selected bookmark", self._replay_selected_bookmark)
        training.addAction("This wall's last two minutes", self._replay_last_minutes)
        training.addAction("The span shown on the timeline", self._replay_timeline_span)
        training.addAction("Open a saved incident…", self._open_incident)
        training.addAction("Summary of the replay", self._replay_summary)

    def _add_export_menu(self, desk: ExportDesk) -> None:
        def span() -> tuple[datetime, datetime] | None:
            playing = self._playback is not None and self._playback.active
            if not playing or self.playback_bar is None:
                return None
            return self.playback_bar.timeline.visible_range()

        def bookmark() -> Bookmark | None:
            panel = self.bookmark_panel
            return panel.selected() if panel is not None else None

        self.export_actions = ExportActions(
            self,
            desk,
            self._wall_cameras,
            span,
            bookmark,
            lambda words: self._station.notices.post(words, Level.INFO, "export"),
        )
        if self.playback_bar is not None:  # Export… at hand while the wall plays back
            self.export_button = self.playback_bar.add_button(self.export_actions.export_action)

    def _replay_selected_alarm(self) -> None:
        alert = self.alarm_panel.selected() if self.alarm_panel is not None else None
        if alert is None or self.trainer is None:
            self._station.notices.post(
                "Select an alarm in the alarm list to replay it.", Level.INFO, "incident-replay"
            )
            return
        self.trainer.from_alarm(alert)

    def _replay_selected_bookmark(self) -> None:
        bookmark = self.bookmark_panel.selected() if self.bookmark_panel is not None else None
        if bookmark is None or self.trainer is None:
            self._station.notices.post(
                "Select a bookmark in the bookmarks to replay it.", Level.INFO, "incident-replay"
            )
            return
        self.trainer.from_bookmark(bookmark)

    def _replay_last_minutes(self) -> None:
        if self.trainer is not None:
            self.trainer.from_last_minutes()

    def _replay_timeline_span(self) -> None:
        """The trainer zooms the timeline onto the incident, then replays what it shows."""
        if self.trainer is None or self.playback_bar is None or self._playback is None:
            return
        if not self._playback.active:
            self._station.notices.post(
                "Play the wall back (Ctrl+P) and zoom the timeline onto the incident first.",
                Level.INFO,
                "incident-replay",
            )
            return
        start, end = self.playback_bar.timeline.visible_range()
        self.trainer.from_span(start, min(end, datetime.now(timezone.utc)))

    def _open_incident(self) -> None:
        if self.trainer is not None:
            self.trainer.open_file()

    def _replay_summary(self) -> None:
        if self.trainer is not None:
            self.trainer.show_summary()

    def _wall_cameras(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for tile in self._wall.layout.tiles:
            if tile.camera_id is not None and tile.camera_id not in seen:
                seen[tile.camera_id] = self._station.camera_name(tile.camera_id)
        return list(seen.items())

    def toggle_playback(self, at: datetime | None = None) -> None:
        """Play back the wall (from a minute ago, or `at`), or back to live."""
        playback = self._playback
        if playback is None:
            return
        if playback.active and at is None:
            self.go_live()
            return
        cameras = [camera_id for camera_id, _ in self._wall_cameras()]
        if self._identity is not None and cameras:
            allowed = [c for c in cameras if self._identity.may("playback", c)]
            if not allowed:
                self._refused("playback", cameras[0] if len(cameras) == 1 else None)
                return
        when = at or datetime.now(timezone.utc) - timedelta(seconds=PLAYBACK_LOOK_BACK_S)
        if playback.active or not self._reasons.requires("playback"):
            playback.enter(when)
            return
        # A policy asks why: the wall plays back once the reason is given (Esc: it stays live).
        dialog = self.reason_dialog = ReasonDialog(
            "playback", self._reasons, f"wall {self._index + 1}", self
        )

        def given() -> None:
            playback.enter(when, reason=dialog.reason().details())

        dialog.accepted.connect(given)
        dialog.open()

    def go_live(self) -> None:
        if self._playback is not None:
            self._playback.leave()

    def go_to_time(self) -> None:
        if self._playback is None:
            return
        if not self._playback.active:
            self.toggle_playback()
        if self.playback_bar is not None:
            self.playback_bar.go_to()

    def _on_playback(self, on: bool) -> None:
        bar = self.playback_bar
        playback = self._playback
        if bar is not None and playback is not None:
            bar.set_session(playback.session if on else None)
            bar.setVisible(on)
        action = getattr(self, "playback_action", None)
        if action is not None:
            action.setChecked(on)
            self.live_action.setEnabled(on)
        self.wall_view.setFocus()

    def _window_action(self, text: str, keys: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"{text} ({QKeySequence(keys).toString()})")
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    # -- keyboard: panes ---------------------------------------------------------------------------
    def panes(self) -> list[QWidget]:
        """Where F6 goes, in order: the wall, the camera search, the PTZ panel, the alarm list,
        the bookmark search (those that are shown)."""
        found: list[QWidget] = [self.wall_view]
        if self.camera_tree is not None:
            found.append(self.camera_tree.search)
        if self.ptz_panel is not None:
            found.append(self.ptz_panel)
        if self.alarm_panel is not None:
            found.append(self.alarm_panel.table)
        if self.bookmark_panel is not None:
            found.append(self.bookmark_panel.search)
        return [w for w in found if w is self.wall_view or _dock_shown(w)]

    def cycle_panes(self, step: int) -> None:
        panes = self.panes()
        focus = self.focusWidget()
        current = next((i for i, w in enumerate(panes) if focus is w or w.isAncestorOf(focus)), -1)
        target = panes[(current + step) % len(panes)] if current >= 0 else panes[0]
        target.setFocus(Qt.FocusReason.TabFocusReason)

    def focus_wall(self) -> None:
        self.wall_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_search(self) -> None:
        if self.camera_tree is None:
            return
        dock = _dock_of(self.camera_tree)
        if dock is not None:
            dock.show()
            dock.raise_()
        self.camera_tree.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.camera_tree.search.selectAll()

    def show_shortcuts(self) -> None:
        sheet = QMessageBox(self)
        sheet.setWindowTitle("Keyboard shortcuts")
        sheet.setTextFormat(Qt.TextFormat.RichText)
        sheet.setText(shortcut_sheet_html())
        sheet.setStandardButtons(QMessageBox.StandardButton.Close)
        sheet.setModal(False)
        sheet.show()
        self.shortcut_sheet = sheet

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Tessera",
            "<b>Tessera</b> video-wall operator console.<br>"
            "Live cameras on a grid, PTZ, alarms and their replay, on any hub.<br>"
            "F1 lists the keyboard shortcuts.",
        )

    def _add_layouts_menu(self) -> None:
        self.layouts_menu = QMenu("Layouts", self)
        button = self.layouts_button = QToolButton(self)
        button.setMenu(self.layouts_menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.addWidget(button)
        self.layouts_menu.aboutToShow.connect(self._fill_layouts_menu)
        # The button names the layout and shows when the walls no longer match it: named
        # layouts change only on Save (closing keeps the walls apart, as the session).
        self._station.saved_changed.connect(lambda _saved: self._show_layout_name())
        for wall in self._station.walls:
            wall.layout_changed.connect(lambda _layout: self._show_layout_name())
        self._show_layout_name()

    def _show_layout_name(self) -> None:
        station = self._station
        name = station.saved.current
        known = station.saved.get(name) is not None
        modified = station.layout_modified
        text = f"Layouts · {name}" + (" (modified)" if known and modified else "")
        self.layouts_button.setText(text if known else "Layouts")
        self.layouts_button.setToolTip(
            f"Saved layouts. The walls differ from “{name}”: Layouts → Save keeps them."
            if known and modified
            else "Saved layouts: save the walls under a name, or recall one"
        )

    def _add_camera_tree(self) -> None:
        station = self._station
        self.camera_tree = CameraTree(lambda cam: station.show_on_selected_tile(cam, 0), self)
        self._add_dock(
            "Cameras",
            "cameras-dock",
            self.camera_tree,
            Qt.DockWidgetArea.LeftDockWidgetArea,
            220,
            closable=False,
        )
        station.directory.changed.connect(self._on_cameras)
        self._on_cameras(station.directory.cameras)

    def _build_status_bar(self, hub_label: str) -> None:
        station = self._station
        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("notice")
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Notices quote hub text (camera names, ids): shown as written, never read as markup;
        # a long one is cut by the status bar (the whole text is in the tooltip) rather than
        # widening the window.
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setMinimumWidth(1)
        self.notice_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addWidget(self.notice_label, 1)
        if hub_label:
            self.statusBar().addPermanentWidget(QLabel(hub_label, self))
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("clock")
        self.clock_label.setToolTip("Local time")
        self.statusBar().addPermanentWidget(self.clock_label)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick_clock)
        self._clock.start(1000)
        self._tick_clock()
        station.notices.posted.connect(self._on_notice)
        station.notices.withdrawn.connect(self._on_withdrawn)
        for notice in station.notices.items:
            self._on_notice(notice)

    def _add_alarm_panel(
        self,
        alarms: AlarmBook,
        open_alarm: Callable[[Alert], None] | None,
        replay: AlarmReplay | None,
    ) -> None:
        screen = self.screen()
        refresh = screen.refreshRate() if screen is not None else 60.0
        panel = self.alarm_panel = AlarmListPanel(
            alarms,
            self._station.camera_name,
            open_alarm or (lambda a: self._station.show_on_selected_tile(a.camera_id, 0)),
            self,
            replay=replay,
            refresh_hz=refresh if refresh > 0 else 60.0,
        )
        if panel.replay_panel is not None:  # its reason dialog offers the policy's presets
            panel.replay_panel.reasons = self._reasons
        # Tall enough for about eight rows (at 200 px it showed two or three).
        self.alarm_dock = self._add_dock(
            "Alarms", "alarms-dock", panel, Qt.DockWidgetArea.BottomDockWidgetArea, 320
        )
        # F8 from anywhere in the window: the next new alarm, its camera live.
        self.next_alarm_action = self._window_action("Next new alarm", "F8", self._next_alarm)
        self.alarms_action = QAction("Alarms", self)
        self.alarms_action.setToolTip("Show the alarm list (F8: next new alarm)")
        self.alarms_action.triggered.connect(self._next_alarm)
        self.toolbar.addAction(self.alarms_action)
        panel.summary.setObjectName("alarm-summary")
        panel.model.flushed.connect(self._count_alarms)  # once per batch, not per alert
        self._count_alarms()

    def _add_bookmark_panel(self, bookmarks: Bookmarks, replay: AlarmReplay | None) -> None:
        panel = self.bookmark_panel = BookmarkListPanel(
            bookmarks, self._station.camera_name, self.edit_bookmark, self, replay=replay
        )
        if panel.replay_panel is not None:
            panel.replay_panel.reasons = self._reasons
        self.bookmark_dock = self._add_dock(
            "Bookmarks", "bookmarks-dock", panel, Qt.DockWidgetArea.BottomDockWidgetArea, 320
        )
        # Tabbed with the alarm list: both are lists with a replay beside them.
        if self.alarm_panel is not None:
            self.tabifyDockWidget(self.alarm_dock, self.bookmark_dock)
            self.alarm_dock.raise_()
        for wall in self._station.walls:  # the filter follows the tile selected last
            wall.selection_changed.connect(lambda _tid, w=wall: panel.set_camera(w.selected_camera))
        panel.set_camera(self._wall.selected_camera)

    def drop_bookmarks(self) -> None:
        """The hub keeps no bookmarks after all: B, the menu entry and the dock go."""
        self._bookmarks = None
        action = getattr(self, "bookmark_action", None)
        if action is not None:
            action.setEnabled(False)
            action.setVisible(False)
        if self.bookmark_panel is not None:
            self.bookmark_dock.hide()
            self.bookmark_dock.toggleViewAction().setVisible(False)
        if self.bookmark_editor is not None:
            self.bookmark_editor.close()

    def create_bookmark(self) -> None:
        """B on the wall: a bookmark of the selected tile's camera around this moment (10 s
        before, 20 s after), journaled at once; then the editor, which the operator may fill
        or close."""
        bookmarks = self._bookmarks
        camera_id = self._wall.selected_camera
        if bookmarks is None:
            return
        if camera_id is None:
            self._station.notices.post(
                "Select a tile with a camera to bookmark it.", Level.INFO, "bookmark-create"
            )
            return
        if self._refused("bookmark", camera_id):
            return
        self._run(self._create_bookmark(bookmarks, camera_id, self._moment_on_screen()))

    def _moment_on_screen(self) -> datetime:
        """The moment the selected tile shows: now when live (the key press, not when the
        journal has it), the recorded moment on it in playback."""
        playback = self._playback
        session = playback.session if playback is not None else None
        if session is not None:
            selected = self._wall.selected
            state = session.tile_state(selected) if selected is not None else None
            shown = state.shown if state is not None else None
            return shown or session.position() or datetime.now(timezone.utc)
        return datetime.now(timezone.utc)

    async def _create_bookmark(self, bookmarks: Bookmarks, camera_id: str, at: datetime) -> None:
        try:
            bookmark = await bookmarks.create(camera_id, at)
        except BookmarkError as e:
            self._station.notices.post(
                f"The bookmark was not made: {e}", Level.WARNING, "bookmark-create"
            )
            return
        self._station.notices.post(
            f"Bookmarked {self._station.camera_name(camera_id)} at "
            f"{at.astimezone():%H:%M:%S} (B on the wall).",
            Level.INFO,
            "bookmark-create",
        )
        self.edit_bookmark(bookmark)

    def edit_bookmark(self, bookmark: Bookmark) -> None:
        """The small editor beside the wall (not modal: the wall plays on, Esc closes it)."""
        if self._bookmarks is None:
            return
        old = self.bookmark_editor
        if old is not None:
            old.close()
            old.deleteLater()
        editor = self.bookmark_editor = BookmarkEditor(
            self._bookmarks, bookmark, self._station.camera_name, self
        )
        editor.show()
        editor.raise_()
        editor.activateWindow()

    def _next_alarm(self) -> None:
        if self.alarm_panel is None:
            return
        self.alarm_dock.show()
        self.alarm_dock.raise_()
        self.alarm_panel.next_unacknowledged()

    def _count_alarms(self) -> None:
        if self.alarm_panel is None:
            return
        waiting = self.alarm_panel.book.new_count
        self.alarms_action.setText(f"Alarms ({waiting} new)" if waiting else "Alarms")

    def _add_ptz_panel(self, ptz: PtzDesk) -> None:
        panel = self.ptz_panel = PtzPanel(ptz, self._station.camera_name, self)
        # After a click on the panel the PTZ keys work on the wall again at once (they did
        # nothing until the tile was clicked, and that click re-centred the camera).
        panel.acted.connect(self.focus_wall)
        self._add_dock("PTZ", "ptz-dock", panel, Qt.DockWidgetArea.RightDockWidgetArea, 240)
        # The panel follows the tile selected last, on any wall.
        for wall in self._station.walls:
            follow = functools.partial(self._follow_selection, wall)
            wall.selection_changed.connect(lambda _tid, f=follow: f())
            wall.layout_changed.connect(lambda _layout, f=follow: f())

    def _follow_selection(self, wall: WallModel) -> None:
        if self.ptz_panel is not None and wall.selected is not None:
            self.ptz_panel.set_camera(wall.selected_camera)

    # -- model -> view -------------------------------------------------------------------------
    def _on_cameras(self, cameras: list[Camera]) -> None:
        if self.camera_tree is not None:
            self.camera_tree.set_cameras(cameras)
        if self.ptz_panel is not None:
            self._follow_selection(self._wall)

    def _on_layout(self, layout: GridLayout) -> None:
        # A 1+5 wall reads "1+5", not "custom" (it did: any spanning tile made it custom).
        name = preset_name(layout)
        index = self.grid_box.findText(name) if name is not None else -1
        if index < 0:
            label = "custom"
            if self.grid_box.findText(label) < 0:
                self.grid_box.addItem(label)
            index = self.grid_box.findText(label)
        self.grid_box.setCurrentIndex(index)

    # -- the window's arrangement, kept per screen (console.app.window_arrangements) ---------
    def arrangement(self) -> bytes:
        """Where the docks are and how big, as Qt saves them (the window itself opens
        maximised or full screen, so its place is not kept)."""
        return bytes(self.saveState(ARRANGEMENT_VERSION).data())

    def restore_arrangement(self, state: bytes) -> bool:
        """Put the docks back as they were (False when Qt cannot read what was saved: the
        window then keeps its defaults)."""
        return bool(self.restoreState(QByteArray(state), ARRANGEMENT_VERSION))

    # -- full screen: video only -------------------------------------------------------------
    def _chrome(self) -> list[QWidget]:
        """What full screen hides: the menu, toolbar and status bars and every dock."""
        return [self.menuBar(), self.toolbar, self.statusBar(), *self.findChildren(QDockWidget)]

    def _on_fullscreen(self, on: bool) -> None:
        self.fullscreen_action.setChecked(on)
        if on:
            self._was_maximized = self.isMaximized()
            self._hide_chrome()
            self.showFullScreen()
        else:
            self._edge_timer.stop()
            self.show_chrome(True)
            # Back to the window as it was before (it went back to a small window).
            if self._was_maximized:
                self.showMaximized()
            else:
                self.showNormal()

    def _hide_chrome(self) -> None:
        self._chrome_before = [w for w in self._chrome() if not w.isHidden()]
        for widget in self._chrome_before:
            widget.hide()
        self._edge_timer.start()

    def show_chrome(self, on: bool) -> None:
        """In full screen: show (or hide again) the bars and docks that were shown before."""
        for widget in self._chrome_before:
            widget.setVisible(on)

    def chrome_shown(self) -> bool:
        return any(w.isVisible() for w in self._chrome_before)

    def _toggle_chrome(self) -> None:
        if self._wall.state.fullscreen:
            self.show_chrome(not self.chrome_shown())

    def _check_edge(self) -> None:
        """The mouse at the top edge of a full-screen wall brings the bars and docks back."""
        if not self._wall.state.fullscreen or self.chrome_shown():
            return
        if QCursor.pos().y() <= self.geometry().top() + 1 and self.underMouse():
            self.show_chrome(True)

    def _tick_clock(self) -> None:
        self.clock_label.setText(QTime.currentTime().toString("HH:mm:ss"))

    def _on_notice(self, notice: Notice) -> None:
        self.notice_label.setText(notice.text)
        self.notice_label.setToolTip(html.escape(notice.text))
        self.notice_label.setProperty("level", notice.level.value)
        self.notice_label.style().unpolish(self.notice_label)
        self.notice_label.style().polish(self.notice_label)
        self._notice_key = notice.key

    def _on_withdrawn(self, key: str) -> None:
        if getattr(self, "_notice_key", None) == key:
            remaining = self._station.notices.items
            if remaining:
                self._on_notice(remaining[-1])
            else:
                self.notice_label.setText("")

    # -- layouts menu --------------------------------------------------------------------------
    def _fill_layouts_menu(self) -> None:
        menu = self.layouts_menu
        menu.clear()
        saved: SavedLayouts = self._station.saved
        known = saved.get(saved.current) is not None
        menu.addAction(
            f"Save “{saved.current}”" if known else "Save",
            lambda: self._run(self._station.save_layout()),
        )
        menu.addAction("Save as…", self._save_as)
        kept = self._station.damaged_copy
        if kept is not None:
            menu.addAction(
                f"Put the damaged file back ({kept.name})",
                lambda: self._run(self._station.restore_damaged()),
            )
        if saved.layouts:
            menu.addSeparator()
            for name in saved.names():
                act = menu.addAction(name, functools.partial(self._station.load_layout, name))
                act.setCheckable(True)
                act.setChecked(name == saved.current)
            menu.addSeparator()
            delete = menu.addMenu("Delete")
            for name in saved.names():
                delete.addAction(name, functools.partial(self._delete, name))

    def _delete(self, name: str) -> None:
        self._run(self._station.delete_layout(name))

    def _save_as(self) -> None:
        name, ok = QInputDialog.getText(self, "Save layout", "Name of the layout:")
        if ok and name.strip():
            self._run(self._station.save_layout(name.strip()))

    def _run(self, coro: Coroutine[Any, Any, object]) -> None:
        self._tasks.spawn(coro, "wall-window-layouts")

    async def aclose(self) -> None:
        """End what this window started (saving a layout, a close waiting out its undo time,
        ...): at shutdown."""
        if self.identity_button is not None:
            await self.identity_button.aclose()
        if self.lock_bar is not None:
            await self.lock_bar.aclose()
        if self.alarm_panel is not None:
            await self.alarm_panel.aclose()
        if self.bookmark_panel is not None:
            await self.bookmark_panel.aclose()
        if self.bookmark_editor is not None:
            await self.bookmark_editor.aclose()
        if self.trainer is not None:
            self.trainer.close()
        if self.playback_bar is not None:
            self.playback_bar.close_bar()
        await self._tasks.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self._wall.set_fullscreen(False)
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
        if self._index == 0:
            self._on_close()


def _dock_of(widget: QWidget) -> QDockWidget | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    return parent


def _dock_shown(widget: QWidget) -> bool:
    dock = _dock_of(widget)
    return dock is None or dock.isVisible()


# The shortcut sheet (F1): every key the operator has, where it works.
SHORTCUTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Anywhere",
        (
            ("F6 / Shift+F6", "next / previous pane: wall, camera search, PTZ, alarms, bookmarks"),
            ("Ctrl+F", "find a camera"),
            ("Esc", "from a pane: back to the wall"),
            ("F8", "the most urgent new alarm, its camera live"),
            ("F11", "full screen, video only; Esc leaves it"),
            ("F10", "in full screen: show or hide the bars and panels (or the mouse at the top)"),
            ("F1", "this sheet"),
            ("Ctrl+Shift+S", "Sources: add, test, edit and remove hubs and cameras"),
            ("Ctrl+Q", "quit"),
        ),
    ),
    (
        "On the wall",
        (
            ("Arrow keys", "select the neighbouring tile"),
            ("Enter", "maximise the selected tile; Esc or Enter again restores"),
            ("Delete", "clear the selected tile"),
            ("P", "PTZ mode on the selected tile (a steerable camera)"),
            ("A", "request access to the selected tile's private camera (with a reason)"),
            ("B", "bookmark the selected tile's camera now (10 s before, 20 s after)"),
        ),
    ),
    (
        "Playback (Playback menu)",
        (
            ("Ctrl+P", "play back this wall from a minute ago, every tile on one clock"),
            ("Ctrl+L", "back to live"),
            ("Ctrl+G", "go to a time (typed, or a calendar)"),
            ("J / L", "play backwards / forwards; again: faster (up to 16x)"),
            ("K or Space", "pause or play"),
            ("[ / ]", "half / twice the speed (1/8x to 16x)"),
            ("Left / Right", "one picture back / on (paused)"),
            ("Shift+Left / Right", "10 s back / on"),
            ("Ctrl+arrows", "select the neighbouring tile"),
            ("D", "the selected tile leaves the wall's time, or rejoins it"),
            ("B", "bookmark the recorded moment on the selected tile"),
        ),
    ),
    (
        "In PTZ mode",
        (
            ("Arrow keys", "pan and tilt while held (Shift: full speed)"),
            ("+ / -", "zoom in / out while held"),
            ("1 to 9", "go to preset 1 to 9"),
            ("P", "leave PTZ mode"),
        ),
    ),
    (
        "In the alarm list",
        (
            ("N", "the most urgent new alarm"),
            ("Enter", "show the selected alarm's camera and replay"),
            ("A / Shift+A", "acknowledge (with a note)"),
            ("C / Shift+C", "close (with a note)"),
            ("R", "replay the moment it fired"),
        ),
    ),
    (
        "In the bookmarks",
        (
            ("Words, #tag", "in the search box: find by name or description, and by tag"),
            ("Down", "from the search box to the list"),
            ("Enter", "play the selected bookmark from its start"),
            ("E", "edit (name, description, tags, start and end)"),
            ("P", "protect its footage, or lift that"),
            ("Delete", "delete (asks first)"),
        ),
    ),
)


def shortcut_sheet_html() -> str:
    rows: list[str] = []
    for section, keys in SHORTCUTS:
        rows.append(f"<tr><td colspan=2><b>{html.escape(section)}</b></td></tr>")
        rows += [
            f"<tr><td style='padding-right:16px'>{html.escape(key)}</td>"
            f"<td>{html.escape(what)}</td></tr>"
            for key, what in keys
        ]
    return "<table>" + "".join(rows) + "</table>"
