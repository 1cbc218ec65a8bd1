"""The hub's watermark policy (issue 18, section 5): `"policy": {"watermark": true}` in
`GET /api/v1/hub`, read from the real demo hub; anything but `true` is not asked."""

from __future__ import annotations

import asyncio

import pytest

from console.hub.registry import HubConfig, create_client
from console.hub.tessera_wire import parse_hub_info
from tests.support.openapi import validator


def info_of(url: str):
    async def main():
        client = create_client(HubConfig(url=url))
        try:
            return await client.info()
        finally:
            await client.close()

    return asyncio.run(main())


def test_the_demo_hub_says_its_watermark_policy_and_the_console_reads_it(hub):
    assert info_of(hub.url).watermark is False
    validator("HubInfo").validate(hub.get_json("/api/v1/hub")[1])
    hub.call(lambda: setattr(hub.hub, "watermark_policy", True))
    assert info_of(hub.url).watermark is True
    validator("HubInfo").validate(hub.get_json("/api/v1/hub")[1])


BASE = {"api_version": 1, "name": "h", "software": "s", "version": "1", "capabilities": []}


@pytest.mark.parametrize(
    ("policy", "asked"),
    [
        ({"watermark": True}, True),
        ({"watermark": "true"}, False),
        ({"watermark": 1}, False),
        ({}, False),
        ("watermark", False),
        (None, False),
        ([True], False),
    ],
)
def test_only_a_true_watermark_policy_asks_for_it(policy, asked):
    assert parse_hub_info({**BASE, "policy": policy}).watermark is asked
    assert parse_hub_info(BASE).watermark is False
