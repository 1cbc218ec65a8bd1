"""The media engine: owns the libvlc instances and creates one `TilePlayer` per visible tile.

Two instances at most: the composited path (video callbacks into numpy buffers) runs with
`--no-xlib` so libvlc never touches the display server; the native-window path's instance is
created lazily on first use, with the video output `NativeOutput` picks (see there).
"""

from __future__ import annotations

import contextlib
import dataclasses
import faulthandler
import logging
import os
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from console.base.marshal import Marshal
from console.media.frame import RenderPath
from console.media.media_settings import MediaSettings
from console.media.player import TilePlayer
from console.media.reaper import PlayerReaper

log = logging.getLogger(__name__)

INSTALL_ADVICE = (
    "install libvlc: on Debian/Ubuntu `apt install libvlc5 vlc-plugin-base "
    "vlc-plugin-video-output`; on Windows and macOS install VLC 3 (same bitness as Python)"
)


class MediaUnavailable(RuntimeError):  # noqa: N818 (name from the design)
    """libvlc cannot be loaded or started; the message says how to install it."""


def enable_crash_traces() -> None:
    """Turn on `faulthandler` (once) in a process that hosts libvlc: a crash on one of libvlc's
    threads, or in a video callback, then leaves every thread's Python stack on stderr instead
    of a bare "Segmentation fault". A test runner that already enabled it keeps its own file."""
    if not faulthandler.is_enabled():
        faulthandler.enable()


def _load_vlc() -> ModuleType:
    enable_crash_traces()
    try:
        import vlc
    except (ImportError, OSError) as exc:  # python-vlc raises OSError when it finds no libvlc
        raise MediaUnavailable(f"libvlc could not be loaded ({exc}); {INSTALL_ADVICE}") from exc
    module: ModuleType = vlc
    return module


class MediaEngine:
    """Owns libvlc instances, the player reaper and every `TilePlayer` it created."""

    def __init__(
        self, settings: MediaSettings | None = None, marshal: Marshal | None = None
    ) -> None:
        if marshal is None:
            raise ValueError("MediaEngine needs a Marshal")
        self._settings = settings or MediaSettings()
        self._marshal = marshal
        self._vlc = _load_vlc()
        self._instances: dict[RenderPath, Any] = {}
        self._instances[RenderPath.COMPOSITED] = self._new_instance(RenderPath.COMPOSITED)
        self._reaper = PlayerReaper(self._settings.stop_timeout_s)
        self._players: list[TilePlayer] = []
        self._shut_down = False
        try:
            self._version: str = self._vlc.libvlc_get_version().decode("utf-8", "replace")
        except Exception:
            self._version = "unknown"
        log.info(
            "libvlc %s ready (hardware decoding: %s)",
            self._version,
            self._settings.hw_decoding.value,
        )

    def _new_instance(self, render_path: RenderPath) -> Any:
        args = self._settings.instance_args(render_path)
        try:
            instance = self._vlc.Instance(args)
        except Exception as exc:  # missing libvlc shows up as NameError/AttributeError/OSError
            raise MediaUnavailable(f"libvlc failed to start ({exc}); {INSTALL_ADVICE}") from exc
        if instance is None:
            raise MediaUnavailable(
                f"libvlc failed to start (libvlc_new returned nothing; plugins missing?); "
                f"{INSTALL_ADVICE}"
            )
        return instance

    @property
    def libvlc_version(self) -> str:
        return self._version

    @property
    def settings(self) -> MediaSettings:
        return self._settings

    @property
    def reaper(self) -> PlayerReaper:
        return self._reaper

    @property
    def players(self) -> tuple[TilePlayer, ...]:
        return tuple(self._players)

    def create_player(
        self,
        render_path: RenderPath = RenderPath.COMPOSITED,
        *,
        name: str = "",
        network_caching_ms: int | None = None,
        picture_size: tuple[int, int] | None = None,
    ) -> TilePlayer:
        """A player; `network_caching_ms` overrides the live buffer for it (a wall's setting);
        `picture_size` is the stream's expected size (see `TilePlayer`)."""
        if self._shut_down:
            raise RuntimeError("media engine is shut down")
        instance = self._instances.get(render_path)
        if instance is None:
            instance = self._instances[render_path] = self._new_instance(render_path)
        player = TilePlayer(
            instance,
            self._marshal,
            self._reaper,
            self._settings
            if network_caching_ms is None
            else dataclasses.replace(self._settings, network_caching_ms=network_caching_ms),
            render_path=render_path,
            name=name or f"tile-{len(self._players) + 1}",
            on_close=self._forget,
            picture_size=picture_size,
        )
        self._players.append(player)
        return player

    def _forget(self, player: TilePlayer) -> None:
        with contextlib.suppress(ValueError):
            self._players.remove(player)

    def shutdown(self, timeout_s: float | None = None) -> bool:
        """Close every player and release libvlc, returning within `timeout_s` whatever happens.

        Returns True when everything was released in time; False when something was abandoned
        (hung libvlc threads are daemon threads and will not keep the process alive).
        """
        if self._shut_down:
            return True
        self._shut_down = True
        timeout = self._settings.stop_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        for player in list(self._players):
            player.close()
        self._players.clear()
        instances = list(self._instances.values())
        self._instances.clear()
        finished = threading.Event()

        def release_all() -> None:
            self._reaper.drain(max(0.0, deadline - time.monotonic()))
            for instance in instances:
                try:
                    instance.release()
                except Exception:
                    log.exception("libvlc instance release failed")
            finished.set()

        threading.Thread(target=release_all, name="tessera-media-shutdown", daemon=True).start()
        ok = finished.wait(max(0.0, deadline - time.monotonic()))
        if not ok or self._reaper.abandoned:
            log.warning(
                "media shutdown left work behind (%d reaper jobs pending, %d abandoned)",
                self._reaper.pending,
                self._reaper.abandoned,
            )
            return False
        return True


