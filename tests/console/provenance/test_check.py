"""The restricted vendors list's answers, as a table: names as hubs write them, brands, former
subsidiaries, model numbering, placeholders, and hostile text. No answer is ever "clean"."""

from __future__ import annotations

import pytest

from console.provenance.check import (
    MAX_INPUT_CHARS,
    ProvenanceChecker,
    Verdict,
    check_provenance,
    words,
)
from console.provenance.vendor_list import SHIPPED_LIST

F, C, N, U = Verdict.FLAGGED, Verdict.CHECK, Verdict.NOT_LISTED, Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("vendor", "model", "verdict", "listed"),
    [
        ("Hikvision", "DS-2CD2143G2-I", F, "Hikvision"),
        ("HIKVISION", "", F, "Hikvision"),
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "", F, "Hikvision"),
        ("hik-vision", "", F, "Hikvision"),
        ("Hikvision USA Inc.", "", F, "Hikvision"),
        ("EZVIZ", "C6N", F, "Hikvision"),
        ("HiLook", "", F, "Hikvision"),
        ("Dahua", "", F, "Dahua"),
        ("Zhejiang Dahua Technology Co., Ltd", "", F, "Dahua"),
        ("Imou", "", F, "Dahua"),
        ("Huawei Technologies Co., Ltd.", "", F, "Huawei"),
        ("ZTE Corporation", "", F, "ZTE"),
        ("Hytera Communications Corporation Limited", "", F, "Hytera"),
        ("Lorex", "", C, "Dahua"),  # a subsidiary until 2023: someone must check
        ("Acme Security", "IPC-HDW2431T", C, "Dahua"),  # Dahua's numbering, another name
        ("", "DS-2CD2143", C, "Hikvision"),
        ("Axis Communications AB", "P3245-LVE", N, None),
        ("Tessera Synthetic", "SYN-720", N, None),
        ("", "", U, None),
        ("unknown", "x", U, None),
        ("N/A", "", U, None),
        ("Generic", "", U, None),
        ("  ", "", U, None),
    ],
)
def test_vendors_and_models_get_the_right_answer(vendor, model, verdict, listed):
    result = check_provenance(vendor, model)
    assert result.verdict is verdict, result.reason
    assert (result.listed.vendor if result.listed else None) == listed
    assert result.reason


def test_a_flag_names_its_restrictions_and_their_sources():
    result = check_provenance("Hikvision", "DS-2CD2143G2-I")
    assert result.flagged
    assert result.restriction_names == "US NDAA s.889, UK HCWS408"
    sources = "\n".join(result.sources())
    assert "congress.gov" in sources and "hcws408" in sources
    assert "2018-08-13" in sources and "2022-11-24" in sources


def test_no_answer_ever_says_clean_or_safe():
    for vendor in ("Hikvision", "Lorex", "Axis", "", "unknown"):
        result = check_provenance(vendor, "")
        assert "clean" not in result.short and "safe" not in result.short
    assert check_provenance("", "").short == "vendor unknown"
    assert "not a finding that the camera is safe" in check_provenance("Axis", "").reason


def test_a_word_inside_another_word_does_not_match():
    # "ZTE" is a word of the list; "Aztec" and "ZTEX" are not ZTE.
    assert check_provenance("Aztec Cameras", "").verdict is N
    assert check_provenance("ZTEX", "").verdict is N


@pytest.mark.parametrize(
    "vendor",
    [
        "A" * 1_000_000,
        "Hik\u202evision",
        "\x00\x01\x02",
        "\ud800",
        None,
        42,
        ["Hikvision"],
        {"vendor": "Dahua"},
    ],
    ids=["huge", "bidi", "controls", "surrogate", "none", "number", "list", "dict"],
)
def test_hostile_hub_text_is_answered_and_never_raises(vendor):
    result = check_provenance(vendor, vendor)
    assert result.verdict in Verdict
    assert len(result.vendor) <= MAX_INPUT_CHARS and len(result.model) <= MAX_INPUT_CHARS


def test_words_fold_case_accents_punctuation_and_legal_suffixes():
    assert words("Hikvision Digital Technology Co., Ltd.") == ("hikvision", "digital", "technology")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "HIKVISION")
    assert words(full_width) == ("hikvision",)
    assert words("Dahua GmbH") == ("dahua",)


def test_a_checker_takes_another_list():
    checker = ProvenanceChecker(SHIPPED_LIST)
    assert checker.check("Dahua", "").flagged
    assert checker.check("Dahua", "") is checker.check("Dahua", "")  # answers are remembered
