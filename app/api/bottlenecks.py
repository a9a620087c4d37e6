"""/engagements/{engagement_id}/bottlenecks: the diagnosis behind the challenges."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi import status as http_status

from app.api.deps import (
    DiagnosisReader,
    DiagnosisWriter,
    IfMatch,
    Paging,
    PathId,
    check_if_match,
    set_etag,
)
from app.db import DbSession
from app.schemas.common import MAX_ID, Page, error_responses
from app.schemas.diagnosis import BottleneckCreate, BottleneckRead, BottleneckUpdate
from app.services import bottlenecks as service
from app.vocab import BottleneckStatus, FrameworkCondition

router = APIRouter(prefix="/engagements/{engagement_id}/bottlenecks", tags=["bottlenecks"])


@router.get("", response_model=Page[BottleneckRead], responses=error_responses(401, 404, 422))
def list_bottlenecks(
    session: DbSession,
    engagement: DiagnosisReader,
    paging: Paging,
    status: BottleneckStatus | None = None,
    framework_condition: FrameworkCondition | None = None,
    challenge_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[BottleneckRead]:
    """List the engagement's bottlenecks, most severe first."""
    items, total = service.list_bottlenecks(
        session,
        engagement.id,
        status=status,
        framework_condition=framework_condition,
        challenge_id=challenge_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[BottleneckRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "", status_code=http_status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 413, 422)
)
def create_bottleneck(
    session: DbSession, engagement: DiagnosisWriter, body: BottleneckCreate, response: Response
) -> BottleneckRead:
    """Add a bottleneck, optionally under a challenge of the same engagement."""
    bottleneck = service.create(session, engagement.id, body)
    set_etag(response, bottleneck)
    return bottleneck


@router.get("/{bottleneck_id}", responses=error_responses(401, 404, 422))
def get_bottleneck(
    session: DbSession,
    engagement: DiagnosisReader,
    bottleneck_id: PathId,
    response: Response,
) -> BottleneckRead:
    """Read one bottleneck with its evidence and the recommendations addressing it."""
    bottleneck = service.read(session, engagement.id, bottleneck_id)
    set_etag(response, bottleneck)
    return bottleneck


@router.patch("/{bottleneck_id}", responses=error_responses(401, 403, 404, 409, 412, 413, 422))
def update_bottleneck(
    session: DbSession,
    engagement: DiagnosisWriter,
    bottleneck_id: PathId,
    body: BottleneckUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> BottleneckRead:
    """Change a bottleneck."""
    bottleneck = service.get(session, engagement.id, bottleneck_id)
    check_if_match(if_match, bottleneck)
    updated = service.update(session, bottleneck, body)
    set_etag(response, updated)
    return updated


@router.delete(
    "/{bottleneck_id}",
    status_code=http_status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_bottleneck(
    session: DbSession,
    engagement: DiagnosisWriter,
    bottleneck_id: PathId,
    if_match: IfMatch = None,
) -> None:
    """Delete a bottleneck that no recommendation addresses (its evidence links go with it)."""
    bottleneck = service.get(session, engagement.id, bottleneck_id)
    check_if_match(if_match, bottleneck)
    service.delete(session, bottleneck)
