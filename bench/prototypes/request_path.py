"""Prototype (issue #10, item 1): which request path keeps the event loop off the database?

    .venv/bin/python bench/prototypes/request_path.py [--databases sqlite,postgresql]
        [--variants A,B,B1,B2,C] [--duration 8] [--connections 16]

The same three routes, served several ways (one FastAPI app per variant, `create_app` below):

    A   `async def` routes and dependencies, synchronous Session on the event loop (the old way)
    B   `def` routes and user dependency, synchronous Session in anyio's worker threads, the
        session from app/db.py's own `get_session` (async, commits in a worker thread): the
        app's provisional choice
    B1  (for information) `def` routes without dependencies: the whole request, session to
        commit, in one worker-thread hop
    C   `async def` routes with SQLAlchemy's AsyncSession (aiosqlite / psycopg's async
        driver); the write runs the same synchronous function under `AsyncSession.run_sync`,
        as the existing service code would
    B2  (SQLite only, not run by default: --databases sqlite --variants B,B2) B with the
        writers' sessions on an engine of one connection, so writers queue in the pool
    B3  (SQLite only, not run by default) B2, and the readers on one connection too

Routes: `GET /list` (the caller read by id, from the `X-User-Id` header, then one page of 50
engagements, engagement_queries.page("reference"), rows to JSON by orjson, no cache);
`POST /write` (a random engagement of ids 1..50: row read FOR UPDATE, summary changed,
committed; `POST /write/{id}` for a given one); `GET /healthz` (async, no database).

Every variant gets the same engines (app/db.py's settings: SQLite pragmas, IMMEDIATE writers,
PostgreSQL statement timeout, pool of 10 + 10), the same models, audit hook and change-log
triggers, and a freshly built database (bench/api_throughput.py's `build_data`, 1,000
engagements). Measurement and report: bench/prototypes/_load.py; findings: README.md here.
"""

