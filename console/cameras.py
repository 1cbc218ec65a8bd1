"""The cameras the hub offers, kept current for the camera tree and the wall.

Loading retries with capped backoff while the hub is unreachable and tells the operator why
in plain words; views subscribe to `changed`.
"""

from __future__ import annotations

import asyncio
import logging

from console.hub.base import HubClient
from console.hub.errors import HubError
from console.hub.models import Camera
from console.hub.retry import Backoff
from console.notices import Level, Notices
from console.signals import Signal

log = logging.getLogger(__name__)
NOTICE_KEY = "hub-cameras"


class CameraDirectory:
    def __init__(self, client: HubClient, notices: Notices) -> None:
        self._client = client
        self._notices = notices
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
                cameras = await self._client.cameras()
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
            log.info("hub offers %d cameras", len(cameras))
            self.set_cameras(cameras)
            return

    def set_cameras(self, cameras: list[Camera]) -> None:
        self._cameras = {c.id: c for c in cameras}
        self.loaded.set()
        self.changed.emit(self.cameras)
