"""The list of camera vendors named in restrictions (`resources/restricted_vendors.json`).

The list is data, not code, so it can be kept up to date on its own: each restriction with its
title, date and address, each vendor with the restrictions that name it, the other names its
cameras are sold under (with how each is linked to it), and model-number prefixes that only it
uses. The list carries its own version and date, which every report quotes.

It ships inside the package (package data) and is read once, when this module is first
imported, like the module's own code; `parse_vendor_list` reads any other copy (tests, a newer
list handed over by an administrator) and refuses a malformed one in plain words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

LIST_FORMAT = "tessera.restricted-vendors"
LIST_RESOURCE = "restricted_vendors.json"
# A list is a few kilobytes; these bounds only stop a damaged or hostile file from costing much.
MAX_LIST_BYTES = 1_000_000
MAX_ENTRIES = 1_000
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 4_000


class VendorListError(ValueError):
    """The list cannot be read; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Restriction:
    """A law or statement that names vendors: `short` fits a badge ("US NDAA s.889")."""

    id: str
    short: str
    title: str
    date: str
    url: str
    scope: str


@dataclass(frozen=True, slots=True)
class Brand:
    """A name a vendor's cameras are sold under, and how it is linked to the vendor.
    `former`: the link has ended (a camera of that name may or may not be the vendor's)."""

    name: str
    relation: str
    former: bool = False


@dataclass(frozen=True, slots=True)
class ListedVendor:
    vendor: str
    legal_name: str
    restrictions: tuple[Restriction, ...]
    aliases: tuple[str, ...]
    brands: tuple[Brand, ...]
    model_prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VendorList:
    list_version: str
    list_date: str
    about: str
    restrictions: tuple[Restriction, ...]
    vendors: tuple[ListedVendor, ...]

    @property
    def label(self) -> str:
        """ "restricted vendors list 2026.12.1 (2026-12-07)", for reports."""
        return f"restricted vendors list {self.list_version} ({self.list_date})"


def _text(d: dict[str, Any], key: str, where: str, limit: int = MAX_NAME_CHARS) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise VendorListError(f'{where}: "{key}" must be a text of 1 to {limit} characters')
    return value.strip()


def _texts(d: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = d.get(key, [])
    if (
        not isinstance(value, list)
        or len(value) > MAX_ENTRIES
        or not all(isinstance(v, str) and 0 < len(v) <= MAX_NAME_CHARS for v in value)
    ):
        raise VendorListError(f'{where}: "{key}" must be a list of short texts')
    return tuple(v.strip() for v in value)


def _objects(d: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = d.get(key, [])
    if (
        not isinstance(value, list)
        or len(value) > MAX_ENTRIES
        or not all(isinstance(v, dict) for v in value)
    ):
        raise VendorListError(f'{where}: "{key}" must be a list of objects')
    return value


def parse_vendor_list(doc: object) -> VendorList:
    """The list in `doc` (the JSON document); VendorListError in plain words when it is not one."""
    if not isinstance(doc, dict) or doc.get("format") != LIST_FORMAT:
        raise VendorListError(f'this is not a restricted vendors list ("format": "{LIST_FORMAT}")')
    if doc.get("version") != 1:
        raise VendorListError("this restricted vendors list is of a newer format than this console")
    restrictions: dict[str, Restriction] = {}
    for n, r in enumerate(_objects(doc, "restrictions", "the list"), 1):
        where = f"restriction {n}"
        restriction = Restriction(
            id=_text(r, "id", where),
            short=_text(r, "short", where, 40),
            title=_text(r, "title", where, MAX_TEXT_CHARS),
            date=_text(r, "date", where),
            url=_text(r, "url", where, MAX_TEXT_CHARS),
            scope=_text(r, "scope", where, MAX_TEXT_CHARS),
        )
        restrictions[restriction.id] = restriction
    vendors = []
    for n, v in enumerate(_objects(doc, "vendors", "the list"), 1):
        where = f"vendor {n}"
        ids = _texts(v, "restrictions", where)
        unknown = [i for i in ids if i not in restrictions]
        if unknown or not ids:
            raise VendorListError(f"{where}: names no restriction, or one the list lacks")
        brands = []
        for b in _objects(v, "brands", where):
            former = b.get("former", False)
            if not isinstance(former, bool):
                raise VendorListError(f'{where}: a brand\'s "former" must be true or false')
            brands.append(
                Brand(_text(b, "name", where), _text(b, "relation", where, MAX_TEXT_CHARS), former)
            )
        vendors.append(
            ListedVendor(
                vendor=_text(v, "vendor", where),
                legal_name=_text(v, "legal_name", where),
                restrictions=tuple(restrictions[i] for i in ids),
                aliases=_texts(v, "aliases", where),
                brands=tuple(brands),
                model_prefixes=_texts(v, "model_prefixes", where),
            )
        )
    return VendorList(
        list_version=_text(doc, "list_version", "the list"),
        list_date=_text(doc, "list_date", "the list"),
        about=_text(doc, "about", "the list", MAX_TEXT_CHARS),
        restrictions=tuple(restrictions.values()),
        vendors=tuple(vendors),
    )


def read_vendor_list(data: bytes) -> VendorList:
    """A list from the bytes of its file."""
    if len(data) > MAX_LIST_BYTES:
        raise VendorListError("the restricted vendors list is too large to be one")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VendorListError(f"the restricted vendors list is not JSON ({exc})") from None
    return parse_vendor_list(doc)


def _shipped() -> VendorList:
    return read_vendor_list(resources.files("resources").joinpath(LIST_RESOURCE).read_bytes())


# Read once with the code (a few kilobytes of package data), so no view reads a file to badge a
# tile. A broken shipped list is a broken install: it fails here, loudly, in the tests.
SHIPPED_LIST: VendorList = _shipped()
