"""The configured sources made ready to run: their hub configurations with passwords read from
the keyring (once, off the GUI thread), one `HubReachability` per source and one for "nothing
answers at all".

A source that does not answer marks only its own tiles (their feeds ask its reachability) and
posts one notice naming it; the wall's banner and the camera tree's line follow `all_down`,
which is down only while no source answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from console.base.notices import Level, Notices
from console.base.signals import Signal
from console.hub.identity import HubAuth
from console.hub.reachability import HubReachability
from console.hub.registry import HubConfig, create_client
from console.sources.camera_lists import load_camera_list
from console.sources.connect import hub_config
from console.sources.credentials import Credentials
from console.sources.model import SourceConfig, SourceError, SourceKind
from console.sources.multi import MultiSourceClient

log = logging.getLogger(__name__)

NOTICE_PREFIX = "source-down:"


@dataclass
class PreparedSources:
    """What `prepare_sources` read: a HubConfig per source (passwords in memory only), the
    labels the tree shows, and the sources whose password is needed but not known."""

    sources: list[SourceConfig]
    configs: dict[str, HubConfig]
    labels: dict[str, str]
    needs_password: list[str] = field(default_factory=list)
    warning: str | None = None  # the keyring's, e.g. no backend
    problems: list[str] = field(default_factory=list)  # sources left out, in plain words

    def client(self) -> MultiSourceClient:
        """A new client of every source (the console's, or the PTZ stop line's own)."""
        return MultiSourceClient(
            {name: create_client(config) for name, config in self.configs.items()}, self.labels
        )


def prepare_sources(
    sources: list[SourceConfig],
    credentials: Credentials,
    *,
    operator: str | None,
    demo_url: str | None,
    demo_auth: HubAuth | None = None,
) -> PreparedSources:
    """Read every password the sources need (the keyring; with no keyring backend, what the
    operator typed this session, which `Credentials` keeps in memory). Blocking (keyring,
    camera list files): run it in an executor."""
    configs: dict[str, HubConfig] = {}
    labels: dict[str, str] = {}
    needs: list[str] = []
    problems: list[str] = []
    # The keyring's state matters only to sources that sign in.
    signs_in = any(s.enabled and (s.username or s.kind is SourceKind.RTSP) for s in sources)
    warning = credentials.backend_warning() if signs_in else None
    for source in sources:
        if not source.enabled:
            continue
        password = credentials.get(source.credential_key) if source.username else None
        if source.username and password is None:
            needs.append(source.name)
        lookup: Callable[[str], str | None] | None = None
        if source.kind is SourceKind.RTSP:
            lookup = _camera_passwords(Path(source.url), credentials)
        try:
            configs[source.name] = hub_config(
                source,
                password,
                operator=operator,
                demo_url=demo_url,
                credential_lookup=lookup,
                demo_auth=demo_auth,
            )
        except SourceError as e:
            problems.append(f"The source {source.display_name} is not connected: {e}")
            continue
        labels[source.name] = source.display_name
    return PreparedSources(list(sources), configs, labels, needs, warning, problems)


def _camera_passwords(path: Path, credentials: Credentials) -> Callable[[str], str | None]:
    """The passwords of a camera list's cameras, read now (so the driver never asks the
    keyring on the GUI thread), looked up by keyring key."""
    found: dict[str, str] = {}
    listed = load_camera_list(path)
    for camera in listed.value:
        key = camera.credential_key
        if key is None or key in found:
            continue
        password = credentials.get(key)
        if password is not None:
            found[key] = password
    return found.get


class SourcesReachability:
    """One `HubReachability` per source (probing that source alone) and `all_down`, down only
    while none of them answers. A source's outage posts a notice naming it; its return
    withdraws it and emits `source_back(name)`."""

    def __init__(self, client: MultiSourceClient, notices: Notices) -> None:
        self._client = client
        self._notices = notices
        self.all_down = HubReachability()
        self.per_source: dict[str, HubReachability] = {}
        for name in client.source_names:
            source = client.source_client(name)
            reach = HubReachability(source.info)
            reach.went_down.connect(lambda name=name: self._went_down(name))
            reach.back.connect(lambda name=name: self._back(name))
            self.per_source[name] = reach
        # Consumers that reload what a source had (its cameras) when it answers again.
        self.source_back = Signal()

    def for_camera(self, camera_id: str) -> HubReachability:
        return self.per_source[self._client.source_of(camera_id)]

    def check(self) -> None:
        for reach in self.per_source.values():
            reach.check()

    def _went_down(self, name: str) -> None:
        label = self._client.label(name)
        log.warning("source %s does not answer", name)
        self._notices.post(
            f"The source {label} does not answer: its cameras show NO SIGNAL until it does; "
            "the other sources are not affected.",
            Level.WARNING,
            NOTICE_PREFIX + name,
        )
        if all(r.down for r in self.per_source.values()):
            self.all_down.failed()

    def _back(self, name: str) -> None:
        log.info("source %s answers again", name)
        self._notices.withdraw(NOTICE_PREFIX + name)
        self.all_down.answered()
        self.source_back.emit(name)

    def close(self) -> None:
        for reach in self.per_source.values():
            reach.close()
        self.all_down.close()
