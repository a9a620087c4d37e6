"""/engagements/{engagement_id}/milestones: the engagement's planned steps."""

from fastapi import APIRouter, Response, status

from app.api.deps import (
    IfMatch,
    MilestonesReader,
    MilestonesWriter,
    Paging,
    PathId,
    check_if_match,
    set_etag,
)
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.milestone import MilestoneCreate, MilestoneRead, MilestoneUpdate
from app.services import milestones as service

router = APIRouter(prefix="/engagements/{engagement_id}/milestones", tags=["milestones"])
MilestoneId = PathId


@router.get("", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_milestones(
    session: DbSession, engagement: MilestonesReader, paging: Paging
) -> Page[MilestoneRead]:
    """List an engagement's milestones by due date."""
    items, total = service.list_milestones(
        session, engagement, limit=paging.limit, offset=paging.offset
    )
    return Page[MilestoneRead](
        items=[MilestoneRead.model_validate(m) for m in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409, 413, 422)
)
def create_milestone(
    session: DbSession, engagement: MilestonesWriter, body: MilestoneCreate, response: Response
) -> MilestoneRead:
    """Add a milestone."""
    milestone = service.create(session, engagement, body)
    set_etag(response, milestone)
    return MilestoneRead.model_validate(milestone)


@router.get(
    "/{milestone_id}", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422)
)
def get_milestone(
    session: DbSession, engagement: MilestonesReader, milestone_id: MilestoneId, response: Response
) -> MilestoneRead:
    """Read one milestone."""
    milestone = service.get(session, engagement, milestone_id)
    set_etag(response, milestone)
    return MilestoneRead.model_validate(milestone)


@router.patch(
    "/{milestone_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def update_milestone(
    session: DbSession,
    engagement: MilestonesWriter,
    milestone_id: MilestoneId,
    body: MilestoneUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> MilestoneRead:
    """Change a milestone (completed_on: null reopens it)."""
    milestone = service.get(session, engagement, milestone_id)
    check_if_match(if_match, milestone)
    milestone = service.update(session, milestone, body)
    set_etag(response, milestone)
    return MilestoneRead.model_validate(milestone)


@router.delete(
    "/{milestone_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_milestone(
    session: DbSession,
    engagement: MilestonesWriter,
    milestone_id: MilestoneId,
    if_match: IfMatch = None,
) -> None:
    """Delete a milestone."""
    milestone = service.get(session, engagement, milestone_id)
    check_if_match(if_match, milestone)
    service.delete(session, milestone)
