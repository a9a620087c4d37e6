"""The sign-in cookie and the CSRF tokens of the pages.

The cookie carries the sign-in's random token (its row in `web_sessions` is the server's
record) and when the browser was last seen, signed with the app's key. The idle timeout is read
from it, so that a page read writes nothing; it is signed again at most once a minute.

CSRF: every state-changing request carries a token (form field `csrf_token`, or the
`X-CSRF-Token` header that htmx sends) derived from the sign-in's token, so another site can
neither read nor forge it. The sign-in form, before there is a sign-in, uses a random nonce
kept in a cookie of its own.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie

SESSION_COOKIE = "cc_session"
LOGIN_COOKIE = "cc_login"
FLASH_COOKIE = "cc_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# The cookie's "last seen" is renewed when older than this: the idle timeout is exact to it.
RENEW_AFTER_S = 60


def _mac(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class SignIn:
    token: str
    seen: int  # POSIX seconds


def session_value(key: str, sign_in: SignIn) -> str:
    body = f"{sign_in.token}.{sign_in.seen}"
    return f"{body}.{_mac(key, 'session|' + body)}"


def read_session(key: str, value: str | None, *, now: float, idle_s: float) -> SignIn | None:
    """The sign-in a cookie names, unless it is forged, malformed or idle for too long."""
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    token, seen, mac = parts
    if not hmac.compare_digest(mac, _mac(key, f"session|{token}.{seen}")):
        return None
    if not 0 <= now - int(seen) < idle_s:
        return None
    return SignIn(token, int(seen))


def csrf_token(key: str, basis: str) -> str:
    """The CSRF token of a sign-in (its token) or of the sign-in form (its nonce)."""
    return _mac(key, "csrf|" + basis)


def csrf_valid(key: str, basis: str | None, sent: str | None) -> bool:
    if not basis or not sent:
        return False
    return hmac.compare_digest(sent.encode(), csrf_token(key, basis).encode())


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def set_cookie_header(name: str, value: str, *, max_age: int, secure: bool) -> str:
    """A Set-Cookie header value: HTTP-only, SameSite=Lax, for the whole site."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()
