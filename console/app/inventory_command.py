"""`tessera inventory`: the camera estate as a CSV file or an HTML page (issue 18, section 4).

    tessera inventory [--format csv|html] [--output FILE] [--demo | --hub URL [--user NAME]]

It reaches the hubs the console would: the configured sources (the demo hub started when one
of them is it), else the settings' hub, else the embedded demo hub; `--hub URL` or `--demo`
choose one hub for this run. It signs in as the console does: the embedded demo hub with the
one-time secret it is started with, another hub with the session kept in the system keyring,
or `--user NAME` with a password from a prompt or standard input (never an argument). Each
camera is checked against the restricted vendors list (`console.provenance`); the report
is written by `console.provenance.inventory`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from console.app.hubprocess import EmbeddedHub, HubStartError
from console.app.settings import SettingsStore
from console.base.jsonfile import config_dir
from console.base.logsetup import configure_logging
from console.base.redact import redact_url
from console.hub.errors import HubError
from console.hub.identity import HubAuth
from console.hub.models import Camera
from console.hub.registry import HubConfig, create_client
from console.identity.pins import PinStore
from console.identity.signin import session_key
from console.provenance.inventory import (
    Inventory,
    inventory_rows,
    render_html,
    sorted_rows,
    write_csv,
)
from console.sources.credentials import Credentials
from console.sources.model import SourceConfig, SourceKind
from console.sources.probe import probe_source
from console.sources.store import SourcesStore

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
DEMO_LABEL = "Demo hub"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tessera inventory",
        description="Write the camera estate (source, camera, group, location, vendor, model, "
        "firmware, provenance flags with their source, sharing tier) as CSV or as an HTML "
        "report. Reaches the configured sources, as the console does.",
    )
    p.add_argument("--format", choices=("csv", "html"), default="csv", help="default csv")
    p.add_argument("--output", metavar="FILE", type=Path, help="write here (default: stdout)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--hub", metavar="URL", help="this hub alone, sources aside")
    which.add_argument("--demo", action="store_true", help="the embedded demo hub alone")
    p.add_argument("--user", metavar="NAME", help="sign in to --hub as NAME (password asked)")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read --user's password from the first line of standard input",
    )
    p.add_argument("--title", default="Camera inventory", help="the report's title")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    return p


class InventoryError(Exception):
    """A refusal in plain words; the command prints it and exits non-zero."""


@dataclass
class Collected:
    """The cameras read, per hub label, and what could not be read."""

    cameras: dict[str, tuple[Camera, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


async def _read_cameras(config: HubConfig) -> tuple[Camera, ...]:
    client = create_client(config)
    try:
        return (await client.camera_list()).cameras
    finally:
        await client.close()


async def demo_hub_cameras(
    hub_factory: Callable[[], EmbeddedHub] = EmbeddedHub,
) -> tuple[Camera, ...]:
    """Start the embedded demo hub, sign in with its one-time secret, list its cameras, stop
    it. HubStartError or HubError when it cannot."""
    hub = hub_factory()
    url = await asyncio.to_thread(hub.start)
    try:
        secret = hub.take_secret()
        auth = HubAuth()
        client = create_client(HubConfig(url=url, auth=auth))
        try:
            facet = client.session_facet
            if facet is not None and secret is not None:
                auth.set_token((await facet.sign_in_bootstrap(secret)).token)
            return (await client.camera_list()).cameras
        finally:
            await client.close()
    finally:
        await asyncio.to_thread(hub.stop)


class InventoryCommand:
    """The command, with its settings file, keyring, streams and demo hub given (tests use
    their own)."""

    def __init__(
        self,
        *,
        settings: Path | None = None,
        credentials: Credentials | None = None,
        pins: PinStore | None = None,
        hub_factory: Callable[[], EmbeddedHub] = EmbeddedHub,
        stdin: TextIO | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        now: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ) -> None:
        self.settings_path = settings or config_dir() / "settings.json"
        self.credentials = credentials or Credentials()
        self.pins = pins
        self.hub_factory = hub_factory
        self.stdin = stdin or sys.stdin
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.now = now

    def warn(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    # -- reaching the hubs

    async def _one_hub(self, url: str, opts: argparse.Namespace, into: Collected) -> None:
        """A hub by address: the kept session, or --user with a password, where it asks."""
        label = f"Hub {redact_url(url)}"
        pins = self.pins or PinStore()
        fingerprint = pins.get(url) if url.startswith("https:") else None
        auth = HubAuth(self.credentials.get(session_key(url)))
        config = HubConfig(url=url, auth=auth, tls_fingerprint=fingerprint, timeout_s=opts.timeout)
        client = create_client(config)
        try:
            info = await client.info()
            facet = client.session_facet
            if info.sign_in == "required" and facet is not None and opts.user:
                password = self._password(opts)
                auth.set_token((await facet.sign_in(opts.user, password)).token)
            elif info.sign_in == "required" and auth.token is None:
                raise InventoryError(
                    f"{label} asks for sign-in: give --user NAME (the password is asked for, "
                    "or read from standard input with --password-stdin)."
                )
            into.cameras[label] = (await client.camera_list()).cameras
        finally:
            await client.close()

    def _password(self, opts: argparse.Namespace) -> str:
        if opts.password_stdin:
            line = self.stdin.readline().rstrip("\r\n")
            if not line:
                raise InventoryError("--password-stdin was given, but standard input was empty.")
            return line
        if not self.stdin.isatty():
            raise InventoryError("No password: pass it on standard input with --password-stdin.")
        return getpass.getpass(f"Password for {opts.user}: ")

    async def _demo(self, into: Collected, label: str = DEMO_LABEL) -> None:
        try:
            into.cameras[label] = await demo_hub_cameras(self.hub_factory)
        except HubStartError as exc:
            into.problems.append(f"{label}: {exc}")
        except HubError as exc:
            into.problems.append(f"{label}: {exc.operator_message}")

    async def _sources(self, sources: list[SourceConfig], opts: argparse.Namespace) -> Collected:
        into = Collected()
        for source in sources:
            label = source.display_name
            if source.kind is SourceKind.DEMO:
                await self._demo(into, label)
                continue
            password = self.credentials.get(source.credential_key) if source.username else None
            result = await probe_source(
                source, password, timeout_s=opts.timeout, credential_lookup=self.credentials.get
            )
            if result.cameras:
                into.cameras[label] = result.cameras
            if not result.ok:
                into.problems.append(f"{label}: {result.message}")
        return into

    async def collect(self, opts: argparse.Namespace) -> Collected:
        """The cameras of the hubs this run reaches (see the module's docstring)."""
        if opts.demo:
            into = Collected()
            await self._demo(into)
            return into
        if opts.hub:
            into = Collected()
            await self._one_hub(opts.hub, opts, into)
            return into
        loaded = SourcesStore(self.settings_path).load()
        if loaded.problem:
            self.warn(loaded.problem)
        sources = [s for s in loaded.value if s.enabled]
        if sources:
            return await self._sources(sources, opts)
        settings = SettingsStore(self.settings_path).load()
        if settings.problem:
            self.warn(settings.problem)
        if settings.value.hub.url:
            into = Collected()
            await self._one_hub(settings.value.hub.url, opts, into)
            return into
        into = Collected()
        await self._demo(into)
        return into

    # -- the report

    def report(self, collected: Collected) -> Inventory:
        rows = []
        for label, cameras in collected.cameras.items():
            rows.extend(inventory_rows(label, cameras))
        return Inventory(
            rows=sorted_rows(rows),
            hubs=tuple(collected.cameras),
            made_at=self.now(),
            problems=tuple(collected.problems),
        )

    def write(self, inventory: Inventory, opts: argparse.Namespace) -> None:
        if opts.output is None:
            self._write_to(inventory, opts, self.out)
            return
        with opts.output.open("w", encoding="utf-8", newline="") as f:
            self._write_to(inventory, opts, f)

    @staticmethod
    def _write_to(inventory: Inventory, opts: argparse.Namespace, out: TextIO) -> None:
        if opts.format == "html":
            out.write(render_html(inventory, opts.title))
        else:
            write_csv(inventory, out)

    def run(self, argv: list[str]) -> int:
        opts = _parser().parse_args(argv)
        configure_logging(opts.verbose)
        try:
            collected = asyncio.run(self.collect(opts))
        except InventoryError as exc:
            self.warn(str(exc))
            return EXIT_FAILED
        except HubError as exc:
            self.warn(f"The inventory could not be made: {exc.operator_message}")
            return EXIT_FAILED
        for problem in collected.problems:
            self.warn(f"Not included: {problem}")
        if not collected.cameras:
            self.warn("No hub answered: there is nothing to report.")
            return EXIT_FAILED
        inventory = self.report(collected)
        try:
            self.write(inventory, opts)
        except OSError as exc:
            self.warn(f"Could not write the report: {exc.strerror} ({exc.filename}).")
            return EXIT_FAILED
        if opts.output is not None:
            self.warn(f"Wrote {len(inventory.rows)} cameras to {opts.output}.")
        return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`tessera inventory ARGS`: the exit status (0 written, 1 failed, 2 usage)."""
    return InventoryCommand().run(list(sys.argv[1:] if argv is None else argv))
