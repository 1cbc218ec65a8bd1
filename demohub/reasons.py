"""Reasons that travel with a sensitive request (issue 17, section 3): read, checked, enforced.

A hub that requires a reason for an action (`--require-reason playback,export,unmask`, said in
`/api/v1/hub` as `reasons_required`) refuses that action's request without one. The console
sends the reason the operator gave in the `X-Tessera-Reason` header, form-encoded (so any
language fits in a header): `case=...&reason=...&words=...`, the same three fields the audit
entry holds. A reason is a case number or a predefined reason or free words: at least one.

Everything here is untrusted input: bounded, control characters dropped, plain words on a
refusal (403 `reason_required`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import parse_qs

__all__ = ["REASON_FIELDS", "REASON_HEADER", "ReasonRequiredError", "reason_of"]

REASON_HEADER = "X-Tessera-Reason"
REASON_FIELDS = ("case", "reason", "words")
MAX_HEADER_CHARS = 2048
MAX_FIELD_CHARS = {"case": 64, "reason": 120, "words": 500}

_ACTION_WORDS = {
    "playback": "playing back recordings",
    "export": "exporting video",
    "unmask": "lifting a privacy mask",
}


class ReasonRequiredError(Exception):
    """403: the hub wants a reason for `action` and the request gave none."""

    def __init__(self, action: str) -> None:
        what = _ACTION_WORDS.get(action, action)
        self.action = action
        self.message = f"This hub asks for a reason before {what}: give a case number or a reason."
        super().__init__(self.message)

    def to_json(self) -> dict[str, str]:
        return {"error": "reason_required", "action": self.action, "message": self.message}


def _clean(text: str, limit: int) -> str:
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())[:limit]


def reason_of(
    headers: Mapping[str, str], action: str, required: Collection[str]
) -> dict[str, str] | None:
    """The reason a request gives (its fields, cleaned; None when it gives none), or
    `ReasonRequiredError` when `action` is in `required` and none was given."""
    raw = headers.get(REASON_HEADER, "")[:MAX_HEADER_CHARS]
    try:
        fields = parse_qs(raw, keep_blank_values=False, max_num_fields=len(REASON_FIELDS) * 2)
    except ValueError:  # more fields than a reason has: not a reason
        fields = {}
    details = {
        name: _clean(fields[name][0], MAX_FIELD_CHARS[name])
        for name in REASON_FIELDS
        if fields.get(name)
    }
    details = {name: value for name, value in details.items() if value}
    if not details:
        if action in required:
            raise ReasonRequiredError(action)
        return None
    return details
