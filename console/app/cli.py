"""The `tessera` command: the console, `tessera hub` to run the demo hub alone, or
`tessera sources ...` to set up the sources of cameras from a script."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from console import __version__
from console.app.settings import HW_DECODING_CHOICES
from console.base.logsetup import configure_logging
from console.media.frame import RENDER_PATHS
from console.wall.layout import PRESETS


def _console_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tessera",
        description="Tessera video-wall operator console. `tessera hub --help` for the demo hub, "
        "`tessera sources --help` to set up sources of cameras, `tessera audit` to verify or "
        "read an audit log, `tessera inventory` to list the camera estate, `tessera verify PACK` "
        "to check an evidence pack.",
    )
    p.add_argument("--hub", metavar="URL", help="connect to this hub instead of the embedded one")
    p.add_argument("--demo", action="store_true", help="use the embedded demo hub (default)")
    p.add_argument(
        "--layout", metavar="GRID", help=f"grid of the first wall: {', '.join(PRESETS)} or CxR"
    )
    p.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help="run offscreen, save the wall grid as PNG after --after seconds, exit",
    )
    p.add_argument(
        "--after",
        metavar="SECONDS",
        type=float,
        default=5.0,
        help="wait this long before --screenshot (default 5)",
    )
    p.add_argument(
        "--hw-decoding",
        choices=HW_DECODING_CHOICES,
        help="hardware decoding for libvlc (default from settings: auto)",
    )
    p.add_argument(
        "--render-path",
        choices=RENDER_PATHS,
        help="composited (Qt paints frames; default) or native (libvlc window)",
    )
    p.add_argument(
        "--profile",
        choices=("sub", "main"),
        help="play this stream profile on every tile (default: chosen by tile size)",
    )
    p.add_argument(
        "--live-buffer",
        metavar="MS",
        type=int,
        help="libvlc live buffer in ms for every wall (less delay, less smoothing)",
    )
    p.add_argument(
        "--operator",
        metavar="NAME",
        help="operator name sent to the hub (PTZ locks); default from settings, else user@host",
    )
    p.add_argument(
        "--user",
        metavar="NAME",
        help="sign in as NAME: on the embedded demo hub at once (supervisor, investigator, "
        "viewer); on another hub the sign-in dialog starts with it",
    )
    p.add_argument(
        "--display",
        action="store_true",
        help="run as a wall display on --hub: sign in with a display token (asked once, then "
        "kept in the system keyring)",
    )
    p.add_argument(
        "--no-joystick", action="store_true", help="do not open joysticks or gamepads (SDL)"
    )
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    p.add_argument("--version", action="version", version=f"tessera {__version__}")
    return p


def _audit(args: list[str]) -> int:
    """`tessera audit verify|show ...`: the audit log, checked or read offline (issue 17)."""
    from console.audit.cli import main_show, main_verify

    commands = {"verify": main_verify, "show": main_show}
    if not args or args[0] not in commands:
        print(
            "usage: tessera audit verify LOG_DIR [options] | tessera audit show LOG_DIR [options]"
            "\n  verify: check every entry's inclusion, the checkpoints' signatures and their"
            " consistency\n  show: list entries, filtered by operator, camera and time",
            file=sys.stderr if args else sys.stdout,
        )
        return 2 if args else 0
    return commands[args[0]](args[1:])


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["hub"]:
        from demohub.__main__ import main as hub_main

        return hub_main(args[1:])
    if args[:1] == ["audit"]:
        return _audit(args[1:])
    if args[:1] == ["inventory"]:
        from console.app.inventory_command import main as inventory_main

        return inventory_main(args[1:])
    if args[:1] == ["verify"]:
        from console.export.verify import main as verify_main

        return verify_main(args[1:])
    if args[:1] == ["sources"]:
        from console.sources.command import main as sources_main

        return sources_main(args[1:])
    opts = _console_parser().parse_args(args)
    if opts.hub and opts.demo:
        _console_parser().error("--hub and --demo exclude each other")
    from console.media.live_buffer import LIVE_BUFFER_MAX_MS, LIVE_BUFFER_MIN_MS

    if opts.live_buffer is not None and not (
        LIVE_BUFFER_MIN_MS <= opts.live_buffer <= LIVE_BUFFER_MAX_MS
    ):
        _console_parser().error(
            f"--live-buffer must be between {LIVE_BUFFER_MIN_MS} and {LIVE_BUFFER_MAX_MS} ms"
        )
    if opts.layout:
        from console.wall.layout import LayoutError, preset

        try:
            preset(opts.layout)
        except LayoutError as e:
            _console_parser().error(str(e))
    configure_logging(opts.verbose)
    from console.app.console_app import ConsoleOptions, run_console

    code = run_console(
        ConsoleOptions(
            hub_url=opts.hub,
            demo=opts.demo,
            layout=opts.layout,
            screenshot=opts.screenshot,
            after_s=opts.after,
            hw_decoding=opts.hw_decoding,
            render_path=opts.render_path,
            profile=opts.profile,
            live_buffer_ms=opts.live_buffer,
            operator=opts.operator,
            joystick=not opts.no_joystick,
            user=opts.user,
            display=opts.display,
        )
    )
    # Everything that matters is done (streams stopped, layout saved, hub stopped). Skip the
    # interpreter's teardown: a libvlc stop() abandoned after its deadline may still run on a
    # daemon thread and call back into ctypes while Python frees its objects, which aborts.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
