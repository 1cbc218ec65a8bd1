"""The reason dialog (issue 17, section 3): OK only once a case number and a why are given, and
the reason it gives back is what the operator chose and typed."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from console.identity.reasons import ReasonPolicy
from widgets.identity.reason_dialog import NO_PRESET, ReasonDialog


def test_ok_waits_for_a_complete_reason(qtbot):
    policy = ReasonPolicy(frozenset({"playback"}))
    dialog = ReasonDialog("playback", policy, "wall 1")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert "case" in dialog.problem_label.text().lower()
    dialog.case_edit.setText("INC-2026-0412")
    assert ok.isEnabled()  # the first predefined reason is chosen
    dialog.preset_box.setCurrentText(NO_PRESET)
    assert not ok.isEnabled()
    dialog.text_edit.setPlainText("Fight reported at the north gate")
    assert ok.isEnabled()
    reason = dialog.reason()
    assert reason.details() == {
        "case": "INC-2026-0412",
        "reason": "",
        "words": "Fight reported at the north gate",
    }
