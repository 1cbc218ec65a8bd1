"""Evidence packs end to end (issue 18, section 1): a real demo hub over real sockets, real PyAV,
the console's signing key in an explicitly chosen keyring (keyrings.alt's plaintext file, as
the credential tests do), and both verifiers: `tessera verify` and the pack's own
`verify_pack.py` run as a separate process with this interpreter.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import dataclasses
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from console.app.cli import main as tessera
from console.export.media import ExportCancelled
from console.export.pack import ExportCamera, ExportError, ExportJob, ExportRequest, ExportResult
from console.export.signing import KEY_ENTRY
from console.export.verify_pack import EXIT_CODES
from console.hub.identity import HubAuth
from console.hub.registry import HubConfig
from console.hub.tessera_api import TesseraHubClient
from console.identity.reasons import Reason
from console.privacy.masks import SOLID_BGR, PrivacyMask
from console.sources.credentials import SERVICE, Credentials
from tests.support.hubthread import HubThread

pytestmark = pytest.mark.timeout(120)

SQUARE = PrivacyMask("door", ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5)), label="a door")


class TeeHub:
    """The real hub client, keeping a copy of the media the hub sent for each camera (every
    call goes to the real hub; this only listens in, so a test can compare bytes)."""

    def __init__(self, client: TesseraHubClient) -> None:
        self.client = client
        self.sent: dict[str, bytearray] = {}

    def export_open(self, camera_id: str, start: datetime, end: datetime, **kw: Any) -> Any:
        @asynccontextmanager
        async def opened() -> AsyncIterator[Any]:
            async with self.client.export_open(camera_id, start, end, **kw) as download:
                copy = self.sent.setdefault(camera_id, bytearray())

                async def tee() -> AsyncIterator[bytes]:
                    async for chunk in download.chunks:
                        copy.extend(chunk)
                        yield chunk

                yield dataclasses.replace(download, chunks=tee())

        return opened()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture
def recorded_hub(hub_factory) -> HubThread:
    return hub_factory(recorded_since=time.time() - 1500)


def request_for(
    hub: HubThread,
    tmp: Path,
    cameras: tuple[ExportCamera, ...],
    start: datetime,
    end: datetime,
    profile: str = "sub",
    **kw: Any,
) -> ExportRequest:
    dest = tmp / "exports"
    dest.mkdir(exist_ok=True)
    return ExportRequest(
        cameras=cameras,
        start=start,
        end=end,
        destination=dest,
        operator="alice",
        console_name="desk-1",
        hub_url=hub.url,
        hub_name="Demo hub",
        profile=profile,
        **kw,
    )


def manifest_time(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def recent(seconds: float = 2.0) -> tuple[datetime, datetime]:
    end = datetime.now(timezone.utc) - timedelta(seconds=20)
    return end - timedelta(seconds=seconds), end


def run_export(
    hub: HubThread, request: ExportRequest, token: str | None = None, **kw: Any
) -> tuple[ExportResult, TeeHub]:
    async def go() -> tuple[ExportResult, TeeHub]:
        auth = HubAuth(token) if token else None
        client = TesseraHubClient(HubConfig(url=hub.url, auth=auth, timeout_s=5.0))
        tee = TeeHub(client)
        try:
            return await ExportJob(request, tee, **kw).run(), tee
        finally:
            await client.close()

    return asyncio.run(go())


def standalone(pack: Path) -> tuple[int, str]:
    """The pack's own verifier, run by this interpreter in isolated mode (no Tessera)."""
    done = subprocess.run(
        [sys.executable, "-I", str(pack / "verify_pack.py"), str(pack)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout


def both(pack: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`tessera verify` and the stand-alone verifier: they must agree; (exit code, answer)."""
    capsys.readouterr()
    code = tessera(["verify", str(pack)])
    said = capsys.readouterr().out
    alone_code, alone_said = standalone(pack)
    assert (code, said.splitlines()[0]) == (alone_code, alone_said.splitlines()[0])
    return code, said


def test_a_pack_of_a_span_verifies_authentic_with_both_verifiers(
    recorded_hub, tmp_path, plaintext_keyring, capsys
):
    start, end = recent()
    reason = Reason("export", "CASE-7", "Evidence for the police", "bike theft")
    request = request_for(
        recorded_hub, tmp_path, (ExportCamera("cam-01", "Lobby"),), start, end, reason=reason
    )
    recorded: list[tuple[str, Any, Any]] = []
    result, _ = run_export(recorded_hub, request, record=lambda *entry: recorded.append(entry))
    pack = result.path
    assert result.countersigned
    # The console's own audit entry names the pack and the manifest's digest.
    digest = hashlib.sha256((pack / "manifest.json").read_bytes()).hexdigest()
    assert recorded == [
        (
            "export",
            None,
            {
                "pack": pack.name,
                "manifest_sha256": digest,
                "from": manifest_time(start),
                "to": manifest_time(end),
                "cameras": ["cam-01"],
                **reason.details(),
            },
        )
    ]
    assert sorted(p.name for p in pack.iterdir()) == [
        "cam-01-snapshot.png",
        "cam-01.mp4",
        "cam-01.srt",
        "manifest.json",
        "manifest.sig",
        "verify_pack.py",
    ]
    code, said = both(pack, capsys)
    assert code == EXIT_CODES["authentic"] == 0
    assert said.startswith("AUTHENTIC\n")
    assert "cam-01: the export is entry #" in said
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["operator"] == "alice" and manifest["console"]["name"] == "desk-1"
    assert manifest["hub"] == {"url": recorded_hub.url, "name": "Demo hub"}
    assert manifest["reason"]["case"] == "CASE-7"
    assert re.fullmatch(
        r"alice \u00b7 desk-1 \u00b7 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
        manifest["watermark"]["text"],
    )
    camera = manifest["cameras"][0]
    assert camera["masks"] == [] and camera["masks_lifted"] is False
    assert camera["encoding"].startswith("remuxed")
    assert manifest["watermark"]["text"] in (pack / "cam-01.srt").read_text()
    # ... and inside the MP4: a subtitle track players show by default, the same words.
    assert camera["watermark"].startswith("in the video's subtitle track")
    with av.open(str(pack / "cam-01.mp4")) as mp4:
        (track,) = mp4.streams.subtitles
        assert track.codec_context.name == "mov_text"
        assert track.disposition & av.stream.Disposition.default
        texts = [
            bytes(sub.dialogue if hasattr(sub, "dialogue") else b"").decode()
            for packet in mp4.demux(track)
            if packet.size
            for subset in [track.codec_context.decode2(packet)]
            if subset is not None
            for sub in subset
        ]
    assert any(manifest["watermark"]["text"] in text for text in texts), texts
    video = next(f for f in manifest["files"] if f["path"] == "cam-01.mp4")
    assert sum(s["length"] for s in video["segments"]) == video["size"]
    assert "tessera verify" in result.words() and str(pack) in result.words()


def last_full_gap(now: float) -> tuple[float, float]:
    """cam-10's latest gap (minute 8 to 9 of every ten) that ended at least 25 s ago."""
    k = math.floor((now - 480 - 60 - 25) / 600)
    return k * 600 + 480.0, k * 600 + 540.0


def test_a_span_across_a_gap_of_cam_10_verifies_authentic_with_gaps_naming_it(
    recorded_hub, tmp_path, plaintext_keyring, capsys
):
    g0, g1 = last_full_gap(time.time())
    start = datetime.fromtimestamp(g0 - 1, timezone.utc)
    end = datetime.fromtimestamp(g1 + 1, timezone.utc)
    request = request_for(recorded_hub, tmp_path, (ExportCamera("cam-10"),), start, end)
    result, _ = run_export(recorded_hub, request)
    code, said = both(result.path, capsys)
    assert code == EXIT_CODES["authentic with gaps"] == 1
    gap_from = datetime.fromtimestamp(g0, timezone.utc).isoformat(timespec="milliseconds")
    gap_to = datetime.fromtimestamp(g1, timezone.utc).isoformat(timespec="milliseconds")
    named = f"cam-10: no recording from {gap_from.replace('+00:00', 'Z')} to "
    assert said.startswith("AUTHENTIC WITH GAPS: " + named + gap_to.replace("+00:00", "Z"))
    assert list(result.gaps) == ["cam-10"]


@pytest.fixture
def good_pack(recorded_hub, tmp_path, plaintext_keyring) -> Path:
    """A pack of 30 s of the main profile: a video of more than one 1 MiB segment."""
    start, end = recent(30.0)
    request = request_for(
        recorded_hub, tmp_path, (ExportCamera("cam-03"),), start, end, profile="main"
    )
    return run_export(recorded_hub, request)[0].path


def test_one_flipped_byte_in_a_media_segment_is_named(good_pack, capsys):
    video = good_pack / "cam-03.mp4"
    data = bytearray(video.read_bytes())
    assert len(data) > 1024 * 1024
    count = math.ceil(len(data) / (1024 * 1024))
    data[1024 * 1024 + 1000] ^= 0x01
    video.write_bytes(bytes(data))
    code, said = both(good_pack, capsys)
    assert code == EXIT_CODES["not authentic"] == 3
    assert said.startswith(f"NOT AUTHENTIC: cam-03.mp4: segment 2 of {count} (bytes 1048576-")


def test_a_truncated_pack_is_not_authentic(good_pack, capsys):
    video = good_pack / "cam-03.mp4"
    data = video.read_bytes()
    video.write_bytes(data[:-100])
    count = math.ceil(len(data) / (1024 * 1024))
    code, said = both(good_pack, capsys)
    assert code == 3
    assert f"cam-03.mp4: segment {count} of {count}" in said and "(the file is shorter)" in said
    (good_pack / "cam-03-snapshot.png").unlink()
    code, said = both(good_pack, capsys)
    assert code == 3 and "NOT AUTHENTIC: cam-03-snapshot.png is missing" in said


def test_a_replaced_signature_is_named(good_pack, capsys):
    sig = json.loads((good_pack / "manifest.sig").read_text())
    raw = (good_pack / "manifest.json").read_bytes()
    sig["console"]["signature"] = base64.b64encode(Ed25519PrivateKey.generate().sign(raw)).decode()
    (good_pack / "manifest.sig").write_text(json.dumps(sig))
    code, said = both(good_pack, capsys)
    assert code == 3
    assert "the console's signature of manifest.json does not verify" in said
    other = Ed25519PrivateKey.generate()
    sig["console"]["public_key"] = base64.b64encode(other.public_key().public_bytes_raw()).decode()
    sig["console"]["signature"] = base64.b64encode(other.sign(raw)).decode()
    (good_pack / "manifest.sig").write_text(json.dumps(sig))
    code, said = both(good_pack, capsys)
    assert code == 3 and "signed by another key than the console it names" in said


def test_an_edited_manifest_breaks_the_signature(good_pack, capsys):
    manifest = json.loads((good_pack / "manifest.json").read_text())
    manifest["cameras"][0]["gaps"] = []
    manifest["operator"] = "mallory"
    (good_pack / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    code, said = both(good_pack, capsys)
    assert code == 3 and "signature of manifest.json does not verify" in said


def test_an_unsigned_pack_says_not_signed(good_pack, capsys):
    (good_pack / "manifest.sig").unlink()
    code, said = both(good_pack, capsys)
    assert code == EXIT_CODES["not signed"] == 4
    assert said.startswith("NOT SIGNED: there is no manifest.sig")


def test_a_folder_that_is_no_pack_is_said(tmp_path, capsys):
    assert tessera(["verify", str(tmp_path)]) == 2
    assert "holds no manifest.json" in capsys.readouterr().out


def test_the_stand_alone_verifier_needs_only_the_standard_library_and_cryptography(good_pack):
    tree = ast.parse((good_pack / "verify_pack.py").read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


def nal_units(data: bytes, *, annex_b: bool) -> list[bytes]:
    """The NAL units of one H.264 access unit (Annex B start codes, or 4-byte lengths)."""
    if annex_b:
        parts = re.split(b"\x00\x00\x01", data)
        return [p.rstrip(b"\x00") for p in parts if p.rstrip(b"\x00")]
    units, pos = [], 0
    while pos + 4 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        units.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return units


def slices(path_or_bytes: Any, *, annex_b: bool) -> list[bytes]:
    """Every coded slice (NAL types 1 and 5) of a file's video, in order."""
    found = []
    with av.open(path_or_bytes) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size:
                units = nal_units(bytes(packet), annex_b=annex_b)
                found += [u for u in units if u[0] & 0x1F in (1, 5)]
    return found


def test_an_unmasked_export_is_the_hubs_video_bit_for_bit_and_a_masked_one_hides_the_region(
    recorded_hub, tmp_path, plaintext_keyring, capsys
):
    import io

    start, end = recent(2.0)
    cameras = (ExportCamera("cam-01"), ExportCamera("cam-02", masks=(SQUARE,)))
    request = request_for(recorded_hub, tmp_path, cameras, start, end)
    result, tee = run_export(recorded_hub, request)
    pack = result.path
    assert both(pack, capsys)[0] == 0
    # Remuxed, not re-encoded: the same coded slices as the hub sent, byte for byte.
    sent = slices(io.BytesIO(bytes(tee.sent["cam-01"])), annex_b=True)
    written = slices(str(pack / "cam-01.mp4"), annex_b=False)
    assert len(sent) == 30 and written == sent
    # Masked: every frame decoded; inside the mask (eight pixels in from its edge, past the
    # encoder's blur of the border) only the mask's colour, where the hub's picture varied.
    manifest = json.loads((pack / "manifest.json").read_text())
    masked = next(c for c in manifest["cameras"] if c["id"] == "cam-02")
    assert masked["encoding"].startswith("re-encoded") and masked["masks"][0]["id"] == "door"
    assert masked["watermark"] == "burned into every frame"
    assert "watermark" not in masked["files"]
    with av.open(io.BytesIO(bytes(tee.sent["cam-02"]))) as original:
        first = next(original.decode(video=0)).to_ndarray(format="bgr24")
    region = (slice(36 + 8, 180 - 8), slice(64 + 8, 320 - 8))  # 640x360: 0.1..0.5 of each side
    assert np.ptp(first[region].astype(int)) > 50  # there was something to hide
    count = 0
    with av.open(str(pack / "cam-02.mp4")) as exported:
        for frame in exported.decode(video=0):
            inside = frame.to_ndarray(format="bgr24").astype(int)[region]
            # The mask's colour, give or take the few levels of 4:2:0 chroma and the encoder's
            # rounding; the picture under it spans far more (checked above).
            assert np.abs(inside - np.array(SOLID_BGR)).max() <= 12
            count += 1
    assert count == 30
    import cv2

    shot = cv2.imread(str(pack / "cam-02-snapshot.png"))
    assert np.abs(shot[region].astype(int) - np.array(SOLID_BGR)).max() == 0  # PNG: exact
    plain = cv2.imread(str(pack / "cam-01-snapshot.png"))
    assert (plain[340:358, 4:200] == 255).any()  # the watermark's white letters, bottom left


def test_a_viewers_export_is_refused_by_the_hub_and_leaves_nothing(
    hub_factory, tmp_path, plaintext_keyring
):
    hub = hub_factory(sign_in=True, recorded_since=time.time() - 120)
    start, end = recent(1.0)
    request = request_for(hub, tmp_path, (ExportCamera("cam-01", "Lobby"),), start, end)
    with pytest.raises(ExportError) as refused:
        run_export(hub, request, token=hub.sign_in("viewer"))
    assert str(refused.value).startswith("Lobby: ")
    assert list(request.destination.iterdir()) == []
    result, _ = run_export(hub, request, token=hub.sign_in("investigator"))
    assert result.countersigned


def test_cancel_leaves_no_pack(recorded_hub, tmp_path, plaintext_keyring):
    start, end = recent(3.0)
    request = request_for(recorded_hub, tmp_path, (ExportCamera("cam-01"),), start, end)
    seen: list[str] = []

    async def go() -> None:
        client = TesseraHubClient(HubConfig(url=recorded_hub.url, timeout_s=5.0))

        def progress(fraction: float, words: str) -> None:
            seen.append(words)
            if words.startswith("Fetching"):
                job.cancel()

        job = ExportJob(request, client, on_progress=progress)
        try:
            await job.run()
        finally:
            await client.close()

    with pytest.raises(ExportCancelled):
        asyncio.run(go())
    assert any(w.startswith("Fetching") for w in seen)
    assert list(request.destination.iterdir()) == []


def test_without_a_keyring_the_console_refuses_to_sign_and_writes_no_key(
    recorded_hub, tmp_path, no_keyring
):
    start, end = recent(1.0)
    request = request_for(recorded_hub, tmp_path, (ExportCamera("cam-01"),), start, end)
    with pytest.raises(ExportError) as refused:
        run_export(recorded_hub, request)
    assert "no system keyring" in str(refused.value)
    assert "never keeps a signing key in a file" in str(refused.value)
    assert list(request.destination.iterdir()) == []


def test_the_private_key_is_in_the_keyring_and_in_no_file_of_the_console(
    recorded_hub, tmp_path, plaintext_keyring, private_config_dir
):
    start, end = recent(1.0)
    request = request_for(recorded_hub, tmp_path, (ExportCamera("cam-01"),), start, end)
    result, _ = run_export(recorded_hub, request)
    kept = Credentials().get(KEY_ENTRY)
    assert kept is not None and Credentials().service == SERVICE
    raw = base64.b64decode(kept)
    key = Ed25519PrivateKey.from_private_bytes(raw)
    manifest = json.loads((result.path / "manifest.json").read_text())
    public = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    assert manifest["console"]["public_key"] == public
    forms = [raw, kept.encode(), raw.hex().encode(), base64.urlsafe_b64encode(raw)]
    folders = [private_config_dir, tmp_path / "data", result.path]
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else ():
            if path.is_file():
                content = path.read_bytes()
                assert not any(form in content for form in forms), path
    # A second export signs with the same key (made once).
    again, _ = run_export(recorded_hub, request)
    assert json.loads((again.path / "manifest.json").read_text())["console"]["public_key"] == public
    shutil.rmtree(again.path)
