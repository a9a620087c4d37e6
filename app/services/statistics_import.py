"""Importing a statistical file (Eurostat TSV, SDMX-CSV, plain CSV) with its mapping: the
dataset and its indicators upserted by code, the observations upserted by (indicator, place,
year), in batches, as the file streams past (docs/statistics-import.md).

All or nothing: the import runs in a SAVEPOINT of the caller's transaction, so a file that
breaks at line N leaves nothing of itself behind (`ImportFailed` names the line), whatever the
caller then does with its transaction. Re-importing a file updates values and never duplicates
them. On SQLite the caller's transaction must be a writer's (BEGIN IMMEDIATE, app/db.py), as for
every other write. Flushes, never commits."""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import clock
from app.models import Dataset, Observation, StatIndicator
from app.services.errors import AppError
from app.statistics.formats import Format, ParseError, Reader, SeriesRow, parse
from app.statistics.geo import GEO_CODE, nuts_level
from app.statistics.mapping import DatasetSpec, IndicatorSpec, Mapping, MappingError, load

BATCH_SIZE = 5000
MISSING = "missing value (':' or empty)"
UNMAPPED = "series not in the mapping"
NOT_YEARLY = "not a yearly period (e.g. 2019Q1)"
YEAR_RANGE = "year outside 1900-2100"
BAD_GEO = "geographic code not valid"
REPEATED = "repeated within the file (the later value was kept)"
_EXAMPLES = 5

Progress = Callable[[int, int | None], None]  # (bytes read, total bytes if known)
_Key = tuple[int, str, int]  # indicator id, geo, year
_Series = tuple[tuple[str, str], ...]


class ImportFailed(AppError):
    """The file or its mapping cannot be imported; nothing of it was kept. `line` is the
    file's line at fault (1 is the header), when there is one."""

    status_code = 422
    code = "import_failed"

    def __init__(self, detail: str, line: int | None = None) -> None:
        super().__init__(detail, line=line)
        self.line = line


@dataclass
class ImportReport:
    """What an import read, kept and skipped (with the reason of each skip)."""

    dataset: str
    format: str
    rows: int = 0  # TSV lines (one series each) or CSV rows
    observations: int = 0  # values read, missing ones included
    kept: int = 0  # written (new or updated)
    new: int = 0  # of which were not stored before
    indicators: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    skipped: Counter[str] = field(default_factory=Counter)
    unmapped: list[str] = field(default_factory=list)  # a few of the series skipped

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def lines(self) -> list[str]:
        """The report as text lines (the CLI prints them; the page shows the same figures)."""
        rate = self.observations / self.seconds if self.seconds else 0.0
        out = [
            f"dataset {self.dataset} ({self.format}): {self.rows:,} rows read, "
            f"{self.observations:,} observations",
            f"kept {self.kept:,} observations of {self.indicators} indicators "
            f"({self.new:,} new, {self.kept - self.new:,} already stored, updated where changed)",
            f"skipped {self.skipped_total:,}",
        ]
        out += [f"  {count:>10,}  {reason}" for reason, count in self.skipped.most_common()]
        if self.unmapped:
            out.append(f"series not in the mapping, e.g.: {'; '.join(self.unmapped)}")
        out.append(f"{self.seconds:.1f} s, {rate:,.0f} observations/s")
        return out


def read_mapping(text: str) -> Mapping:
    """The mapping of a TOML text, or ImportFailed saying what is wrong with it."""
    try:
        return load(text)
    except MappingError as exc:
        raise ImportFailed(f"mapping: {exc}") from None


