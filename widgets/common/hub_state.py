"""Views that show whether the hub answers: one subscription helper, so every view follows
`HubReachability` the same way and lets go of it when it is destroyed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from console.hub.reachability import HubReachability


def follow_reachability(
    widget: QWidget, hub: HubReachability, show_down: Callable[[bool], None]
) -> None:
    """`show_down(True)` once per outage when `hub` stops answering, `show_down(False)` when it
    answers again, and `show_down(hub.down)` now; disconnected when `widget` is destroyed."""

    def went_down() -> None:
        show_down(True)

    def back() -> None:
        show_down(False)

    def let_go() -> None:
        hub.went_down.disconnect(went_down)
        hub.back.disconnect(back)

    hub.went_down.connect(went_down)
    hub.back.connect(back)
    widget.destroyed.connect(let_go)
    show_down(hub.down)
