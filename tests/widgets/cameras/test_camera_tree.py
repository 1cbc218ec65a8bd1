import dataclasses

from PySide6.QtCore import Qt

from tests.widgets.conftest import CAMERAS
from widgets.cameras.camera_tree import CAMERA_ID_ROLE, CameraTree
from widgets.cameras.mime import CAMERA_MIME


def test_cameras_are_grouped_and_search_filters_by_name_or_location(qtbot):
    activated = []
    tree = CameraTree(activated.append)
    qtbot.addWidget(tree)
    tree.set_cameras(CAMERAS)
    assert tree.model.rowCount() == 2  # Indoor, Outdoor
    assert sorted(tree.visible_camera_ids()) == [c.id for c in CAMERAS]
    qtbot.keyClicks(tree.search, "site 3")
    assert tree.visible_camera_ids() == ["cam-03"]
    tree.search.clear()
    qtbot.keyClicks(tree.search, "outdoor")  # the group name matches its cameras
    assert sorted(tree.visible_camera_ids()) == ["cam-01", "cam-02"]


def test_with_several_sources_the_tree_groups_by_source_first_in_the_configured_order(qtbot):
    tree = CameraTree(lambda _camera_id: None)
    qtbot.addWidget(tree)
    site_b = [dataclasses.replace(c, id=f"b/{c.id}", source="Site B") for c in CAMERAS]
    site_a = [dataclasses.replace(c, id=f"a/{c.id}", source="Site A") for c in CAMERAS[:1]]
    tree.set_cameras(site_b + site_a)  # the sources' order: B was configured first
    headers = [tree.model.item(row).text() for row in range(tree.model.rowCount())]
    assert headers[0].startswith("Site B · ")
    assert headers[-1].startswith("Site A · ")
    assert len(headers) == 3  # Site B's two groups, Site A's one
    qtbot.keyClicks(tree.search, "site a")  # the source's name finds its cameras
    assert tree.visible_camera_ids() == [site_a[0].id]


def test_a_camera_drags_as_its_id_and_activates_on_enter(qtbot):
    activated = []
    tree = CameraTree(activated.append)
    qtbot.addWidget(tree)
    tree.set_cameras(CAMERAS)
    group = tree.proxy.index(0, 0)
    item = tree.proxy.index(0, 0, group)
    mime = tree.proxy.mimeData([item])
    assert bytes(mime.data(CAMERA_MIME).data()).decode() == item.data(CAMERA_ID_ROLE)
    tree.tree.setCurrentIndex(item)
    tree.tree.setFocus()
    qtbot.keyClick(tree.tree, Qt.Key.Key_Return)
    assert activated == [item.data(CAMERA_ID_ROLE)]


def test_a_new_list_reaches_the_view_in_one_insertion_not_one_per_camera(qtbot):
    # Made inside the model, every camera's appendRow and setEditable was a signal through the
    # filter proxy: 2,000 cameras took 47 ms of the GUI thread, and 21 ms made apart from it.
    tree = CameraTree(lambda _id: None)
    qtbot.addWidget(tree)
    tree.set_cameras(CAMERAS)  # replacing a list, as a reload does
    signals: list[str] = []
    tree.model.rowsInserted.connect(lambda *_: signals.append("rowsInserted"))
    tree.model.dataChanged.connect(lambda *_: signals.append("dataChanged"))
    many = [dataclasses.replace(CAMERAS[i % 5], id=f"cam-{i:04d}") for i in range(2000)]
    tree.set_cameras(many)
    assert signals == ["rowsInserted"]
    assert len(tree.visible_camera_ids()) == 2000
    groups = [tree.model.item(g) for g in range(tree.model.rowCount())]
    assert [g.text() for g in groups] == ["Indoor", "Outdoor"]
    assert not any(g.isEditable() or g.child(0).isEditable() for g in groups)


def test_while_the_hub_does_not_answer_the_tree_says_so_and_why_it_may_be_empty(qtbot):
    # Issue 14: an empty tree read as "this hub has no cameras" while the hub was down.
    from console.hub.reachability import HubReachability
    from widgets.cameras.camera_tree import HUB_DOWN_EMPTY, HUB_DOWN_LISTED

    reach = HubReachability()
    tree = CameraTree(lambda _cam: None)
    qtbot.addWidget(tree)
    tree.show()
    tree.follow_hub(reach)
    assert not tree.hub_note.isVisible()
    reach.failed()
    assert tree.hub_note.isVisible() and tree.hub_note.text() == HUB_DOWN_EMPTY
    tree.set_cameras(CAMERAS)  # listed before the outage (or by a hub that answered once)
    assert tree.hub_note.text() == HUB_DOWN_LISTED
    reach.answered()
    assert not tree.hub_note.isVisible()
    tree.deleteLater()
    qtbot.waitUntil(lambda: len(reach.went_down) == len(reach.back) == 0)  # nothing left behind
