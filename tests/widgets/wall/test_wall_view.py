from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from console.media.feed import FeedState, FeedStatus
from widgets.cameras.mime import CAMERA_MIME, TILE_MIME
from widgets.shell.wall_window import WallWindow
from widgets.wall.tile_labels import describe_state, state_detail


def make_window(qtbot, station):
    window = WallWindow(station, 0, lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def drop(view, mime_type, payload):
    mime = QMimeData()
    mime.setData(mime_type, QByteArray(payload.encode()))
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(event)


def test_dropping_a_camera_from_the_tree_shows_it_on_that_tile(qtbot, station):
    window = make_window(qtbot, station)
    target = window.wall_view.tile_views[3]
    drop(target, CAMERA_MIME, "cam-05")
    assert station.walls[0].layout.tile(target.tile.id).camera_id == "cam-05"
    assert target.feed is not None and target.feed.key.camera_id == "cam-05"


def test_dragging_a_tile_onto_another_swaps_them(qtbot, station):
    window = make_window(qtbot, station)
    first, second = window.wall_view.tile_views[:2]
    drop(second, TILE_MIME, f"0:{first.tile.id}")
    layout = station.walls[0].layout
    assert [t.camera_id for t in layout.tiles[:2]] == ["cam-02", "cam-01"]


def test_double_click_maximizes_and_restores(qtbot, station):
    window = make_window(qtbot, station)
    views = window.wall_view.tile_views
    qtbot.mouseDClick(views[1], Qt.MouseButton.LeftButton)
    assert station.walls[0].maximized == views[1].tile.id
    assert views[1].isVisible() and not views[0].isVisible()
    assert views[1].width() > window.wall_view.width() * 0.9
    qtbot.mouseDClick(views[1], Qt.MouseButton.LeftButton)
    assert station.walls[0].maximized is None
    assert all(v.isVisible() for v in views)


def test_keyboard_moves_selection_maximizes_and_clears(qtbot, station):
    window = make_window(qtbot, station)
    wall = station.walls[0]
    wall_view = window.wall_view
    wall_view.setFocus()
    wall.select(wall.layout.tiles[0].id)
    qtbot.keyClick(wall_view, Qt.Key.Key_Right)
    assert wall.selected == wall.layout.tile_at(1, 0).id
    qtbot.keyClick(wall_view, Qt.Key.Key_Return)
    assert wall.maximized == wall.selected
    qtbot.keyClick(wall_view, Qt.Key.Key_Escape)
    assert wall.maximized is None
    qtbot.keyClick(wall_view, Qt.Key.Key_Delete)
    assert wall.layout.tile(wall.selected).camera_id is None


def test_grid_presets_rebuild_the_wall_and_keep_cameras(qtbot, station):
    window = make_window(qtbot, station)
    window.grid_box.textActivated.emit("1+5")
    assert len(window.wall_view.tile_views) == 6
    assert station.walls[0].layout.tiles[0].camera_id == "cam-01"
    big = window.wall_view.tile_views[0]
    assert big.width() > window.wall_view.tile_views[1].width() * 1.5


def test_tile_state_lines_are_plain_words():
    assert describe_state(FeedState(FeedStatus.CONNECTING))[0] == "Connecting…"
    assert describe_state(FeedState(FeedStatus.LIVE, fps=14.8))[0] == "Live · 15 fps"
    live = FeedState(FeedStatus.LIVE, fps=15, decoding="SW (no hardware decoder on this machine)")
    assert describe_state(live, "sub")[0] == "Live · 15 fps · sub · SW"
    # Issue 14: a state that is not live is a short word the operator reads at a glance (on
    # a band across the tile); the long sentence moved to the tooltip (`state_detail`).
    lost = FeedState(FeedStatus.SIGNAL_LOST, reason="no video for 2.1 s", retry_in_s=3)
    assert describe_state(lost)[0] == "NO SIGNAL · retry in 3 s"
    assert state_detail(lost) == "Signal lost: no video for 2.1 s. Reconnecting in 3 s."
    frozen = FeedState(FeedStatus.LIVE, fps=15, frozen_s=12.0)
    assert describe_state(frozen)[0] == "FROZEN · 12 s"
    assert state_detail(frozen).startswith("Frozen: picture unchanged for 12 s")
    again = FeedState(FeedStatus.CONNECTING, attempt=2)
    assert describe_state(again)[0] == "Connecting…"
    assert state_detail(again) == "Connecting to the camera's stream (attempt 3)."
    assert state_detail(live) == ""


def test_notices_reach_the_status_bar(qtbot, station):
    window = make_window(qtbot, station)
    station.notices.post("layouts.json is damaged: it is not valid JSON.")
    assert "damaged" in window.notice_label.text()


def test_the_wall_buffer_restarts_its_feeds_with_the_new_buffer(qtbot, station):
    window = make_window(qtbot, station)
    window.buffer_box.setValue(400)
    assert station.walls[0].live_buffer_ms == 400
    keys = [v.feed.key for v in window.wall_view.tile_views if v.feed is not None]
    assert keys and all(k.buffer_ms == 400 for k in keys)


def test_latency_toggle_gives_every_tile_a_meter(qtbot, station):
    window = make_window(qtbot, station)
    window.latency_action.setChecked(True)
    assert all(v.latency is not None for v in window.wall_view.tile_views)
    window.grid_box.textActivated.emit("3x3")  # new tiles measure too
    assert all(v.latency is not None for v in window.wall_view.tile_views)
    window.latency_action.setChecked(False)
    assert all(v.latency is None for v in window.wall_view.tile_views)


def test_a_camera_dropped_on_an_occupied_tile_swaps_or_is_kept_and_nothing_is_lost(qtbot, station):
    # Issue 14: the displaced camera was removed and a hole was left where the dropped one was.
    window = make_window(qtbot, station)
    first, second = window.wall_view.tile_views[:2]
    wall = station.walls[0]
    drop(second, CAMERA_MIME, "cam-01")  # cam-01 is on the first tile: the two swap
    assert [t.camera_id for t in wall.layout.tiles[:2]] == ["cam-02", "cam-01"]
    drop(first, CAMERA_MIME, "cam-05")  # from the tree onto cam-02: cam-02 is kept, hidden
    assert wall.layout.tiles[0].camera_id == "cam-05" and wall.layout.hidden == ("cam-02",)
    assert wall.undo() and wall.layout.tiles[0].camera_id == "cam-02"
