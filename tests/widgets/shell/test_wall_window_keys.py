"""The window's keyboard (issue 14): F6 cycles the panes, Ctrl+F finds a camera, Esc in a pane
goes back to the wall, F1 lists the shortcuts, Ctrl+Q quits; a View menu lists the docks, and
the status bar has a clock. Real widgets, offscreen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from console.alerts.book import AlarmBook
from tests.support.minimal_client import MinimalClient
from widgets.shell.wall_window import SHORTCUTS, WallWindow, shortcut_sheet_html


def make_window(qtbot, station, **options):
    quits: list[bool] = []
    window = WallWindow(station, 0, lambda: quits.append(True), **options)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
    return window, quits


def focused(window) -> object:
    return QApplication.focusWidget()


def test_f6_cycles_the_panes_and_esc_goes_back_to_the_wall(qtbot, station):
    book = AlarmBook(client=MinimalClient())
    window, _ = make_window(qtbot, station, alarms=book)
    window.focus_wall()
    qtbot.waitUntil(window.wall_view.hasFocus)
    order = []
    for _ in range(3):
        qtbot.keyClick(focused(window), Qt.Key.Key_F6)
        order.append(focused(window))
    assert order == [window.camera_tree.search, window.alarm_panel.table, window.wall_view]
    qtbot.keyClick(focused(window), Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert focused(window) is window.alarm_panel.table
    qtbot.keyClick(focused(window), Qt.Key.Key_Escape)
    assert focused(window) is window.wall_view


def test_ctrl_f_finds_a_camera_from_anywhere(qtbot, station):
    window, _ = make_window(qtbot, station)
    window.camera_tree.search.setText("Indoor")
    window.focus_wall()
    qtbot.waitUntil(window.wall_view.hasFocus)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.camera_tree.search
    assert focused(window) is search and search.selectedText() == "Indoor"
    qtbot.keyClick(search, Qt.Key.Key_Escape)  # back to the wall, the search kept
    assert focused(window) is window.wall_view and search.text() == "Indoor"


def test_f1_shows_the_shortcut_sheet_and_ctrl_q_quits(qtbot, station):
    window, quits = make_window(qtbot, station)
    window.focus_wall()
    qtbot.waitUntil(window.wall_view.hasFocus)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_F1)
    sheet = window.shortcut_sheet
    assert sheet.isVisible() and "F6 / Shift+F6" in sheet.text()
    assert all(key in shortcut_sheet_html() for _s, keys in SHORTCUTS for key, _w in keys)
    sheet.close()
    qtbot.keyClick(window.wall_view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == [True]


def test_the_view_menu_lists_the_docks_and_the_keys_are_named(qtbot, station):
    book = AlarmBook(client=MinimalClient())
    window, _ = make_window(qtbot, station, alarms=book)
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert set(menus) == {"Edit", "View", "Help"}
    view = [a.text() for a in menus["View"].actions() if a.text()]
    docks = [d.windowTitle() for d in window.findChildren(QDockWidget)]
    assert set(docks) <= set(view) and "Full screen" in view and "Quit" in view
    shortcuts = {a.text(): a.shortcut().toString() for a in menus["View"].actions()}
    assert shortcuts["Next pane"] == "F6" and shortcuts["Find camera"] == "Ctrl+F"
    assert shortcuts["Next new alarm"] == "F8" and shortcuts["Full screen"] == "F11"
    assert "F11" in window.fullscreen_action.toolTip()
    help_menu = [a.text() for a in menus["Help"].actions()]
    assert help_menu == ["Keyboard shortcuts", "About Tessera"]


def test_the_status_bar_has_a_clock(qtbot, station):
    window, _ = make_window(qtbot, station)
    text = window.clock_label.text()
    assert len(text) == 8 and text[2] == ":" and text[5] == ":"


def test_ctrl_z_on_the_wall_takes_back_a_wall_edit(qtbot, station):
    window, _ = make_window(qtbot, station)
    wall = station.walls[0]
    before = wall.layout
    wall.apply_preset("1x1")  # cam-02 hidden, not dropped
    window.focus_wall()
    qtbot.waitUntil(window.wall_view.hasFocus)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert wall.layout == before


def test_the_layouts_button_names_the_layout_and_says_when_the_walls_differ(qtbot, qloop, station):
    window, _ = make_window(qtbot, station)
    assert window.layouts_button.text() == "Layouts"  # nothing saved yet
    assert qloop.run_until_complete(station.save_layout("Night"))
    assert window.layouts_button.text() == "Layouts · Night"
    station.walls[0].swap(1, 2)
    assert window.layouts_button.text() == "Layouts · Night (modified)"
    window._fill_layouts_menu()
    assert [a.text() for a in window.layouts_menu.actions()][:2] == ["Save “Night”", "Save as…"]


def test_f11_shows_video_only_f10_brings_the_panels_back_and_esc_the_window_as_it_was(
    qtbot, station
):
    book = AlarmBook(client=MinimalClient())
    window, _ = make_window(qtbot, station, alarms=book)
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized)
    window.focus_wall()
    qtbot.waitUntil(window.wall_view.hasFocus)
    chrome = [
        window.menuBar(),
        window.toolbar,
        window.statusBar(),
        *window.findChildren(QDockWidget),
    ]
    assert all(w.isVisible() for w in chrome)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen)
    assert not any(w.isVisible() for w in chrome)  # the toolbar and every dock stayed before
    qtbot.keyClick(window.wall_view, Qt.Key.Key_F10)
    assert all(w.isVisible() for w in chrome)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_F10)
    assert not any(w.isVisible() for w in chrome)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert all(w.isVisible() for w in chrome)
    qtbot.waitUntil(window.isMaximized)  # not the small window Esc used to give back


def test_the_docks_arrangement_is_given_back_as_it_was_saved(qtbot, station):
    book = AlarmBook(client=MinimalClient())
    window, _ = make_window(qtbot, station, alarms=book)
    window.alarm_dock.hide()
    state = window.arrangement()
    other, _ = make_window(qtbot, station, alarms=AlarmBook(client=MinimalClient()))
    assert other.alarm_dock.isVisible()
    assert other.restore_arrangement(state)
    assert not other.alarm_dock.isVisible()
    assert not other.restore_arrangement(b"not Qt's")


def test_the_grid_box_names_every_preset_and_says_custom_only_for_a_custom_grid(qtbot, station):
    window, _ = make_window(qtbot, station)
    wall = station.walls[0]
    for name in ("1+5", "1+12", "3x3"):
        wall.apply_preset(name)
        assert window.grid_box.currentText() == name
    from console.wall.layout import CellRect

    wall.merge(CellRect(0, 0, 2, 1))
    assert window.grid_box.currentText() == "custom"
    width = window.grid_box.fontMetrics().horizontalAdvance("1+12")
    assert window.grid_box.sizeHint().width() > width


def test_a_camera_goes_on_the_selected_tile_by_keyboard_alone(qtbot, station):
    window, _ = make_window(qtbot, station)
    wall = station.walls[0]
    wall.select(wall.layout.tiles[3].id)  # the empty fourth tile of the 2x2
    window.focus_wall()
    qtbot.waitUntil(window.wall_view.hasFocus)
    qtbot.keyClick(window.wall_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.camera_tree.search, "Camera 5")
    qtbot.keyClick(window.camera_tree.search, Qt.Key.Key_Return)
    assert wall.layout.tiles[3].camera_id == "cam-05"
    qtbot.keyClick(window.camera_tree.search, Qt.Key.Key_Down)  # into what was found
    assert focused(window) is window.camera_tree.tree
    qtbot.keyClick(window.camera_tree.tree, Qt.Key.Key_Escape)
    assert focused(window) is window.wall_view
