"""The shipped restricted vendors list is whole, sourced and dated; a broken list is refused in
plain words."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from console.provenance.vendor_list import (
    SHIPPED_LIST,
    VendorListError,
    parse_vendor_list,
    read_vendor_list,
)

SHIPPED = json.loads(resources.files("resources").joinpath("restricted_vendors.json").read_text())


def test_the_shipped_list_names_the_five_vendors_of_section_889_with_dated_sources():
    assert {v.vendor for v in SHIPPED_LIST.vendors} == {
        "Hikvision",
        "Dahua",
        "Huawei",
        "ZTE",
        "Hytera",
    }
    assert {r.id for r in SHIPPED_LIST.restrictions} == {"us-ndaa-889", "uk-hcws408"}
    for r in SHIPPED_LIST.restrictions:
        assert r.url.startswith("https://") and len(r.date) == 10 and r.scope
    for v in SHIPPED_LIST.vendors:
        assert v.restrictions and v.legal_name
        assert all(b.relation for b in v.brands)
    assert SHIPPED_LIST.list_version and SHIPPED_LIST.list_date
    assert SHIPPED_LIST.label.startswith("restricted vendors list ")


def test_the_list_ships_as_package_data():
    # pyproject's package-data glob is resources/*.json: the list must sit at its top level.
    assert resources.files("resources").joinpath("restricted_vendors.json").is_file()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(format="other"), "not a restricted vendors list"),
        (lambda d: d.update(version=2), "newer format"),
        (lambda d: d["vendors"][0].update(restrictions=["nowhere"]), "names no restriction"),
        (lambda d: d["vendors"][0].update(aliases="Hikvision"), "list of short texts"),
        (lambda d: d["restrictions"][0].pop("url"), '"url"'),
        (lambda d: d["vendors"][1]["brands"][2].update(former="yes"), '"former"'),
    ],
)
def test_a_broken_list_is_refused_in_plain_words(change, words):
    doc = json.loads(json.dumps(SHIPPED))
    change(doc)
    with pytest.raises(VendorListError, match=words):
        parse_vendor_list(doc)


def test_a_file_that_is_not_json_or_far_too_large_is_refused():
    with pytest.raises(VendorListError, match="not JSON"):
        read_vendor_list(b"{")
    with pytest.raises(VendorListError, match="too large"):
        read_vendor_list(b" " * 2_000_000)
