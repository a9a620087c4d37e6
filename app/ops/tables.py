"""What a database holds, table by table: row counts and checksums that are identical on
SQLite and PostgreSQL for identical content, and whether a database is empty.

A table's checksum is the SHA-256 of its rows' digests in primary-key order, each digest the
SHA-256 of the row's canonical text: a JSON array of its column values (in the model's column
order) read through the model's types, so that both engines give the same Python values, then
written one way: datetimes in UTC ISO 8601 with microseconds, dates ISO, floats by Python's
shortest round-trip form, JSON with sorted keys, booleans as JSON booleans, vocabulary values as
their strings, bytes as their length and SHA-256. The order is Python's over the canonical key
values, not the database's collation (PostgreSQL's text order is not SQLite's).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Column, Connection, Table, inspect, select

from app import migrate
from app.models import Base, ListChange, PortfolioChange
from app.ops import Progress

# Rows the database's own triggers write (migrations 0008 and 0010): a freshly migrated database
# already holds one in each, and every copied row of the tables they watch adds more.
CHANGE_LOG_TABLES = frozenset({ListChange.__tablename__, PortfolioChange.__tablename__})
# Rows fetched at a time when reading a whole table.
READ_BATCH = 1000
# Values that are their own canonical form (exact types: a vocabulary's StrEnum is a str).
_AS_THEY_ARE = frozenset({type(None), bool, int, str, float, dict, list})


@dataclass(frozen=True)
class TableSummary:
    rows: int
    sha256: str
    columns: tuple[str, ...]  # the columns checksummed, in order


def tables() -> list[Table]:
    """Every table of the models, parents before children (foreign-key order)."""
    return list(Base.metadata.sorted_tables)


def canonical(value: Any) -> Any:
    """The JSON-ready form of a column value, the same whichever engine it was read from."""
    if type(value) in _AS_THEY_ARE:  # most values: tested first
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | int | str | float | dict | list):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        data = bytes(value)
        return f"bytes:{len(data)}:{hashlib.sha256(data).hexdigest()}"
    raise TypeError(f"no canonical form for a {type(value).__name__} column value")


def row_text(values: list[Any]) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def summarize_table(
    connection: Connection, table: Table, columns: list[Column[Any]]
) -> TableSummary:
    """Row count and checksum of `columns` of one table, as seen by `connection`'s
    transaction."""
    key_positions = [columns.index(column) for column in table.primary_key.columns]
    digests: list[tuple[tuple[Any, ...], bytes]] = []
    result = connection.execution_options(yield_per=READ_BATCH).execute(select(*columns))
    for row in result:
        values = [canonical(value) for value in row]
        digest = hashlib.sha256(row_text(values).encode()).digest()
        digests.append((tuple(values[i] for i in key_positions), digest))
    digests.sort()
    total = hashlib.sha256()
    for _key, digest in digests:
        total.update(digest)
    names = tuple(column.name for column in columns)
    return TableSummary(rows=len(digests), sha256=total.hexdigest(), columns=names)


def summarize(connection: Connection, progress: Progress) -> dict[str, TableSummary]:
    """The summary of every model table in the database, over the model's columns that it has
    (a database at another revision than the code's may lack some, or have others)."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    summaries = {}
    for table in tables():
        if table.name not in present:
            continue
        found = {column["name"] for column in inspector.get_columns(table.name)}
        columns = [column for column in table.columns if column.name in found]
        summaries[table.name] = summary = summarize_table(connection, table, columns)
        progress(f"checksummed {table.name}: {summary.rows} rows")
    return summaries


def differences(expected: dict[str, TableSummary], actual: dict[str, TableSummary]) -> list[str]:
    """Each table whose count or checksum differs, in words (empty when all agree). Where the
    columns compared differ (code of another version), only the row counts can be compared."""
    problems = []
    for name in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(name), actual.get(name)
        if want is None or got is None:
            problems.append(f"table {name} is {'missing' if got is None else 'unexpected'}")
        elif want.rows != got.rows:
            problems.append(f"table {name} has {got.rows} rows instead of {want.rows}")
        elif want.columns == got.columns and want.sha256 != got.sha256:
            problems.append(f"table {name} has {got.rows} rows as expected but other content")
    return problems


@dataclass(frozen=True)
class DatabaseState:
    revision: str | None  # alembic_version's, None when never migrated
    table_names: frozenset[str]
    tables_with_rows: tuple[str, ...]  # model tables holding rows, change logs left out

    @property
    def blank(self) -> bool:
        """No table at all: a new database."""
        return not self.table_names

    @property
    def empty(self) -> bool:
        """Holds nothing worth keeping: blank, or migrated and without rows."""
        return self.blank or (self.revision is not None and not self.tables_with_rows)

    def describe(self) -> str:
        if self.revision is None:
            names = ", ".join(sorted(self.table_names)[:5])
            return f"holds tables ({names}) but was never migrated by ClusterCase"
        holding = ", ".join(self.tables_with_rows[:5])
        more = len(self.tables_with_rows) - 5
        return f"holds rows in {holding}" + (f" and {more} more tables" if more > 0 else "")


def state(connection: Connection) -> DatabaseState:
    """What the database of `connection` holds (its default schema)."""
    names = frozenset(inspect(connection).get_table_names())
    revision = migrate.current_revision(connection) if "alembic_version" in names else None
    with_rows = tuple(
        table.name
        for table in tables()
        if table.name in names
        and table.name not in CHANGE_LOG_TABLES
        and connection.execute(select(1).select_from(table).limit(1)).first() is not None
    )
    return DatabaseState(revision, names, with_rows)
