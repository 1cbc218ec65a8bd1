"""Camera list files (console.sources.camera_lists) and the "camera-list" driver over a real
file: cameras, streams with the password put in in memory only, redaction, unreadable entries
costing only themselves, no events without spinning."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from console.hub.errors import HubAuthFailed, HubNotFound, HubProtocolError, HubUnreachable
from console.hub.models import EVENT_HUB_HELLO
from console.hub.registry import HubConfig, create_client, known_drivers
from console.sources.camera_lists import (
    ListedCamera,
    load_camera_list,
    save_camera_list,
)

PASSWORD = "pa:ss/w@rd#1"  # characters that must be quoted in a URL


def _doc(cameras: list[Any]) -> str:
    return json.dumps({"format": "tessera.camera-list", "version": 1, "cameras": cameras})


GATE = {
    "id": "gate",
    "name": "Gate",
    "group": "Outdoor",
    "location": "North",
    "vendor": "Axis",
    "model": "P1375",
    "main_url": "rtsp://10.0.0.7:554/axis-media/media.amp",
    "sub_url": "rtsp://10.0.0.7:554/axis-media/media.amp?resolution=640x360",
    "username": "viewer",
    "credentials": "yard/gate",
    "main_width": 2560,
    "main_height": 1440,
}
HALL = {"id": "hall", "name": "Hall", "main_url": "http://10.0.0.8/mjpg/video.mjpg"}
HLS = {"id": "hls", "main_url": "https://cdn.example/live/index.m3u8"}


def _client(path: Path, **kw: Any) -> Any:
    return create_client(HubConfig(url=str(path), driver="camera-list", **kw))


def test_the_driver_is_registered() -> None:
    assert "camera-list" in known_drivers()


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "lists" / "yard.json"
    assert load_camera_list(path).value == []
    cams = [
        ListedCamera("gate", "Gate", GATE["main_url"], username="viewer", credentials="yard/gate"),
        ListedCamera(
            "hall",
            "Hall",
            HALL["main_url"],
            group="Inside",
            main_width=1280,
            main_height=720,
            fps=12.5,
        ),
    ]
    save_camera_list(path, cams)
    loaded = load_camera_list(path)
    assert loaded.problem is None
    assert loaded.value == cams
    assert cams[0].credential_key == "camera/yard/gate"
    assert cams[1].credential_key is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("rtsp://admin:hunter2@10.0.0.7/live", "without user names or passwords"),
        ("rtsp://admin@10.0.0.7/live", "without user names or passwords"),
        ("http://10.0.0.7/video.cgi?user=a&pwd=hunter2", "password or token"),
        ("ftp://10.0.0.7/x", "starts with rtsp://"),
    ],
)
def test_a_url_with_a_password_is_refused_in_plain_words(
    tmp_path: Path, url: str, words: str
) -> None:
    with pytest.raises(ValueError, match=words) as raised:
        ListedCamera("x", "X", url)
    assert "hunter2" not in str(raised.value)
    path = tmp_path / "l.json"
    path.write_text(_doc([{"id": "x", "main_url": url}, HALL]))
    loaded = load_camera_list(path)
    assert [c.id for c in loaded.value] == ["hall"]
    assert loaded.problem is not None and words in loaded.problem
    assert "hunter2" not in loaded.problem


def test_unreadable_entries_cost_only_themselves_and_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    broken = [
        {"id": "nourl", "name": "No URL"},
        {"id": "big", "main_url": HALL["main_url"], "main_width": "wide"},
        42,
    ]
    path.write_text(_doc([GATE, *broken, HALL, {**HALL, "name": "Dup"}]))
    loaded = load_camera_list(path)
    assert [c.id for c in loaded.value] == ["gate", "hall"]
    problem = loaded.problem or ""
    assert "4 camera(s)" in problem
    assert "nourl: 'main_url' is missing" in problem
    assert "earlier entry has the same id" in problem
    # The console saves (one camera less); the unreadable entries stay in the file for a person.
    save_camera_list(path, loaded.value[:1])
    doc = json.loads(path.read_text())
    assert doc["cameras"][0]["id"] == "gate"
    assert broken[0] in doc["cameras"] and broken[1] in doc["cameras"] and 42 in doc["cameras"]


def test_a_damaged_file_is_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    path.write_text("{not json")
    loaded = load_camera_list(path)
    assert loaded.value == [] and "not valid JSON" in (loaded.problem or "")
    assert loaded.kept_copy is not None and loaded.kept_copy.read_text() == "{not json"
    path.write_text('{"format": "tessera.camera-list", "version": 9, "cameras": []}')
    assert "newer Tessera" in (load_camera_list(path).problem or "")


def test_the_driver_lists_cameras_and_streams_with_the_password_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "yard.json"
    path.write_text(_doc([GATE, HALL, HLS, {"id": "bad"}]))
    looked_up: list[str] = []

    def lookup(key: str) -> str | None:
        looked_up.append(key)
        return PASSWORD if key == "camera/yard/gate" else None

    async def run() -> None:
        async with _client(
            path, credential_lookup=lookup, username="srcuser", password="srcpw"
        ) as client:
            info = await client.info()
            assert info.name == "yard" and info.has("live")
            listed = await client.camera_list()
            assert [c.id for c in listed.cameras] == ["gate", "hall", "hls"]
            assert listed.total == 4 and len(listed.rejected) == 1
            assert listed.rejected[0].item_id == "bad"
            gate = await client.camera("gate")
            assert (gate.group, gate.location, gate.vendor, gate.model) == (
                "Outdoor",
                "North",
                "Axis",
                "P1375",
            )
            assert [(p.name, p.width, p.height) for p in gate.profiles] == [
                ("main", 2560, 1440),
                ("sub", 640, 360),
            ]
            main = await client.stream("gate", "main")
            assert main.url == (
                "rtsp://viewer:pa%3Ass%2Fw%40rd%231@10.0.0.7:554/axis-media/media.amp"
            )
            assert (main.container, main.transport) == ("rtsp", "rtsp")
            assert PASSWORD not in repr(main) and "pa%3Ass" not in repr(main)
            assert "***@10.0.0.7" in main.safe_url
            sub = await client.stream("gate", "sub")
            assert sub.url.startswith("rtsp://viewer:pa%3Ass") and "resolution=640x360" in sub.url
            # A camera naming no credentials gets the source's user and password.
            hall = await client.stream("hall", "main")
            assert hall.url == "http://srcuser:srcpw@10.0.0.8/mjpg/video.mjpg"
            assert hall.container == "mjpeg"
            assert (await client.stream("hls", "main")).container == "hls"
            with pytest.raises(HubNotFound):
                await client.stream("hall", "sub")
            with pytest.raises(HubNotFound):
                await client.camera("nope")

    asyncio.run(run())
    assert looked_up == ["camera/yard/gate"]  # once: cached for the client's life
    assert PASSWORD not in caplog.text and "pa%3Ass" not in caplog.text
    assert "srcpw" not in caplog.text


def test_a_camera_whose_password_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "yard.json"
    path.write_text(_doc([GATE]))

    async def run() -> None:
        async with _client(path, credential_lookup=lambda key: None) as client:
            with pytest.raises(HubAuthFailed) as raised:
                await client.stream("gate", "main")
            assert "Gate" in raised.value.operator_message

    asyncio.run(run())


def test_the_driver_reads_a_changed_file_again(tmp_path: Path) -> None:
    path = tmp_path / "yard.json"
    path.write_text(_doc([HALL]))

    async def run() -> None:
        async with _client(path) as client:
            assert [c.id for c in await client.cameras()] == ["hall"]
            path.write_text(_doc([HALL, HLS]))
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
            assert [c.id for c in await client.cameras()] == ["hall", "hls"]

    asyncio.run(run())


def test_a_missing_or_damaged_file(tmp_path: Path) -> None:
    async def run() -> None:
        async with _client(tmp_path / "missing.json") as client:
            with pytest.raises(HubUnreachable) as raised:
                await client.info()
            assert "does not exist" in raised.value.operator_message
        (tmp_path / "bad.json").write_text("[]")
        async with _client(tmp_path / "bad.json") as client:
            with pytest.raises(HubProtocolError) as raised2:
                await client.cameras()
            assert "damaged" in raised2.value.operator_message

    asyncio.run(run())


def test_events_say_hello_then_wait_without_spinning(tmp_path: Path) -> None:
    path = tmp_path / "yard.json"
    path.write_text(_doc([HALL]))

    async def run() -> None:
        client = _client(path)
        subscription = client.resilient_events()
        hellos: list[Any] = []
        subscription.connected.connect(hellos.append)

        async def consume() -> None:
            async for _ in subscription:
                raise AssertionError("a camera list has no events")

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.3)
        assert [h.type for h in hellos] == [EVENT_HUB_HELLO]
        assert subscription.reconnects == 0
        await client.close()
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(task, 5)

    asyncio.run(run())


def test_the_config_repr_shows_no_password_nor_lookup(tmp_path: Path) -> None:
    def lookup(key: str) -> str | None:
        return "hunter2"

    config = HubConfig(
        url=str(tmp_path / "l.json"),
        driver="camera-list",
        username="u",
        password="hunter2",
        credential_lookup=lookup,
    )
    assert "hunter2" not in repr(config) and "lookup" not in repr(config)
    assert config == HubConfig(
        url=str(tmp_path / "l.json"), driver="camera-list", username="u", password="hunter2"
    )
    assert "hunter2" not in repr(_client(tmp_path / "l.json", password="hunter2"))
