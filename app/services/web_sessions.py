"""Browser sign-ins: started at login, looked up on every page, ended at sign-out."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from app import clock
from app.models import User, WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, *, lifetime: timedelta) -> str:
    """A new sign-in of `user` that lasts at most `lifetime`: the random token for its cookie
    (a new one at every sign-in, so a token planted before it is worth nothing)."""
    now = clock.now()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_hash(token), user_id=user.id, expires_at=now + lifetime))
    session.flush()
    return token


_USER_OF_TOKEN = (
    select(User)
    .join(WebSession, WebSession.user_id == User.id)
    .where(
        WebSession.token_hash == bindparam("token_hash"),
        WebSession.expires_at > bindparam("now"),
        User.is_active,
    )
)


def user_of(session: Session, token: str) -> User | None:
    """The active user signed in with `token`, or None (unknown, ended or expired sign-in,
    deactivated user)."""
    return session.scalar(_USER_OF_TOKEN, {"token_hash": _hash(token), "now": clock.now()})


def end(session: Session, token: str) -> None:
    """End the sign-in of `token` (nothing happens when there is none)."""
    session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))
