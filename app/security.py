"""Passwords (Argon2id), access tokens (signed JWT) and the signing key."""

import os
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import LRUCache
from jwt.types import Options

from app import clock
from app.config import Settings

ALGORITHM = "HS256"
PLACEHOLDER_KEYS = frozenset({"", "change-me", "changeme", "secret", "development-only-change-me"})
MIN_KEY_LENGTH = 32

_hasher = PasswordHasher()
# Verified against when the account does not exist, so that a login for an unknown email takes
# as long as one with a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class InsecureSecretKey(RuntimeError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one Argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def resolve_secret_key(settings: Settings) -> str:
    """The signing key: from CLUSTERCASE_SECRET_KEY; in development, generated once and kept in
    a git-ignored file; in production a missing or placeholder key refuses to start."""
    key = settings.secret_key or ""
    if key and key not in PLACEHOLDER_KEYS and len(key) >= MIN_KEY_LENGTH:
        return key
    if settings.environment == "production":
        raise InsecureSecretKey(
            "CLUSTERCASE_SECRET_KEY must be set to a random value of at least "
            f"{MIN_KEY_LENGTH} characters in production"
        )
    return _development_key(Path(settings.secret_key_file))


def _development_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def issue_token(user_id: int, *, key: str, lifetime: timedelta) -> IssuedToken:
    now = clock.now()
    claims = {"sub": str(user_id), "iat": now, "exp": now + lifetime}
    return IssuedToken(jwt.encode(claims, key, algorithm=ALGORITHM), int(lifetime.total_seconds()))


# Tokens already verified, per signing key: (user id, expiry). Checking a token's signature and
# claims costs about 45 µs, a tenth of an engagement list request; the same token comes back on
# every request of a session. Only verified tokens are kept, and the expiry is checked on every
# use, so the cache changes no answer; a forged token is a different string, so it never matches.
_VERIFIED: LRUCache[tuple[str, str], tuple[int, float]] = LRUCache(maxsize=4096)
# Requests run in worker threads, and an LRU reorders itself on every read.
_VERIFIED_LOCK = threading.Lock()


def token_subject(token: str, *, key: str, now: float | None = None) -> int | None:
    """The user id a valid token names, or None (bad signature, other algorithm, expired,
    issued in the future, malformed), as of `now` (a POSIX timestamp; default: app.clock's).
    Only HS256 is accepted, so `alg: none` and key-confusion tokens fail."""
    at = clock.now().timestamp() if now is None else now
    with _VERIFIED_LOCK:
        verified = _VERIFIED.get((key, token))
    if verified is None:
        verified = _verify(token, key, at)
        if verified is None:
            return None
        with _VERIFIED_LOCK:
            _VERIFIED[key, token] = verified
    user_id, expires_at = verified
    # PyJWT's own rule: a token is expired once its `exp` is not in the future.
    return user_id if at < expires_at else None


# PyJWT checks the signature and that the claims are present; their times are checked in _verify
# against app.clock, as PyJWT would against the system clock (its integer rule included).
_DECODE_OPTIONS: Options = {
    "require": ["exp", "iat", "sub"],
    "verify_exp": False,
    "verify_iat": False,
}


# A user id is a positive 32-bit integer (app/schemas/common.py MAX_ID); a `sub` outside it
# names no user, and must not reach the database (SQLite cannot bind 2**70: a 500).
_MAX_USER_ID = 2**31 - 1


def _user_id(subject: object) -> int | None:
    """The user id `subject` spells in plain decimal digits (not "+1", " 1", "1_0"), or None."""
    if not isinstance(subject, str) or not (subject.isascii() and subject.isdigit()):
        return None
    if len(subject) > 10 or not 1 <= int(subject) <= _MAX_USER_ID:
        return None
    return int(subject)


def _verify(token: str, key: str, now: float) -> tuple[int, float] | None:
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options=_DECODE_OPTIONS)
        issued_at, expires_at = int(claims["iat"]), float(int(claims["exp"]))
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None
    user_id = _user_id(claims["sub"])
    if user_id is None or issued_at > now or expires_at <= now:
        return None
    return user_id, expires_at
