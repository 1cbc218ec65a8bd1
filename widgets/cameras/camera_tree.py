"""The camera tree: the hub's cameras by group (by source first, when there are several), with
search, dragged onto wall tiles.

While the hub does not answer, a line above the tree says so (`follow_hub`): an empty tree then
reads as "the list will come back", not as "this hub has no cameras".
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from console.hub.models import Camera
from console.hub.reachability import HubReachability
from console.provenance.badges import Badge, camera_badges
from widgets.cameras.mime import CAMERA_MIME
from widgets.common import theme
from widgets.common.hub_state import follow_reachability
from widgets.common.hub_text import shown_html
from widgets.provenance.badge_paint import badge_tooltip
from widgets.provenance.tree_badges import BADGE_ROLE, BadgeDelegate

CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2

HUB_DOWN_EMPTY = "Hub unreachable — the camera list will come back when it answers."
HUB_DOWN_LISTED = (
    "Hub unreachable — these cameras were listed before; they play again when it answers."
)


class CameraModel(QStandardItemModel):
    """Groups of cameras; a camera item drags as `CAMERA_MIME`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._by_id: dict[str, Camera] = {}
        self._badges: dict[str, tuple[Badge, ...]] = {}

    def badges(self, camera_id: str) -> tuple[Badge, ...]:
        """The camera's provenance and sharing badges, worked out when a row is first shown
        (not for every camera when the list arrives)."""
        found = self._badges.get(camera_id)
        if found is None:
            cam = self._by_id.get(camera_id)
            found = self._badges[camera_id] = camera_badges(cam) if cam is not None else ()
        return found

    def set_cameras(self, cameras: Sequence[Camera]) -> None:
        # The items are made apart from the model and added in one call: made inside it, every
        # `appendRow` and `setEditable` was a signal through the filter proxy, and 2,000
        # cameras took 47 ms of the GUI thread on a loaded 2-core machine (now about 15 ms).
        self._by_id = {cam.id: cam for cam in cameras}
        self._badges = {}
        groups: dict[tuple[str, str], QStandardItem] = {}
        rows: dict[tuple[str, str], list[QStandardItem]] = {}
        bold = QFont()
        bold.setBold(True)
        # With several sources, the tree groups by source first, in the order the operator
        # configured them (the list comes in that order), then by the source's own groups.
        source_rank: dict[str, int] = {}
        for cam in cameras:
            source_rank.setdefault(cam.source, len(source_rank))
        for cam in sorted(
            cameras, key=lambda c: (source_rank[c.source], c.group.lower(), c.name.lower())
        ):
            key = (cam.source, cam.group)
            if key not in groups:
                title = cam.group or "Ungrouped"
                group = QStandardItem(f"{cam.source} · {title}" if cam.source else title)
                group.setFont(bold)
                group.setEditable(False)
                group.setDragEnabled(False)
                group.setData(f"{cam.source} {cam.group}".strip(), SEARCH_ROLE)
                groups[key] = group
                rows[key] = []
            item = QStandardItem(cam.name)
            item.setEditable(False)
            item.setData(cam.id, CAMERA_ID_ROLE)
            item.setData(
                " ".join((cam.name, cam.id, cam.location, cam.group, cam.source)), SEARCH_ROLE
            )
            rows[key].append(item)
        for key, group in groups.items():
            group.appendRows(rows[key])
        self.clear()
        if groups:
            self.invisibleRootItem().appendRows(list(groups.values()))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        # Tooltips are made when one is shown, not for every camera when the list arrives
        # (escaping six fields of 2,000 cameras doubled the time the tree took to fill).
        if role == Qt.ItemDataRole.ToolTipRole:
            cam = self._by_id.get(str(super().data(index, CAMERA_ID_ROLE)))
            return camera_tooltip(cam, self.badges(cam.id)) if cam is not None else None
        if role == BADGE_ROLE:
            camera_id = super().data(index, CAMERA_ID_ROLE)
            return self.badges(str(camera_id)) if camera_id else None
        return super().data(index, role)

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex | QPersistentModelIndex]) -> QMimeData:
        mime = QMimeData()
        for index in indexes:
            camera_id = index.data(CAMERA_ID_ROLE)
            if camera_id:
                mime.setData(CAMERA_MIME, QByteArray(str(camera_id).encode()))
                break
        return mime


