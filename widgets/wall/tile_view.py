"""One tile of the wall: the picture, the camera's name and the feed's state.

A picture that is not live (the last frame of a lost stream, a frozen one, an old one while
connecting) is greyed and dimmed, and a short word across the tile says why ("NO SIGNAL · retry
in 3 s"); the full reason is in the tooltip. A profile switch is no such state: the old stream's
picture stays live until the new one's first frame.

The view only subscribes: it repaints when its feed's player says a frame is ready, and it
changes the wall only through `WallModel` methods. On a composited wall it paints the newest
decoded frame itself (so overlays and masks can later be drawn over and into it); on a native
wall libvlc draws into a child window and the view shows name and state in a strip above it.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from console.alerts.book import Overlay, OverlaySource
from console.base import timecode
from console.consent.core import PrivateAccess
from console.hub.models import PtzLock
from console.latency.meter import LatencyMeter
from console.media.feed import FeedState, FeedStatus
from console.media.frame import Frame
from console.provenance.badges import Badge
from console.ptz.desk import PtzDesk
from console.wall.feeds import Feed
from console.wall.layout import Tile, TileRole
from console.wall.model import WallModel
from widgets.alarms.alert_overlay import (
    alert_colour,
    alert_text,
    paint_alert_border,
    paint_alert_boxes,
    paint_alert_label,
)
from widgets.common import theme
from widgets.common.hub_text import LabelLine, shown, shown_html
from widgets.consent.consent_panel import ConsentPanel
from widgets.provenance.badge_paint import TileBadges, badge_tooltip
from widgets.ptz.ptz_steering import TileSteering, paint_crosshair
from widgets.video.video_paint import letterbox, paint_frame
from widgets.wall.frame_clock import FrameClock
from widgets.wall.repaint_pacer import RepaintPacer
from widgets.wall.tile_drop import can_drop, drop_on_tile, start_tile_drag
from widgets.wall.tile_labels import (
    ROLE_MARKS,
    TileLabels,
    describe_state,
    label_font,
    picture_is_live,
    state_detail,
)
from widgets.wall.tile_menu import tile_menu
from widgets.watermark.watermark_paint import WatermarkLayer

PTZ_PROBLEM_SHOWN_S = 6.0

PaintProbe = Callable[["TileView", Frame, float], None]
_paint_probe: PaintProbe | None = None


OverlayProbe = Callable[["TileView", list[Overlay], float], None]
_overlay_probe: OverlayProbe | None = None


def set_overlay_probe(probe: OverlayProbe | None) -> None:
    """Measurement hook: `probe(view, overlays, time.monotonic())` runs right after a tile has
    painted its alert overlays (only when it has some)."""
    global _overlay_probe  # one process-wide hook, by design
    _overlay_probe = probe


def set_paint_probe(probe: PaintProbe | None) -> None:
    """Measurement hook (benchmarks, diagnostics): `probe(view, frame, time.monotonic())` runs
    right after a new frame is painted on any tile. No probe, no cost."""
    global _paint_probe  # one process-wide hook, by design
    _paint_probe = probe


class TileView(QWidget):
    """A tile. `wall_index` identifies the wall in drag-and-drop between screens."""

    camera_dropped = Signal(int, str)  # tile id, camera id (from the camera tree or a wall)
    _badges_of: Callable[[str], tuple[Badge, ...]] | None = None
    _watermark_lines: Callable[[], tuple[str, ...]] | None = None
    _privacy: Any = None  # widgets.privacy.tile_privacy.TilePrivacy (issue 18)
    consent_panel: ConsentPanel | None = None  # set_consent (issue 18)

    def __init__(
        self,
        wall: WallModel,
        wall_index: int,
        tile: Tile,
        camera_name: Any,
        native: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._wall = wall
        self._wall_index = wall_index
        self._tile = tile
        self._camera_name = camera_name  # callable: camera id -> display name
        self._feed: Feed | None = None
        self._state: FeedState | None = None
        self._native = native
        self._drag_from: QPoint | None = None
        self._drop_hover = False
        self.frames_shown = 0  # distinct new frames shown on this tile
        self.blank_paints = 0  # paints of a tile with a feed but no picture yet
        self._last_shown: tuple[int, int] | None = None  # (generation, seq)
        self._outgoing: Feed | None = None  # the feed this one replaces, until it paints
        self._painting_outgoing = False  # the last paint showed the outgoing feed's picture
        self._release: Callable[[], None] | None = None
        self._on_resize: Callable[[int, int, int], None] | None = None
        self._profile: str | None = None
        self._profile_why = ""
        self.latency: LatencyMeter | None = None  # on while the wall shows latency
        self._ptz: PtzDesk | None = None
        self.steering: TileSteering | None = None
        self.ptz_mode = False
        self._ptz_problem: tuple[str, float] | None = None  # (message, monotonic time)
        self._picture = QRect()
        self.labels = TileLabels(self)
        self.labels_top = 0  # the labels start this far down (below the wall's hub banner)
        self._alarms: OverlaySource | None = None
        self._pacer: RepaintPacer | None = None
        self._clock: FrameClock | None = None
        self.last_painted = 0.0  # time.monotonic() of the last paint
        # The camera's provenance and sharing badges (issue 18), and the operator watermark a
        # policy may ask for over the picture (composited walls); their sources are set later.
        self.badges, self.watermark = TileBadges(self), WatermarkLayer(self)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(64, 36)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, not native)
        self.video: QWidget | None = None
        self._strip: QLabel | None = None
        if native:
            box = QVBoxLayout(self)
            box.setContentsMargins(4, 4, 4, 4)  # room for an alert border
            box.setSpacing(0)
            self._strip = QLabel(self)
            self._strip.setStyleSheet(f"color: {theme.TEXT.name()}; padding: 1px 4px;")
            self.video = QWidget(self)
            self.video.setAttribute(Qt.WidgetAttribute.WA_NativeWindow, True)
            self.video.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors, True)
            self.video.setStyleSheet("background: black;")
            box.addWidget(self._strip)
            box.addWidget(self.video, 1)

    # -- binding -------------------------------------------------------------------------------
    @property
    def label_line(self) -> LabelLine | None:
        """The top line as last drawn on a composited wall (tests check that the camera's name
        never covers the state)."""
        return self.labels.line

    @property
    def tile(self) -> Tile:
        return self._tile

    @property
    def feed(self) -> Feed | None:
        return self._feed

    @property
    def has_shown_video(self) -> bool:
        if self._native:
            player = self._feed.player if self._feed else None
            return player is not None and (self.frames_shown > 0 or player.frame_count > 0)
        return self.frames_shown > 0

    def set_consent(self, access: PrivateAccess | None) -> None:
        """Show what a private camera's owner shares (widgets.consent): a panel instead of
        video where there is none to show, the access left where it is granted."""
        if self.consent_panel is None and access is not None:
            self.consent_panel = ConsentPanel(self, access, self._camera_name)
            self.consent_panel.set_camera(self._tile.camera_id)

    def set_tile(self, tile: Tile) -> None:
        camera_changed = tile.camera_id != self._tile.camera_id
        self._tile = tile
        if self.consent_panel is not None:
            self.consent_panel.set_camera(tile.camera_id)
        if camera_changed:
            self._on_camera_changed()
            self.setToolTip(self._tooltip())
        self._refresh_strip()
        self.update()

    # -- alerts --------------------------------------------------------------------------------
    def set_alarms(self, book: OverlaySource | None) -> None:
        """Draw the alerts of this tile's camera from `book` (the wall view tells us when)."""
        self._alarms = book
        self.alerts_changed()

    def set_privacy(self, privacy: Any) -> None:
        """Privacy masks: the menu's entries, the lift's countdown line, the tooltip."""
        self._privacy = privacy
        if privacy is not None:
            privacy.attach(self)
        self.refresh_tooltip()

    def refresh_tooltip(self) -> None:
        self.setToolTip(self._tooltip())

    def overlays(self) -> list[Overlay]:
        if self._alarms is None or self._tile.camera_id is None:
            return []
        return self._alarms.overlays(self._tile.camera_id)

    def alerts_changed(self) -> None:
        """The camera's alerts changed (or are fading): repaint, and on a native wall show
        the border and the label around libvlc's window."""
        if self._native:
            self._refresh_strip()
        self.repaint_soon()

    def set_repaint_pacer(self, pacer: RepaintPacer | None) -> None:
        """Ask `pacer` for repaints on new frames and alert changes (the wall spreads the
        repaints of its tiles over event-loop turns); without one, repaint on the next turn."""
        self._pacer = pacer

    def set_frame_clock(self, clock: FrameClock | None) -> None:
        """Paint new frames on `clock`'s beat: the players then signal only their first frame
        (composited walls; a native tile's pictures are libvlc's)."""
        if self._clock is not None:
            self._clock.discard(self)
        self._clock = clock if not self._native else None
        if self._clock is not None:
            self._clock.add(self)
            for feed in (self._feed, self._outgoing):
                self._follow(feed, True, connect=False)

    def has_new_frame(self) -> bool:
        """A player of this tile has a frame the tile has not painted (and the tile is shown)."""
        if not self.isVisible():
            return False
        for feed in (self._feed, self._outgoing):
            player = feed.player if feed is not None else None
            newest = player.newest_frame if player is not None else None
            if newest is not None and newest != self._last_shown:
                return True
        return False

    def repaint_soon(self) -> None:
        if self._pacer is not None:
            self._pacer.request(self)
        else:
            self.update()

    # -- PTZ -----------------------------------------------------------------------------------
    def set_ptz(self, desk: PtzDesk | None) -> None:
        """Steer PTZ cameras on this tile through `desk` (None: no PTZ on this wall)."""
        self._ptz = desk
        if desk is None:
            return
        self.steering = TileSteering(desk, self.picture_rect, self)
        self.steering.changed.connect(self.update)
        desk.lock_changed.connect(self._on_ptz_lock)
        desk.problem.connect(self._on_ptz_problem)
        self.destroyed.connect(lambda: self._disconnect_ptz(desk))
        self._on_camera_changed()

    def _disconnect_ptz(self, desk: PtzDesk) -> None:
        desk.lock_changed.disconnect(self._on_ptz_lock)
        desk.problem.disconnect(self._on_ptz_problem)

    @property
    def can_steer(self) -> bool:
        """The tile's camera is a PTZ camera this console can steer."""
        return self._ptz is not None and self._ptz.capabilities(self._tile.camera_id) is not None

    def set_ptz_mode(self, on: bool) -> None:
        """PTZ mode: mouse and keys steer the camera instead of arranging the wall."""
        on = on and self.can_steer
        if on and self._ptz is not None:
            reason = self._ptz.refusal(self._tile.camera_id)
            if reason is not None:  # said where PTZ problems are said; the tile stays as it is
                self._ptz.problem.emit(self._tile.camera_id, reason)
                return
        if on == self.ptz_mode:
            return
        self.ptz_mode = on
        if not on and self.steering is not None:
            self.steering.stop("PTZ mode off")
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.update()

    def picture_rect(self) -> QRect:
        """Where the picture is drawn (the whole tile until a frame has been painted)."""
        if self._picture.isValid():
            return QRect(self._picture)
        return self.video.geometry() if self.video is not None else self.rect()

    def stop_steering(self, reason: str) -> None:
        if self.steering is not None:
            self.steering.stop(reason)

    def _on_camera_changed(self) -> None:
        if self.steering is None or self._ptz is None:
            return
        self.steering.stop("tile changed")
        self.steering.camera_id = self._tile.camera_id
        self._ptz_problem = None
        if not self.can_steer:
            self.set_ptz_mode(False)
        self._ptz.watch(self._tile.camera_id)

    def _on_ptz_lock(self, camera_id: str, _lock: PtzLock | None) -> None:
        if camera_id == self._tile.camera_id:
            self._refresh_strip()
            self.update()

    def _on_ptz_problem(self, camera_id: str, message: str) -> None:
        if camera_id == self._tile.camera_id:
            self._ptz_problem = (message, time.monotonic())
            self._refresh_strip()
            self.update()

    def ptz_line(self) -> tuple[str, QColor] | None:
        """The tile's PTZ line in plain words (who holds the camera, the last problem)."""
        if self._ptz is None or not self.can_steer:
            return None
        if self._ptz_problem is not None:
            message, at = self._ptz_problem
            if time.monotonic() - at < PTZ_PROBLEM_SHOWN_S:
                return f"PTZ: {message}", theme.ALARM
            self._ptz_problem = None
        lock = self._ptz.held_by_other(self._tile.camera_id)
        if lock is not None:
            since = lock.since.astimezone().strftime("%H:%M")
            return f"PTZ held by {shown(lock.operator)} since {since}", theme.WARN
        if self.ptz_mode:
            return "PTZ · drag to move · click to centre · Shift+drag to zoom", theme.ACCENT
        return "PTZ camera · P to steer", theme.MUTED

    def bind(
        self,
        feed: Feed | None,
        outgoing: Feed | None = None,
        release: Callable[[], None] | None = None,
        profile: str | None = None,
        profile_why: str = "",
    ) -> None:
        """Show `feed`; until its first frame is painted, keep painting `outgoing` (the feed it
        replaces), then call `release` so the old stream stops."""
        self._profile, self._profile_why = profile, profile_why
        self.setToolTip(self._tooltip())
        if outgoing is not self._outgoing:
            self._follow(self._outgoing, False)
            self._outgoing = outgoing
            self._follow(outgoing, True)
        self._release = release
        if feed is self._feed:
            self._refresh_strip()
            return
        if self._feed is not None:
            self._feed.state_changed.disconnect(self._on_state)
            self._follow(self._feed, False)
        self._feed = feed
        self._state = feed.state if feed else None
        if feed is not None:
            feed.state_changed.connect(self._on_state)
            self._follow(feed, True)
            if self._native and self.video is not None and feed.player is not None:
                feed.player.set_window(int(self.video.winId()))
        self._refresh_strip()
        self.update()

    def _follow(self, feed: Feed | None, on: bool, *, connect: bool = True) -> None:
        player = feed.player if feed is not None else None
        if player is None:
            return
        if on and self._clock is not None:
            player.set_frame_signal(every_frame=False)
        if not connect:
            return
        if on:
            player.frame_ready.connect(self._on_frame)
        else:
            player.frame_ready.disconnect(self._on_frame)

    def set_labels_top(self, top: int) -> None:
        """Draw the name and state this far below the tile's top (a banner lies over it)."""
        if top != self.labels_top:
            self.labels_top = top
            self.update()

    def show_latency(self, on: bool) -> None:
        self.latency = LatencyMeter() if on else None
        self.update()

    def set_resize_listener(self, listener: Callable[[int, int, int], None]) -> None:
        """`listener(tile_id, width_px, height_px)` gets the picture area in device pixels."""
        self._on_resize = listener
        self._report_size()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._report_size()

    def _report_size(self) -> None:
        if self._on_resize is None:
            return
        area = self.video if self.video is not None else self
        ratio = self.devicePixelRatioF()
        self._on_resize(self._tile.id, round(area.width() * ratio), round(area.height() * ratio))

    def _tooltip(self) -> str:
        """Rich text (Qt guesses, so it is made certain): the state in full, the stream and why,
        the decoder; each line escaped (a reason may quote the hub)."""
        lines = []
        detail = state_detail(self._state)
        if detail:
            lines.append(detail)
        if self._profile_why:
            lines.append(f"Stream: {self._profile_why}")
        if self._state is not None and self._state.decoding:
            lines.append(f"Decoding: {self._state.decoding}")
        badges = self.camera_badges()
        if badges:
            lines.extend(badge_tooltip(badges).splitlines())
        masks = self._privacy.tooltip_line(self._tile.camera_id) if self._privacy else None
        if masks:
            lines.append(masks)
        return "<br>".join(html.escape(line, quote=False) for line in lines)

    # -- badges and watermark (issue 18) -------------------------------------------------------
    def set_badge_source(self, badges_of: Callable[[str], tuple[Badge, ...]] | None) -> None:
        """Show the badges `badges_of(camera_id)` gives (a restricted vendor, a private
        camera's tier) in the tile's bottom-right corner and its tooltip."""
        self._badges_of = badges_of
        self.setToolTip(self._tooltip())
        self._refresh_strip()
        self.update()

    def camera_badges(self) -> tuple[Badge, ...]:
        if self._badges_of is None or self._tile.camera_id is None:
            return ()
        return self._badges_of(self._tile.camera_id)

    def set_watermark(self, lines: Callable[[], tuple[str, ...]] | None) -> None:
        """Draw `lines()` (the operator and the time) over the picture; None: no watermark."""
        self._watermark_lines = lines
        self.update()

    @property
    def showing_live_picture(self) -> bool:
        """The picture on the tile is live: false while it is greyed under a state band."""
        return picture_is_live(self._state) or self._painting_outgoing

    def _on_frame(self) -> None:
        if self._native:
            self.frames_shown += 1  # libvlc painted it; the stats say it was new
            # Both players draw into this tile's window: once the new one has shown a
            # picture, the one it replaces (an old stream profile) must stop, or they take
            # turns in the window for as long as the tile shows this camera.
            player = self._feed.player if self._feed is not None else None
            if self._outgoing is not None and player is not None and player.frame_count > 0:
                self._release_outgoing()
        elif self.isVisible():
            self.repaint_soon()

    def _on_state(self, state: FeedState) -> None:
        self._state = state
        if state.status is FeedStatus.SIGNAL_LOST and self._outgoing is not None:
            self._release_outgoing()  # the new stream failed: do not keep an old one alive
        self.setToolTip(self._tooltip())
        self._refresh_strip()
        self.update()

    def _release_outgoing(self) -> None:
        self._follow(self._outgoing, False)
        self._outgoing = None
        release, self._release = self._release, None
        if release is not None:
            release()

    def _refresh_strip(self) -> None:
        if self._strip is None:
            return
        text, colour = describe_state(self._state, self._profile)
        # A QLabel reads rich text: what came from the hub is escaped (and isolated).
        name = (
            shown_html(self._camera_name(self._tile.camera_id)) if self._tile.camera_id else "Empty"
        )
        name += ROLE_MARKS.get(self._tile.role, "")
        ptz = self.ptz_line()
        extra = (
            f"   <span style='color:{ptz[1].name()}'>{html.escape(ptz[0])}</span>" if ptz else ""
        )
        overlays = self.overlays()
        if overlays:
            top = overlays[0]
            extra += (
                f"   <b style='color:{alert_colour(top.alert.priority).name()}'>"
                f"{html.escape(alert_text(top, len(overlays) - 1))}</b>"
            )
        for badge in self.camera_badges():
            extra += f"   <span style='color:{theme.MUTED.name()}'>{html.escape(badge.text)}</span>"
        self._strip.setText(f"{name}   <span style='color:{colour.name()}'>{text}</span>{extra}")

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self.last_painted = time.monotonic()
        p = QPainter(self)
        rect = self.rect()
        overlays = self.overlays()
        if not self._native:
            if self._paint_video(p, rect) and self._watermark_lines is not None:
                self.watermark.paint(p, self.picture_rect(), self._watermark_lines())
            if overlays:
                paint_alert_boxes(p, self.picture_rect(), overlays)
            if self.ptz_mode:
                paint_crosshair(p, self.picture_rect())
                if self.steering is not None:
                    self.steering.paint(p)
            self._paint_labels(p, rect.adjusted(0, min(self.labels_top, rect.height() // 2), 0, 0))
            self.badges.paint(p, rect, self.camera_badges())
            if overlays:
                paint_alert_label(p, rect, overlays[0], len(overlays) - 1)
        else:
            p.fillRect(rect, theme.BACKGROUND)
        if overlays:
            # On a native wall libvlc's window covers the middle: the border lies in the margin.
            paint_alert_border(p, rect, overlays[0])
            if _overlay_probe is not None:
                _overlay_probe(self, overlays, time.monotonic())
        selected = self._wall.selected == self._tile.id
        if self._drop_hover or selected:
            # In no priority's colour, and inside an alert's border rather than over it. With
            # the keyboard on the wall it is bright and thick (the wall's focus ring); with the
            # keyboard in another pane it stays, thin and grey, so the selection is not lost.
            focused = self._drop_hover or self._wall_has_focus()
            pen = QPen(theme.SELECTED if focused else theme.MUTED)
            pen.setWidth(3 if focused else 1)
            if self._drop_hover and not selected:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            inset = 5 if overlays else 1
            p.drawRect(rect.adjusted(inset, inset, -inset, -inset))
        p.end()

    def _wall_has_focus(self) -> bool:
        parent = self.parentWidget()
        return parent is not None and parent.hasFocus()

    def _paint_video(self, p: QPainter, rect: QRect) -> bool:
        """Paint the newest frame; whether there was one (else the tile is black)."""
        player = self._feed.player if self._feed else None
        frame = player.latest_frame() if player is not None else None
        self._painting_outgoing = False
        if frame is not None and self._outgoing is not None:
            self._release_outgoing()  # the new stream's first frame is on screen now
        elif frame is None and self._outgoing is not None:
            old = self._outgoing.player
            frame = old.latest_frame() if old is not None else None
            self._painting_outgoing = frame is not None
        if frame is None:
            p.fillRect(rect, QColor(0, 0, 0))
            if self._feed is not None:
                self.blank_paints += 1
            return False
        self._picture = paint_frame(
            p, rect, frame, self.devicePixelRatioF(), live=self.showing_live_picture
        )
        for bar in letterbox(rect, self._picture):  # the picture covers the rest
            p.fillRect(bar, QColor(0, 0, 0))
        shown = (frame.generation, frame.seq)
        if shown != self._last_shown:
            self._last_shown = shown
            self.frames_shown += 1
            if self.latency is not None:
                self.latency.offer(frame.image)
            if _paint_probe is not None:
                _paint_probe(self, frame, time.monotonic())
        return True

    def _paint_labels(self, p: QPainter, rect: QRect) -> None:
        if self._tile.camera_id is None:
            p.setFont(label_font(self, rect))
            p.setPen(theme.MUTED)
            empty = (
                "Alarm tile\nwaiting for alarms"
                if self._tile.role == TileRole.ALARM
                else "Drop a camera here"
            )
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, empty)
            return
        name = self._camera_name(self._tile.camera_id)
        mark = ROLE_MARKS.get(self._tile.role, "")
        text, colour = describe_state(self._state, self._profile)
        band = not self.showing_live_picture
        if self.latency is not None and text and not band:
            text += self._latency_text()
        ptz = self.ptz_line()
        lifted = self._privacy.status_text(self._tile.camera_id) if self._privacy else None
        if lifted:  # the lift's countdown shares the PTZ line
            ptz = (f"{ptz[0]} · {lifted}", ptz[1]) if ptz else (lifted, theme.WARN)
        self.labels.paint(p, rect, name, text, colour, ptz, band, mark)

    def _latency_text(self) -> str:
        assert self.latency is not None
        if self.latency.latest_ms is not None:
            return f" · {self.latency.latest_ms:.0f} ms"
        # The time code is read from the painted picture, which is the tile's size.
        if 0 < self._picture.width() * self.devicePixelRatioF() < timecode.MIN_READABLE_WIDTH:
            return " · tile too small to read the latency"
        return ""

    # -- interaction ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._wall.select(self._tile.id)
            if self.ptz_mode and self.steering is not None:
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.steering.press(event.position(), shift)
                return
            self._drag_from = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.ptz_mode and self.steering is not None:
            self.steering.move(event.position())
            return
        start = self._drag_from
        if (
            start is None
            or self._tile.camera_id is None
            or (event.position().toPoint() - start).manhattanLength()
            < QApplication.startDragDistance()
        ):
            return
        self._drag_from = None
        start_tile_drag(self, self._wall_index, self._tile)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        if self.ptz_mode and self.steering is not None:
            if event.button() == Qt.MouseButton.LeftButton:
                self.steering.release(event.position())
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.ptz_mode and self.steering is not None:
            self.steering.wheel(event.angleDelta().y() / 120)
            event.accept()
            return
        super().wheelEvent(event)

    def hideEvent(self, event: Any) -> None:
        self.stop_steering("tile hidden")
        super().hideEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._wall.toggle_maximize(self._tile.id)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if can_drop(event.mimeData()):
            self._drop_hover = True
            self.update()
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: Any) -> None:
        self._drop_hover = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_hover = False
        self.update()
        taken = drop_on_tile(
            event.mimeData(), self._wall, self._wall_index, self._tile, self.camera_dropped.emit
        )
        if taken:
            event.acceptProposedAction()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        ptz_mode = self.ptz_mode if self.can_steer else None
        menu = tile_menu(
            self, self._wall, self._tile, ptz_mode, lambda: self.set_ptz_mode(not self.ptz_mode)
        )
        if self._privacy is not None:
            self._privacy.add_menu_entries(menu, self, self._tile.camera_id)
        menu.exec(event.globalPos())
