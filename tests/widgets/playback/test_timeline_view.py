"""The playback timeline offscreen: seeking by click, keys and the axis, zooming on the ladder
from one minute to one week, panning, following the cursor, what is painted where (alerts in
their priority's colour, cam-10's gaps from the real demo hub left empty), tooltips."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip

from console.hub.models import AlertPriority
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.playback.timeline_data import (
    MARK_ACK,
    MARK_ALERT,
    MARK_BOOKMARK,
    MARK_TRAINEE_ACK,
    CameraTrack,
    TimelineData,
    TimelineMark,
    TimelineSpan,
    load_timeline,
)
from widgets.alarms.alert_overlay import alert_colour
from widgets.common import theme
from widgets.playback.timeline_view import (
    GAP,
    LABEL_WIDTH,
    MAX_RANGE_S,
    MIN_RANGE_S,
    RECORDED,
    ZOOM_LEVELS_S,
    TimelineView,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WIDTH = 900


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def span_s(view: TimelineView) -> float:
    start, end = view.visible_range()
    return (end - start).total_seconds()


def sample_data() -> TimelineData:
    cameras = (
        CameraTrack(
            "cam-01", "Entrance", (TimelineSpan(at(0), at(20)), TimelineSpan(at(30), at(60))), True
        ),
        CameraTrack("cam-08", "Rooftop <b>PTZ</b>", (), False),
    )
    marks = (
        TimelineMark(
            at(10),
            at(11),
            MARK_ALERT,
            "cam-01",
            "Panic button",
            int(AlertPriority.CRITICAL),
            "al-1",
        ),
        TimelineMark(at(40), None, MARK_ALERT, "cam-01", "Motion", int(AlertPriority.LOW), "al-2"),
        TimelineMark(at(12), None, MARK_ACK, "cam-01", "Acknowledged by ana", 4, "al-1"),
        TimelineMark(at(50), at(52), MARK_BOOKMARK, "cam-01", "<i>Van</i>", 0, "bm-1"),
    )
    return TimelineData(at(0), at(60), cameras, marks)


@pytest.fixture
def view(qtbot) -> TimelineView:
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.set_data(sample_data())
    widget.resize(WIDTH, widget.sizeHint().height())
    widget.set_range(at(0), at(60))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixel_s(view: TimelineView) -> float:
    return span_s(view) / view.plot_rect().width()


def colour_at(image: QImage, x: float, y: float) -> QColor:
    return image.pixelColor(round(x), round(y))


def wheel(view: TimelineView, x: float, delta: int) -> None:
    point = QPointF(x, 30)
    event = QWheelEvent(
        point,
        view.mapToGlobal(point),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def test_nine_cameras_fit_in_about_200_px_and_it_takes_focus(qtbot):
    widget = TimelineView()
    qtbot.addWidget(widget)
    cameras = tuple(CameraTrack(f"cam-{i}", f"Camera {i}", (), True) for i in range(9))
    widget.set_data(TimelineData(at(0), at(60), cameras, ()))
    assert 180 <= widget.sizeHint().height() <= 215
    assert widget.minimumHeight() >= 50
    assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_a_click_on_a_row_seeks_to_the_time_under_the_mouse(view, qtbot):
    row = view.row_rect("cam-01")
    assert row is not None
    x = LABEL_WIDTH + view.plot_rect().width() // 4
    with qtbot.waitSignal(view.seek_requested) as sought:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(x, row.center().y()))
    expected = at(0) + timedelta(seconds=(x - LABEL_WIDTH) * pixel_s(view))
    assert abs((sought.args[0] - expected).total_seconds()) <= pixel_s(view)
    assert sought.args[0].tzinfo is not None
    assert view.visible_range() == (at(0), at(60))  # a click does not pan


def test_pressing_and_dragging_on_the_axis_scrubs(view, qtbot):
    times: list[datetime] = []
    view.seek_requested.connect(times.append)
    left = LABEL_WIDTH + 100
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(left, 8))
    qtbot.mouseMove(view, QPoint(left + 200, 8))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(left + 200, 8))
    assert len(times) >= 2 and times[-1] > times[0]
    assert abs((times[-1] - view.time_at(left + 200)).total_seconds()) <= pixel_s(view)
    assert view.visible_range() == (at(0), at(60))


def test_dragging_the_rows_pans_and_says_the_new_range_once(view, qtbot):
    ranges: list[tuple[datetime, datetime]] = []
    seeks: list[datetime] = []
    view.range_changed.connect(lambda s, e: ranges.append((s, e)))
    view.seek_requested.connect(seeks.append)
    y = view.row_rect("merged").center().y()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(600, y))
    qtbot.mouseMove(view, QPoint(550, y))
    qtbot.mouseMove(view, QPoint(400, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(400, y))
    assert seeks == []
    assert len(ranges) == 1
    start, end = ranges[0]
    assert (end - start).total_seconds() == 3600
    shifted = (start - at(0)).total_seconds()
    assert abs(shifted - 200 * pixel_s(view)) <= 2 * pixel_s(view)


def test_keys_zoom_on_the_ladder_and_clamp_at_a_minute_and_a_week(view, qtbot):
    view.setFocus()
    ranges: list[tuple[datetime, datetime]] = []
    view.range_changed.connect(lambda s, e: ranges.append((s, e)))
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert span_s(view) == 1800 and len(ranges) == 1
    for _ in range(len(ZOOM_LEVELS_S) + 2):
        qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert span_s(view) == MIN_RANGE_S
    for _ in range(len(ZOOM_LEVELS_S) + 2):
        qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert span_s(view) == MAX_RANGE_S
    emitted = len(ranges)
    qtbot.keyClick(view, Qt.Key.Key_Minus)  # already a week: nothing changes, nothing said
    assert len(ranges) == emitted


def test_zoom_keeps_the_cursor_where_it_is(view):
    view.set_position(at(15))
    x = view.x_of(at(15))
    view.zoom(2)
    assert span_s(view) == 600
    assert abs(view.x_of(at(15)) - x) <= 1
    view.zoom(-3)
    assert span_s(view) == 7200


def test_the_wheel_zooms_around_the_mouse_and_clamps(view):
    x = LABEL_WIDTH + 3 * view.plot_rect().width() // 4
    under = view.time_at(x)
    ranges: list[tuple[datetime, datetime]] = []
    view.range_changed.connect(lambda s, e: ranges.append((s, e)))
    wheel(view, x, 120)
    assert span_s(view) == 1800 and ranges
    assert abs((view.time_at(x) - under).total_seconds()) <= pixel_s(view)
    for _ in range(20):
        wheel(view, x, 120)
    assert span_s(view) == MIN_RANGE_S
    for _ in range(20):
        wheel(view, x, -120)
    assert span_s(view) == MAX_RANGE_S
    wheel(view, x, 60)  # half a notch: nothing yet
    assert span_s(view) == MAX_RANGE_S


def test_arrows_pan_by_a_tenth_home_goes_to_the_cursor_shift_arrows_seek(view, qtbot):
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.visible_range() == (at(6), at(66))
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.visible_range() == (at(-6), at(54))
    view.set_position(at(100))
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.visible_range() == (at(70), at(130))
    with qtbot.waitSignal(view.seek_requested) as sought:
        qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert sought.args[0] > at(100)


def test_ctrl_g_asks_the_owner_for_the_go_to_dialog(view, qtbot):
    view.setFocus()
    with qtbot.waitSignal(view.go_to_requested):
        qtbot.keyClick(view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)


def test_set_range_clamps_to_a_minute_and_a_week_around_its_middle(view):
    view.set_range(at(0), at(0.5))
    start, end = view.visible_range()
    assert span_s(view) == MIN_RANGE_S and start + (end - start) / 2 == at(0.25)
    view.set_range(at(0), at(60 * 24 * 30))
    assert span_s(view) == MAX_RANGE_S


def test_follow_pans_when_the_cursor_leaves_the_range(view, qtbot):
    view.set_position(at(70))
    assert view.visible_range() == (at(0), at(60))  # not following: stays
    with qtbot.waitSignal(view.range_changed):
        view.set_follow(True)
    start, end = view.visible_range()
    assert start < at(70) < end and span_s(view) == 3600
    view.set_position(at(75))
    assert view.visible_range() == (start, end)  # still in view: no pan


def test_marks_are_painted_in_their_colours_and_the_cursor_is_drawn(view):
    view.set_position(at(30))
    image = view.grab().toImage()
    alerts = view.row_rect(MARK_ALERT)
    assert alerts is not None
    critical = colour_at(image, view.x_of(at(10.5)), alerts.center().y())
    assert critical == alert_colour(AlertPriority.CRITICAL)
    low = colour_at(image, view.x_of(at(40)) + 1, alerts.center().y())
    assert low == alert_colour(AlertPriority.LOW)
    nothing = colour_at(image, view.x_of(at(25)), alerts.center().y())
    assert nothing == GAP
    bookmarks = view.row_rect(MARK_BOOKMARK)
    assert colour_at(image, view.x_of(at(51)), bookmarks.center().y()) != GAP
    cam = view.row_rect("cam-01")
    assert colour_at(image, view.x_of(at(10)), cam.center().y()) == RECORDED
    assert colour_at(image, view.x_of(at(25)), cam.center().y()) == GAP
    # nothing of the not-recorded camera is painted as recorded
    rooftop = view.row_rect("cam-08")
    row = [
        colour_at(image, x, rooftop.center().y()) for x in range(rooftop.left(), rooftop.right(), 7)
    ]
    assert RECORDED not in row


def test_acknowledgement_rows_only_when_there_are_such_marks(view):
    assert view.row_rect(MARK_ACK) is not None
    assert view.row_rect(MARK_TRAINEE_ACK) is None
    trainee = TimelineMark(at(13), None, MARK_TRAINEE_ACK, "cam-01", "Acknowledged by you", 4)
    view.set_data(view.data().with_marks([trainee]))
    assert view.row_rect(MARK_TRAINEE_ACK) is not None
    view.camera_tracks_visible(False)
    assert view.row_rect("cam-01") is None and view.row_rect("merged") is not None


def test_tooltips_name_the_mark_with_hub_text_escaped(view):
    bookmarks = view.row_rect(MARK_BOOKMARK)
    point = QPoint(round(view.x_of(at(51))), bookmarks.center().y())
    mark = view.mark_at(point)
    assert mark is not None and mark.ref_id == "bm-1"
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, point, view.mapToGlobal(point)))
    text = QToolTip.text()
    assert "&lt;i&gt;Van" in text and "<i>" not in text and "Entrance" in text
    QToolTip.hideText()


def test_a_week_of_many_spans_draws_at_most_a_run_per_pixel(qtbot):
    widget = TimelineView()
    qtbot.addWidget(widget)
    spans = tuple(
        TimelineSpan(at(i * 2), at(i * 2 + 1.9)) for i in range(5000)
    )  # about a week of 2-minute spans with short gaps
    marks = tuple(
        TimelineMark(at(i * 3), None, MARK_ALERT, "cam-01", "Motion", 1, f"a{i}")
        for i in range(3000)
    )
    widget.set_data(
        TimelineData(at(0), at(10000), (CameraTrack("cam-01", "A", spans, True),), marks)
    )
    widget.resize(WIDTH, 120)
    widget.set_range(at(0), at(10000))
    runs = widget._span_runs(widget._spans["cam-01"], widget.plot_rect())
    assert 0 < len(runs) <= widget.plot_rect().width()
    assert not widget.grab().isNull()


def test_cam10s_gaps_from_the_real_demo_hub_are_left_unpainted(qtbot, hub_factory):
    hub = hub_factory(recorded_since=time.time() - 1300)

    async def load() -> TimelineData:
        async with TesseraHubClient(HubConfig(url=hub.url)) as client:
            now = datetime.now(UTC)
            return await load_timeline(
                client.recordings_facet,
                client.bookmarks_facet,
                [("cam-03", "Car Park"), ("cam-10", "Platform 2")],
                now - timedelta(seconds=1250),
                now,
                alerts=False,
            )

    data = asyncio.run(asyncio.wait_for(load(), 20))
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.set_data(data)
    widget.resize(WIDTH, widget.sizeHint().height())
    widget.set_range(data.start, data.end)
    image = widget.grab().toImage()
    cam10 = data.track("cam-10")
    gap_middle = cam10.spans[0].end + timedelta(seconds=30)
    longest = max(cam10.spans, key=lambda s: s.end - s.start)  # the first may be short
    recorded_middle = longest.start + (longest.end - longest.start) / 2
    y10 = widget.row_rect("cam-10").center().y()
    y03 = widget.row_rect("cam-03").center().y()
    assert colour_at(image, widget.x_of(gap_middle), y10) == GAP
    assert colour_at(image, widget.x_of(recorded_middle), y10) == RECORDED
    assert colour_at(image, widget.x_of(gap_middle), y03) == RECORDED


def test_axis_ticks_suit_the_zoom_in_local_time(view):
    view.set_range(at(0), at(1))
    ticks = view.ticks()
    assert len(ticks) >= 3
    for t, label in ticks:
        local = t.astimezone()
        assert label == local.strftime("%H:%M:%S") and local.second % 10 == 0
    view.set_range(at(0), at(60))
    for t, label in view.ticks():
        local = t.astimezone()
        assert local.minute % 10 == 0 and local.second == 0
        assert label in (local.strftime("%H:%M"), local.strftime("%a %d %b"))
    view.set_range(at(0), at(60 * 24 * 7))
    ticks = view.ticks()
    assert 6 <= len(ticks) <= 8
    for t, label in ticks:
        local = t.astimezone()
        assert (local.hour, local.minute) == (0, 0) and label == local.strftime("%a %d %b")


def test_incomplete_data_says_so_in_the_corner_and_unloaded_time_is_no_gap(view):
    view.set_data(replace(sample_data(), problem="The video hub cannot be reached."))
    view.set_range(at(30), at(90))  # panned past the loaded hour
    image = view.grab().toImage()
    merged = view.row_rect("merged")
    assert colour_at(image, view.x_of(at(83)), merged.center().y()) == theme.SURFACE
    assert colour_at(image, view.x_of(at(45)), merged.center().y()) != theme.SURFACE
    point = QPoint(10, 10)
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, point, view.mapToGlobal(point)))
    assert QToolTip.text() == "The video hub cannot be reached."
    QToolTip.hideText()
