"""/engagements/{engagement_id}/recommendations/{recommendation_id}/updates and /indicators:
the follow-up of a recommendation (the client's response, implementation ratings, and
indicators with their measured values)."""

from fastapi import APIRouter, Response, status

from app.api.deps import (
    CurrentUser,
    FollowUpRecorder,
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
from app.schemas.follow_up import (
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementRead,
    StatusUpdateCreate,
    StatusUpdateRead,
)
from app.services import follow_up as service
from app.services.access import shared_only

router = APIRouter(
    prefix="/engagements/{engagement_id}/recommendations/{recommendation_id}",
    tags=["follow-up"],
)
RecommendationId = PathId
IndicatorId = PathId
MeasurementId = PathId


@router.get("/updates", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_updates(
    session: DbSession,
    engagement: RecommendationsReader,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    paging: Paging,
) -> Page[StatusUpdateRead]:
    """List a recommendation's follow-up updates, latest first."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=shared_only(user)
    )
    items, total = service.list_updates(
        session, recommendation, limit=paging.limit, offset=paging.offset
    )
    return Page[StatusUpdateRead](
        items=[StatusUpdateRead.model_validate(u) for u in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/updates",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def record_update(
    session: DbSession,
    engagement: FollowUpRecorder,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    body: StatusUpdateCreate,
) -> StatusUpdateRead:
    """Record the client's response and/or an implementation rating (append-only)."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=shared_only(user)
    )
    update = service.record_update(session, recommendation, body, author=user)
    return StatusUpdateRead.model_validate(update)


@router.get("/indicators", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_indicators(
    session: DbSession,
    engagement: RecommendationsReader,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    paging: Paging,
) -> Page[IndicatorRead]:
    """List a recommendation's indicators with their progress."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=shared_only(user)
    )
    items, total = service.list_indicators(
        session, recommendation, limit=paging.limit, offset=paging.offset
    )
    return Page[IndicatorRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "/indicators",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def create_indicator(
    session: DbSession,
    engagement: RecommendationsWriter,
    recommendation_id: RecommendationId,
    body: IndicatorCreate,
    response: Response,
) -> IndicatorRead:
    """Add an indicator: a baseline and a target."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=False
    )
    indicator = service.create_indicator(session, recommendation, body)
    set_etag(response, indicator)
    return service.read_indicator(session, indicator)


@router.get(
    "/indicators/{indicator_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 404, 422),
)
def get_indicator(
    session: DbSession,
    engagement: RecommendationsReader,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    indicator_id: IndicatorId,
    response: Response,
) -> IndicatorRead:
    """Read one indicator with its latest value and progress."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=shared_only(user)
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    set_etag(response, indicator)
    return service.read_indicator(session, indicator)


@router.patch(
    "/indicators/{indicator_id}",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 412, 413, 422),
)
def update_indicator(
    session: DbSession,
    engagement: RecommendationsWriter,
    recommendation_id: RecommendationId,
    indicator_id: IndicatorId,
    body: IndicatorUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> IndicatorRead:
    """Change an indicator's name, unit, baseline or target."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=False
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    check_if_match(if_match, indicator)
    indicator = service.update_indicator(session, indicator, body)
    set_etag(response, indicator)
    return service.read_indicator(session, indicator)


@router.delete(
    "/indicators/{indicator_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
def delete_indicator(
    session: DbSession,
    engagement: RecommendationsWriter,
    recommendation_id: RecommendationId,
    indicator_id: IndicatorId,
    if_match: IfMatch = None,
) -> None:
    """Delete an indicator with its measurements."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=False
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    check_if_match(if_match, indicator)
    service.delete_indicator(session, indicator)


@router.get(
    "/indicators/{indicator_id}/measurements",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 404, 422),
)
def list_measurements(
    session: DbSession,
    engagement: RecommendationsReader,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    indicator_id: IndicatorId,
    paging: Paging,
) -> Page[MeasurementRead]:
    """List an indicator's measured values, latest first."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=shared_only(user)
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    items, total = service.list_measurements(
        session, indicator, limit=paging.limit, offset=paging.offset
    )
    return Page[MeasurementRead](
        items=[MeasurementRead.model_validate(m) for m in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/indicators/{indicator_id}/measurements",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def record_measurement(
    session: DbSession,
    engagement: FollowUpRecorder,
    user: CurrentUser,
    recommendation_id: RecommendationId,
    indicator_id: IndicatorId,
    body: MeasurementCreate,
) -> MeasurementRead:
    """Record a measured value of an indicator."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=shared_only(user)
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    measurement = service.record_measurement(session, indicator, body, author=user)
    return MeasurementRead.model_validate(measurement)


@router.delete(
    "/indicators/{indicator_id}/measurements/{measurement_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
def delete_measurement(
    session: DbSession,
    engagement: RecommendationsWriter,
    recommendation_id: RecommendationId,
    indicator_id: IndicatorId,
    measurement_id: MeasurementId,
) -> None:
    """Delete a measurement recorded in error."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=False
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    measurement = service.get_measurement(session, indicator, measurement_id)
    service.delete_measurement(session, measurement)
