"""`tessera audit verify` and `show` on real logs (the hub's AuditLog, the real library): a
tampered entry is named, a truncated log, a forked history and a replaced checkpoint are each
caught; the exit codes; the filters of `show`."""

from __future__ import annotations

import base64
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tlog_scales import signing, tlog

from console.audit.cli import main_show, main_verify
from console.audit.merkle import leaf_hash
from console.audit.verify import verify_log
from demohub.audit import AuditLog, EntryIn

pytestmark = pytest.mark.timeout(60)


def ins(first: int, count: int, camera: str = "cam-01", hour: int = 10) -> list[EntryIn]:
    t = f"2026-12-07T{hour:02d}:00:00.000Z"
    return [EntryIn(s, t, "tile.show", camera, {"tile": s}) for s in range(first, first + count)]


def make_log(d: Path, batches: tuple[int, ...] = (100, 200, 300)) -> AuditLog:
    log = AuditLog(d)
    seq = 1
    for count in batches:
        log.append("c1", "ana", ins(seq, count))
        seq += count
    return log


def entry_offset(tile: Path, index: int) -> int:
    """Where entry `index` of an entry tile starts (after its 2-byte length)."""
    data = tile.read_bytes()
    pos = 0
    for _ in range(index):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    return pos + 2


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x20
    path.write_bytes(bytes(data))


def test_an_intact_log_verifies_with_its_pinned_key_and_a_trusted_checkpoint(tmp_path):
    log = make_log(tmp_path / "log")
    trusted = (tmp_path / "log" / "checkpoint").read_text()
    log.append("c1", "ana", ins(601, 50))
    report = verify_log(tmp_path / "log", log.vkey.pubkey, trusted_checkpoint=trusted)
    assert report.ok, report.message
    assert (report.entries_checked, report.checkpoints_checked) == (650, 1 + 5 + 1)
    assert not report.key_from_folder


def test_a_tampered_entry_is_named(tmp_path):
    log = make_log(tmp_path / "log")
    tile = tmp_path / "log" / "tile" / "entries" / "001"  # entries 256..511, a full tile
    flip(tile, entry_offset(tile, 123 - 0) + 30)
    report = verify_log(tmp_path / "log", log.vkey.pubkey)
    assert not report.ok and report.first_bad_entry == 256 + 123
    assert "Entry #379 does not verify" in report.message


def test_a_tampered_entry_with_its_leaf_hash_recomputed_is_caught_by_the_tree(tmp_path):
    log = make_log(tmp_path / "log")
    d = tmp_path / "log"
    tile = d / "tile" / "entries" / "000"
    flip(tile, entry_offset(tile, 5) + 30)
    # The forger also writes the new leaf hash into the level-0 tile.
    at = entry_offset(tile, 5)
    data = tile.read_bytes()
    leaf = data[at : at + int.from_bytes(data[at - 2 : at], "big")]
    hashes = bytearray((d / "tile" / "0" / "000").read_bytes())
    hashes[5 * 32 : 6 * 32] = leaf_hash(leaf)
    (d / "tile" / "0" / "000").write_bytes(bytes(hashes))
    report = verify_log(d, log.vkey.pubkey)
    assert not report.ok and report.first_bad_entry == 0, report.message
    assert "#0 to #255 do not verify" in report.message


def test_a_truncated_log_is_caught(tmp_path):
    log = make_log(tmp_path / "log")
    d = tmp_path / "log"
    shutil.copytree(d, tmp_path / "cut")
    # The last entry tile (entries 512..599, partial) removed.
    shutil.rmtree(d / "tile" / "entries" / "002.p")
    report = verify_log(d, log.vkey.pubkey)
    assert not report.ok and "truncated" in report.message and report.first_bad_entry == 512
    # A tile cut short.
    tile = tmp_path / "cut" / "tile" / "entries" / "001"
    tile.write_bytes(tile.read_bytes()[: entry_offset(tile, 40) + 5])
    report = verify_log(tmp_path / "cut", log.vkey.pubkey)
    assert not report.ok and "cut short" in report.message and report.first_bad_entry == 256 + 40


def test_a_log_truncated_to_an_earlier_checkpoint_is_caught_against_what_was_verified(tmp_path):
    log = make_log(tmp_path / "log")
    d = tmp_path / "log"
    trusted = (d / "checkpoint").read_text()
    old = json.loads((d / "checkpoints").read_text().splitlines()[2])["checkpoint"]
    (d / "checkpoint").write_text(old)  # the log rolled back to 300 entries, all signed
    lines = (d / "checkpoints").read_text().splitlines()[:3]
    (d / "checkpoints").write_text("\n".join(lines) + "\n")
    assert verify_log(d, log.vkey.pubkey).ok  # alone, a consistent shorter log
    report = verify_log(d, log.vkey.pubkey, trusted_checkpoint=trusted)
    assert not report.ok and "truncated" in report.message and "600" in report.message