def import_file(
    session: Session,
    stream: IO[bytes],
    *,
    fmt: Format,
    mapping: Mapping,
    total_bytes: int | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a file's observations as `mapping` says, all or nothing (ImportFailed)."""
    started = time.perf_counter()
    report = ImportReport(dataset=mapping.dataset.code, format=fmt.value)
    with session.begin_nested():
        dataset_id = _upsert_dataset(session, mapping.dataset)
        ids = _upsert_indicators(session, dataset_id, mapping.indicators)
        report.indicators = len(ids)
        before = _stored(session, ids.values())
        reader = Reader(stream)
        writer = _Writer(session, report, batch_size, lambda: _tell(progress, reader, total_bytes))
        try:
            try:
                _read(parse(fmt, reader), mapping, ids, report, writer)
            except ParseError as exc:
                raise ImportFailed(f"line {exc.line}: {exc.message}", line=exc.line) from None
            writer.flush()
        finally:
            writer.close()  # before the savepoint ends: the connection is free again
        report.bytes_read = reader.bytes_read
        report.new = _stored(session, ids.values()) - before
    report.seconds = time.perf_counter() - started
    return report


def _tell(progress: Progress | None, reader: Reader, total: int | None) -> None:
    if progress is not None:
        progress(reader.bytes_read, total)


def _read(
    rows: Iterable[SeriesRow],
    mapping: Mapping,
    ids: dict[str, int],
    report: ImportReport,
    writer: "_Writer",
) -> None:
    """Every row: its series mapped to an indicator (once per series), its cells checked."""
    indicator_of: dict[_Series, int | None] = {}
    series_of: dict[int, _Series] = {}
    years: dict[str, int | str] = {}  # a period's year, or why it has none (once per period)
    checked = False
    for row in rows:
        report.rows += 1
        report.observations += len(row.cells)
        if not checked:
            _check_dimensions(mapping, row)
            checked = True
        if row.series not in indicator_of:
            indicator_of[row.series] = _indicator_id(mapping, ids, row, series_of)
        indicator_id = indicator_of[row.series]
        if indicator_id is None:
            report.skipped[UNMAPPED] += len(row.cells)
            if len(report.unmapped) < _EXAMPLES and _label(row.series) not in report.unmapped:
                report.unmapped.append(_label(row.series))
            continue
        if not GEO_CODE.fullmatch(row.geo):
            report.skipped[BAD_GEO] += len(row.cells)
            continue
        level = nuts_level(row.geo)
        for period, value, flag in row.cells:
            year = years.get(period)
            if year is None:
                year = years[period] = _year(period)
            if isinstance(year, str):
                report.skipped[year] += 1
            elif value is None:
                report.skipped[MISSING] += 1
            else:
                writer.add((indicator_id, row.geo, year), value, flag, level)


def _year(period: str) -> int | str:
    """The year of a period, or why it has none."""
    if len(period) != 4 or not period.isdigit():
        return NOT_YEARLY
    return int(period) if 1900 <= int(period) <= 2100 else YEAR_RANGE


def _check_dimensions(mapping: Mapping, row: SeriesRow) -> None:
    present = {name for name, _ in row.series}
    absent = sorted(mapping.dimensions - present)
    if absent:
        raise ImportFailed(
            f"line {row.line}: the mapping's series filters name dimensions the file does not "
            f"have: {', '.join(absent)} (it has: {', '.join(sorted(present)) or 'none'})",
            line=row.line,
        )


def _indicator_id(
    mapping: Mapping, ids: dict[str, int], row: SeriesRow, series_of: dict[int, _Series]
) -> int | None:
    """The indicator a series becomes; two different series may not become the same one (their
    values would overwrite each other)."""
    spec = mapping.indicator_for(row.series)
    if spec is None:
        return None
    indicator_id = ids[spec.code]
    first = series_of.setdefault(indicator_id, row.series)
    if first != row.series:
        raise ImportFailed(
            f"line {row.line}: indicator {spec.code} matches two series, {_label(first)} and "
            f"{_label(row.series)}: name one more dimension in its series filter",
            line=row.line,
        )
    return indicator_id


def _label(series: _Series) -> str:
    return ",".join(f"{name}={value}" for name, value in series) or "(no dimension)"


class _Writer:
    """Observations upserted a batch at a time, an unchanged value not rewritten.

    SQLite: one executemany of INSERT ... ON CONFLICT DO UPDATE per batch. PostgreSQL: a COPY
    into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO UPDATE from it, sent
    from a second thread on the same connection while this one reads the next batch (the
    file is read while the server writes). One batch at most is in flight; `close()` waits
    for it, and must run before the transaction ends, whatever happened."""

    def __init__(
        self, session: Session, report: ImportReport, size: int, tell: Callable[[], None]
    ) -> None:
        self.session = session
        self.report = report
        self.size = size
        self.tell = tell
        self.batch: dict[_Key, tuple[float, str, int | None]] = {}
        self.driver: Any = None
        self.pending: Future[None] | None = None
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(_PG_BATCH_TABLE))
            self.driver = session.connection().connection.driver_connection
            self.executor = ThreadPoolExecutor(1, thread_name_prefix="statistics-import")
        else:
            self.statement = _observation_upsert(session)

    def add(self, key: _Key, value: float, flag: str, level: int | None) -> None:
        if key in self.batch:
            self.report.skipped[REPEATED] += 1
            self.report.kept -= 1
        self.batch[key] = (value, flag, level)
        self.report.kept += 1
        if len(self.batch) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            rows = [(*key, *rest) for key, rest in self.batch.items()]
            self.batch = {}
            if self.driver is not None:
                self._wait()
                self.pending = self.executor.submit(_copy, self.driver, rows)
            else:
                self.session.execute(
                    self.statement, [dict(zip(_COLUMNS, r, strict=True)) for r in rows]
                )
        self.tell()

    def _wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            pending.result()
        except psycopg.Error as exc:  # the database refused the batch: nothing is kept
            raise ImportFailed(f"the database refused the import: {exc}") from exc

    def close(self) -> None:
        """Wait for the batch in flight (raising its error), and stop the thread."""
        if self.driver is not None:
            try:
                self._wait()
            finally:
                self.executor.shutdown(wait=True)


