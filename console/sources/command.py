"""`tessera sources ...`: set up a wall PC's sources from a script (README.md of this package).

    tessera sources list
    tessera sources add onvif NAME --host H [--port P] [--user U]
    tessera sources add rtsp NAME --url URL [--sub-url URL] [--camera-name N] [--user U]
    tessera sources add rtsp NAME --file PATH [--user U]
    tessera sources add tessera NAME --url URL [--user U]
    tessera sources test NAME
    tessera sources remove NAME

A password is read from standard input (`--password-stdin`, its first line) or asked for at an
interactive prompt, never taken from an argument (the process list and shell history would
show it). It goes to the system keyring; with none, `add` says so and the console will ask for
it each session.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import re
import sys
from pathlib import Path
from typing import TextIO

from console.base.jsonfile import config_dir
from console.base.logsetup import configure_logging
from console.base.redact import redact_url
from console.sources.camera_lists import (
    ListedCamera,
    camera_list_dir,
    load_camera_list,
    save_camera_list,
    url_problem,
)
from console.sources.credentials import Credentials
from console.sources.model import SourceConfig, SourceError, SourceKind
from console.sources.probe import probe_source
from console.sources.store import SourcesStore, check_address, settings_path

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A refusal in plain words; the command prints it and exits non-zero."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tessera sources",
        description="List, add, test and remove the console's sources of cameras. Passwords "
        "go to the system keyring and are read from standard input or a prompt, never from "
        "an argument.",
    )
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the configured sources")

    add = sub.add_parser("add", help="add a source")
    kinds = add.add_subparsers(dest="kind", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("name", help="1 to 32 letters, digits, '-' or '_'")
        q.add_argument("--user", default="", help="user name (not secret)")
        q.add_argument("--label", default="", help="shown in the camera tree")
        q.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )

    onvif = kinds.add_parser("onvif", help="one ONVIF camera")
    common(onvif)
    onvif.add_argument("--host", required=True, help="the camera's address")
    onvif.add_argument("--port", type=int, default=80, help="its ONVIF port (default 80)")

    rtsp = kinds.add_parser("rtsp", help="a list of RTSP and HTTP cameras")
    common(rtsp)
    what = rtsp.add_mutually_exclusive_group(required=True)
    what.add_argument("--url", help="add a camera with this stream URL to the source's list")
    what.add_argument("--file", type=Path, help="use this existing camera list file")
    rtsp.add_argument("--sub-url", default="", help="the camera's smaller stream")
    rtsp.add_argument("--camera-name", default="", help="the camera's name")
    rtsp.add_argument("--camera-id", default="", help="the camera's id (default from its name)")

    tessera = kinds.add_parser("tessera", help="a Tessera hub")
    common(tessera)
    tessera.add_argument("--url", required=True, help="the hub's address, http(s)://host:port")

    test = sub.add_parser("test", help="test a source: reach it, sign in, list its cameras")
    test.add_argument("name")
    test.add_argument(
        "--password-stdin",
        action="store_true",
        help="test with the password on standard input instead of the kept one",
    )
    test.add_argument("--timeout", type=float, default=10.0, help="seconds per request")

    remove = sub.add_parser("remove", help="remove a source and forget its passwords")
    remove.add_argument("name")
    return p


class SourcesCommand:
    """The commands, with their files, keyring and streams given (tests use their own)."""

    def __init__(
        self,
        *,
        settings: Path | None = None,
        lists: Path | None = None,
        credentials: Credentials | None = None,
        stdin: TextIO | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.store = SourcesStore(settings or settings_path())
        self.lists = lists or camera_list_dir(config_dir())
        self.credentials = credentials or Credentials()
        self.stdin = stdin or sys.stdin
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    # -- helpers

    def _sources(self, *, writing: bool) -> list[SourceConfig]:
        loaded = self.store.load()
        if loaded.problem:
            if writing:
                raise CommandError(
                    f"{loaded.problem} Correct the file (or move it away) before changing sources."
                )
            self.warn(loaded.problem)
        return loaded.value

    def _find(self, sources: list[SourceConfig], name: str) -> SourceConfig:
        for s in sources:
            if s.name == name:
                return s
        raise CommandError(f"There is no source called {name}.")

    def _read_password(self, opts: argparse.Namespace, *, user: str) -> str | None:
        if opts.password_stdin:
            line = self.stdin.readline()
            password = line[:-1] if line.endswith("\n") else line
            password = password.removesuffix("\r")
            if not password:
                raise CommandError("--password-stdin was given, but standard input was empty.")
            return password
        if user and self.stdin.isatty():
            password = getpass.getpass(f"Password for {user} (empty: none): ")
            return password or None
        if user:
            self.warn(
                "No password set (standard input is not a terminal): pass it on standard input "
                "with --password-stdin."
            )
        return None

    def _keep_password(self, key: str, password: str) -> None:
        if self.credentials.set(key, password):
            warning = self.credentials.backend_warning()
            self.say(
                "The password is kept in the keyring."
                if warning
                else "The password is kept in the system keyring."
            )
            if warning:
                self.warn(f"Note: {warning}")
        else:
            self.warn(
                "The password cannot be kept: "
                + (self.credentials.backend_warning() or "there is no system keyring.")
                + " The console will ask for it each session."
            )

    # -- commands

    def list_sources(self) -> int:
        sources = self._sources(writing=False)
        if not sources:
            self.say("No sources: the console runs the embedded demo hub.")
            return EXIT_OK
        for s in sources:
            address = s.url if s.kind is SourceKind.RTSP else redact_url(s.url)
            parts = [s.name, s.kind.value, address or "-"]
            if s.username:
                parts.append(f"user {s.username}")
            if s.label:
                parts.append(f"label {s.label!r}")
            if not s.enabled:
                parts.append("disabled")
            self.say("  ".join(parts))
        return EXIT_OK

    def add(self, opts: argparse.Namespace) -> int:
        sources = self._sources(writing=True)
        kind = SourceKind(opts.kind)
        existing = next((s for s in sources if s.name == opts.name), None)
        if kind is SourceKind.RTSP and opts.url is not None:
            return self._add_camera(opts, sources, existing)
        if existing is not None:
            raise CommandError(f"A source called {opts.name} exists already; remove it first.")
        if kind is SourceKind.ONVIF:
            host = opts.host.strip()
            if not host or "/" in host or "@" in host:
                raise CommandError("--host is the camera's address: a name or an IP address.")
            if ":" in host and not host.startswith("["):
                host = f"[{host}]"  # IPv6
            if not 0 < opts.port < 65536:
                raise CommandError("--port must be between 1 and 65535.")
            url = f"http://{host}:{opts.port}"
        elif kind is SourceKind.RTSP:
            path = opts.file.expanduser().resolve()
            if not path.is_file():
                raise CommandError(f"There is no camera list file {path}.")
            loaded = load_camera_list(path)
            if loaded.problem:
                self.warn(loaded.problem)
            self.say(f"{path}: {len(loaded.value)} camera(s).")
            url = str(path)
        else:
            url = opts.url.strip()
        source = self._new_source(opts, kind, url)
        password = self._read_password(opts, user=opts.user)
        self.store.save([*sources, source])
        self.say(f"Added {kind.kind_name.lower()} {source.name}.")
        if password is not None:
            self._keep_password(source.credential_key, password)
        return EXIT_OK

    def _new_source(
        self, opts: argparse.Namespace, kind: SourceKind, url: str, *, username: str | None = None
    ) -> SourceConfig:
        try:
            source = SourceConfig(
                name=opts.name,
                kind=kind,
                url=url,
                username=opts.user if username is None else username,
                label=opts.label,
            )
            check_address(source)
        except SourceError as e:
            raise CommandError(str(e)) from None
        return source

    def _add_camera(
        self,
        opts: argparse.Namespace,
        sources: list[SourceConfig],
        existing: SourceConfig | None,
    ) -> int:
        for url in (opts.url, opts.sub_url):
            problem = url_problem(url) if url else None
            if problem:
                raise CommandError(problem)
        if existing is not None and existing.kind is not SourceKind.RTSP:
            raise CommandError(
                f"The source {opts.name} is a {existing.kind.kind_name}, not a camera list."
            )
        # The user name given with --url is the camera's, not the whole list's.
        source = existing or self._new_source(
            opts, SourceKind.RTSP, str(self.lists / f"{opts.name}.json"), username=""
        )
        path = Path(source.url)
        loaded = load_camera_list(path)
        if loaded.problem:
            raise CommandError(f"{loaded.problem} Correct it before adding cameras to it.")
        cameras = loaded.value
        taken = {c.id for c in cameras}
        camera_id = opts.camera_id or _slug(opts.camera_name) or f"camera-{len(cameras) + 1}"
        base, n = camera_id, 1
        while camera_id in taken:
            if opts.camera_id:
                raise CommandError(f"The list {path.name} has a camera {camera_id} already.")
            n += 1
            camera_id = f"{base}-{n}"
        password = self._read_password(opts, user=opts.user)
        ref = f"{source.name}/{camera_id}" if password is not None else ""
        try:
            camera = ListedCamera(
                id=camera_id,
                name=opts.camera_name or camera_id,
                main_url=opts.url,
                sub_url=opts.sub_url,
                username=opts.user,
                credentials=ref,
            )
        except ValueError as e:
            raise CommandError(str(e)) from None
        save_camera_list(path, [*cameras, camera])
        if existing is None:
            self.store.save([*sources, source])
            self.say(f"Added camera list {source.name} ({path}).")
        self.say(f"Added camera {camera.id} ({redact_url(camera.main_url)}) to {source.name}.")
        if password is not None and camera.credential_key:
            self._keep_password(camera.credential_key, password)
        return EXIT_OK

    def test(self, opts: argparse.Namespace) -> int:
        source = self._find(self._sources(writing=False), opts.name)
        if source.kind is SourceKind.DEMO:
            self.say("The demo hub is started by the console itself; there is nothing to test.")
            return EXIT_OK
        if opts.password_stdin:
            password = self._read_password(opts, user=source.username)
        else:
            password = self.credentials.get(source.credential_key)
        result = asyncio.run(
            probe_source(
                source,
                password,
                progress=self.say,
                timeout_s=opts.timeout,
                credential_lookup=self.credentials.get,
            )
        )
        self.say(result.message)
        for cam in result.cameras:
            self.say(f"  {cam.id}  {cam.name}")
        return EXIT_OK if result.ok else EXIT_FAILED

    def remove(self, opts: argparse.Namespace) -> int:
        sources = self._sources(writing=True)
        source = self._find(sources, opts.name)
        rest = [s for s in sources if s.name != source.name]
        self.store.save(rest)
        self.credentials.delete(source.credential_key)
        if source.kind is SourceKind.RTSP:
            self._forget_cameras(source, rest)
        self.say(f"Removed {source.name} and its kept passwords.")
        return EXIT_OK

    def _forget_cameras(self, source: SourceConfig, rest: list[SourceConfig]) -> None:
        path = Path(source.url)
        keys = {c.credential_key for c in load_camera_list(path).value} - {None}
        for other in rest:
            if other.kind is SourceKind.RTSP and Path(other.url) != path:
                keys -= {c.credential_key for c in load_camera_list(Path(other.url)).value}
        for key in keys:
            if key is not None:
                self.credentials.delete(key)
        # A list this command wrote goes with its source; one adopted with --file stays.
        if path.parent == self.lists and path.is_file() and path.stem == source.name:
            path.unlink()
            self.say(f"Deleted its camera list {path}.")

    def run(self, argv: list[str]) -> int:
        opts = _parser().parse_args(argv)
        configure_logging(opts.verbose)
        try:
            if opts.command == "list":
                return self.list_sources()
            if opts.command == "add":
                return self.add(opts)
            if opts.command == "test":
                return self.test(opts)
            return self.remove(opts)
        except CommandError as e:
            self.warn(str(e))
            return EXIT_FAILED
        except OSError as e:
            self.warn(f"Could not write the settings: {e.strerror} ({e.filename}).")
            return EXIT_FAILED


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


def main(argv: list[str] | None = None) -> int:
    """`tessera sources ARGS`: the exit status (0 done, 1 refused or failed, 2 usage)."""
    return SourcesCommand().run(list(sys.argv[1:] if argv is None else argv))
