"""Adding or editing one source: its kind's fields, a connection test, and Save.

Save stores the passwords typed (in the keyring, off the GUI thread), writes an RTSP list's
file, then hands the new source to the Sources dialog's `commit` (the console applies it). A
failure at any step is shown in plain words and the form stays as the operator left it. After
a failed test, Save needs "Save anyway" (a change to the fields makes that test stale).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.base.jsonfile import config_dir
from console.base.safe_text import clean_text
from console.base.tasks import TaskOwner
from console.sources import camera_lists
from console.sources.camera_lists import ListedCamera
from console.sources.model import SourceConfig, SourceError, SourceKind
from console.sources.probe import ProbeResult
from widgets.common import theme
from widgets.common.hub_text import shown
from widgets.sources.camera_list_editor import KEPT, CameraListEditor
from widgets.sources.keys import enter_acts
from widgets.sources.probe_panel import ProbePanel
from widgets.sources.seams import (
    CredentialStore,
    DiscoverFunction,
    ProbeFunction,
    off_the_gui_thread,
    plain_words,
)

ONVIF_PORT = 80
KINDS = (SourceKind.ONVIF, SourceKind.RTSP, SourceKind.TESSERA, SourceKind.DEMO)
Commit = Callable[[SourceConfig], Awaitable[None]]


def default_list_path(name: str) -> Path:
    """Where a new RTSP source's camera list goes unless the operator names another file."""
    return config_dir() / "camera-lists" / f"{name or 'cameras'}.json"


def shared_key(source: SourceConfig) -> str | None:
    """The keyring entry of the password a test of `source` uses: the source's own, or for a
    camera list the one its cameras share (`camera/<name>`); None for the demo hub."""
    if source.kind is SourceKind.DEMO:
        return None
    if source.kind is SourceKind.RTSP:
        return f"camera/{source.name}"
    return source.credential_key


def name_problem(name: str, taken: set[str]) -> str | None:
    """Why `name` cannot name a new source: SourceConfig's own rule, or already used."""
    try:
        SourceConfig(name=name, kind=SourceKind.DEMO)
    except SourceError as error:
        return str(error)
    if name in taken:
        return f"A source called {name} already exists."
    return None


