"""Reading the indicator data: datasets and indicators, each indicator with how many
observations it has and over which years (the import is app/services/statistics_import.py)."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dataset, Observation, StatIndicator
from app.vocab import FrameworkCondition


@dataclass(frozen=True)
class DatasetRow:
    dataset: Dataset
    indicators: int


@dataclass(frozen=True)
class IndicatorRow:
    indicator: StatIndicator
    dataset: Dataset
    observations: int
    first_year: int | None
    last_year: int | None


def list_datasets(session: Session, *, limit: int, offset: int) -> tuple[list[DatasetRow], int]:
    """Datasets by code, with the number of indicators of each."""
    total = session.scalar(select(func.count()).select_from(Dataset)) or 0
    counts = (
        select(StatIndicator.dataset_id, func.count().label("n"))
        .group_by(StatIndicator.dataset_id)
        .subquery()
    )
    rows = session.execute(
        select(Dataset, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.dataset_id == Dataset.id)
        .order_by(Dataset.code)
        .limit(limit)
        .offset(offset)
    )
    return [DatasetRow(d, int(n)) for d, n in rows], int(total)


def list_indicators(
    session: Session,
    *,
    dataset: str | None = None,
    framework_condition: FrameworkCondition | None = None,
    limit: int,
    offset: int,
) -> tuple[list[IndicatorRow], int]:
    """Indicators by framework condition and code, optionally of one dataset (by code) or one
    condition, each with its observation count and year range (three statements)."""
    stmt = select(StatIndicator, Dataset).join(Dataset, Dataset.id == StatIndicator.dataset_id)
    if dataset:
        stmt = stmt.where(Dataset.code == dataset)
    if framework_condition:
        stmt = stmt.where(StatIndicator.framework_condition == framework_condition)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = session.execute(
        stmt.order_by(StatIndicator.framework_condition, StatIndicator.code)
        .limit(limit)
        .offset(offset)
    ).all()
    spans = _spans(session, [indicator.id for indicator, _ in page])
    rows = [IndicatorRow(i, d, *spans.get(i.id, (0, None, None))) for i, d in page]
    return rows, int(total)


def _spans(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, int | None, int | None]]:
    if not ids:
        return {}
    found = session.execute(
        select(
            Observation.indicator_id,
            func.count(),
            func.min(Observation.year),
            func.max(Observation.year),
        )
        .where(Observation.indicator_id.in_(ids))
        .group_by(Observation.indicator_id)
    )
    return {i: (int(n), first, last) for i, n, first, last in found}


def overview(session: Session) -> list[tuple[Dataset, list[IndicatorRow]]]:
    """Every dataset with all its indicators (the CLI's `data list`, the page)."""
    datasets, _ = list_datasets(session, limit=10_000, offset=0)
    indicators, _ = list_indicators(session, limit=100_000, offset=0)
    return [
        (row.dataset, [i for i in indicators if i.dataset.id == row.dataset.id]) for row in datasets
    ]
