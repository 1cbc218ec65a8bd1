"""The native render path's libvlc set-up and the picture counting both render paths rely on."""

from __future__ import annotations

import pytest

from console.media.frame import RenderPath
from console.media.media_settings import HardwareDecoding, MediaSettings, NativeOutput
from console.media.player import MAX_LATE_DEBT, new_pictures


def test_without_a_gpu_native_players_draw_with_plain_x11() -> None:
    """`set_xwindow` resets the player's vout to automatic (OpenGL, llvmpipe without a GPU):
    only `--no-xlib` on the instance keeps the OpenGL outputs from loading."""
    no_gpu = MediaSettings(hardware_present=False)
    assert no_gpu.native_output is NativeOutput.AUTO and no_gpu.native_x11
    assert "--no-xlib" in no_gpu.instance_args(RenderPath.NATIVE)
    gpu = MediaSettings(hardware_present=True)
    assert not gpu.native_x11
    assert "--no-xlib" not in gpu.instance_args(RenderPath.NATIVE)
    forced = MediaSettings(hardware_present=True, native_output="x11")
    assert "--no-xlib" in forced.instance_args(RenderPath.NATIVE)
    gl = MediaSettings(hardware_present=False, native_output="opengl")
    assert "--no-xlib" not in gl.instance_args(RenderPath.NATIVE)
    with pytest.raises(ValueError, match="unknown native video output"):
        MediaSettings(native_output="vulkan")


def test_native_players_do_not_run_screensaver_helpers() -> None:
    for gpu in (False, True):
        args = MediaSettings(hardware_present=gpu).instance_args(RenderPath.NATIVE)
        assert "--no-disable-screensaver" in args
    assert "--no-disable-screensaver" not in MediaSettings().instance_args(RenderPath.COMPOSITED)


def test_automatic_decoding_without_a_device_is_software_per_media() -> None:
    """The media option is what counts (`set_xwindow` resets the player's avcodec-hw): no
    hardware probe at each connection on a machine that has no decoding device."""
    assert ":avcodec-hw=none" in MediaSettings(hardware_present=False).media_options(software=False)
    assert ":avcodec-hw=any" in MediaSettings(hardware_present=True).media_options(software=False)
    # An explicit mode is the operator's: kept.
    vaapi = MediaSettings(hw_decoding=HardwareDecoding.VAAPI, hardware_present=False)
    assert ":avcodec-hw=vaapi" in vaapi.media_options(software=False)


def _count(intervals: list[tuple[int, int]]) -> int:
    """Feed (displayed, lost) growth per poll through `new_pictures`; total new pictures."""
    total, debt = 0, 0
    for displayed, lost in intervals:
        new, debt = new_pictures(displayed, lost, debt)
        total += new
    return total


def test_a_late_start_does_not_hide_the_pictures_shown_after_it() -> None:
    """Measured on the native path at start on a busy machine: (displayed, lost) 1/6 in the
    first poll, then pictures at the stream's rate. The old whole-count rule (displayed minus
    lost) read no video until displayed caught up with lost: "Connecting…" over moving video."""
    polls = [(1, 6)] + [(4, 0)] * 8
    assert _count(polls) == sum(d for d, _ in polls) - 6
    # A huge burst costs at most MAX_LATE_DEBT pictures, not seconds of "no video".
    polls = [(0, 40)] + [(4, 0)] * 4
    assert _count(polls) == 16 - MAX_LATE_DEBT


def test_every_picture_late_reads_as_no_new_pictures() -> None:
    """All late: libvlc re-displays the first picture (about 3 per 0.25 s poll) while about 4
    new ones a poll are dropped as late; with jitter some polls display one more."""
    polls = [(3, 4), (3, 4), (4, 3), (3, 4), (3, 4), (4, 4), (3, 4), (4, 3)] * 10
    assert _count(polls) <= 1
    assert _count([(0, 0)] * 5) == 0


def test_some_pictures_late_count_what_was_shown() -> None:
    # Every third picture late, for 5 s: 40 shown, 20 lost.
    polls = [(2, 1), (3, 1), (3, 2)] * 7
    assert 20 <= _count(polls) <= 40
