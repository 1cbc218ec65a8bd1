"""From a configured source to its driver's configuration: a Tessera hub's password (sent as
HTTP Basic) goes only over https or to this computer."""

from __future__ import annotations

import pytest

from console.sources.connect import hub_config
from console.sources.model import SourceConfig, SourceError, SourceKind


@pytest.mark.parametrize(
    "url",
    [
        "https://hub.example:8443",
        "http://127.0.0.1:8765",
        "http://localhost:8765",
        "http://[::1]:1",
    ],
)
def test_a_password_goes_over_https_or_to_this_computer(url):
    config = hub_config(SourceConfig("hq", SourceKind.TESSERA, url, "ana"), "pw")
    assert config.password == "pw" and config.username == "ana" and config.driver == "tessera"


def test_a_password_in_clear_text_over_the_network_is_refused_in_plain_words():
    source = SourceConfig("hq", SourceKind.TESSERA, "http://10.0.0.2:8765", "ana")
    with pytest.raises(SourceError, match="only over https"):
        hub_config(source, "pw")
    assert hub_config(source, None).password is None  # no password: nothing to protect


def test_an_onvif_camera_signs_in_over_http_with_a_digest():
    # WS-Security's UsernameToken digest: the password itself never travels.
    source = SourceConfig("door", SourceKind.ONVIF, "http://10.0.0.5:80", "admin")
    assert hub_config(source, "pw").password == "pw"
