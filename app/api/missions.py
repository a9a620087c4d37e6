"""/engagements/{engagement_id}/missions: the advisory missions logged for an engagement."""

from fastapi import APIRouter, Response, status

from app.api.deps import (
    IfMatch,
    MissionsReader,
    MissionsWriter,
    Paging,
    PathId,
    check_if_match,
    set_etag,
)
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.mission import MissionCreate, MissionRead, MissionUpdate
from app.services import missions as service
from app.vocab import MissionKind

router = APIRouter(prefix="/engagements/{engagement_id}/missions", tags=["missions"])
MissionId = PathId


@router.get("", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_missions(
    session: DbSession,
    engagement: MissionsReader,
    paging: Paging,
    kind: MissionKind | None = None,
) -> Page[MissionRead]:
    """List the engagement's missions, newest first."""
    items, total = service.list_missions(
        session, engagement.id, kind=kind, limit=paging.limit, offset=paging.offset
    )
    return Page[MissionRead](
        items=[MissionRead.model_validate(m) for m in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409, 413, 422)
)
def create_mission(
    session: DbSession, engagement: MissionsWriter, body: MissionCreate, response: Response
) -> MissionRead:
    """Log a mission."""
    mission = service.create(session, engagement, body)
    set_etag(response, mission)
    return MissionRead.model_validate(mission)


@router.get(
    "/{mission_id}", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422)
)
def get_mission(
    session: DbSession, engagement: MissionsReader, mission_id: MissionId, response: Response
) -> MissionRead:
    """Read one mission."""
    mission = service.get(session, engagement.id, mission_id)
    set_etag(response, mission)
    return MissionRead.model_validate(mission)


@router.patch(
    "/{mission_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def update_mission(
    session: DbSession,
    engagement: MissionsWriter,
    mission_id: MissionId,
    body: MissionUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> MissionRead:
    """Change a mission."""
    mission = service.get(session, engagement.id, mission_id)
    check_if_match(if_match, mission)
    mission = service.update(session, mission, body)
    set_etag(response, mission)
    return MissionRead.model_validate(mission)


@router.delete(
    "/{mission_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_mission(
    session: DbSession,
    engagement: MissionsWriter,
    mission_id: MissionId,
    if_match: IfMatch = None,
) -> None:
    """Delete a mission from the log."""
    mission = service.get(session, engagement.id, mission_id)
    check_if_match(if_match, mission)
    service.delete(session, mission)
