"""Databases of their own for backup, restore and copy: whole databases whose writes really
commit (the rest of the suite rolls each test back), beside the suite's database: a SQLite file
in its folder, or a PostgreSQL database `<suite's name>_<name>` on its server.

Moving to PostgreSQL needs PostgreSQL whatever the suite's database: when the suite runs on
SQLite, the copy tests use the server at 127.0.0.1:5432, and fail (never skip) when it does not
answer.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from app import migrate
from app.db import make_engine, make_sessionmaker
from app.ops import quiet
from app.ops.backup import REPLACED_SCHEMA, backup
from app.ops.copy import copy_database
from app.ops.tables import TableSummary, summarize
from app.reports.render import render_pdf
from app.seed import demo
from tests.conftest import create_test_database, reset_test_schema

ROOT = Path(__file__).resolve().parents[2]
# The PostgreSQL server of the copy tests when the suite runs on SQLite.
FALLBACK_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test_backup_from_sqlite"

MakeDatabase = Callable[..., str]


def sibling_url(database_url: str, name: str) -> str:
    """A database beside `database_url`'s, named after it and `name`."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        return str(parsed.set(database=str(path.with_name(f"{path.stem}_{name}{path.suffix}"))))
    return parsed.set(database=f"{parsed.database}_{name}").render_as_string(hide_password=False)


def blank(url: str) -> None:
    """Make the database of `url` exist and hold nothing (no table at all)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    create_test_database(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {REPLACED_SCHEMA} CASCADE"))
    reset_test_schema(engine)
    engine.dispose()


def previous_revision() -> str:
    """The revision before this code's latest."""
    head = migrate.head_revision()
    assert head is not None
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return str(script.get_revision(head).down_revision)


def migrated(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    engine.dispose()


@pytest.fixture
def make_database(database_url: str) -> MakeDatabase:
    """`make_database(name, migrated=True)`: a database beside the suite's, emptied (and
    migrated unless told otherwise) for this test; its URL."""

    def make(name: str, *, migrate_it: bool = True, beside: str = database_url) -> str:
        url = sibling_url(beside, name)
        blank(url)
        if migrate_it:
            migrated(url)
        return url

    return make


@pytest.fixture(scope="session")
def postgres_url(database_url: str) -> str:
    """The suite's database when it is PostgreSQL; else a PostgreSQL database on the local
    server, which must answer: moving to PostgreSQL is tested on every run."""
    if make_url(database_url).get_backend_name() == "postgresql":
        return database_url
    probe = create_engine(
        make_url(FALLBACK_POSTGRES).set(database="postgres"), connect_args={"connect_timeout": 5}
    )
    try:
        with probe.connect():
            pass
    except OperationalError as exc:
        pytest.fail(
            "the move to PostgreSQL must be tested, and PostgreSQL does not answer at "
            f"127.0.0.1:5432 ({exc.orig}): start it, or run the suite with "
            "CLUSTERCASE_TEST_DATABASE_URL pointing at PostgreSQL"
        )
    finally:
        probe.dispose()
    return FALLBACK_POSTGRES


def seed_demo(url: str) -> None:
    """The demo portfolio, committed, with its reports really rendered."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine, writer=True)() as session, session.begin():
            demo.seed(session, render=render_pdf)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the demo portfolio (seeded once per run: tests copy it, never
    write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    migrated(url)
    seed_demo(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def demo_database(database_url: str, demo_sqlite: Path, name: str) -> str:
    """A database beside the suite's, of its engine, holding the demo portfolio."""
    url = sibling_url(database_url, name)
    blank(url)
    if make_url(url).get_backend_name() == "sqlite":
        shutil.copyfile(demo_sqlite, make_url(url).database or "")
    else:  # moved there as an operator would (tested on its own in test_copy.py)
        copy_database(f"sqlite:///{demo_sqlite}", url, progress=quiet)
    return url


@pytest.fixture(scope="session")
def demo_backup(
    database_url: str, demo_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A database of the suite's engine holding the demo portfolio (never written to again)
    and a backup of it."""
    url = demo_database(database_url, demo_sqlite, "demo_source")
    file = tmp_path_factory.mktemp("backups") / "demo.clustercase-backup"
    backup(url, file, progress=quiet)
    return url, file


def checksums(url: str) -> dict[str, TableSummary]:
    """Every table's row count and checksum, read afresh."""
    with engine_on(url) as engine, engine.connect() as connection, connection.begin():
        return summarize(connection, quiet)


@contextmanager
def engine_on(url: str) -> Iterator[Engine]:
    """An engine on `url`, disposed at the end of the `with` block."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def clustercase(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command, run as an operator would, on the database of `url`."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=os.environ | {"CLUSTERCASE_DATABASE_URL": url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that move data into PostgreSQL are marked `postgres`: `make test` (SQLite, the
    Quick start's suite on a machine that may have no PostgreSQL) leaves them to `make
    test-pg`, which CI runs too."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