def test_a_forked_history_fails_consistency_with_the_checkpoint_a_console_verified(tmp_path):
    a = make_log(tmp_path / "a", (300,))
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # same key, same origin, same 300 entries
    a.append("c1", "ana", ins(301, 50))
    b = AuditLog(tmp_path / "b")
    b.append("c1", "mallory", ins(301, 80, camera="cam-09"))
    pinned = (tmp_path / "a" / "checkpoint").read_text()
    assert verify_log(tmp_path / "b", a.vkey.pubkey).ok  # b is a log of its own
    report = verify_log(tmp_path / "b", a.vkey.pubkey, trusted_checkpoint=pinned)
    assert not report.ok and "rewritten" in report.message and "350" in report.message
    assert b.vkey.pubkey == a.vkey.pubkey


def test_a_history_rewritten_with_the_hub_key_is_caught_by_the_checkpoint_history(tmp_path):
    log = make_log(tmp_path / "log", (100,))
    forged = tmp_path / "forged"
    forged.mkdir()
    for name in ("signing-key", "origin", "vkey"):  # the hub's own key: signatures verify
        shutil.copy(tmp_path / "log" / name, forged / name)
    other = AuditLog(forged)
    other.append("c1", "ana", ins(1, 150, camera="cam-07"))
    assert other.origin == log.origin
    history = (tmp_path / "log" / "checkpoints").read_text()
    (forged / "checkpoints").write_text(history + (forged / "checkpoints").read_text())
    report = verify_log(forged, log.vkey.pubkey)
    assert not report.ok and "rewritten" in report.message
    assert "100 entries of checkpoint 2 of its history" in report.message


def test_a_replaced_checkpoint_is_caught(tmp_path):
    log = make_log(tmp_path / "log")
    d = tmp_path / "log"
    good = (d / "checkpoint").read_text()
    cp = tlog.Checkpoint.from_text(good)
    # Re-signed with another key under the same name.
    other = signing.PlainEd25519Signer(log.origin, Ed25519PrivateKey.generate())
    (d / "checkpoint").write_text(
        tlog.Checkpoint.make_signed(cp.origin, cp.size, cp.root_hash, [other]).serialize()
    )
    report = verify_log(d, log.vkey.pubkey)
    assert not report.ok and "not signed by the hub's audit key" in report.message
    # The size (and the root) edited, the signature line kept.
    lines = good.splitlines(keepends=True)
    lines[1] = "599\n"
    (d / "checkpoint").write_text("".join(lines))
    report = verify_log(d, log.vkey.pubkey)
    assert not report.ok and "signature does not verify" in report.message
    lines = good.splitlines(keepends=True)
    lines[2] = "A" * 43 + "=\n"
    (d / "checkpoint").write_text("".join(lines))
    assert not verify_log(d, log.vkey.pubkey).ok
    # Replaced by a well-signed checkpoint of another tree (the key leaked): the tiles say no.
    (d / "checkpoint").write_text(
        tlog.Checkpoint.make_signed(cp.origin, cp.size, b"\x07" * 32, [log._signer]).serialize()
    )
    report = verify_log(d, log.vkey.pubkey)
    assert not report.ok and "root hash" in report.message


def test_the_command_line_exit_codes_and_the_export(tmp_path):
    log = make_log(tmp_path / "log", (40,))
    log.append_hub("ana", "sign_out", None, {})
    key = base64.b64encode(log.vkey.pubkey).decode()
    out = io.StringIO()
    assert main_verify([str(tmp_path / "log"), "--key", key], out) == 0
    assert "41 entries" in out.getvalue()
    tar_path = tmp_path / "export.tar"
    log.export(tar_path)
    out = io.StringIO()
    assert main_verify([str(tar_path), "--key", key, "--json"], out) == 0
    assert json.loads(out.getvalue())["ok"] is True
    with tarfile.open(tar_path) as tar:
        assert "signing-key" not in tar.getnames()
    tile = tmp_path / "log" / "tile" / "entries" / "000.p" / "41"
    flip(tile, entry_offset(tile, 7) + 20)
    out = io.StringIO()
    assert main_verify([str(tmp_path / "log"), "--key", key], out) == 1
    assert "Entry #7" in out.getvalue()
    assert main_verify([str(tmp_path / "nothing")], io.StringIO()) == 2
    with pytest.raises(SystemExit) as exc:
        main_verify(["--key", "%%%"], io.StringIO())
    assert exc.value.code == 2


def test_show_filters_by_operator_camera_and_time(tmp_path):
    log = AuditLog(tmp_path / "log")
    log.append("c1", "ana", ins(1, 3, "cam-01", hour=9))
    log.append("c1", "bob", ins(4, 2, "cam-02", hour=11))
    log.append_hub("ana", "sign_out", None, {"why": "end of shift"})
    out = io.StringIO()
    assert main_show([str(tmp_path / "log"), "--operator", "ana", "--json"], out) == 0
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2, 5]
    out = io.StringIO()
    assert main_show([str(tmp_path / "log"), "--camera", "cam-02"], out) == 0
    assert out.getvalue().count("cam-02") == 2 and out.getvalue().endswith("2 entries.\n")
    out = io.StringIO()
    args = [str(tmp_path / "log"), "--since", "2026-12-07T10:00", "--until", "2026-12-07T12:00Z"]
    assert main_show([*args, "--json"], out) == 0
    assert [json.loads(x)["seq"] for x in out.getvalue().splitlines()] == [4, 5]