import os
import random
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from anyio import to_thread  # noqa: E402
from fastapi import Depends, FastAPI, HTTPException, Request, Response  # noqa: E402
from sqlalchemy import Row, bindparam, event, select  # noqa: E402
from sqlalchemy.ext.asyncio import (  # noqa: E402
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import (  # noqa: E402
    _BEGIN_MODE,
    READ_METHODS,
    DbSession,
    SessionFactories,
    _sqlite_on_begin,
    _sqlite_on_connect,
    finish,
    make_engine,
    make_sessionmaker,
)
from app.models import Engagement, User  # noqa: E402
from app.services import engagement_queries  # noqa: E402

VARIANTS = {
    "A": "async def, sync Session on the loop",
    "B": "def, sync Session in threads (app)",
    "B1": "def, one thread hop, no deps",
    "B2": "B, SQLite writers queued in-process",
    "B3": "B, SQLite one reader and one writer connection",
    "C": "async def, AsyncSession",
}
PAGE = engagement_queries.page("reference", frozenset(), None)
PAGE_PARAMS = {"limit": 50, "offset": 0}
USER_BY_ID = select(User).where(User.id == bindparam("user_id"), User.is_active)
WRITE_IDS = (1, 50)
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


# -- what every variant runs -----------------------------------------------------------------------


def user_id_of(request: Request) -> int:
    return int(request.headers.get("x-user-id", "0"))


def signed_in(user: User | None, session: Session | AsyncSession) -> User:
    if user is None:
        raise HTTPException(401, "unknown user")
    session.info["actor_id"] = user.id  # the audit hook's actor
    return user


def page_json(rows: list[Row[Any]]) -> Response:
    items = [engagement_queries.item(row) for row in rows]
    total = rows[0].total if rows else 0
    page = {"items": items, "total": total, **PAGE_PARAMS}
    return Response(orjson.dumps(page, option=JSON_OPTIONS), media_type="application/json")


def list_page(session: Session) -> Response:
    return page_json(list(session.execute(PAGE, PAGE_PARAMS).all()))


def update_summary(session: Session, engagement_id: int) -> Response:
    """The write, synchronous as the app's services are: the row locked (so that concurrent
    writers queue instead of failing the version check), its summary changed, flushed."""
    engagement = session.get(Engagement, engagement_id, with_for_update=True)
    if engagement is None:
        raise HTTPException(404, "no such engagement")
    engagement.summary = f"Revised at {time.time_ns()}"
    session.flush()
    body = orjson.dumps({"id": engagement.id, "version": engagement.version})
    return Response(body, media_type="application/json")


def random_id() -> int:
    return random.randint(*WRITE_IDS)


async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


# -- A: async def, synchronous session on the loop -------------------------------------------------


def variant_a(app: FastAPI, url: str) -> None:
    factories = SessionFactories.on(make_engine(url))

    async def session_on_loop(request: Request) -> AsyncIterator[Session]:
        session = factories.for_method(request.method)()
        try:
            yield session
        except BaseException:
            finish(session, commit=False)
            raise
        finish(session, commit=True)  # on the loop

    Db = Annotated[Session, Depends(session_on_loop, scope="function")]

    async def current_user(request: Request, session: Db) -> User:
        return signed_in(session.scalar(USER_BY_ID, {"user_id": user_id_of(request)}), session)

    Caller = Annotated[User, Depends(current_user)]

    @app.get("/list")
    async def list_a(session: Db, user: Caller) -> Response:
        return list_page(session)

    @app.post("/write")
    async def write_a(session: Db, user: Caller) -> Response:
        return update_summary(session, random_id())

    @app.post("/write/{engagement_id}")
    async def write_one_a(session: Db, user: Caller, engagement_id: int) -> Response:
        return update_summary(session, engagement_id)


# -- B: def routes, the app's own session dependency -----------------------------------------------


def variant_b(app: FastAPI, url: str) -> None:
    app.state.sessions = SessionFactories.on(make_engine(url))  # what app/db.py's get_session reads

    def current_user(request: Request, session: DbSession) -> User:
        return signed_in(session.scalar(USER_BY_ID, {"user_id": user_id_of(request)}), session)

    Caller = Annotated[User, Depends(current_user)]

    @app.get("/list")
    def list_b(session: DbSession, user: Caller) -> Response:
        return list_page(session)

    @app.post("/write")
    def write_b(session: DbSession, user: Caller) -> Response:
        return update_summary(session, random_id())

    @app.post("/write/{engagement_id}")
    def write_one_b(session: DbSession, user: Caller, engagement_id: int) -> Response:
        return update_summary(session, engagement_id)


def variant_b2(app: FastAPI, url: str) -> None:
    """B, with SQLite's writers queued on a pool of one connection (threads wait in the pool's
    queue, in turn, instead of retrying in SQLite's busy handler); on PostgreSQL, B."""
    variant_b(app, url)
    if url.startswith("sqlite"):
        only_one = make_engine(url, pool_size=1, max_overflow=0)
        app.state.sessions.writer = make_sessionmaker(only_one, writer=True)


def variant_b3(app: FastAPI, url: str) -> None:
    """B2, and SQLite's readers on a pool of one connection too: one thread at a time steps
    SQLite (each step releases the GIL); on PostgreSQL, B."""
    variant_b2(app, url)
    if url.startswith("sqlite"):
        only_one = make_engine(url, pool_size=1, max_overflow=0)
        app.state.sessions.reader = make_sessionmaker(only_one)


# -- B1: def routes, one hop -----------------------------------------------------------------------


def variant_b1(app: FastAPI, url: str) -> None:
    factories = SessionFactories.on(make_engine(url))

    def in_one_hop(request: Request, work: Callable[[Session], Response]) -> Response:
        session = factories.for_method(request.method)()
        try:
            signed_in(session.scalar(USER_BY_ID, {"user_id": user_id_of(request)}), session)
            response = work(session)
        except BaseException:
            finish(session, commit=False)
            raise
        finish(session, commit=True)
        return response

    @app.get("/list")
    def list_b1(request: Request) -> Response:
        return in_one_hop(request, list_page)

    @app.post("/write")
    def write_b1(request: Request) -> Response:
        engagement_id = random_id()
        return in_one_hop(request, lambda session: update_summary(session, engagement_id))

    @app.post("/write/{engagement_id}")
    def write_one_b1(request: Request, engagement_id: int) -> Response:
        return in_one_hop(request, lambda session: update_summary(session, engagement_id))


# -- C: AsyncSession -------------------------------------------------------------------------------


def make_async_engine(url: str) -> AsyncEngine:
    """app/db.py's make_engine, for the asyncio extension: same pool, pragmas, BEGIN modes,
    timeouts (psycopg takes the same connection parameters in its async connect)."""
    settings = Settings()
    pool = {"pool_size": settings.db_pool_size, "pool_timeout": settings.db_pool_timeout_s}
    if url.startswith("sqlite"):
        engine = create_async_engine(url.replace("sqlite:", "sqlite+aiosqlite:", 1), **pool)
        on_connect = _sqlite_on_connect(settings.sqlite_busy_timeout_ms)
        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    connect_args = {
        "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
        "connect_timeout": settings.db_connect_timeout_s,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    async_url = url.replace("postgresql+psycopg:", "postgresql+psycopg_async:", 1)
    return create_async_engine(async_url, pool_pre_ping=True, connect_args=connect_args, **pool)


def variant_c(app: FastAPI, url: str) -> None:
    engine = make_async_engine(url)
    reader = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    writer = async_sessionmaker(
        engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"}),
        expire_on_commit=False,
        autoflush=False,
    )

    async def async_session(request: Request) -> AsyncIterator[AsyncSession]:
        session = (reader if request.method in READ_METHODS else writer)()
        try:
            yield session
        except BaseException:
            await session.rollback()
            await session.close()
            raise
        try:
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            await session.close()

    Db = Annotated[AsyncSession, Depends(async_session, scope="function")]

    async def current_user(request: Request, session: Db) -> User:
        user = await session.scalar(USER_BY_ID, {"user_id": user_id_of(request)})
        return signed_in(user, session)

    Caller = Annotated[User, Depends(current_user)]

    @app.get("/list")
    async def list_c(session: Db, user: Caller) -> Response:
        return page_json(list((await session.execute(PAGE, PAGE_PARAMS)).all()))

    @app.post("/write")
    async def write_c(session: Db, user: Caller) -> Response:
        return await session.run_sync(update_summary, random_id())

    @app.post("/write/{engagement_id}")
    async def write_one_c(session: Db, user: Caller, engagement_id: int) -> Response:
        return await session.run_sync(update_summary, engagement_id)


BUILDERS: dict[str, Callable[[FastAPI, str], None]] = {
    "A": variant_a,
    "B": variant_b,
    "B1": variant_b1,
    "B2": variant_b2,
    "B3": variant_b3,
    "C": variant_c,
}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The worker threads that may run at once (the app's `worker_threads` setting, 40).
    to_thread.current_default_thread_limiter().total_tokens = int(os.environ["PROTO_THREADS"])
    yield


def create_app() -> FastAPI:
    """The app of $PROTO_VARIANT over $PROTO_DATABASE_URL (uvicorn's --factory), with
    $PROTO_THREADS worker threads."""
    app = FastAPI(openapi_url=None, lifespan=lifespan)
    app.add_api_route("/healthz", healthz, methods=["GET"])
    BUILDERS[os.environ["PROTO_VARIANT"]](app, os.environ["PROTO_DATABASE_URL"])
    return app


if __name__ == "__main__":
    from bench.prototypes._load import main

    sys.exit(main(VARIANTS))
