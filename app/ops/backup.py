"""`clustercase backup FILE` and `clustercase restore FILE [--force]`.

A backup is one consistent snapshot of a running database, taken without stopping the app:
SQLite's online backup API (app/ops/sqlite_file.py), or pg_dump reading a snapshot that this
module's own transaction exported and keeps open, so that the manifest's row counts and
checksums describe exactly the rows pg_dump wrote. The file format is app/ops/manifest.py's.

A restore checks the file against its manifest first, refuses a backup of a schema revision this
code does not know, a backup of the other engine, and a target that holds data (unless forced),
then restores and verifies every table's row count and checksum against the manifest.
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, make_url, text

from app import migrate
from app.ops import OpsError, Progress, Refused, open_engine, pgtools, sqlite_file
from app.ops.manifest import PAYLOAD_NAMES, EngineName, Manifest, build, read, write
from app.ops.tables import DatabaseState, TableSummary, differences, state, summarize

# Where the target's schema waits while a PostgreSQL restore runs: put back if it fails.
REPLACED_SCHEMA = "clustercase_replaced"


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    head: str | None  # this code's latest revision: the restored one needs upgrading if older


def engine_name(url: str) -> EngineName:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise Refused(f"backups support SQLite and PostgreSQL, not {backend}")


def backup(url: str, file: Path, *, progress: Progress) -> Manifest:
    """Write a backup of the database of `url` to `file` (a new file)."""
    engine = engine_name(url)
    if file.exists():
        raise Refused(f"{file} already exists: a backup never overwrites a file")
    if not file.parent.is_dir():
        raise Refused(f"the folder {file.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix=".clustercase-backup-", dir=file.parent) as work:
        payload = Path(work) / PAYLOAD_NAMES[engine]
        if engine == "sqlite":
            revision, tables = _sqlite_backup(url, payload, progress)
        else:
            revision, tables = _postgres_backup(url, payload, progress)
        progress(f"writing {file}")
        manifest = build(engine, revision, tables, payload)
        write(file, manifest, payload)
    return manifest


def _sqlite_backup(
    url: str, payload: Path, progress: Progress
) -> tuple[str, dict[str, TableSummary]]:
    progress(f"copying {sqlite_file.database_path(url)} through SQLite's backup API")
    sqlite_file.snapshot(url, payload)
    with sqlite_file.reading(payload) as connection:
        return _revision(connection), summarize(connection, progress)


def _postgres_backup(
    url: str, payload: Path, progress: Progress
) -> tuple[str, dict[str, TableSummary]]:
    with _engine(url) as engine, engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            pgtools.no_statement_timeout(connection)
            revision = _revision(connection)
            snapshot = str(connection.scalar(text("SELECT pg_export_snapshot()")))
            progress(f"pg_dump from snapshot {snapshot}")
            pgtools.dump(url, payload, snapshot=snapshot, progress=progress)
            return revision, summarize(connection, progress)


def _revision(connection: Connection) -> str:
    revision = migrate.current_revision(connection)
    if revision is None:
        raise Refused("the database was never migrated (`clustercase db upgrade`): no backup")
    return revision


def restore(url: str, file: Path, *, force: bool, progress: Progress) -> Restored:
    """Replace the database of `url` with the backup `file`, then verify it."""
    engine = engine_name(url)
    # The payload is extracted into TMPDIR (the backup's folder may be read-only).
    with tempfile.TemporaryDirectory(prefix="clustercase-restore-") as work:
        progress(f"reading {file}")
        manifest, payload = read(file, Path(work))
        progress(f"the payload matches the manifest ({manifest.payload.size} bytes, SHA-256)")
        if manifest.engine != engine:
            raise Refused(
                f"{file} is a backup of a {manifest.engine} database and the target is {engine}: "
                "restore it into a database of its kind, then move with `clustercase db copy`"
            )
        _check_known(manifest.schema_revision)
        if engine == "sqlite":
            _sqlite_restore(url, manifest, payload, force=force, progress=progress)
        else:
            _postgres_restore(url, manifest, payload, force=force, progress=progress)
    return Restored(manifest, migrate.head_revision())


def _check_known(revision: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise Refused(
            f"the backup is at schema revision {revision}, which this version of ClusterCase "
            f"does not know (its latest is {migrate.head_revision()}): restore it with the "
            "version that made it, or a newer one"
        )


def _refuse_unless_empty(target: DatabaseState, *, force: bool) -> None:
    if not target.empty and not force:
        raise Refused(
            f"the target database {target.describe()}: restoring would replace it "
            "(--force to replace it anyway)"
        )


def _sqlite_restore(
    url: str, manifest: Manifest, payload: Path, *, force: bool, progress: Progress
) -> None:
    path = sqlite_file.database_path(url)
    if path.is_file():
        with sqlite_file.reading(path) as connection:
            _refuse_unless_empty(state(connection), force=force)
    # Checked before it replaces anything (a PostgreSQL dump can only be checked restored).
    with sqlite_file.reading(payload) as connection:
        _verify(connection, manifest, progress)
    progress(f"copying the backed-up database into {path}")
    sqlite_file.restore(payload, url)
    with sqlite_file.reading(path) as connection:
        _verify(connection, manifest, progress)


def _postgres_restore(
    url: str, manifest: Manifest, payload: Path, *, force: bool, progress: Progress
) -> None:
    pgtools.check_payload(payload)
    with _engine(url) as engine:
        with engine.connect() as connection:
            _refuse_unless_empty(state(connection), force=force)
        _set_aside(engine)
        try:
            pgtools.restore(payload, url, progress=progress)
            with engine.connect() as connection, connection.begin():
                pgtools.no_statement_timeout(connection)
                _verify(connection, manifest, progress)
        except BaseException:
            _put_back(engine)
            progress("the restore failed: the target database is as it was")
            raise
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {REPLACED_SCHEMA} CASCADE"))


def _set_aside(engine: Engine) -> None:
    """Move the target's tables out of the way (kept until the restore has verified)."""
    with engine.begin() as connection:
        taken = connection.scalar(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": REPLACED_SCHEMA}
        )
        if taken:
            raise Refused(
                f"the target database has a schema {REPLACED_SCHEMA}, left by an interrupted "
                "restore: it holds the tables that restore replaced; drop or rename it first"
            )
        connection.execute(text(f"ALTER SCHEMA public RENAME TO {REPLACED_SCHEMA}"))
        connection.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))
        connection.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))


def _put_back(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text(f"ALTER SCHEMA {REPLACED_SCHEMA} RENAME TO public"))


def _verify(connection: Connection, manifest: Manifest, progress: Progress) -> None:
    revision = migrate.current_revision(connection)
    if revision != manifest.schema_revision:
        raise OpsError(
            f"the restored database is at revision {revision}, the manifest says "
            f"{manifest.schema_revision}"
        )
    problems = differences(manifest.summaries(), summarize(connection, progress))
    if problems:
        raise OpsError("the restored database differs from the backup: " + "; ".join(problems))
    progress(f"verified {len(manifest.tables)} tables against the manifest")


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = open_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
