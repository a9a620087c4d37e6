"""A synthetic portfolio for scale tests (`clustercase seed synthetic`): N engagements with, on
average per engagement, 20 recommendations, 8 bottlenecks, 15 evidence items and 50 evidence
links, plus challenges, milestones (some overdue), missions, themes, objectives, teams, the
phase history, and, in follow-up and closed engagements, shared recommendations with responses,
implementation ratings, indicators and measurements.

Deterministic: engagement number n of seed S is generated from its own random generator
(seeded with S and n), so its content never depends on N, on what is already stored or on the
date (every date is fixed, around ANCHOR). Engagements are `SYN-<S>-<n:06d>`; `append` adds N
more after those of the seed already stored, so loading 1,000 then appending 9,000 gives the
same content as loading 10,000.

Bulk: rows are built in batches of engagements and written with psycopg's COPY on PostgreSQL,
SQLAlchemy Core executemany on SQLite; never through the ORM, so the audit trail does not
record them. Ids are assigned here (after the largest stored, with the tables locked against
writers on PostgreSQL, and the sequences moved past them at the end), so that children can
name their parents in the composite foreign keys (engagement_id, id). Regions, partnerships
and consultants come from a fixed list, reused when already stored (by NUTS code, acronym,
e-mail). Flushes nothing through the session and never commits: the caller owns the
transaction. ANALYZE runs at the end.
"""

import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from sqlalchemy import JSON, Connection, Table, func, insert, select, text
from sqlalchemy.orm import Session

from app.models import Engagement
from app.models.base import Base
from app.seed import synthetic_text as words
from app.seed.synthetic_rows import Case, Reference, build_engagement
from app.services.errors import Conflict
from app.vocab import Role

DEFAULT_SEED = 2018
BATCH = 200  # engagements per batch: about 30,000 rows
# The tables whose ids are assigned here, parents before children (the order rows are written).
TABLES = (
    "engagements",
    "engagement_themes",
    "engagement_objectives",
    "engagement_members",
    "phase_changes",
    "milestones",
    "missions",
    "mission_consultants",
    "challenges",
    "bottlenecks",
    "evidence",
    "recommendations",
    "recommendation_bottlenecks",
    "evidence_links",
    "recommendation_updates",
    "indicators",
    "indicator_measurements",
)
WITH_ID = tuple(name for name in TABLES if "id" in Base.metadata.tables[name].c)
CONSULTANT_DOMAIN = "synthetic.clustercase.example"


def prefix(seed: int) -> str:
    return f"SYN-{seed}-"


class Progress(Protocol):
    def start(self, engagements: int) -> None: ...

    def advance(self, engagements: int, rows: Mapping[str, int]) -> None: ...

    def finish(self) -> None: ...


@dataclass
class SeedResult:
    seed: int
    first: int  # the number of the first engagement added
    last: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # writing each table
    analyze_seconds: float = 0.0
    elapsed: float = 0.0

    @property
    def references(self) -> tuple[str, str]:
        return f"{prefix(self.seed)}{self.first:06d}", f"{prefix(self.seed)}{self.last:06d}"


