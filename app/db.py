"""Engine, session factories and the request-scoped session dependency.

Routes are plain `def` functions, which FastAPI runs in worker threads: no database call ever
waits on the event loop (docs/performance.md, "Request path"). This dependency opens no
connection itself (the session connects at its first statement, in the route's thread) and ends
the transaction in a worker thread too.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.observability import metrics, sql
from app.services import audit  # noqa: F401  (registers the audit hook on every session)
from app.services.errors import Busy

log = logging.getLogger(__name__)
# Requests of these methods only read: their SQLite transactions begin deferred (readers run
# beside the writer, WAL); every other method's begin IMMEDIATE.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The execution option that makes a SQLite transaction take the write lock at BEGIN.
_BEGIN_MODE = "clustercase_sqlite_begin"


def make_engine(url: str, settings: Settings | None = None, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings every connection needs: short, bounded
    waits for a connection, a lock and a statement (each a 503 when it runs out, see
    app/api/errors.py)."""
    settings = settings or Settings()
    kwargs.setdefault("pool_size", settings.db_pool_size)
    # A fixed set, opened ahead (`warm_pool`); a few more for the exports' streamed bodies.
    kwargs.setdefault("max_overflow", 4)
    kwargs.setdefault("pool_timeout", settings.db_pool_timeout_s)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect(settings.sqlite_busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_on_begin)
        return _observed(engine, settings)
    # No ping before each checkout (a round trip per request): a connection the server dropped
    # fails its request with 503 `database_unavailable`, and SQLAlchemy then replaces the whole
    # pool; connections are renewed hourly anyway.
    kwargs.setdefault("pool_recycle", 3600)
    connect_args = {
        "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
        "connect_timeout": settings.db_connect_timeout_s,
        # A peer that vanishes (network, host) is noticed in seconds rather than hours.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    return _observed(create_engine(url, connect_args=connect_args, **kwargs), settings)


def _observed(engine: Engine, settings: Settings) -> Engine:
    """Pool gauges and the slow-statement log (app/observability/sql.py)."""
    sql.observe_pool(engine)
    sql.log_slow_statements(engine, settings.slow_sql_ms)
    return engine


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


def warm_pool(engine: Engine, connections: int) -> None:
    """Open `connections` connections now and leave them in the pool, so that the first burst
    of requests does not open them all at once (each a PostgreSQL backend to start, under
    load). A database that cannot be reached is not an error here: requests will say so."""
    opened = []
    try:
        for _ in range(connections):
            opened.append(engine.connect())
    except Exception as exc:
        log.warning("could not open the database connections ahead: %s", exc)
    finally:
        for connection in opened:
            connection.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock now, waiting up to busy_timeout for another writer; a
    # deferred transaction that reads and then writes cannot wait (SQLite refuses at once when
    # another connection committed meanwhile).
    mode = connection.get_execution_options().get(_BEGIN_MODE, "")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: Engine, *, writer: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`. A writer's SQLite transactions begin IMMEDIATE (PostgreSQL's
    writers lock rows, not the database). A reader's PostgreSQL statements run in autocommit:
    under READ COMMITTED each statement has a snapshot of its own anyway, so BEGIN and COMMIT
    would only add two round trips (SQLite's readers keep their transaction: it is their one
    snapshot, and costs no round trip)."""
    bind: Engine
    if writer:
        bind = engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})
    elif engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        bind = engine
    return sessionmaker(bind, expire_on_commit=False, autoflush=False)


@dataclass
class SessionFactories:
    """The app's sessions: for requests that only read, and for those that write."""

    reader: sessionmaker[Session]
    writer: sessionmaker[Session]

    @classmethod
    def on(cls, engine: Engine) -> "SessionFactories":
        return cls(make_sessionmaker(engine), make_sessionmaker(engine, writer=True))

    def for_method(self, method: str) -> sessionmaker[Session]:
        return self.reader if method in READ_METHODS else self.writer


def finish(session: Session, *, commit: bool) -> None:
    """End the session's transaction (commit, or roll back) and give its connection back."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class SessionSlots:
    """How many requests hold a session at once in a process: no more than there are worker
    threads and pooled connections. A request holds its session (and its connection, and on
    SQLite a writer's lock) between the thread hops of its dependencies and its route; were
    there more such requests than threads, the holders could wait for a thread behind requests
    that wait for them (for a connection, or for SQLite's write lock) until a timeout. A
    request waits for a slot on the event loop, holding nothing, and answers 503 `busy` past
    the pool timeout."""

    def __init__(self, slots: int, timeout_s: float) -> None:
        self.slots = max(1, slots)
        self.timeout_s = timeout_s
        metrics.DB_SESSION_SLOTS.set(self.slots)
        # One per event loop: a server has one; tests may serve one app from several.
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary()
        )

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.slots)
        metrics.DB_SESSION_SLOTS_WAITING.inc()
        try:
            await asyncio.wait_for(semaphore.acquire(), self.timeout_s)
        except TimeoutError:
            raise Busy(
                "Every database connection is busy; retry in a moment", retry_after=1
            ) from None
        finally:
            metrics.DB_SESSION_SLOTS_WAITING.dec()
        metrics.DB_SESSION_SLOTS_IN_USE.inc()
        try:
            yield
        finally:
            semaphore.release()
            metrics.DB_SESSION_SLOTS_IN_USE.dec()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed when the route returns, rolled back when it raises.

    Async only to hand the session over: creating it does no I/O (it connects at its first
    statement, in the route's worker thread), and the commit or rollback runs in a worker
    thread, so the event loop never waits on the database.
    """
    factories: SessionFactories = request.app.state.sessions
    slots: SessionSlots = request.app.state.session_slots
    async with slots.held():
        session = factories.for_method(request.method)()
        session.info["request_id"] = getattr(request.state, "request_id", None)
        try:
            yield session
        except BaseException:
            await run_in_threadpool(finish, session, commit=False)
            raise
        finally:
            # The caller its dependencies resolved (for the request's log line).
            request.state.user_id = session.info.get("actor_id")
        await run_in_threadpool(finish, session, commit=True)


# scope="function": the commit runs before the response is sent, so a failing commit is reported.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