# The access plugin that gives libvlc its RTSP client (live555), by platform.
_LIVE555_PLUGIN = "liblive555_plugin"


def _plugin_dirs(vlc: ModuleType) -> list[Path]:
    """Where this libvlc keeps its plugins: VLC_PLUGIN_PATH, python-vlc's `plugin_path`
    (set where it found a VLC installation: Windows, macOS), else beside the library."""
    dirs: list[Path] = []
    env = os.environ.get("VLC_PLUGIN_PATH")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    plugin_path = getattr(vlc, "plugin_path", None)
    if plugin_path:
        dirs.append(Path(os.fsdecode(plugin_path)))
    lib = getattr(getattr(vlc, "dll", None), "_name", None)
    if lib and not os.path.isabs(lib):
        lib = _loaded_path(os.fsdecode(lib))  # "libvlc.so.5": where the loader found it
    if lib:
        libdir = Path(os.fsdecode(lib)).resolve().parent
        # Debian: /usr/lib/<arch>/vlc/plugins; Windows: <VLC>/plugins; macOS: lib/../plugins
        dirs += [libdir / "vlc" / "plugins", libdir / "plugins", libdir.parent / "plugins"]
    return dirs


def _loaded_path(name: str) -> str | None:
    """The file a library loaded by its bare name came from (Linux: /proc/self/maps)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        fields = line.split(None, 5)
        path = fields[5].strip() if len(fields) == 6 else ""
        base = os.path.basename(path)
        if path.startswith("/") and (base == name or base.startswith(name + ".")):
            return path
    return None


def libvlc_opens_rtsp() -> bool:
    """Whether this libvlc can open `rtsp://` itself: its live555 access plugin is installed
    (official Windows and macOS builds have it; Debian's libvlc has none). False where libvlc
    cannot be loaded. Reads the plugin folder only; starts no libvlc instance."""
    try:
        vlc = _load_vlc()
    except MediaUnavailable:
        return False
    for folder in _plugin_dirs(vlc):
        if not folder.is_dir():
            continue
        if any((folder / "access").glob(f"{_LIVE555_PLUGIN}.*")):
            return True
        if any(folder.rglob(f"{_LIVE555_PLUGIN}.*")):
            return True
    return False
