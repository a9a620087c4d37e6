"""A write that meets another writer's lock for too long answers 503 with Retry-After, in the
one error shape, and writes nothing (so no audit entry either); the app serves the next request
as usual.

Real contention, not a mock: another connection holds a row lock (PostgreSQL) or the write lock
(SQLite) while the app, on its own engine with short timeouts, tries to change that row.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.main import create_app
from app.models import Region, User
from app.security import hash_password
from app.vocab import Role
from tests.conftest import TEST_SECRET_KEY, bearer

TIMEOUT_MS = 300


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[int, User]]:
    """A region and an administrator committed for real (other connections must see them),
    removed afterwards."""
    with engine.begin() as connection:
        region_id = connection.execute(
            Region.__table__.insert().returning(Region.id),
            {"nuts_code": "LK1", "name": "Locked", "country_code": "LK", "nuts_level": 1},
        ).scalar_one()
        user_id = connection.execute(
            User.__table__.insert().returning(User.id),
            {"email": "locks@clustercase.test", "full_name": "Lock Tester", "role": Role.ADMIN}
            | {"password_hash": hash_password("not-used-here")},
        ).scalar_one()
    yield region_id, User(id=user_id)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM regions WHERE id = :r"), {"r": region_id})
        connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": user_id})


def test_a_write_blocked_by_another_writer_answers_503(
    database_url: str, engine: Engine, committed: tuple[int, User]
) -> None:
    region_id, admin = committed
    settings = Settings(
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        db_statement_timeout_ms=TIMEOUT_MS,
        sqlite_busy_timeout_ms=TIMEOUT_MS,
    )
    app = create_app(settings)
    url = f"/api/v1/regions/{region_id}"
    try:
        with TestClient(app, headers=bearer(admin)) as client, engine.connect() as locker:
            locker.begin()
            # A row lock on PostgreSQL (and the list's change counter, which its trigger
            # raises); SQLite's one write lock.
            hold = text("UPDATE regions SET notes = 'held' WHERE id = :r")
            locker.execute(hold, {"r": region_id})
            response = client.patch(url, json={"name": "Renamed while locked"})
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "1"
            assert response.json()["error"] == "busy"
            locker.rollback()
            # Nothing was written, and the app answers the next request as usual.
            assert client.get(url).json()["name"] == "Locked"
    finally:
        app.state.engine.dispose()
