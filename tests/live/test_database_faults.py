"""What a real server answers when its database misbehaves: 503 with Retry-After from the API
(the login included), never 500; /healthz fast whatever the database does; /readyz 503 unless
the database answers and is at the latest migration."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, make_url

from app import migrate
from app.db import make_engine
from tests.conftest import reset_test_schema
from tests.live.conftest import HOST, LiveServer, bearer_for, free_port

PROMPT_S = 1.0
CONNECT_TIMEOUT_S = 2  # libpq's least


@pytest.fixture
def refusing_port() -> int:
    """A port nothing listens on: connections are refused."""
    return free_port()


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung database server)."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0


def assert_server_answers_unavailable(server: LiveServer) -> None:
    headers = bearer_for(1)
    with server.client(timeout=30) as client:
        assert_unavailable(client.get("/api/v1/engagements", headers=headers))
        assert_unavailable(client.get("/api/v1/auth/me", headers=headers))
        assert_unavailable(
            client.post("/api/v1/auth/token", data={"username": "a@b.test", "password": "x"})
        )
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["error"] == "not_ready"
        assert client.get("/healthz").status_code == 200


def postgres_url(port: int, database: str = "test_missing") -> str:
    return f"postgresql+psycopg://postgres@{HOST}:{port}/{database}"


def test_a_refused_connection_answers_503(refusing_port: int, live_server_factory: Any) -> None:
    server = live_server_factory(postgres_url(refusing_port), wait_ready=False)
    assert_server_answers_unavailable(server)


def test_a_hung_database_answers_503_and_healthz_stays_fast(
    hung_port: int, live_server_factory: Any
) -> None:
    """The connection attempt times out (connect timeout) into a 503; meanwhile the worker
    answers /healthz at once."""
    server: LiveServer = live_server_factory(
        postgres_url(hung_port),
        wait_ready=False,
        env={"CLUSTERCASE_DB_CONNECT_TIMEOUT_S": str(CONNECT_TIMEOUT_S)},
    )
    result: list[httpx.Response] = []
    with server.client(timeout=30) as client:
        waiting = threading.Thread(
            target=lambda: result.append(client.get("/api/v1/engagements", headers=bearer_for(1)))
        )
        started = time.monotonic()
        waiting.start()
        time.sleep(0.3)
        for _ in range(5):
            before = time.monotonic()
            assert client.get("/healthz").status_code == 200
            assert time.monotonic() - before < PROMPT_S
        waiting.join(timeout=30)
    assert_unavailable(result[0])
    assert time.monotonic() - started < CONNECT_TIMEOUT_S * 4  # bounded by the connect timeout


def test_an_unopenable_sqlite_file_answers_503(tmp_path: Path, live_server_factory: Any) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-directory' / 'clustercase.db'}"
    server = live_server_factory(url, wait_ready=False)
    assert_server_answers_unavailable(server)


def test_an_unknown_or_refusing_postgres_database_answers_503(
    live_url: str, live_server_factory: Any
) -> None:
    """On the suite's PostgreSQL server (when the suite runs on one): a database that does not
    exist, and a role that does not exist (authentication fails)."""
    parsed = make_url(live_url)
    if parsed.get_backend_name() != "postgresql":
        parsed = make_url(postgres_url(5432))
        try:
            socket.create_connection((HOST, 5432), timeout=1).close()
        except OSError:
            pytest.fail("this test needs the PostgreSQL server on 127.0.0.1:5432 (see .ci/run)")
    unknown_database = parsed.set(database="test_no_such_database_anywhere")
    unknown_role = parsed.set(username="no_such_role_anywhere")
    for url in (unknown_database, unknown_role):
        server = live_server_factory(url.render_as_string(hide_password=False), wait_ready=False)
        assert_server_answers_unavailable(server)


def test_readyz_is_503_on_a_database_never_migrated(
    live_url: str, live_db: Engine, live_server_factory: Any
) -> None:
    """A reachable but empty database: alive (/healthz), not ready (/readyz names the fix);
    after the migrations, ready."""
    live_db.dispose()  # no pooled connection to the file about to be removed
    empty = make_engine(live_url)
    if empty.dialect.name == "postgresql":
        reset_test_schema(empty)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(live_url).database}{suffix}").unlink(missing_ok=True)
    server: LiveServer = live_server_factory(live_url, wait_ready=False)
    with server.client(timeout=30) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert "clustercase db upgrade" in ready.json()["detail"]
        with empty.begin() as connection:
            migrate.upgrade(connection)
        assert client.get("/readyz").status_code == 200
    empty.dispose()


def test_the_suite_refuses_to_wipe_a_database_not_named_for_tests() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/clustercase")
    with pytest.raises(RuntimeError, match="refusing to wipe"):
        reset_test_schema(engine)
    assert engine.pool.checkedout() == 0  # it refused before connecting
