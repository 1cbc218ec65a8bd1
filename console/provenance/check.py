"""Checking a camera's vendor and model against the restricted vendors list.

A hub's vendor string is free text ("HIKVISION", "Hangzhou Hikvision Digital Technology Co.,
Ltd.", "EZVIZ"), so names are compared as words: case and accents folded, punctuation and legal
suffixes ("Co., Ltd.", "Inc.", "GmbH") dropped, and a listed name counts where its words appear
together in the vendor's ("Hikvision USA Inc." is Hikvision's). A model number that follows a
listed vendor's own numbering ("DS-2CD…") under another name is worth a look, not a flag.

There are four answers, and none of them is "clean": a vendor the list does not name is "not
on the list" (the list names makers, not every camera's origin), and an empty or placeholder
vendor ("", "unknown", "generic") is "vendor unknown". Hub strings are untrusted: they are cut
to a bounded length before any work, and nothing here raises for any text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from console.provenance.vendor_list import (
    SHIPPED_LIST,
    Brand,
    ListedVendor,
    Restriction,
    VendorList,
)

# Longer vendor or model strings are cut before they are looked at (a name is a few words).
MAX_INPUT_CHARS = 200
MAX_WORDS = 24

# Words that say what kind of company it is, not which one.
LEGAL_WORDS = frozenset(
    [
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "lp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "srl",
        "spa",
        "oy",
        "ab",
        "as",
        "kk",
        "pte",
        "pty",
    ]
)
# Vendor strings that name no vendor (devices and hubs send these when they do not know).
PLACEHOLDERS = frozenset(
    {
        "",
        "unknown",
        "unknow",
        "n a",
        "na",
        "none",
        "null",
        "nil",
        "generic",
        "oem",
        "other",
        "default",
        "vendor",
        "manufacturer",
        "ip camera",
        "ipcamera",
        "ipcam",
        "ipc",
        "camera",
        "onvif",
        "not set",
        "tbd",
    }
)
_NOT_WORD = re.compile(r"[^\w]+")


class Verdict(Enum):
    """What the list says about a camera's maker."""

    FLAGGED = "flagged"  # a listed vendor, or a name its cameras are sold under
    CHECK = "check"  # a possible link (a former subsidiary, a listed maker's model numbering)
    NOT_LISTED = "not_listed"  # the vendor is named, and the list does not name it
    UNKNOWN = "unknown"  # no vendor given (or a placeholder): never read as "clean"


@dataclass(frozen=True, slots=True)
class Provenance:
    """The answer for one camera: the verdict, the listed vendor it points to (if any), the
    restrictions that name that vendor, and why, in plain words."""

    verdict: Verdict
    vendor: str  # as the hub gave it, cut to length
    model: str
    listed: ListedVendor | None = None
    restrictions: tuple[Restriction, ...] = ()
    reason: str = ""

    @property
    def flagged(self) -> bool:
        return self.verdict is Verdict.FLAGGED

    @property
    def short(self) -> str:
        """A few words for a badge or a report column."""
        if self.verdict is Verdict.FLAGGED:
            return "restricted vendor"
        if self.verdict is Verdict.CHECK:
            return "vendor to check"
        if self.verdict is Verdict.UNKNOWN:
            return "vendor unknown"
        return "not on the list"

    @property
    def restriction_names(self) -> str:
        """ "US NDAA s.889, UK HCWS408" (empty when none)."""
        return ", ".join(r.short for r in self.restrictions)

    def sources(self) -> list[str]:
        """Each restriction as "US NDAA s.889: <title>, <date>, <url>"."""
        return [f"{r.short}: {r.title}, {r.date}, {r.url}" for r in self.restrictions]


def words(text: str) -> tuple[str, ...]:
    """`text` as comparable words: folded (case, accents, full-width forms), split on anything
    that is not a letter or digit, legal suffixes dropped. Bounded: at most MAX_WORDS words of
    the first MAX_INPUT_CHARS characters."""
    text = unicodedata.normalize("NFKD", text[:MAX_INPUT_CHARS]).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    found = [w for w in _NOT_WORD.split(text.replace("_", " ")) if w]
    return tuple(w for w in found[:MAX_WORDS] if w not in LEGAL_WORDS)


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return " ".join(text[:MAX_INPUT_CHARS].split())


@dataclass(frozen=True, slots=True)
class _Name:
    vendor: ListedVendor
    brand: Brand | None


