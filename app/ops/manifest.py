"""The backup file: an uncompressed tar archive of two members, `manifest.json` first, then the
payload (`database.sqlite3`, a SQLite database file, or `database.pgdump`, a pg_dump archive in
custom format). The manifest says what the payload holds (engine, schema revision, each table's
row count and checksum, see app/ops/tables.py) and carries the payload's size and SHA-256, so
that a truncated or corrupted file is refused before anything is restored.
"""

import hashlib
import io
import json
import os
import tarfile
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app import clock
from app.ops import OpsError, Refused
from app.ops.tables import TableSummary

MANIFEST_NAME = "manifest.json"
PAYLOAD_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
EngineName = Literal["sqlite", "postgresql"]
_CHUNK = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableEntry(_Strict):
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    columns: tuple[str, ...]


class PayloadEntry(_Strict):
    name: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(_Strict):
    format: Literal["clustercase-backup"] = "clustercase-backup"
    format_version: Literal[1] = 1
    engine: EngineName
    created_at: datetime
    app_version: str
    schema_revision: str
    payload: PayloadEntry
    tables: dict[str, TableEntry]

    def summaries(self) -> dict[str, TableSummary]:
        return {name: TableSummary(t.rows, t.sha256, t.columns) for name, t in self.tables.items()}

    @property
    def total_rows(self) -> int:
        return sum(entry.rows for entry in self.tables.values())


def app_version() -> str:
    try:
        return metadata.version("clustercase")
    except metadata.PackageNotFoundError:
        return "unknown"


def build(
    engine: EngineName, revision: str, tables: dict[str, TableSummary], payload: Path
) -> Manifest:
    """The manifest of a payload file just written."""
    return Manifest(
        engine=engine,
        created_at=clock.now(),
        app_version=app_version(),
        schema_revision=revision,
        payload=PayloadEntry(
            name=PAYLOAD_NAMES[engine], size=payload.stat().st_size, sha256=file_sha256(payload)
        ),
        tables={
            name: TableEntry(rows=s.rows, sha256=s.sha256, columns=s.columns)
            for name, s in tables.items()
        },
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write(file: Path, manifest: Manifest, payload: Path) -> None:
    """Write the backup file, readable by its owner only (it holds password hashes and
    personal data), under its own name only once complete and on disk."""
    partial = file.with_name(file.name + ".partial")
    data = manifest.model_dump_json(indent=2).encode()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime = len(data), int(manifest.created_at.timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(payload, arcname=manifest.payload.name, recursive=False)
        raw.flush()
        os.fsync(raw.fileno())
    partial.replace(file)


def read(file: Path, workdir: Path) -> tuple[Manifest, Path]:
    """The manifest of a backup file and its payload, extracted into `workdir` and checked
    against the manifest's size and SHA-256."""
    if not file.is_file():
        raise Refused(f"no backup file at {file}")
    try:
        with tarfile.open(file, "r:") as archive:
            manifest = _manifest(file, archive)
            payload = workdir / manifest.payload.name
            size, sha256 = _extract(archive, manifest.payload.name, payload)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise OpsError(f"{file} is not a readable backup (truncated or corrupted?): {exc}") from exc
    if (size, sha256) != (manifest.payload.size, manifest.payload.sha256):
        raise OpsError(
            f"{file} is corrupted: its payload has {size} bytes and SHA-256 {sha256[:12]}…, "
            f"the manifest says {manifest.payload.size} bytes and "
            f"{manifest.payload.sha256[:12]}…"
        )
    return manifest, payload


def _manifest(file: Path, archive: tarfile.TarFile) -> Manifest:
    first = archive.next()
    if first is None or first.name != MANIFEST_NAME or not first.isfile():
        raise OpsError(f"{file} is not a ClusterCase backup: it does not start with a manifest")
    stream = archive.extractfile(first)
    assert stream is not None  # a regular file member
    try:
        manifest = Manifest.model_validate(json.loads(stream.read()))
    except (ValueError, ValidationError) as exc:
        raise OpsError(f"{file} has an unreadable or invalid manifest: {exc}") from exc
    if manifest.payload.name != PAYLOAD_NAMES[manifest.engine]:
        raise OpsError(f"{file} names an unexpected payload {manifest.payload.name!r}")
    return manifest


def _extract(archive: tarfile.TarFile, name: str, target: Path) -> tuple[int, str]:
    """Copy the member `name` to `target` (never to a path the archive chooses)."""
    member = archive.next()
    if member is None or member.name != name or not member.isfile():
        raise tarfile.TarError(f"the payload {name} is missing")
    source = archive.extractfile(member)
    assert source is not None
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()
