"""Who may do what on the demo hub: users, roles, per-camera rights, sessions and stream tickets.

Sign-in (`POST /api/v1/session`) takes a user name and password, a display token (a long-lived
token configured for a wall display) or a one-time bootstrap secret, and answers a bearer token
good for `SESSION_LIFETIME_S`. The hub keeps only the SHA-256 of each token; with a state
folder the sessions (hashes, user, expiry) are kept in `sessions.json` there, so a restart
signs nobody out. Passwords are argon2 hashes (argon2-cffi), verified on a worker thread.

Rights are named in `RIGHTS`; a role grants a set of them (`ROLES`) and a user's per-camera
grants narrow the role camera by camera (a viewer of the demo sees every camera but cam-10).
`admin` is the one right not tied to a camera.

A stream ticket lets a player that cannot send headers (libvlc opens the `.ts` URL itself) open
one stream: an HMAC-SHA256 over the session id, the camera, the profile, the kind (live or
playback) and an expiry `TICKET_LIFETIME_S` ahead. Its key is kept in the state folder
(`ticket.key`, mode 0600), so a URL handed out just before a restart still opens after it.

Everything here runs on the hub's loop thread, except `PasswordBook.verify` (a worker thread).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from console.base.jsonfile import FileFormatError, expect, load_versioned, save_versioned

__all__ = [
    "CAMERA_RIGHTS",
    "DEMO_USERS",
    "DISPLAY_USER",
    "LOCKOUT_FAILURES",
    "LOCKOUT_WINDOW_S",
    "MAX_SIGN_IN_BODY",
    "RIGHTS",
    "ROLES",
    "SESSION_LIFETIME_S",
    "TICKET_LIFETIME_S",
    "AccessControl",
    "AccessDeniedError",
    "PasswordBook",
    "Session",
    "SignInError",
    "TicketError",
    "UnauthorizedError",
    "User",
    "demo_users",
    "load_users",
    "parse_sign_in",
    "token_hash",
]

log = logging.getLogger(__name__)

RIGHTS = (
    "view",
    "playback",
    "bookmark",
    "export",
    "ptz",
    "ptz_priority",
    "alarms",
    "unmask",
    "admin",
    "masks",
)
# Every right but admin is granted camera by camera.
CAMERA_RIGHTS = frozenset(RIGHTS) - {"admin"}
ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view", "alarms"}),
    "investigator": frozenset({"view", "alarms", "playback", "bookmark", "export", "ptz"}),
    "supervisor": frozenset(RIGHTS),
}
# What a missing right would have allowed, for the 403 message ("may not steer PTZ on ...").
_RIGHT_WORDS = {
    "view": "view",
    "playback": "play back the recordings of",
    "bookmark": "bookmark",
    "export": "export from",
    "ptz": "steer PTZ on",
    "ptz_priority": "take PTZ priority on",
    "alarms": "handle the alarms of",
    "unmask": "unmask",
    "admin": "manage users and sessions",
    "masks": "set the privacy masks of",
}

SESSION_LIFETIME_S = 12 * 3600.0
TICKET_LIFETIME_S = 300.0
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW_S = 60.0
MAX_SIGN_IN_BODY = 4096
MAX_NAME = 64
MAX_SECRET = 1024
DISPLAY_USER = "display"

SESSIONS_KIND = "tessera-demohub-sessions"
SESSIONS_VERSION = 1
SESSIONS_FILE = "sessions.json"
TICKET_KEY_FILE = "ticket.key"


@dataclass(frozen=True)
class User:
    """A user: `role` (a key of ROLES), an argon2 `password_hash` (None: no password sign-in),
    and per-camera grants: `cameras[camera_id]`, else `cameras["*"]`, narrows the role on that
    camera; None grants the role on every camera."""

    name: str
    role: str
    password_hash: str | None = None
    cameras: Mapping[str, frozenset[str]] | None = None

    def camera_rights(self, camera_id: str) -> frozenset[str]:
        """The rights on one camera; none at all without `view` (a camera one may not see
        cannot be acted on either)."""
        rights = ROLES[self.role] & CAMERA_RIGHTS
        if self.cameras is not None:
            rights &= self.cameras.get(camera_id, self.cameras.get("*", frozenset()))
        return rights if "view" in rights else frozenset()

    def global_rights(self) -> frozenset[str]:
        return ROLES[self.role] - CAMERA_RIGHTS


# The demo's users (demo only: the passwords are in the docs). The viewer has no rights on
# cam-10, to show per-camera rights.
DEMO_USERS: tuple[tuple[str, str, str, Mapping[str, frozenset[str]] | None], ...] = (
    ("supervisor", "supervisor", "supervisor-demo", None),
    ("investigator", "investigator", "investigator-demo", None),
    ("viewer", "viewer", "viewer-demo", {"*": frozenset(RIGHTS), "cam-10": frozenset()}),
)


def token_hash(token: str) -> str:
    """What the hub keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _iso(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


@dataclass
class Session:
    """A signed-in session. `id` names it in stream tickets (never the token, nor its hash)."""

    id: str
    token_hash: str
    user: str
    kind: str  # "password", "display" or "bootstrap"
    expires: float  # Unix time
    # Called when the session is revoked: its event channels close, its streams are cut.
    on_revoke: set[Callable[[], None]] = field(default_factory=set, compare=False, repr=False)

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "hash": self.token_hash,
            "user": self.user,
            "kind": self.kind,
            "expires": self.expires,
        }


