"""The composition root: the one place that wires the core to the Qt views and starts the loop.

It is the only module of `console` that imports Qt (lazily, in `run_console`), so `tessera hub`
and the core stay importable without a display.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from console.alerts.attention import AlertAttention
from console.alerts.autopop import AutoPop
from console.alerts.book import AlarmBook
from console.alerts.replay import AlarmReplay
from console.alerts.settings import AlertSettings, AlertSettingsStore
from console.alerts.sounds import AplayPlayer
from console.app.audit_wiring import AuditWiring
from console.app.hubprocess import EmbeddedHub, HubStartError
from console.app.privacy_wiring import PrivacyWiring, mask_player
from console.app.settings import Settings, SettingsStore
from console.app.source_setup import (
    demo_source,
    fit_saved_layouts,
    needs_demo_hub,
    with_pinned_certificates,
)
from console.app.window_arrangements import (
    Arrangement,
    WindowArrangements,
    WindowArrangementStore,
)
from console.audit.core import AuditTrail
from console.base.jsonfile import config_dir
from console.base.marshal import Marshal
from console.base.notices import Level, Notices
from console.base.redact import redact_url
from console.base.stall import StallMonitor
from console.base.tasks import TaskOwner, current_loop
from console.bookmarks.core import Bookmarks
from console.bookmarks.journal import JournalError
from console.cameras.directory import CameraDirectory
from console.consent.core import PrivateAccess
from console.export.desk import ExportDesk
from console.export.pack import ExportHub
from console.hub.base import HubClient
from console.hub.errors import (
    HubCertificateError,
    HubConnectionLost,
    HubError,
    HubNotFound,
    HubNotSupported,
    HubUnreachable,
)
from console.hub.identity import HubAuth
from console.hub.models import CAPABILITY_BOOKMARKS, EVENT_CAMERA_MASKS, Alert, HubInfo
from console.hub.reachability import HubReachability
from console.hub.registry import HubConfig, create_client
from console.hub.tessera_api import peer_certificate
from console.hub.tessera_export import TesseraExportMixin
from console.hub.tessera_masks import masks_facet_for
from console.identity.pins import PinStore
from console.identity.reasons import ReasonPolicy
from console.identity.signin import Identity
from console.joystick.profiles import JoystickProfiles
from console.joystick.sdl_input import JoystickInput
from console.media.engine import MediaEngine, MediaUnavailable, libvlc_opens_rtsp
from console.media.feed import LiveFeed
from console.media.frame import RenderPath
from console.media.gateway import StreamGateway, needs_gateway
from console.media.media_settings import HardwareDecoding, MediaSettings
from console.media.player import TilePlayer
from console.playback.session import PlaybackSession
from console.playback.wall_playback import WallPlayback
from console.privacy.registry import LocalMaskFile, MaskRegistry
from console.ptz.desk import PtzDesk, default_operator
from console.ptz.joystick_steering import JoystickSteering
from console.ptz.stop_line import StopLine
from console.sources.credentials import Credentials
from console.sources.model import SourceConfig
from console.sources.multi import MultiSourceClient
from console.sources.runtime import PreparedSources, SourcesReachability, prepare_sources
from console.sources.sessions import SourceSessions
from console.sources.store import SourcesStore
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
REPLAY_BUFFER_MS = 400
# A wall in playback holds every tile to its slowest: a small buffer makes a seek quick, and
# a stream that stalls holds the wall only for a moment.
PLAYBACK_BUFFER_MS = 300
# An RTSP session the gateway keeps this long after its last tile left: a layout change or a
# tile reconnecting does not reconnect to the camera (cameras allow few sessions).
GATEWAY_LINGER_S = 10.0
# The embedded demo hub's entry among the audit checkpoints this console verified.
EMBEDDED_HUB_KEY = "embedded demo hub"
# How long a sign-out or a change of operator waits for the audit trail to reach the hub.
AUDIT_FLUSH_S = 3.0
# How long the start waits for a hub's answer to "do you ask for sign-in?".
SIGN_IN_PROBE_S = 5.0  # a recording is not live: a little more buffer for a steady replay


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
    # Sign in as this operator: on the embedded demo hub at once (its demo users: supervisor,
    # investigator, viewer); on another hub, the name the sign-in dialog starts with.
    user: str | None = None
    # A wall display: signs in with a display token (kept in the keyring after the first time).
    display: bool = False


@dataclass(frozen=True)
class Services:
    """What a started console runs, built in one step by `ConsoleApp.start` once the settings
    are read, the hub is known and libvlc is loaded. Nothing in it is optional or filled later."""

    client: HubClient
    stop_line: StopLine  # PTZ stops from the joystick, on a thread and connection of their own
    engine: MediaEngine
    directory: CameraDirectory
    layout_store: LayoutStore
    station: Workstation
    ptz: PtzDesk
    alarms: AlarmBook
    auto_pop: AutoPop
    replay: AlarmReplay
    # The operator's bookmarks, where the hub's client has them (its `bookmarks_facet`); None
    # also once the hub has said it keeps none (its capabilities, asked at start).
    bookmarks: Bookmarks | None = None
    # Each wall's switch between live and its recordings (one per wall, in wall order).
    playbacks: list[WallPlayback] = dataclasses.field(default_factory=list)
    # What private cameras' owners share, and the access requests (issue 18, console.consent).
    private_access: PrivateAccess | None = None


def screenshot_path(base: Path, index: int) -> Path:
    """`wall.png` for the first screen, `wall-2.png`, `wall-3.png` for the others."""
    return base if index == 0 else base.with_name(f"{base.stem}-{index + 1}{base.suffix}")


class ConsoleApp:
    """Owns everything the console runs: hub, client, media engine, workstation, windows."""

    def __init__(
        self, options: ConsoleOptions, app: QApplication, credentials: Credentials | None = None
    ) -> None:
        self._opts = options
        self._app = app
        self._loop = current_loop()
        self._marshal = Marshal(self._loop)
        self.notices = Notices()
        self.stall = StallMonitor(self._loop)
        self._quit = asyncio.Event()
        self._hub: EmbeddedHub | None = None  # the demo hub's process, when this console runs one
        self.services: Services | None = None  # once started
        self.windows: list[WallWindow] = []
        self._arrangement_store: WindowArrangementStore | None = None
        self._arrangements = WindowArrangements()
        self._tasks = TaskOwner("console")  # the directory load, alarm and PTZ events
        self._feed_tasks = TaskOwner("feeds")  # one per live tile
        # Whether the hub answers; with several sources, whether any of them does (the banner
        # and the tree), each source's own in `_sources_reach` (its tiles).
        self._reachability = HubReachability(self._probe_hub)
        self._sources_reach: SourcesReachability | None = None
        # One per process: with no keyring backend it holds the passwords typed this session,
        # across the restart that applying new sources makes.
        self.credentials = credentials or Credentials()
        self.sources: list[SourceConfig] = []  # as configured (settings.json "sources")
        self.restart_requested = False  # the sources changed: run_console starts afresh
        self._settings_path: Path | None = None
        self._sources_changed = False  # applied in the open Sources dialog
        # RTSP cameras for a libvlc without an RTSP client (Debian's): started on first need.
        self._gateway: StreamGateway | None = None
        self._gateway_started: asyncio.Task[StreamGateway] | None = None
        self._libvlc_opens_rtsp = False
        self._sources_dialog: Any = None  # the open SourcesDialog (a view: typed loosely here)
        # Sources whose password is needed and not kept (no keyring).
        self._passwords_to_ask: list[SourceConfig] = []
        self._source_sessions: SourceSessions | None = None
        self._typed_passwords: dict[str, str] = {}
        self.joysticks: JoystickInput | None = None  # with options.joystick
        self.joystick_steering: JoystickSteering | None = None
        self.attention: AlertAttention | None = None
        self._guards: list[NativeWallGuard] = []
        self.alert_settings = AlertSettings()
        # The operator watermark's words (issue 18), where the settings' policy asks for it.
        self._watermark: Callable[[], tuple[str, ...]] | None = None
        self._watermark_policy = self._hub_watermark = False  # the settings' and the hub's
        self.hub_label = ""
        # A hub with sign-in (issue 17): the token its clients share, and who is signed in.
        self._hub_auth: HubAuth | None = None
        self._hub_url: str | None = None
        self.identity: Identity | None = None
        self.sign_in_dialog: Any = None  # the SignInDialog at start, while it is open (a view)
        self._hub_reasons: frozenset[str] = frozenset()
        self._single_config: HubConfig | None = None
        self._hub_capabilities: frozenset[str] = frozenset()
        # The audit trail (where the hub keeps an audit log) and what feeds it.
        self.audit: AuditTrail | None = None
        self._audit_wiring: AuditWiring | None = None  # actions the hub wants a reason for
        self._reason_policy = ReasonPolicy()
        # Privacy masks (issue 18): every camera's, and what draws them into every player.
        self.masks: MaskRegistry | None = None
        self.privacy: PrivacyWiring | None = None

    # What tests, benchmarks and the views read of a started console (None before `start`).
    @property
    def station(self) -> Workstation | None:
        return self.services.station if self.services else None

    @property
    def alarms(self) -> AlarmBook | None:
        return self.services.alarms if self.services else None

    @property
    def ptz(self) -> PtzDesk | None:
        return self.services.ptz if self.services else None

    @property
    def replay(self) -> AlarmReplay | None:
        return self.services.replay if self.services else None

    @property
    def auto_pop(self) -> AutoPop | None:
        return self.services.auto_pop if self.services else None

    @property
    def bookmarks(self) -> Bookmarks | None:
        return self.services.bookmarks if self.services else None

    @property
    def directory(self) -> CameraDirectory | None:
        return self.services.directory if self.services else None

    def quit(self) -> None:
        self._quit.set()

    def sources_for_editing(self) -> list[SourceConfig]:
        """The sources as the Sources dialog shows them: the configured ones, or the demo hub
        alone when none is (so a camera added keeps the demo hub's cameras beside it)."""
        return list(self.sources) if self.sources else [demo_source()]

    async def apply_sources(self, sources: list[SourceConfig]) -> None:
        """Keep `sources` in settings.json (the Sources dialog calls this for each change).
        When the dialog closes, the console starts afresh on them (`restart_with_sources`).
        Raises OSError when the file cannot be written (nothing changes then)."""
        if self._settings_path is None:
            raise RuntimeError("the console has not started")
        await self._blocking(SourcesStore(self._settings_path).save, list(sources))
        self.sources = list(sources)
        self._sources_changed = True

    def restart_with_sources(self) -> None:
        """Start afresh on the sources as configured now: the walls come back as they are (the
        session is saved on the way out), connected to the new sources."""
        log.info("sources changed (%d configured): restarting the console", len(self.sources))
        if self._audit_wiring is not None:
            names = sorted(s.name for s in self.sources)
            self._audit_wiring.record("settings.change", None, {"what": "sources", "now": names})
        self.notices.post("Connecting to the changed sources…", Level.INFO, "sources-restart")
        self.restart_requested = True
        self.quit()

    def open_sources(self, parent: Any = None) -> None:
        """File → Sources…: the dialog over `parent` (window-modal; the wall plays on)."""
        from console.hub.onvif_discovery import discover
        from console.sources.probe import probe_source
        from widgets.sources.sources_dialog import SourcesDialog

        if self._sources_dialog is not None:
            self._sources_dialog.raise_()
            self._sources_dialog.activateWindow()
            return
        self._sources_changed = False
        dialog = SourcesDialog(
            self.sources_for_editing(),
            self.credentials,
            probe_source,
            self.apply_sources,
            discover=discover,
            parent=parent,
        )
        self._sources_dialog = dialog

        def closed(_result: int) -> None:
            self._sources_dialog = None
            dialog.deleteLater()
            if self._sources_changed and not self._quit.is_set():
                self.restart_with_sources()

        dialog.finished.connect(closed)
        dialog.open()

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
            await self.save_arrangements()
            return 0
        finally:
            await self.shutdown()

    async def start(self) -> int:
        """Load settings, reach the hub, load libvlc, build the services, open the walls.
        Returns 0, or an exit code on failure."""
        opts = self._opts
        folder = config_dir()
        layout_store = LayoutStore(folder / "layouts.json")
        loaded_settings = await self._blocking(SettingsStore(folder / "settings.json").load)
        loaded_layouts = await self._blocking(layout_store.load)
        loaded_alerts = await self._blocking(AlertSettingsStore(folder / "alerts.json").load)
        self._arrangement_store = WindowArrangementStore(folder / "windows.json")
        loaded_arrangements = await self._blocking(self._arrangement_store.load)
        self._arrangements = loaded_arrangements.value
        self.alert_settings = loaded_alerts.value
        for problem in (
            loaded_settings.problem,
            loaded_alerts.problem,
            loaded_arrangements.problem,
        ):
            if problem:
                self.notices.post(problem, Level.WARNING)
        if loaded_layouts.problem:
            # Closing the console does not write over it; Layouts offers to put the copy back.
            self.notices.post(
                f"{loaded_layouts.problem} It is not overwritten until you save a layout "
                "(Layouts → Put the damaged file back).",
                Level.WARNING,
                "layouts-damaged",
            )
        settings: Settings = loaded_settings.value
        self._settings_path = folder / "settings.json"
        loaded_sources = await self._blocking(SourcesStore(self._settings_path).load)
        if loaded_sources.problem:
            self.notices.post(loaded_sources.problem, Level.WARNING)
        self.sources = list(loaded_sources.value)
        operator = opts.operator or settings.hub.operator or default_operator()
        hub = await self._reach_hub(settings, operator)
        if isinstance(hub, int):
            return hub
        make_client, source_names = hub
        signed_in = await self._sign_in(make_client)
        if isinstance(signed_in, int):
            return signed_in
        # On a hub with sign-in the hub names the operator, not the settings.
        operator = signed_in or operator
        media_settings = MediaSettings(
            hw_decoding=HardwareDecoding.parse(opts.hw_decoding or settings.video.hw_decoding),
            network_caching_ms=settings.video.network_caching_ms,
            trusted_certificates_dir=await self._blocking(PinStore().trust_dir),
        )
        try:
            # Creating the libvlc instance loads its plugins: not on the GUI thread.
            engine = await self._blocking(MediaEngine, media_settings, self._marshal)
        except MediaUnavailable as e:
            return self._fatal(str(e))
        self._libvlc_opens_rtsp = await self._blocking(libvlc_opens_rtsp)
        saved = fit_saved_layouts(loaded_layouts.value, source_names)
        self.services = self._build_services(
            make_client,
            operator,
            engine,
            layout_store,
            saved,
            loaded_layouts.kept_copy,
        )
        services = self.services = await self._open_journals(self.services, operator)
        self._follow_reachability(services)
        self._open_windows(services)
        # An outage is known from a request that failed; a wall with no camera on it asks
        # nothing, so ask once now: a hub that is down at start gets its banner at once.
        if self._sources_reach is not None:
            self._sources_reach.check()
        else:
            self._reachability.check()
        self._guard_native_walls(services.station)
        self._start_attention(services, folder)
        self._start_following(services)
        if opts.joystick:
            await self._start_joysticks(services, folder)
        # Measure stalls of the running console, not the one-off creation of the windows.
        await asyncio.sleep(0.3)
        # What start-up made lives as long as the console: keep it out of the collector's full
        # passes, which otherwise walk it all on the GUI thread (tens of ms each).
        gc.freeze()
        self.stall.start()
        return 0

    async def _reach_hub(
        self, settings: Settings, operator: str
    ) -> tuple[Callable[[], HubClient], list[str]] | int:
        """How to make the console's hub client: one hub (`--demo`, `--hub`, the settings' hub,
        or the embedded demo hub when nothing is configured) or the configured sources (the
        demo hub started only when one of them is the demo hub). Also the source names (none
        for one hub). An exit code when the demo hub cannot start."""
        opts = self._opts
        self._reason_policy = settings.policy
        self._watermark = self._watermark_source(operator)
        self._watermark_policy = settings.watermark
        # The command line's --demo and --hub choose one hub for this run, sources aside.
        sources = [] if opts.demo or opts.hub_url else [s for s in self.sources if s.enabled]
        url = None if opts.demo or sources else (opts.hub_url or settings.hub.url)
        if (url is None and not sources) or (sources and needs_demo_hub(sources)):
            self._hub = EmbeddedHub(bootstrap_user=opts.user or "supervisor")
            try:
                url = await self._blocking(self._hub.start)
            except HubStartError as e:
                return self._fatal(str(e))
        if sources:
            demo_auth = await self._demo_session(url) if self._hub is not None else None
            prepared = await self._blocking(
                functools.partial(
                    prepare_sources,
                    sources,
                    self.credentials,
                    operator=operator,
                    demo_url=url,
                    demo_auth=demo_auth,
                )
            )
            self._report_sources(prepared)
            pins = await self._blocking(PinStore().load)  # read once for every source
            prepared = with_pinned_certificates(prepared, pins.get)
            # The Tessera hubs among the sources sign in with their kept passwords (issue 17).
            if self._source_sessions is not None:
                await self._source_sessions.close()
            self._source_sessions = SourceSessions(prepared, self.notices)
            await self._source_sessions.start()
            if not prepared.configs:
                return self._fatal(
                    "None of the configured sources can be connected (see the notices); "
                    "start with --demo for the demo hub, or fix them with `tessera sources`."
                )
            self._passwords_to_ask = [s for s in sources if s.name in prepared.needs_password]
            self.hub_label = "Sources: " + ", ".join(prepared.labels.values())
            return prepared.client, list(prepared.configs)
        assert url is not None
        log.info("hub: %s", redact_url(url))
        self.hub_label = f"{'Demo hub' if self._hub else 'Hub'} {redact_url(url)}"
        self._hub_auth = HubAuth()
        self._hub_url = url
        pinned = await self._blocking(PinStore().get, url) if url.startswith("https:") else None
        if pinned is not None:
            await self._keep_pinned_certificate(url, pinned)
        self._single_config = HubConfig(
            url=url,
            driver=settings.hub.driver,
            operator=operator,
            auth=self._hub_auth,
            tls_fingerprint=pinned,
        )

        def make_client() -> HubClient:
            assert self._single_config is not None  # a confirmed certificate may replace it
            return create_client(self._single_config)

        return make_client, []

    async def _demo_session(self, url: str | None) -> HubAuth | None:
        """The embedded demo hub's session for the sources path (the demo hub among other
        sources): signed in with the one-time secret, as the single-hub path does."""
        assert self._hub is not None
        secret = self._hub.take_secret()
        if url is None or secret is None:
            return None
        auth = HubAuth()
        client = create_client(HubConfig(url=url, auth=auth))
        try:
            facet = client.session_facet
            if facet is None:
                return None
            auth.set_token((await facet.sign_in_bootstrap(secret)).token)
        except HubError as exc:
            self.notices.post(
                f"The demo hub did not sign this console in: {exc.operator_message}",
                Level.WARNING,
            )
            return None
        finally:
            await client.close()
        return auth

    async def _sign_in(self, make_client: Callable[[], HubClient]) -> int | str | None:
        """Sign in where the hub asks for it (issue 17), before anything else talks to it: the
        embedded demo hub with the secret handed over at its start; another hub with the
        session kept in the keyring from the last run, else the sign-in dialog. A hub that does
        not answer now is left to the reachability banner (its refusals later ask again).
        The signed-in operator's name; None on a hub without sign-in; an exit code when
        nobody signed in."""
        auth, url = self._hub_auth, self._hub_url
        if auth is None or url is None:
            return None  # several sources: not yet signed in per source (see the README)
        client = make_client()
        try:
            info = await self._hub_info(client)
            if isinstance(info, HubCertificateError):
                await client.close()
                refused = await self._trust_certificate(info, url)
                if refused is not None:
                    return refused
                client = make_client()  # with the confirmed fingerprint
                info = await self._hub_info(client)
            facet = client.session_facet
            if not isinstance(info, HubInfo) or info.sign_in != "required" or facet is None:
                return None
            embedded = self._hub is not None
            identity = Identity(
                facet,
                auth,
                url,
                notices=self.notices,
                credentials=None if embedded else self.credentials,
            )
            self.identity = identity
            identity.refused.connect(lambda _message: self._ask_sign_in())
            failed = await self._sign_in_without_asking(identity)
            if failed is not None:
                return failed
            return identity.operator
        finally:
            await client.close()

    async def _hub_info(self, client: HubClient) -> HubInfo | HubCertificateError | None:
        """The hub's description (what it asks for, the reasons it requires, its
        capabilities), its certificate's refusal, or None when it does not answer yet (the
        banner says so; its refusals later ask for sign-in)."""
        try:
            info = await asyncio.wait_for(client.info(), SIGN_IN_PROBE_S)
        except HubCertificateError as exc:
            return exc
        except (HubError, asyncio.TimeoutError) as exc:
            log.info("sign-in: the hub does not answer yet (%s)", exc)
            return None
        self._hub_reasons = info.reasons_required
        self._hub_watermark = info.watermark
        self._hub_capabilities = info.capabilities
        return info

    async def _trust_certificate(self, problem: HubCertificateError, url: str) -> int | None:
        """An https hub whose certificate this computer does not trust: show its fingerprint
        and pin it once the operator confirms it (trust on first use); a certificate other than
        the one confirmed before is refused. An exit code when the console cannot go on."""
        if problem.changed or self._opts.screenshot is not None:
            return self._fatal(problem.operator_message)
        try:
            fingerprint, certificate = await peer_certificate(url)
        except HubError as exc:
            return self._fatal(exc.operator_message)
        if not await self._confirm_certificate(url, fingerprint):
            return self._fatal(
                "The hub's certificate was not confirmed, so the console does not connect to it."
            )
        # The certificate itself is kept too: libvlc trusts it for the hub's https video.
        await self._blocking(PinStore().pin, url, fingerprint, certificate)
        assert self._single_config is not None
        self._single_config = dataclasses.replace(self._single_config, tls_fingerprint=fingerprint)
        return None

    async def _keep_pinned_certificate(self, url: str, fingerprint: str) -> None:
        """A hub pinned before the console kept certificates: keep its certificate now, when
        the hub still presents the one confirmed (libvlc needs it for the hub's https video)."""
        store = PinStore()
        if await self._blocking(store.has_certificate, fingerprint):
            return
        try:
            found, certificate = await peer_certificate(url)
        except HubError as exc:
            log.info("hub certificate not kept now: %s", exc)
            return
        if found == fingerprint:
            await self._blocking(store.keep_certificate, fingerprint, certificate)

    async def _confirm_certificate(self, url: str, fingerprint: str) -> bool:
        """Ask the operator (a view) whether the fingerprint is the hub's."""
        from widgets.identity.trust_dialog import ask_trust

        return await ask_trust(redact_url(url), fingerprint)

    async def _sign_in_without_asking(self, identity: Identity) -> int | None:
        """The embedded hub's secret, or the kept session; else the dialog (an exit code when
        the operator cancels it, or when nobody can be asked)."""
        try:
            secret = self._hub.take_secret() if self._hub is not None else None
            if secret is not None:
                await identity.sign_in_bootstrap(secret)
                return None
            if self._hub is None and self._opts.display:
                if await identity.sign_in_kept_display() is not None:
                    return None
            elif self._hub is None and await identity.resume() is not None:
                return None
        except HubError as exc:
            self.notices.post(
                f"Signing in to the hub failed: {exc.operator_message}", Level.WARNING
            )
        if self._opts.screenshot is not None:
            return self._fatal(
                "The hub asks for sign-in; a screenshot run cannot ask for a password."
            )
        if not await self._sign_in_dialog(identity):
            return self._fatal("Nobody signed in to the hub, so the console cannot show it.")
        return None

    def _bind_identity(self, services: Services) -> None:
        """The signed-in operator's rights gate what the features offer (the hub enforces
        them too); the identity talks through the console's own client from now on."""
        if self.identity is None:
            return
        facet = services.client.session_facet
        if facet is not None:
            self.identity.bind(facet)
        services.ptz.gate = self.identity.refusal
        directory = services.directory

        def signed_in_as(info: object) -> None:
            # Another operator sees other cameras: the list is the hub's answer for them.
            if info is not None and self.services is not None:
                self._tasks.spawn(directory.load(), "camera-directory-signed-in")
            services.replay.forget_reason()  # a reason is its operator's

        self.identity.changed.connect(signed_in_as)

    async def _sign_in_dialog(self, identity: Identity) -> bool:
        """The sign-in dialog (a view), modal until signed in or cancelled."""
        from widgets.identity.sign_in import SignInDialog

        dialog = self.sign_in_dialog = SignInDialog(
            identity, self.hub_label, self._opts.user or "", display=self._opts.display
        )
        done: asyncio.Future[bool] = self._loop.create_future()

        def finished(code: int) -> None:
            if not done.done():
                done.set_result(bool(code))

        dialog.finished.connect(finished)
        # The dialog is the only window at start: closing it must not end the application.
        quit_on_close = self._app.quitOnLastWindowClosed()
        self._app.setQuitOnLastWindowClosed(False)
        dialog.open()
        try:
            return await done
        finally:
            await dialog.aclose()
            dialog.deleteLater()
            self._app.setQuitOnLastWindowClosed(quit_on_close)
            self.sign_in_dialog = None

    def _ask_sign_in(self) -> None:
        """The hub ended the session (expired, revoked): ask over the first window."""
        if not self.windows or self.identity is None:
            return
        button = self.windows[0].identity_button
        if button is not None and (button.dialog is None or not button.dialog.isVisible()):
            button.open_sign_in()

    def _start_following(self, services: Services) -> None:
        """The tasks that load and follow the hub for as long as the console runs."""
        self._tasks.spawn(services.directory.load(), "camera-directory")
        self._tasks.spawn(services.alarms.follow(), "alarms")
        self._tasks.spawn(services.ptz.follow_events(), "ptz-events")
        self._tasks.spawn(self._check_bookmarks_offered(), "bookmarks-offered")
        self._tasks.spawn(self._follow_masks(services), "privacy-masks")

    async def _follow_masks(self, services: Services) -> None:
        """Read the console's own masks file, then follow the hub's mask changes (and read
        every camera's masks again after each reconnect)."""
        masks = self.masks
        if masks is None:
            return
        masks.problem.connect(lambda words: self.notices.post(words, Level.WARNING, "masks"))
        await masks.load_local()
        subscription = services.client.resilient_events(types=frozenset({EVENT_CAMERA_MASKS}))
        try:
            await masks.follow_events(subscription, subscription.connected)
        except HubError as e:
            log.warning("masks: the hub refused the event channel: %s", e)
        if services.private_access is not None:
            self._tasks.spawn(services.private_access.load_grants(), "private-access-grants")

    async def _open_bookmarks(self, services: Services) -> Services:
        """Open the bookmark journal (in the data folder, on its own thread) where the hub's
        client has bookmarks; whether the hub itself keeps them is asked afterwards, without
        holding up the start (`_check_bookmarks_offered`). A journal that cannot be kept at all
        is a notice, and no bookmarks."""
        bookmarks = services.bookmarks
        if bookmarks is None:
            return services
        try:
            await bookmarks.open()
        except (JournalError, OSError) as e:  # plain words; the console goes on without them
            self.notices.post(f"Bookmarks cannot be kept: {e}", Level.ERROR, "bookmarks")
            with contextlib.suppress(JournalError, OSError):
                await bookmarks.close()
            return dataclasses.replace(services, bookmarks=None)
        return services

    async def _check_bookmarks_offered(self) -> None:
        """A hub that answers without the bookmarks capability keeps none: B and the dock go.
        One that does not answer now is taken at its client's word (the journal keeps what is
        made until it does)."""
        if self.services is None or self.services.bookmarks is None:
            return
        bookmarks = self.services.bookmarks
        try:
            info = await self.services.client.info()
        except HubError:
            return
        if info.has(CAPABILITY_BOOKMARKS):
            return
        log.info("bookmarks: the hub keeps none")
        for window in self.windows:
            window.drop_bookmarks()
        self.services = dataclasses.replace(self.services, bookmarks=None)
        await bookmarks.close()

    async def _open_journals(self, services: Services, operator: str) -> Services:
        """What the console journals before the hub has it: bookmarks and the audit trail."""
        services = await self._open_bookmarks(services)
        await self._open_audit(services, operator)
        return services

    async def _open_audit(self, services: Services, operator: str) -> None:
        """The audit trail (issue 17): every operator action journaled here first, sent to the
        hub's tamper-evident log, whose history is checked against what this console verified
        before, now and whenever the hub answers again. Only where the hub keeps a log."""
        facet = services.client.audit_facet
        if facet is None or "audit" not in self._hub_capabilities or self._hub_url is None:
            return
        trail = AuditTrail(
            facet,
            # The embedded hub listens on a new port at every start: its log is known by name.
            hub_key=EMBEDDED_HUB_KEY if self._hub is not None else redact_url(self._hub_url),
            notices=self.notices,
            operator=operator,
        )
        await trail.open()
        self.audit = trail
        identity = self.identity

        def who() -> str | None:
            return identity.operator if identity is not None else operator

        wiring = self._audit_wiring = AuditWiring(trail, who)
        if identity is not None:
            identity.before_change = lambda: trail.wait_sent(AUDIT_FLUSH_S)
        for index, wall in enumerate(services.station.walls):
            wiring.watch_wall(index, wall)
        for index, playback in enumerate(services.playbacks):
            wiring.watch_playback(index, playback, services.station.walls[index])
        wiring.watch_ptz(services.ptz)
        wiring.watch_alarms(services.alarms)
        if services.bookmarks is not None:
            wiring.watch_bookmarks(services.bookmarks)
        if self.masks is not None:
            wiring.watch_masks(self.masks)
        if services.private_access is not None:
            wiring.watch_consent(services.private_access)

        def hub_back(*_: object) -> None:
            trail.nudge()
            self._tasks.spawn(trail.check_hub(), "audit-check")

        self._reachability.back.connect(hub_back)
        self._tasks.spawn(trail.check_hub(), "audit-check")

    def _follow_reachability(self, services: Services) -> None:
        """Each source's outage (several sources); the bookmarks are sent at once when the hub
        (or a source) answers again, not after their backoff."""
        if isinstance(services.client, MultiSourceClient):
            self._follow_sources(services.client, services.directory)
        bookmarks = services.bookmarks
        if bookmarks is None:
            return
        self._reachability.back.connect(lambda *_: bookmarks.nudge())
        if self._sources_reach is not None:
            self._sources_reach.source_back.connect(lambda *_: bookmarks.nudge())

    def _ask_passwords(self) -> None:
        """With no keyring, ask for each password a source needs, one after the other; once
        given (kept in memory only), the console reconnects to its sources with them."""
        if not self._passwords_to_ask or self._opts.screenshot is not None or not self.windows:
            return
        from widgets.sources.password_prompt import ask_password

        source = self._passwords_to_ask.pop(0)

        def answered(password: str | None) -> None:
            if password is not None:
                self._typed_passwords[source.credential_key] = password
            if self._passwords_to_ask:
                self._ask_passwords()
            elif self._typed_passwords and not self._quit.is_set():
                self._tasks.spawn(self._use_typed_passwords(), "typed-passwords")

        ask_password(self.windows[0], source.display_name, source.username, answered)

    async def _use_typed_passwords(self) -> None:
        typed, self._typed_passwords = self._typed_passwords, {}
        credentials = self.credentials
        for key, password in typed.items():

            def keep(key: str = key, password: str = password) -> None:
                credentials.set(key, password)  # the password is no argument a log could show

            await self._blocking(keep)
        self.restart_with_sources()

    def _report_sources(self, prepared: PreparedSources) -> None:
        for problem in prepared.problems:
            self.notices.post(problem, Level.WARNING)
        if prepared.warning:
            self.notices.post(prepared.warning, Level.WARNING, "keyring")
        for name in prepared.needs_password:
            self.notices.post(
                f"The source {prepared.labels.get(name, name)} needs its password, which is not "
                "kept on this computer: type it when asked, or in Sources (File → Sources…).",
                Level.WARNING,
                f"source-password:{name}",
            )

    def _follow_sources(self, client: MultiSourceClient, directory: CameraDirectory) -> None:
        """Each source's outage marks its own tiles (their feeds ask it) and is named in a
        notice; the banner and the tree follow "no source answers". A source that comes back
        after it never listed its cameras gets them listed now."""
        self._reachability.close()
        reach = SourcesReachability(client, self.notices)
        self._sources_reach = reach
        self._reachability = reach.all_down

        def source_back(name: str) -> None:
            if not client.has_listed(name):
                self._tasks.spawn(directory.load(), f"camera-directory-{name}")

        reach.source_back.connect(source_back)

    def _build_services(
        self,
        make_client: Callable[[], HubClient],
        operator: str,
        engine: MediaEngine,
        layout_store: LayoutStore,
        saved: SavedLayouts,
        damaged_copy: Path | None = None,
    ) -> Services:
        """Everything the console runs, in the order each needs the others (no I/O here: the
        walls' feeds start, the camera list and the alarms are loaded by tasks afterwards)."""
        opts = self._opts
        client = make_client()
        self.masks = MaskRegistry(
            lambda camera_id: masks_facet_for(client, camera_id),
            LocalMaskFile(),
            no_masks_errors=(HubNotFound, HubNotSupported),
        )
        directory = CameraDirectory(client, self.notices)
        screens = max(1, len(self._app.screens()))
        walls = initial_walls(saved, screens, opts.layout, opts.render_path)
        walls = self._without_native_windows_offscreen(walls)
        if opts.live_buffer_ms is not None:
            walls = [dataclasses.replace(w, live_buffer_ms=opts.live_buffer_ms) for w in walls]
        station = Workstation(
            directory,
            self.notices,
            layout_store,
            saved,
            walls,
            functools.partial(self._make_feed, engine, client, directory),
            fill_first_wall=opts.layout is not None,
            forced_profile=opts.profile,
            damaged_copy=damaged_copy,
        )
        alarms = AlarmBook(client, self.notices)
        private_access = PrivateAccess(directory.get, client.consent_facet)
        station.set_live_gate(private_access)
        bookmarks = (
            Bookmarks(client, notices=self.notices, operator=operator)
            if client.bookmarks_facet is not None
            else None
        )
        services = Services(
            client=client,
            stop_line=StopLine(make_client),
            engine=engine,
            directory=directory,
            layout_store=layout_store,
            station=station,
            ptz=PtzDesk(client, directory, operator),
            alarms=alarms,
            auto_pop=AutoPop(station.walls, alarms, lambda: self.alert_settings, self.notices),
            replay=AlarmReplay(
                client,
                directory,
                lambda: engine.create_player(
                    RenderPath.COMPOSITED, name="alarm-replay", network_caching_ms=REPLAY_BUFFER_MS
                ),
                masks_of=self.masks.masks_for,
            ),
            bookmarks=bookmarks,
            private_access=private_access,
            playbacks=[
                WallPlayback(
                    wall,
                    feeds,
                    functools.partial(self._make_playback_session, engine, client, directory),
                    client,
                )
                for wall, feeds in zip(station.walls, station.feeds, strict=True)
            ],
        )
        self._bind_identity(services)
        playbacks = services.playbacks
        self.privacy = PrivacyWiring(
            self.masks,
            station.walls,
            lambda index: station.feeds[index],
            self.notices,
            playback_of=lambda index: playbacks[index].session if index < len(playbacks) else None,
            replay=services.replay,
            camera_name=station.camera_name,
            ptz=services.ptz,
            live_buffer_ms=engine.settings.network_caching_ms,
            watermark_on=lambda: self.watermark_on,
        )
        self.privacy.follow_ptz()  # masks anchored to a PTZ head follow it
        self.privacy.check_native_walls()  # the watermark policy: no native-window wall
        return services

    def _make_playback_session(
        self, engine: MediaEngine, client: HubClient, directory: CameraDirectory
    ) -> PlaybackSession:
        def make_player(name: str) -> TilePlayer:
            return engine.create_player(
                RenderPath.COMPOSITED, name=name, network_caching_ms=PLAYBACK_BUFFER_MS
            )

        masks = self.masks
        return PlaybackSession(
            client,
            directory,
            make_player,
            masks_of=masks.masks_for if masks is not None else lambda _camera_id: None,
        )

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

    def _guard_native_walls(self, station: Workstation) -> None:
        """A native-window wall this machine cannot keep live falls back to composited."""
        for index, (wall, feeds) in enumerate(zip(station.walls, station.feeds, strict=True)):

            def current(feeds: Any = feeds) -> list[GuardedFeed]:
                return list(feeds.feeds.values())

            def give_up(reason: str, index: int = index, wall: WallModel = wall) -> None:
                self.notices.post(f"Wall {index + 1}: {reason}.", Level.WARNING)
                wall.set_render_path(RenderPath.COMPOSITED)

            guard = NativeWallGuard(wall, current, give_up)
            guard.start(self._loop)
            self._guards.append(guard)

    def _start_attention(self, services: Services, folder: Path) -> None:
        from widgets.alarms.desktop_notifier import DesktopNotifier

        self.attention = AlertAttention(
            services.alarms,
            lambda: self.alert_settings,
            AplayPlayer(folder / "sounds", self.notices),
            DesktopNotifier(lambda: list(self.windows)),
            services.station.camera_name,
        )

    def open_alarm(self, alert: Alert) -> None:
        """The operator opened an alarm: show its camera live (see AutoPop.show)."""
        if self.services is not None:
            self.services.auto_pop.show(alert, self.services.station.show_on_selected_tile)

    async def _start_joysticks(self, services: Services, folder: Path) -> None:
        profiles = JoystickProfiles(folder / "joysticks.json")
        problem = await self._blocking(profiles.load)
        if problem:
            self.notices.post(problem, Level.WARNING)
        self.joysticks = JoystickInput(self._marshal, profiles)
        self.joystick_steering = JoystickSteering(
            services.ptz, services.station, self.joysticks, self.notices, services.stop_line.start()
        )
        self.joysticks.start()  # SDL starts on its own thread; failure is reported, not raised

    async def save_session(self) -> None:
        """Keep the walls as they are for the next start, apart from the named layouts (which
        change only when the operator saves one)."""
        if self.services is not None:
            await self.services.station.save_session()

    async def save_arrangements(self) -> None:
        """Keep where each window's docks are and how big, per screen, for the next start."""
        if self.services is None or not self.windows:
            return
        arrangements = self._arrangements
        for window, wall in zip(self.windows, self.services.station.walls, strict=False):
            arrangements = arrangements.with_screen(wall.screen, Arrangement(window.arrangement()))
        if self._arrangement_store is None:
            return
        try:
            await self._blocking(self._arrangement_store.save, arrangements)
        except OSError as e:
            log.warning("window arrangement not saved: %s", e)
            return
        self._arrangements = arrangements

    async def _probe_hub(self) -> object:
        """Asked every half second while the hub is down (see HubReachability)."""
        if self.services is None:
            raise RuntimeError("no hub client yet")
        return await self.services.client.info()

    def _make_feed(
        self,
        engine: MediaEngine,
        client: HubClient,
        directory: CameraDirectory,
        wall_index: int,
        key: FeedKey,
        wall: WallModel,
    ) -> LiveFeed:
        # Called while the Workstation is being built (saved walls start their feeds at once).
        render = wall.render_path
        camera = directory.get(key.camera_id)
        profile = camera.profile(key.profile) if camera else None
        if camera is not None and profile is None and camera.profiles:
            profile = camera.profiles[0]  # a hub without this profile: take what it has
        profile_name = profile.name if profile else key.profile
        name = f"wall{wall_index + 1}:{key.camera_id}:{profile_name}"

        reach = (
            self._sources_reach.for_camera(key.camera_id)
            if self._sources_reach is not None
            else self._reachability
        )

        masks = self.masks

        async def resolve() -> str:
            try:
                if masks is not None:
                    # The first picture is masked too: know the camera's masks before playing
                    # (a hub that cannot say holds the stream back; it is tried again).
                    await masks.ensure(key.camera_id)
                url = (await client.stream(key.camera_id, profile_name)).url
            except (HubUnreachable, HubConnectionLost) as e:
                reach.failed()
                raise RuntimeError(e.operator_message) from e
            except HubError as e:  # the hub answered: it is there, this camera is not
                reach.answered()
                raise RuntimeError(e.operator_message) from e
            reach.answered()
            if needs_gateway(url, self._libvlc_opens_rtsp):
                try:
                    url = (await self._stream_gateway()).local_url(url)
                except OSError as e:
                    raise RuntimeError(
                        f"The console cannot relay this RTSP camera to its player: {e}."
                    ) from e
            return url

        live_buffer = key.buffer_ms  # the wall's; None: the engine's setting
        size = (profile.width, profile.height) if profile else None

        def make_player() -> TilePlayer:
            player = engine.create_player(
                render, name=name, network_caching_ms=live_buffer, picture_size=size
            )
            return mask_player(masks, player, key.camera_id) if masks is not None else player

        return LiveFeed(
            make_player,
            resolve,
            self._marshal,
            profile.fps if profile else 15.0,
            name=name,
            hub_back=reach.back,
            stream_lost=reach.check,
            tasks=self._feed_tasks,
            hub_silent=reach.failed,  # no answer in time; not a feed closed while it waited
        )

    def _open_windows(self, services: Services) -> None:
        from widgets.privacy.tile_privacy import TilePrivacy
        from widgets.shell.wall_window import WallWindow

        screens = self._app.screens()
        for index, wall in enumerate(services.station.walls):
            window = WallWindow(
                services.station,
                index,
                self.quit,
                hub_label=self.hub_label,
                default_buffer_ms=services.engine.settings.network_caching_ms,
                ptz=services.ptz,
                alarms=services.alarms,
                open_alarm=self.open_alarm,
                replay=services.replay,
                bookmarks=services.bookmarks,
                playback=services.playbacks[index] if services.playbacks else None,
                open_sources=functools.partial(self._open_sources_from, index),
                identity=self.identity,
                reasons=self._reason_policy.with_hub(self._hub_reasons),
                export=self._export_desk(services),
            )
            screen = screens[min(wall.screen, len(screens) - 1)]
            if self.masks is not None:  # privacy masks on the tiles (issue 18)
                window.wall_view.set_privacy(
                    TilePrivacy(
                        self.masks,
                        self.identity,
                        self._reason_policy.with_hub(self._hub_reasons),
                        services.station.camera_name,
                        lambda words: self.notices.post(words, Level.WARNING, "masks"),
                        ptz=services.ptz,
                        parent=window,
                    )
                )
            window.wall_view.follow_hub(self._reachability)  # the banner while it is down
            window.wall_view.set_watermark(self._watermark if self.watermark_on else None)
            window.wall_view.set_consent(services.private_access)  # private cameras' tiles
            if window.camera_tree is not None:
                window.camera_tree.follow_hub(self._reachability)
            window.setScreen(screen)
            window.move(screen.availableGeometry().topLeft())
            kept = self._arrangements.get(wall.screen)
            if kept is not None and self._opts.screenshot is None:
                window.restore_arrangement(kept.state)  # docks as the operator left them
            if wall.state.fullscreen:
                window.showFullScreen()
            elif self._opts.screenshot is not None:
                window.show()  # a fixed size, so headless shots look alike on every machine
            else:
                window.showMaximized()  # the video gets the space
            self.windows.append(window)
        self._ask_passwords()  # over the first window, once the walls are up

    @property
    def watermark_on(self) -> bool:
        """Whether the settings' policy or the hub asks for the operator watermark."""
        return self._watermark_policy or self._hub_watermark

    def _watermark_source(self, operator: str) -> Callable[[], tuple[str, ...]]:
        """The watermark's lines now: the signed-in operator (whoever holds the session when
        the tile paints), this computer's name and the local time."""
        from console.watermark.text import watermark_lines

        console = socket.gethostname()

        def lines() -> tuple[str, ...]:
            who = self.identity.operator if self.identity is not None else None
            return watermark_lines(who or operator, console, datetime.now().astimezone())

        return lines

    def _export_desk(self, services: Services) -> ExportDesk | None:
        """Evidence export (issue 18), where the hub offers it (a Tessera hub with "export")."""
        client = services.client
        if not isinstance(client, TesseraExportMixin) or "export" not in self._hub_capabilities:
            return None
        if self._hub_url is None:
            return None
        wiring = self._audit_wiring
        station = services.station
        masks = self.masks
        return ExportDesk(
            hub=cast("ExportHub", client),
            hub_url=redact_url(self._hub_url),
            hub_name=self.hub_label,
            identity=self.identity,
            operator_name=lambda: self._opts.operator or default_operator(),
            camera_name=station.camera_name,
            reasons=self._reason_policy.with_hub(self._hub_reasons),
            record=None if wiring is None else wiring.record,
            # The masks as every other path draws them (console.privacy): an export of a
            # masked camera is re-encoded with them; lifted for this operator, it says so.
            masks_for=(lambda _c: ()) if masks is None else masks.masks,
            masks_lifted=(
                (lambda _c: False) if masks is None else lambda c: masks.lifted_until(c) is not None
            ),
        )

    async def _stream_gateway(self) -> StreamGateway:
        """The stream gateway (RTSP read by PyAV, served to libvlc over HTTP on loopback),
        started off the GUI thread the first time a tile needs it; every tile shares it."""
        if self._gateway_started is None:

            async def start() -> StreamGateway:
                gateway = StreamGateway(linger_s=GATEWAY_LINGER_S)
                await self._blocking(gateway.start)
                self._gateway = gateway
                return gateway

            self._gateway_started = asyncio.ensure_future(start())
        started = self._gateway_started
        try:
            return await asyncio.shield(started)
        except OSError:
            if self._gateway_started is started:
                self._gateway_started = None  # the next tile tries again
            raise

    def _open_sources_from(self, index: int) -> None:
        self.open_sources(self.windows[index] if index < len(self.windows) else None)

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
                assert self.services is not None  # windows exist only once started
                cam = view.tile.camera_id or ""
                state = view.feed.state if view.feed else None
                why = f" ({state.status.value}: {state.reason})" if state and state.reason else ""
                missing.append(
                    f"wall {index + 1}, tile {view.tile.id} "
                    f"({self.services.station.camera_name(cam)}){why}"
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

    async def _close_masks(self) -> None:
        if self.privacy is not None:
            self.privacy.disconnect()
        if self.masks is not None:
            await self.masks.aclose()

    async def shutdown(self) -> None:
        """Close every owner of tasks and threads, each waiting for what it started; nothing
        sweeps the loop (what is left is named in the log: a task without an owner is a bug)."""
        await self._tasks.close()
        await self._close_masks()
        if self._source_sessions is not None:
            await self._source_sessions.close()
        self._reachability.close()
        if self._sources_reach is not None:
            self._sources_reach.close()
        for guard in self._guards:
            guard.stop()
        services = self.services
        if services is not None:
            for playback in services.playbacks:  # before the feeds: a wall in playback stays so
                playback.close()
            services.station.close()  # every feed: its task cancelled, its player to the reaper
        await self._feed_tasks.close()
        if self._sources_dialog is not None:
            await self._sources_dialog.aclose()
            self._sources_dialog = None
        for window in self.windows:
            window.hide()
            await window.aclose()
        if self.joysticks is not None:
            await self._blocking(self.joysticks.stop)
        if self.attention is not None:
            self.attention.close()
        if services is not None:
            await self._end_session()
            await self._close_services(services)
        if self._hub is not None:
            await self._blocking(self._hub.stop)
        self.stall.stop()
        current = asyncio.current_task()
        left = [t.get_name() for t in asyncio.all_tasks() if t is not current and not t.done()]
        if left:
            log.warning("tasks still running after shutdown: %s", ", ".join(sorted(left)))

    async def _end_session(self) -> None:
        """No more audit entries; the embedded hub's session is ended (another hub's stays, in
        the keyring, for the next start)."""
        if self._audit_wiring is not None:
            self._audit_wiring.disconnect()
        if self.identity is not None and self._hub is not None:
            await self.identity.sign_out()

    async def _close_services(self, services: Services) -> None:
        await self._blocking(services.stop_line.close)  # after the stick: its last stop goes out
        if self.audit is not None:
            # Before the client: the journal has every entry on disk already; the next start
            # sends what the hub has not acknowledged.
            await self.audit.close()
        services.replay.close()
        if services.bookmarks is not None:
            # Before the client: its sender stops, the journal (all on disk already) closes.
            await services.bookmarks.close()
        await services.alarms.aclose()
        await services.ptz.close()  # stops every camera this console steers
        await self._blocking(services.engine.shutdown, 3.0)
        if self._gateway is not None:
            # After the players: their HTTP connections to it are gone.
            await self._blocking(self._gateway.close, 2.0)
        await services.client.close()


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
    credentials = Credentials()
    running: list[ConsoleApp] = []

    def quit_running() -> None:
        for console in running:
            console.quit()

    # Ctrl+C in the terminal quits cleanly (streams stopped, layout saved, hub stopped).
    signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(quit_running))
    signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(quit_running))
    try:
        while True:
            console = ConsoleApp(options, app, credentials)
            running[:] = [console]
            code = loop.run_until_complete(console.run())
            # New sources applied: start again on them (the session was saved on the way out).
            if code != 0 or not console.restart_requested:
                break
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return int(code)
