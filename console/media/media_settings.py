"""How libvlc is asked to decode and show video: `MediaSettings` (hardware decoding, the native
output, the live buffer, the options every player gets), shared by the engine that creates the
libvlc instances and the players that open each stream.
"""

from __future__ import annotations

import enum
import glob
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from console.media.frame import RenderPath
from console.media.live_buffer import DEFAULT_LIVE_BUFFER_MS


def hardware_decoder_present(platform: str = sys.platform) -> bool:
    """Whether this machine has a device a hardware decoder could use (Linux: a DRM render
    node or an NVIDIA device). Elsewhere the OS always offers one (D3D11, VideoToolbox)."""
    if not platform.startswith("linux"):
        return True
    return bool(glob.glob("/dev/dri/renderD*") or os.path.exists("/dev/nvidia0"))


_Choice = TypeVar("_Choice", bound=enum.Enum)


def _parse_choice(kind: type[_Choice], value: str | _Choice, what: str) -> _Choice:
    """A setting's enum member from its name in a configuration file or on the command line
    (any case, spaces around ignored); a clear error naming the choices otherwise."""
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        names = ", ".join(str(m.value) for m in kind)
        raise ValueError(f"unknown {what} {value!r} (one of {names})") from None


class HardwareDecoding(enum.Enum):
    """Which decoder libvlc should use. AUTO lets libvlc try hardware and fall back by itself."""

    AUTO = "auto"
    OFF = "off"
    VAAPI = "vaapi"
    VDPAU = "vdpau"
    NVDEC = "nvdec"
    D3D11VA = "d3d11va"
    DXVA2 = "dxva2"
    VIDEOTOOLBOX = "videotoolbox"

    @classmethod
    def parse(cls, value: str | HardwareDecoding) -> HardwareDecoding:
        return _parse_choice(cls, value, "hardware decoding mode")

    def vlc_options(self) -> tuple[str, ...]:
        """libvlc options (without the leading `--` or `:`) selecting this mode.

        VLC 3 has two kinds of hardware decoding: avcodec acceleration modules (`avcodec-hw`:
        vaapi, vdpau_avcodec, d3d11va, dxva2) and whole decoder modules (nvdec, videotoolbox),
        chosen with `codec=` and falling back to any other decoder.
        """
        return _HW_OPTIONS[self]

    @property
    def uses_hardware(self) -> bool:
        return self is not HardwareDecoding.OFF


_HW_OPTIONS: dict[HardwareDecoding, tuple[str, ...]] = {
    HardwareDecoding.AUTO: ("avcodec-hw=any",),
    HardwareDecoding.OFF: ("avcodec-hw=none",),
    HardwareDecoding.VAAPI: ("avcodec-hw=vaapi",),
    HardwareDecoding.VDPAU: ("avcodec-hw=vdpau_avcodec",),
    HardwareDecoding.NVDEC: ("codec=nvdec,any", "avcodec-hw=none"),
    HardwareDecoding.D3D11VA: ("avcodec-hw=d3d11va",),
    HardwareDecoding.DXVA2: ("avcodec-hw=dxva2",),
    HardwareDecoding.VIDEOTOOLBOX: ("codec=videotoolbox,any", "avcodec-hw=none"),
}


class NativeOutput(enum.Enum):
    """How libvlc draws into a native window (the native render path, X11).

    `set_xwindow` resets the player's `vout` and `avcodec-hw` to automatic (libvlc 3.0), so an
    instance's `--vout=xcb_x11` has no effect there. Automatic picks libvlc's OpenGL output,
    which on a machine without a GPU is Mesa's llvmpipe: each player's output start opens three
    OpenGL contexts and JIT-compiles shaders, probes VDPAU and VA-API interop, and renders every
    picture in software (measured on a 2-core machine under Xvfb: 9 tiles took 4-10 s to their
    first picture, lost pictures as too late at start, and the GUI thread stalled 100-270 ms).
    X11 runs the instance with `--no-xlib`: the OpenGL outputs (glx, egl_x11) and the Xlib
    hardware-decoding probes cannot load, so libvlc takes XVideo where the server has it and
    else plain X11 shared-memory images (`xcb_x11`), scaled by libswscale: 9 tiles live in
    about 2 s, no pictures lost, no stall over 30 ms.
    """

    AUTO = "auto"  # X11 on a machine without a GPU device, OpenGL with one
    X11 = "x11"
    OPENGL = "opengl"

    @classmethod
    def parse(cls, value: str | NativeOutput) -> NativeOutput:
        return _parse_choice(cls, value, "native video output")


