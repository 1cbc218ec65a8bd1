"""https video from a hub with a self-signed certificate (issue 17): libvlc cannot be given a
fingerprint, so the console gives it the certificate the operator confirmed
(`--gnutls-dir-trust`, console.identity.pins). The real demo hub over TLS, the real libvlc: with
the kept certificate the stream plays; without it (the system's authorities only), it does not;
with another hub's certificate, it does not either."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from console.base.marshal import Marshal
from console.hub.tessera_api import peer_certificate
from console.identity.pins import PinStore
from console.media.engine import MediaEngine
from console.media.events import PlayerEventKind
from console.media.frame import RenderPath
from console.media.media_settings import HardwareDecoding, MediaSettings

pytestmark = pytest.mark.timeout(90)


async def _until(pred: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.05)
    return True


def _plays(url: str, trust: Path | None) -> bool:
    """Whether libvlc shows pictures of `url` with `trust` as its trust directory."""

    async def main() -> bool:
        settings = MediaSettings(hw_decoding=HardwareDecoding.OFF, trusted_certificates_dir=trust)
        engine = MediaEngine(settings, Marshal(asyncio.get_running_loop()))
        try:
            player = engine.create_player(RenderPath.COMPOSITED)
            events: list[PlayerEventKind] = []
            player.state_changed.connect(lambda event: events.append(event.kind))
            player.play(url)
            ended = (PlayerEventKind.ERROR, PlayerEventKind.ENDED)
            await _until(lambda: player.frame_count > 0 or any(e in ended for e in events), 15)
            return player.frame_count > 0
        finally:
            assert engine.shutdown(3.0)

    return asyncio.run(main())


def test_https_video_plays_with_the_confirmed_certificate_and_only_with_it(hub_factory, tmp_path):
    hub = hub_factory(tls=True, state_dir=tmp_path / "hub")
    other = hub_factory(tls=True, state_dir=tmp_path / "other")
    fingerprint, certificate = asyncio.run(peer_certificate(hub.url))
    assert fingerprint == hub.hub.tls_fingerprint
    stream = f"{hub.url}/streams/cam-01/sub.ts"

    assert not _plays(stream, None)  # the system's authorities do not vouch for it

    pins = PinStore(tmp_path / "config" / "pinned-certificates.json")
    assert pins.trust_dir() is None
    other_fingerprint, other_certificate = asyncio.run(peer_certificate(other.url))
    pins.pin(other.url, other_fingerprint, other_certificate)
    assert not _plays(stream, pins.trust_dir())  # another hub's certificate vouches for nothing

    pins.pin(hub.url, fingerprint, certificate)
    assert pins.get(hub.url) == fingerprint and pins.has_certificate(fingerprint)
    assert _plays(stream, pins.trust_dir())


def test_only_the_certificate_with_the_confirmed_fingerprint_is_kept(hub_factory, tmp_path):
    hub = hub_factory(tls=True, state_dir=tmp_path / "hub")
    other = hub_factory(tls=True, state_dir=tmp_path / "other")
    fingerprint, _ = asyncio.run(peer_certificate(hub.url))
    _, other_certificate = asyncio.run(peer_certificate(other.url))
    pins = PinStore(tmp_path / "config" / "pinned-certificates.json")
    with pytest.raises(ValueError):
        pins.pin(hub.url, fingerprint, other_certificate)  # a certificate switched in between
    assert pins.get(hub.url) is None and pins.trust_dir() is None
    fingerprint_ok, certificate = asyncio.run(peer_certificate(hub.url))
    pins.pin(hub.url, fingerprint_ok, certificate)
    kept = list(pins.certificates.glob("*.pem"))
    assert len(kept) == 1 and "BEGIN CERTIFICATE" in kept[0].read_text()
    pins.forget(hub.url)
    assert pins.trust_dir() is None
