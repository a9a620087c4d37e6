"""Run the Alembic migrations from code (CLI `db upgrade`, the tests, the benchmarks)."""

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

ROOT = Path(__file__).resolve().parent.parent

# Full-text search objects that migration 0004 makes with dialect-specific DDL and the models do
# not declare (app/services/library.py queries them): autogenerate must not try to drop them.
_SEARCH_TABLE = "recommendations_fts"  # the SQLite FTS5 table, and its shadow tables
_SEARCH_COLUMN = ("recommendations", "search_vector")  # the PostgreSQL tsvector column
# its GIN index, and the library's other partial indexes (which the models cannot declare for
# both databases alike)
_SEARCH_INDEX_PREFIX = "ix_recommendations_library_"


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's `include_name` hook: everything except the full-text search objects."""
    if type_ == "table":
        return name != _SEARCH_TABLE and not (name or "").startswith(f"{_SEARCH_TABLE}_")
    if type_ == "column":
        return (parent_names.get("table_name"), name) != _SEARCH_COLUMN
    if type_ == "index":
        return not (name or "").startswith(_SEARCH_INDEX_PREFIX)
    return True


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["skip_logging"] = True
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection | None = None, revision: str = "head") -> None:
    """Bring the schema up to `revision` (on the given connection, or the configured URL)."""
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(connection), revision)


@cache
def head_revision() -> str | None:
    """The latest migration of this code (read from the migration files once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database's schema is at (None for a database never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()
