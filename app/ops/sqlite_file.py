"""SQLite: a database file copied through SQLite's online backup API, and copied back.

The backup API reads the database through SQLite's own pager, so what sits in the WAL (every
committed transaction not yet checkpointed into the main file) is included; copying all pages
in one step holds one read transaction, so the copy is a single consistent snapshot while the
app's writers go on (WAL lets them). A plain file copy is neither.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, make_url
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.ops import OpsError, Refused


def database_path(url: str) -> Path:
    """The file of a SQLite URL (refused for an in-memory database)."""
    name = make_url(url).database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        raise Refused(f"not a SQLite database file: {make_url(url)!r}")
    return Path(name)


def _connect(path: Path) -> sqlite3.Connection:
    timeout_s = Settings().sqlite_busy_timeout_ms / 1000
    return sqlite3.connect(path, timeout=timeout_s, isolation_level=None)


def snapshot(url: str, target: Path) -> None:
    """Copy the live database of `url` into the new file `target` (a rollback-journal database,
    self-contained: no -wal file beside it)."""
    path = database_path(url)
    if not path.is_file():
        raise Refused(f"no SQLite database at {path}")
    with closing(_connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)  # pages=-1: one step, one read transaction, one snapshot
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()
    if check != ("ok",):
        raise OpsError(f"the copy of {path} fails SQLite's integrity check: {check}")


def restore(payload: Path, url: str) -> None:
    """Replace the content of the database of `url` (created if missing) with `payload`'s."""
    with closing(sqlite3.connect(payload)) as source:
        check = source.execute("PRAGMA quick_check").fetchone()
        if check != ("ok",):
            raise OpsError(f"the backed-up database fails SQLite's integrity check: {check}")
        with closing(_connect(database_path(url))) as target:
            source.backup(target)
            # The app's connections put the file in WAL mode anyway (app/db.py).
            target.execute("PRAGMA journal_mode=WAL")


@contextmanager
def reading(path: Path) -> Iterator[Connection]:
    """A read transaction on a SQLite file, through the models' types (and none of the app's
    connection settings: they would put the file in WAL mode)."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            yield connection
    finally:
        engine.dispose()
