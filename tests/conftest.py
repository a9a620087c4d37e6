"""Test database: built once per run by the migrations; every test runs inside a transaction
that is rolled back, so tests never see each other's rows.

SQLite by default (a temporary file); PostgreSQL when CLUSTERCASE_TEST_DATABASE_URL is set.
"""

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.dependencies import models as fastapi_dependency_models
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.config import Settings
from app.db import SessionFactories, make_engine
from app.main import create_app
from app.models import User
from app.reports.pool import RenderPool
from app.security import issue_token
from app.vocab import Role

# Fixtures shared by the API's and the sign-in page's throttling tests.
pytest_plugins = ["tests.login_fixtures"]


def _test_url(tmp_dir: Path) -> str:
    return os.environ.get("CLUSTERCASE_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def _require_test_name(name: str) -> None:
    """The suite creates and empties PostgreSQL databases whose name says they are for tests,
    and no other, whatever CLUSTERCASE_TEST_DATABASE_URL says."""
    if "test" not in name.lower():
        raise RuntimeError(
            f"refusing to wipe the PostgreSQL database {name!r}: the suite only empties "
            "databases whose name contains 'test'"
        )


def reset_test_schema(engine: Engine) -> None:
    """Empty a PostgreSQL test database (drop and recreate its public schema)."""
    _require_test_name(engine.url.database or "")
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def create_test_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist yet."""
    parsed = make_url(url)
    _require_test_name(parsed.database or "")
    maintenance = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        name = parsed.database
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    maintenance.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _test_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        create_test_database(database_url)
        reset_test_schema(engine)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Each session's commit releases a SAVEPOINT; the test's outer transaction is rolled back.
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking data directly (factories use it)."""
    session = session_factory()
    yield session
    session.close()


TEST_SECRET_KEY = "test-signing-key-" + "k" * 40

# FastAPI classifies each endpoint and dependency callable once, in lru_caches of 4,096 entries
# that keep the callables alive. create_app defines some per app (closures over it), so during a
# test run every app stayed alive until pushed out of those caches: about 3 MiB a test, 3.5 GB
# at the end of the PostgreSQL run, and a minute or two of garbage collection at exit. (One app
# per process in production: nothing piles up there.)
_FASTAPI_CALLABLE_CACHES = (
    "_is_gen_callable_cached",
    "_is_async_gen_callable_cached",
    "_is_coroutine_callable_cached",
)


@pytest.fixture(autouse=True)
def _forget_apps() -> Iterator[None]:
    """After each test, empty FastAPI's callable caches, so that the test's app can go."""
    yield
    for name in _FASTAPI_CALLABLE_CACHES:
        cached = getattr(fastapi_dependency_models, name, None)
        if cached is not None:
            cached.cache_clear()


@pytest.fixture(scope="session")
def renderer() -> Iterator[RenderPool]:
    """One real pool of report-rendering processes for the whole run (they start on first use)."""
    pool = RenderPool(workers=2, queue=8, timeout_s=120)
    yield pool
    pool.shutdown()


@pytest.fixture
def app(
    database_url: str, session_factory: sessionmaker[Session], renderer: RenderPool
) -> Iterator[object]:
    application = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY))
    application.state.sessions = SessionFactories(session_factory, session_factory)
    application.state.renderer = renderer
    yield application
    application.state.engine.dispose()


@pytest.fixture
def admin_user(db: Session) -> User:
    user = User(email="admin@clustercase.test", full_name="Test Admin", role=Role.ADMIN)
    db.add(user)
    db.commit()
    return user


@pytest.fixture
def client(app: object, admin_user: User) -> Iterator[TestClient]:
    """A client logged in as an administrator, who may do everything: tests of a resource's
    own rules use it; tests of who may do what log in as others with `bearer(user)`."""
    headers = bearer(admin_user)
    with TestClient(app, raise_server_exceptions=False, headers=headers) as test_client:  # type: ignore[arg-type]
        yield test_client


@pytest.fixture
def anonymous(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:  # type: ignore[arg-type]
        yield test_client


def bearer(user: User) -> dict[str, str]:
    """Authorization headers with a fresh access token for `user`."""
    issued = issue_token(user.id, key=TEST_SECRET_KEY, lifetime=timedelta(minutes=5))
    return {"Authorization": f"Bearer {issued.token}"}


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def sql_statements(connection: Connection) -> Iterator[StatementCounter]:
    """Records every SQL statement the test's connection runs (savepoints excluded)."""
    counter = StatementCounter()
    event.listen(connection, "before_cursor_execute", counter)
    yield counter
    event.remove(connection, "before_cursor_execute", counter)
