"""The cameras the hub offers, kept current for the camera tree and the wall.

Loading retries with capped backoff while the hub is unreachable and tells the operator why
in plain words; views subscribe to `changed`. Cameras the hub lists but this console cannot read
are left out, and the operator is told how many, which and why; so is a list longer than the
console shows.
"""

from __future__ import annotations

import asyncio
import logging

from console.base.notices import Level, Notices
from console.base.signals import Signal
from console.hub.base import HubClient
from console.hub.errors import HubError
from console.hub.models import Camera, CameraList
from console.hub.retry import Backoff

log = logging.getLogger(__name__)
NOTICE_KEY = "hub-cameras"
UNREAD_NOTICE_KEY = "hub-cameras-unread"
# The most cameras shown. The camera tree fills and lays out 2,000 cameras in about 30 ms of the
# GUI thread on a loaded 2-core machine (it was 65 ms while its items were made inside the model)
# and its cost grows with the count (its model is built and filtered on the GUI thread at once),
# so past this many the console keeps the first ones and says so.
MAX_CAMERAS = 2000
# How many unreadable cameras a notice names one by one (the log names the first five too).
NAMED_IN_NOTICE = 5


def unread_cameras_message(found: CameraList) -> str | None:
    """Plain words for the cameras of `found` that are not shown, or None when all are.

    "2 of 40 cameras from the hub could not be read and are not shown: #7 (no id): 'name'
    should be a string, not a number; cam-12: 'profiles' is missing."
    """
    parts = []
    if found.rejected:
        named = "; ".join(r.describe() for r in found.rejected[:NAMED_IN_NOTICE])
        more = len(found.rejected) - NAMED_IN_NOTICE
        if more > 0:
            named += f"; and {more:,} more"
        cameras = "camera" if found.total == 1 else "cameras"
        parts.append(
            f"{len(found.rejected):,} of {found.total:,} {cameras} from the hub could not be "
            f"read and {'is' if len(found.rejected) == 1 else 'are'} not shown: {named}."
        )
    if found.not_read:
        parts.append(
            f"The hub lists {found.total:,} cameras, more than this console shows "
            f"({len(found.cameras):,}); the last {found.not_read:,} of its list are not shown."
        )
    return " ".join(parts) or None


class CameraDirectory:
    def __init__(
        self, client: HubClient, notices: Notices, *, max_cameras: int = MAX_CAMERAS
    ) -> None:
        self._client = client
        self._notices = notices
        self._max_cameras = max_cameras
        self._cameras: dict[str, Camera] = {}
        self.changed = Signal()  # (list[Camera])
        self.loaded = asyncio.Event()

    @property
    def cameras(self) -> list[Camera]:
        return list(self._cameras.values())

    def get(self, camera_id: str) -> Camera | None:
        return self._cameras.get(camera_id)

    async def load(self) -> None:
        """Fetch the camera list, retrying until it works (cancel the task to give up)."""
        backoff = Backoff(base_s=0.5, cap_s=5.0)
        while True:
            try:
                found = await self._client.camera_list(self._max_cameras)
            except HubError as e:
                if not e.retryable:
                    self._notices.post(
                        f"The hub's camera list cannot be used: {e.operator_message}",
                        Level.ERROR,
                        NOTICE_KEY,
                    )
                    return
                delay = backoff.next_delay()
                self._notices.post(
                    f"{e.operator_message} Trying again in {delay:.0f} s.",
                    Level.WARNING,
                    NOTICE_KEY,
                )
                await asyncio.sleep(delay)
                continue
            self._notices.withdraw(NOTICE_KEY)
            log.info(
                "hub lists %d cameras: %d readable, %d unreadable, %d past the limit",
                found.total,
                len(found.cameras),
                len(found.rejected),
                found.not_read,
            )
            # Reading a long list took the loop's turns in slices; the views' rebuild that
            # follows is one more stretch: let the loop run in between.
            await asyncio.sleep(0)
            message = unread_cameras_message(found)
            if message is None:
                self._notices.withdraw(UNREAD_NOTICE_KEY)
            else:
                self._notices.post(message, Level.WARNING, UNREAD_NOTICE_KEY)
            self.set_cameras(list(found.cameras))
            return

    def set_cameras(self, cameras: list[Camera]) -> None:
        self._cameras = {c.id: c for c in cameras}
        self.loaded.set()
        self.changed.emit(self.cameras)
