"""`TesseraMasksMixin`: the privacy masks facet over the Tessera API v1 client's plumbing
(`TesseraHubClient._request_json`: bounded answers, error mapping, redacted URLs).

docs/hub-api.md "Privacy masks". Every answer is untrusted: the masks go through
`console.privacy.masks.parse_masks` (bounded counts and sizes; what it leaves out is named in
plain words), the camera id must be the one asked for, `lifted_until` a hub time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from console.hub.errors import HubProtocolError
from console.hub.tessera_requests import TesseraRequests
from console.hub.tessera_wire import _time, expect_object
from console.privacy.masks import PrivacyMask, parse_masks
from console.privacy.registry import MAX_LIFT_MINUTES, CameraMasks, HubMasks

__all__ = ["MasksFacet", "TesseraMasksMixin", "masks_facet_for", "parse_camera_masks"]

MAX_REASON_CHARS = 500
MAX_CASE_CHARS = 100


class MasksFacet(ABC):
    """A hub that keeps privacy masks per camera (capability `masks`)."""

    @abstractmethod
    async def camera_masks(self, camera_id: str) -> CameraMasks:
        """The camera's masks, and when this session's lift ends."""

    @abstractmethod
    async def set_camera_masks(self, camera_id: str, masks: tuple[PrivacyMask, ...]) -> CameraMasks:
        """Replace them (needs the `masks` right: HubHttpError 403 otherwise)."""

    @abstractmethod
    async def lift_camera_masks(
        self, camera_id: str, reason: str, case: str = "", minutes: float = 5
    ) -> CameraMasks:
        """Lift them for this session (needs `unmask` and a reason)."""

    @abstractmethod
    async def end_camera_mask_lift(self, camera_id: str) -> CameraMasks:
        """End this session's lift now."""


def parse_camera_masks(payload: object, camera_id: str) -> CameraMasks:
    """A CameraMasks answer, checked (HubProtocolError for a wrong envelope; bad masks are left
    out and named in `problems`)."""
    obj = expect_object(payload, "masks")
    if obj.get("camera_id", camera_id) != camera_id:
        raise HubProtocolError("masks.camera_id: not the camera asked for", field="masks.camera_id")
    masks, problems = parse_masks(obj.get("masks"))
    raw_until = obj.get("lifted_until")
    until = None if raw_until is None else _time(raw_until, "masks.lifted_until").timestamp()
    return CameraMasks(camera_id, masks, until, problems)


class TesseraMasksMixin(TesseraRequests, MasksFacet):
    """Mixed into `TesseraHubClient` (which provides `_request_json`)."""

    async def camera_masks(self, camera_id: str) -> CameraMasks:
        payload = await self._request_json("GET", ("cameras", camera_id, "masks"))
        return parse_camera_masks(payload, camera_id)

    async def set_camera_masks(self, camera_id: str, masks: tuple[PrivacyMask, ...]) -> CameraMasks:
        body = {"masks": [m.to_json() for m in masks]}
        payload = await self._request_json("PUT", ("cameras", camera_id, "masks"), body)
        return parse_camera_masks(payload, camera_id)

    async def lift_camera_masks(
        self, camera_id: str, reason: str, case: str = "", minutes: float = 5
    ) -> CameraMasks:
        body = {
            "reason": reason[:MAX_REASON_CHARS],
            "case": case[:MAX_CASE_CHARS],
            "minutes": max(0.01, min(float(minutes), MAX_LIFT_MINUTES)),
        }
        payload = await self._request_json("POST", ("cameras", camera_id, "masks", "lift"), body)
        return parse_camera_masks(payload, camera_id)

    async def end_camera_mask_lift(self, camera_id: str) -> CameraMasks:
        payload = await self._request_json("DELETE", ("cameras", camera_id, "masks", "lift"))
        return parse_camera_masks(payload, camera_id)


def masks_facet_for(client: object, camera_id: str) -> tuple[HubMasks, str] | None:
    """The masks facet that keeps `camera_id`'s masks and the hub's own id of it: the client
    itself, or, for a client of several sources (it has `route`), that camera's source's
    client; None when that hub keeps no masks (the console's local file does)."""
    route = getattr(client, "route", None)
    if route is not None:
        _, source_client, own = route(camera_id)
        return (source_client, own) if isinstance(source_client, MasksFacet) else None
    return (client, camera_id) if isinstance(client, MasksFacet) else None
