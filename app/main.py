"""Application factory: routers, error handlers, middleware."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from app import affinity, migrate
from app.api import (
    audit,
    auth,
    bottlenecks,
    challenges,
    datasets,
    engagements,
    evidence,
    follow_up,
    library,
    milestones,
    missions,
    partnerships,
    portfolio,
    recommendations,
    regions,
    reports,
    statistics,
    users,
    workflow,
)
from app.api.deps import current_user
from app.api.docs import OPENAPI_URL, add_docs_routes, docs_enabled
from app.api.errors import install_error_handlers
from app.api.headers import install as install_security_headers
from app.api.middleware import BodySizeLimit, RequestId
from app.api.options import Options
from app.api.responses import document_error_statuses
from app.config import Settings
from app.db import SessionFactories, SessionSlots, make_engine, warm_pool
from app.observability.metrics import MetricsAccess
from app.observability.middleware import Observe
from app.reports.pool import RenderPool
from app.schemas.common import ErrorOut, error_responses, warm_max_lengths
from app.security import resolve_secret_key
from app.services.errors import AppError
from app.services.page_cache import PageCache
from app.web import errors as page_errors
from app.web.assets import Assets
from app.web.deps import csrf_protect
from app.web.middleware import PageHeaders
from app.web.pages import ROUTERS as PAGE_ROUTERS
from app.web.templating import Pages

API_PREFIX = "/api/v1"
# Worker threads beyond those of the requests holding a session (app/db.py, SessionSlots):
# the streamed bodies of exports, which open sessions of their own.
EXTRA_THREADS = 4


class NotReady(AppError):
    status_code = 503
    code = "not_ready"


_frozen = False


def _freeze_startup_objects() -> None:
    """Once per process: everything imported and built at startup (modules, mappers,
    templates) lives as long as the process, so it is moved out of the cyclic collector's
    sight (after a collection, so that no garbage is kept). A full collection then no longer
    walks it, which took 70-80 ms in the middle of a request: a region profile's p99 went from
    110 to 33 ms (docs/statistics-analysis.md)."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the engine is created here and disposed of at shutdown. Refuses to
    build in production without a proper secret key."""
    settings = settings or Settings()
    secret_key = resolve_secret_key(settings)
    engine = make_engine(settings.database_url, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Routes and the session's commit run in worker threads (app/db.py): one for each
        # request that may hold a session, and a few for the streamed bodies of exports.
        limiter = to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.worker_threads + EXTRA_THREADS
        if settings.pin_cpu:
            affinity.pin_to_one_cpu()
        if settings.db_pool_warm:
            await asyncio.to_thread(warm_pool, engine, settings.db_pool_size)
        warm_max_lengths()  # once per process, before serving: not on a first request's path
        _freeze_startup_objects()
        yield
        # Requests are done (or past uvicorn's grace period): renders still running get the
        # same grace, then the render workers are stopped. It waits: in a thread of its own
        # (not the limiter's, whose threads may all be held by those requests).
        await asyncio.to_thread(app.state.renderer.shutdown, settings.shutdown_grace_s)
        engine.dispose()

    app = FastAPI(
        title="ClusterCase",
        version="0.1.0",
        summary="Case management for cluster-policy advisory work",
        lifespan=lifespan,
        # Our own /docs (app/api/docs.py): Swagger UI served by this app, no CDN; no /redoc.
        openapi_url=OPENAPI_URL if docs_enabled(settings) else None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.secret_key = secret_key
    app.state.engine = engine
    app.state.sessions = SessionFactories.on(engine)
    app.state.session_slots = SessionSlots(
        min(settings.worker_threads, settings.db_pool_size), settings.db_pool_timeout_s
    )
    app.state.engagement_pages = PageCache(settings.list_cache_bytes)
    app.state.portfolio_pages = PageCache(settings.portfolio_cache_bytes)
    # Worker processes start at the first render (tests and the CLI never pay for them).
    app.state.renderer = RenderPool(
        workers=settings.render_workers,
        queue=settings.render_queue,
        timeout_s=settings.render_timeout_s,
    )
    secure_cookies = settings.environment == "production"
    assets = Assets.of_app()
    app.state.pages = Pages(assets, secure_cookies=secure_cookies)
    install_error_handlers(app, wrap=page_errors.for_pages)
    app.add_middleware(
        PageHeaders,
        secure_cookies=secure_cookies,
        session_max_age=int(settings.web_session_hours * 3600),
    )
    app.add_middleware(Options)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Metrics and the request's log line, with the id RequestId gives it (docs/monitoring.md).
    app.add_middleware(Observe, access=MetricsAccess.from_settings(settings))
    app.add_middleware(RequestId)
    install_security_headers(app, hsts=settings.environment == "production")

    _add_health_routes(app)
    # Routers go into the app itself, not into routers nested in it: FastAPI matches a request
    # through every level of nesting at a cost (a tenth of the engagement list's CPU with three).
    app.include_router(_summaries_from_docstrings(auth.public), prefix=API_PREFIX)
    # Every API route but the login needs a valid token; each adds its own access rule on top.
    # A request is matched against the routers in this order: the busiest first.
    for module in (
        engagements,
        auth,
        users,
        audit,
        regions,
        partnerships,
        workflow,
        challenges,
        bottlenecks,
        evidence,
        recommendations,
        follow_up,
        missions,
        milestones,
        reports,
        portfolio,
        library,
        statistics,
        datasets,
    ):
        app.include_router(
            _summaries_from_docstrings(module.router),
            prefix=API_PREFIX,
            dependencies=[Depends(current_user)],
            responses=error_responses(401),
        )
    # The pages (app/web): same services and access rules; every state-changing request
    # carries its CSRF token.
    app.include_router(assets.router())
    if docs_enabled(settings):
        add_docs_routes(app, assets)
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router, dependencies=[Depends(csrf_protect)])
    app.state.pages.paths = frozenset(
        route.path for router in PAGE_ROUTERS for route in router.routes if hasattr(route, "path")
    )
    _summaries_from_docstrings(app.router)
    document_error_statuses(app)
    return app


def _summaries_from_docstrings(router: APIRouter) -> APIRouter:
    """The first line of each route's docstring is its OpenAPI summary (not its name)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.summary is None and route.endpoint.__doc__:
            route.summary = route.endpoint.__doc__.strip().splitlines()[0].rstrip(".")
    return router


def _add_health_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers; the database is not touched."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        responses={
            503: {
                "model": ErrorOut,
                "description": "The database does not answer, or its schema is not the latest",
            }
        },
    )
    def readyz() -> dict[str, str]:
        """Readiness: the database answers and its schema is at the latest migration."""
        try:
            with app.state.engine.connect() as connection:
                revision = migrate.current_revision(connection)
        except Exception as exc:
            raise NotReady(f"database unavailable: {type(exc).__name__}") from exc
        head = migrate.head_revision()
        if revision != head:
            raise NotReady(
                f"the database schema is at {revision or 'no revision'}, not at the latest "
                f"migration {head}: run `clustercase db upgrade`"
            )
        return {"status": "ok"}
