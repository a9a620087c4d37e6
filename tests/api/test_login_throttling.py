"""Login throttling, tried as an attacker would: failures are counted per account and client
address pair and per address, with doubling delays; they never stop the owner signing in from
another address, never reveal whether an account exists, and a throttled attempt is refused
before its password is checked. Time moves with app.clock, never with sleeps."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings
from app.main import create_app
from app.models import LoginFailure, User
from app.services import auth as login_service
from tests.conftest import TEST_SECRET_KEY
from tests.login_fixtures import ATTACKER, OWNER, PASSWORD, tune

TOKEN = "/api/v1/auth/token"


def log_in(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post(TOKEN, data={"username": email, "password": password})


def guess_as_soon_as_allowed(
    client: TestClient, email: str, start: datetime, failures: int
) -> tuple[list[int], datetime]:
    """Make `failures` wrong guesses, each as soon as allowed: the Retry-After of each refusal
    met on the way, and the time of the last guess."""
    waits, at = [], start
    while failures:
        with clock.frozen(at):
            answer = log_in(client, email, "guess")
        if answer.status_code == 429:
            waits.append(int(answer.headers["retry-after"]))
            at += timedelta(seconds=waits[-1])
        else:
            assert answer.status_code == 401
            failures -= 1
    return waits, at


def test_attacker_meets_doubling_delays_up_to_the_cap(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=2, delay_cap_s=8)
    attacker = from_address(ATTACKER)
    waits, at = guess_as_soon_as_allowed(attacker, "alice@example.org", start, 7)
    assert waits == [1, 2, 4, 8]
    with clock.frozen(at):
        refused = log_in(attacker, "alice@example.org", "guess")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "8"
    assert refused.json()["error"] == "too_many_attempts"


def test_attackers_failures_never_stop_the_owner_at_another_address(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    attacker = from_address(ATTACKER)
    # The defaults: 5 failures free, then 1 s, 2 s, 4 s… (64 s after the 12th).
    waits, at = guess_as_soon_as_allowed(attacker, "alice@example.org", start, 12)
    assert waits == [1, 2, 4, 8, 16, 32]
    with clock.frozen(at):
        assert log_in(attacker, "alice@example.org", PASSWORD).status_code == 429
        owner = log_in(from_address(OWNER), "alice@example.org", PASSWORD)
    assert owner.status_code == 200, owner.text


def test_throttled_attempt_is_refused_without_checking_the_password(
    app: Any,
    from_address: Callable[[str], TestClient],
    alice: User,
    start: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tune(app, free_failures=1, delay_cap_s=60)
    checks: list[str] = []
    real_verify = login_service.verify_password

    def counting_verify(password_hash: str | None, password: str) -> bool:
        checks.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(login_service, "verify_password", counting_verify)
    attacker = from_address(ATTACKER)
    log_in(attacker, "alice@example.org", "guess")
    log_in(attacker, "alice@example.org", "guess")
    wrong = log_in(attacker, "alice@example.org", "x")
    right = log_in(attacker, "alice@example.org", PASSWORD)
    assert checks == ["guess", "guess"]
    assert wrong.status_code == right.status_code == 429
    assert wrong.content == right.content
    with clock.frozen(start + timedelta(seconds=int(right.headers["retry-after"]))):
        assert log_in(attacker, "alice@example.org", PASSWORD).status_code == 200


def test_success_clears_its_pair_only(
    app: Any, db: Session, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=2)
    owner = from_address(OWNER)
    for _ in range(2):
        log_in(owner, "alice@example.org", "typo")
    assert log_in(owner, "alice@example.org", PASSWORD).status_code == 200
    keys = db.scalars(select(LoginFailure.key)).all()
    assert not [key for key in keys if key.startswith("pair:")]
    assert sorted(key.split(":")[0] for key in keys) == ["account"] * 2 + ["address"] * 2
    for _ in range(3):  # the pair's free failures are back (the third sets a delay)
        assert log_in(owner, "alice@example.org", "typo").status_code == 401
    assert log_in(owner, "alice@example.org", "typo").status_code == 429


def _exchange(client: TestClient, email: str, at: datetime) -> list[tuple[object, ...]]:
    """The answers to 8 wrong passwords, each waiting what it is told to."""
    answers = []
    for _ in range(8):
        with clock.frozen(at):
            response = log_in(client, email, "guess")
        headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
        answers.append((response.status_code, response.content, headers))
        if response.status_code == 429:
            at += timedelta(seconds=int(response.headers["retry-after"]))
    return answers


def test_unknown_account_and_wrong_password_answer_and_throttle_alike(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=2)
    known = _exchange(from_address(ATTACKER), "alice@example.org", start)
    unknown = _exchange(from_address(OWNER), "nobody@example.org", start)
    assert known == unknown
    assert [status for status, *_ in known] == [401, 401, 401, 429, 401, 429, 401, 429]


def test_address_is_throttled_across_accounts_but_not_other_addresses(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, address_free_failures=3)
    sprayer = from_address(ATTACKER)
    for n in range(4):
        assert log_in(sprayer, f"user{n}@example.org", "Winter2026!").status_code == 401
    assert log_in(sprayer, "alice@example.org", PASSWORD).status_code == 429
    assert log_in(from_address(OWNER), "alice@example.org", PASSWORD).status_code == 200


def test_distributed_guessing_loses_the_free_failures_but_not_the_owner(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, account_alert_failures=4)
    for n in range(4):
        assert log_in(from_address(f"192.0.2.{n}"), "alice@example.org", "g").status_code == 401
    bot = from_address("192.0.2.200")
    assert log_in(bot, "alice@example.org", "g").status_code == 401  # a first try is answered
    assert log_in(bot, "alice@example.org", "g").status_code == 429  # ...but none free after it
    assert log_in(from_address(OWNER), "alice@example.org", PASSWORD).status_code == 200


def test_ipv6_addresses_of_one_network_count_together(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, address_free_failures=2)
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"):
        assert log_in(from_address(host), f"{host}@example.org", "g").status_code == 401
    assert log_in(from_address("2001:db8:1:2::9"), "alice@example.org", PASSWORD).status_code == 429
    assert log_in(from_address("2001:db8:1:3::1"), "alice@example.org", PASSWORD).status_code == 200


def test_forgotten_failures_are_deleted_and_do_not_count(
    app: Any, db: Session, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=1)
    keys = login_service.Keys.of("alice@example.org", ATTACKER)
    day_ago = start - timedelta(hours=24)
    db.add_all(LoginFailure(key=key, at=day_ago) for key in (keys.pair, keys.address) * 50)
    db.commit()
    attacker = from_address(ATTACKER)
    assert log_in(attacker, "alice@example.org", "g").status_code == 401
    assert db.scalar(select(func.count()).where(LoginFailure.at <= day_ago)) == 0
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 3


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice\x00@example.org", PASSWORD), ("\x00", "guess"), ("alice@example.org", "pass\x00")],
)
def test_nul_in_the_login_answers_and_counts_like_any_failure(
    app: Any,
    from_address: Callable[[str], TestClient],
    alice: User,
    start: datetime,
    username: str,
    password: str,
) -> None:
    tune(app, free_failures=1)
    client = from_address(ATTACKER)
    nul = log_in(client, username, password)
    plain = log_in(from_address(OWNER), "nobody@example.org", "guess")
    assert nul.status_code == plain.status_code == 401
    assert nul.content == plain.content
    assert log_in(client, username, password).status_code == 401
    assert log_in(client, username, password).status_code == 429


def test_client_key_groups_ipv6_and_hides_odd_hosts() -> None:
    assert login_service.client_key("192.0.2.1") == "192.0.2.1"
    assert login_service.client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert login_service.client_key("2001:db8::1") == "2001:db8::/64"
    odd = login_service.client_key("unknown\x00" + "x" * 1000)
    assert odd.startswith("host-") and len(odd) < 40 and "\x00" not in odd


def test_delays_double_from_the_base_up_to_the_cap() -> None:
    throttle = login_service.Throttle(base_s=3, cap_s=100)
    assert [throttle.delay_s(n, free=2) for n in range(9)] == [0, 0, 0, 3, 6, 12, 24, 48, 96]
    assert throttle.delay_s(9, free=2) == throttle.delay_s(10**6, free=2) == 100


@pytest.fixture
def real_app(database_url: str, engine: Engine) -> Iterator[FastAPI]:
    """The app on its own engine: its requests commit for real and run concurrently; the
    failures they record are removed afterwards."""
    application = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY))
    yield application
    application.state.engine.dispose()
    with engine.begin() as connection:
        connection.execute(delete(LoginFailure))


def test_a_burst_in_parallel_gets_no_more_tries_than_a_sequence(
    real_app: FastAPI, start: datetime
) -> None:
    tune(real_app, free_failures=1)
    with TestClient(real_app, client=(ATTACKER, 40000)) as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: log_in(client, "victim@example.org", "g"), range(8)))
    statuses = sorted(answer.status_code for answer in answers)
    # Each attempt is recorded before its password is checked, one address at a time: the
    # free failure and the one that starts the delay are answered, the others refused.
    assert statuses == [401, 401] + [429] * 6
