"""Reasons for sensitive actions (issue 17, section 3): a case number and words, asked before
playback, export or lifting a privacy mask where a policy requires them.

The policy is the union of the hub's (`GET /api/v1/hub` "reasons_required") and this console's
settings (`settings.json` "policy"): either can require a reason, neither can waive the other's.
Each action has predefined reasons (the settings may replace them) plus free words, as the best
control rooms run it: the operator picks the usual case in one keystroke and adds what is
particular. The reason goes into the action's audit entry (`Reason.details()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_PRESETS",
    "REASON_ACTIONS",
    "Reason",
    "ReasonPolicy",
]

# The actions a reason can be asked for, and how the dialog names them.
REASON_ACTIONS = {
    "playback": "play back recordings",
    "export": "export video",
    "unmask": "lift a privacy mask",
    "private_access": "see a private camera",
}
DEFAULT_PRESETS: Mapping[str, tuple[str, ...]] = {
    "playback": (
        "Incident under investigation",
        "Request from the police",
        "Complaint or insurance claim",
        "Training",
        "Checking a camera works",
    ),
    "export": (
        "Evidence for the police",
        "Subject access request",
        "Complaint or insurance claim",
        "Training material",
    ),
    "unmask": (
        "Incident inside the masked area",
        "Request from the police",
        "Checking the mask is placed right",
    ),
    "private_access": (
        "Crime reported nearby",
        "Request from the police",
        "Missing person",
        "Emergency in progress",
    ),
}
MAX_CASE_CHARS = 64
MAX_TEXT_CHARS = 500
MAX_PRESETS = 32


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an operator does a sensitive action: a case number, a predefined reason, words."""

    action: str
    case_number: str
    preset: str = ""
    text: str = ""

    def problem(self) -> str | None:
        """What is missing or wrong, in plain words; None when the reason can be used."""
        if self.action not in REASON_ACTIONS:
            return f"There is no reason to give for {self.action!r}."
        case = self.case_number.strip()
        if not case:
            return "Type the case or incident number."
        if len(case) > MAX_CASE_CHARS or not case.isprintable():
            return f"A case number is at most {MAX_CASE_CHARS} printable characters."
        if not self.preset.strip() and not self.text.strip():
            return "Choose a reason or say in a few words why."
        if len(self.text) > MAX_TEXT_CHARS:
            return f"Say why in at most {MAX_TEXT_CHARS} characters."
        return None

    def details(self) -> dict[str, str]:
        """The reason as it goes into the audit entry."""
        return {
            "case": self.case_number.strip(),
            "reason": self.preset.strip(),
            "words": " ".join(self.text.split()),
        }


@dataclass(frozen=True, slots=True)
class ReasonPolicy:
    """Which actions need a reason, and the predefined reasons of each."""

    required: frozenset[str] = frozenset()
    presets: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PRESETS))

    def requires(self, action: str) -> bool:
        return action in self.required

    def choices(self, action: str) -> tuple[str, ...]:
        return tuple(self.presets.get(action, DEFAULT_PRESETS.get(action, ())))

    def with_hub(self, hub_required: Iterable[str]) -> ReasonPolicy:
        """This policy and the hub's together (a reason is asked if either requires it)."""
        extra = {a for a in hub_required if a in REASON_ACTIONS}
        return ReasonPolicy(self.required | extra, self.presets)

    @staticmethod
    def parse(doc: object) -> ReasonPolicy:
        """The settings' "policy" section: {"reasons_required": [...], "reasons": {action:
        [...]}}. Raises ValueError in plain words for anything else."""
        if doc is None:
            return ReasonPolicy()
        if not isinstance(doc, dict):
            raise ValueError('"policy" must be an object')
        required = doc.get("reasons_required", [])
        if not isinstance(required, list) or not all(isinstance(a, str) for a in required):
            raise ValueError('"policy.reasons_required" must be a list of actions')
        unknown = [a for a in required if a not in REASON_ACTIONS]
        if unknown:
            raise ValueError(
                f'"policy.reasons_required" names {", ".join(unknown)}: the actions are '
                + ", ".join(REASON_ACTIONS)
            )
        presets = dict(DEFAULT_PRESETS)
        given = doc.get("reasons", {})
        if not isinstance(given, dict):
            raise ValueError('"policy.reasons" must be an object of lists')
        for action, choices in given.items():
            if action not in REASON_ACTIONS:
                raise ValueError(f'"policy.reasons" names an unknown action {action!r}')
            if (
                not isinstance(choices, list)
                or len(choices) > MAX_PRESETS
                or not all(isinstance(c, str) and 0 < len(c) <= 120 for c in choices)
            ):
                raise ValueError(
                    f'"policy.reasons.{action}" must be a list of at most {MAX_PRESETS} short texts'
                )
            presets[action] = tuple(choices)
        return ReasonPolicy(frozenset(required), presets)
