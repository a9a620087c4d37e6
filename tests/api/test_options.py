"""OPTIONS on every path of the route table: 204 with an `Allow` naming exactly the methods
the path serves; a 405 names the same."""

import re
from collections import defaultdict

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.route_table import served_routes


def _methods_by_url(app: FastAPI) -> dict[str, set[str]]:
    """A concrete URL for each path of the route table (ids as 1) → the methods served there."""
    methods: dict[str, set[str]] = defaultdict(set)
    for route in served_routes(app):
        methods[re.sub(r"\{[^}]+\}", "1", route.path)] |= route.methods
    return methods


def test_options_names_every_method_of_every_path(app: FastAPI, anonymous: TestClient) -> None:
    wrong = {}
    by_url = _methods_by_url(app)
    for url, methods in by_url.items():
        response = anonymous.options(url)
        allow = set(response.headers.get("allow", "").split(", "))
        if response.status_code != 204 or allow != methods | {"OPTIONS"} or response.content:
            wrong[url] = (response.status_code, response.headers.get("allow"))
    assert wrong == {}
    assert len(by_url) > 100  # API operations and pages: the table was really read


def test_allow_names_what_is_served_and_405_says_the_same(client: TestClient) -> None:
    """No method named in Allow answers 405; every other one does, with the same Allow."""
    for url in ("/api/v1/engagements", "/api/v1/engagements/1", "/api/v1/regions/1", "/login"):
        allowed = client.options(url).headers["allow"].split(", ")
        for method in allowed:
            assert client.request(method, url).status_code != 405, (method, url)
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - set(allowed):
            refused = client.request(method, url)
            assert refused.status_code == 405, (method, url)
            # Starlette's own 405 named the methods of the first route of the path only.
            assert refused.headers["allow"] == ", ".join(allowed), (method, url)


def test_options_on_an_unknown_path_is_404(anonymous: TestClient) -> None:
    response = anonymous.options("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_options_needs_no_token_and_reveals_no_object(anonymous: TestClient) -> None:
    """The answer depends on the path's shape only: an id that exists nowhere gets the same."""
    existing_or_not = {
        anonymous.options(f"/api/v1/engagements/{i}").headers["allow"] for i in (1, 999999)
    }
    assert existing_or_not == {"GET, PATCH, DELETE, OPTIONS"}
