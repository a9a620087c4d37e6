"""Log lines: one per request (JSON or text), and slow SQL without its parameters."""

import io
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import SessionFactories, make_engine
from app.main import create_app
from app.models import User
from app.observability import logs
from tests.conftest import TEST_SECRET_KEY
from tests.factories import make_engagement, make_user
from tests.web.conftest import sign_in

SECRET = "alice.private@example.org"


class Captured:
    """The lines one logger wrote, formatted as the server formats them."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]


@pytest.fixture
def capture() -> Iterator[Callable[..., Captured]]:
    """`capture(logger_name, formatter)`: that logger's INFO lines through `formatter`."""
    undo: list[Callable[[], None]] = []

    def start(name: str, formatter: logging.Formatter | None = None) -> Captured:
        captured = Captured()
        handler = logging.StreamHandler(captured.stream)
        handler.setFormatter(formatter or logs.JsonFormatter())
        handler.addFilter(logs.RequestContext())
        logger = logging.getLogger(name)
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

        def restore() -> None:
            logger.removeHandler(handler)
            logger.setLevel(level)

        undo.append(restore)
        return captured

    yield start
    for restore in undo:
        restore()


def test_each_request_writes_one_json_line_with_its_fields(
    client: TestClient, admin_user: User, db: Session, capture: Callable[..., Captured]
) -> None:
    engagement = make_engagement(db)
    db.commit()
    captured = capture("clustercase.request")
    answer = client.get(f"/api/v1/engagements/{engagement.id}")
    assert answer.status_code == 200
    (line,) = captured.records()
    assert line["request_id"] == answer.headers["x-request-id"]
    assert line["user_id"] == admin_user.id
    assert line["route"] == "/api/v1/engagements/{engagement_id}"
    assert line["path"] == f"/api/v1/engagements/{engagement.id}"
    assert (line["method"], line["status"], line["level"]) == ("GET", 200, "info")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["logger"] == "clustercase.request" and line["ts"].endswith("+00:00")


def test_the_clients_request_id_is_logged_and_anonymous_requests_have_no_user(
    anonymous: TestClient, capture: Callable[..., Captured]
) -> None:
    captured = capture("clustercase.request")
    anonymous.get("/healthz", headers={"X-Request-ID": "lb-abc.123"})
    anonymous.get("/api/v1/engagements")
    healthz, refused = captured.records()
    assert healthz["request_id"] == "lb-abc.123" and "user_id" not in healthz
    assert (refused["status"], refused["route"]) == (401, "/api/v1/engagements")
    assert "user_id" not in refused


def test_page_requests_log_the_signed_in_user(
    db: Session, anonymous: TestClient, capture: Callable[..., Captured]
) -> None:
    user = make_user(db)
    db.commit()
    sign_in(db, anonymous, user)
    captured = capture("clustercase.request")
    assert anonymous.get("/engagements").status_code == 200
    (line,) = captured.records()
    assert (line["user_id"], line["route"]) == (user.id, "/engagements")


def test_text_lines_for_development(
    anonymous: TestClient, capture: Callable[..., Captured]
) -> None:
    captured = capture("clustercase.request", logs.TextFormatter())
    answer = anonymous.get("/healthz")
    (line,) = captured.lines()
    assert "INFO" in line and "clustercase.request: GET /healthz 200 " in line
    assert line.endswith(f" request_id={answer.headers['x-request-id']}")


def test_json_in_production_text_in_development_unless_set() -> None:
    assert logs.format_of(Settings(environment="development")) == "text"
    assert logs.format_of(Settings(environment="production", secret_key="k" * 48)) == "json"
    assert logs.format_of(Settings(environment="development", log_format="json")) == "json"
    assert logs.format_of(Settings(environment="production", log_format="text")) == "text"


