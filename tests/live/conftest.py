"""Tests against the app as production runs it: uvicorn in a process of its own, on a database
of its own whose writes really commit (the rest of the suite rolls every test back, which hides
locks, races and other connections).

The database is the suite's one with `_live` added to its name: a SQLite file beside it, or a
PostgreSQL database on the same server (created when missing). Each test that asks for
`live_db` gets it empty, at the latest migration.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, make_url

from app import migrate
from app.db import make_engine
from app.models import User
from app.security import hash_password, issue_token
from app.vocab import Role
from tests.conftest import TEST_SECRET_KEY, create_test_database, reset_test_schema

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_TIMEOUT_S = 30.0
PASSWORD = "live-test-password"
# Long enough for a render on a loaded machine.
REQUEST_TIMEOUT_S = 120.0


def live_url_for(database_url: str) -> str:
    """The live tests' database beside the suite's: `<name>_live`."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        return str(parsed.set(database=str(path.with_name(f"{path.stem}_live{path.suffix}"))))
    return parsed.set(database=f"{parsed.database}_live").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def live_url(database_url: str) -> str:
    url = live_url_for(database_url)
    if make_url(url).get_backend_name() == "postgresql":
        create_test_database(url)
    return url


@pytest.fixture
def live_db(live_url: str) -> Iterator[Engine]:
    """The live database, emptied and migrated for this test (an engine on it for arranging and
    checking; the server has engines of its own)."""
    parsed = make_url(live_url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(live_url)
    if engine.dialect.name == "postgresql":
        reset_test_schema(engine)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    yield engine
    engine.dispose()


def make_live_user(engine: Engine, email: str, role: Role = Role.ADMIN, **fields: object) -> int:
    """A committed user (password PASSWORD); its id."""
    with engine.begin() as connection:
        return int(
            connection.execute(
                User.__table__.insert()
                .values(
                    email=email,
                    full_name=email.split("@")[0].title(),
                    role=role,
                    password_hash=hash_password(PASSWORD),
                    **fields,
                )
                .returning(User.__table__.c.id)
            ).scalar_one()
        )


def new_engagement(
    server: "LiveServer", engine: Engine, *, briefable: bool = False
) -> tuple[dict[str, str], int]:
    """An admin (its headers) and an engagement of a region, made through the API; `briefable`:
    with one recommendation, so that a policy briefing has something to say (one without is
    refused)."""
    headers = bearer_for(make_live_user(engine, "admin@live.test"))
    with server.client(headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        region = client.post(
            "/api/v1/regions",
            json={"nuts_code": "BE3", "name": "Wallonia", "country_code": "BE", "nuts_level": 1},
        )
        assert region.status_code == 201, region.text
        engagement = client.post(
            "/api/v1/engagements",
            json={
                "reference": "LIVE-1",
                "title": "Live engagement",
                "kind": "regional_advice",
                "region_id": region.json()["id"],
            },
        )
        assert engagement.status_code == 201, engagement.text
        engagement_id = int(engagement.json()["id"])
        if briefable:
            card = client.post(
                f"/api/v1/engagements/{engagement_id}/recommendations",
                json={"title": "Give one body the mandate", "instrument": "governance"},
            )
            assert card.status_code == 201, card.text
    return headers, engagement_id


def bearer_for(user_id: int) -> dict[str, str]:
    issued = issue_token(user_id, key=TEST_SECRET_KEY, lifetime=timedelta(minutes=30))
    return {"Authorization": f"Bearer {issued.token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running `uvicorn app.main:create_app` (its own process group) and its base URL."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, **kwargs)  # type: ignore[arg-type]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send `sig` to the server's main process; its exit status once it is gone."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        return self.process.returncode


def start_live_server(
    url: str,
    log: Path,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    wait_ready: bool = True,
) -> LiveServer:
    """Serve the app on `url` the way `clustercase serve` does; wait until /healthz answers
    (and /readyz when `wait_ready`)."""
    port = free_port()
    environment = os.environ | {
        "CLUSTERCASE_DATABASE_URL": url,
        "CLUSTERCASE_SECRET_KEY": TEST_SECRET_KEY,
        **(env or {}),
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=out, start_new_session=True
        )
    server = LiveServer(process, f"http://{HOST}:{port}", log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    path = "/readyz" if wait_ready else "/healthz"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{server.output()}")
        try:
            if httpx.get(server.base_url + path, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"the server did not answer {path} in time:\n{server.output()}")


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[object]:
    """Start servers with `factory(url, workers=1, env=None)`; all are stopped after the test."""
    servers: list[LiveServer] = []

    def factory(
        url: str, *, workers: int = 1, env: Mapping[str, str] | None = None, wait_ready: bool = True
    ) -> LiveServer:
        log = tmp_path / f"server-{len(servers)}.log"
        server = start_live_server(url, log, workers=workers, env=env, wait_ready=wait_ready)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        if server.process.poll() is None:
            server.stop()


@pytest.fixture
def live_server(live_db: Engine, live_url: str, live_server_factory: object) -> LiveServer:
    """One server (one worker) on the emptied live database."""
    return live_server_factory(live_url)  # type: ignore[operator, no-any-return]
