"""WS-Discovery for the add dialog (console.hub.onvif_discovery).

What is tested: reading ProbeMatches (the library's own `Service` and `Scope` objects) into
`DiscoveredCamera`s, untrusted values, and `discover()`'s lifecycle with the library's
discovery object replaced. What is not: the multicast itself. Here the loopback interface has
no MULTICAST flag and the only other interface is a real network, where a test must not send
probes; so a real Probe/ProbeMatch exchange is left to a machine with a camera on its LAN.
"""

from __future__ import annotations

from typing import Any

import pytest
from wsdiscovery.scope import Scope
from wsdiscovery.service import Service

from console.hub.onvif_discovery import DiscoveredCamera, camera_from, discover

SCOPES = [
    Scope("onvif://www.onvif.org/type/video_encoder"),
    Scope("onvif://www.onvif.org/name/Gate_camera"),
    Scope("onvif://www.onvif.org/hardware/VirtualCam-1"),
    Scope("onvif://www.onvif.org/location/North%20gate"),
]


def _service(xaddrs: list[str], scopes: list[Any] = SCOPES, epr: str = "urn:uuid:1") -> Service:
    return Service([], scopes, xaddrs, epr, 1)


def test_a_probe_match_becomes_a_camera_with_its_device_url() -> None:
    camera = camera_from(["http://192.0.2.10:8000/onvif/device_service"], SCOPES, "urn:uuid:cam-1")
    assert camera == DiscoveredCamera(
        address="192.0.2.10",
        port=8000,
        url="http://192.0.2.10:8000",
        name="Gate camera",
        hardware="VirtualCam-1",
        location="North gate",
        scopes=tuple(s.getValue() for s in SCOPES),
        endpoint="urn:uuid:cam-1",
    )


def test_unusable_addresses_are_skipped_and_names_cleaned() -> None:
    assert camera_from(["rtsp://192.0.2.10/", "not a url", 42], [], "x") is None
    assert camera_from(["http://user:pw@192.0.2.10/onvif"], [], "x") is None
    camera = camera_from(
        ["ftp://192.0.2.1/", "http://[2001:db8::5]/onvif/device_service"],
        ["onvif://www.onvif.org/name/Evil\u202e\x07name"],
        "x",
    )
    assert camera is not None
    assert (camera.url, camera.port) == ("http://[2001:db8::5]:80", 80)
    assert "\u202e" not in camera.name and "\x07" not in camera.name


class _FakeDiscovery:
    """Stands in for wsdiscovery's ThreadedWSDiscovery (no multicast in tests, see the doc)."""

    def __init__(self, services: list[Service]) -> None:
        self.services = services
        self.calls: list[str] = []
        self.timeout: float | None = None
        self.types: Any = None

    def start(self) -> None:
        self.calls.append("start")

    def searchServices(self, types: Any = None, timeout: float = 3.0) -> list[Service]:
        self.calls.append("search")
        self.types, self.timeout = types, timeout
        return self.services

    def stop(self) -> None:
        self.calls.append("stop")


def test_discover_probes_for_onvif_devices_and_keeps_one_per_address() -> None:
    fake = _FakeDiscovery(
        [
            _service(["http://192.0.2.10/onvif/device_service"]),
            _service(["http://192.0.2.10/onvif/device_service"], epr="urn:uuid:again"),
            _service(["http://192.0.2.11:8080/onvif/device_service"], scopes=[]),
            _service(["mailto:nobody"]),
        ]
    )
    found = discover(0.5, discovery_factory=lambda: fake)
    assert [c.url for c in found] == ["http://192.0.2.10:80", "http://192.0.2.11:8080"]
    assert found[1].name == ""
    assert fake.calls == ["start", "search", "stop"] and fake.timeout == 0.5
    (qname,) = fake.types
    assert (qname.getNamespace(), qname.getLocalname()) == (
        "http://www.onvif.org/ver10/network/wsdl",
        "NetworkVideoTransmitter",
    )


def test_discover_finds_nothing_rather_than_failing_when_the_network_refuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def cannot_bind() -> Any:
        raise OSError(98, "Address already in use")

    assert discover(0.1, discovery_factory=cannot_bind) == []

    class Broken(_FakeDiscovery):
        def searchServices(self, types: Any = None, timeout: float = 3.0) -> list[Service]:
            raise Exception("Server not started")

    broken = Broken([])
    assert discover(0.1, discovery_factory=lambda: broken) == []
    assert broken.calls == ["start", "stop"]
