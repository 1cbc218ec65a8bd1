"""The frame seam's geometry: the frame size asked of libvlc and where a picture goes in a tile."""

from __future__ import annotations

import json

from console.media.frame import (
    RENDER_PATHS,
    RenderPath,
    fit_within,
    frame_size_for,
    negotiated_size,
)


def test_frame_size_rules() -> None:
    assert negotiated_size((640, 368), (640, 360)) == (640, 360)
    assert negotiated_size((640, 386), (640, 360)) == (640, 360)  # libvlc's second offer
    assert negotiated_size((1920, 1088), (1920, 1080)) == (1920, 1080)
    assert negotiated_size((1280, 720), (640, 360)) == (1280, 720)  # not that stream
    assert negotiated_size((640, 368), None) == (640, 368)
    assert frame_size_for((640, 360), None) == (640, 360)
    assert frame_size_for((640, 360), (362, 200)) == (356, 200)
    assert frame_size_for((640, 360), (1920, 1080)) == (640, 360)
    assert fit_within(640, 360, 0, 100) == (640, 360)


def test_one_render_path_reads_and_writes_as_its_name() -> None:
    assert RENDER_PATHS == ("composited", "native")
    assert RenderPath("native") is RenderPath.NATIVE
    assert RenderPath.COMPOSITED == "composited"  # settings and saved layouts hold the name
    assert json.dumps({"render_path": RenderPath.NATIVE}) == '{"render_path": "native"}'
