"""`tessera inventory` end to end, against the real demo hub: started as the console starts it
(a child process, signed in with its one-time secret) when nothing is configured, and in a
thread (`hub_factory`) for a hub with sign-in reached with `--hub` and `--user`."""

from __future__ import annotations

import csv
import dataclasses
import io
import subprocess
import sys

from console.app.inventory_command import InventoryCommand
from console.sources.model import SourceConfig, SourceKind
from console.sources.store import SourcesStore


def command(tmp_path, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    cmd = InventoryCommand(
        settings=tmp_path / "settings.json", stdin=io.StringIO(stdin), out=out, err=err
    )
    return cmd, out, err


def test_with_nothing_configured_the_report_covers_the_embedded_demo_hub_and_flags_cam_07(
    tmp_path,
):
    cmd, _out, err = command(tmp_path)
    report = tmp_path / "estate.html"
    assert cmd.run(["--format", "html", "--output", str(report)]) == 0, err.getvalue()
    page = report.read_text(encoding="utf-8")
    assert "Demo hub" in page and "restricted vendors list" in page
    row = page[page.index("<td>cam-07</td>") :].split("</tr>", 1)[0]
    assert "Perimeter Fence West" in row and "DS-2CD2143G2-I" in row
    assert "restricted vendor" in row and "US NDAA s.889" in row
    cam01 = page[page.index("<td>cam-01</td>") :].split("</tr>", 1)[0]
    assert "not on the list" in cam01
    # The ten public cameras and the four private ones, each with its owner's sharing tier.
    assert "Wrote 14 cameras" in err.getvalue()
    doorbell = page[page.index("<td>doorbell-14</td>") :].split("</tr>", 1)[0]
    assert "on request" in doorbell.replace("_", " "), doorbell


def test_a_hub_with_sign_in_is_read_as_the_user_given_and_an_unknown_vendor_says_unknown(
    tmp_path, hub_factory
):
    hub = hub_factory(sign_in=True)
    cameras = hub.hub.cameras
    hub.call(lambda: cameras.update({"cam-03": dataclasses.replace(cameras["cam-03"], vendor="")}))
    cmd, out, err = command(tmp_path, stdin="supervisor-demo\n")
    code = cmd.run(["--hub", hub.url, "--user", "supervisor", "--password-stdin"])
    assert code == 0, err.getvalue()
    rows = {r["camera_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert len(rows) == 10
    assert rows["cam-03"]["provenance"] == "vendor unknown"
    assert rows["cam-03"]["vendor"] == "unknown"
    assert rows["cam-07"]["provenance"] == "restricted vendor"
    assert rows["cam-07"]["restrictions"] == "US NDAA s.889, UK HCWS408"
    assert rows["cam-07"]["firmware"] == "V5.7.3 build 220112"
    assert rows["cam-01"]["provenance"] == "not on the list"
    assert {r["sharing_tier"] for r in rows.values()} <= {
        "public",
        "live",
        "on_request",
        "recordings_only",
        "registry_only",
    }


def test_a_hub_that_asks_for_sign_in_is_refused_in_plain_words_without_a_user(
    tmp_path, hub_factory
):
    hub = hub_factory(sign_in=True)
    cmd, out, err = command(tmp_path)
    assert cmd.run(["--hub", hub.url]) == 1
    assert "asks for sign-in: give --user NAME" in err.getvalue()
    assert out.getvalue() == ""


def test_a_hub_that_does_not_answer_is_said_and_nothing_is_written(tmp_path):
    cmd, out, err = command(tmp_path)
    assert cmd.run(["--hub", "http://127.0.0.1:9", "--timeout", "2"]) == 1
    assert "could not be made" in err.getvalue()
    assert out.getvalue() == ""


def test_configured_sources_are_each_listed_under_their_label_and_one_that_fails_is_said(
    tmp_path, hub_factory
):
    hub = hub_factory()  # an open hub (no sign-in), as an old hub is
    SourcesStore(tmp_path / "settings.json").save(
        [
            SourceConfig("site-a", SourceKind.TESSERA, url=hub.url, label="Site A"),
            SourceConfig("gone", SourceKind.TESSERA, url="http://127.0.0.1:9"),
        ]
    )
    cmd, out, err = command(tmp_path)
    assert cmd.run(["--timeout", "2"]) == 0, err.getvalue()
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["source"] for r in rows} == {"Site A"} and len(rows) == 10
    assert "Not included: gone:" in err.getvalue()
    flagged = [r["camera_id"] for r in rows if r["provenance"] == "restricted vendor"]
    assert flagged == ["cam-07"]


def test_tessera_inventory_is_a_command_of_tessera(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "console.app.cli", "inventory", "--demo", "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 14  # the embedded hub's ten public and four private cameras
    tiers = {r["camera_id"]: r["sharing_tier"] for r in rows}
    assert tiers["cam-01"] == "public" and tiers["farm-gate"] == "registry_only"
    assert next(r for r in rows if r["camera_id"] == "cam-07")["provenance"] == "restricted vendor"
