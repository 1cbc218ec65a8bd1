"""The console's export desk: what a view needs to start an export, and nothing of Qt.

It knows the hub, who is signed in, this console's name, the privacy masks of each camera and
the audit trail; a view gives it the cameras, the span, the folder and the reason, and gets an
`ExportJob` to run and cancel. `refusal(cameras)` says, before anything starts, why the
operator may not export (the hub refuses too: a viewer's export is a 403 there).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.export.pack import ExportCamera, ExportHub, ExportJob, ExportRequest
from console.identity.reasons import Reason, ReasonPolicy
from console.identity.signin import Identity
from console.privacy.masks import PrivacyMask

__all__ = ["ExportDesk", "default_destination"]


def default_destination() -> Path:
    """Where packs go unless the operator chooses: ~/Tessera exports (made when needed)."""
    return Path.home() / "Tessera exports"


@dataclass
class ExportDesk:
    """Makes export jobs for this console. `masks_for(camera_id)`: the masks drawn into that
    camera's picture (none: remuxed, not re-encoded); `record`: the console's audit trail."""

    hub: ExportHub
    hub_url: str
    hub_name: str = ""
    identity: Identity | None = None
    operator_name: Callable[[], str] = lambda: "operator"
    console_name: str = ""
    camera_name: Callable[[str], str] = lambda camera_id: camera_id
    masks_for: Callable[[str], Sequence[PrivacyMask]] = lambda _camera_id: ()
    # Whether the camera's masks are lifted for this operator now (the export then draws none
    # and its manifest says they were lifted).
    masks_lifted: Callable[[str], bool] = lambda _camera_id: False
    reasons: ReasonPolicy | None = None
    record: Callable[[str, str | None, Mapping[str, Any]], object] | None = None

    def __post_init__(self) -> None:
        if not self.console_name:
            self.console_name = socket.gethostname() or "console"

    def operator(self) -> str:
        if self.identity is not None and self.identity.operator:
            return self.identity.operator
        return self.operator_name()

    def refusal(self, camera_ids: Sequence[str]) -> str | None:
        """Why the signed-in operator may not export these cameras, or None."""
        if not camera_ids:
            return "Choose at least one camera to export."
        if self.identity is None:
            return None
        for camera_id in camera_ids:
            why = self.identity.refusal("export", camera_id, self.camera_name(camera_id))
            if why is not None:
                return why
        return None

    def needs_reason(self) -> bool:
        return self.reasons is not None and self.reasons.requires("export")

    def job(
        self,
        camera_ids: Sequence[str],
        start: datetime,
        end: datetime,
        destination: Path,
        *,
        reason: Reason | None = None,
        snapshots: bool = True,
        bookmark: str | None = None,
        on_progress: Callable[[float, str], None] | None = None,
    ) -> ExportJob:
        cameras = tuple(
            ExportCamera(
                c,
                self.camera_name(c),
                () if self.masks_lifted(c) else tuple(self.masks_for(c)),
                masks_lifted=self.masks_lifted(c),
            )
            for c in camera_ids
        )
        request = ExportRequest(
            cameras=cameras,
            start=start,
            end=end,
            destination=destination,
            operator=self.operator(),
            console_name=self.console_name,
            hub_url=self.hub_url,
            hub_name=self.hub_name,
            reason=reason,
            snapshots=snapshots,
            bookmark=bookmark,
        )
        return ExportJob(request, self.hub, on_progress=on_progress, record=self.record)
