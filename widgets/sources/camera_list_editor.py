"""The cameras of an RTSP camera list, edited in the Sources dialog: a table of the cameras and
the selected camera's fields below it, with either one user name and password for the whole
list or one per camera.

Addresses go to a plain JSON file (`console.sources.camera_lists`), so an address with a user
name or password in it is refused in plain words; passwords go to the keyring under the
camera's `credentials` reference: `<source>` for the list's shared one, `<source>.<camera id>`
for a camera's own (a reference a hand-edited file already names is kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.sources.camera_lists import ListedCamera
from widgets.common.hub_text import shown

KEPT = "(kept in the keyring)"
SCHEMES = ("rtsp", "rtsps", "http", "https")
# Query parameters some cameras take a password in (http://cam/mjpeg?user=admin&pwd=...).
PASSWORD_PARAMETERS = {"password", "passwd", "pwd", "pass", "pw"}
COLUMNS = ("Name", "Group", "Location", "Main address", "Sub address", "User name")


def url_problem(url: str, what: str, required: bool) -> str | None:
    """Why `url` cannot be kept in the list file, in plain words; None when it can."""
    url = url.strip()
    if not url:
        return f"The {what} is missing (rtsp://…, http://… or https://…)." if required else None
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.netloc:
        return f"The {what} starts with rtsp://, rtsps://, http:// or https://, then the host."
    if "@" in parts.netloc:
        return (
            f"The {what} has a user name or password in it. Addresses are kept in a plain "
            "file: give the user name and password in their own fields (the password goes "
            "to the system keyring)."
        )
    for key, _value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in PASSWORD_PARAMETERS:
            return (
                f"The {what} has a password in it ({key}=…). Addresses are kept in a plain "
                "file: give the password in its own field (it goes to the system keyring)."
            )
    return None


def camera_id_for(name: str, taken: set[str]) -> str:
    """A new camera's id from its name ("Front Gate" -> "front-gate"), unique in the list. It
    stays when the camera is renamed: layouts name cameras by id."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "camera"
    chosen, n = base, 2
    while chosen in taken:
        chosen, n = f"{base}-{n}", n + 1
    return chosen


@dataclass
class CameraRow:
    """A camera being edited. `password` is what the operator typed ("" = keep as it is);
    `kept` says whether the keyring holds one (the password itself is never read into it)."""

    id: str
    name: str = ""
    group: str = ""
    location: str = ""
    main_url: str = ""
    sub_url: str = ""
    username: str = ""
    credentials: str = ""
    vendor: str = ""
    model: str = ""
    password: str = field(default="", repr=False)
    kept: bool = False
    new: bool = False  # added in this edit: its id still follows its name

    @classmethod
    def of(cls, camera: ListedCamera) -> CameraRow:
        return cls(
            id=camera.id,
            name=camera.name,
            group=camera.group,
            location=camera.location,
            main_url=camera.main_url,
            sub_url=camera.sub_url,
            username=camera.username,
            credentials=camera.credentials,
            vendor=camera.vendor,
            model=camera.model,
        )


