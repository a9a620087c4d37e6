"""/engagements/{engagement_id}/recommendations: the policy-briefing cards of an engagement."""

from fastapi import APIRouter, Response, status

from app.api.deps import (
    CurrentUser,
    IfMatch,
    Paging,
    PathId,
    RecommendationsReader,
    RecommendationsWriter,
    check_if_match,
    set_etag,
)
from app.db import DbSession
from app.schemas.common import Page, error_responses
from app.schemas.recommendation import (
    RecommendationCreate,
    RecommendationRead,
    RecommendationUpdate,
)
from app.services import recommendations as service
from app.services.access import shared_only
from app.vocab import Horizon, Instrument, Priority, Stage

router = APIRouter(prefix="/engagements/{engagement_id}/recommendations", tags=["recommendations"])
RecommendationId = PathId


@router.get("", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_recommendations(
    session: DbSession,
    engagement: RecommendationsReader,
    user: CurrentUser,
    paging: Paging,
    stage: Stage | None = None,
    priority: Priority | None = None,
    horizon: Horizon | None = None,
    instrument: Instrument | None = None,
) -> Page[RecommendationRead]:
    """List the engagement's recommendations in code order."""
    items, total = service.list_recommendations(
        session,
        engagement.id,
        stage=stage,
        priority=priority,
        horizon=horizon,
        instrument=instrument,
        limit=paging.limit,
        offset=paging.offset,
        shared_only=shared_only(user),
    )
    return Page[RecommendationRead](
        items=items, total=total, limit=paging.limit, offset=paging.offset
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409, 413, 422)
)
def create_recommendation(
    session: DbSession,
    engagement: RecommendationsWriter,
    body: RecommendationCreate,
    response: Response,
) -> RecommendationRead:
    """Add a draft recommendation; its code (R1, R2, …) is assigned."""
    recommendation = service.create(session, engagement, body)
    set_etag(response, recommendation)
    return service.read(session, recommendation)


@router.get(
    "/{recommendation_id}", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422)
)
def get_recommendation(
    session: DbSession,
    engagement: RecommendationsReader,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    response: Response,
) -> RecommendationRead:
    """Read one recommendation with its evidence references."""
    limited = shared_only(user)
    recommendation = service.get(session, engagement.id, recommendation_id, shared_only=limited)
    set_etag(response, recommendation)
    return service.read(session, recommendation, shared_only=limited)


@router.patch(
    "/{recommendation_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def update_recommendation(
    session: DbSession,
    engagement: RecommendationsWriter,
    recommendation_id: RecommendationId,
    body: RecommendationUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> RecommendationRead:
    """Change a recommendation's card, bottlenecks or stage (never to shared)."""
    recommendation = service.get(session, engagement.id, recommendation_id)
    check_if_match(if_match, recommendation)
    recommendation = service.update(session, recommendation, body)
    set_etag(response, recommendation)
    return service.read(session, recommendation)


@router.delete(
    "/{recommendation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_recommendation(
    session: DbSession,
    engagement: RecommendationsWriter,
    recommendation_id: RecommendationId,
    if_match: IfMatch = None,
) -> None:
    """Delete a draft recommendation."""
    recommendation = service.get(session, engagement.id, recommendation_id)
    check_if_match(if_match, recommendation)
    service.delete(session, recommendation)
