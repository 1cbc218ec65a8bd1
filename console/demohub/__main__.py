"""`python -m console.demohub [--host H] [--port N]`: run the demo hub in the foreground.

Prints `Tessera demo hub listening on http://HOST:PORT` once ready; stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import sys

from console.demohub.hub import run_hub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console.demohub", description="Run the Tessera demo hub."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument("--log-level", default="WARNING", help="logging level (stderr)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return run_hub(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