class CameraListEditor(QWidget):
    """Edits the cameras of one list; `cameras()`/`passwords()` say what to save."""

    changed = Signal()  # after any edit by the operator

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CameraRow] = []
        self._filling = False

        shared_form = self._build_shared()
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the fields below
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Cameras of the list")
        self.table.setMinimumHeight(120)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_row(row))
        self.add_button = QPushButton("Add &camera", self)
        self.remove_button = QPushButton("Remove camera", self)
        for b in (self.add_button, self.remove_button):
            b.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_camera)
        self.remove_button.clicked.connect(self.remove_camera)

        detail = self._build_detail()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.shared_box)
        layout.addLayout(shared_form)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(detail)
        self._on_shared(False)
        self._show_row(-1)

    def _build_shared(self) -> QFormLayout:
        self.shared_box = QCheckBox("&One user name and password for every camera", self)
        self.shared_box.setAccessibleName("One user name and password for every camera")
        self.shared_user = QLineEdit(self)
        self.shared_user.setAccessibleName("User name for every camera")
        self.shared_password = QLineEdit(self)
        self.shared_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.shared_password.setAccessibleName("Password for every camera")
        self.shared_kept = False
        shared_form = QFormLayout()
        shared_form.addRow(_label("List &user name:", self.shared_user), self.shared_user)
        shared_form.addRow(_label("List pass&word:", self.shared_password), self.shared_password)

        return shared_form

    def _build_detail(self) -> QFormLayout:
        self.name = QLineEdit(self)
        self.group = QLineEdit(self)
        self.location = QLineEdit(self)
        self.main_url = QLineEdit(self)
        self.main_url.setPlaceholderText("rtsp://10.0.0.20:554/stream1")
        self.sub_url = QLineEdit(self)
        self.sub_url.setPlaceholderText("optional: a smaller stream of the same camera")
        self.username = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.url_problem = QLabel("", self)
        self.url_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.url_problem.setWordWrap(True)
        self.url_problem.setObjectName("problem")
        self.url_problem.setAccessibleName("Problem with this camera")
        detail = QFormLayout()
        for text, widget, accessible in (
            ("Camera na&me:", self.name, "Camera name"),
            ("&Group:", self.group, "Group"),
            ("Locat&ion:", self.location, "Location"),
            ("Main add&ress:", self.main_url, "Main address"),
            ("Su&b address:", self.sub_url, "Sub address"),
            ("Camera us&er name:", self.username, "Camera user name"),
            ("Camera passwor&d:", self.password, "Camera password"),
        ):
            widget.setAccessibleName(accessible)
            detail.addRow(_label(text, widget), widget)
        detail.addRow(self.url_problem)
        self.name.textEdited.connect(lambda text: self._edit("name", text))
        self.group.textEdited.connect(lambda text: self._edit("group", text))
        self.location.textEdited.connect(lambda text: self._edit("location", text))
        self.main_url.textEdited.connect(lambda text: self._edit("main_url", text))
        self.sub_url.textEdited.connect(lambda text: self._edit("sub_url", text))
        self.username.textEdited.connect(lambda text: self._edit("username", text))
        self.password.textEdited.connect(lambda text: self._edit("password", text))
        self.shared_box.toggled.connect(self._on_shared)
        self.shared_box.clicked.connect(lambda _on: self.changed.emit())
        self.shared_user.textEdited.connect(lambda _t: self.changed.emit())
        self.shared_password.textEdited.connect(lambda _t: self.changed.emit())

        return detail

    # -- filling -------------------------------------------------------------------------------
    def set_cameras(self, cameras: list[ListedCamera], source: str, kept: set[str]) -> None:
        """Show `cameras` of source `source`; `kept`: the credential references the keyring
        holds a password for."""
        self._rows = [CameraRow.of(c) for c in cameras]
        for row in self._rows:
            row.kept = bool(row.credentials) and row.credentials in kept
        shared = bool(self._rows) and all(r.credentials == source for r in self._rows)
        self.shared_kept = shared and source in kept
        self.shared_box.setChecked(shared)
        self.shared_user.setText(self._rows[0].username if shared else "")
        self.shared_password.clear()
        self.shared_password.setPlaceholderText(KEPT if self.shared_kept else "")
        self._on_shared(shared)
        self.table.setRowCount(0)
        for index in range(len(self._rows)):
            self._put_row(index)
        if self._rows:
            self.table.setCurrentCell(0, 0)
        self._show_row(self.table.currentRow())

    def add_camera(self) -> None:
        taken = {r.id for r in self._rows}
        name = f"Camera {len(self._rows) + 1}"
        self._rows.append(CameraRow(id=camera_id_for(name, taken), name=name, new=True))
        self._put_row(len(self._rows) - 1)
        self.table.setCurrentCell(len(self._rows) - 1, 0)
        self.name.setFocus()
        self.name.selectAll()
        self.changed.emit()

    def remove_camera(self) -> None:
        index = self.table.currentRow()
        if 0 <= index < len(self._rows):
            del self._rows[index]
            self.table.removeRow(index)
            self._show_row(self.table.currentRow())
            self.changed.emit()

    # -- reading -------------------------------------------------------------------------------
    @property
    def rows(self) -> list[CameraRow]:
        return list(self._rows)

    def problem(self) -> str | None:
        """The first reason the list cannot be saved, naming the camera; None when it can."""
        if not self._rows:
            return "The list has no cameras: add one with Add camera."
        for row in self._rows:
            label = row.name.strip() or row.id
            if not row.name.strip():
                return f"The camera {row.id} needs a name."
            for url, what, required in (
                (row.main_url, "main address", True),
                (row.sub_url, "sub address", False),
            ):
                problem = url_problem(url, what, required)
                if problem:
                    return f"{label}: {problem}"
        return None

    def cameras(self, source: str) -> list[ListedCamera]:
        """The cameras as they are to be saved for source `source` (no password in them)."""
        shared = self.shared_box.isChecked()
        out: list[ListedCamera] = []
        for row in self._rows:
            if shared:
                username, ref = self.shared_user.text().strip(), source
            else:
                username, ref = row.username.strip(), self._own_ref(row, source)
            out.append(
                ListedCamera(
                    id=row.id,
                    name=row.name.strip(),
                    main_url=row.main_url.strip(),
                    sub_url=row.sub_url.strip(),
                    group=row.group.strip(),
                    location=row.location.strip(),
                    vendor=row.vendor,
                    model=row.model,
                    username=username,
                    credentials=ref,
                )
            )
        return out

    def passwords(self, source: str) -> dict[str, str]:
        """The passwords typed, by keyring entry (`camera/<ref>`); untouched ones are not in
        it (the keyring keeps them)."""
        if self.shared_box.isChecked():
            typed = self.shared_password.text()
            return {f"camera/{source}": typed} if typed else {}
        return {
            f"camera/{self._own_ref(row, source)}": row.password
            for row in self._rows
            if row.password
        }

    def shared_password_typed(self) -> str | None:
        if self.shared_box.isChecked() and self.shared_password.text():
            return self.shared_password.text()
        return None

    @staticmethod
    def _own_ref(row: CameraRow, source: str) -> str:
        """A camera's own reference: the one it has, unless that is the list's shared one (a
        new password of one camera must not change every camera's)."""
        if row.credentials and row.credentials != source and not row.password:
            return row.credentials
        if row.password:
            if row.credentials and row.credentials != source:
                return row.credentials
            return f"{source}.{row.id}"
        return ""

    # -- the view ------------------------------------------------------------------------------
    def _on_shared(self, on: bool) -> None:
        self.shared_user.setEnabled(on)
        self.shared_password.setEnabled(on)
        self.username.setEnabled(not on)
        self.password.setEnabled(not on)

    def _put_row(self, index: int) -> None:
        row = self._rows[index]
        if self.table.rowCount() <= index:
            self.table.insertRow(index)
        values = (row.name, row.group, row.location, row.main_url, row.sub_url, row.username)
        for column, value in enumerate(values):
            # The file is hand-editable: what it says is shown as text, isolated.
            self.table.setItem(index, column, QTableWidgetItem(shown(value) if value else ""))

    def _show_row(self, index: int) -> None:
        has = 0 <= index < len(self._rows)
        for w in (
            self.name,
            self.group,
            self.location,
            self.main_url,
            self.sub_url,
            self.remove_button,
        ):
            w.setEnabled(has)
        shared = self.shared_box.isChecked()
        self.username.setEnabled(has and not shared)
        self.password.setEnabled(has and not shared)
        row = self._rows[index] if has else CameraRow(id="")
        self._filling = True
        try:
            self.name.setText(row.name)
            self.group.setText(row.group)
            self.location.setText(row.location)
            self.main_url.setText(row.main_url)
            self.sub_url.setText(row.sub_url)
            self.username.setText(row.username)
            self.password.setText(row.password)
            self.password.setPlaceholderText(KEPT if row.kept else "")
        finally:
            self._filling = False
        self._check_urls(row)

    def _edit(self, attribute: str, text: str) -> None:
        index = self.table.currentRow()
        if self._filling or not 0 <= index < len(self._rows):
            return
        row = self._rows[index]
        setattr(row, attribute, text)
        if attribute == "name" and row.new:
            taken = {r.id for r in self._rows if r is not row}
            row.id = camera_id_for(text, taken)
        if attribute != "password":
            self._put_row(index)
        self._check_urls(row)
        self.changed.emit()

    def _check_urls(self, row: CameraRow) -> None:
        problems = [
            p
            for p in (
                url_problem(row.main_url, "main address", False),
                url_problem(row.sub_url, "sub address", False),
            )
            if p
        ]
        self.url_problem.setText(" ".join(problems))


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text, buddy.parentWidget())
    label.setBuddy(buddy)
    return label
