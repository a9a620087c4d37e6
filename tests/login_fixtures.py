"""What the API's and the sign-in page's throttling tests share: an account with a known
password, smaller limits, clients at chosen addresses, and a frozen clock (a pytest plugin,
registered in tests/conftest.py)."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import clock
from app.models import User
from app.security import hash_password
from tests.factories import make_user

PASSWORD = "correct horse battery staple"
ATTACKER, OWNER = "198.51.100.66", "203.0.113.10"


@pytest.fixture
def alice(db: Session) -> User:
    """A consultant whose password is PASSWORD."""
    user = make_user(db, email="alice@example.org", password_hash=hash_password(PASSWORD))
    db.commit()
    return user


def tune(app: Any, **settings: int) -> None:
    """Smaller numbers than the defaults, so that a test needs few Argon2 checks."""
    names = {f"login_{name}": value for name, value in settings.items()}
    app.state.settings = app.state.settings.model_copy(update=names)


@pytest.fixture
def from_address(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """`from_address(ip)`: a client (an API caller or a browser) whose requests come from `ip`."""
    clients: list[TestClient] = []

    def make(host: str) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False, client=(host, 40000))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def start() -> Iterator[datetime]:
    with clock.frozen(clock.now()) as at:
        yield at
