"""Portfolio exports: one row per engagement, or one per recommendation, as CSV or XLSX.

Rows come from one statement each, fetched in chunks (`yield_per`: a server-side cursor on
PostgreSQL), and are written as they come: the CSV as a stream of bytes, the workbook by
XlsxWriter in constant-memory mode (rows flushed to disk as written) into a spooled temporary
file that is then streamed. Neither holds the whole portfolio in memory.

Cells are typed (dates as dates, counts as numbers), and every text cell that a spreadsheet
could take for a formula is neutralised with a leading apostrophe, in both formats: in the
workbook it is also written as a string, never a formula, and the apostrophe keeps it inert
if someone saves the workbook as CSV.
"""

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from tempfile import SpooledTemporaryFile
from typing import Any

import xlsxwriter
from sqlalchemy import (
    ColumnElement,
    Enum,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from app.models import (
    Engagement,
    EngagementObjective,
    EngagementTheme,
    Partnership,
    Recommendation,
    Region,
    User,
)
from app.schemas.portfolio import PortfolioFilters
from app.services.portfolio import (
    IMPLEMENTED,
    PENDING,
    SHARED,
    engagement_conditions,
    engagement_facts,
    in_scope,
    late_response,
    risk_reasons,
)
from app.vocab import Objective, Stage, Theme

CHUNK_ROWS = 1000
STREAM_BYTES = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # a workbook larger than this goes to a temporary file on disk
# What a spreadsheet may read as the start of a formula (OWASP's list, plus the full-width
# forms that some spreadsheets also accept).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    width: int  # in characters, for the workbook


@dataclass(frozen=True)
class Export:
    """A table to export: its columns, and its rows in chunks, read with the given session."""

    name: str
    columns: tuple[Column, ...]
    chunks: Callable[[Session], Iterator[list[tuple[Any, ...]]]]


def neutralise(text: str) -> str:
    """`text`, prefixed with an apostrophe if a spreadsheet could take it for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _fetch(
    statement: Select[Any], convert: Callable[[Any], tuple[Any, ...]]
) -> Callable[[Session], Iterator[list[tuple[Any, ...]]]]:
    def chunks(session: Session) -> Iterator[list[tuple[Any, ...]]]:
        # Core execution (plain rows); a server-side cursor on PostgreSQL. The option goes on
        # the statement: on the connection it would stay, and stream its later statements too.
        options = {"yield_per": CHUNK_ROWS}
        result = session.connection().execute(statement, execution_options=options)
        for partition in result.partitions():
            yield [convert(row) for row in partition]

    return chunks


# -- engagements -----------------------------------------------------------------------------

T, N, D, DT = Kind.TEXT, Kind.INT, Kind.DATE, Kind.DATETIME
ENGAGEMENT_COLUMNS = (
    Column("reference", T, 16),
    Column("title", T, 40),
    Column("kind", T, 20),
    Column("client_name", T, 30),
    Column("client_code", T, 12),
    Column("country", T, 12),
    Column("phase", T, 16),
    Column("planned_start", D, 12),
    Column("planned_end", D, 12),
    Column("lead_consultant", T, 24),
    Column("themes", T, 30),
    Column("objectives", T, 30),
    Column("recommendations_draft", N, 10),
    Column("recommendations_shared", N, 10),
    Column("recommendations_withdrawn", N, 10),
    Column("shared_pending_responses", N, 10),
    Column("implemented", N, 10),
    Column("overdue_milestones", N, 10),
    Column("last_mission_on", D, 12),
    Column("at_risk_reasons", T, 40),
)


def _listed(joined: str | None, order: type[StrEnum]) -> str:
    """Comma-joined vocabulary values from the database, in vocabulary order."""
    if not joined:
        return ""
    rank = {value.value: i for i, value in enumerate(order)}
    return ", ".join(sorted(joined.split(","), key=lambda value: rank.get(value, -1)))


def _joined(column: Any, model: Any) -> Any:
    return (
        select(func.aggregate_strings(cast(column, String), ","))
        .where(model.engagement_id == Engagement.id)
        .scalar_subquery()
    )


# Per engagement: recommendations by stage, shared ones still pending, implemented ones.
_TALLIES: dict[str, ColumnElement[bool]] = {
    "draft": Recommendation.stage == Stage.DRAFT,
    "shared": SHARED,
    "withdrawn": Recommendation.stage == Stage.WITHDRAWN,
    "pending": PENDING,
    "implemented": and_(SHARED, Recommendation.implementation.in_(IMPLEMENTED)),
}


def engagements_export(session: Session, filters: PortfolioFilters, *, today: date) -> Export:
    """One row per matching engagement, in reference order, with its follow-up figures."""
    conditions = engagement_conditions(session, filters)
    counted = _TALLIES | {"pending_late": late_response(today)}
    tallies = (
        select(
            Recommendation.engagement_id,
            *(func.sum(case((c, 1), else_=0)).label(name) for name, c in counted.items()),
        )
        .where(*in_scope(Recommendation.engagement_id, conditions))
        .group_by(Recommendation.engagement_id)
        .subquery("tallies")
    )
    lead = User.__table__.alias("lead")
    statement = (
        engagement_facts(conditions, today=today)
        .add_columns(
            Engagement.kind,
            func.coalesce(Region.name, Partnership.name).label("client_name"),
            func.coalesce(Region.nuts_code, Partnership.acronym).label("client_code"),
            Region.country_code,
            Partnership.countries,
            Engagement.planned_end,
            lead.c.full_name.label("lead_name"),
            _joined(EngagementTheme.theme, EngagementTheme).label("themes"),
            _joined(EngagementObjective.objective, EngagementObjective).label("objectives"),
            *(func.coalesce(tallies.c[name], 0).label(name) for name in counted),
        )
        .outerjoin(Region, Region.id == Engagement.region_id)
        .outerjoin(Partnership, Partnership.id == Engagement.partnership_id)
        .outerjoin(lead, lead.c.id == Engagement.lead_consultant_id)
        .outerjoin(tallies, tallies.c.engagement_id == Engagement.id)
    )

    def convert(row: Any) -> tuple[Any, ...]:
        return (
            row.reference,
            row.title,
            row.kind.value,
            row.client_name,
            row.client_code,
            row.country_code or ", ".join(row.countries or []),
            row.phase.value,
            row.planned_start,
            row.planned_end,
            row.lead_name,
            _listed(row.themes, Theme),
            _listed(row.objectives, Objective),
            row.draft,
            row.shared,
            row.withdrawn,
            row.pending,
            row.implemented,
            row.overdue_milestones,
            row.last_mission_on,
            "; ".join(risk_reasons(row, today, pending_late=row.pending_late)),
        )

    return Export("engagements", ENGAGEMENT_COLUMNS, _fetch(statement, convert))


# -- recommendations -------------------------------------------------------------------------

RECOMMENDATION_COLUMNS = (
    Column("engagement_reference", T, 16),
    Column("code", T, 8),
    Column("title", T, 40),
    Column("stage", T, 10),
    Column("shared_at", DT, 17),
    Column("response", T, 18),
    Column("implementation", T, 18),
    Column("self_assessment", T, 18),
    Column("validated_implementation", T, 18),
    Column("priority", T, 9),
    Column("horizon", T, 9),
    Column("instrument", T, 18),
    Column("responsible_actor", T, 30),
)
_RECOMMENDATION_FIELDS = tuple(c.header for c in RECOMMENDATION_COLUMNS[1:])


def recommendations_export(session: Session, filters: PortfolioFilters) -> Export:
    """One row per recommendation of the matching engagements, by engagement reference and
    code (R2 before R10)."""
    # Vocabulary columns are read as their stored strings: no enum objects to make and undo.
    fields = (getattr(Recommendation, name) for name in _RECOMMENDATION_FIELDS)
    statement = (
        select(
            Engagement.reference,
            *(type_coerce(f, String) if isinstance(f.type, Enum) else f for f in fields),
        )
        .join(Engagement, Engagement.id == Recommendation.engagement_id)
        .where(*engagement_conditions(session, filters))
        .order_by(
            Engagement.reference,
            func.length(Recommendation.code),
            Recommendation.code,
            Recommendation.id,
        )
    )
    return Export("recommendations", RECOMMENDATION_COLUMNS, _fetch(statement, tuple))


# -- writers ---------------------------------------------------------------------------------


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


# CSV text of a non-null value, by column kind (looked up once per column, not per cell).
_CSV_TEXT: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: neutralise,
    Kind.INT: lambda value: value,
    Kind.DATE: lambda value: value.isoformat(),
    Kind.DATETIME: lambda value: _utc_naive(value).isoformat(sep=" ", timespec="seconds"),
}


def csv_stream(session: Session, export: Export) -> Iterator[bytes]:
    """The export as UTF-8 CSV with a byte-order mark (so Excel reads it as UTF-8), RFC 4180
    quoting and CRLF line ends, one chunk of rows at a time. Times are UTC."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel")  # minimal quoting, doubled quotes, CRLF
    buffer.write("\ufeff")
    writer.writerow([column.header for column in export.columns])
    texts = [_CSV_TEXT[column.kind] for column in export.columns]
    for chunk in export.chunks(session):
        writer.writerows(
            ["" if v is None else text(v) for v, text in zip(row, texts, strict=True)]
            for row in chunk
        )
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_stream(session: Session, export: Export) -> Iterator[bytes]:
    """The export as an XLSX workbook: a bold, frozen header row with a filter, typed cells
    (dates with a date format, counts as numbers, text as strings, never formulas), column
    widths set; built in constant memory into a spooled file, then read out in chunks."""
    with SpooledTemporaryFile(max_size=SPOOL_BYTES) as file:
        _write_workbook(file, session, export)
        file.seek(0)
        while data := file.read(STREAM_BYTES):
            yield data


