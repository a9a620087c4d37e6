"""/engagements: the advisory cases, and their team."""

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import select

from app.api.deps import (
    ACTIVE_USER,
    BearerToken,
    EngagementReader,
    EngagementWriter,
    IfMatch,
    InternalReader,
    StaffUser,
    authenticate,
    check_if_match,
    set_etag,
)
from app.api.query_params import query_parameters, read_query
from app.api.responses import JSONBytes
from app.db import DbSession, request_session
from app.models import User
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
# The list is served without the session and user dependencies every other route has (see
# `list_engagements`): app/main.py includes this router without them.
list_router = APIRouter(prefix="/engagements", tags=["engagements"])
# What the visibility rule reads of the caller, and the change counter of the list's data: the
# list's first statement (plain columns: no ORM object to build).
_VIEWER_AND_LIST_COUNTER = select(
    User.role, User.region_id, User.partnership_id, queries.LIST_COUNTER.label("counter")
).where(*ACTIVE_USER)


@list_router.get(
    "",
    status_code=status.HTTP_200_OK,
    response_model=Page[EngagementRead],
    responses=error_responses(401, 422),
    openapi_extra=query_parameters(EngagementListQuery),
)
async def list_engagements(request: Request, token: BearerToken) -> Response:
    """List the engagements the caller may read, filtered and sorted."""
    # The busiest route, lean on purpose (README, "Performance"): its session, caller and query
    # are read here rather than by dependencies, which FastAPI resolves at ~0.15 ms; the
    # caller and the data's change counter come in one statement, and a page this process has
    # written at the same counter, for the same visibility and query, is sent again as it was.
    pages: PageCache = request.app.state.engagement_pages
    with request_session(request) as session:
        viewer = authenticate(request, session, token, _VIEWER_AND_LIST_COUNTER)
        query = read_query(request, EngagementListQuery)
        key = (access.visibility_scope(viewer), *query.model_dump().values())
        body = pages.get(key, viewer.counter)
        if body is None:
            # Rows go to JSON without pydantic models; tests/api/test_engagements.py checks
            # them against the single reads.
            items, total = service.list_items(
                session, query, viewer=viewer, limit=query.limit, offset=query.offset
            )
            page = {"items": items, "total": total, "limit": query.limit, "offset": query.offset}
            body = JSONBytes.dumps(page)
            pages.put(key, viewer.counter, body)
    return Response(body, media_type="application/json")


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 413, 422)
)
async def create_engagement(
    session: DbSession, user: StaffUser, body: EngagementCreate, response: Response
) -> EngagementRead:
    """Open an engagement (in scoping)."""
    engagement = service.create(session, body, creator=user)
    set_etag(response, engagement)
    return engagement


@router.get(
    "/{engagement_id}", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422)
)
async def get_engagement(
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
async def update_engagement(
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
async def delete_engagement(
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
async def list_members(session: DbSession, engagement: InternalReader) -> list[MemberRead]:
    """List the team of an engagement."""
    return service.members(session, engagement)


@router.put(
    "/{engagement_id}/members",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
async def replace_members(
    session: DbSession,
    engagement: EngagementWriter,
    body: TeamUpdate,
    if_match: IfMatch = None,
) -> list[MemberRead]:
    """Replace the team of an engagement (If-Match: the engagement's ETag)."""
    check_if_match(if_match, engagement)
    return service.replace_team(session, engagement, body.user_ids)
