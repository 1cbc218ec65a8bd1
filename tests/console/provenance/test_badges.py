"""A camera's badges: a private camera's tier (read from `camera.sharing` where the hub model
has it), and what the restricted vendors list says of its maker, in the same words for the
tree and the tile."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from console.hub.models import Camera
from console.provenance.badges import (
    BadgeKind,
    BadgeLookup,
    camera_badges,
    sharing_owner,
    sharing_tier,
)


def camera(vendor="Tessera Synthetic", model="SYN-720", **extra) -> Camera:
    return Camera(
        id="cam-01",
        name="Gate",
        group="Outdoor",
        location="North",
        vendor=vendor,
        model=model,
        firmware="1.0",
        capabilities=frozenset({"live"}),
        profiles=(),
    )


class PrivateCamera:
    """A camera as the hub model will carry it once `sharing` is added (issue 18, section 3):
    the fields the badges read, and nothing else."""

    def __init__(self, tier, owner="", vendor="Tessera Synthetic"):
        self.vendor, self.model = vendor, "DB-1"
        self.sharing = SimpleNamespace(tier=tier, owner=owner)


def test_a_public_camera_of_a_vendor_not_on_the_list_has_no_badge():
    assert camera_badges(camera()) == ()
    assert sharing_tier(camera()) == "public"  # a Camera without `sharing` is public


def test_a_flagged_camera_says_which_restriction_and_its_tooltip_gives_the_source():
    (badge,) = camera_badges(camera("Hikvision", "DS-2CD2143G2-I"))
    assert badge.kind is BadgeKind.FLAGGED
    assert badge.text == "restricted vendor · US NDAA s.889, UK HCWS408"
    assert "named in US NDAA s.889" in badge.detail
    assert "https://www.congress.gov/" in badge.detail and "hcws408" in badge.detail


def test_an_unknown_vendor_says_vendor_unknown():
    (badge,) = camera_badges(camera(""))
    assert badge.kind is BadgeKind.UNKNOWN and badge.text == "vendor unknown"


def test_a_private_camera_shows_its_tier_first_and_its_owner_in_the_tooltip():
    badges = camera_badges(PrivateCamera("on_request", "Corner Shop Ltd", vendor="Dahua"))
    assert [b.kind for b in badges] == [BadgeKind.TIER, BadgeKind.FLAGGED]
    assert badges[0].text == "private · on request"
    assert "Owner: Corner Shop Ltd." in badges[0].detail
    assert sharing_owner(PrivateCamera("live", "Ann")) == "Ann"


def test_odd_tiers_from_a_hub_are_shown_cleaned_never_raised():
    assert camera_badges(PrivateCamera("public")) == ()
    (badge,) = camera_badges(PrivateCamera("x\u202e" * 100))
    assert badge.text == "private" and len(sharing_tier(PrivateCamera("x" * 500))) <= 40
    assert sharing_tier(PrivateCamera(None)) == "public"
    assert sharing_tier(PrivateCamera(7)) == "public"


def test_the_lookup_works_badges_out_once_per_camera_as_the_directory_holds_it():
    cams = {"cam-01": camera("Hikvision")}
    lookup = BadgeLookup(cams.get)
    first = lookup("cam-01")
    assert lookup("cam-01") is first
    cams["cam-01"] = dataclasses.replace(cams["cam-01"], vendor="Axis")  # a new list arrived
    assert lookup("cam-01") == ()
    assert lookup("cam-99") == ()


def test_a_tier_kept_as_an_enumeration_reads_as_its_name():
    import enum

    class Tier(enum.Enum):
        ON_REQUEST = "on_request"

    assert sharing_tier(PrivateCamera(Tier.ON_REQUEST)) == "on_request"
