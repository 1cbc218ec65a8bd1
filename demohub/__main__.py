"""`python -m demohub [--host H] [--port N] [--cameras N] [--ptz-lock-idle S]
[--alerts scripted|off] [--retention-s S] [--recording-gaps on|off] [--state DIR | --no-state]
[--no-sign-in] [--users FILE] [--display-token T] [--bootstrap-secret-env VAR
[--bootstrap-user NAME]] [--tls] [--tls-cert PEM --tls-key PEM] [--private-cameras on|off]
[--demo-masks on|off]`:
run the demo hub in the foreground.

Prints `Tessera demo hub listening on http://HOST:PORT` once ready; stops on SIGINT/SIGTERM.
`--alerts scripted` (the default) plays the alert scenario of docs/hub-api.md, which repeats
every minute; `--alerts off` raises no alerts by itself (`POST /api/v1/alerts` still works).
`--retention-s` is how far back the recordings reach (default 3600; 0: no recordings).
`--recording-gaps on` (the default) leaves cam-10 unrecorded one minute in every ten.
`--state DIR` keeps alerts and PTZ presets, tours and homes across restarts (the default: a
folder in the user's data directory, `demohub.state`); `--no-state` keeps them in memory only.
Sign-in is required (the demo users of demohub/README.md; `--no-sign-in` opens the hub, for
tests on a closed machine); `--tls` serves HTTPS with a self-signed certificate kept in the
state folder, and prints its SHA-256 fingerprint after the listening line.
`--private-cameras on` (the default) adds four private cameras after the `--cameras N` public
ones: a doorbell shared on request, a shop shared live, a garage sharing recordings only and a
farm gate in the registry only (demohub.consent). `--demo-masks on` (the default) gives
Reception Entrance (cam-03) its privacy masks until a supervisor changes them (demohub.masks).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
import threading
from pathlib import Path

from console.base.logsetup import LOG_FORMAT
from demohub.hub import run_hub
from demohub.ptz import DEFAULT_LOCK_IDLE_S
from demohub.recordings import DEFAULT_MAX_PLAYBACKS, DEFAULT_RETENTION_S
from demohub.state import default_state_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demohub", description="Run the Tessera demo hub."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument(
        "--cameras", type=int, default=10, help="how many synthetic cameras (default 10)"
    )
    parser.add_argument(
        "--ptz-lock-idle",
        type=float,
        default=DEFAULT_LOCK_IDLE_S,
        metavar="SECONDS",
        help="release a PTZ camera's operator lock after this long without a command "
        f"(default {DEFAULT_LOCK_IDLE_S:g})",
    )
    parser.add_argument(
        "--alerts",
        choices=("scripted", "off"),
        default="scripted",
        help="scripted: play the alert scenario that repeats every minute (the default); "
        "off: no alerts unless raised through the API",
    )
    parser.add_argument(
        "--retention-s",
        type=float,
        default=DEFAULT_RETENTION_S,
        metavar="SECONDS",
        help="how far back the recordings of the cameras reach, counted from now and never "
        f"before the hub started (default {DEFAULT_RETENTION_S:g}; 0: no recordings)",
    )
    parser.add_argument(
        "--recording-gaps",
        choices=("on", "off"),
        default="on",
        help="on: cam-10 is not recorded for one minute in every ten (hh:08-hh:09, hh:18-hh:19, "
        "... UTC), so there are gaps in its recordings (the default); off: no gaps",
    )
    parser.add_argument(
        "--recorded-for",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="start with this much recorded history, as if recording had begun that long before "
        "the hub started (the scenes are functions of time; default 0: none yet)",
    )
    parser.add_argument(
        "--max-playbacks",
        type=int,
        default=DEFAULT_MAX_PLAYBACKS,
        metavar="N",
        help="playback streams served at once; more are refused with 503 "
        f"(default {DEFAULT_MAX_PLAYBACKS})",
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep alerts and PTZ presets, tours and homes in DIR across restarts "
        f"(default {default_state_dir()})",
    )
    state.add_argument(
        "--no-state",
        action="store_true",
        help="keep everything in memory only: a restart starts afresh",
    )
    parser.add_argument(
        "--no-sign-in",
        action="store_true",
        help="serve without sign-in: anyone who can reach the port may do anything, and the "
        "X-Tessera-Operator header names the operator (for old scripts and tests on a closed "
        "machine only)",
    )
    parser.add_argument(
        "--display-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="a long-lived token a wall display signs in with (as the viewer-role user "
        "'display'); may be given more than once",
    )
    parser.add_argument(
        "--bootstrap-secret-env",
        metavar="VAR",
        help="read a one-time sign-in secret from the environment variable VAR (the console "
        "that starts the hub sets it); it signs in once, as --bootstrap-user",
    )
    parser.add_argument(
        "--bootstrap-user",
        default="supervisor",
        metavar="NAME",
        help="who the bootstrap secret signs in as (default supervisor)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a self-signed certificate made on the first start and kept in "
        "the state folder (tls/cert.pem, tls/key.pem)",
    )
    parser.add_argument(
        "--tls-cert",
        type=Path,
        metavar="PEM",
        help="serve HTTPS with this certificate (chain) instead of the self-signed one; needs "
        "--tls-key",
    )
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="the key of --tls-cert")
    parser.add_argument(
        "--users",
        type=Path,
        metavar="FILE",
        help='the users instead of the demo ones: JSON {"users": [{"user", "role", '
        '"password" or "password_hash" (argon2), "cameras": {"cam-01": ["view", ...]}}]}',
    )
    parser.add_argument(
        "--require-reason",
        action="append",
        default=[],
        choices=("playback", "export", "unmask"),
        help="consoles must ask the operator for a reason (a case number and words) before "
        "this action, kept in the audit log; may be given more than once",
    )
    parser.add_argument(
        "--private-cameras",
        choices=("on", "off"),
        default="on",
        help="on (the default): add the private cameras (a doorbell, a shop, a garage, a farm "
        "gate), each shared as its owner chose; off: the public cameras only",
    )
    parser.add_argument(
        "--demo-masks",
        choices=("on", "off"),
        default="on",
        help="on (the default): Reception Entrance (cam-03) has privacy masks until a "
        "supervisor changes them; off: no camera has masks to begin with",
    )
    parser.add_argument("--log-level", default="WARNING", help="logging level (stderr)")
    parser.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="exit when standard input closes (the console that started the hub has gone)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.stop_with_parent:
        threading.Thread(target=_exit_when_stdin_closes, name="parent-watch", daemon=True).start()
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format=LOG_FORMAT,
    )
    if args.cameras < 1:
        parser.error("--cameras must be 1 or more")
    if not args.ptz_lock_idle > 0:
        parser.error("--ptz-lock-idle must be more than 0")
    if not (math.isfinite(args.recorded_for) and args.recorded_for >= 0):
        parser.error("--recorded-for must be 0 or more")
    if args.max_playbacks < 0:
        parser.error("--max-playbacks must be 0 or more")
    if not (math.isfinite(args.retention_s) and args.retention_s >= 0):
        parser.error("--retention-s must be 0 or more")
    bootstrap_secret = None
    if args.bootstrap_secret_env:
        # Taken out of the environment: nothing the hub starts inherits it.
        bootstrap_secret = os.environ.pop(args.bootstrap_secret_env, "")
        if not bootstrap_secret:
            parser.error(f"the environment variable {args.bootstrap_secret_env} is not set")
    if args.no_sign_in and (bootstrap_secret or args.display_token):
        parser.error("--no-sign-in leaves no use for --display-token or --bootstrap-secret-env")
    if any(len(token) < 16 for token in args.display_token):
        parser.error("a --display-token must be at least 16 characters")
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.no_sign_in and args.users is not None:
        parser.error("--no-sign-in leaves no use for --users")
    return run_hub(
        args.host,
        args.port,
        args.cameras,
        args.ptz_lock_idle,
        alert_scenario=args.alerts == "scripted",
        recording_retention_s=args.retention_s,
        recording_gaps=args.recording_gaps == "on",
        max_playback_sessions=args.max_playbacks,
        recorded_for_s=args.recorded_for,
        state_dir=None if args.no_state else (args.state or default_state_dir()),
        sign_in=not args.no_sign_in,
        display_tokens=tuple(args.display_token),
        bootstrap_secret=bootstrap_secret,
        bootstrap_user=args.bootstrap_user,
        tls=args.tls,
        users_file=args.users,
        tls_files=None if args.tls_cert is None else (args.tls_cert, args.tls_key),
        reasons_required=tuple(dict.fromkeys(args.require_reason)),
        private_cameras=args.private_cameras == "on",
        demo_masks=args.demo_masks == "on",
    )


def _exit_when_stdin_closes() -> None:
    """A console killed without warning must not leave its hub encoding forever."""
    # os.read, not sys.stdin: a daemon thread blocked inside the buffered reader holds its lock
    # and makes interpreter shutdown abort.
    fd = sys.stdin.fileno()
    while os.read(fd, 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main())
