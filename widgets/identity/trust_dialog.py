"""Trust on first use: the operator compares an https hub's certificate fingerprint with the one
the hub's administrator gives (the demo hub writes it in its log at start) before the console
pins it (`console.identity.pins`). The default answer is No."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QMessageBox, QWidget


def trust_text(url: str, fingerprint: str) -> str:
    return (
        f"The hub at {url} presents a certificate that no authority on this computer vouches "
        "for (a hub that made its own certificate does this).\n\n"
        f"Its SHA-256 fingerprint is:\n{fingerprint}\n\n"
        "Compare it with the fingerprint the hub's administrator gives you. If they are the "
        "same, trust this hub: the console then accepts only this certificate from it. If "
        "they differ, someone may be between you and the hub: do not trust it."
    )


async def ask_trust(url: str, fingerprint: str, parent: QWidget | None = None) -> bool:
    box = QMessageBox(parent)
    box.setObjectName("trust-dialog")
    box.setWindowTitle("Trust this hub? · Tessera")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setText(trust_text(url, fingerprint))
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText("Trust this hub")
    box.button(QMessageBox.StandardButton.No).setText("Do not connect")
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finished(_code: int) -> None:
        if not done.done():
            done.set_result(box.clickedButton() is box.button(QMessageBox.StandardButton.Yes))

    box.finished.connect(finished)
    box.open()
    try:
        return await done
    finally:
        box.deleteLater()
