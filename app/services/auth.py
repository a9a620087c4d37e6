"""Logging in: password check with throttling of failures per account and per address."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import clock
from app.models import LoginFailure, User
from app.security import verify_password
from app.services.users import find_by_email


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None = None
    retry_after: int | None = None  # seconds, when throttled


def _keys(email: str, client_ip: str) -> list[str]:
    return [f"account:{email.strip().lower()}"[:400], f"address:{client_ip}"[:400]]


def _retry_after(
    session: Session,
    keys: list[str],
    *,
    since: datetime,
    window: timedelta,
    limit: int,
    now: datetime,
) -> int | None:
    """Seconds until every key is below `limit` failures again, or None if none is at it."""
    waits = []
    for key in keys:
        times = session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            waits.append(int((times[-1] + window - now).total_seconds()) + 1)
    return max(waits) if waits else None


@dataclass(frozen=True)
class LoginAttempt:
    """What a login reads before the password is checked."""

    keys: list[str]
    since: datetime
    now: datetime
    user: User | None = None
    retry_after: int | None = None  # seconds, when throttled


def start_login(
    session: Session,
    *,
    email: str,
    client_ip: str,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
) -> LoginAttempt:
    """Read what a login needs: whether it is throttled, and the account (if any). The caller
    may end the transaction before `finish_login`, so that no lock is held while the password
    is checked (Argon2, ~100 ms)."""
    now = now or clock.now()
    since = now - window
    keys = _keys(email, client_ip)
    wait = _retry_after(session, keys, since=since, window=window, limit=limit, now=now)
    if wait is not None:
        return LoginAttempt(keys, since, now, retry_after=wait)
    return LoginAttempt(keys, since, now, user=find_by_email(session, email))


def finish_login(session: Session, attempt: LoginAttempt, password: str) -> LoginOutcome:
    """Check the password, then record the outcome: the user, or neither. The answer is the
    same for an unknown account and a wrong password, and both count as failures."""
    user = attempt.user
    valid = verify_password(user.password_hash if user else None, password)
    if user is not None and valid and user.is_active:
        session.execute(delete(LoginFailure).where(LoginFailure.key == attempt.keys[0]))
        return LoginOutcome(user=user)
    session.execute(delete(LoginFailure).where(LoginFailure.at <= attempt.since))
    session.add_all(LoginFailure(key=key, at=attempt.now) for key in attempt.keys)
    session.flush()
    return LoginOutcome()
