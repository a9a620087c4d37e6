"""One request path for every route, checked on the app's own route table: a route added later
cannot skip the caller's token, and no code that uses the database runs on the event loop."""

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from app.api.deps import current_user
from app.db import get_session
from app.main import API_PREFIX
from tests.route_table import Operation, served_routes

# The one API operation anyone may call: the login.
PUBLIC = {("POST", f"{API_PREFIX}/auth/token")}


def api_routes(app: FastAPI) -> Iterator[Operation]:
    """Every API operation as served (tests/route_table.py)."""
    return (r for r in served_routes(app) if r.path.startswith(API_PREFIX))


def calls(dependant: Dependant) -> Iterator[Dependant]:
    """`dependant` and every dependency below it."""
    yield dependant
    for sub in dependant.dependencies:
        yield from calls(sub)


def uses_session(dependant: Dependant) -> bool:
    return any(sub.call is get_session for sub in dependant.dependencies)


def is_async(call: Callable[..., Any] | None) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def test_every_api_route_but_the_login_needs_the_caller(app: FastAPI) -> None:
    unguarded = [
        (method, route.path)
        for route in api_routes(app)
        for method in route.methods
        if (method, route.path) not in PUBLIC
        and not any(d.call is current_user for d in calls(route.dependant))
    ]
    assert unguarded == []
    assert len(list(api_routes(app))) > 60  # the table was really read


def test_nothing_that_uses_the_database_runs_on_the_event_loop(app: FastAPI) -> None:
    """A route or dependency that takes the session must be a plain `def` (FastAPI runs it in
    a worker thread); only the session dependency itself is async, and it does no I/O there."""
    on_the_loop = sorted(
        {
            f"{route.path}: {getattr(d.call, '__qualname__', d.call)}"
            for route in api_routes(app)
            for d in calls(route.dependant)
            if uses_session(d) and is_async(d.call)
        }
    )
    assert on_the_loop == []
    sessions = [d for r in api_routes(app) for d in calls(r.dependant) if d.call is get_session]
    assert sessions, "no route takes the session: the check above proved nothing"
