"""Logging in: the password check, and growing delays after failures (docs/security-sign-in.md).

Failures are counted against three keys, each in `login_failures`:
- `pair:<account>|<client>`: one account from one client address. Its delays are what an
  attacker guessing one account's password from one address meets.
- `address:<client>`: one client address, across accounts (password spraying).
- `account:<account>`: one account, from anywhere. It never refuses an attempt: past
  `login_account_alert_failures` it only takes away the pairs' free failures.
So failures from other addresses never refuse the right password from a new address.

`<account>` is a digest of the normalized email, for an account that exists or not alike (so
the throttling says nothing about which accounts exist, and a NUL or an overlong email makes a
valid key on every database); `<client>` is the IPv4 address, or the IPv6 /64 network.
"""

import hashlib
import ipaddress
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings
from app.models import LoginFailure, User
from app.security import verify_password
from app.services.users import find_by_email


@dataclass(frozen=True)
class Throttle:
    """The throttling numbers (app/config.py)."""

    free_per_pair: int = 5
    free_per_address: int = 20
    account_alert: int = 100
    base_s: int = 1
    cap_s: int = 900
    memory: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Throttle":
        return cls(
            free_per_pair=settings.login_free_failures,
            free_per_address=settings.login_address_free_failures,
            account_alert=settings.login_account_alert_failures,
            base_s=settings.login_delay_base_s,
            cap_s=settings.login_delay_cap_s,
            memory=timedelta(hours=settings.login_failure_memory_hours),
        )

    def delay_s(self, failures: int, free: int) -> int:
        """The wait after the last of `failures`: none for the first `free`, then base, twice
        that, four times… up to the cap."""
        if failures <= free:
            return 0
        return min(self.cap_s, self.base_s * 2 ** min(failures - free - 1, 32))


def account_key(email: str) -> str:
    normalized = email.strip().lower().encode("utf-8", "surrogatepass")
    return hashlib.sha256(normalized).hexdigest()[:32]


def client_key(host: str) -> str:
    """The client address as throttled: IPv4 as is, IPv6 by its /64 (one subscriber's
    network, which holds more addresses than could ever be counted one by one)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "host-" + hashlib.sha256(host.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


@dataclass(frozen=True)
class Keys:
    pair: str
    address: str
    account: str

    @classmethod
    def of(cls, email: str, client_ip: str) -> "Keys":
        account, client = account_key(email), client_key(client_ip)
        return cls(f"pair:{account}|{client}", f"address:{client}", f"account:{account}")


@dataclass(frozen=True)
class LoginAttempt:
    """What a login reads and records before the password is checked."""

    keys: Keys
    now: datetime
    user: User | None = None
    retry_after: int | None = None  # seconds, when throttled
    recorded: list[int] = field(default_factory=list)  # this attempt's failure rows


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None = None


def _failures(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures `key` has since `since`, and when the last was."""
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.key == key, LoginFailure.at > since
        )
    ).one()
    return count, last


def _wait_s(session: Session, keys: Keys, throttle: Throttle, now: datetime) -> float:
    since = now - throttle.memory
    accounts, _ = _failures(session, keys.account, since)
    pair_free = 0 if accounts >= throttle.account_alert else throttle.free_per_pair
    wait = 0.0
    for key, free in ((keys.pair, pair_free), (keys.address, throttle.free_per_address)):
        count, last = _failures(session, key, since)
        if last is not None:
            until = last + timedelta(seconds=throttle.delay_s(count, free))
            wait = max(wait, (until - now).total_seconds())
    return wait


def _serialize_per_address(session: Session, keys: Keys) -> None:
    # PostgreSQL: concurrent attempts from one address (the pair includes it) read and record
    # one after the other, so a burst in parallel gets no more tries than a sequence. SQLite's
    # writers are serialized already (a POST's transaction begins IMMEDIATE, app/db.py).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": keys.address})


def start_login(
    session: Session,
    *,
    email: str,
    client_ip: str,
    throttle: Throttle,
    now: datetime | None = None,
) -> LoginAttempt:
    """Whether the attempt is throttled; if not, record it as a failure (undone on success)
    and read the account, if any. The caller commits before `finish_login`, so that no lock is
    held while the password is checked (Argon2, ~100 ms) and concurrent attempts count it."""
    now = now or clock.now()
    keys = Keys.of(email, client_ip)
    _serialize_per_address(session, keys)
    wait = _wait_s(session, keys, throttle, now)
    if wait > 0:
        return LoginAttempt(keys, now, retry_after=math.ceil(wait))
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - throttle.memory))
    rows = [LoginFailure(key=key, at=now) for key in (keys.pair, keys.address, keys.account)]
    session.add_all(rows)
    session.flush()
    # No stored email holds a NUL (PostgreSQL text cannot): such an email is an unknown account.
    user = None if "\x00" in email else find_by_email(session, email)
    return LoginAttempt(keys, now, user=user, recorded=[row.id for row in rows])


def finish_login(session: Session, attempt: LoginAttempt, password: str) -> LoginOutcome:
    """Check the password: the user, or neither. The answer is the same for an unknown account
    and a wrong password, and both stay counted as failures; a success clears its pair."""
    user = attempt.user
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        return LoginOutcome()
    session.execute(
        delete(LoginFailure).where(
            (LoginFailure.key == attempt.keys.pair) | LoginFailure.id.in_(attempt.recorded)
        )
    )
    return LoginOutcome(user=user)