def camera_tooltip(cam: Camera, badges: Sequence[Badge] = ()) -> str:
    """The camera's rich-text tooltip: every piece of hub text in it escaped and isolated; its
    badges' details (why a vendor is flagged, and the source) after a rule."""
    profiles = ", ".join(f"{p.name} {p.width}x{p.height}@{p.fps:g}" for p in cam.profiles)
    details = ""
    if badges:
        lines = badge_tooltip(badges).splitlines()
        details = "<hr>" + "<br>".join(html.escape(line, quote=False) for line in lines)
    return (
        f"<b>{shown_html(cam.name)}</b><br>{shown_html(cam.location)}<br>"
        f"{shown_html(cam.vendor or 'vendor unknown')} {shown_html(cam.model)} "
        f"(firmware {shown_html(cam.firmware)})<br>{shown_html(profiles)}"
        + (f"<br>Source: {shown_html(cam.source)}" if cam.source else "")
        + details
    )


class CameraTree(QWidget):
    """Search box plus tree. `activate(camera_id)` is called on double-click or Enter."""

    def __init__(self, activate: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._activate = activate
        self.model = CameraModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search cameras")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        # Keyboard only: Enter in the search shows the first camera found on the selected
        # tile; Down goes into the list of what was found.
        self.search.returnPressed.connect(self._show_first_found)
        self.search.installEventFilter(self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.proxy)
        self.tree.setItemDelegate(BadgeDelegate(self.tree))
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.activated.connect(self._on_activated)
        self.hub_note = QLabel(self)
        self.hub_note.setObjectName("hub-note")
        self.hub_note.setTextFormat(Qt.TextFormat.PlainText)
        self.hub_note.setWordWrap(True)
        self.hub_note.setStyleSheet(
            f"color: {theme.WARN.name()}; background: {theme.RAISED.name()}; padding: 6px;"
        )
        self.hub_note.hide()
        self.hub_down = False
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.search)
        box.addWidget(self.hub_note)
        box.addWidget(self.tree)

    def set_cameras(self, cameras: Sequence[Camera]) -> None:
        self.model.set_cameras(cameras)
        self.tree.expandAll()
        self._show_hub_note()

    # -- the hub -------------------------------------------------------------------------------
    def follow_hub(self, hub: HubReachability) -> None:
        """Say above the tree while `hub` does not answer."""
        follow_reachability(self, hub, self.set_hub_down)

    def set_hub_down(self, down: bool) -> None:
        self.hub_down = down
        self._show_hub_note()

    def _show_hub_note(self) -> None:
        self.hub_note.setText(HUB_DOWN_LISTED if self.model.rowCount() else HUB_DOWN_EMPTY)
        self.hub_note.setVisible(self.hub_down)

    def visible_camera_ids(self) -> list[str]:
        found: list[str] = []
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            for r in range(self.proxy.rowCount(group)):
                found.append(self.proxy.index(r, 0, group).data(CAMERA_ID_ROLE))
        return found

    def first_found(self) -> QModelIndex | None:
        """The first camera the search shows (in the tree's order), or None."""
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            if self.proxy.rowCount(group):
                return self.proxy.index(0, 0, group)
        return None

    def _show_first_found(self) -> None:
        index = self.first_found()
        if index is not None:
            self.tree.setCurrentIndex(index)
            self._on_activated(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            index = self.first_found()
            if index is not None:
                self.tree.setCurrentIndex(index)
            self.tree.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _on_search(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    def _on_activated(self, index: QModelIndex) -> None:
        camera_id = index.data(CAMERA_ID_ROLE)
        if camera_id:
            self._activate(str(camera_id))
