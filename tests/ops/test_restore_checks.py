"""What `clustercase restore` refuses, and that a refused or failed restore leaves the target
as it was: a corrupted or truncated file, something that is not a backup, a backup of a
schema newer than the code, a backup of the other engine, a manifest that does not match."""

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from app.models import AuditEntry
from app.ops import OpsError, Refused, quiet
from app.ops.backup import restore
from app.ops.manifest import PAYLOAD_NAMES
from tests.ops.conftest import MakeDatabase, clustercase, engine_on

MARKER = "kept-by-the-target"


@pytest.fixture
def occupied(make_database: MakeDatabase) -> str:
    """A migrated database holding one row that a refused restore must leave in place."""
    url = make_database("occupied")
    with engine_on(url) as engine, engine.begin() as connection:
        connection.execute(insert(AuditEntry.__table__).values(action=MARKER, entity_type="x"))
    return url


def still_as_it_was(url: str) -> bool:
    table = AuditEntry.__table__
    with engine_on(url) as engine, engine.connect() as connection:
        return list(connection.scalars(select(table.c.action))) == [MARKER]


def manifest_of(file: Path) -> dict[str, Any]:
    with tarfile.open(file) as archive:
        stream = archive.extractfile("manifest.json")
        assert stream is not None
        return dict(json.loads(stream.read()))


def rewritten(file: Path, out: Path, **changes: Any) -> Path:
    """A copy of a backup file whose manifest has `changes` (its payload untouched)."""
    manifest = manifest_of(file) | changes
    with tarfile.open(file) as source, tarfile.open(out, "w") as copy:
        manifest_member, payload_member = source.getmembers()
        if "engine" in changes:
            manifest["payload"]["name"] = payload_member.name = PAYLOAD_NAMES[changes["engine"]]
        content = json.dumps(manifest).encode()
        manifest_member.size = len(content)
        copy.addfile(manifest_member, io.BytesIO(content))
        copy.addfile(payload_member, source.extractfile(payload_member))
    return out


def test_restore_refuses_a_corrupted_backup(
    demo_backup: tuple[str, Path], occupied: str, tmp_path: Path
) -> None:
    _source, file = demo_backup
    corrupted = tmp_path / "corrupted"
    data = bytearray(file.read_bytes())
    with tarfile.open(file) as archive:
        payload = archive.getmembers()[1]
    data[payload.offset_data + payload.size // 2] ^= 0xFF
    corrupted.write_bytes(bytes(data))

    result = clustercase(occupied, "restore", str(corrupted), "--force")

    assert result.returncode == 1
    assert f"error: {corrupted} is corrupted: its payload has" in result.stderr
    assert still_as_it_was(occupied)


def test_restore_refuses_a_truncated_file_and_a_file_that_is_no_backup(
    demo_backup: tuple[str, Path], occupied: str, tmp_path: Path
) -> None:
    _source, file = demo_backup
    truncated = tmp_path / "truncated"
    truncated.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("a shopping list\n" * 100)

    for wrong in (truncated, not_a_backup):
        result = clustercase(occupied, "restore", str(wrong), "--force")
        assert result.returncode == 1, result.stderr
        assert f"error: {wrong} is not a readable backup (truncated or corrupted?)" in (
            result.stderr
        )
    assert still_as_it_was(occupied)


def test_restore_refuses_a_backup_of_a_newer_schema(
    demo_backup: tuple[str, Path], occupied: str, tmp_path: Path
) -> None:
    _source, file = demo_backup
    newer = rewritten(file, tmp_path / "newer", schema_revision="9999")

    with pytest.raises(Refused, match="revision 9999, which this version of ClusterCase does"):
        restore(occupied, newer, force=True, progress=quiet)

    assert still_as_it_was(occupied)


def test_restore_refuses_a_backup_of_the_other_engine(
    demo_backup: tuple[str, Path], occupied: str, tmp_path: Path
) -> None:
    _source, file = demo_backup
    other = "postgresql" if manifest_of(file)["engine"] == "sqlite" else "sqlite"
    crossed = rewritten(file, tmp_path / "crossed", engine=other)

    with pytest.raises(Refused, match=f"a backup of a {other} database and the target is"):
        restore(occupied, crossed, force=True, progress=quiet)

    assert still_as_it_was(occupied)


def test_a_restore_that_does_not_verify_leaves_the_target_as_it_was(
    demo_backup: tuple[str, Path], occupied: str, tmp_path: Path
) -> None:
    _source, file = demo_backup
    tables = manifest_of(file)["tables"]
    tables["users"]["rows"] += 1
    lying = rewritten(file, tmp_path / "lying", tables=tables)

    with pytest.raises(OpsError, match="table users has 8 rows instead of 9"):
        restore(occupied, lying, force=True, progress=quiet)

    assert still_as_it_was(occupied)
