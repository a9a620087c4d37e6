"""`clustercase backup` and `restore` on the suite's engine (SQLite, or PostgreSQL when the
suite runs there): a backup taken while writes commit holds every write acknowledged before it
started; a restore gives back identical tables; and a restore refuses what it must."""

import threading
import time
from pathlib import Path

from sqlalchemy import insert, make_url, select

from app import migrate
from app.models import AuditEntry, Region, Report
from app.ops import quiet
from app.ops.backup import backup, restore
from app.ops.tables import tables
from tests.ops.conftest import (
    MakeDatabase,
    checksums,
    clustercase,
    engine_on,
    previous_revision,
)

WRITE_ACTION = "test_write"


class Writer(threading.Thread):
    """Commits one audit entry after another; `acknowledged` lists the ids whose commit
    returned, in order."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.acknowledged: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with engine_on(self.url) as engine:
                while not self.stop.is_set():
                    with engine.begin() as connection:
                        new_id = connection.execute(
                            insert(AuditEntry.__table__)
                            .values(action=WRITE_ACTION, entity_type="test", changes={})
                            .returning(AuditEntry.__table__.c.id)
                        ).scalar_one()
                    self.acknowledged.append(int(new_id))
        except BaseException as exc:  # reported by the test
            self.error = exc

    def wait_for(self, count: int, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            assert self.error is None, self.error
            time.sleep(0.01)
        assert len(self.acknowledged) >= count, "the writer does not commit"


def written_ids(url: str) -> list[int]:
    table = AuditEntry.__table__
    with engine_on(url) as engine, engine.connect() as connection:
        query = select(table.c.id).where(table.c.action == WRITE_ACTION).order_by(table.c.id)
        return list(connection.scalars(query))


def test_backup_during_writes_holds_every_write_acknowledged_before_it(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    source = make_database("writes")
    target = make_database("writes_restored", migrate_it=False)
    with engine_on(source) as engine, engine.begin() as connection:
        # Enough rows that the backup takes a while (the writer commits meanwhile).
        row = {"action": "filler", "entity_type": "test", "changes": {"n": 1}}
        connection.execute(insert(AuditEntry.__table__), [row] * 20_000)
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(20)
        before = list(writer.acknowledged)
        manifest = backup(source, tmp_path / "during-writes", progress=quiet)
        during = len(writer.acknowledged) - len(before)
        writer.wait_for(len(writer.acknowledged) + 5)  # still writing after the backup
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert during > 0, "no write committed while the backup ran"

    restore(target, tmp_path / "during-writes", force=False, progress=quiet)

    restored = written_ids(target)
    assert set(before) <= set(restored)
    # One snapshot: exactly the first writes, nothing half-seen, nothing invented.
    assert restored == writer.acknowledged[: len(restored)]
    assert len(restored) < len(writer.acknowledged)
    assert checksums(target) == manifest.summaries()


def test_restore_into_a_fresh_database_gives_identical_tables(
    demo_backup: tuple[str, Path], make_database: MakeDatabase
) -> None:
    source, file = demo_backup
    target = make_database("restored", migrate_it=False)

    done = restore(target, file, force=False, progress=quiet)

    assert checksums(target) == checksums(source) == done.manifest.summaries()
    assert done.manifest.tables["reports"].rows == 2
    with engine_on(source) as a, engine_on(target) as b:
        query = select(Report.__table__.c.id, Report.__table__.c.pdf).order_by("id")
        with a.connect() as left, b.connect() as right:
            assert left.execute(query).all() == right.execute(query).all()


def test_restore_refuses_a_database_holding_data_unless_forced(
    demo_backup: tuple[str, Path], make_database: MakeDatabase
) -> None:
    source, file = demo_backup
    target = make_database("occupied")
    with engine_on(target) as engine, engine.begin() as connection:
        connection.execute(insert(AuditEntry.__table__).values(action="keep", entity_type="x"))

    refused = clustercase(target, "restore", str(file))

    assert refused.returncode == 2
    assert "error: the target database holds rows in audit_entries" in refused.stderr
    assert "--force" in refused.stderr
    assert checksums(target)["audit_entries"].rows == 1

    forced = clustercase(target, "restore", str(file), "--force")

    assert forced.returncode == 0, forced.stderr
    assert "row counts and checksums verified" in forced.stdout
    assert f"verified {len(tables())} tables against the manifest" in forced.stderr
    assert checksums(target) == checksums(source)


def test_backup_command_reports_progress_and_never_overwrites(
    demo_backup: tuple[str, Path], tmp_path: Path
) -> None:
    source, _file = demo_backup
    file = tmp_path / "nightly.clustercase-backup"

    made = clustercase(source, "backup", str(file))

    assert made.returncode == 0, made.stderr
    engine = make_url(source).get_backend_name()
    assert made.stdout.startswith(f"backup written to {file}: {engine} at schema revision")
    assert "checksummed recommendations: 11 rows" in made.stderr
    assert file.stat().st_mode & 0o777 == 0o600  # password hashes, personal data
    again = clustercase(source, "backup", str(file))
    assert again.returncode == 2 and "already exists" in again.stderr
    missing = clustercase(source, "restore", str(tmp_path / "no-such-file"))
    assert missing.returncode == 2 and "no backup file at" in missing.stderr
    usage = clustercase(source, "restore")
    assert usage.returncode == 2 and "required: file" in usage.stderr


def test_backup_of_an_older_schema_restores_and_asks_for_an_upgrade(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    older = previous_revision()
    source = make_database("older", migrate_it=False)
    with engine_on(source) as engine, engine.begin() as connection:
        migrate.upgrade(connection, older)
        connection.execute(
            insert(Region.__table__).values(
                nuts_code="SI", name="Slovenia", country_code="SI", nuts_level=0
            )
        )
    target = make_database("older_restored", migrate_it=False)
    file = tmp_path / "older"

    assert clustercase(source, "backup", str(file)).returncode == 0
    restored = clustercase(target, "restore", str(file))

    assert restored.returncode == 0, restored.stderr
    assert f"schema revision {older} (run `clustercase db upgrade` next)" in restored.stdout
    assert checksums(target)["regions"].rows == 1
