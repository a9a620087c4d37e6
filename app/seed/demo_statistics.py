"""The demo's statistics (app/seed/demo_data/statistics): imported by `seed demo` through the
import service, as `clustercase data import` would (idempotent: a second run updates nothing
but the dataset's import date). The values are illustrative, and the dataset says so."""

from sqlalchemy.orm import Session

from app.seed.demo_data.statistics import MAPPING, TSV
from app.services.statistics_import import ImportReport, import_file, read_mapping
from app.statistics.formats import Format


def load(session: Session) -> ImportReport:
    """Import (or re-import) the demo's illustrative indicator table. Flushes, never commits."""
    mapping = read_mapping(MAPPING.read_text(encoding="utf-8"))
    with TSV.open("rb") as stream:
        return import_file(
            session,
            stream,
            fmt=Format.EUROSTAT_TSV,
            mapping=mapping,
            total_bytes=TSV.stat().st_size,
        )