SERVER_LOGGING = """
import logging, logging.config
from app.observability import logs

logging.config.dictConfig(logs.config("json"))
logging.getLogger("uvicorn.error").info("Started server process")
logging.getLogger("uvicorn.access").info("GET / 200 (a duplicate of the app's line)")
logging.getLogger("weasyprint.progress").info("Step 2 - Fetching and parsing CSS")
token = logs.REQUEST_ID.set("req-42")
try:
    raise RuntimeError("boom")
except RuntimeError:
    logging.getLogger("app.something").exception("it failed")
"""


def test_the_servers_logging_writes_json_without_access_lines_or_library_chatter() -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SERVER_LOGGING)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["logger"] for line in lines] == ["uvicorn.error", "app.something"]
    assert lines[1]["request_id"] == "req-42" and "RuntimeError: boom" in lines[1]["exception"]


@pytest.fixture
def engine_logging_all(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url, Settings(slow_sql_ms=0))
    yield engine
    engine.dispose()


def test_slow_statements_are_logged_without_their_parameters(
    engine_logging_all: Any, capture: Callable[..., Captured]
) -> None:
    captured = capture("clustercase.sql")
    padding = ", ".join(f"1 AS column_{n}" for n in range(100))
    token = logs.REQUEST_ID.set("req-7")
    try:
        with engine_logging_all.connect() as connection:
            connection.execute(text(f"SELECT :email AS email, {padding}"), {"email": SECRET})
    finally:
        logs.REQUEST_ID.reset(token)
    (line,) = [r for r in captured.records() if "email" in r["statement"]]
    assert SECRET not in json.dumps(line)
    assert line["level"] == "warning" and line["request_id"] == "req-7"
    assert line["statement"].startswith("SELECT ") and line["statement"].endswith("…")
    assert len(line["statement"]) == 501 and isinstance(line["duration_ms"], float)


def test_batched_statements_are_logged_once_without_their_rows(
    engine_logging_all: Any, capture: Callable[..., Captured]
) -> None:
    captured = capture("clustercase.sql")
    with engine_logging_all.connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE contacts (email VARCHAR(100))"))
        rows = [{"email": f"{n}.{SECRET}"} for n in range(3)]
        connection.execute(text("INSERT INTO contacts (email) VALUES (:email)"), rows)
        connection.rollback()
    inserts = [r for r in captured.records() if r["statement"].startswith("INSERT INTO contacts")]
    assert len(inserts) == 1
    assert SECRET not in captured.stream.getvalue()


def slow_statement(dialect: str) -> str:
    """A statement that takes well over 50 ms, with a parameter."""
    if dialect == "postgresql":
        return "SELECT pg_sleep(0.1), CAST(:email AS text)"
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "SELECT count(*), :email FROM n"
    )


def test_only_statements_over_the_threshold_are_logged(
    database_url: str, capture: Callable[..., Captured]
) -> None:
    engine = make_engine(database_url, Settings(slow_sql_ms=50))
    captured = capture("clustercase.sql")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            connection.execute(text(slow_statement(engine.dialect.name)), {"email": SECRET})
    finally:
        engine.dispose()
    (line,) = captured.records()
    assert line["duration_ms"] >= 50
    assert line["statement"].startswith(("WITH RECURSIVE n(i)", "SELECT pg_sleep(0.1)"))
    assert SECRET not in captured.stream.getvalue()


def test_a_requests_statements_carry_its_request_id(
    database_url: str, session_factory: sessionmaker[Session], capture: Callable[..., Captured]
) -> None:
    """/readyz queries in a worker thread: the request id follows it there."""
    app: FastAPI = create_app(
        Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, slow_sql_ms=0)
    )
    app.state.sessions = SessionFactories(session_factory, session_factory)
    captured = capture("clustercase.sql")
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.get("/readyz")
    finally:
        app.state.engine.dispose()
    assert answer.status_code == 200
    lines = captured.records()
    assert lines and {line["request_id"] for line in lines} == {answer.headers["x-request-id"]}
