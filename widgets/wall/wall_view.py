"""The wall grid of one screen: tile views placed by the wall model's integer cells.

Tile views persist by tile id across layout edits (a native video window must outlive a swap),
double-click maximises a tile and back, and the arrow keys move the selection. On a tile in
PTZ mode (key P) the arrow keys and + / - steer its camera instead; moving the selection or
losing focus stops any camera this wall steers. While the hub does not answer, a banner across
the top of the wall says so (`follow_hub`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QWidget

from console.alerts.book import AlarmBook, OverlaySource
from console.consent.core import PrivateAccess
from console.hub.reachability import HubReachability
from console.media.frame import RenderPath
from console.playback.wall_playback import WallPlayback
from console.provenance.badges import Badge
from console.ptz.desk import PtzDesk
from console.wall.feeds import WallFeeds
from console.wall.layout import Direction, GridLayout
from console.wall.model import WallModel
from widgets.common.hub_state import follow_reachability
from widgets.wall.frame_clock import FrameClock
from widgets.wall.hub_banner import HubBanner
from widgets.wall.repaint_pacer import RepaintPacer
from widgets.wall.tile_view import TileView

NATIVE_WINDOW_GRACE_MS = 5000  # keep a removed native window until libvlc has let go of it
FADE_STEP_MS = 50  # how often a fading overlay on a tile without new frames is redrawn

_KEYS = {
    Qt.Key.Key_Left: Direction.LEFT,
    Qt.Key.Key_Right: Direction.RIGHT,
    Qt.Key.Key_Up: Direction.UP,
    Qt.Key.Key_Down: Direction.DOWN,
}


class WallView(QWidget):
    def __init__(
        self,
        wall: WallModel,
        wall_index: int,
        feeds: WallFeeds,
        camera_name: Callable[[str], str],
        on_camera_dropped: Callable[[int, str], None],
        parent: QWidget | None = None,
        ptz: PtzDesk | None = None,
        alarms: AlarmBook | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wall")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._wall = wall
        self._index = wall_index
        self._feeds = feeds
        self._camera_name = camera_name
        self._on_camera_dropped = on_camera_dropped
        self._native = wall.render_path == RenderPath.NATIVE
        self.consent: PrivateAccess | None = None  # set_consent
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._views: dict[int, TileView] = {}
        self._show_latency = False
        self._ptz = ptz
        self._alarms: OverlaySource | None = alarms
        self._privacy: Any = None  # widgets.privacy.tile_privacy.TilePrivacy
        self._live_alarms = alarms
        self._replay_alarms: OverlaySource | None = None  # an incident replay's, while it runs
        # New frames and alert changes repaint the tiles a few at a time (see RepaintPacer).
        self.pacer = RepaintPacer(parent=self)
        # ... on a steady beat, not on each frame's arrival (see FrameClock).
        self.frame_clock = FrameClock(parent=self)
        # Ended alerts fade out on their tiles; a tile with live video repaints anyway, this
        # covers a frozen or lost one.
        self._fade_timer = QTimer(self)
        self._fade_timer.setInterval(FADE_STEP_MS)
        self._fade_timer.timeout.connect(self._on_fade_tick)
        if alarms is not None:
            alarms.camera_changed.connect(self._on_camera_alerts)
            alarms.reset.connect(self._on_alerts_reset)
        # A lambda, not the bound method: PySide drops slots of an object being destroyed.
        self.destroyed.connect(lambda: self._disconnect_alarms())  # noqa: PLW0108
        self._selected = wall.selected
        self._playback: WallPlayback | None = None
        self.hub_banner = HubBanner(self, self._native)
        self.hub_down = False  # the banner is up
        wall.layout_changed.connect(self._on_layout)
        wall.maximized_changed.connect(self._on_maximized)
        wall.selection_changed.connect(self._on_selection)
        wall.render_path_changed.connect(self._on_render_path)
        feeds.changed.connect(self._bind_feeds)
        self._badges_of: Callable[[str], tuple[Badge, ...]] | None = None
        self._watermark: Callable[[], tuple[str, ...]] | None = None
        # The watermark's time moves on each second, on tiles whose picture does not.
        self._watermark_timer = QTimer(self)
        self._watermark_timer.setInterval(1000)
        self._watermark_timer.timeout.connect(self._on_watermark_tick)
        self._on_layout(wall.layout)

    @property
    def tile_views(self) -> list[TileView]:
        return [self._views[t.id] for t in self._wall.layout.tiles]

    def tiles_without_video(self) -> list[TileView]:
        return [v for v in self.tile_views if v.tile.camera_id and not v.has_shown_video]

    def set_camera_badges(self, badges_of: Callable[[str], tuple[Badge, ...]] | None) -> None:
        """Give every tile its camera's badges (provenance, sharing tier) from `badges_of`."""
        self._badges_of = badges_of
        for view in self._views.values():
            view.set_badge_source(badges_of)

    def set_watermark(self, lines: Callable[[], tuple[str, ...]] | None) -> None:
        """Draw the operator watermark (`lines()`: the name and the time) over every tile's
        picture (a policy asks for it); None: none."""
        self._watermark = lines
        for view in self._views.values():
            view.set_watermark(lines)
        if lines is not None and not self._native:
            self._watermark_timer.start()
        else:
            self._watermark_timer.stop()

    def _on_watermark_tick(self) -> None:
        for view in self._views.values():
            if view.tile.camera_id is not None:
                view.repaint_soon()

    def show_latency(self, on: bool) -> None:
        """Read the demo hub's time code from painted frames and show the delay on each tile."""
        self._show_latency = on
        for view in self._views.values():
            view.show_latency(on)

    def grab_wall(self) -> QPixmap:
        """The wall grid as shown. libvlc's native windows are not Qt-painted, so for a native
        wall the picture is read back from the screen instead of rendered by Qt."""
        if not self._native:
            return self.grab()
        top = self.window()
        at = self.mapTo(top, QPoint(0, 0))
        return self.screen().grabWindow(top.winId(), at.x(), at.y(), self.width(), self.height())

    # -- the hub -------------------------------------------------------------------------------
    def set_privacy(self, privacy: Any) -> None:
        """Privacy masks on every tile (widgets.privacy.tile_privacy.TilePrivacy)."""
        self._privacy = privacy
        for view in self._views.values():
            view.set_privacy(privacy)

    def follow_hub(self, hub: HubReachability) -> None:
        """Show the banner while `hub` does not answer."""
        follow_reachability(self, hub, self.set_hub_down)

    def set_hub_down(self, down: bool) -> None:
        self.hub_down = down
        if down:
            self.hub_banner.place()
        self.hub_banner.setVisible(down)
        self._clear_banner()

    def _clear_banner(self) -> None:
        """The tiles under the banner draw their names below it (their pictures, and with them
        their streams, keep their size)."""
        top = self.hub_banner.height() if self.hub_down else 0
        maximized = self._wall.maximized
        for view in self._views.values():
            under = view.tile.id == maximized or (maximized is None and view.tile.rect.row == 0)
            view.set_labels_top(top if under else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.hub_down:
            self.hub_banner.place()
            self._clear_banner()

    # -- alerts --------------------------------------------------------------------------------
    def _disconnect_alarms(self) -> None:
        alarms = self._alarms
        if alarms is not None:
            alarms.camera_changed.disconnect(self._on_camera_alerts)
            alarms.reset.disconnect(self._on_alerts_reset)

    def set_alarm_source(self, source: OverlaySource | None) -> None:
        """Draw the alerts of `source` on the tiles (an incident replay's re-fired alerts);
        None: the live alarms again (none while the wall plays back: a live alarm's box is not
        where anything is in a recorded picture). Never both."""
        self._replay_alarms = source
        self._apply_alarm_source()

    def _apply_alarm_source(self) -> None:
        wanted: OverlaySource | None
        if self._replay_alarms is not None:
            wanted = self._replay_alarms
        else:
            wanted = None if self.in_playback else self._live_alarms
        if wanted is self._alarms:
            return
        self._disconnect_alarms()
        self._alarms = wanted
        if wanted is not None:
            wanted.camera_changed.connect(self._on_camera_alerts)
            wanted.reset.connect(self._on_alerts_reset)
        for view in self._views.values():
            view.set_alarms(wanted)

    def _on_camera_alerts(self, camera_id: str) -> None:
        for view in self._views.values():
            if view.tile.camera_id == camera_id:
                view.alerts_changed()
        if (
            self._alarms is not None
            and self._alarms.is_fading()
            and not self._fade_timer.isActive()
        ):
            self._fade_timer.start()

    def _on_alerts_reset(self) -> None:
        for view in self._views.values():
            view.alerts_changed()

    def _on_fade_tick(self) -> None:
        # Tiles with live video show the fade with their next frame; only the others repaint.
        stale = time.monotonic() - FADE_STEP_MS / 1000
        for view in self._views.values():
            if view.last_painted < stale and any(o.opacity < 1.0 for o in view.overlays()):
                view.alerts_changed()
        if self._alarms is None or not self._alarms.is_fading():
            self._fade_timer.stop()
            for view in self._views.values():
                view.alerts_changed()  # the last step: fully gone

    def set_consent(self, access: PrivateAccess | None) -> None:
        """Private cameras' tiles show what their owners share (widgets.consent)."""
        self.consent = access
        for view in self._views.values():
            view.set_consent(access)

    # -- model -> view -------------------------------------------------------------------------
    def _on_layout(self, layout: GridLayout) -> None:
        ids = {t.id for t in layout.tiles}
        for tid in [tid for tid in self._views if tid not in ids]:
            self._retire(self._views.pop(tid))
        for tile in layout.tiles:
            view = self._views.get(tile.id)
            if view is None:
                view = TileView(
                    self._wall, self._index, tile, self._camera_name, self._native, self
                )
                view.camera_dropped.connect(self._on_camera_dropped)
                self._views[tile.id] = view
                view.set_resize_listener(self._feeds.set_tile_size)
                view.show_latency(self._show_latency)
                view.set_ptz(self._ptz)
                view.set_repaint_pacer(self.pacer)
                view.set_frame_clock(self.frame_clock)
                view.set_alarms(self._alarms)
                view.set_badge_source(self._badges_of)
                view.set_watermark(self._watermark)
                view.set_privacy(self._privacy)
                view.set_consent(self.consent)
            else:
                view.set_tile(tile)
        self._place()
        self._bind_feeds()

    def _on_render_path(self, _path: str) -> None:
        """The wall changed render path (a native wall fell back to composited): new tile
        views of the other kind; the old native windows go once libvlc has let go of them."""
        native = self._wall.render_path == RenderPath.NATIVE
        if native == self._native:
            return
        for tid in list(self._views):
            self._retire(self._views.pop(tid))
        self._native = native
        self.hub_banner.deleteLater()
        self.hub_banner = HubBanner(self, native)
        self._on_layout(self._wall.layout)
        self.set_hub_down(self.hub_down)
        self.set_watermark(self._watermark)  # its clock runs on composited walls only

    # -- playback ------------------------------------------------------------------------------
    def set_playback(self, playback: WallPlayback | None) -> None:
        """Show the wall's recordings while `playback` is active (its tiles' feeds instead of
        the live ones), and take its keys: J K L, Space, Left / Right (pictures), Shift+Left /
        Right (10 s), D (the selected tile leaves or rejoins the wall's time)."""
        if self._playback is not None:
            self._playback.changed.disconnect(self._on_playback)
            self._playback.feeds_changed.disconnect(self._bind_feeds)
        self._playback = playback
        if playback is not None:
            playback.changed.connect(self._on_playback)
            playback.feeds_changed.connect(self._bind_feeds)
        self._bind_feeds()

    @property
    def in_playback(self) -> bool:
        return self._playback is not None and self._playback.active

    def _on_playback(self, _on: bool) -> None:
        for view in self._views.values():
            view.set_ptz_mode(False)
        self._apply_alarm_source()
        self._bind_feeds()

    def _bind_playback(self, playback: WallPlayback) -> None:
        for view in self._views.values():
            if view.consent_panel is not None:  # recordings follow their own consent rules
                view.consent_panel.set_playback(True)
            view.bind(
                playback.feed_for(view.tile.id),
                profile_why="Playback: the wall's recordings, every tile on the wall's clock",
            )

    def _playback_key(self, event: QKeyEvent) -> bool:
        """A key of the playback transport; False: not one (the wall's own keys apply)."""
        playback = self._playback
        session = playback.session if playback is not None else None
        if session is None:
            return False
        key = event.key()
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            return False  # Ctrl+arrows move the selection, as arrows do live
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        selected = self._wall.selected
        # A tile that left the wall's time takes the transport keys while it is selected.
        target = selected if selected is not None and session.is_detached(selected) else None
        repeat = event.isAutoRepeat()
        commands: dict[int, Callable[[], None]] = {
            Qt.Key.Key_J: lambda: session.shuttle(-1, target),
            Qt.Key.Key_L: lambda: session.shuttle(1, target),
            Qt.Key.Key_K: lambda: None if repeat else session.toggle_pause(target),
            Qt.Key.Key_Space: lambda: None if repeat else session.toggle_pause(target),
            Qt.Key.Key_Left: (
                (lambda: session.skip(-10.0, target)) if shift else lambda: session.step(-1, target)
            ),
            Qt.Key.Key_Right: (
                (lambda: session.skip(10.0, target)) if shift else lambda: session.step(1, target)
            ),
            Qt.Key.Key_BracketLeft: lambda: session.slower(target),
            Qt.Key.Key_BracketRight: lambda: session.faster(target),
            Qt.Key.Key_P: lambda: None,  # no PTZ on recordings
        }
        if key == Qt.Key.Key_D and selected is not None:
            if not repeat:
                if session.is_detached(selected):
                    session.rejoin(selected)
                else:
                    session.detach(selected)
            return True
        command = commands.get(key)
        if command is None:
            return False
        command()
        return True

    def _bind_feeds(self) -> None:
        if self._native != (self._wall.render_path == RenderPath.NATIVE):
            return  # the feeds changed kind before the views did: _on_render_path rebuilds
        if self._playback is not None and self._playback.active:
            self._bind_playback(self._playback)
            return
        feeds = self._feeds
        for view in self._views.values():
            if view.consent_panel is not None:
                view.consent_panel.set_playback(False)
            tile = view.tile
            key = feeds.key_for(tile)
            view.bind(
                feeds.feed_for(tile),
                feeds.outgoing_for(tile),
                functools.partial(feeds.release_outgoing, tile),
                key.profile if key else None,
                feeds.profile_reason(tile),
            )

    def _place(self) -> None:
        layout = self._wall.layout
        for view in self._views.values():
            self._grid.removeWidget(view)
        for i in range(max(self._grid.rowCount(), layout.rows)):
            self._grid.setRowStretch(i, 1 if i < layout.rows else 0)
        for i in range(max(self._grid.columnCount(), layout.columns)):
            self._grid.setColumnStretch(i, 1 if i < layout.columns else 0)
        maximized = self._wall.maximized
        for tile in layout.tiles:
            view = self._views[tile.id]
            if maximized is not None and tile.id != maximized:
                view.hide()
                continue
            r = tile.rect
            if maximized is not None:
                self._grid.addWidget(view, 0, 0, layout.rows, layout.columns)
            else:
                self._grid.addWidget(view, r.row, r.col, r.rows, r.cols)
            view.show()
        self._grid.activate()
        if self.hub_down:
            self.hub_banner.raise_()  # above tile windows made since it was shown
        self._clear_banner()

    def _retire(self, view: TileView) -> None:
        self.pacer.forget(view)
        view.set_frame_clock(None)
        view.bind(None)
        self._grid.removeWidget(view)
        view.hide()
        if self._native:
            # libvlc may still draw into this window until the reaper has stopped its player.
            QTimer.singleShot(NATIVE_WINDOW_GRACE_MS, view.deleteLater)
        else:
            view.deleteLater()

    def _on_maximized(self, _tile_id: int | None) -> None:
        self._place()

    def _on_selection(self, tile_id: int | None) -> None:
        if tile_id != self._selected:
            self.stop_steering("another tile selected")
        self._selected = tile_id
        for view in self._views.values():
            view.update()

    def selected_view(self) -> TileView | None:
        selected = self._wall.selected
        return self._views.get(selected) if selected is not None else None

    def stop_steering(self, reason: str) -> None:
        """Stop every camera steered from this wall (focus lost, selection moved)."""
        for view in self._views.values():
            view.stop_steering(reason)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        # A popup (the tile's menu) takes focus too, and a held key must still stop.
        self.stop_steering("focus lost")
        super().focusOutEvent(event)
        self._repaint_selected()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._repaint_selected()

    def _repaint_selected(self) -> None:
        """The selected tile's frame is the wall's focus ring: bright with the keyboard here."""
        view = self.selected_view()
        if view is not None:
            view.update()

    # -- keyboard ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        selected = self._wall.selected
        if self.in_playback and self._playback_key(event):
            return
        view = self.selected_view()
        if view is not None and key == Qt.Key.Key_P and not event.isAutoRepeat():
            view.set_ptz_mode(not view.ptz_mode)
            return
        panel = view.consent_panel if view is not None else None
        if key == Qt.Key.Key_A and panel is not None and panel.offers_request:
            panel.open_request()  # a private camera's access request (widgets.consent)
            return
        if view is not None and view.ptz_mode and view.steering is not None:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if view.steering.key_press(key, shift, event.isAutoRepeat()):
                return
        if key in _KEYS and self._wall.maximized is None:
            self._wall.select_neighbor(_KEYS[Qt.Key(key)])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and selected is not None:
            self._wall.toggle_maximize(selected)
        elif key == Qt.Key.Key_Escape and self._wall.maximized is not None:
            self._wall.toggle_maximize(self._wall.maximized)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and selected is not None:
            self._wall.clear(selected)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        view = self.selected_view()
        steering = view.steering if view is not None else None
        if steering is not None and steering.key_release(event.key(), event.isAutoRepeat()):
            return
        super().keyReleaseEvent(event)
