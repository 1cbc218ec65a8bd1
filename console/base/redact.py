"""Redaction of secrets before anything is logged or shown.

Stream URLs may carry credentials (`rtsp://user:pass@host/...`, `?token=...`); every log line
and operator message that contains a URL passes through `redact_url` first.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_QUERY_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "token",
        "access_token",
        "auth",
        "key",
        "apikey",
        "api_key",
        "secret",
        "signature",
        "sig",
        "credentials",
        # The hub API's stream tickets (docs/hub-api.md: a signed, short-lived permission).
        "ticket",
    }
)
REDACTED = "***"

_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
# An HTTP authorization value (a hub session token) quoted in an error or a header dump.
_BEARER_IN_TEXT = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}")


def redact_url(url: str) -> str:
    """Return `url` with user info and secret query values replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs],
            safe="*",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Redact every URL found inside free text (error messages from libraries, for example)."""
    text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
    return _BEARER_IN_TEXT.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