class ProvenanceChecker:
    """Answers for one list (the shipped one by default); repeated questions are remembered."""

    def __init__(self, vendor_list: VendorList = SHIPPED_LIST) -> None:
        self.list = vendor_list
        self._names: dict[tuple[str, ...], _Name] = {}
        for listed in vendor_list.vendors:
            for name in (listed.vendor, listed.legal_name, *listed.aliases):
                key = words(name)
                if key:
                    self._names.setdefault(key, _Name(listed, None))
            for brand in listed.brands:
                key = words(brand.name)
                if key:
                    self._names.setdefault(key, _Name(listed, brand))
        self._longest = max((len(k) for k in self._names), default=0)
        self._prefixes = sorted(
            ((p.upper(), listed) for listed in vendor_list.vendors for p in listed.model_prefixes),
            key=lambda item: -len(item[0]),
        )
        self._cached = lru_cache(maxsize=4096)(self._check)

    def check(self, vendor: object, model: object = "") -> Provenance:
        """The answer for a camera of `vendor` and `model` (any value; never raises)."""
        return self._cached(_clean(vendor), _clean(model))

    def _find_name(self, vendor_words: tuple[str, ...]) -> _Name | None:
        """The listed name whose words appear together in `vendor_words` (the longest first,
        so "Hangzhou Hikvision Digital Technology" wins over "Hikvision")."""
        for size in range(min(self._longest, len(vendor_words)), 0, -1):
            for start in range(len(vendor_words) - size + 1):
                found = self._names.get(vendor_words[start : start + size])
                if found is not None:
                    return found
        return None

    def _model_prefix(self, model: str) -> tuple[str, ListedVendor] | None:
        upper = model.strip().upper()
        for prefix, listed in self._prefixes:
            if upper.startswith(prefix):
                return prefix, listed
        return None

    def _check(self, vendor_text: str, model_text: str) -> Provenance:
        vendor_words = words(vendor_text)
        found = self._find_name(vendor_words)
        if found is not None:
            listed, brand = found.vendor, found.brand
            relation = brand.relation.rstrip(".") if brand is not None else ""
            named = ", ".join(r.short for r in listed.restrictions)
            if brand is None:
                return Provenance(
                    Verdict.FLAGGED,
                    vendor_text,
                    model_text,
                    listed,
                    listed.restrictions,
                    f"{listed.legal_name} is named in {named}.",
                )
            if brand.former:
                return Provenance(
                    Verdict.CHECK,
                    vendor_text,
                    model_text,
                    listed,
                    listed.restrictions,
                    f"{brand.name}: {relation}. {listed.legal_name} is named in {named}.",
                )
            return Provenance(
                Verdict.FLAGGED,
                vendor_text,
                model_text,
                listed,
                listed.restrictions,
                f"{brand.name}: {relation}. {listed.legal_name} is named in {named}, with "
                "its subsidiaries and affiliates.",
            )
        by_model = self._model_prefix(model_text)
        if by_model is not None:
            prefix, listed = by_model
            named = ", ".join(r.short for r in listed.restrictions)
            who = "No vendor is given, and the" if not vendor_words else "The"
            return Provenance(
                Verdict.CHECK,
                vendor_text,
                model_text,
                listed,
                listed.restrictions,
                f"{who} model number ({prefix}…) follows {listed.vendor}'s own numbering: "
                f"this may be a {listed.vendor} camera sold under another name. "
                f"{listed.legal_name} is named in {named}.",
            )
        if " ".join(vendor_words) in PLACEHOLDERS:
            return Provenance(
                Verdict.UNKNOWN,
                vendor_text,
                model_text,
                reason="The hub does not say who made this camera, so it cannot be checked.",
            )
        return Provenance(
            Verdict.NOT_LISTED,
            vendor_text,
            model_text,
            reason=f"The {self.list.label} does not name this vendor. That is not a finding "
            "that the camera is safe: the list names makers, and a camera can be sold under "
            "another name.",
        )


_default: ProvenanceChecker | None = None


def check_provenance(vendor: object, model: object = "") -> Provenance:
    """The shipped list's answer for a camera of `vendor` and `model` (any text; never raises)."""
    global _default  # one checker (and its memory of answers) per process
    if _default is None:
        _default = ProvenanceChecker()
    return _default.check(vendor, model)
