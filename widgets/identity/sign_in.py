"""Signing in, who is signed in, and the lock (issue 17), over `console.identity.Identity`.

- `SignInDialog`: name and password for a hub; the hub's answer is shown in its own words
  (wrong password, too many attempts) and the dialog stays open for another try. The password
  field is cleared after every attempt and never leaves this dialog except to the hub.
- `IdentityButton`: the toolbar's "Signed in as NAME (role)" with a menu: sign in as another
  operator, sign out, lock.
- `LockBar`: over the wall while the console is locked. The wall keeps playing; every operator
  control (menus, toolbars, docks, the wall's keys) is disabled until the signed-in operator's
  password is typed again (checked by the hub).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.base.tasks import TaskOwner
from console.hub.errors import HubError
from console.hub.identity import SessionInfo
from console.identity.signin import Identity
from widgets.common.hub_text import shown

LOCK_KEYS = "Ctrl+Shift+L"


class SignInDialog(QDialog):
    """Name and password for the hub; `signed_in(info)` once the hub accepted them."""

    signed_in = Signal(object)  # SessionInfo

    def __init__(
        self,
        identity: Identity,
        hub_label: str,
        user: str = "",
        parent: QWidget | None = None,
        *,
        display: bool = False,
    ) -> None:
        super().__init__(parent)
        self._identity = identity
        self._display = display
        self._tasks = TaskOwner("sign-in-dialog")
        self.setWindowTitle("Sign in · Tessera")
        self.setObjectName("sign-in-dialog")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Sign this wall display in to {hub_label} with the token its administrator gave "
            "you; it is kept in the system keyring and the display signs in by itself after."
            if display
            else f"Sign in to {hub_label}.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.user_edit = QLineEdit(user, self)
        self.user_edit.setObjectName("sign-in-user")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("sign-in-password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        if display:
            self.user_edit.hide()
            form.addRow("Display &token", self.password_edit)
        else:
            form.addRow("&Name", self.user_edit)
            form.addRow("&Password", self.password_edit)
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setObjectName("sign-in-message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Sign in")
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.password_edit if user else self.user_edit).setFocus()

    def try_sign_in(self) -> None:
        user = self.user_edit.text().strip()
        password = self.password_edit.text()
        if self._display and not password:
            self.message.setText("Type the display token.")
            return
        if not self._display and (not user or not password):
            self.message.setText("Type your name and your password.")
            return
        self.buttons.setEnabled(False)
        self.message.setText("Signing in…")
        self._tasks.spawn(self._sign_in(user, password), "sign-in")

    async def _sign_in(self, user: str, password: str) -> None:
        try:
            if self._display:
                info = await self._identity.sign_in_display(password, keep=True)
            else:
                info = await self._identity.sign_in(user, password)
        except HubError as exc:
            self.message.setText(exc.operator_message)
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        finally:
            self.buttons.setEnabled(True)
        self.password_edit.clear()
        self.signed_in.emit(info)
        self.accept()

    async def aclose(self) -> None:
        await self._tasks.close()


class LockBar(QWidget):
    """Shown while the console is locked: who locked it and the password to unlock."""

    def __init__(self, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._identity = identity
        self._tasks = TaskOwner("lock-bar")
        self.setObjectName("lock-bar")
        self.setAutoFillBackground(True)
        row = QHBoxLayout(self)
        self.label = QLabel("", self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.label, 1)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("unlock-password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Password")
        self.password_edit.returnPressed.connect(self.try_unlock)
        row.addWidget(self.password_edit)
        self.unlock_button = QPushButton("Unlock", self)
        self.unlock_button.clicked.connect(self.try_unlock)
        row.addWidget(self.unlock_button)
        self.message = QLabel("", self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.message)
        self.hide()

    def show_locked(self) -> None:
        info = self._identity.info
        who = shown(info.user) if info is not None else "the operator"
        self.label.setText(
            f"Locked by {who}. The wall keeps playing; type the password to use the controls."
        )
        self.message.clear()
        self.show()
        self.raise_()
        self.password_edit.setFocus()

    def try_unlock(self) -> None:
        password = self.password_edit.text()
        self.password_edit.clear()
        if not password:
            return
        self.unlock_button.setEnabled(False)
        self._tasks.spawn(self._unlock(password), "unlock")

    async def _unlock(self, password: str) -> None:
        try:
            await self._identity.unlock(password)
        except HubError as exc:
            self.message.setText(exc.operator_message)
            self.password_edit.setFocus()
        finally:
            self.unlock_button.setEnabled(True)

    async def aclose(self) -> None:
        await self._tasks.close()


class IdentityButton(QToolButton):
    """The toolbar's sign-in state, with sign in as another operator, sign out and lock."""

    def __init__(self, identity: Identity, hub_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._identity = identity
        self._hub_label = hub_label
        self._tasks = TaskOwner("identity-button")
        self.dialog: SignInDialog | None = None
        self.setObjectName("identity-button")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.sign_in_action = menu.addAction("Sign in as another operator…", self.open_sign_in)
        self.sign_out_action = menu.addAction("Sign out", self.sign_out)
        self.lock_action = menu.addAction(f"Lock the console\t{LOCK_KEYS}", identity.lock)
        self.setMenu(menu)
        identity.changed.connect(self._show)
        self._show(identity.info)

    def _show(self, info: SessionInfo | None) -> None:
        if info is None:
            self.setText("Not signed in")
            self.setToolTip(f"Nobody is signed in to {self._hub_label}.")
        else:
            self.setText(f"Signed in as {shown(info.describe())}")
            rights = ", ".join(sorted(info.rights_all)) or "per camera only"
            self.setToolTip(f"{shown(info.describe())} on {self._hub_label}. Rights: {rights}.")
        self.sign_out_action.setEnabled(info is not None)
        self.lock_action.setEnabled(info is not None)

    def open_sign_in(self) -> None:
        info = self._identity.info
        self.dialog = SignInDialog(
            self._identity, self._hub_label, "" if info is None else info.user, self.window()
        )
        self.dialog.open()

    def sign_out(self) -> None:
        self._run(self._identity.sign_out())

    def _run(self, coro: Coroutine[Any, Any, object]) -> None:
        self._tasks.spawn(coro, "identity")

    async def aclose(self) -> None:
        if self.dialog is not None:
            await self.dialog.aclose()
        await self._tasks.close()