@dataclass(frozen=True)
class MediaSettings:
    hw_decoding: HardwareDecoding = HardwareDecoding.AUTO
    network_caching_ms: int = DEFAULT_LIVE_BUFFER_MS
    stop_timeout_s: float = 3.0
    hardware_present: bool = field(default_factory=hardware_decoder_present)
    native_output: NativeOutput = NativeOutput.AUTO
    # Certificates of self-signed hubs the operator confirmed (console.identity.pins): libvlc
    # trusts them for https video besides the system's authorities.
    trusted_certificates_dir: Path | None = None
    extra_options: tuple[str, ...] = (
        # Late frames are dropped, never waited for: latency cannot grow over time.
        "--clock-jitter=0",
        # Frame threading holds frames back (one per thread); a live tile decodes a frame in
        # about a millisecond, so one thread costs nothing and removes ~130 ms of delay.
        "--avcodec-threads=1",
        "--no-audio",
        "--aout=dummy",
        "--no-video-title-show",
        "--no-osd",
        "--no-snapshot-preview",
        "--no-sub-autodetect-file",
        "--quiet",
        # libvlc's prefetch filter gives every stream a 16 MiB ring of bytes, resident a little
        # more with each second of video until all of it is (a 16-tile wall: up to 256 MiB over
        # its first minutes). A live tile needs a second or two in it at most, and a small ring
        # also bounds how far behind a stalled demuxer can fall. A ring cannot be smaller than
        # one read, so the read size comes down with it.
        "--prefetch-buffer-size=1024",  # KiB
        "--prefetch-read-size=65536",  # bytes
    )

    def __post_init__(self) -> None:
        # Accept plain strings from configuration files.
        object.__setattr__(self, "hw_decoding", HardwareDecoding.parse(self.hw_decoding))
        object.__setattr__(self, "native_output", NativeOutput.parse(self.native_output))

    @property
    def native_x11(self) -> bool:
        """Whether native-window players draw with plain X11 instead of OpenGL."""
        if self.native_output is NativeOutput.AUTO:
            return not self.hardware_present
        return self.native_output is NativeOutput.X11

    def instance_args(self, render_path: RenderPath) -> list[str]:
        args = [f"--network-caching={self.network_caching_ms}"]
        args += [f"--{opt}" for opt in self.hw_decoding.vlc_options()]
        args += list(self.extra_options)
        if self.trusted_certificates_dir is not None:
            args.append(f"--gnutls-dir-trust={self.trusted_certificates_dir}")
        if render_path is RenderPath.COMPOSITED or self.native_x11:
            args.append("--no-xlib")
        if render_path is RenderPath.NATIVE:
            # Each video output would run xdg-screensaver (a shell script) and try to start a
            # D-Bus session, on every (re)connect; the composited path never inhibits either.
            args.append("--no-disable-screensaver")
        return args

    def media_options(self, *, software: bool) -> list[str]:
        """Per-media options (`:opt`); `software=True` forces software decoding for one stream.

        Media options are what decides: `set_xwindow` resets the player's `avcodec-hw`. Without a
        hardware decoding device, automatic means software (no probe at each connection)."""
        automatic_without_device = (
            self.hw_decoding is HardwareDecoding.AUTO and not self.hardware_present
        )
        mode = HardwareDecoding.OFF if software or automatic_without_device else self.hw_decoding
        opts = [f":network-caching={self.network_caching_ms}"]
        opts += [f":{opt}" for opt in mode.vlc_options()]
        return opts

    def decoding_label(self, *, software: bool) -> str:
        """HW or SW, as far as can be known: libvlc 3 does not report which decoder it chose,
        but without a hardware decoding device, or with it turned off, it is software."""
        if software or self.hw_decoding is HardwareDecoding.OFF:
            return "SW"
        if not self.hardware_present:
            return "SW (no hardware decoder on this machine)"
        if self.hw_decoding is HardwareDecoding.AUTO:
            return "HW if available (auto)"
        return f"HW ({self.hw_decoding.value}, requested)"