def _copy(driver: Any, rows: list[tuple[Any, ...]]) -> None:
    with driver.cursor() as cursor:
        with cursor.copy(_PG_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_PG_MERGE)
        cursor.execute("TRUNCATE stat_import_batch")


_COLUMNS = ("indicator_id", "geo", "year", "value", "flag", "nuts_level")
_PG_BATCH_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS stat_import_batch "
    "(LIKE stat_observations INCLUDING DEFAULTS) ON COMMIT DROP"
)
_PG_COPY = f"COPY stat_import_batch ({', '.join(_COLUMNS)}) FROM STDIN"
_PG_MERGE = f"""INSERT INTO stat_observations ({", ".join(_COLUMNS)})
SELECT {", ".join(_COLUMNS)} FROM stat_import_batch
ON CONFLICT (indicator_id, geo, year) DO UPDATE SET value = excluded.value, flag = excluded.flag
WHERE stat_observations.value <> excluded.value OR stat_observations.flag <> excluded.flag"""


def _insert(session: Session, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _observation_upsert(session: Session) -> Any:
    table = Observation.__table__
    stmt = _insert(session, table)
    changed = (table.c.value != stmt.excluded.value) | (table.c.flag != stmt.excluded.flag)
    return stmt.on_conflict_do_update(
        index_elements=["indicator_id", "geo", "year"],
        set_={"value": stmt.excluded.value, "flag": stmt.excluded.flag},
        where=changed,  # an unchanged value is not rewritten
    )


def _upsert_dataset(session: Session, spec: DatasetSpec) -> int:
    table = Dataset.__table__
    now = clock.now()
    values = {
        "source": spec.source,
        "title": spec.title,
        "licence": spec.licence,
        "attribution": spec.attribution,
        "url": spec.url,
        "retrieved_on": spec.retrieved_on,
        "dataset_version": spec.version,
        "illustrative": spec.illustrative,
        "imported_at": now,
    }
    stmt = _insert(session, table).values(
        code=spec.code, version=1, created_at=now, updated_at=now, **values
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_=values | {"version": table.c.version + 1, "updated_at": now},
        )
    )
    dataset_id = session.scalar(select(Dataset.id).where(Dataset.code == spec.code))
    assert dataset_id is not None
    return dataset_id


def _upsert_indicators(
    session: Session, dataset_id: int, specs: Iterable[IndicatorSpec]
) -> dict[str, int]:
    """{code: id} of the mapping's indicators, created or updated; an indicator code of
    another dataset is refused (codes are unique across datasets)."""
    specs = list(specs)
    codes = [s.code for s in specs]
    owners = session.execute(
        select(StatIndicator.code, Dataset.code)
        .join(Dataset, Dataset.id == StatIndicator.dataset_id)
        .where(StatIndicator.code.in_(codes), StatIndicator.dataset_id != dataset_id)
    ).all()
    if owners:
        taken = ", ".join(f"{code} (dataset {owner})" for code, owner in owners)
        raise ImportFailed(f"mapping: indicator codes of another dataset: {taken}")
    table = StatIndicator.__table__
    now = clock.now()
    stmt = _insert(session, table)
    fields = ("name", "unit", "framework_condition", "direction", "definition")
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={f: stmt.excluded[f] for f in fields}
            | {"version": table.c.version + 1, "updated_at": now},
        ),
        [
            {
                "dataset_id": dataset_id,
                "code": s.code,
                "name": s.name,
                "unit": s.unit,
                "framework_condition": s.framework_condition.value,
                "direction": s.direction.value,
                "definition": s.definition,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for s in specs
        ],
    )
    stored = session.execute(
        select(StatIndicator.code, StatIndicator.id).where(StatIndicator.code.in_(codes))
    )
    return {code: id_ for code, id_ in stored}


def _stored(session: Session, indicator_ids: Iterable[int]) -> int:
    ids = list(indicator_ids)
    counted = session.scalar(
        select(func.count()).select_from(Observation).where(Observation.indicator_id.in_(ids))
    )
    return int(counted or 0)
