"""The camera estate as a report: every camera of every source with its vendor, model,
firmware, location, sharing tier and what the restricted vendors list says of its maker.

This is the register the Biometrics and Surveillance Camera Commissioner asked police forces
for (which cameras, whose make, where). `write_csv` gives it to a spreadsheet; `render_html` as
one self-contained page (no scripts, no outside files) to print or send. Hub text is untrusted:
it is cleaned, escaped in HTML, and kept from being read as a formula in CSV.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from console.base.safe_text import clean_text
from console.provenance.badges import TIER_WORDS, provenance_of, sharing_owner, sharing_tier
from console.provenance.check import Provenance, Verdict
from console.provenance.vendor_list import SHIPPED_LIST, VendorList

CSV_COLUMNS = (
    "source",
    "camera_id",
    "name",
    "group",
    "location",
    "vendor",
    "model",
    "firmware",
    "provenance",
    "restrictions",
    "provenance_reason",
    "provenance_sources",
    "sharing_tier",
    "owner",
)
# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_FIELD_CHARS = 512


@dataclass(frozen=True, slots=True)
class InventoryRow:
    source: str
    camera_id: str
    name: str
    group: str
    location: str
    vendor: str
    model: str
    firmware: str
    provenance: Provenance
    tier: str
    owner: str


@dataclass(frozen=True, slots=True)
class Inventory:
    """The report: its rows, the hubs asked (as the operator names them), when it was made
    (aware), the list it was checked against, and the sources that could not be read."""

    rows: tuple[InventoryRow, ...]
    hubs: tuple[str, ...]
    made_at: datetime
    vendor_list: VendorList = SHIPPED_LIST
    problems: tuple[str, ...] = ()

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.rows if r.provenance.verdict is verdict)


def _field(value: object) -> str:
    return clean_text(value, MAX_FIELD_CHARS) if isinstance(value, str) else ""


def inventory_rows(source: str, cameras: Iterable[object]) -> list[InventoryRow]:
    """One row per camera of `source` (anything with a Camera's fields; missing ones empty)."""
    rows = []
    for cam in cameras:
        rows.append(
            InventoryRow(
                source=_field(source) or _field(getattr(cam, "source", "")),
                camera_id=_field(getattr(cam, "id", "")),
                name=_field(getattr(cam, "name", "")),
                group=_field(getattr(cam, "group", "")),
                location=_field(getattr(cam, "location", "")),
                vendor=_field(getattr(cam, "vendor", "")),
                model=_field(getattr(cam, "model", "")),
                firmware=_field(getattr(cam, "firmware", "")),
                provenance=provenance_of(cam),
                tier=sharing_tier(cam),
                owner=sharing_owner(cam),
            )
        )
    return rows


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading '."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_values(row: InventoryRow) -> list[str]:
    p = row.provenance
    return [
        row.source,
        row.camera_id,
        row.name,
        row.group,
        row.location,
        row.vendor or "unknown",
        row.model,
        row.firmware,
        p.short,
        p.restriction_names,
        p.reason,
        " | ".join(p.sources()),
        row.tier,
        row.owner,
    ]


def write_csv(inventory: Inventory, out: TextIO) -> None:
    """The report as CSV (a header row, then one row per camera), through the csv module."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in inventory.rows:
        writer.writerow([_cell(v) for v in _csv_values(row)])


_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d1f23; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta { color: #555; margin: 0 0 1.2em; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef0f3; }
tr.flagged td.prov { background: #fbecd0; }
tr.check td.prov { background: #f3f0dc; }
tr.unknown td.prov { background: #eceef1; }
.why { color: #555; font-size: 12px; }
.sources li { margin-bottom: 0.4em; }
@media print { body { margin: 1cm; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _explanation(inventory: Inventory) -> str:
    lst = inventory.vendor_list
    sources = "".join(
        f"<li><b>{_e(r.short)}</b>: {_e(r.title)}, {_e(r.date)}, "
        f'<a href="{_e(r.url)}">{_e(r.url)}</a>. {_e(r.scope)}</li>'
        for r in lst.restrictions
    )
    return (
        "<h2>What the provenance column says</h2>"
        "<p>Each camera's vendor and model, as its hub reports them, are checked against the "
        f"{_e(lst.label)}: vendors named in the restrictions below, the names their cameras "
        "are sold under, and model numbers only they use.</p><ul>"
        "<li><b>restricted vendor</b>: the vendor, or a brand of it, is named in the "
        "restriction(s) shown.</li>"
        "<li><b>vendor to check</b>: a possible link (a former subsidiary, or a model number "
        "that follows a listed vendor's numbering under another name); a person should check "
        "who made the camera.</li>"
        "<li><b>vendor unknown</b>: the hub does not say who made the camera; it has not been "
        "checked.</li>"
        "<li><b>not on the list</b>: the list does not name this vendor. This is not a finding "
        "that the camera is safe: the list names makers, and cameras are also sold under other "
        "names.</li></ul>"
        f'<h2>Sources</h2><ul class="sources">{sources}</ul>'
        f"<p class='why'>{_e(lst.about)}</p>"
    )


def _html_row(row: InventoryRow) -> str:
    p = row.provenance
    prov = _e(p.short)
    if p.restrictions and p.verdict is not Verdict.NOT_LISTED:
        prov += f"<br>{_e(p.restriction_names)}"
    if p.verdict is not Verdict.NOT_LISTED:
        prov += f"<div class='why'>{_e(p.reason)}</div>"
    tier = TIER_WORDS.get(row.tier, row.tier)
    if row.owner:
        tier += f" ({row.owner})"
    cells = [
        row.source,
        row.camera_id,
        row.name,
        row.group,
        row.location,
        row.vendor or "unknown",
        row.model,
        row.firmware,
    ]
    tds = "".join(f"<td>{_e(c)}</td>" for c in cells)
    return (
        f"<tr class='{p.verdict.value}'>{tds}<td class='prov'>{prov}</td><td>{_e(tier)}</td></tr>"
    )


def render_html(inventory: Inventory, title: str = "Camera inventory") -> str:
    """The report as one self-contained HTML page: title, date, hubs, list version, a count of
    each answer, the table, and what the flags mean with their sources."""
    made = inventory.made_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    counts = ", ".join(
        f"{inventory.count(v)} {words}"
        for v, words in (
            (Verdict.FLAGGED, "restricted vendor"),
            (Verdict.CHECK, "vendor to check"),
            (Verdict.UNKNOWN, "vendor unknown"),
            (Verdict.NOT_LISTED, "not on the list"),
        )
    )
    hubs = ", ".join(inventory.hubs) or "none"
    problems = "".join(f"<li>{_e(p)}</li>" for p in inventory.problems)
    head = ["Source", "Camera id", "Name", "Group", "Location", "Vendor", "Model", "Firmware"]
    ths = "".join(f"<th>{h}</th>" for h in [*head, "Provenance", "Sharing"])
    rows = "".join(_html_row(r) for r in inventory.rows)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f"<p class='meta'>Made {_e(made)} by Tessera · hubs: {_e(hubs)} · checked against the "
        f"{_e(inventory.vendor_list.label)}<br>{len(inventory.rows)} cameras: {_e(counts)}</p>"
        + (f"<p><b>Not included</b></p><ul>{problems}</ul>" if problems else "")
        + f"<table><thead><tr>{ths}</tr></thead><tbody>{rows}</tbody></table>"
        + _explanation(inventory)
        + "</body></html>\n"
    )


def sorted_rows(rows: Sequence[InventoryRow]) -> tuple[InventoryRow, ...]:
    """Rows by source, group and name (as the camera tree lists them)."""
    return tuple(
        sorted(rows, key=lambda r: (r.source.lower(), r.group.lower(), r.name.lower(), r.camera_id))
    )
