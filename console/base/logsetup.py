"""How the `tessera` commands log: one format, more detail with each -v."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(verbosity: int) -> None:
    """WARNING by default, INFO with -v, DEBUG with -vv (every URL is redacted by its logger's
    caller, see console.base.redact)."""
    level = logging.DEBUG if verbosity > 1 else logging.INFO if verbosity else logging.WARNING
    logging.basicConfig(level=level, format=LOG_FORMAT)
    # qasync's debug lines print every callback handed to a worker thread with its arguments,
    # which may be a password or a session token on its way to the keyring: never below INFO.
    logging.getLogger("qasync").setLevel(max(level, logging.INFO))