def onvif_address(url: str) -> tuple[str, int]:
    """(host, port) of an ONVIF source's `http://host:port`."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or ONVIF_PORT


def onvif_host(host: str) -> str:
    """`host` as it goes into `http://host:port` (an IPv6 address in brackets). Raises
    SourceError for a host with a port, path, user name or password in it."""
    bare = host.strip("[]")
    if bare.count(":") >= 2 and all(c in "0123456789abcdefABCDEF:." for c in bare):
        return f"[{bare}]"
    if any(c in host for c in "/@?#:[] "):
        raise SourceError(
            "The host is an IP address or a name only: the port has its own field, and the "
            "user name and password theirs."
        )
    return host


def _label(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    return label


def _problem_label(parent: QWidget, accessible: str) -> QLabel:
    label = QLabel("", parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {theme.ALARM.name()};")
    label.setAccessibleName(accessible)
    return label


def _password_field(parent: QWidget, accessible: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible)
    return field


class SourceForm(QDialog):
    """The Add and Edit form. `existing` None: a new source (its kind chosen here)."""

    tested = Signal(str, object)  # source name, ProbeResult: the list shows the last test

    def __init__(
        self,
        existing: SourceConfig | None,
        taken_names: set[str],
        credentials: CredentialStore,
        probe: ProbeFunction,
        commit: Commit,
        discover: DiscoverFunction | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._existing = existing
        self._taken = set(taken_names) - ({existing.name} if existing else set())
        self._credentials = credentials
        self._commit = commit
        self._discover = discover
        self._tasks = TaskOwner("source-form")
        self._last: ProbeResult | None = None
        self._last_current = False  # the fields are as they were when `_last` was tested
        self._busy = False
        self._path_edited = existing is not None
        # The list file the editor shows (read, or found missing): a file is never written
        # over before its cameras were read into the form.
        self._list_read: Path | None = None
        self._list_reading = False
        self.setWindowTitle(f"Edit {existing.display_name}" if existing else "Add a source")
        self.setMinimumWidth(560)

        self._build_head()
        self.pages = QStackedWidget(self)
        self._build_onvif_page()
        self._build_rtsp_page()
        self._build_tessera_page()
        self._build_demo_page()

        self._build_buttons(probe)
        head = QFormLayout()
        head.addRow(_label("&Kind:", self.kind, self), self.kind)
        head.addRow(_label("&Name:", self.name, self), self.name)
        head.addRow(self.name_problem)
        head.addRow(_label("Shown &as:", self.label, self), self.label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_anyway_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addLayout(head)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.probe_panel)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

        self._connect_fields()
        if existing is None:
            self.kind.setCurrentIndex(0)
            self._on_kind(0)
        else:
            self._fill(existing)
        self._update_buttons()
        # The keyboard starts where there is something to type.
        first = {
            SourceKind.ONVIF: self.host,
            SourceKind.RTSP: self.cameras.table,
            SourceKind.TESSERA: self.hub_url,
            SourceKind.DEMO: self.label,
        }[self.current_kind()]
        (self.name if existing is None else first).setFocus()

    # -- building ------------------------------------------------------------------------------
    def _build_head(self) -> None:
        self.warning = QLabel("", self)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {theme.WARN.name()};")
        self.warning.setAccessibleName("Keyring warning")
        self.warning.setVisible(False)

        self.kind = QComboBox(self)
        for kind in KINDS:
            self.kind.addItem(kind.kind_name)
        self.kind.setAccessibleName("Kind of source")
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Source name")
        self.name.setPlaceholderText("letters, digits, - or _ (e.g. gate-cameras)")
        self.name_problem = _problem_label(self, "Problem with the name")
        self.label = QLineEdit(self)
        self.label.setAccessibleName("Shown as")
        self.label.setPlaceholderText("optional: the name shown in the camera tree")

    def _build_buttons(self, probe: ProbeFunction) -> None:
        self.probe_panel = ProbePanel(probe, self)
        self.problem = _problem_label(self, "Problem")
        self.test_button = QPushButton("&Test connection", self)
        self.save_anyway_button = QPushButton("Save an&yway", self)
        self.save_anyway_button.setToolTip("Save although the last test failed")
        self.save_button = QPushButton("&Save", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.save_button.setDefault(True)
        for b in (self.test_button, self.save_anyway_button, self.cancel_button):
            b.setAutoDefault(False)
        self.test_button.clicked.connect(lambda: self._spawn(self.test(), "test"))
        self.save_button.clicked.connect(lambda: self._spawn(self.save(), "save"))
        self.save_anyway_button.clicked.connect(
            lambda: self._spawn(self.save(anyway=True), "save-anyway")
        )
        self.cancel_button.clicked.connect(self.reject)

    def _connect_fields(self) -> None:
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.name.textEdited.connect(self._on_name)
        self.label.textEdited.connect(self._changed)
        for line in (
            self.host,
            self.onvif_user,
            self.onvif_password,
            self.hub_url,
            self.hub_user,
            self.hub_password,
        ):
            line.textEdited.connect(self._changed)
        self.port.valueChanged.connect(self._changed)
        self.list_path.textEdited.connect(self._on_list_path)
        self.list_path.editingFinished.connect(self._read_typed_list)
        self.cameras.changed.connect(self._changed)

    def _build_onvif_page(self) -> None:
        page = QWidget(self.pages)
        self.host = QLineEdit(page)
        self.host.setAccessibleName("Camera host")
        self.host.setPlaceholderText("IP address or name, e.g. 10.0.0.5")
        self.port = QSpinBox(page)
        self.port.setRange(1, 65535)
        self.port.setValue(ONVIF_PORT)
        self.port.setAccessibleName("Camera port")
        self.onvif_user = QLineEdit(page)
        self.onvif_user.setAccessibleName("User name")
        self.onvif_password = _password_field(page, "Password")
        self.find_button = QPushButton("&Find cameras on this network", page)
        self.find_button.setAutoDefault(False)
        self.find_button.clicked.connect(lambda: self._spawn(self.find_cameras(), "discovery"))
        self.find_status = QLabel("", page)
        self.find_status.setTextFormat(Qt.TextFormat.PlainText)
        self.find_status.setWordWrap(True)
        self.found = QListWidget(page)
        self.found.setAccessibleName("Cameras found on this network")
        self.found.setMaximumHeight(120)
        self.found.setVisible(False)
        enter_acts(self.found, self.use_found)
        for w in (self.find_button, self.find_status):
            w.setVisible(self._discover is not None)
        form = QFormLayout(page)
        form.addRow(_label("&Host:", self.host, page), self.host)
        form.addRow(_label("&Port:", self.port, page), self.port)
        form.addRow(_label("&User name:", self.onvif_user, page), self.onvif_user)
        form.addRow(_label("Pass&word:", self.onvif_password, page), self.onvif_password)
        form.addRow(self.find_button)
        form.addRow(self.find_status)
        form.addRow(self.found)
        self.pages.addWidget(page)
        self._onvif_page = page

    def _build_rtsp_page(self) -> None:
        page = QWidget(self.pages)
        self.list_path = QLineEdit(page)
        self.list_path.setAccessibleName("Camera list file")
        self.list_problem = _problem_label(page, "Problem with the camera list file")
        self.cameras = CameraListEditor(page)
        form = QFormLayout()
        form.addRow(_label("List &file:", self.list_path, page), self.list_path)
        form.addRow(self.list_problem)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.cameras, 1)
        self.pages.addWidget(page)
        self._rtsp_page = page

    def _build_tessera_page(self) -> None:
        page = QWidget(self.pages)
        self.hub_url = QLineEdit(page)
        self.hub_url.setAccessibleName("Hub address")
        self.hub_url.setPlaceholderText("http://10.0.0.2:8765")
        self.hub_user = QLineEdit(page)
        self.hub_user.setAccessibleName("User name")
        self.hub_password = _password_field(page, "Password")
        form = QFormLayout(page)
        form.addRow(_label("Hub add&ress:", self.hub_url, page), self.hub_url)
        form.addRow(_label("&User name:", self.hub_user, page), self.hub_user)
        form.addRow(_label("Pass&word:", self.hub_password, page), self.hub_password)
        self.pages.addWidget(page)
        self._tessera_page = page

    def _build_demo_page(self) -> None:
        page = QWidget(self.pages)
        text = QLabel(
            "The embedded demo hub: ten synthetic cameras, started and stopped with the "
            "console. It has nothing else to set.",
            page,
        )
        text.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(text)
        layout.addStretch(1)
        self.pages.addWidget(page)
        self._demo_page = page

    # -- filling -------------------------------------------------------------------------------
    def _fill(self, source: SourceConfig) -> None:
        self.kind.setCurrentIndex(KINDS.index(source.kind))
        self.kind.setEnabled(False)
        self._on_kind(KINDS.index(source.kind))
        self.name.setText(source.name)
        self.name.setReadOnly(True)
        self.name.setToolTip("A source keeps its name: layouts and its passwords refer to it.")
        self.label.setText(source.label)
        if source.kind is SourceKind.ONVIF:
            host, port = onvif_address(source.url)
            self.host.setText(host)
            self.port.setValue(port)
            self.onvif_user.setText(source.username)
        elif source.kind is SourceKind.TESSERA:
            self.hub_url.setText(source.url)
            self.hub_user.setText(source.username)
        elif source.kind is SourceKind.RTSP:
            self.list_path.setText(source.url)
            self._spawn(self._load_list(Path(source.url)), "load-list")
        key = shared_key(source)
        if key is not None and source.kind is not SourceKind.RTSP:
            self._spawn(self._show_kept(key), "kept")

    async def _show_kept(self, key: str) -> None:
        """Say "(kept in the keyring)" in the password field when a password is kept. The
        password itself is not shown, nor kept here."""
        try:
            kept = await off_the_gui_thread(self._credentials.get, key) is not None
        except Exception as error:
            self.problem.setText(f"The keyring could not be read: {plain_words(error)}")
            return
        text = KEPT if kept else "(none kept)"
        for field in (self.onvif_password, self.hub_password):
            field.setPlaceholderText(text)

    async def _load_list(self, path: Path) -> None:
        """Read the list file and which of its cameras' passwords the keyring holds."""
        name = self._existing.name if self._existing else self.name.text().strip()
        credentials = self._credentials

        def read() -> tuple[list[ListedCamera], str | None, set[str]]:
            loaded = camera_lists.load_camera_list(path)
            refs = {c.credentials for c in loaded.value if c.credentials} | {name}
            kept = {ref for ref in refs if credentials.get(f"camera/{ref}") is not None}
            return loaded.value, loaded.problem, kept

        self._list_reading = True
        try:
            cameras, problem, kept = await off_the_gui_thread(read)
        except Exception as error:
            self._list_read = None
            self.list_problem.setText(f"The camera list could not be read: {plain_words(error)}")
            return
        finally:
            self._list_reading = False
        self._list_read = path
        self.list_problem.setText(problem or "")
        self.cameras.set_cameras(cameras, name, kept)

    async def _list_file_ready(self, path: Path) -> bool:
        """Whether the list may be written to `path`: its file was read into the form, or
        there is none. An existing file not read yet is read now when the form has no cameras
        (the operator checks them and saves again), and refused otherwise."""
        if self._list_reading:
            self.problem.setText("The camera list is still being read: a moment.")
            return False
        if self._list_read == path:
            return True
        try:
            exists = await off_the_gui_thread(path.exists)
        except OSError as error:
            self.problem.setText(f"The camera list file cannot be reached: {plain_words(error)}")
            return False
        if not exists:
            self._list_read = path
            return True
        if self.cameras.rows:
            self.problem.setText(
                f"A camera list already exists at {path}: choose another file, or remove "
                "this form's cameras to read that one."
            )
            return False
        await self._load_list(path)
        if self._list_read == path:
            count = len(self.cameras.rows)
            self.problem.setText(
                f"Read {count} camera{'' if count == 1 else 's'} from the existing file: "
                "check them, then Test or Save."
            )
        return False

    def _read_typed_list(self) -> None:
        """Enter or leaving the List file field: an existing file's cameras come into an
        empty form."""
        path = Path(self.list_path.text().strip())
        if self.list_path.text().strip() and not self.cameras.rows and path != self._list_read:
            self._spawn(self._load_if_any(path), "read-list")

    async def _load_if_any(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            if await off_the_gui_thread(path.exists):
                await self._load_list(path)

    def set_keyring_warning(self, text: str | None) -> None:
        self.warning.setText(text or "")
        self.warning.setVisible(bool(text))

    # -- reading -------------------------------------------------------------------------------
    def current_kind(self) -> SourceKind:
        return KINDS[max(0, self.kind.currentIndex())]

    def config(self) -> SourceConfig:
        """The source as the fields describe it. Raises SourceError in plain words."""
        kind = self.current_kind()
        name = self.name.text().strip()
        problem = name_problem(name, self._taken)
        if problem:
            raise SourceError(problem)
        url, username = "", ""
        if kind is SourceKind.ONVIF:
            host = self.host.text().strip()
            if not host:
                raise SourceError("The camera's host is missing: its IP address or name.")
            host = onvif_host(host)
            url = f"http://{host}:{self.port.value()}"
            username = self.onvif_user.text().strip()
        elif kind is SourceKind.TESSERA:
            url = self.hub_url.text().strip()
            scheme = urlsplit(url).scheme.lower()
            if url and (scheme not in ("http", "https") or not urlsplit(url).netloc):
                raise SourceError("The hub's address starts with http:// or https://.")
            username = self.hub_user.text().strip()
        elif kind is SourceKind.RTSP:
            url = self.list_path.text().strip()
            if self.cameras.shared_box.isChecked():
                username = self.cameras.shared_user.text().strip()
        existing = self._existing
        return SourceConfig(
            name=name,
            kind=kind,
            url=url,
            username=username,
            label=self.label.text().strip(),
            enabled=existing.enabled if existing is not None else True,
        )

    def typed_password(self) -> str | None:
        """The password typed for the source itself (or a list's shared one); None: none typed
        (an edited source keeps the one it has)."""
        kind = self.current_kind()
        if kind is SourceKind.ONVIF:
            return self.onvif_password.text() or None
        if kind is SourceKind.TESSERA:
            return self.hub_password.text() or None
        if kind is SourceKind.RTSP:
            return self.cameras.shared_password_typed()
        return None

    def passwords_to_store(self, source: SourceConfig) -> dict[str, str]:
        if source.kind is SourceKind.RTSP:
            return self.cameras.passwords(source.name)
        typed = self.typed_password()
        return {source.credential_key: typed} if typed else {}

    @property
    def last_result(self) -> ProbeResult | None:
        return self._last

    def save_needs_anyway(self) -> bool:
        return self._last is not None and self._last_current and not self._last.ok

    # -- reacting ------------------------------------------------------------------------------
    def _on_kind(self, index: int) -> None:
        kind = KINDS[max(0, index)]
        self.pages.setCurrentWidget(
            {
                SourceKind.ONVIF: self._onvif_page,
                SourceKind.RTSP: self._rtsp_page,
                SourceKind.TESSERA: self._tessera_page,
                SourceKind.DEMO: self._demo_page,
            }[kind]
        )
        self._follow_name()
        self._changed()

    def _on_name(self, text: str) -> None:
        problem = name_problem(text.strip(), self._taken) if text.strip() else None
        self.name_problem.setText(problem or "")
        self._follow_name()
        self._changed()

    def _follow_name(self) -> None:
        if not self._path_edited:
            self.list_path.setText(str(default_list_path(self.name.text().strip())))

    def _on_list_path(self, _text: str) -> None:
        self._path_edited = True
        self._changed()

    def _changed(self, *_args: object) -> None:
        """The fields changed: a test's verdict no longer speaks for them."""
        if self._last is not None and self._last_current:
            self._last_current = False
            self.probe_panel.progress_label.setText("Changed since the test.")
        self.problem.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        anyway = self.save_needs_anyway()
        self.save_anyway_button.setVisible(anyway)
        self.save_anyway_button.setEnabled(anyway and not self._busy)
        self.save_button.setEnabled(not anyway and not self._busy)
        self.test_button.setEnabled(not self._busy and not self.probe_panel.running)
        self.kind.setEnabled(self._existing is None and not self._busy)

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        self._tasks.spawn(coro, f"source-form-{what}")

    # -- test ----------------------------------------------------------------------------------
    async def _password_for_test(self, source: SourceConfig) -> str | None:
        typed = self.typed_password()
        if typed is not None or self._existing is None:
            return typed
        key = shared_key(source)
        return None if key is None else await off_the_gui_thread(self._credentials.get, key)

    async def test(self) -> None:
        """Test the source as the fields describe it (a camera list as edited, not as saved)."""
        if self.probe_panel.running or self._busy:
            return
        self.problem.setText("")
        try:
            source = self.config()
        except SourceError as error:
            self.problem.setText(str(error))
            return
        if source.kind is SourceKind.RTSP and (problem := self.cameras.problem()):
            self.problem.setText(problem)
            return
        self.test_button.setEnabled(False)
        folder: Path | None = None
        try:
            try:
                password = await self._password_for_test(source)
            except Exception as error:
                self.problem.setText(f"The keyring could not be read: {plain_words(error)}")
                return
            tested = source
            if source.kind is SourceKind.RTSP:
                folder = Path(await off_the_gui_thread(tempfile.mkdtemp, None, "tessera-test-"))
                copy = folder / "cameras.json"
                cameras = self.cameras.cameras(source.name)
                await off_the_gui_thread(camera_lists.save_camera_list, copy, cameras)
                tested = SourceConfig(
                    name=source.name, kind=source.kind, url=str(copy), username=source.username
                )
            self._last_current = False
            result = await self.probe_panel.test(tested, password)
        except Exception as error:
            self.problem.setText(f"The test could not start: {plain_words(error)}")
            return
        finally:
            if folder is not None:
                with contextlib.suppress(Exception):
                    await off_the_gui_thread(shutil.rmtree, folder, True)
            if shiboken6.isValid(self.save_anyway_button):  # not closed meanwhile
                self._update_buttons()
        if result is None:
            return
        self._last, self._last_current = result, True
        self.tested.emit(source.name, result)
        self._update_buttons()
        if not result.ok:
            self.save_anyway_button.setFocus()

    # -- discovery -----------------------------------------------------------------------------
    async def find_cameras(self) -> None:
        if self._discover is None:
            return
        self.find_button.setEnabled(False)
        self.find_status.setText("Searching this network for ONVIF cameras…")
        self.found.clear()
        try:
            devices = list(await off_the_gui_thread(self._discover))
        except Exception as error:
            self.find_status.setText(f"The search failed: {plain_words(error)}")
            return
        finally:
            self.find_button.setEnabled(True)
        for device in devices:
            host = clean_text(str(device.host)).strip()
            port = device.port if isinstance(device.port, int) else ONVIF_PORT
            if not host:
                continue
            name = clean_text(str(device.name or ""))
            where = f"{host}:{port}"
            item = QListWidgetItem(f"{shown(name)} · {where}" if name else where, self.found)
            item.setData(Qt.ItemDataRole.UserRole, (host, port))
        count = self.found.count()
        if count == 0:
            self.find_status.setText("No ONVIF camera answered on this network.")
            self.found.setVisible(False)
            return
        self.find_status.setText(
            f"{count} found: choose one and press Enter to fill in its address."
        )
        self.found.setVisible(True)
        self.found.setCurrentRow(0)
        self.found.setFocus()

    def use_found(self) -> None:
        item = self.found.currentItem()
        if item is None:
            return
        host, port = item.data(Qt.ItemDataRole.UserRole)
        self.host.setText(host.strip("[]"))
        self.port.setValue(int(port))
        self._changed()
        self.onvif_user.setFocus()

    # -- save ----------------------------------------------------------------------------------
    async def save(self, anyway: bool = False) -> None:
        if self._busy:
            return
        self.problem.setText("")
        try:
            source = self.config()
        except SourceError as error:
            self.problem.setText(str(error))
            return
        if self.save_needs_anyway() and not anyway:
            self.problem.setText("The last test failed: use Save anyway to keep it as it is.")
            return
        self.probe_panel.cancel()
        self._busy = True
        self._update_buttons()
        try:
            if source.kind is SourceKind.RTSP:
                if not await self._list_file_ready(Path(source.url)):
                    return
                if problem := self.cameras.problem():
                    self.problem.setText(problem)
                    return
            await self._store_and_commit(source)
        finally:
            self._busy = False
            # Cancelled because the form was closed and deleted (the dialog's aclose): no
            # buttons are left to update.
            if shiboken6.isValid(self.save_anyway_button):
                self._update_buttons()

    async def _store_and_commit(self, source: SourceConfig) -> None:
        passwords = self.passwords_to_store(source)
        stored: list[str] = []
        for key, password in passwords.items():
            try:
                await off_the_gui_thread(self._credentials.set, key, password)
            except Exception as error:
                self.problem.setText(f"The password could not be kept: {plain_words(error)}")
                await self._forget_new(stored)
                return
            stored.append(key)
        if source.kind is SourceKind.RTSP:
            cameras = self.cameras.cameras(source.name)
            try:
                await off_the_gui_thread(_write_list, Path(source.url), cameras)
            except Exception as error:
                self.problem.setText(f"The camera list could not be written: {plain_words(error)}")
                await self._forget_new(stored)
                return
        try:
            await self._commit(source)
        except Exception as error:
            self.problem.setText(
                f"The change could not be applied: {plain_words(error)} Nothing you typed is "
                "lost: Save again, or Cancel."
            )
            await self._forget_new(stored)
            return
        if self._last is not None and self._last_current:
            self.tested.emit(source.name, self._last)
        self.accept()

    async def _forget_new(self, keys: list[str]) -> None:
        """A new source that was not applied leaves no password behind (an edited one keeps
        what was stored: the form still holds it for Save again)."""
        if self._existing is not None:
            return
        for key in keys:
            with contextlib.suppress(Exception):
                await off_the_gui_thread(self._credentials.delete, key)

    # -- closing -------------------------------------------------------------------------------
    def reject(self) -> None:
        if self._busy:  # the console is applying it: wait for the answer
            self.problem.setText("Saving… the form closes when the console has applied it.")
            return
        super().reject()

    def done(self, result: int) -> None:
        self.probe_panel.cancel()
        self._tasks.cancel()
        super().done(result)

    async def aclose(self) -> None:
        await self._tasks.close()


def _write_list(path: Path, cameras: list[ListedCamera]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    camera_lists.save_camera_list(path, cameras)
