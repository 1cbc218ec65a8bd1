"""The reason asked before a sensitive action (issue 17, section 3): a case number, one of the
predefined reasons (Up / Down pick it), and words of the operator's own. OK is offered once the
reason is complete (`console.identity.reasons.Reason.problem` says what is missing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.identity.reasons import REASON_ACTIONS, Reason, ReasonPolicy

NO_PRESET = "(none: say why below)"


class ReasonDialog(QDialog):
    """`reason()` once accepted."""

    def __init__(
        self, action: str, policy: ReasonPolicy, what: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._action = action
        self.setObjectName("reason-dialog")
        self.setWindowTitle("Reason · Tessera")
        layout = QVBoxLayout(self)
        doing = REASON_ACTIONS.get(action, action)
        intro = QLabel(
            f"A reason is needed to {doing}{f' ({what})' if what else ''}. It is kept in the "
            "audit log with what you do.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        form = QFormLayout()
        self.case_edit = QLineEdit(self)
        self.case_edit.setObjectName("reason-case")
        self.case_edit.setPlaceholderText("e.g. INC-2026-0412")
        self.preset_box = QComboBox(self)
        self.preset_box.setObjectName("reason-preset")
        self.preset_box.addItems([*policy.choices(action), NO_PRESET])
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setObjectName("reason-text")
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setMaximumHeight(90)
        form.addRow("&Case number", self.case_edit)
        form.addRow("&Reason", self.preset_box)
        form.addRow("&In your words", self.text_edit)
        layout.addLayout(form)
        self.problem_label = QLabel("", self)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.problem_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.case_edit.textChanged.connect(self._check)
        self.preset_box.currentIndexChanged.connect(self._check)
        self.text_edit.textChanged.connect(self._check)
        self._check()
        self.case_edit.setFocus()

    def reason(self) -> Reason:
        preset = self.preset_box.currentText()
        return Reason(
            self._action,
            self.case_edit.text(),
            "" if preset == NO_PRESET else preset,
            self.text_edit.toPlainText(),
        )

    def _check(self) -> None:
        problem = self.reason().problem()
        self.problem_label.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def accept(self) -> None:
        if self.reason().problem() is None:
            super().accept()
