"""The app's route table as served, for the tests that check every route has its rules."""

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant


class Operation(Protocol):
    path: str
    methods: set[str]
    dependant: Dependant


def served_routes(app: FastAPI) -> Iterator[Operation]:
    """Every operation as served: its path and its dependencies, those of the routers it is
    included by too. FastAPI keeps included routers as nodes that resolve their routes lazily
    (`effective_candidates`, not a public interface): if that changes, the counts the tests
    assert fail rather than the checks passing on nothing."""

    def walk(routes: Iterable[Any]) -> Iterator[Operation]:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                yield from walk(route.effective_candidates())
            elif getattr(route, "dependant", None) is not None:
                yield route

    return walk(app.routes)
