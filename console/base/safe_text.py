"""Text from outside the console (a hub's camera names, alert labels, operator names) made safe to
show.

A hub is not trusted to send printable text. A control character can break a line or a log, and a
bidirectional override (U+202E) turns "Gate" U+202E "evil" into "Gatelive" on screen, making a
camera's name look like the console's own state words. So hub text passes two steps:

- `clean_text` (once, where the driver reads it): control and invisible formatting characters
  are removed, line breaks become spaces, lone surrogates become U+FFFD, and the length is
  capped, so nothing downstream (views, notices, logs, desktop notifications) sees them.
- `isolate` (where it is shown beside the console's own words): the text is wrapped in a
  first-strong isolate (U+2068 ... U+2069), so a right-to-left name (legitimate Arabic or
  Hebrew) is laid out on its own and cannot reorder the words around it.

Zero-width joiner and non-joiner (U+200D, U+200C) are kept: Persian, Indic scripts and emoji
need them, and they cannot reorder or hide text. Plain Python, no Qt.
"""

from __future__ import annotations

import re

# Names longer than this are cut (with "…"): a view elides them anyway, and a megabyte-long name
# would cost every paint and every search.
MAX_TEXT_CHARS = 512
ELLIPSIS = "\u2026"
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"

# Control characters that mean "a new line" or "a gap": shown as a space rather than removed, so
# "North\ngate" stays two words.
_SPACING = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
# Everything removed or replaced: C0 and C1 controls, DEL, the soft hyphen, the Arabic letter mark,
# the Mongolian vowel separator, zero-width space, LRM and RLM, line and paragraph separators, the
# bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the invisible operators
# and deprecated format characters (U+2060-U+206F), the byte order mark, interlinear annotation
# characters, the language tag, and lone surrogates (which a JSON "\ud800" escape can produce and
# which cannot be encoded for Qt or a log).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0001\ud800-\udfff]"
)
_SPACES = re.compile(" {2,}")


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SPACING:
        return " "
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return ""


def clean_text(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """`text` without control and invisible formatting characters, at most `max_chars` long.

    Text that is already clean (nearly all of it) is returned as it is, found by one regular
    expression scan, so cleaning a list of 50,000 cameras costs little.
    """
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(_replace, text)
        text = _SPACES.sub(" ", text).strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + ELLIPSIS
    return text


def is_clean(text: str) -> bool:
    """Whether `text` has none of the characters `clean_text` removes (for identifiers, which
    must arrive exactly as the hub means them or not at all)."""
    return _UNSAFE.search(text) is None


def isolate(text: str) -> str:
    """`text` cleaned and wrapped in a bidi isolate, ready to be put beside the console's own
    words: whatever its direction, it cannot reorder them."""
    return f"{FIRST_STRONG_ISOLATE}{clean_text(text)}{POP_DIRECTIONAL_ISOLATE}"
