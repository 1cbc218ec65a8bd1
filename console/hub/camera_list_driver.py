"""Driver "camera-list": the cameras of a camera list file (an `rtsp` source).

`HubConfig.url` is the file's path (docs/camera-list.md). The file is read off the event loop
and again whenever it changes (the console's Sources dialog or a hand edit), entry by entry: an
unreadable camera costs only itself (`camera_list().rejected`).

`stream()` gives the camera's own URL (rtsp:// for the console's RTSP gateway, or http(s)://
MJPEG, MPEG-TS, HLS), with the user name and password put into it in memory only: the password
comes from `HubConfig.credential_lookup("camera/<ref>")` for a camera that names credentials,
else the source's own `HubConfig.password` (the default for all its cameras). The URL with the
password is never logged (`StreamEndpoint` redacts its repr; logs use `safe_url`).

There are no events: `events()` says hello and then waits until the client closes, so an
`EventSubscription` over it neither spins nor reconnects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from console.hub.base import HubClient
from console.hub.camera_list_file import (
    DEFAULT_FPS,
    DEFAULT_MAIN_SIZE,
    DEFAULT_SUB_SIZE,
    VERSION,
    CameraListContent,
    CameraListFormatError,
    ListedCamera,
    parse_bytes,
)
from console.hub.errors import (
    HubAuthFailed,
    HubConnectionLost,
    HubNotFound,
    HubProtocolError,
    HubUnreachable,
)
from console.hub.models import (
    EVENT_HUB_HELLO,
    Camera,
    CameraList,
    HubEvent,
    HubInfo,
    StreamEndpoint,
    StreamProfile,
)
from console.hub.registry import HubConfig, register_driver

log = logging.getLogger(__name__)

DRIVER = "camera-list"
SOFTWARE = "Tessera camera list"
MAX_FILE_BYTES = 32 * 1024 * 1024
LIVE = frozenset({"live"})


def list_path(url: str) -> Path:
    """The file a camera list source's `url` names (a path, or a file:// URL)."""
    if url.startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    return Path(url).expanduser()


def with_credentials(url: str, username: str, password: str | None) -> str:
    """`url` with `username` and `password` in its user part (quoted). In memory only."""
    if not username and not password:
        return url
    parts = urlsplit(url)
    user = quote(username, safe="")
    if password:
        user += ":" + quote(password, safe="")
    return urlunsplit(
        (parts.scheme, f"{user}@{parts.netloc}", parts.path, parts.query, parts.fragment)
    )