def _write_workbook(file: Any, session: Session, export: Export) -> None:
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(file, options)
    sheet = workbook.add_worksheet(export.name.capitalize())
    header = workbook.add_format({"bold": True, "bottom": 1})
    formats = {
        Kind.DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        Kind.DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    for i, column in enumerate(export.columns):
        sheet.set_column(i, i, column.width, formats.get(column.kind))
        sheet.write_string(0, i, column.header, header)
    sheet.freeze_panes(1, 0)
    last = 0
    for chunk in export.chunks(session):
        for row in chunk:
            last += 1
            _write_row(sheet, last, row, export.columns, formats)
    sheet.autofilter(0, 0, last, len(export.columns) - 1)
    workbook.close()


def _write_row(
    sheet: Any, r: int, row: Sequence[Any], columns: Sequence[Column], formats: dict[Kind, Any]
) -> None:
    for c, (value, column) in enumerate(zip(row, columns, strict=True)):
        if value is None or value == "":
            continue
        if column.kind == Kind.TEXT:
            sheet.write_string(r, c, neutralise(value))
        elif column.kind == Kind.INT:
            sheet.write_number(r, c, value)
        elif column.kind == Kind.DATETIME:
            sheet.write_datetime(r, c, _utc_naive(value), formats[Kind.DATETIME])
        else:
            sheet.write_datetime(r, c, value, formats[Kind.DATE])
