"""The Sources dialog (File → Sources…): the console's sources of cameras, with Add…, Edit…,
Test, Remove and Close.

It does not know the rest of the console. It is given the sources as configured, the keyring
(`Credentials`), the connection test (`probe_source`), optionally the network search for ONVIF
cameras, and the console's `apply(sources)`, which saves settings.json and connects and
disconnects sources live. Each Add, Edit and Remove is applied when the operator confirms it;
a failure of `apply` is shown in plain words and the dialog keeps what it had. Every keyring
call and file access runs in the loop's executor, never on the GUI thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import TaskOwner
from console.sources import camera_lists
from console.sources.model import SourceConfig, SourceKind
from console.sources.probe import ProbeResult
from widgets.common import theme
from widgets.common.hub_text import shown, shown_html
from widgets.sources.keys import enter_acts
from widgets.sources.probe_panel import ProbePanel, result_summary
from widgets.sources.seams import (
    ApplySources,
    CredentialStore,
    DiscoverFunction,
    ProbeFunction,
    off_the_gui_thread,
    plain_words,
)
from widgets.sources.source_form import SourceForm, shared_key

NAME, KIND, ADDRESS, LAST_TEST = range(4)
NOT_TESTED = "Not tested"


def address_text(source: SourceConfig) -> str:
    if source.kind is SourceKind.DEMO:
        return "(started by the console)"
    return source.url


def keys_to_forget(source: SourceConfig, cameras: Sequence[camera_lists.ListedCamera]) -> set[str]:
    """The keyring entries a removed source leaves: its own, and for a camera list the ones
    the dialog made for it (`camera/<name>`, `camera/<name>.<camera>`). A reference a
    hand-edited list shares with other lists is left alone."""
    keys = {source.credential_key}
    if source.kind is SourceKind.RTSP:
        keys.add(f"camera/{source.name}")
        for camera in cameras:
            ref = camera.credentials
            if ref == source.name or ref.startswith(f"{source.name}."):
                keys.add(f"camera/{ref}")
    return keys


class SourcesDialog(QDialog):
    """The console's sources. `sources()` is what is configured now (as last applied)."""

    applied = Signal(list)  # list[SourceConfig], after `apply` accepted it

    def __init__(
        self,
        sources: Sequence[SourceConfig],
        credentials: CredentialStore,
        probe: ProbeFunction,
        apply: ApplySources,
        discover: DiscoverFunction | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._sources = list(sources)
        self._credentials = credentials
        self._probe = probe
        self._apply = apply
        self._discover = discover
        self._tests: dict[str, ProbeResult] = {}
        self._tasks = TaskOwner("sources-dialog")
        self._busy = False
        self._keyring_warning: str | None = None
        self.form: SourceForm | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle("Sources")
        self.setMinimumSize(720, 420)

        self.warning = QLabel("", self)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {theme.WARN.name()};")
        self.warning.setAccessibleName("Keyring warning")
        self.warning.setVisible(False)
        intro = QLabel(
            "Where the cameras come from. A change is applied when you confirm it.", self
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {theme.MUTED.name()};")

        self._build_list()
        self._build_buttons()
        self.probe_panel = ProbePanel(probe, self)
        self.problem = QLabel("", self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {theme.ALARM.name()};")
        self.problem.setAccessibleName("Problem")

        side = QVBoxLayout()
        for b in (self.add_button, self.edit_button, self.test_button, self.remove_button):
            side.addWidget(b)
        side.addStretch(1)
        side.addWidget(self.close_button)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addWidget(self.probe_panel)
        layout.addWidget(self.problem)
        self._set_tab_order()
        self._fill()
        self.list.setFocus()
        self._spawn(self._fetch_warning(), "keyring-warning")

    def _set_tab_order(self) -> None:
        QWidget.setTabOrder(self.list, self.add_button)
        QWidget.setTabOrder(self.add_button, self.edit_button)
        QWidget.setTabOrder(self.edit_button, self.test_button)
        QWidget.setTabOrder(self.test_button, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.close_button)

    def _build_list(self) -> None:
        self.list = QTreeWidget(self)
        self.list.setColumnCount(4)
        self.list.setHeaderLabels(["Name", "Kind", "Address", "Last test"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAllColumnsShowFocus(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAccessibleName("Sources")
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        enter_acts(self.list, self.edit_selected)

    def _build_buttons(self) -> None:
        self.add_button = QPushButton("&Add…", self)
        self.edit_button = QPushButton("&Edit…", self)
        self.test_button = QPushButton("&Test", self)
        self.remove_button = QPushButton("&Remove", self)
        self.close_button = QPushButton("&Close", self)
        for button, accessible in (
            (self.add_button, "Add a source"),
            (self.edit_button, "Edit the selected source"),
            (self.test_button, "Test the selected source"),
            (self.remove_button, "Remove the selected source"),
            (self.close_button, "Close"),
        ):
            button.setAutoDefault(False)
            button.setAccessibleName(accessible)
        self.add_button.clicked.connect(self.add_source)
        self.edit_button.clicked.connect(self.edit_selected)
        self.test_button.clicked.connect(self.test_selected)
        self.remove_button.clicked.connect(self.ask_remove_selected)
        self.close_button.clicked.connect(self.reject)

    # -- public --------------------------------------------------------------------------------
    def sources(self) -> list[SourceConfig]:
        return list(self._sources)

    def last_test(self, name: str) -> ProbeResult | None:
        return self._tests.get(name)

    def selected(self) -> SourceConfig | None:
        item = self.list.currentItem()
        if item is None:
            return None
        name = item.data(NAME, Qt.ItemDataRole.UserRole)
        return next((s for s in self._sources if s.name == name), None)

    def select(self, name: str) -> None:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(NAME, Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentItem(item)
                return

    async def aclose(self) -> None:
        """Shutdown: cancel what the dialog and its form still run (a test, a keyring call, and
        an `apply` under way too) and wait for them, at most TaskOwner's limit."""
        if self.form is not None:
            await self.form.aclose()
        await self._tasks.close()

    # -- the list ------------------------------------------------------------------------------
    def _fill(self) -> None:
        current = self.selected()
        self.list.clear()
        for source in self._sources:
            result = self._tests.get(source.name)
            item = QTreeWidgetItem(
                [
                    shown(source.display_name),
                    source.kind.kind_name,
                    shown(address_text(source)),
                    result_summary(result) if result else NOT_TESTED,
                ]
            )
            item.setData(NAME, Qt.ItemDataRole.UserRole, source.name)
            if source.label:
                item.setToolTip(NAME, f"<p>{shown_html(source.name)}</p>")
            if result is not None:
                item.setToolTip(LAST_TEST, f"<p>{shown_html(result.message)}</p>")
                colour = theme.LIVE if result.ok else theme.ALARM
                item.setForeground(LAST_TEST, colour)
            self.list.addTopLevelItem(item)
        for column in (NAME, KIND, LAST_TEST):
            self.list.resizeColumnToContents(column)
        if current is not None:
            self.select(current.name)
        first = self.list.topLevelItem(0)
        if self.list.currentItem() is None and first is not None:
            self.list.setCurrentItem(first)
        self._update_buttons()

    def _update_buttons(self) -> None:
        source = self.selected()
        idle = not self._busy
        self.add_button.setEnabled(idle)
        self.edit_button.setEnabled(idle and source is not None)
        self.test_button.setEnabled(idle and source is not None and not self.probe_panel.running)
        self.remove_button.setEnabled(idle and source is not None)

    def _record_test(self, name: str, result: object) -> None:
        if isinstance(result, ProbeResult):
            self._tests[name] = result
            self._fill()

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        self._tasks.spawn(coro, f"sources-dialog-{what}")

    async def _fetch_warning(self) -> None:
        try:
            warning = await off_the_gui_thread(self._credentials.backend_warning)
        except Exception as error:
            warning = f"The system keyring could not be asked: {plain_words(error)}"
        self._keyring_warning = warning
        self.warning.setText(warning or "")
        self.warning.setVisible(bool(warning))
        if self.form is not None:
            self.form.set_keyring_warning(warning)

    # -- add and edit --------------------------------------------------------------------------
    def add_source(self) -> None:
        self._open_form(None)

    def edit_selected(self) -> None:
        source = self.selected()
        if source is not None and not self._busy:
            self._open_form(source)

    def _open_form(self, existing: SourceConfig | None) -> None:
        if self.form is not None:
            return
        self.problem.setText("")

        async def commit(source: SourceConfig) -> None:
            await self._commit(existing, source)

        form = SourceForm(
            existing,
            {s.name for s in self._sources},
            self._credentials,
            self._probe,
            commit,
            self._discover,
            self,
        )
        form.set_keyring_warning(self._keyring_warning)
        form.tested.connect(self._record_test)
        form.finished.connect(lambda _result: self._form_closed(form))
        self.form = form
        form.open()

    def _back_to_list(self) -> None:
        """The keyboard back on the list after a form or question closed."""
        self.activateWindow()
        self.list.setFocus()

    def _form_closed(self, form: SourceForm) -> None:
        if self.form is form:
            self.form = None
        form.deleteLater()
        self._back_to_list()

    async def _commit(self, old: SourceConfig | None, new: SourceConfig) -> None:
        """Apply the sources with `new` in place of `old` (added at the end when None); raises
        what `apply` raised, and the dialog's list stays as it was."""
        if old is None:
            sources = [*self._sources, new]
        else:
            sources = [new if s.name == old.name else s for s in self._sources]
        await self._run_apply(sources)
        self.select(new.name)

    async def _run_apply(self, sources: list[SourceConfig]) -> None:
        self._busy = True
        self._update_buttons()
        try:
            await self._apply(list(sources))
        finally:
            self._busy = False
            self._update_buttons()
        self._sources = list(sources)
        self._fill()
        self.applied.emit(self.sources())

    # -- test ----------------------------------------------------------------------------------
    def test_selected(self) -> None:
        source = self.selected()
        if source is not None and not self.probe_panel.running:
            self._spawn(self._test(source), "test")

    async def _test(self, source: SourceConfig) -> None:
        self.problem.setText("")
        self.test_button.setEnabled(False)
        try:
            key = shared_key(source)
            try:
                password = (
                    None if key is None else await off_the_gui_thread(self._credentials.get, key)
                )
            except Exception as error:
                self.problem.setText(f"The keyring could not be read: {plain_words(error)}")
                return
            result = await self.probe_panel.test(source, password)
        finally:
            self._update_buttons()
        if result is not None:
            self._record_test(source.name, result)

    # -- remove --------------------------------------------------------------------------------
    def ask_remove_selected(self) -> None:
        source = self.selected()
        if source is None or self._busy:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Remove source")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"Remove the source {source.display_name}?")
        box.setInformativeText(
            "Its cameras leave the wall and its passwords are forgotten. "
            + ("The camera list file stays where it is." if source.kind is SourceKind.RTSP else "")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText("&Remove")
        no = box.button(QMessageBox.StandardButton.No)
        no.setText("&Keep")

        def answered(_result: int) -> None:
            if self.confirm_box is box:
                self.confirm_box = None
            box.deleteLater()
            if box.clickedButton() is yes:
                self._spawn(self._remove(source), "remove")
            else:
                self._back_to_list()

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()

    async def _remove(self, source: SourceConfig) -> None:
        self.problem.setText("")
        sources = [s for s in self._sources if s.name != source.name]
        try:
            await self._run_apply(sources)
        except Exception as error:
            self.problem.setText(
                f"{source.display_name} could not be removed: {plain_words(error)} It is "
                "still configured."
            )
            return
        self._tests.pop(source.name, None)
        self._back_to_list()
        await self._forget_passwords(source)

    async def _forget_passwords(self, source: SourceConfig) -> None:
        credentials = self._credentials

        def forget() -> None:
            cameras: list[camera_lists.ListedCamera] = []
            if source.kind is SourceKind.RTSP:
                with contextlib.suppress(Exception):  # the list's own refs are still known
                    cameras = camera_lists.load_camera_list(Path(source.url)).value
            for key in sorted(keys_to_forget(source, cameras)):
                credentials.delete(key)

        try:
            await off_the_gui_thread(forget)
        except Exception as error:
            self.problem.setText(
                f"{source.display_name} was removed, but its passwords could not be "
                f"forgotten: {plain_words(error)}"
            )

    # -- closing -------------------------------------------------------------------------------
    def reject(self) -> None:
        if self._busy:
            self.problem.setText("A change is being applied: the dialog closes after it.")
            return
        super().reject()

    def done(self, result: int) -> None:
        self.probe_panel.cancel()
        super().done(result)
