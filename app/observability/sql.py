"""Engine hooks: the connection pool's gauges, and the log of slow SQL statements.

A slow statement is logged with its text (truncated) and never its parameters: they may hold
personal data. The request id comes from the log filter (app/observability/logs.py).
"""

import logging
import re
import time
from typing import Any

from sqlalchemy import Engine, event

from app.observability import metrics

log = logging.getLogger("clustercase.sql")
STATEMENT_CHARS = 500
_SPACES = re.compile(r"\s+")


def observe_pool(engine: Engine) -> None:
    """Keep the pool gauges current (each process's own pool: summed over processes)."""
    pool = engine.pool
    size = getattr(pool, "size", None)
    if callable(size):
        metrics.DB_POOL_SIZE.set(size())
        metrics.DB_POOL_MAX_OVERFLOW.set(getattr(pool, "_max_overflow", 0))
    event.listen(pool, "connect", lambda *_: metrics.DB_CONNECTIONS_OPEN.inc())
    event.listen(pool, "close", lambda *_: metrics.DB_CONNECTIONS_OPEN.dec())
    event.listen(pool, "detach", lambda *_: metrics.DB_CONNECTIONS_OPEN.dec())
    event.listen(pool, "checkout", lambda *_: metrics.DB_CONNECTIONS_CHECKED_OUT.inc())
    event.listen(pool, "checkin", lambda *_: metrics.DB_CONNECTIONS_CHECKED_OUT.dec())


def log_slow_statements(engine: Engine, threshold_ms: int) -> None:
    """Log (WARNING, logger `clustercase.sql`) each statement that takes `threshold_ms` or
    longer; 0 logs every statement.

    Timed in the dialect's `do_execute` hooks, which run the statement themselves (a use
    SQLAlchemy documents: returning True says it ran): they cost about a microsecond a
    statement, where a pair of before/after_cursor_execute listeners costs seven (measured,
    docs/monitoring.md)."""
    threshold_s = threshold_ms / 1000

    def timed(statement: str, started: float) -> bool:
        elapsed = time.perf_counter() - started
        if elapsed >= threshold_s:
            _log(statement, elapsed)
        return True

    def execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        started = time.perf_counter()
        context.dialect.do_execute(cursor, statement, parameters, context)
        return timed(statement, started)

    def execute_no_params(cursor: Any, statement: str, context: Any) -> bool:
        started = time.perf_counter()
        context.dialect.do_execute_no_params(cursor, statement, context)
        return timed(statement, started)

    def execute_many(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        started = time.perf_counter()
        context.dialect.do_executemany(cursor, statement, parameters, context)
        return timed(statement, started)

    event.listen(engine, "do_execute", execute)
    event.listen(engine, "do_execute_no_params", execute_no_params)
    event.listen(engine, "do_executemany", execute_many)


def _log(statement: str, elapsed_s: float) -> None:
    metrics.DB_SLOW_STATEMENTS.inc()
    text = _SPACES.sub(" ", statement).strip()
    if len(text) > STATEMENT_CHARS:
        text = text[:STATEMENT_CHARS] + "…"
    duration_ms = round(elapsed_s * 1000, 1)
    log.warning(
        "slow SQL statement: %.1f ms: %s",
        duration_ms,
        text,
        extra={"duration_ms": duration_ms, "statement": text},
    )
