"""The sign-in page's throttling is the API's: the same keys and delays, failures through
either counting together, the wait said in words, the owner never locked out from another
address, and an unknown account indistinguishable from a wrong password."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app import clock
from app.models import User
from app.web import cookies
from app.web.pages.auth import wait_in_words
from tests.login_fixtures import ATTACKER, OWNER, PASSWORD, tune
from tests.web.conftest import csrf_in


def sign_in(browser: TestClient, email: str, password: str) -> httpx.Response:
    token = csrf_in(browser.get("/login").text)
    return browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def api_log_in(browser: TestClient, email: str, password: str) -> httpx.Response:
    return browser.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_attackers_failures_on_the_form_never_stop_the_owner_elsewhere(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=2)
    attacker = from_address(ATTACKER)
    for _ in range(3):
        assert sign_in(attacker, "alice@example.org", "guess").status_code == 401
    assert sign_in(attacker, "alice@example.org", PASSWORD).status_code == 429
    owner = from_address(OWNER)
    answer = sign_in(owner, "alice@example.org", PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/engagements"
    assert cookies.SESSION_COOKIE in owner.cookies


def test_throttled_form_says_the_wait_and_it_grows(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=1, delay_base_s=30)
    attacker = from_address(ATTACKER)
    sign_in(attacker, "alice@example.org", "guess")
    sign_in(attacker, "alice@example.org", "guess")
    first = sign_in(attacker, "alice@example.org", PASSWORD)
    assert first.status_code == 429 and first.headers["retry-after"] == "30"
    assert "Too many failed sign-ins. Try again in 30 seconds." in first.text
    assert 'value="alice@example.org"' in first.text
    assert cookies.SESSION_COOKIE not in attacker.cookies
    with clock.frozen(start + timedelta(seconds=30)):
        assert sign_in(attacker, "alice@example.org", "guess").status_code == 401
        second = sign_in(attacker, "alice@example.org", PASSWORD)
    assert second.status_code == 429 and second.headers["retry-after"] == "60"
    assert "Try again in 1 minute." in second.text


def test_failures_through_the_api_and_the_form_count_together(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=2)
    browser = from_address(ATTACKER)
    assert api_log_in(browser, "alice@example.org", "x").status_code == 401
    assert sign_in(browser, "alice@example.org", "x").status_code == 401
    assert api_log_in(browser, "alice@example.org", "x").status_code == 401
    page = sign_in(browser, "alice@example.org", PASSWORD)
    api = api_log_in(browser, "alice@example.org", PASSWORD)
    assert page.status_code == api.status_code == 429
    assert page.headers["retry-after"] == api.headers["retry-after"] == "1"


def test_the_address_limit_holds_across_the_api_and_the_form(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, address_free_failures=1)
    browser = from_address(ATTACKER)
    assert api_log_in(browser, "bob@example.org", "x").status_code == 401
    assert sign_in(browser, "carol@example.org", "x").status_code == 401
    assert sign_in(browser, "alice@example.org", PASSWORD).status_code == 429


def _page_answers(browser: TestClient, email: str, at: datetime) -> list[tuple[object, ...]]:
    """Six wrong passwords on the form, each waiting what it is told to; the pages with the
    parts that differ by design (the echoed email, the CSRF token) taken out."""
    answers = []
    for _ in range(6):
        with clock.frozen(at):
            answer = sign_in(browser, email, "guess")
        text = answer.text.replace(email, "EMAIL").replace(csrf_in(answer.text) or "", "CSRF")
        retry_after = answer.headers.get("retry-after")
        answers.append((answer.status_code, re.sub(r"\s+", " ", text), retry_after))
        if retry_after:
            at += timedelta(seconds=int(retry_after))
    return answers


def test_unknown_account_and_wrong_password_look_alike_on_the_form(
    app: Any, from_address: Callable[[str], TestClient], alice: User, start: datetime
) -> None:
    tune(app, free_failures=1)
    known = _page_answers(from_address(ATTACKER), "alice@example.org", start)
    unknown = _page_answers(from_address(OWNER), "nobody@example.org", start)
    assert known == unknown
    assert [status for status, *_ in known] == [401, 401, 429, 401, 429, 401]


@pytest.mark.parametrize(
    ("email", "password"), [("alice\x00@example.org", PASSWORD), ("alice@example.org", "x\x00")]
)
def test_nul_in_the_form_answers_and_counts_like_any_failure(
    app: Any,
    from_address: Callable[[str], TestClient],
    alice: User,
    start: datetime,
    email: str,
    password: str,
) -> None:
    tune(app, free_failures=1)
    browser = from_address(ATTACKER)
    first = sign_in(browser, email, password)
    assert first.status_code == 401 and "is not right" in first.text
    assert sign_in(browser, email, password).status_code == 401
    assert sign_in(browser, email, password).status_code == 429


def test_wait_in_words() -> None:
    assert [wait_in_words(s) for s in (1, 2, 59, 60, 61, 900)] == [
        "1 second",
        "2 seconds",
        "59 seconds",
        "1 minute",
        "2 minutes",
        "15 minutes",
    ]
