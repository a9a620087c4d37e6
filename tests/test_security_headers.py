"""Security headers on every kind of response (every route of the app's route table, static
files, the docs, errors of every origin: 404, 405, 413, 422, 500), HSTS in production only,
no-store on the API, and /docs: off in production unless turned on, and nothing from elsewhere.
docs/security-headers.md says why."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.api.docs import SWAGGER_UI_JS
from app.api.headers import HSTS, NOTHING_CSP
from app.config import Settings
from app.db import SessionFactories
from app.main import create_app
from app.models import User
from app.reports.pool import RenderPool
from app.security import hash_password
from app.vocab import Role
from app.web.assets import Assets
from app.web.middleware import CONTENT_SECURITY_POLICY
from app.web.paths import is_page
from tests.conftest import TEST_SECRET_KEY, bearer
from tests.factories import make_engagement, make_user
from tests.route_table import served_routes
from tests.web.conftest import sign_in

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
PASSWORD = "correct horse battery staple"
MakeApp = Callable[..., FastAPI]


def assert_secure(response: httpx.Response, *, production: bool = False) -> None:
    """The headers every response carries, each once; a CSP that forbids framing."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    for name, value in EVERYWHERE.items():
        assert response.headers.get_list(name) == [value], f"{name} on {where}"
    policies = response.headers.get_list("content-security-policy")
    assert len(policies) == 1 and "frame-ancestors 'none'" in policies[0], where
    hsts = response.headers.get_list("strict-transport-security")
    assert hsts == ([HSTS] if production else []), f"HSTS on {where}"
    if response.request.url.path.startswith("/api/"):
        assert response.headers.get_list("cache-control") == ["no-store"], where


@pytest.fixture
def make_app(
    database_url: str, session_factory: sessionmaker[Session], renderer: RenderPool
) -> Iterator[MakeApp]:
    """`make_app(**settings)`: the app with these settings, on the test's transaction."""
    built: list[FastAPI] = []

    def make(**settings: Any) -> FastAPI:
        values = {"database_url": database_url, "secret_key": TEST_SECRET_KEY} | settings
        app = create_app(Settings(**values))
        app.state.sessions = SessionFactories(session_factory, session_factory)
        app.state.renderer = renderer
        built.append(app)
        return app

    yield make
    for app in built:
        app.state.engine.dispose()


def client_of(app: FastAPI, **kwargs: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False, **kwargs)


def concrete(path: str, value: int) -> str:
    """A route's path with every parameter given `value` (a file name for static paths)."""
    return re.sub(r"\{[^}]+\}", lambda m: "x.css" if ":path" in m[0] else str(value), path)


@pytest.mark.parametrize("environment", ["development", "production"])
def test_every_route_of_the_app_carries_the_headers(
    db: Session, make_app: MakeApp, environment: str
) -> None:
    app = make_app(environment=environment)
    admin = make_user(db, role=Role.ADMIN)
    engagement = make_engagement(db)
    db.commit()
    production = environment == "production"
    anonymous = client_of(app)
    signed_in_api = client_of(app, headers=bearer(admin))
    browser = client_of(app)
    sign_in(db, browser, admin)
    statuses: set[int] = set()
    operations = 0
    for route in served_routes(app):
        url = concrete(route.path, engagement.id)
        for method in sorted(route.methods):
            operations += 1
            answers = [anonymous.request(method, url)]
            if method == "GET":
                signed_in = browser if is_page(route.path) else signed_in_api
                answers.append(signed_in.get(url))
            for answer in answers:
                statuses.add(answer.status_code)
                assert_secure(answer, production=production)
    # The sweep reached the API, the pages and the errors, not one kind of answer only.
    assert operations > 150
    assert {200, 303, 401, 403, 404, 422} <= statuses, statuses


def test_pages_keep_their_own_policy_once(db: Session, make_app: MakeApp) -> None:
    browser = client_of(make_app())
    sign_in(db, browser, make_user(db, role=Role.CONSULTANT))
    for url in ("/engagements", "/login", "/no-such-page"):
        page = browser.get(url)
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]
        assert page.headers["cache-control"] == "no-store"
        assert_secure(page)


def test_json_and_plain_answers_load_nothing(make_app: MakeApp) -> None:
    client = client_of(make_app())
    for url in ("/healthz", "/api/v1/engagements", "/api/v1/no-such-thing", "/static/x.css"):
        answer = client.get(url)
        assert answer.headers["content-security-policy"] == NOTHING_CSP, url
        assert_secure(answer)


