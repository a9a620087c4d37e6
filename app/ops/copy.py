"""`clustercase db copy --to URL`: every table of the app's database into another, empty one
(the move from SQLite to PostgreSQL; PostgreSQL to PostgreSQL and SQLite to SQLite work alike).

All or nothing: the source is read in one transaction (one snapshot: writes that commit after
the copy starts are not copied, so stop the app first) and the target is written in one
transaction, committed only once every table's row count and checksum (app/ops/tables.py)
matches the source's. A target with no table at all is migrated first, in that transaction;
one already migrated must be at the source's revision and hold no rows.

The target's triggers stay on (no superuser needed, and its foreign keys keep checking every
row). Only inserts happen, which the append-only triggers (audit trail, recommendation updates,
published reports) allow. The change-log triggers (migrations 0008 and 0010) log each copying
statement, so the change-log tables are emptied and copied last, after every table they watch.
PostgreSQL sequences are then set past each table's highest id.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg.sql
from sqlalchemy import Connection, Engine, Integer, Table, func, make_url, select, text

from app import migrate
from app.ops import OpsError, Progress, Refused, open_engine, pgtools, sqlite_file
from app.ops.tables import CHANGE_LOG_TABLES, TableSummary, differences, state, summarize, tables

TARGET_ENGINES = ("postgresql", "sqlite")
BATCH_ROWS = 1000


@dataclass(frozen=True)
class Copied:
    revision: str
    tables: dict[str, TableSummary]
    migrated_target: bool

    @property
    def rows(self) -> int:
        return sum(summary.rows for summary in self.tables.values())


def copy_database(
    source_url: str, target_url: str, *, progress: Progress, batch_rows: int = BATCH_ROWS
) -> Copied:
    """Copy the database of `source_url` into the empty one of `target_url`, and verify it."""
    backend = make_url(target_url).get_backend_name()
    if backend not in TARGET_ENGINES:
        raise Refused(f"the target must be a PostgreSQL (or SQLite) database, not {backend}")
    if make_url(source_url).get_backend_name() == "sqlite":
        path = sqlite_file.database_path(source_url)
        if not path.is_file():
            raise Refused(f"no SQLite database at {path}")
    with ExitStack() as stack:
        source = stack.enter_context(_connection(source_url, read_only=True))
        target = stack.enter_context(_connection(target_url, read_only=False))
        revision = _source_revision(source)
        migrated = _prepare(target, revision, progress)
        for table in _copy_order():
            if table.name in CHANGE_LOG_TABLES:
                # Its triggers logged every copying statement: the log becomes the source's.
                target.execute(table.delete())
            _copy_table(source, target, table, batch_rows, progress)
        if target.dialect.name == "postgresql":
            _reset_sequences(target, progress)
        summaries = _verify(source, target, progress)
        progress("committing")
    return Copied(revision, summaries, migrated)


@contextmanager
def _connection(url: str, *, read_only: bool) -> Iterator[Connection]:
    """A connection in a transaction (committed at the end unless an error escapes)."""
    engine: Engine = open_engine(url)
    try:
        with engine.connect() as connection:
            if read_only and connection.dialect.name == "postgresql":
                # One snapshot for the whole copy, as SQLite's read transaction is.
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    pgtools.no_statement_timeout(connection)
                yield connection
    finally:
        engine.dispose()


def _source_revision(source: Connection) -> str:
    revision, head = migrate.current_revision(source), migrate.head_revision()
    if revision is None:
        raise Refused("the source database was never migrated: there is nothing to copy")
    if revision != head:
        raise Refused(
            f"the source database is at revision {revision} and this code's latest is {head}: "
            "run `clustercase db upgrade` on it first"
        )
    return revision


def _prepare(target: Connection, revision: str, progress: Progress) -> bool:
    """Migrate a blank target; refuse one on another revision or holding rows. True when it
    was migrated here."""
    found = state(target)
    if found.blank:
        progress(f"the target has no table: migrating it to revision {revision}")
        migrate.upgrade(target, revision)
        return True
    if found.revision is None:
        raise Refused(f"the target database {found.describe()}: copy only into an empty one")
    if found.revision != revision:
        raise Refused(
            f"the target database is at revision {found.revision} and the source at {revision}: "
            "both must be at the same revision"
        )
    if not found.empty:
        raise Refused(f"the target database {found.describe()}: copy only into an empty one")
    return False


def _copy_order() -> list[Table]:
    """Parents before children; the change logs after every table they watch."""
    ordered = tables()
    return [t for t in ordered if t.name not in CHANGE_LOG_TABLES] + [
        t for t in ordered if t.name in CHANGE_LOG_TABLES
    ]


def _copy_table(
    source: Connection, target: Connection, table: Table, batch_rows: int, progress: Progress
) -> None:
    total = source.scalar(select(func.count()).select_from(table))
    write = _copier(target, table)
    query = select(table).order_by(*table.primary_key.columns)
    done = 0
    for batch in source.execution_options(yield_per=batch_rows).execute(query).partitions():
        write([tuple(row) for row in batch])
        done += len(batch)
        progress(f"copied {table.name}: {done}/{total} rows")
    if done == 0:
        progress(f"copied {table.name}: no rows")


def _copier(target: Connection, table: Table) -> Callable[[list[tuple[Any, ...]]], None]:
    """Writes batches of rows (values in column order, as read through the models' types).
    PostgreSQL: COPY, one statement a batch (a statement-level trigger fires once a batch, not
    once a row; an INSERT a row took half the copy's time in triggers), the values put in the
    form the models' types would bind them (vocabularies as strings, JSON as text...).
    SQLite: INSERTs of the same batch."""
    if target.dialect.name != "postgresql":
        keys = [column.key for column in table.columns]

        def insert(rows: list[tuple[Any, ...]]) -> None:
            target.execute(table.insert(), [dict(zip(keys, row, strict=True)) for row in rows])

        return insert
    dialect = target.dialect
    binds = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns]
    statement = psycopg.sql.SQL("COPY {} ({}) FROM STDIN").format(
        psycopg.sql.Identifier(table.name),
        psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(c.name) for c in table.columns),
    )
    raw = target.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)

    def write(rows: list[tuple[Any, ...]]) -> None:
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(
                        [bind(v) if bind else v for bind, v in zip(binds, row, strict=True)]
                    )
        except psycopg.Error as exc:
            raise OpsError(f"PostgreSQL refused a row of {table.name}: {exc}") from exc

    return write


def _reset_sequences(target: Connection, progress: Progress) -> None:
    """Set each id sequence so that the next insert gets the highest copied id plus one."""
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        sequence = target.scalar(select(func.pg_get_serial_sequence(table.name, key[0].name)))
        if sequence is None:
            continue
        top = target.scalar(select(func.max(key[0]))) or 0
        target.execute(
            text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
            {"sequence": sequence, "next": top + 1},
        )
    progress("reset the id sequences past each table's highest id")


def _verify(source: Connection, target: Connection, progress: Progress) -> dict[str, TableSummary]:
    expected = summarize(source, lambda message: progress(f"source: {message}"))
    actual = summarize(target, lambda message: progress(f"target: {message}"))
    problems = differences(expected, actual)
    if problems:
        raise OpsError(
            "the copy differs from the source, so nothing was committed: " + "; ".join(problems)
        )
    progress(f"verified {len(expected)} tables: row counts and checksums match")
    return expected