def seed(
    session: Session,
    *,
    engagements: int,
    seed: int = DEFAULT_SEED,
    append: bool = False,
    progress: Progress | None = None,
) -> SeedResult:
    """Add `engagements` synthetic engagements of `seed` (see the module's docstring); without
    `append`, Conflict when the database already holds engagements of this seed."""
    started = time.perf_counter()
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # Bulk statements run longer than the app's statement timeout; writers wait meanwhile.
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text(f"LOCK TABLE {', '.join(WITH_ID)} IN EXCLUSIVE MODE"))
    first = _first_number(connection, seed, append)
    result = SeedResult(seed=seed, first=first, last=first + engagements - 1)
    reference = _reference_data(connection)
    ids = _next_ids(connection)
    write = _copy if postgres else _executemany
    if progress:
        progress.start(engagements)
    size = max(10, min(BATCH, engagements // 20))  # progress at every 5% at least
    for low in range(result.first, result.last + 1, size):
        numbers = range(low, min(low + size, result.last + 1))
        batch: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for n in numbers:
            build_engagement(Case(seed=seed, n=n, reference=reference), ids, batch)
        written = {}
        for name in TABLES:
            rows = batch.get(name, [])
            if rows:
                clock = time.perf_counter()
                write(connection, Base.metadata.tables[name], rows)
                result.seconds[name] = result.seconds.get(name, 0.0) + time.perf_counter() - clock
            result.rows[name] = result.rows.get(name, 0) + len(rows)
            written[name] = len(rows)
        if progress:
            progress.advance(len(numbers), written)
    if progress:
        progress.finish()
    if postgres:
        _move_sequences(connection)
    clock = time.perf_counter()
    analyze(connection)
    result.analyze_seconds = time.perf_counter() - clock
    result.elapsed = time.perf_counter() - started
    return result


def analyze(connection: Connection) -> None:
    """Planner statistics for every table of the schema, as a production database has them."""
    connection.execute(text("ANALYZE"))


def _first_number(connection: Connection, seed: int, append: bool) -> int:
    stored = select(Engagement.reference).where(
        Engagement.reference.startswith(prefix(seed), autoescape=True)
    )
    count = connection.scalar(select(func.count()).select_from(stored.subquery())) or 0
    if not count:
        return 1
    last = connection.scalar(stored.order_by(Engagement.reference.desc()).limit(1))
    if not append:
        raise Conflict(
            f"the database already holds {count} synthetic engagements of seed {seed} "
            f"(up to {last}): add more with --append, or use another --seed"
        )
    number = int(str(last).removeprefix(prefix(seed)))
    if number != count:
        raise Conflict(
            f"the synthetic engagements of seed {seed} are not numbered 1 to {count} (the "
            f"last is {last}): some were deleted or renamed, so appending would not give "
            "the content of a fresh load; use another --seed"
        )
    return count + 1


def _next_ids(connection: Connection) -> dict[str, int]:
    """The first free id of each table (after the largest stored)."""
    tables = [Base.metadata.tables[name] for name in WITH_ID]
    largest = select(*(select(func.max(t.c.id)).scalar_subquery() for t in tables))
    row = connection.execute(largest).one()
    return {t.name: (value or 0) + 1 for t, value in zip(tables, row, strict=True)}


def _move_sequences(connection: Connection) -> None:
    """PostgreSQL: the id sequences past the ids assigned here, so the app's inserts go on."""
    for name in WITH_ID:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
            )
        )


# -- reference data --------------------------------------------------------------------------------


def _ensure(
    connection: Connection, table: Table, key: str, rows: list[dict[str, Any]]
) -> list[int]:
    """The ids of `rows` in their order, inserting those whose `key` is not stored yet."""
    keys = [row[key] for row in rows]
    lookup = select(table.c[key], table.c.id).where(table.c[key].in_(keys))
    stored = {k: id_ for k, id_ in connection.execute(lookup)}
    missing = [row for row in rows if row[key] not in stored]
    if missing:
        connection.execute(insert(table), missing)
        stored = {k: id_ for k, id_ in connection.execute(lookup)}
    return [stored[k] for k in keys]


