"""Models, errors, backoff, retry and the driver registry (no sockets needed)."""

from __future__ import annotations

import asyncio
import logging
import random
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from console.hub import (
    Backoff,
    Camera,
    HubClient,
    HubConfig,
    HubConnectionLost,
    HubEvent,
    HubHttpError,
    HubInfo,
    HubNotFound,
    HubProtocolError,
    HubUnreachable,
    StreamEndpoint,
    StreamProfile,
    UnknownDriverError,
    create_client,
    known_drivers,
    register_driver,
    registry,
    retry,
)
from console.hub.tessera_api import TesseraHubClient

REPO = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- models


def test_models_are_frozen_and_camera_finds_profiles():
    sub = StreamProfile("sub", 640, 360, 15, "h264")
    cam = Camera("c", "C", "g", "l", "v", "m", "f", frozenset({"live"}), (sub,))
    assert cam.profile("sub") is sub and cam.profile("main") is None
    with pytest.raises(AttributeError):
        cam.name = "other"  # type: ignore[misc]
    assert HubInfo(1, "n", "s", "v", frozenset({"events"})).has("events")


def test_event_data_is_read_only_and_events_hash():
    data = {"status": "online"}
    event = HubEvent(3, "camera.status", datetime.now(timezone.utc), "cam-01", data)
    data["status"] = "offline"  # the event keeps its own copy
    assert event.data == {"status": "online"}
    with pytest.raises(TypeError):
        event.data["x"] = 1  # type: ignore[index]
    assert hash(event) == hash(HubEvent(3, "camera.status", event.time, "cam-01", {}))


def test_stream_endpoint_repr_hides_credentials():
    endpoint = StreamEndpoint(
        "cam-01",
        "main",
        "rtsp://admin:hunter2@10.1.1.1/live?token=abc&x=1",
        "rtp",
        "rtsp",
        "h264",
        1920,
        1080,
        25,
    )
    text = repr(endpoint)
    assert "hunter2" not in text and "abc" not in text
    assert "rtsp://***@10.1.1.1/live?token=***&x=1" in text
    assert endpoint.url.startswith("rtsp://admin:hunter2@")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (HubUnreachable("refused"), True),
        (HubConnectionLost("dropped"), True),
        (HubProtocolError("bad"), False),
        (HubHttpError(503), True),
        (HubHttpError(500, "internal", "boom"), True),
        (HubHttpError(400, "bad_request"), False),
        (HubNotFound(), False),
    ],
)
def test_which_errors_are_retryable(error, retryable):
    assert error.retryable is retryable
    assert error.operator_message and "HTTP" not in error.operator_message


# ---------------------------------------------------------------- backoff and retry


def test_backoff_doubles_up_to_the_cap_and_resets():
    backoff = Backoff(jitter=0.0)
    delays = [backoff.next_delay() for _ in range(8)]
    assert delays == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next_delay() == 0.25 and backoff.attempt == 1


def test_backoff_jitter_only_shortens_delays():
    backoff = Backoff(rng=random.Random(7))
    for _ in range(200):
        expected = min(5.0, 0.25 * 2 ** min(backoff.attempt, 64))
        delay = backoff.next_delay()
        assert 0.8 * expected <= delay <= expected <= 5.0


def test_retry_gives_up_on_non_retryable_errors_at_once():
    calls = 0

    async def fails() -> None:
        nonlocal calls
        calls += 1
        raise HubProtocolError("bad payload")

    with pytest.raises(HubProtocolError):
        asyncio.run(retry(fails, attempts=5, base_s=0.001))
    assert calls == 1


def test_retry_without_attempt_limit_runs_until_success(caplog):
    caplog.set_level(logging.WARNING)
    outcomes: list[Exception | None] = [HubUnreachable("a"), HubConnectionLost("b"), None] * 2
    seen: list[tuple[str, int]] = []

    async def flaky() -> str:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return "ok"

    result = asyncio.run(
        retry(
            flaky,
            attempts=None,
            base_s=0.001,
            on_retry=lambda e, n, d: seen.append((type(e).__name__, n)),
        )
    )
    assert result == "ok"
    assert seen == [("HubUnreachable", 1), ("HubConnectionLost", 2)]
    assert len([r for r in caplog.records if "retrying" in r.getMessage()]) == 2


def test_retry_does_not_swallow_other_exceptions():
    async def broken() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        asyncio.run(retry(broken))


# ---------------------------------------------------------------- registry


class StubClient(HubClient):
    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.closed = False

    async def info(self) -> HubInfo:
        return HubInfo(1, "stub", "stub", "0", frozenset())

    async def cameras(self) -> list[Camera]:
        return []

    async def camera(self, camera_id: str) -> Camera:
        raise HubNotFound()

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        raise HubNotFound()

    async def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        raise HubConnectionLost("stub has no events")
        yield  # pragma: no cover

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def stub_driver():
    register_driver("stub", StubClient)
    yield "stub"
    registry.unregister_driver("stub")


def test_the_tessera_driver_is_the_default_and_demo_is_its_alias():
    assert {"tessera", "demo"} <= set(known_drivers())
    assert isinstance(create_client(HubConfig(url="http://127.0.0.1:1")), TesseraHubClient)
    demo = create_client(HubConfig(url="http://127.0.0.1:1", driver="demo"))
    assert isinstance(demo, TesseraHubClient)


def test_the_registry_chooses_the_configured_driver(stub_driver):
    client = create_client(HubConfig(url="onvif://10.0.0.1", driver="Stub", timeout_s=2))
    assert isinstance(client, StubClient) and client.config.timeout_s == 2

    async def main() -> bool:
        async with client:
            assert (await client.info()).name == "stub"
        return client.closed

    assert asyncio.run(main())


def test_an_unknown_driver_lists_the_known_ones():
    with pytest.raises(UnknownDriverError) as info:
        create_client(HubConfig(url="http://x", driver="milestone"))
    assert isinstance(info.value, ValueError)
    assert "'milestone'" in str(info.value)
    assert "camera-list, demo, onvif, tessera" in str(info.value)


def test_a_driver_name_cannot_be_taken_twice(stub_driver):
    with pytest.raises(ValueError, match="already registered"):
        register_driver("stub", TesseraHubClient)


@pytest.mark.parametrize("bad", [{"url": ""}, {"url": "http://x", "timeout_s": 0}])
def test_hub_config_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        HubConfig(**bad)


def test_resilient_events_work_over_any_driver(stub_driver):
    client = create_client(HubConfig(url="x://", driver="stub"))
    sub = client.resilient_events(backoff=Backoff(0.001, 0.001))
    sub._max_failures = 2

    async def main() -> None:
        async for _ in sub:
            pass

    with pytest.raises(HubConnectionLost):
        asyncio.run(main())
    assert sub.reconnects == 2


def test_the_hub_library_runs_without_qt():
    code = (
        "import sys, console.hub, console.hub.tessera_api;"
        "assert not [m for m in sys.modules if m.startswith('PySide6')]"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