def container_of(url: str) -> tuple[str, str]:
    """(container, transport) as far as the URL tells: rtsp, hls, mpegts, mjpeg, or ""."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        return "rtsp", "rtsp"
    path = parts.path.lower()
    if path.endswith(".m3u8"):
        return "hls", "http"
    if path.endswith((".ts", ".mts")) or "mpegts" in path:
        return "mpegts", "http"
    if "mjp" in path or "mjp" in parts.query.lower():
        return "mjpeg", "http"
    return "", "http"


class CameraListHubClient(HubClient):
    """The cameras of one camera list file, as a hub."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.path = list_path(config.url)
        self._content: CameraListContent | None = None
        self._stamp: tuple[int, int] | None = None
        self._passwords: dict[str, str | None] = {}
        self._closed = False
        self._closing = asyncio.Event()

    def __repr__(self) -> str:
        return f"CameraListHubClient({str(self.path)!r})"

    # -- the file

    def _read_if_changed(self) -> CameraListContent | None:
        """The parsed file, or None when it is unchanged since the last read (blocking)."""
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp == self._stamp and self._content is not None:
                return None
            if st.st_size > MAX_FILE_BYTES:
                raise HubProtocolError(
                    f"camera list {self.path}: larger than {MAX_FILE_BYTES} bytes",
                    operator_message=(
                        f"The camera list {self.path.name} is larger than "
                        f"{MAX_FILE_BYTES // 2**20} MB, more than this console reads."
                    ),
                )
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise HubUnreachable(
                f"camera list {self.path}: no such file",
                operator_message=f"The camera list file {self.path} does not exist.",
            ) from None
        except OSError as exc:
            raise HubUnreachable(
                f"camera list {self.path}: cannot read it: {exc.strerror}",
                operator_message=(
                    f"The camera list file {self.path} cannot be read ({exc.strerror})."
                ),
            ) from None
        try:
            content = parse_bytes(raw)
        except CameraListFormatError as exc:
            raise HubProtocolError(
                f"camera list {self.path}: {exc}",
                operator_message=f"The camera list {self.path.name} is damaged: {exc}.",
            ) from None
        self._stamp = stamp
        self._content = content
        if content.rejected:
            log.warning(
                "camera list %s: %d of %d cameras unreadable and left out",
                self.path,
                len(content.rejected),
                content.total,
            )
        return content

    async def _load(self) -> CameraListContent:
        if self._closed:
            raise RuntimeError("this hub client is closed")
        fresh = await asyncio.to_thread(self._read_if_changed)
        content = fresh or self._content
        assert content is not None
        return content

    async def _listed(self, camera_id: str) -> ListedCamera:
        for cam in (await self._load()).cameras:
            if cam.id == camera_id:
                return cam
        raise HubNotFound(message=f"no camera {camera_id!r} in the camera list")

    # -- the API

    async def info(self) -> HubInfo:
        await self._load()
        return HubInfo(
            api_version=1,
            name=self.path.stem,
            software=SOFTWARE,
            version=str(VERSION),
            capabilities=LIVE,
        )

    async def cameras(self) -> list[Camera]:
        return list((await self.camera_list()).cameras)

    async def camera_list(self, limit: int | None = None) -> CameraList:
        content = await self._load()
        cams = [_camera(c) for c in content.cameras]
        kept = cams if limit is None else cams[:limit]
        return CameraList(tuple(kept), content.rejected, content.total, len(cams) - len(kept))

    async def camera(self, camera_id: str) -> Camera:
        return _camera(await self._listed(camera_id))

    async def stream(self, camera_id: str, profile: str) -> StreamEndpoint:
        cam = await self._listed(camera_id)
        if profile == "main":
            url, size = cam.main_url, _main_size(cam)
        elif profile == "sub" and cam.sub_url:
            url, size = cam.sub_url, _sub_size(cam)
        else:
            raise HubNotFound(message=f"camera {camera_id!r} has no stream {profile!r}")
        username = cam.username or self.config.username or ""
        password = await self._password_for(cam)
        container, transport = container_of(url)
        endpoint = StreamEndpoint(
            camera_id=cam.id,
            profile=profile,
            url=with_credentials(url, username, password),
            container=container,
            transport=transport,
            codec="",
            width=size[0],
            height=size[1],
            fps=cam.fps or DEFAULT_FPS,
        )
        log.debug("stream %s/%s at %s", camera_id, profile, endpoint.safe_url)
        return endpoint

    async def _password_for(self, cam: ListedCamera) -> str | None:
        key = cam.credential_key
        if key is None:
            return self.config.password
        password = await self._lookup(key)
        if password is None:
            password = self.config.password
        if password is None:
            raise HubAuthFailed(
                f"camera {cam.id}: no password kept under {key}",
                operator_message=(
                    f"The password of the camera {cam.name} is not kept on this computer. "
                    "Enter it in Sources."
                ),
            )
        return password

    async def _lookup(self, key: str) -> str | None:
        if key in self._passwords:
            return self._passwords[key]
        lookup = self.config.credential_lookup
        if lookup is None:
            return None
        try:
            # The keyring may block (D-Bus, an unlock prompt): never on the loop.
            password = await asyncio.to_thread(lookup, key)
        except Exception as exc:  # a lookup is the caller's code: whatever it raises
            log.warning("camera list: no password under %s: %s", key, type(exc).__name__)
            return None
        if password is not None:
            self._passwords[key] = password
        return password

    async def events(
        self, since: int | None = None, types: frozenset[str] | None = None
    ) -> AsyncIterator[HubEvent]:
        """Hello, then nothing until the client closes (a camera list has no events)."""
        if self._closed:
            raise RuntimeError("this hub client is closed")
        yield HubEvent(seq=0, type=EVENT_HUB_HELLO, time=datetime.now(timezone.utc))
        await self._closing.wait()
        raise HubConnectionLost("the camera list client was closed")

    async def close(self) -> None:
        self._closed = True
        self._closing.set()
        self._passwords.clear()


def _main_size(cam: ListedCamera) -> tuple[int, int]:
    if cam.main_width and cam.main_height:
        return cam.main_width, cam.main_height
    return DEFAULT_MAIN_SIZE


def _sub_size(cam: ListedCamera) -> tuple[int, int]:
    if cam.sub_width and cam.sub_height:
        return cam.sub_width, cam.sub_height
    return DEFAULT_SUB_SIZE


def _camera(cam: ListedCamera) -> Camera:
    fps = cam.fps or DEFAULT_FPS
    profiles = [StreamProfile("main", *_main_size(cam), fps, "")]
    if cam.sub_url:
        profiles.append(StreamProfile("sub", *_sub_size(cam), fps, ""))
    return Camera(
        id=cam.id,
        name=cam.name,
        group=cam.group,
        location=cam.location,
        vendor=cam.vendor,
        model=cam.model,
        firmware="",
        capabilities=LIVE,
        profiles=tuple(profiles),
    )


register_driver(DRIVER, CameraListHubClient)
