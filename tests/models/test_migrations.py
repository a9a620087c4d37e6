"""The schema comes only from the migrations: they match the models, and they go down and up."""

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from app import migrate
from app.db import make_engine
from app.models import Base


@pytest.fixture
def scratch_engine(database_url: str, tmp_path: object) -> Iterator[Engine]:
    """An empty database of the same kind as the test database, used only by this test."""
    if database_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{tmp_path}/scratch.db")  # type: ignore[str-bytes-safe]
        yield engine
        engine.dispose()
        return
    name = f"clustercase_mig_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(database_url).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def _tables(engine: Engine) -> set[str]:
    # Full-text search tables (SQLite FTS5) are made by raw DDL, outside the models.
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if migrate.include_name(name, "table", {})}


def test_upgrade_downgrade_upgrade_round_trip(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as connection:
        migrate.upgrade(connection)
    assert _tables(scratch_engine) == set(Base.metadata.tables)
    with scratch_engine.begin() as connection:
        migrate.downgrade(connection, "base")
    assert _tables(scratch_engine) == set()
    with scratch_engine.begin() as connection:
        migrate.upgrade(connection)
    assert _tables(scratch_engine) == set(Base.metadata.tables)


def test_models_and_migrations_agree(scratch_engine: Engine) -> None:
    """What `alembic check` verifies: autogenerate finds nothing to add."""
    with scratch_engine.begin() as connection:
        migrate.upgrade(connection)
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        assert compare_metadata(context, Base.metadata) == []
        command.check(migrate.alembic_config(connection))


def test_migrations_have_real_downgrades() -> None:
    versions = os.path.join(os.path.dirname(migrate.__file__), "..", "migrations", "versions")
    for name in os.listdir(versions):
        if name.endswith(".py"):
            with open(os.path.join(versions, name)) as handle:
                source = handle.read()
            downgrade = source.split("def downgrade()", 1)[1]
            assert "pass" not in downgrade.split("\n", 2)[1], f"{name} has an empty downgrade"
