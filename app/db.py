"""Engine, session factory and the request-scoped session dependency."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.services import audit  # noqa: F401  (registers the audit hook on every session)


def make_engine(url: str, settings: Settings | None = None, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings every connection needs."""
    settings = settings or Settings()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect(settings.sqlite_busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_size", settings.db_pool_size)
    kwargs.setdefault("pool_pre_ping", True)
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    connect_args = {"options": options, "connect_timeout": 5}
    return create_engine(url, connect_args=connect_args, **kwargs)


def _sqlite_on_connect(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, emit BEGIN: otherwise SAVEPOINTs and
        # transactional DDL misbehave (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; WAL lets readers run beside one writer.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _sqlite_on_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """The request's session: committed when the block ends, rolled back when it raises."""
    session: Session = request.app.state.sessionmaker()
    session.info["request_id"] = getattr(request.state, "request_id", None)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: commit when the route returns, roll back when it raises.

    The routes are `async def` and use this synchronous session directly: the queries are short
    and bounded (statement timeout), and skipping the thread-pool hop is what keeps list requests
    fast (see README, "Request path"). CPU-heavy work (PDF rendering) goes to worker processes.
    """
    with request_session(request) as session:
        yield session


# scope="function": the commit runs before the response is sent, so a failing commit is reported.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
