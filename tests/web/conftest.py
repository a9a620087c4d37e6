"""Page tests: a TestClient signed in as a user through a real web session (its row and its
signed cookie, as /login makes them, without spending an Argon2 check per test)."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import clock
from app.models import User
from app.services import web_sessions
from app.web import cookies
from tests.conftest import TEST_SECRET_KEY

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    """A browser's view of the app: its cookie, and the CSRF token its pages carry. `post`
    adds the token unless told not to (`csrf=None`) or given another."""

    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(url, **kwargs)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: str | None = "", **kwargs: Any
    ) -> httpx.Response:
        form = dict(data or {})
        if csrf is not None:
            form["csrf_token"] = csrf or self.csrf
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kwargs)


def sign_in(db: Session, client: TestClient, user: User) -> str:
    """Give `client` the cookie of a new sign-in of `user`; its CSRF token."""
    token = web_sessions.start(db, user, lifetime=timedelta(hours=1))
    db.commit()
    value = cookies.session_value(
        TEST_SECRET_KEY, cookies.SignIn(token, int(clock.now().timestamp()))
    )
    client.cookies.set(cookies.SESSION_COOKIE, value)
    return cookies.csrf_token(TEST_SECRET_KEY, token)


@pytest.fixture
def web_as(app: object, db: Session) -> Iterator[Callable[[User], WebClient]]:
    """`web_as(user)`: a client signed in as `user` (each call a browser of its own)."""
    clients: list[TestClient] = []

    def make(user: User) -> WebClient:
        client = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
        client.__enter__()
        clients.append(client)
        return WebClient(client, sign_in(db, client, user))

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def web_anonymous(app: object) -> Iterator[WebClient]:
    with TestClient(app, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        yield WebClient(client, "")


def csrf_in(html: str) -> str | None:
    match = CSRF_INPUT.search(html)
    return match.group(1) if match else None
