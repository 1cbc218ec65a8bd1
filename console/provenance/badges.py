"""The small badges a camera carries in the camera tree and on its tile: where it comes from (a
restricted vendor, one to check, an unknown vendor) and how its owner shares it (a private
camera's tier). Plain data, so the tree and the tile say the same words; the views draw them.

The sharing tier is read from `camera.sharing` (`.tier`, `.owner`) where the hub model has it,
and is "public" where it does not: this module asks for it by name so that it works with a
`Camera` of either age.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from console.base.safe_text import clean_text
from console.provenance.check import Provenance, Verdict, check_provenance

TIER_PUBLIC = "public"
# The sharing tiers of private cameras (issue 18, section 3), in the words a badge uses.
TIER_WORDS = {
    "live": "private · live",
    "on_request": "private · on request",
    "recordings_only": "private · recordings only",
    "registry_only": "private · registry only",
}
TIER_DETAILS = {
    "live": "A private camera whose owner shares it live at all times.",
    "on_request": "A private camera: its video is shown only after a request with a reason "
    "that the hub grants, for a limited time.",
    "recordings_only": "A private camera whose owner shares its recordings, not live video.",
    "registry_only": "A private camera in the registry only: where it is, not its video.",
}
MAX_TIER_CHARS = 40
MAX_OWNER_CHARS = 120


class BadgeKind(Enum):
    FLAGGED = "flagged"  # a restricted vendor
    CHECK = "check"  # a vendor to check
    UNKNOWN = "unknown"  # vendor unknown
    TIER = "tier"  # a private camera's sharing tier


@dataclass(frozen=True, slots=True)
class Badge:
    """`text` is the badge's few words; `detail` the tooltip's plain text (the why and the
    source of a flag, the meaning of a tier)."""

    kind: BadgeKind
    text: str
    detail: str

    @property
    def brief(self) -> str:
        """The badge in fewer words, where room is short (a camera tree row): a flag without
        its restrictions' names ("restricted vendor"), which the tooltip gives."""
        return self.text.split(" · ", 1)[0] if self.kind is BadgeKind.FLAGGED else self.text


def sharing_tier(camera: object) -> str:
    """The camera's sharing tier ("public", "live", "on_request", ...): "public" when the hub
    model carries none. An unexpected value comes back cleaned and cut, never raised."""
    sharing = getattr(camera, "sharing", None)
    tier = getattr(sharing, "tier", None) if sharing is not None else None
    if isinstance(tier, Enum):  # a model that keeps tiers as an enumeration of their names
        tier = tier.value
    if not isinstance(tier, str) or not tier.strip():
        return TIER_PUBLIC
    return clean_text(tier.strip(), MAX_TIER_CHARS)


def sharing_owner(camera: object) -> str:
    """Who owns a private camera, as the hub says ("" when it does not)."""
    sharing = getattr(camera, "sharing", None)
    owner = getattr(sharing, "owner", None) if sharing is not None else None
    return clean_text(owner, MAX_OWNER_CHARS) if isinstance(owner, str) else ""


def provenance_of(camera: object) -> Provenance:
    """The restricted vendors list's answer for the camera's vendor and model."""
    return check_provenance(getattr(camera, "vendor", ""), getattr(camera, "model", ""))


def provenance_detail(result: Provenance) -> str:
    """The tooltip of a provenance badge: why, and the sources."""
    lines = [result.reason]
    if result.restrictions:
        lines.append("Sources:")
        lines.extend(f"  {line}" for line in result.sources())
    return "\n".join(lines)


def provenance_badge(result: Provenance) -> Badge | None:
    """The badge for a provenance answer; None for a vendor the list does not name."""
    kind = {
        Verdict.FLAGGED: BadgeKind.FLAGGED,
        Verdict.CHECK: BadgeKind.CHECK,
        Verdict.UNKNOWN: BadgeKind.UNKNOWN,
    }.get(result.verdict)
    if kind is None:
        return None
    text = result.short
    if result.verdict is Verdict.FLAGGED:
        text = f"{text} · {result.restriction_names}"
    return Badge(kind, text, provenance_detail(result))


def tier_badge(camera: object) -> Badge | None:
    """The badge of a private camera's tier; None for a public one."""
    tier = sharing_tier(camera)
    if tier == TIER_PUBLIC:
        return None
    text = TIER_WORDS.get(tier, "private")
    detail = TIER_DETAILS.get(
        tier, f"A private camera; its sharing tier ({tier}) is not one this console knows."
    )
    owner = sharing_owner(camera)
    if owner:
        detail += f" Owner: {owner}."
    return Badge(BadgeKind.TIER, text, detail)


def camera_badges(camera: object) -> tuple[Badge, ...]:
    """The camera's badges, tier first (it changes what the operator may do), then provenance."""
    found = (tier_badge(camera), provenance_badge(provenance_of(camera)))
    return tuple(b for b in found if b is not None)


class BadgeLookup:
    """A camera id's badges, from `camera_of(camera_id)` (the camera directory's `get`): worked
    out once per camera as the directory holds it, so a view may ask on every paint."""

    def __init__(self, camera_of: Callable[[str], object | None]) -> None:
        self._camera_of = camera_of
        self._known: dict[str, tuple[object, tuple[Badge, ...]]] = {}

    def __call__(self, camera_id: str) -> tuple[Badge, ...]:
        camera = self._camera_of(camera_id)
        if camera is None:
            return ()
        known = self._known.get(camera_id)
        if known is not None and known[0] is camera:
            return known[1]
        badges = camera_badges(camera)
        self._known[camera_id] = (camera, badges)
        return badges
