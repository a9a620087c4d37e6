"""Signing in and out of the pages: the cookie, its lifetime and idle timeout, the same
passwords as the API (its throttling: test_sign_in_throttling.py), local `next` targets only,
deactivation at the next request."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings
from app.main import create_app
from app.models import User, WebSession
from app.security import hash_password
from app.vocab import Role
from app.web import cookies
from tests.conftest import TEST_SECRET_KEY
from tests.factories import make_region, make_user
from tests.web.conftest import WebClient, csrf_in

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(db: Session) -> User:
    user = make_user(
        db, email="alice@example.org", role=Role.CONSULTANT, password_hash=hash_password(PASSWORD)
    )
    db.commit()
    return user


@pytest.fixture
def browser(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        yield client


def sign_in_form(client: TestClient, email: str, password: str, next_: str = "") -> object:
    form = client.get("/login" + (f"?next={next_}" if next_ else ""))
    token = csrf_in(form.text)
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(
        url,
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_anonymous_page_request_goes_to_sign_in_with_next(browser: TestClient) -> None:
    answer = browser.get("/engagements?phase=diagnosis", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fengagements%3Fphase%3Ddiagnosis"


def test_sign_in_sets_a_protected_cookie_and_goes_home(browser: TestClient, alice: User) -> None:
    answer = sign_in_form(browser, "alice@example.org", PASSWORD)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/engagements"  # type: ignore[attr-defined]
    set_cookie = answer.headers["set-cookie"]  # type: ignore[attr-defined]
    assert set_cookie.startswith(cookies.SESSION_COOKIE + "=")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Secure" not in set_cookie  # development serves plain HTTP
    assert browser.get("/engagements").status_code == 200


def test_wrong_password_keeps_the_email_and_says_so(browser: TestClient, alice: User) -> None:
    answer = sign_in_form(browser, "alice@example.org", "wrong")
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert "is not right" in answer.text  # type: ignore[attr-defined]
    assert 'value="alice@example.org"' in answer.text  # type: ignore[attr-defined]
    assert cookies.SESSION_COOKIE not in browser.cookies


def test_unknown_account_answers_like_a_wrong_password(browser: TestClient, alice: User) -> None:
    unknown = sign_in_form(browser, "nobody@example.org", PASSWORD)
    wrong = sign_in_form(browser, "alice@example.org", "wrong")
    assert unknown.status_code == wrong.status_code == 401  # type: ignore[attr-defined]


def test_sign_in_without_csrf_token_is_refused(
    browser: TestClient, alice: User, db: Session
) -> None:
    browser.get("/login")
    answer = browser.post(
        "/login", data={"email": "alice@example.org", "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0


def test_secure_cookie_in_production(
    database_url: str, session_factory: object, alice: User
) -> None:
    from app.db import SessionFactories

    settings = Settings(
        database_url=database_url, secret_key=TEST_SECRET_KEY, environment="production"
    )
    app = create_app(settings)
    app.state.sessions = SessionFactories(session_factory, session_factory)  # type: ignore[arg-type]
    with TestClient(app, base_url="https://testserver") as client:
        answer = sign_in_form(client, "alice@example.org", PASSWORD)
    assert "Secure" in answer.headers["set-cookie"]  # type: ignore[attr-defined]
    app.state.engine.dispose()


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "%2F%2Fevil.example",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_next_accepts_local_paths_only(browser: TestClient, alice: User, target: str) -> None:
    answer = sign_in_form(browser, "alice@example.org", PASSWORD, next_=target)
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert location in ("/engagements", target) and location.startswith("/")
    assert not location.startswith(("//", "/\\")) and "\r" not in location and "\n" not in location


def test_next_brings_the_user_back(browser: TestClient, alice: User) -> None:
    answer = sign_in_form(
        browser, "alice@example.org", PASSWORD, next_="%2Fengagements%3Fscope%3Dall"
    )
    assert answer.headers["location"] == "/engagements?scope=all"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.CONSULTANT, "/engagements"),
        (Role.ADMIN, "/engagements"),
        (Role.MONITOR, "/portfolio"),
        (Role.STAKEHOLDER, "/portal"),
    ],
)
def test_each_role_has_its_home(
    db: Session, web_as: Callable[[User], WebClient], role: Role, home: str
) -> None:
    extra = {"region_id": make_region(db).id} if role == Role.STAKEHOLDER else {}
    user = make_user(db, role=role, **extra)
    db.commit()
    answer = web_as(user).get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == home


def test_sign_out_ends_the_session_on_the_server(
    db: Session, web_as: Callable[[User], WebClient], alice: User
) -> None:
    web = web_as(alice)
    stolen = web.client.cookies[cookies.SESSION_COOKIE]
    assert web.post("/logout").status_code == 303
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0
    web.client.cookies.set(cookies.SESSION_COOKIE, stolen)  # a copy of the cookie replayed
    assert web.get("/engagements").status_code == 303


def test_deactivated_user_loses_access_at_the_next_request(
    db: Session, web_as: Callable[[User], WebClient], alice: User
) -> None:
    web = web_as(alice)
    assert web.get("/engagements").status_code == 200
    alice.is_active = False
    db.commit()
    answer = web.get("/engagements")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_idle_session_ends(db: Session, web_as: Callable[[User], WebClient], alice: User) -> None:
    web = web_as(alice)
    with clock.frozen(clock.now() + timedelta(minutes=61)):  # idle timeout: 60 minutes
        assert web.get("/engagements").status_code == 303


def test_activity_renews_the_cookie_until_the_lifetime_ends(
    db: Session, web_as: Callable[[User], WebClient], alice: User
) -> None:
    web = web_as(alice)
    start = clock.now()
    # Active every 50 minutes: the idle timeout never strikes...
    for step in range(1, 14):
        with clock.frozen(start + timedelta(minutes=50 * step)):
            answer = web.get("/engagements")
            if step * 50 < 60:
                assert answer.status_code == 200
            if answer.status_code != 200:
                break
    # ...but the session's row ends an hour after the sign-in (web_as: a one-hour lifetime).
    assert step * 50 >= 60 and answer.status_code == 303


def test_renewed_cookie_is_set_after_a_minute(
    db: Session, web_as: Callable[[User], WebClient], alice: User
) -> None:
    web = web_as(alice)
    assert "set-cookie" not in web.get("/engagements").headers
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        renewed = web.get("/engagements").headers.get("set-cookie", "")
    assert renewed.startswith(cookies.SESSION_COOKIE + "=") and "HttpOnly" in renewed


def test_forged_cookie_is_refused(web_anonymous: WebClient) -> None:
    forged = cookies.session_value(
        "another key" * 4, cookies.SignIn("abc", int(clock.now().timestamp()))
    )
    web_anonymous.client.cookies.set(cookies.SESSION_COOKIE, forged)
    assert web_anonymous.get("/engagements").status_code == 303


def test_each_sign_in_gets_a_new_token(browser: TestClient, alice: User, db: Session) -> None:
    sign_in_form(browser, "alice@example.org", PASSWORD)
    first = browser.cookies[cookies.SESSION_COOKIE]
    sign_in_form(browser, "alice@example.org", PASSWORD)
    assert browser.cookies[cookies.SESSION_COOKIE].split(".")[0] != first.split(".")[0]


def test_sign_ins_leave_no_token_in_the_audit_trail(
    browser: TestClient, alice: User, db: Session
) -> None:
    from app.models import AuditEntry

    sign_in_form(browser, "alice@example.org", PASSWORD)
    browser.post(
        "/logout", data={"csrf_token": csrf_in(browser.get("/engagements/new").text) or ""}
    )
    db.expire_all()
    entries = db.scalars(select(AuditEntry)).all()
    assert not [e for e in entries if e.entity_type == "web_session" or "token_hash" in e.changes]
