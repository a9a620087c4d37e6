"""/engagements/{engagement_id}/transitions, /readiness and /history: the engagement workflow."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import (
    CurrentUser,
    EngagementWriter,
    IfMatch,
    InternalReader,
    Paging,
    check_if_match,
    set_etag,
)
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.workflow import PhaseChangeRead, ReadinessRead, TransitionCreate
from app.services import workflow as service
from app.vocab import Phase

router = APIRouter(prefix="/engagements/{engagement_id}", tags=["workflow"])


@router.post(
    "/transitions",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def create_transition(
    session: DbSession,
    engagement: EngagementWriter,
    user: CurrentUser,
    body: TransitionCreate,
    response: Response,
    if_match: IfMatch = None,
) -> PhaseChangeRead:
    """Move the engagement to another phase."""
    check_if_match(if_match, engagement)
    change = service.transition(session, engagement, to=body.to, note=body.note, actor_id=user.id)
    # The engagement's new ETag, so that a client can chain the next If-Match without a re-read.
    set_etag(response, engagement)
    return PhaseChangeRead.model_validate(change)


@router.get("/readiness", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def get_readiness(
    session: DbSession,
    engagement: InternalReader,
    to: Annotated[Phase, Query(description="the phase to check a move to")],
) -> ReadinessRead:
    """Check whether the engagement may move to a phase, with warnings."""
    return service.readiness(session, engagement, to)


@router.get("/history", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_history(
    session: DbSession, engagement: InternalReader, paging: Paging
) -> Page[PhaseChangeRead]:
    """List the engagement's phase changes, oldest first."""
    items, total = service.history(session, engagement, limit=paging.limit, offset=paging.offset)
    return Page[PhaseChangeRead](
        items=[PhaseChangeRead.model_validate(c) for c in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )
