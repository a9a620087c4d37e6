"""/engagements: the advisory cases, and their team."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from app.api.deps import (
    CurrentUser,
    EngagementReader,
    EngagementWriter,
    IfMatch,
    InternalReader,
    StaffUser,
    check_if_match,
    set_etag,
)
from app.api.query_params import query_dependency, query_parameters
from app.api.responses import JSONBytes
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.engagement import (
    EngagementCreate,
    EngagementListQuery,
    EngagementRead,
    EngagementUpdate,
    MemberRead,
    TeamUpdate,
)
from app.services import access
from app.services import engagement_queries as queries
from app.services import engagements as service
from app.services.page_cache import PageCache

router = APIRouter(prefix="/engagements", tags=["engagements"])
ListQuery = Annotated[EngagementListQuery, Depends(query_dependency(EngagementListQuery))]


@router.get(
    "",
    status_code=status.HTTP_200_OK,
    response_model=Page[EngagementRead],
    responses=error_responses(401, 422),
    openapi_extra=query_parameters(EngagementListQuery),
)
def list_engagements(
    request: Request, session: DbSession, user: CurrentUser, query: ListQuery
) -> Response:
    """List the engagements the caller may read, filtered and sorted."""
    # The busiest route (docs/performance.md, "The engagement list"): a page this process has
    # written for the same visibility and query is sent again while nothing it shows has
    # changed since.
    pages: PageCache = request.app.state.engagement_pages
    scope = access.visibility_scope(user)
    key = (scope, *query.model_dump().values())
    changes = session.connection().scalar(queries.LIST_CHANGES)  # Core: no ORM step
    body = pages.get(key, changes)
    if body is None:
        # Rows go to JSON without pydantic models; tests/api/test_engagements.py checks them
        # against the single reads.
        items, total = service.list_items(
            session, query, scope=scope, limit=query.limit, offset=query.offset
        )
        page = {"items": items, "total": total, "limit": query.limit, "offset": query.offset}
        body = JSONBytes.dumps(page)
        pages.put(key, changes, body)
    return Response(body, media_type="application/json")


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 413, 422)
)
def create_engagement(
    session: DbSession, user: StaffUser, body: EngagementCreate, response: Response
) -> EngagementRead:
    """Open an engagement (in scoping)."""
    engagement = service.create(session, body, creator=user)
    set_etag(response, engagement)
    return engagement


@router.get(
    "/{engagement_id}", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422)
)
def get_engagement(
    session: DbSession, engagement: EngagementReader, response: Response
) -> EngagementRead:
    """Read one engagement."""
    read = service.read(session, engagement.id)
    set_etag(response, read)
    return read


@router.patch(
    "/{engagement_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def update_engagement(
    session: DbSession,
    engagement: EngagementWriter,
    body: EngagementUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> EngagementRead:
    """Change an engagement (not its kind, client or phase)."""
    check_if_match(if_match, engagement)
    updated = service.update(session, engagement, body)
    set_etag(response, updated)
    return updated


@router.delete(
    "/{engagement_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_engagement(
    session: DbSession, engagement: EngagementWriter, if_match: IfMatch = None
) -> None:
    """Delete an engagement and everything in it, unless a report of it is published."""
    check_if_match(if_match, engagement)
    service.delete_engagement(session, engagement)


@router.get(
    "/{engagement_id}/members",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 404, 422),
)
def list_members(session: DbSession, engagement: InternalReader) -> list[MemberRead]:
    """List the team of an engagement."""
    return service.members(session, engagement)


@router.put(
    "/{engagement_id}/members",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def replace_members(
    session: DbSession,
    engagement: EngagementWriter,
    body: TeamUpdate,
    if_match: IfMatch = None,
) -> list[MemberRead]:
    """Replace the team of an engagement (If-Match: the engagement's ETag)."""
    check_if_match(if_match, engagement)
    return service.replace_team(session, engagement, body.user_ids)