class UnauthorizedError(Exception):
    """401: no valid token (`reason` missing, invalid, expired or revoked)."""

    _WORDS = {
        "missing": "Sign in first: this request needs an Authorization: Bearer token.",
        "invalid": "The sign-in token is not known to this hub; sign in again.",
        "expired": "Your session has expired; sign in again.",
        "revoked": "Your session was ended (signed out or revoked); sign in again.",
    }

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or self._WORDS[reason]

    def to_json(self) -> dict[str, Any]:
        return {"error": "unauthorized", "reason": self.reason, "message": self.message}


class AccessDeniedError(Exception):
    """403: the session lacks `right` (on `camera_id`, None for a right not tied to one)."""

    def __init__(self, right: str, camera_id: str | None, message: str) -> None:
        super().__init__(message)
        self.right = right
        self.camera_id = camera_id
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {
            "error": "forbidden",
            "right": self.right,
            "camera": self.camera_id,
            "message": self.message,
        }


class SignInError(Exception):
    """A refused sign-in: 400 bad_request, 401 sign_in_failed or 429 too_many_attempts."""

    def __init__(self, status: int, code: str, message: str, retry_after_s: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.status == 429:
            body["retry_after_s"] = self.retry_after_s
        return body


class TicketError(Exception):
    """A stream URL's ticket is missing, forged, for another stream or out of date (401)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


_FAILED = "The user name or password is wrong."


def parse_sign_in(raw: bytes) -> tuple[str, dict[str, str]]:
    """The sign-in body, strictly: `("password", {user, password})`, `("display_token", {...})`
    or `("bootstrap", {...})` (SignInError 400 with plain words otherwise)."""

    def bad(message: str) -> SignInError:
        return SignInError(400, "bad_request", message)

    if len(raw) > MAX_SIGN_IN_BODY:
        raise bad(f"the sign-in body is larger than {MAX_SIGN_IN_BODY} bytes")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise bad("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad(
            'the body must be a JSON object: {"user", "password"}, {"display_token"} '
            'or {"bootstrap"}'
        )
    keys = set(data)
    shapes = {
        "password": {"user", "password"},
        "display_token": {"display_token"},
        "bootstrap": {"bootstrap"},
    }
    kind = next((k for k, fields in shapes.items() if keys == fields), None)
    if kind is None:
        raise bad(
            'the body must be {"user", "password"}, {"display_token"} or {"bootstrap"}, '
            f"not fields {sorted(keys)}"
        )
    for key in shapes[kind]:
        value = data[key]
        if not isinstance(value, str) or not value:
            raise bad(f"{key} must be a non-empty string")
        limit = MAX_NAME if key == "user" else MAX_SECRET
        if len(value) > limit:
            raise bad(f"{key} is longer than {limit} characters")
    return kind, {key: data[key] for key in shapes[kind]}


class PasswordBook:
    """argon2 hashing with one set of parameters (`cheap`: the cheapest, for tests)."""

    def __init__(self, cheap: bool = False) -> None:
        self.hasher = (
            argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
            if cheap
            else argon2.PasswordHasher()
        )
        # Verified for an unknown user name, so that answer takes as long as a wrong password.
        self.dummy = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Blocks (argon2 is meant to be slow): call it on a worker thread."""
        try:
            return bool(self.hasher.verify(password_hash or self.dummy, password)) and (
                password_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class AccessControl:
    """The users, sessions, sign-in lockout and stream tickets of one hub."""

    def __init__(
        self,
        users: Iterable[User],
        passwords: PasswordBook,
        *,
        display_tokens: Iterable[str] = (),
        bootstrap_secret: str | None = None,
        bootstrap_user: str = "supervisor",
        state_dir: Path | None = None,
        session_lifetime_s: float = SESSION_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.users: dict[str, User] = {u.name: u for u in users}
        if display_tokens and DISPLAY_USER not in self.users:
            self.users[DISPLAY_USER] = User(DISPLAY_USER, "viewer")
        self.passwords = passwords
        self._display = {token_hash(t) for t in display_tokens}
        self._bootstrap = bootstrap_secret or None
        if self._bootstrap is not None and bootstrap_user not in self.users:
            raise ValueError(f"bootstrap user {bootstrap_user!r} is not a user of the hub")
        self.bootstrap_user = bootstrap_user
        self.session_lifetime_s = session_lifetime_s
        self.clock = clock
        self.state_dir = state_dir
        self._sessions: dict[str, Session] = {}  # by token hash
        self._by_id: dict[str, Session] = {}
        # Hashes of tokens ended here (signed out, revoked), so their answer can say so.
        # Hashes of tokens that ended here, and why ("revoked", "expired"), so a later request
        # with one is told so; the oldest are forgotten (then: "invalid").
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._failures: dict[str, deque[float]] = {}
        self._ticket_key = secrets.token_bytes(32)

    # -- state --------------------------------------------------------------------------------
    @property
    def sessions_path(self) -> Path | None:
        return None if self.state_dir is None else self.state_dir / SESSIONS_FILE

    def load(self) -> None:
        """Restore the sessions and the ticket key from the state folder (blocking file I/O,
        at start)."""
        if self.state_dir is None:
            return
        self._ticket_key = self._load_ticket_key(self.state_dir / TICKET_KEY_FILE)
        path = self.state_dir / SESSIONS_FILE
        loaded = load_versioned(
            path, SESSIONS_KIND, SESSIONS_VERSION, _parse_sessions, _no_sessions
        )
        if loaded.problem:
            log.warning("demo hub sessions: %s", loaded.problem)
        now = self.clock()
        kept = 0
        for session in loaded.value:
            if session.expires > now and session.user in self.users:
                self._add(session)
                kept += 1
        if kept:
            log.info("demo hub: %d signed-in sessions restored from %s", kept, path)

    @staticmethod
    def _load_ticket_key(path: Path) -> bytes:
        try:
            key = path.read_bytes()
            if len(key) == 32:
                return key
            log.warning("demo hub: %s is damaged; a new stream ticket key is made", path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("demo hub: cannot read %s (%s); a new ticket key is made", path, exc)
        key = secrets.token_bytes(32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
            os.replace(tmp, path)
        except OSError as exc:
            log.error("demo hub: cannot keep the ticket key in %s: %s", path, exc)
        return key

    def snapshot(self) -> list[dict[str, Any]]:
        """The sessions as kept on disk (hashes only); loop thread."""
        return [s.record() for s in self._sessions.values()]

    def write(self, records: list[dict[str, Any]]) -> None:
        """Write the sessions file (blocking: call it on a worker thread)."""
        path = self.sessions_path
        if path is not None:
            save_versioned(path, SESSIONS_KIND, SESSIONS_VERSION, {"sessions": records})

    def _add(self, session: Session) -> None:
        self._sessions[session.token_hash] = session
        self._by_id[session.id] = session

    # -- sign-in ------------------------------------------------------------------------------
    def _check_lockout(self, key: str) -> None:
        now = self.clock()
        failures = self._failures.get(key)
        if failures is None:
            return
        while failures and failures[0] <= now - LOCKOUT_WINDOW_S:
            failures.popleft()
        if not failures:
            del self._failures[key]
        elif len(failures) >= LOCKOUT_FAILURES:
            retry = max(1, math.ceil(failures[0] + LOCKOUT_WINDOW_S - now))
            raise SignInError(
                429,
                "too_many_attempts",
                f"Too many failed sign-ins for this name; try again in {retry} seconds.",
                retry,
            )

    def _attempt(self, key: str) -> float:
        """Refuse a locked-out `key` (429), else count this attempt as a failure until it
        succeeds: attempts made at the same time cannot all pass the check while their
        passwords are being verified. Returns the attempt's stamp for `_succeeded`."""
        self._check_lockout(key)
        stamp = self.clock()
        self._failures.setdefault(key, deque()).append(stamp)
        if len(self._failures) > 10000:  # names tried at random must not fill the memory
            self._failures.pop(next(iter(self._failures)))
        return stamp

    def _succeeded(self, key: str, stamp: float) -> None:
        failures = self._failures.get(key)
        if failures is not None:
            with contextlib.suppress(ValueError):
                failures.remove(stamp)

    async def sign_in(
        self, kind: str, fields: Mapping[str, str], verify: Callable[[str | None, str], Any]
    ) -> tuple[str, Session]:
        """A new session for valid credentials: (token, session). `verify(hash, password)` is
        awaited (the hub runs argon2 on a worker thread). SignInError otherwise."""
        failed = SignInError(401, "sign_in_failed", _FAILED)
        key = "user:" + fields["user"] if kind == "password" else kind
        stamp = self._attempt(key)
        user: User | None
        if kind == "password":
            user = self.users.get(fields["user"])
            ok = await verify(None if user is None else user.password_hash, fields["password"])
            if not ok or user is None:
                raise failed
        elif kind == "display_token":
            if token_hash(fields["display_token"]) not in self._display:
                raise failed
            user = self.users[DISPLAY_USER]
        else:
            secret = self._bootstrap
            if secret is None or not hmac.compare_digest(
                secret.encode("utf-8"), fields["bootstrap"].encode("utf-8")
            ):
                raise failed
            self._bootstrap = None  # spent
            user = self.users[self.bootstrap_user]
        self._succeeded(key, stamp)
        self._end_expired()
        token = secrets.token_urlsafe(32)
        session = Session(
            id=secrets.token_urlsafe(12),
            token_hash=token_hash(token),
            user=user.name,
            kind={"password": "password", "display_token": "display"}.get(kind, "bootstrap"),
            expires=self.clock() + self.session_lifetime_s,
        )
        self._add(session)
        log.info("%s signed in (%s)", user.name, session.kind)
        return token, session

    # -- tokens -------------------------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> Session:
        """The session of an `Authorization: Bearer T` header (UnauthorizedError otherwise)."""
        if not authorization:
            raise UnauthorizedError("missing")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError(
                "missing", "The Authorization header must be Bearer followed by a token."
            )
        digest = token_hash(token)
        session = self._sessions.get(digest)
        if session is None:
            raise UnauthorizedError(self._ended.get(digest, "invalid"))
        if session.expires <= self.clock():
            self._end(session, "expired")
            raise UnauthorizedError("expired")
        return session

    def _end_expired(self) -> None:
        now = self.clock()
        for session in [s for s in self._sessions.values() if s.expires <= now]:
            self._end(session, "expired")

    def valid(self, session: Session) -> bool:
        return self._sessions.get(session.token_hash) is session and (
            session.expires > self.clock()
        )

    def _end(self, session: Session, reason: str = "revoked") -> None:
        self._sessions.pop(session.token_hash, None)
        self._by_id.pop(session.id, None)
        self._ended[session.token_hash] = reason
        if len(self._ended) > 10000:
            self._ended.popitem(last=False)
        for callback in list(session.on_revoke):
            try:
                callback()
            except Exception:
                log.exception("closing what session of %s had open failed", session.user)
        session.on_revoke.clear()

    def revoke(self, session: Session) -> None:
        """Sign out: the token is no longer valid; its event channels and streams are closed."""
        self._end(session)
        log.info("%s signed out", session.user)

    def revoke_user(self, name: str) -> int:
        """End every session of `name`; returns how many."""
        ended = [s for s in self._sessions.values() if s.user == name]
        for session in ended:
            self._end(session)
        log.info("%d sessions of %s revoked", len(ended), name)
        return len(ended)

    def session_counts(self) -> dict[str, int]:
        now = self.clock()
        counts = dict.fromkeys(self.users, 0)
        for session in self._sessions.values():
            if session.expires > now:
                counts[session.user] = counts.get(session.user, 0) + 1
        return counts

    # -- rights -------------------------------------------------------------------------------
    def user(self, session: Session) -> User:
        return self.users[session.user]

    def camera_rights(self, session: Session, camera_id: str) -> frozenset[str]:
        return self.user(session).camera_rights(camera_id)

    def can(self, session: Session, right: str, camera_id: str | None = None) -> bool:
        user = self.user(session)
        if camera_id is None or right not in CAMERA_RIGHTS:
            return right in user.global_rights() or (
                camera_id is None and right in ROLES[user.role]
            )
        return right in user.camera_rights(camera_id)

    def require(
        self, session: Session, right: str, camera_id: str | None = None, camera_name: str = ""
    ) -> None:
        """AccessDeniedError (403) unless the session holds `right` (on `camera_id`)."""
        if self.can(session, right, camera_id):
            return
        user = self.user(session)
        words = _RIGHT_WORDS.get(right, right)
        whose = (
            f"Your role ({user.role})"
            if right not in ROLES[user.role]
            else f"Your account ({user.name})"
        )
        where = f" {camera_name or camera_id}" if camera_id is not None else ""
        raise AccessDeniedError(
            right, camera_id, f"{whose} may not {words}{where}.".replace("  ", " ")
        )

    def session_json(self, session: Session, camera_ids: Iterable[str]) -> dict[str, Any]:
        """The Session object (without the token)."""
        user = self.user(session)
        cameras: dict[str, list[str]] = {}
        common: frozenset[str] | None = None
        for camera_id in camera_ids:
            rights = user.camera_rights(camera_id)
            common = rights if common is None else common & rights
            if rights:
                cameras[camera_id] = [r for r in RIGHTS if r in rights]
        every = (common or frozenset()) | user.global_rights()
        return {
            "user": user.name,
            "role": user.role,
            "expires": _iso(session.expires),
            "expires_in_s": max(0, int(session.expires - self.clock())),
            "rights": {"all": [r for r in RIGHTS if r in every], "cameras": cameras},
        }

    # -- stream tickets -----------------------------------------------------------------------
    def _mac(self, message: str) -> str:
        mac = crypto_hmac.HMAC(self._ticket_key, hashes.SHA256())
        mac.update(message.encode("utf-8"))
        return base64.urlsafe_b64encode(mac.finalize()).rstrip(b"=").decode("ascii")

    def ticket(self, session: Session, kind: str, camera_id: str, profile: str) -> str:
        """A ticket that opens `kind` ("live" or "playback") of camera_id/profile for
        TICKET_LIFETIME_S: `<session id>.<expiry>.<mac>`."""
        expires = int(self.clock() + TICKET_LIFETIME_S)
        message = f"{session.id}|{kind}|{camera_id}|{profile}|{expires}"
        return f"{session.id}.{expires}.{self._mac(message)}"

    def check_ticket(self, ticket: str | None, kind: str, camera_id: str, profile: str) -> Session:
        """The session a stream's ticket was made for, if it is genuine, for this stream, in
        time, and the session is still valid (TicketError otherwise; rights: the caller)."""
        if not ticket:
            raise TicketError(
                "missing", "This stream URL needs its ticket: ask the hub for the stream again."
            )
        parts = ticket.split(".")
        if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
            raise TicketError("invalid", "The stream ticket is not valid.")
        session_id, expiry, mac = parts
        message = f"{session_id}|{kind}|{camera_id}|{profile}|{expiry}"
        if not hmac.compare_digest(self._mac(message).encode(), mac.encode("utf-8", "replace")):
            raise TicketError("invalid", "The stream ticket is not valid for this stream.")
        if int(expiry) < self.clock():
            raise TicketError(
                "expired", "The stream ticket has expired: ask the hub for the stream again."
            )
        session = self._by_id.get(session_id)
        if session is not None and session.expires <= self.clock():
            raise TicketError("expired", "Your session has expired; sign in again.")
        if session is None or not self.valid(session):
            raise TicketError(
                "revoked", "The session this stream was handed to has ended; sign in again."
            )
        return session


def _no_sessions() -> list[Session]:
    return []


def _parse_sessions(doc: dict[str, Any]) -> list[Session]:
    records = expect(doc, "sessions", list, "sessions")
    sessions = []
    for record in records:
        if not isinstance(record, dict):
            raise FileFormatError("sessions: a session is not an object")
        values = [expect(record, key, str, "session") for key in ("id", "hash", "user", "kind")]
        expires = record.get("expires")
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            raise FileFormatError('session: "expires" is not a number')
        sessions.append(Session(values[0], values[1], values[2], values[3], float(expires)))
    return sessions


def demo_users(passwords: PasswordBook) -> list[User]:
    """The demo users, their passwords hashed now (once, at hub start)."""
    return [
        User(name, role, passwords.hash(password), cameras)
        for name, role, password, cameras in DEMO_USERS
    ]


def load_users(path: Path, passwords: PasswordBook) -> list[User]:
    """The users of a `--users FILE` (blocking; ValueError naming what is wrong):

    `{"users": [{"user": NAME, "role": ROLE, "password": PW | "password_hash": ARGON2,
    "cameras": {CAMERA_ID or "*": [RIGHT, ...]}}]}`. Without `cameras` the role holds on every
    camera; with it, a camera not named (and no `"*"`) gets no rights. A plain `password` is
    for demos; it is hashed here, once."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read as JSON ({exc})") from None
    entries = doc.get("users") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f'{path}: expected {{"users": [...]}} with at least one user')
    users: dict[str, User] = {}
    allowed = {"user", "role", "password", "password_hash", "cameras"}
    for i, entry in enumerate(entries):
        where = f"{path}: users[{i}]"
        if not isinstance(entry, dict) or set(entry) - allowed:
            raise ValueError(f"{where} must be an object with only {sorted(allowed)}")
        name, role = entry.get("user"), entry.get("role")
        if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or name in users:
            raise ValueError(f"{where}.user must be a new name of 1 to {MAX_NAME} characters")
        if role not in ROLES:
            raise ValueError(f"{where}.role must be one of {sorted(ROLES)}")
        plain, hashed = entry.get("password"), entry.get("password_hash")
        if (plain is None) == (hashed is None):
            raise ValueError(f"{where} needs one of password and password_hash")
        if plain is not None:
            if not isinstance(plain, str) or not plain:
                raise ValueError(f"{where}.password must be a non-empty string")
            hashed = passwords.hash(plain)
        elif not isinstance(hashed, str) or not hashed.startswith("$argon2"):
            raise ValueError(f"{where}.password_hash must be an argon2 hash ($argon2id$...)")
        users[name] = User(name, role, hashed, _grants(entry.get("cameras"), where))
    return list(users.values())


def _grants(raw: object, where: str) -> Mapping[str, frozenset[str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError(f'{where}.cameras must map camera ids (or "*") to lists of rights')
    grants = {}
    for camera_id, rights in raw.items():
        if not isinstance(rights, list) or not all(r in CAMERA_RIGHTS for r in rights):
            raise ValueError(
                f"{where}.cameras[{camera_id!r}] must be a list of {sorted(CAMERA_RIGHTS)}"
            )
        grants[camera_id] = frozenset(rights)
    return grants