def test_errors_raised_outside_the_routes_carry_the_headers(make_app: MakeApp) -> None:
    app = make_app(max_body_bytes=100)

    @app.get("/api/v1/test-boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("an unforeseen failure")

    client = client_of(app)
    crashed = client.get("/api/v1/test-boom")
    assert crashed.status_code == 500  # Starlette's ServerErrorMiddleware answered
    too_large = client.post("/api/v1/engagements", content=b"x" * 101)
    assert too_large.status_code == 413  # BodySizeLimit answered
    with_nul = client.get("/api/v1/engagements?q=%00")
    assert with_nul.status_code == 422  # RequestId answered
    wrong_method = client.delete("/healthz")
    assert wrong_method.status_code == 405
    for answer in (crashed, too_large, with_nul, wrong_method):
        assert_secure(answer)


def test_hsts_in_production_only(make_app: MakeApp) -> None:
    production = client_of(make_app(environment="production"))
    development = client_of(make_app(environment="development"))
    for url in ("/healthz", "/login", "/api/v1/engagements", "/favicon.ico"):
        assert production.get(url).headers["strict-transport-security"] == HSTS
        assert "strict-transport-security" not in development.get(url).headers


def test_the_token_answer_is_never_stored(db: Session, make_app: MakeApp) -> None:
    make_user(db, email="token@example.org", password_hash=hash_password(PASSWORD))
    db.commit()
    client = client_of(make_app())
    issued = client.post(
        "/api/v1/auth/token", data={"username": "token@example.org", "password": PASSWORD}
    )
    refused = client.post(
        "/api/v1/auth/token", data={"username": "token@example.org", "password": "wrong"}
    )
    assert issued.status_code == 200 and "access_token" in issued.json()
    assert refused.status_code == 401
    for answer in (issued, refused):
        assert answer.headers["cache-control"] == "no-store"
        assert_secure(answer)


def test_single_reads_are_not_stored_and_keep_their_etag(
    db: Session, make_app: MakeApp, admin_user: User
) -> None:
    engagement = make_engagement(db)
    db.commit()
    client = client_of(make_app(), headers=bearer(admin_user))
    url = f"/api/v1/engagements/{engagement.id}"
    read = client.get(url)
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert read.headers["cache-control"] == "no-store"
    stale = client.patch(url, json={"title": "Renamed"}, headers={"If-Match": '"0"'})
    assert stale.status_code == 412
    fresh = client.patch(url, json={"title": "Renamed"}, headers={"If-Match": read.headers["etag"]})
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"2"'


def test_an_api_answer_that_says_how_to_cache_keeps_it(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/api/v1/test-cacheable", include_in_schema=False)
    def cacheable() -> Response:
        return Response(b"same bytes", headers={"Cache-Control": "private, no-cache"})

    answer = client_of(app).get("/api/v1/test-cacheable")
    assert answer.headers.get_list("cache-control") == ["private, no-cache"]


@pytest.mark.parametrize(
    ("settings", "served"),
    [
        ({"environment": "development"}, True),
        ({"environment": "production"}, False),
        ({"environment": "production", "api_docs": True}, True),
        ({"environment": "development", "api_docs": False}, False),
    ],
)
def test_docs_are_off_in_production_unless_turned_on(
    make_app: MakeApp, settings: dict[str, Any], served: bool
) -> None:
    client = client_of(make_app(**settings))
    production = settings["environment"] == "production"
    for url in ("/docs", "/openapi.json"):
        answer = client.get(url)
        assert answer.status_code == (200 if served else 404), url
        assert_secure(answer, production=production)
    assert client.get("/redoc").status_code == 404  # no ReDoc at all (app/api/docs.py)


def test_docs_load_nothing_from_elsewhere(make_app: MakeApp) -> None:
    client = client_of(make_app())
    docs = client.get("/docs")
    html = docs.text
    assert not re.search(r"https?://", html), "a URL of another origin"
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "an inline script"
    policy = docs.headers["content-security-policy"]
    assert re.search(r"script-src 'self';", policy) and "unsafe" not in policy
    assert docs.headers["cache-control"] == "no-cache"
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(sources) == 4  # favicon, Swagger UI's CSS and bundle, our init script
    kinds = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for url in sources:
        assert re.fullmatch(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(js|css|svg)", url), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(kinds[url[url.rindex(".") :]]), url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert_secure(asset)
    assert Assets.of_app().url(SWAGGER_UI_JS) in sources
    assert 'data-openapi-url="/openapi.json"' in html
