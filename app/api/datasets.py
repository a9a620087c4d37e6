"""/datasets and /indicators: the public statistics imported (issue 15). Every signed-in user
may read them, stakeholders included: they are published statistics, not engagement data.
Importing is for consultants and admins, from the CLI or the /datasets page
(docs/statistics-import.md)."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import CurrentUser, Paging
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.datasets import DatasetRead, IndicatorFilters, IndicatorRead
from app.services import datasets as service

router = APIRouter(tags=["indicator data"])


@router.get(
    "/datasets",
    status_code=status.HTTP_200_OK,
    response_model=Page[DatasetRead],
    responses=error_responses(401, 422),
)
def list_datasets(session: DbSession, _user: CurrentUser, paging: Paging) -> Page[DatasetRead]:
    """List the datasets imported, with their source, licence and attribution."""
    rows, total = service.list_datasets(session, limit=paging.limit, offset=paging.offset)
    items = [_dataset(row) for row in rows]
    return Page[DatasetRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get(
    "/indicators",
    status_code=status.HTTP_200_OK,
    response_model=Page[IndicatorRead],
    responses=error_responses(401, 422),
)
def list_indicators(
    session: DbSession,
    _user: CurrentUser,
    paging: Paging,
    filters: Annotated[IndicatorFilters, Query()],
) -> Page[IndicatorRead]:
    """List the indicators, with their observation count and years, by dataset or condition."""
    rows, total = service.list_indicators(
        session,
        dataset=filters.dataset,
        framework_condition=filters.framework_condition,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [_indicator(row) for row in rows]
    return Page[IndicatorRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


def _dataset(row: service.DatasetRow) -> DatasetRead:
    d = row.dataset
    return DatasetRead(
        id=d.id,
        code=d.code,
        source=d.source,
        title=d.title,
        licence=d.licence,
        attribution=d.attribution,
        url=d.url,
        retrieved_on=d.retrieved_on,
        dataset_version=d.dataset_version,
        illustrative=d.illustrative,
        imported_at=d.imported_at,
        indicators=row.indicators,
    )


def _indicator(row: service.IndicatorRow) -> IndicatorRead:
    i = row.indicator
    return IndicatorRead(
        id=i.id,
        code=i.code,
        name=i.name,
        unit=i.unit,
        framework_condition=i.framework_condition,
        direction=i.direction,
        definition=i.definition,
        dataset_id=row.dataset.id,
        dataset_code=row.dataset.code,
        illustrative=row.dataset.illustrative,
        observations=row.observations,
        first_year=row.first_year,
        last_year=row.last_year,
    )
