"""The composition root: the one place that wires the core to the Qt views and starts the loop.

It is the only module of `console` that imports Qt (lazily, in `run_console`), so `tessera hub`
and the core stay importable without a display.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.alerts.attention import AlertAttention
from console.alerts.autopop import AutoPop
from console.alerts.book import AlarmBook
from console.alerts.replay import AlarmReplay
from console.alerts.settings import AlertSettings, AlertSettingsStore
from console.alerts.sounds import AplayPlayer
from console.app.hubprocess import EmbeddedHub, HubStartError
from console.app.settings import Settings, SettingsStore
from console.base.jsonfile import config_dir
from console.base.marshal import Marshal
from console.base.notices import Level, Notices
from console.base.redact import redact_url
from console.base.stall import StallMonitor
from console.base.tasks import TaskOwner, current_loop
from console.cameras.directory import CameraDirectory
from console.hub.base import HubClient
from console.hub.errors import HubConnectionLost, HubError, HubUnreachable
from console.hub.models import Alert
from console.hub.reachability import HubReachability
from console.hub.registry import HubConfig, create_client
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInput
from console.media.engine import MediaEngine, MediaUnavailable
from console.media.feed import LiveFeed
from console.media.frame import RenderPath
from console.media.live_buffer import DEFAULT_LIVE_BUFFER_MS
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.ptz.desk import PtzDesk, default_operator
from console.ptz.joystick_steering import JoystickSteering
from console.ptz.stop_line import StopLine
from console.wall.feeds import FeedKey
from console.wall.model import WallModel, WallState
from console.wall.native_guard import GuardedFeed, NativeWallGuard
from console.wall.store import LayoutStore, SavedLayouts
from console.wall.workstation import Workstation, initial_walls

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from widgets.shell.wall_window import WallWindow

log = logging.getLogger(__name__)

EXIT_NO_VIDEO = 2
EXIT_STARTUP_FAILED = 3
SCREENSHOT_GRACE_S = 10.0
REPLAY_BUFFER_MS = 400  # a recording is not live: a little more buffer for a steady replay


@dataclass(frozen=True)
class ConsoleOptions:
    hub_url: str | None = None
    demo: bool = False
    layout: str | None = None
    screenshot: Path | None = None
    after_s: float = 5.0
    hw_decoding: str | None = None
    render_path: str | None = None
    profile: str | None = None  # force every tile to this stream profile; None: by tile size
    live_buffer_ms: int | None = None  # every wall's live buffer; None: per wall or setting
    operator: str | None = None  # the name PTZ locks show; None: settings, else user@host
    joystick: bool = True  # open joysticks and gamepads through SDL


def screenshot_path(base: Path, index: int) -> Path:
    """`wall.png` for the first screen, `wall-2.png`, `wall-3.png` for the others."""
    return base if index == 0 else base.with_name(f"{base.stem}-{index + 1}{base.suffix}")


class ConsoleApp:
    """Owns everything the console runs: hub, client, media engine, workstation, windows."""

    def __init__(self, options: ConsoleOptions, app: QApplication) -> None:
        self._opts = options
        self._app = app
        self._loop = current_loop()
        self._marshal = Marshal(self._loop)
        self.notices = Notices()
        self.stall = StallMonitor(self._loop)
        self._quit = asyncio.Event()
        self._hub: EmbeddedHub | None = None
        self._stop_line: StopLine | None = None
        self._client: HubClient | None = None
        self._engine: MediaEngine | None = None
        self.station: Workstation | None = None
        self.windows: list[WallWindow] = []
        self._tasks = TaskOwner("console")  # the directory load, alarm and PTZ events
        self._feed_tasks = TaskOwner("feeds")  # one per live tile
        self._reachability = HubReachability(self._probe_hub)
        self._layout_store: LayoutStore | None = None
        self._directory: CameraDirectory | None = None
        self.ptz: PtzDesk | None = None
        self.joysticks: JoystickInput | None = None
        self.joystick_steering: JoystickSteering | None = None
        self.alarms: AlarmBook | None = None
        self.auto_pop: AutoPop | None = None
        self.attention: AlertAttention | None = None
        self.replay: AlarmReplay | None = None
        self._guards: list[NativeWallGuard] = []
        self.alert_settings = AlertSettings()
        self.hub_label = ""

    def quit(self) -> None:
        self._quit.set()

    async def _blocking(self, fn: Any, *args: Any) -> Any:
        return await self._loop.run_in_executor(None, fn, *args)

    async def run(self) -> int:
        try:
            code = await self.start()
            if code != 0:
                return code
            if self._opts.screenshot is not None:
                return await self._screenshots(self._opts.screenshot, self._opts.after_s)
            await self._quit.wait()
            await self.save_session()
            return 0
        finally:
            await self.shutdown()

    async def start(self) -> int:  # noqa: PLR0915 (older than the rule; split when next changed)
        """Load settings, reach the hub, open the walls. Returns 0, or an exit code on failure."""
        opts = self._opts
        folder = config_dir()
        settings_store = SettingsStore(folder / "settings.json")
        self._layout_store = LayoutStore(folder / "layouts.json")
        loaded_settings = await self._blocking(settings_store.load)
        loaded_layouts = await self._blocking(self._layout_store.load)
        loaded_alerts = await self._blocking(AlertSettingsStore(folder / "alerts.json").load)
        self.alert_settings = loaded_alerts.value
        for problem in (loaded_settings.problem, loaded_layouts.problem, loaded_alerts.problem):
            if problem:
                self.notices.post(problem, Level.WARNING)
        settings: Settings = loaded_settings.value
        saved: SavedLayouts = loaded_layouts.value

        url = None if opts.demo else (opts.hub_url or settings.hub.url)
        if url is None:
            self._hub = EmbeddedHub()
            try:
                url = await self._blocking(self._hub.start)
            except HubStartError as e:
                return self._fatal(str(e))
        operator = opts.operator or settings.hub.operator or default_operator()
        hub_config = HubConfig(url=url, driver=settings.hub.driver, operator=operator)
        self._client = create_client(hub_config)
        # PTZ stops from the joystick leave from a thread of their own, on their own connection.
        self._stop_line = StopLine(lambda: create_client(hub_config))
        log.info("hub: %s", redact_url(url))
        self.hub_label = f"{'Demo hub' if self._hub else 'Hub'} {redact_url(url)}"
        media_settings = MediaSettings(
            hw_decoding=HardwareDecoding.parse(opts.hw_decoding or settings.video.hw_decoding),
            network_caching_ms=settings.video.network_caching_ms,
        )
        try:
            # Creating the libvlc instance loads its plugins: not on the GUI thread.
            self._engine = await self._blocking(MediaEngine, media_settings, self._marshal)
        except MediaUnavailable as e:
            return self._fatal(str(e))

        directory = self._directory = CameraDirectory(self._client, self.notices)
        self.ptz = PtzDesk(self._client, directory, operator)
        screens = max(1, len(self._app.screens()))
        walls = initial_walls(saved, screens, opts.layout, opts.render_path)
        walls = self._without_native_windows_offscreen(walls)
        if opts.live_buffer_ms is not None:
            walls = [dataclasses.replace(w, live_buffer_ms=opts.live_buffer_ms) for w in walls]
        self.station = Workstation(
            directory,
            self.notices,
            self._layout_store,
            saved,
            walls,
            self._make_feed,
            fill_first_wall=opts.layout is not None,
            forced_profile=opts.profile,
        )
        self.alarms = AlarmBook(self._client, self.notices)
        self.auto_pop = AutoPop(
            self.station.walls, self.alarms, lambda: self.alert_settings, self.notices
        )
        engine = self._engine
        self.replay = AlarmReplay(
            self._client,
            directory,
            lambda: engine.create_player(
                RenderPath.COMPOSITED, name="alarm-replay", network_caching_ms=REPLAY_BUFFER_MS
            ),
        )
        self._open_windows()
        self._guard_native_walls()
        self._start_attention(folder)
        self._tasks.spawn(directory.load(), "camera-directory")
        self._tasks.spawn(self.alarms.follow(), "alarms")
        self._tasks.spawn(self.ptz.follow_events(), "ptz-events")
        if opts.joystick:
            await self._start_joysticks(folder)
        # Measure stalls of the running console, not the one-off creation of the windows.
        await asyncio.sleep(0.3)
        # What start-up made lives as long as the console: keep it out of the collector's full
        # passes, which otherwise walk it all on the GUI thread (tens of ms each).
        gc.freeze()
        self.stall.start()
        return 0

    def _without_native_windows_offscreen(self, walls: list[WallState]) -> list[WallState]:
        """A platform without a display (offscreen, minimal) has no native windows for libvlc to
        draw into: a wall saved on the native-window path would decode and show nothing until
        the native guard gave up. Such walls are shown composited from the start, and the
        operator is told why."""
        if self._app.platformName() not in ("offscreen", "minimal"):
            return walls
        for index, wall in enumerate(walls):
            if wall.render_path == RenderPath.NATIVE:
                self.notices.post(
                    f"Wall {index + 1}: video windows need a display ({self._app.platformName()} "
                    "has none); the wall is shown on the composited path.",
                    Level.WARNING,
                )
        return [
            dataclasses.replace(w, render_path=RenderPath.COMPOSITED)
            if w.render_path == RenderPath.NATIVE
            else w
            for w in walls
        ]

    def _guard_native_walls(self) -> None:
        """A native-window wall this machine cannot keep live falls back to composited."""
        assert self.station is not None
        for index, (wall, feeds) in enumerate(
            zip(self.station.walls, self.station.feeds, strict=True)
        ):

            def current(feeds: Any = feeds) -> list[GuardedFeed]:
                return list(feeds.feeds.values())

            def give_up(reason: str, index: int = index, wall: WallModel = wall) -> None:
                self.notices.post(f"Wall {index + 1}: {reason}.", Level.WARNING)
                wall.set_render_path(RenderPath.COMPOSITED)

            guard = NativeWallGuard(wall, current, give_up)
            guard.start(self._loop)
            self._guards.append(guard)

    def _start_attention(self, folder: Path) -> None:
        from widgets.alarms.desktop_notifier import DesktopNotifier

        assert self.alarms is not None and self.station is not None
        self.attention = AlertAttention(
            self.alarms,
            lambda: self.alert_settings,
            AplayPlayer(folder / "sounds", self.notices),
            DesktopNotifier(lambda: list(self.windows)),
            self.station.camera_name,
        )

    def open_alarm(self, alert: Alert) -> None:
        """The operator opened an alarm: show its camera live (see AutoPop.show)."""
        station = self.station
        if self.auto_pop is not None and station is not None:
            self.auto_pop.show(alert, station.show_on_selected_tile)

    async def _start_joysticks(self, folder: Path) -> None:
        assert self.ptz is not None and self.station is not None
        profiles = JoystickProfiles(folder / "joysticks.json")
        problem = await self._blocking(profiles.load)
        if problem:
            self.notices.post(problem, Level.WARNING)
        self.joysticks = JoystickInput(self._marshal, profiles)
        stop_line = self._stop_line.start() if self._stop_line is not None else None
        self.joystick_steering = JoystickSteering(
            self.ptz, self.station, self.joysticks, self.notices, stop_line
        )
        self.joysticks.start()  # SDL starts on its own thread; failure is reported, not raised

    async def save_session(self) -> None:
        """Keep the walls as they are for the next start (under the current layout name)."""
        if self.station is not None:
            await self.station.save_layout()

    async def _probe_hub(self) -> object:
        """Asked every half second while the hub is down (see HubReachability)."""
        if self._client is None:
            raise RuntimeError("no hub client yet")
        return await self._client.info()

    def _make_feed(self, wall_index: int, key: FeedKey, wall: WallModel) -> LiveFeed:
        # Called while the Workstation is being built (saved walls start their feeds at once).
        assert self._engine is not None and self._client is not None and self._directory
        engine, client, directory = self._engine, self._client, self._directory
        render = wall.render_path
        camera = directory.get(key.camera_id)
        profile = camera.profile(key.profile) if camera else None
        if camera is not None and profile is None and camera.profiles:
            profile = camera.profiles[0]  # a hub without this profile: take what it has
        profile_name = profile.name if profile else key.profile
        name = f"wall{wall_index + 1}:{key.camera_id}:{profile_name}"

        reach = self._reachability

        async def resolve() -> str:
            try:
                url = (await client.stream(key.camera_id, profile_name)).url
            except (HubUnreachable, HubConnectionLost) as e:
                reach.failed()
                raise RuntimeError(e.operator_message) from e
            except HubError as e:  # the hub answered: it is there, this camera is not
                reach.answered()
                raise RuntimeError(e.operator_message) from e
            except asyncio.CancelledError:  # the feed's deadline: no answer in time
                reach.failed()
                raise
            reach.answered()
            return url

        live_buffer = key.buffer_ms  # the wall's; None: the engine's setting
        size = (profile.width, profile.height) if profile else None
        return LiveFeed(
            lambda: engine.create_player(
                render, name=name, network_caching_ms=live_buffer, picture_size=size
            ),
            resolve,
            self._marshal,
            profile.fps if profile else 15.0,
            name=name,
            hub_back=reach.back,
            stream_lost=reach.check,
            tasks=self._feed_tasks,
        )

    def _open_windows(self) -> None:
        from widgets.shell.wall_window import WallWindow

        assert self.station is not None
        screens = self._app.screens()
        for index, wall in enumerate(self.station.walls):
            window = WallWindow(
                self.station,
                index,
                self.quit,
                hub_label=self.hub_label,
                default_buffer_ms=self._engine.settings.network_caching_ms
                if self._engine
                else DEFAULT_LIVE_BUFFER_MS,
                ptz=self.ptz,
                alarms=self.alarms,
                open_alarm=self.open_alarm,
                replay=self.replay,
            )
            screen = screens[min(wall.screen, len(screens) - 1)]
            window.setScreen(screen)
            window.move(screen.availableGeometry().topLeft())
            if wall.state.fullscreen:
                window.showFullScreen()
            elif self._opts.screenshot is not None:
                window.show()  # a fixed size, so headless shots look alike on every machine
            else:
                window.showMaximized()  # the video gets the space
            self.windows.append(window)

    async def _screenshots(self, base: Path, after_s: float) -> int:
        await asyncio.sleep(after_s)
        # A tile still connecting (a busy machine) gets a grace period before it counts as
        # never having shown video; a wall that is all live is shot at once.
        grace_end = asyncio.get_running_loop().time() + max(SCREENSHOT_GRACE_S, after_s)
        while asyncio.get_running_loop().time() < grace_end and any(
            w.wall_view.tiles_without_video() for w in self.windows
        ):
            await asyncio.sleep(0.1)
        missing = []
        for index, window in enumerate(self.windows):
            path = screenshot_path(base, index)
            pixmap = window.wall_view.grab_wall()
            saved = await self._blocking(pixmap.toImage().save, str(path), "PNG")
            if not saved:
                return self._fatal(f"Could not write the screenshot {path}.")
            print(f"wrote {path}", flush=True)
            for view in window.wall_view.tiles_without_video():
                assert self.station is not None
                cam = view.tile.camera_id or ""
                state = view.feed.state if view.feed else None
                why = f" ({state.status.value}: {state.reason})" if state and state.reason else ""
                missing.append(
                    f"wall {index + 1}, tile {view.tile.id} ({self.station.camera_name(cam)}){why}"
                )
        if self.station is not None and not any(w.layout.camera_ids() for w in self.station.walls):
            missing.append("no camera is on the wall (the hub offered none in time)")
        print(f"longest GUI-thread stall: {self.stall.max_stall_ms:.0f} ms", flush=True)
        if missing:
            print("Tessera: these tiles never showed video:", file=sys.stderr)
            for line in missing:
                print(f"  - {line}", file=sys.stderr)
            return EXIT_NO_VIDEO
        return 0

    def _fatal(self, message: str) -> int:
        print(f"Tessera: {message}", file=sys.stderr, flush=True)
        self.notices.post(message, Level.ERROR)
        if self._opts.screenshot is None and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, "Tessera cannot start", message)
        return EXIT_STARTUP_FAILED

    async def shutdown(self) -> None:  # noqa: PLR0912 (older than the rule; split when next changed)
        """Close every owner of tasks and threads, each waiting for what it started; nothing
        sweeps the loop (what is left is named in the log: a task without an owner is a bug)."""
        await self._tasks.close()
        self._reachability.close()
        for guard in self._guards:
            guard.stop()
        if self.station is not None:
            self.station.close()  # every feed: its task cancelled, its player to the reaper
        await self._feed_tasks.close()
        for window in self.windows:
            window.hide()
            await window.aclose()
        if self.joysticks is not None:
            await self._blocking(self.joysticks.stop)
        if self._stop_line is not None:
            await self._blocking(self._stop_line.close)  # after the stick: its last stop goes out
        if self.attention is not None:
            self.attention.close()
        if self.replay is not None:
            self.replay.close()
        if self.alarms is not None:
            await self.alarms.aclose()
        if self.ptz is not None:
            await self.ptz.close()  # stops every camera this console steers
        if self._engine is not None:
            engine = self._engine
            await self._blocking(engine.shutdown, 3.0)
        if self._client is not None:
            await self._client.close()
        if self._hub is not None:
            await self._blocking(self._hub.stop)
        self.stall.stop()
        current = asyncio.current_task()
        left = [t.get_name() for t in asyncio.all_tasks() if t is not current and not t.done()]
        if left:
            log.warning("tasks still running after shutdown: %s", ", ".join(sorted(left)))


def run_console(options: ConsoleOptions) -> int:
    """Start the Qt application and the asyncio loop (qasync), run until the operator quits."""
    if options.screenshot is not None and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import qasync
    from PySide6.QtWidgets import QApplication

    from widgets.common.theme import apply_dark_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Tessera")
    app.setQuitOnLastWindowClosed(False)
    apply_dark_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    console = ConsoleApp(options, app)
    # Ctrl+C in the terminal quits cleanly (streams stopped, layout saved, hub stopped).
    signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(console.quit))
    signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(console.quit))
    try:
        code = loop.run_until_complete(console.run())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return int(code)
