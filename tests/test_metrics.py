"""/metrics: who may read it, and what it counts (docs/monitoring.md)."""

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import SessionFactories
from app.main import create_app
from app.models import User
from app.observability import multiproc
from app.observability.metrics import MetricsAccess
from app.reports.pool import RenderPool
from app.security import hash_password
from tests.conftest import TEST_SECRET_KEY
from tests.factories import make_briefable_engagement, make_engagement, make_user
from tests.web.conftest import csrf_in

LOOPBACK = ("127.0.0.1", 40000)
TOKEN = "scrape-token-" + "s" * 32
PASSWORD = "correct horse battery staple"


@pytest.fixture
def build(
    database_url: str, session_factory: sessionmaker[Session], renderer: RenderPool
) -> Iterator[Callable[..., FastAPI]]:
    """`build(**settings)`: an app like the `app` fixture's, with these settings."""
    built: list[FastAPI] = []

    def make(**overrides: object) -> FastAPI:
        settings = Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, **overrides)  # type: ignore[arg-type]
        application = create_app(settings)
        application.state.sessions = SessionFactories(session_factory, session_factory)
        application.state.renderer = renderer
        built.append(application)
        return application

    yield make
    for application in built:
        application.state.engine.dispose()


@pytest.fixture
def scraper(app: FastAPI) -> Iterator[TestClient]:
    """A client on the loopback address, which /metrics answers by default."""
    with TestClient(app, raise_server_exceptions=False, client=LOOPBACK) as client:
        yield client


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly these labels in a scrape (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


def scrape(client: TestClient) -> str:
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return answer.text


def test_metrics_are_refused_like_a_missing_page_outside_the_allowed_networks(
    build: Callable[..., FastAPI],
) -> None:
    app = build()
    for client_address in (("10.1.2.3", 5000), ("192.168.0.9", 5000), ("testclient", 5000)):
        with TestClient(app, raise_server_exceptions=False, client=client_address) as client:
            refused = client.get("/metrics")
            missing = client.get("/no-such-page")
            assert refused.status_code == missing.status_code == 404
            assert refused.headers["content-type"] == missing.headers["content-type"]
            assert "clustercase_" not in refused.text


def test_loopback_reads_the_metrics_by_default(scraper: TestClient) -> None:
    answer = scraper.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["cache-control"] == "no-store"
    assert "clustercase_http_requests_total" in answer.text


def test_a_configured_token_is_required_even_from_an_allowed_network(
    build: Callable[..., FastAPI],
) -> None:
    app = build(metrics_token=TOKEN, metrics_networks="10.0.0.0/8")
    with TestClient(app, raise_server_exceptions=False, client=("10.9.8.7", 5000)) as client:
        for authorization in (None, "Bearer wrong", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}"):
            headers = {"Authorization": authorization} if authorization else {}
            assert client.get("/metrics", headers=headers).status_code == 404, authorization
        assert (
            client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        )
    # The right token from outside the networks is still refused.
    with TestClient(app, raise_server_exceptions=False, client=LOOPBACK) as client:
        assert (
            client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
        )


def test_network_rules_cover_ipv6_and_mapped_addresses() -> None:
    access = MetricsAccess.from_settings(Settings(metrics_networks=" 127.0.0.0/8 , ::1/128 "))
    assert access.allows("127.0.0.1", None) and access.allows("127.9.9.9", None)
    assert access.allows("::1", None) and access.allows("::ffff:127.0.0.1", None)
    assert not access.allows("::ffff:10.0.0.1", None)
    assert not access.allows("10.0.0.1", None) and not access.allows("", None)
    assert not access.allows(None, None) and not access.allows("localhost", None)
    nobody = MetricsAccess.from_settings(Settings(metrics_networks=""))
    assert not nobody.allows("127.0.0.1", None)


def test_a_malformed_network_setting_stops_the_app_from_starting(database_url: str) -> None:
    with pytest.raises(ValueError, match="CLUSTERCASE_METRICS_NETWORKS"):
        create_app(
            Settings(
                database_url=database_url, secret_key=TEST_SECRET_KEY, metrics_networks="10.0.0/8x"
            )
        )


def test_requests_are_counted_under_their_route_template(
    client: TestClient, scraper: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    db.commit()
    route = "/api/v1/engagements/{engagement_id}"
    before = scrape(scraper)
    for _ in range(3):
        assert client.get(f"/api/v1/engagements/{engagement.id}").status_code == 200
    for _ in range(2):
        assert client.get("/api/v1/engagements/999999").status_code == 404
    assert client.get("/no/such/route/123").status_code == 404
    after = scrape(scraper)

    def rise(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert rise("clustercase_http_requests_total", method="GET", route=route, status="200") == 3
    assert rise("clustercase_http_requests_total", method="GET", route=route, status="404") == 2
    assert (
        rise("clustercase_http_requests_total", method="GET", route="unmatched", status="404") == 1
    )
    count = "clustercase_http_request_duration_seconds_count"
    assert rise(count, method="GET", route=route, status_class="2xx") == 3
    assert rise(count, method="GET", route=route, status_class="4xx") == 2
    # Never the raw path: a label per id would grow without bound.
    assert f"/engagements/{engagement.id}" not in after
    assert "/no/such/route" not in after


def test_pool_and_session_slot_gauges_follow_the_connections(
    app: FastAPI, scraper: TestClient
) -> None:
    before = scrape(scraper)
    assert sample(before, "clustercase_db_pool_size") >= 1
    assert sample(before, "clustercase_db_session_slots") >= 1
    for name in ("clustercase_db_session_slots_in_use", "clustercase_db_session_slots_waiting"):
        assert f"{name} " in before
    with app.state.engine.connect():
        during = scrape(scraper)
    after = scrape(scraper)
    checked_out = "clustercase_db_connections_checked_out"
    assert sample(during, checked_out) == sample(before, checked_out) + 1
    assert sample(after, checked_out) == sample(before, checked_out)
    assert sample(during, "clustercase_db_connections_open") >= 1


def test_render_gauges_count_the_admitted_and_the_queued(scraper: TestClient) -> None:
    # Admission is the pool's own bookkeeping: no worker process is started for it.
    pool = RenderPool(workers=1, queue=2, timeout_s=5)
    before = scrape(scraper)
    for _ in range(3):
        pool._admit()
    during = scrape(scraper)
    for _ in range(3):
        pool._release()
    after = scrape(scraper)
    for name, rise in (("clustercase_render_pending", 3), ("clustercase_render_queued", 2)):
        assert sample(during, name) == sample(before, name) + rise
        assert sample(after, name) == sample(before, name)
    assert sample(during, "clustercase_render_capacity") == 3


def test_a_render_is_timed(client: TestClient, scraper: TestClient, db: Session) -> None:
    engagement = make_briefable_engagement(db)
    db.commit()
    before = scrape(scraper)
    answer = client.post(
        f"/api/v1/engagements/{engagement.id}/reports",
        json={"kind": "policy_briefing", "language": "en"},
    )
    assert answer.status_code == 201, answer.text
    after = scrape(scraper)
    count = "clustercase_render_duration_seconds_count"
    assert sample(after, count) == sample(before, count) + 1
    assert sample(after, "clustercase_render_duration_seconds_sum") > sample(
        before, "clustercase_render_duration_seconds_sum"
    )


@pytest.fixture
def alice(db: Session) -> User:
    user = make_user(db, email="alice@example.org", password_hash=hash_password(PASSWORD))
    db.commit()
    return user


def test_failed_logins_are_counted_by_channel(
    app: FastAPI, scraper: TestClient, alice: User
) -> None:
    failures = "clustercase_login_failures_total"
    api = {"channel": "api", "reason": "invalid_credentials"}
    web = {"channel": "web", "reason": "invalid_credentials"}
    before = scrape(scraper)
    with TestClient(app, raise_server_exceptions=False) as browser:
        refused = browser.post(
            "/api/v1/auth/token", data={"username": "alice@example.org", "password": "wrong"}
        )
        assert refused.status_code == 401
        accepted = browser.post(
            "/api/v1/auth/token", data={"username": "alice@example.org", "password": PASSWORD}
        )
        assert accepted.status_code == 200
        token = csrf_in(browser.get("/login").text)
        form = {"email": "alice@example.org", "password": "wrong", "csrf_token": token}
        assert browser.post("/login", data=form).status_code == 401
    after = scrape(scraper)
    assert sample(after, failures, **api) == sample(before, failures, **api) + 1
    assert sample(after, failures, **web) == sample(before, failures, **web) + 1


WORKER = """
import sys
from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app

app = create_app(Settings(database_url=sys.argv[1], secret_key="k" * 48))
with TestClient(app, client=("127.0.0.1", 1)) as client:
    for _ in range(int(sys.argv[2])):
        assert client.get("/healthz").status_code == 200
    if sys.argv[3] == "scrape":
        print(client.get("/metrics").text)
"""


def test_every_worker_process_is_reported_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two processes share a metrics directory: a scrape of the second reports both
    processes' requests, and the gauges of the first, which has ended, no longer count."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"a previous run's")
    os.environ[multiproc.ENV] = str(metrics_dir)
    try:
        assert multiproc.prepare(workers=2) is None  # the operator's directory: emptied
    finally:
        del os.environ[multiproc.ENV]
    assert list(metrics_dir.iterdir()) == []
    env = {**os.environ, multiproc.ENV: str(metrics_dir)}
    url = f"sqlite:///{tmp_path / 'workers.db'}"

    def worker(requests: int, action: str) -> str:
        command = [sys.executable, "-c", textwrap.dedent(WORKER), url, str(requests), action]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    worker(2, "exit")
    text = worker(3, "scrape")
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert sample(text, "clustercase_http_requests_total", **labels) == 5
    settings = Settings()
    slots = min(settings.worker_threads, settings.db_pool_size)
    assert sample(text, "clustercase_db_session_slots") == slots  # one process's, not two
