"""/library: shared recommendations of every engagement, for policy learning between regions;
and, for a bottleneck, the similar shared recommendations of other engagements."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import CurrentUser, DiagnosisReader, PageParams, Paging, PathId
from app.db import DbSession
from app.schemas.common import error_responses
from app.schemas.library import LibraryPage, LibraryQuery
from app.services import library as service

router = APIRouter(tags=["library"])


@router.get(
    "/library/recommendations",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 422),
)
def search_library(
    session: DbSession,
    user: CurrentUser,
    paging: Paging,
    query: Annotated[LibraryQuery, Query()],
) -> LibraryPage:
    """Search the shared recommendations of every engagement (any signed-in user)."""
    results = service.search(session, query, limit=paging.limit, offset=paging.offset)
    return _page(results, paging)


@router.get(
    "/engagements/{engagement_id}/bottlenecks/{bottleneck_id}/similar-recommendations",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 404, 422),
)
def similar_recommendations(
    session: DbSession, engagement: DiagnosisReader, bottleneck_id: PathId, paging: Paging
) -> LibraryPage:
    """Shared recommendations of other engagements for a bottleneck's framework condition,
    most similar in wording first."""
    results = service.similar(
        session, engagement.id, bottleneck_id, limit=paging.limit, offset=paging.offset
    )
    return _page(results, paging)


def _page(results: service.Results, paging: PageParams) -> LibraryPage:
    return LibraryPage(
        items=results.items,
        total=results.total,
        total_capped=results.capped,
        limit=paging.limit,
        offset=paging.offset,
    )
