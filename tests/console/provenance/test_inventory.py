"""The inventory report's two forms: CSV a spreadsheet reads as text (no formulas from hub
names), HTML with every hub string escaped, the list's version, the hubs and what flags mean."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from console.hub.models import Camera
from console.provenance.check import Verdict
from console.provenance.inventory import (
    CSV_COLUMNS,
    Inventory,
    inventory_rows,
    render_html,
    sorted_rows,
    write_csv,
)

MADE = datetime(2026, 12, 7, 23, 55, tzinfo=timezone.utc)


def cam(i, vendor, name="Cam", model="M"):
    return Camera(
        id=f"cam-{i:02d}",
        name=name,
        group="Outdoor",
        location="Yard",
        vendor=vendor,
        model=model,
        firmware="1.0",
        capabilities=frozenset(),
        profiles=(),
    )


def report(*cameras):
    rows = sorted_rows(inventory_rows("Site A", cameras))
    return Inventory(rows=rows, hubs=("Site A",), made_at=MADE)


def test_csv_lists_every_camera_with_its_flag_source_and_tier():
    out = io.StringIO()
    write_csv(report(cam(1, "Hikvision", model="DS-2CD2143G2-I"), cam(2, "")), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(CSV_COLUMNS)
    by_id = {r["camera_id"]: r for r in rows}
    assert by_id["cam-01"]["provenance"] == "restricted vendor"
    assert by_id["cam-01"]["restrictions"] == "US NDAA s.889, UK HCWS408"
    assert "congress.gov" in by_id["cam-01"]["provenance_sources"]
    assert by_id["cam-02"]["provenance"] == "vendor unknown"
    assert by_id["cam-02"]["vendor"] == "unknown"
    assert {r["sharing_tier"] for r in rows} == {"public"}


def test_a_hub_name_that_looks_like_a_formula_stays_text_in_csv():
    out = io.StringIO()
    write_csv(report(cam(1, "Axis", name='=HYPERLINK("http://x","y")')), out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["name"].startswith("'=")


def test_html_escapes_hub_text_and_explains_the_flags():
    page = render_html(report(cam(1, "<script>alert(1)</script>"), cam(2, "Dahua")), "Estate")
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<title>Estate</title>" in page and "2026-12-07 23:55" in page
    assert "Site A" in page and "restricted vendors list 2026." in page
    assert "vendor unknown" in page and "not on the list" in page
    assert "https://questions-statements.parliament.uk/" in page
    assert "<link" not in page and "<script" not in page  # self-contained, nothing runs
    assert "1 restricted vendor" in page


def test_the_report_counts_each_answer():
    inv = report(cam(1, "Hikvision"), cam(2, ""), cam(3, "Lorex"), cam(4, "Axis"))
    assert [inv.count(v) for v in Verdict] == [1, 1, 1, 1]
