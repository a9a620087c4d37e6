"""One place that turns every error into `{"error", "detail", ...}`."""

import logging
import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import AppError, Busy, DatabaseUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response]]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    429: "too_many_attempts",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_body(code: str, detail: str, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {"error": code, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.detail, **exc.extra),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            "msg": str(e.get("msg", "invalid")),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(map(str, f['loc']))}: {f['msg']}" for f in fields[:5])
    return JSONResponse(
        error_body("validation_error", detail or "Invalid input", fields=fields), status_code=422
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI answers 422 to a JSON body that does not parse, but 400 to one whose bytes
        # are not text: both are a body that is not JSON, and answer alike.
        detail = "body: JSON decode error (the body is not UTF-8 text)"
        fields = [{"loc": ["body"], "msg": "JSON decode error"}]
        return JSONResponse(error_body("validation_error", detail, fields=fields), 422)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


_CONSTRAINT = re.compile(r"(?:constraint \"?|failed: )([\w.]+)")


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name)
    match = _CONSTRAINT.search(str(exc.orig))
    return match.group(1) if match else None


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    """The database refused a write the services did not foresee (e.g. a race between two
    requests). Services check first and raise clearer errors; this is the backstop."""
    assert isinstance(exc, IntegrityError)
    name = _constraint_name(exc)
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        code, detail = "duplicate", "A record with the same unique value already exists"
    elif "foreign key" in text:
        code, detail = "still_referenced", "The change would break a reference between records"
    else:
        code, detail = "conflict", "The change violates a rule of the database"
    if name:
        detail += f" ({name})"
    return JSONResponse(error_body(code, detail), status_code=409)


async def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot store (e.g. out of its numeric range) that validation let
    through: the client's input, so a 422, never a 500."""
    log.warning("database refused a value: %s", exc)
    detail = "A value is outside what the database can store"
    return JSONResponse(error_body("invalid_input", detail), status_code=422)


async def _stale_error(_request: Request, _exc: Exception) -> JSONResponse:
    detail = "The record was changed by someone else meanwhile; read it again and retry"
    return JSONResponse(error_body("conflict", detail), status_code=409)


# Contention that a retry resolves: PostgreSQL's deadlock, serialization failure, lock and
# statement timeouts; SQLite's locked database (a writer held it past busy_timeout).
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03", "57014"})
_TRANSIENT_SQLITE = ("database is locked", "database table is locked")
RETRY_AFTER_CONTENTION_S = 1
RETRY_AFTER_UNAVAILABLE_S = 5


def _is_transient(exc: OperationalError | InterfaceError) -> bool:
    """Whether the database refused for a moment (contention), not for good."""
    if getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return str(exc.orig).startswith(_TRANSIENT_SQLITE)


async def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    """The database could not do its part: 503 with Retry-After, never 500; nothing was
    written (the request's transaction is rolled back, or never began). Contention answers
    `busy`; everything else the driver calls operational (connection refused, lost or timed
    out, authentication failed, unknown database, a server shutting down, a file SQLite cannot
    open) answers `database_unavailable`."""
    assert isinstance(exc, OperationalError | InterfaceError)
    if _is_transient(exc):
        log.warning("database contention, the client is asked to retry: %s", exc.orig)
        detail = "The database is busy with other changes; retry in a moment"
        return await _app_error(request, Busy(detail, retry_after=RETRY_AFTER_CONTENTION_S))
    log.error("database unavailable: %s", str(exc.orig).strip())
    detail = "The database cannot be reached right now; retry in a moment"
    unavailable = DatabaseUnavailable(detail, retry_after=RETRY_AFTER_UNAVAILABLE_S)
    return await _app_error(request, unavailable)


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    """Every connection of the process's pool stayed in use past the pool timeout."""
    log.warning("no database connection free: %s", exc)
    detail = "Every database connection is busy; retry in a moment"
    return await _app_error(request, Busy(detail, retry_after=RETRY_AFTER_CONTENTION_S))


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "An unexpected error occurred"), status_code=500
    )


def install_error_handlers(
    app: FastAPI, wrap: Callable[[Handler], Handler] = lambda handler: handler
) -> None:
    """Register every handler; `wrap` lets the pages answer in HTML (app/web/errors.py)."""
    handlers: list[tuple[type[Exception], Handler]] = [
        (AppError, _app_error),
        (RequestValidationError, _validation_error),
        (StarletteHTTPException, _http_error),
        (IntegrityError, _integrity_error),
        (DataError, _data_error),
        (StaleDataError, _stale_error),
        (OperationalError, _operational_error),
        (InterfaceError, _operational_error),
        (PoolTimeout, _pool_timeout),
        (Exception, _unexpected_error),
    ]
    for exc_class, handler in handlers:
        app.add_exception_handler(exc_class, wrap(handler))
