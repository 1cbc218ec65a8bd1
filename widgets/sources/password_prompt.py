"""The password a source needs this session, asked for at start when the system has no keyring
to keep it (the console never stores it in a file). Window-modal and opened, never exec'd: the
wall plays on behind it and the asyncio loop keeps running."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QWidget

from widgets.common.hub_text import shown


def ask_password(
    parent: QWidget | None,
    source_label: str,
    user: str,
    answered: Callable[[str | None], None],
) -> QInputDialog:
    """Ask for `user`'s password of the source `source_label`; `answered(password)` when the
    operator gives one, `answered(None)` when they cancel. Returns the open dialog."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("source-password")
    dialog.setWindowTitle("Password needed")
    dialog.setLabelText(
        f"The source {shown(source_label)} needs the password of {shown(user)}.\n"
        "This computer has no system keyring, so it is kept only until Tessera closes."
    )
    for label in dialog.findChildren(QLabel):  # names from settings and hubs: never markup
        label.setTextFormat(Qt.TextFormat.PlainText)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText("Connect")
    dialog.setCancelButtonText("Not now")

    def finished(result: int) -> None:
        text = dialog.textValue()
        answered(text if result and text else None)
        dialog.deleteLater()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog
