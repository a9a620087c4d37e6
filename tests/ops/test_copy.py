"""`clustercase db copy --to URL`: the demo portfolio moves from SQLite to PostgreSQL with
nothing lost (every table's rows, the logins, the reports' PDF bytes, the audit trail), the app
runs there, and new rows get new ids. Always on PostgreSQL (tests/ops/conftest.py)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Integer, func, insert, select, text

from app import migrate
from app.config import Settings
from app.main import create_app
from app.models import AuditEntry, Region, Report
from app.ops import OpsError, Refused, quiet
from app.ops.copy import copy_database
from app.ops.tables import CHANGE_LOG_TABLES, state, tables
from app.seed.demo_data.reference import DEMO_PASSWORD
from tests.conftest import TEST_SECRET_KEY
from tests.ops.conftest import (
    MakeDatabase,
    checksums,
    clustercase,
    engine_on,
    previous_revision,
)

ADMIN = "admin@clustercase.example"


@pytest.fixture
def target(postgres_url: str, make_database: MakeDatabase) -> str:
    """A PostgreSQL database with no table at all."""
    return make_database("copy", migrate_it=False, beside=postgres_url)


def test_demo_portfolio_moves_to_postgresql_intact(demo_sqlite: Path, target: str) -> None:
    source = f"sqlite:///{demo_sqlite}"
    messages: list[str] = []

    copied = copy_database(source, target, progress=messages.append)

    assert copied.migrated_target and copied.revision == migrate.head_revision()
    before = checksums(source)
    assert checksums(target) == before == copied.tables
    assert before["audit_entries"].rows > 100 and before["reports"].rows == 2
    assert all(before[name].rows >= 1 for name in CHANGE_LOG_TABLES)
    assert f"copied users: {before['users'].rows}/{before['users'].rows} rows" in messages
    with engine_on(target) as engine, engine.connect() as connection:
        assert_sequences_continue(connection)


def assert_sequences_continue(connection: Connection) -> None:
    """Each id sequence hands out the highest copied id plus one next."""
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        top = connection.scalar(select(func.max(key[0]))) or 0
        next_id = connection.scalar(
            text("SELECT nextval(pg_get_serial_sequence(:t, :c))"),
            {"t": table.name, "c": key[0].name},
        )
        assert next_id == top + 1, table.name


def test_app_on_the_copy_keeps_logins_reports_and_audit_trail(
    demo_sqlite: Path, target: str
) -> None:
    source = f"sqlite:///{demo_sqlite}"
    copy_database(source, target, progress=quiet)
    with engine_on(source) as engine, engine.connect() as connection:
        report = connection.execute(
            select(Report.__table__.c["id", "engagement_id", "pdf", "sha256"]).limit(1)
        ).one()
        audit_rows = connection.scalar(select(func.count()).select_from(AuditEntry.__table__))
        top_region = connection.scalar(select(func.max(Region.__table__.c.id)))
    app = create_app(Settings(database_url=target, secret_key=TEST_SECRET_KEY))

    with TestClient(app) as client:
        login = client.post(
            "/api/v1/auth/token", data={"username": ADMIN, "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        pdf = client.get(f"/api/v1/engagements/{report.engagement_id}/reports/{report.id}/pdf")
        audit = client.get("/api/v1/audit", params={"limit": 1})
        created = client.post(
            "/api/v1/regions",
            json={
                "nuts_code": "FI1B",
                "name": "Helsinki-Uusimaa",
                "country_code": "FI",
                "nuts_level": 2,
            },
        )

    assert pdf.status_code == 200 and pdf.content == report.pdf
    assert pdf.headers["ETag"].strip('"') == report.sha256
    assert audit.status_code == 200 and audit.json()["total"] == audit_rows
    assert created.status_code == 201, created.text
    assert created.json()["id"] == top_region + 1  # the sequence continues after the copy
    with engine_on(target) as engine, engine.connect() as connection:
        count = select(func.count()).select_from(AuditEntry.__table__)
        assert connection.scalar(count) == audit_rows + 1  # the new region is audited


def test_copy_refuses_a_target_holding_rows(
    demo_sqlite: Path, postgres_url: str, make_database: MakeDatabase
) -> None:
    target = make_database("copy", beside=postgres_url)
    with engine_on(target) as engine, engine.begin() as connection:
        connection.execute(insert(AuditEntry.__table__).values(action="keep", entity_type="x"))

    with pytest.raises(Refused, match="holds rows in audit_entries"):
        copy_database(f"sqlite:///{demo_sqlite}", target, progress=quiet)

    assert checksums(target)["audit_entries"].rows == 1
    assert checksums(target)["users"].rows == 0


def test_copy_refuses_a_target_at_another_revision(
    demo_sqlite: Path, postgres_url: str, make_database: MakeDatabase
) -> None:
    target = make_database("copy", migrate_it=False, beside=postgres_url)
    older = previous_revision()
    with engine_on(target) as engine, engine.begin() as connection:
        migrate.upgrade(connection, older)

    with pytest.raises(Refused, match=f"at revision {older} and the source"):
        copy_database(f"sqlite:///{demo_sqlite}", target, progress=quiet)


def test_copy_refuses_a_database_that_is_not_clustercases(demo_sqlite: Path, target: str) -> None:
    with engine_on(target) as engine, engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id integer PRIMARY KEY)"))

    with pytest.raises(Refused, match=r"holds tables \(invoices\) but was never migrated"):
        copy_database(f"sqlite:///{demo_sqlite}", target, progress=quiet)


def test_a_failed_copy_leaves_the_target_as_it_was(
    tmp_path: Path, make_database: MakeDatabase, target: str
) -> None:
    # SQLite keeps a NUL inside a text; PostgreSQL refuses it: the copy fails half-way.
    source = make_database("nul_source", beside=f"sqlite:///{tmp_path / 'x.db'}")
    with engine_on(source) as engine, engine.begin() as connection:
        connection.execute(
            insert(Region.__table__).values(
                nuts_code="BE3", name="Wallonia", country_code="BE", nuts_level=1
            )
        )
        connection.execute(
            insert(AuditEntry.__table__).values(
                action="create", entity_type="region", request_id="a\x00b"
            )
        )

    with pytest.raises(OpsError, match=r"refused a row of audit_entries: .* NUL"):
        copy_database(source, target, progress=quiet)

    with engine_on(target) as engine, engine.connect() as connection:
        assert state(connection).blank  # not even the migrations were kept


def test_copy_between_sqlite_files_keeps_the_search_index(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'copy.db'}"

    copy_database(f"sqlite:///{demo_sqlite}", target, progress=quiet)

    assert checksums(target) == checksums(f"sqlite:///{demo_sqlite}")
    with engine_on(target) as engine, engine.connect() as connection:
        indexed = connection.scalar(text("SELECT count(*) FROM recommendations_fts"))
        assert indexed == connection.scalar(text("SELECT count(*) FROM recommendations"))


def test_db_copy_command_reports_progress_and_refuses_what_it_must(
    demo_sqlite: Path, target: str
) -> None:
    source = f"sqlite:///{demo_sqlite}"

    moved = clustercase(source, "db", "copy", "--to", target)

    assert moved.returncode == 0, moved.stderr
    assert (
        moved.stdout.startswith("copied ") and "row counts and checksums verified" in moved.stdout
    )
    assert "copied reports: 2/2 rows" in moved.stderr
    assert f"verified {len(tables())} tables" in moved.stderr
    again = clustercase(source, "db", "copy", "--to", target)
    assert again.returncode == 2 and "copy only into an empty one" in again.stderr
    mysql = clustercase(source, "db", "copy", "--to", "mysql://someone@localhost/clustercase")
    assert mysql.returncode == 2 and "must be a PostgreSQL (or SQLite) database" in mysql.stderr
    missing = f"sqlite:///{demo_sqlite.with_name('none.db')}"
    nowhere = clustercase(missing, "db", "copy", "--to", target)
    assert nowhere.returncode == 2 and "no SQLite database at" in nowhere.stderr
    usage = clustercase(source, "db", "copy")
    assert usage.returncode == 2 and "--to" in usage.stderr