def _reference_data(connection: Connection) -> Reference:
    regions = [
        e.split(maxsplit=1) for e in words.REGIONS.replace("\n", ";").split(";") if e.strip()
    ]
    partnerships = [e.split(maxsplit=3) for e in words.PARTNERSHIPS.strip().splitlines()]
    names = [n.strip() for n in words.CONSULTANTS.replace("\n", " ").split(",") if n.strip()]
    region_rows: list[dict[str, Any]] = [
        {"nuts_code": code, "name": name, "country_code": code[:2], "nuts_level": len(code) - 2}
        for code, name in regions
    ]
    partnership_rows: list[dict[str, Any]] = [
        {"acronym": acronym, "kind": kind, "name": name, "countries": countries.split(",")}
        | {"sectors": [name.split()[0].lower()], "coordinator": f"{acronym} consortium"}
        for acronym, kind, countries, name in partnerships
    ]
    consultant_rows: list[dict[str, Any]] = [
        {"email": f"consultant{i:02d}@{CONSULTANT_DOMAIN}", "full_name": name}
        | {"role": Role.CONSULTANT.value, "password_hash": None}
        for i, name in enumerate(names, start=1)
    ]
    return Reference(
        regions=list(
            zip(
                _ensure(connection, Base.metadata.tables["regions"], "nuts_code", region_rows),
                [name for _, name in regions],
                [code[:2] for code, _ in regions],
                strict=True,
            )
        ),
        partnerships=list(
            zip(
                _ensure(
                    connection, Base.metadata.tables["partnerships"], "acronym", partnership_rows
                ),
                [p[3] for p in partnerships],
                strict=True,
            )
        ),
        consultants=_ensure(connection, Base.metadata.tables["users"], "email", consultant_rows),
    )


# -- writing ---------------------------------------------------------------------------------------


def _executemany(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    connection.execute(insert(table), rows)


def _copy(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY FROM STDIN through the connection's own psycopg connection (same
    transaction). Every row carries every column it sets, defaults included."""
    columns = list(rows[0])
    jsons = {name for name in columns if isinstance(table.c[name].type, JSON)}
    raw = connection.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in jsons else row[c] for c in columns])


# -- progress --------------------------------------------------------------------------------------


class TerminalProgress:
    """Progress on a stream: tqdm bars (engagements, then rows of each table with their rate)
    on a terminal; otherwise a line at every tenth of the engagements."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.overall: Any = None  # the engagements bar
        self.bars: dict[str, Any] = {}  # one per table
        self.total = self.done = self.rows = 0
        self.started = 0.0
        self.next_line = 0

    def start(self, engagements: int) -> None:
        self.total, self.started = engagements, time.perf_counter()
        self.next_line = max(1, engagements // 10)
        if not self.stream.isatty():
            print(f"adding {engagements:,} synthetic engagements", file=self.stream, flush=True)
            return
        from tqdm import tqdm

        self.overall = tqdm(
            total=engagements, desc="synthetic engagements".ljust(26), unit=" eng", file=self.stream
        )
        for position, name in enumerate(TABLES, start=1):
            self.bars[name] = tqdm(
                desc=name.ljust(26),
                unit=" rows",
                unit_scale=True,
                position=position,
                file=self.stream,
            )

    def advance(self, engagements: int, rows: Mapping[str, int]) -> None:
        self.done += engagements
        self.rows += sum(rows.values())
        if self.overall is not None:
            self.overall.update(engagements)
            for name, count in rows.items():
                self.bars[name].update(count)
        elif self.done >= self.next_line or self.done == self.total:
            self.next_line += max(1, self.total // 10)
            seconds = time.perf_counter() - self.started
            print(
                f"  {100 * self.done / self.total:3.0f}% {self.done:,} engagements, "
                f"{self.rows:,} rows, {self.rows / max(seconds, 1e-9):,.0f} rows/s",
                file=self.stream,
                flush=True,
            )

    def finish(self) -> None:
        for bar in [*reversed(self.bars.values()), self.overall]:
            if bar is not None:
                bar.close()


def report(result: SeedResult) -> Iterable[str]:
    """The lines that tell what a seed added, table by table, with the rate of each."""
    first, last = result.references
    total = sum(result.rows.values())
    yield (
        f"synthetic seed {result.seed}: {result.last - result.first + 1:,} engagements "
        f"({first} to {last}), {total:,} rows in {result.elapsed:.1f} s"
    )
    for name in TABLES:
        seconds = result.seconds.get(name, 0.0)
        rate = f"{result.rows[name] / seconds:>10,.0f} rows/s" if seconds else ""
        yield f"  {name:<28}{result.rows.get(name, 0):>10,} rows {seconds:>7.1f} s {rate}"
    yield f"  ANALYZE {result.analyze_seconds:.1f} s; the audit trail does not record these rows"
