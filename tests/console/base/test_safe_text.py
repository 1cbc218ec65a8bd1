"""Hub text made safe to show: controls and bidi formatting removed, isolated, capped."""

from __future__ import annotations

import pytest

from console.base.safe_text import (
    FIRST_STRONG_ISOLATE,
    MAX_TEXT_CHARS,
    POP_DIRECTIONAL_ISOLATE,
    clean_text,
    is_clean,
    isolate,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Gate\u202eevil", "Gateevil"),  # right-to-left override
        ("a\u202ab\u202bc\u202cd\u202de", "abcde"),  # embeddings, pop
        ("\u2066x\u2067y\u2068z\u2069", "xyz"),  # isolates the hub did not close
        ("x\u200ey\u200fz\u061c", "xyz"),  # marks
        ("North\ngate\r\n2", "North gate 2"),  # line breaks become spaces
        ("bell\x07 esc\x1b[2J del\x7f c1\x85x\x9b", "bell esc[2J del c1 x"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("Main Street", "Main Street"),
    ],
)
def test_control_and_formatting_characters_are_removed(raw, clean):
    assert clean_text(raw) == clean
    assert is_clean(clean_text(raw))


@pytest.mark.parametrize(
    "kept",
    [
        "\u0645\u062f\u062e\u0644 \u0627\u0644\u0634\u0645\u0627\u0644",  # Arabic
        "\u05e9\u05e2\u05e8 \u05e6\u05e4\u05d5\u05e0\u05d9",  # Hebrew
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a ZWNJ
        "👨\u200d👩\u200d👧",  # zero-width joiner: one emoji
        "Café Zürich",
    ],
)
def test_real_text_in_any_script_is_kept(kept):
    # Its direction comes from its letters, not from controls; the joiners shape the words.
    assert clean_text(kept) == kept


def test_overlong_text_is_cut_with_an_ellipsis():
    assert clean_text("x" * 10_000) == "x" * (MAX_TEXT_CHARS - 1) + "…"
    assert clean_text("abcdef", 4) == "abc…"


def test_isolate_wraps_cleaned_text():
    assert isolate("Gate\u202eevil") == f"{FIRST_STRONG_ISOLATE}Gateevil{POP_DIRECTIONAL_ISOLATE}"


def test_identifiers_with_controls_are_not_clean():
    assert is_clean("cam-01/a b")
    assert not is_clean("cam\u202e01") and not is_clean("cam\n01")
