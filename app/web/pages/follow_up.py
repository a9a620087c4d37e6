"""/engagements/{engagement_id}/follow-up: for each shared recommendation, its update history,
the client's self-assessment beside the consultants' validated rating, and its indicators with
their measurements; record an update, add an indicator, record a measurement (the services,
schemas and access rules of app/api/follow_up.py)."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, Measurement, Recommendation, StatusUpdate, User
from app.schemas.common import MAX_PAGE
from app.schemas.follow_up import (
    IndicatorCreate,
    IndicatorRead,
    MeasurementCreate,
    StatusUpdateCreate,
)
from app.schemas.recommendation import RecommendationRead
from app.services import access, engagements, recommendations
from app.services import follow_up as service
from app.vocab import Implementation, Stage
from app.vocab import Response as ClientResponse
from app.web import editing
from app.web.deps import (
    FollowUpRecord,
    PageUser,
    RecommendationsEdit,
    RecommendationsPage,
    Templates,
)
from app.web.forms import Form, FormState, options

router = APIRouter(include_in_schema=False)

BASE = "/engagements/{engagement_id}/follow-up"
ITEM = BASE + "/{recommendation_id}"
SHOWN_UPDATES = 50
SHOWN_INDICATORS = 50
SHOWN_MEASUREMENTS = 20
VALIDATING_ROLES = [role.value for role in service.VALIDATING_ROLES]
INDICATOR_STATUS = {
    "no_measurement": "No measurement yet",
    "target_equals_baseline": "Target equals baseline",
    "regressed": "Worse than the baseline",
    "in_progress": "In progress",
    "achieved": "Target achieved",
}


def follow_up_url(engagement_id: int, recommendation_id: int | None = None) -> str:
    url = f"/engagements/{engagement_id}/follow-up"
    return f"{url}#follow-up-{recommendation_id}" if recommendation_id else url


@dataclass
class FollowUp:
    """One shared recommendation's follow-up, as the page shows it."""

    recommendation: RecommendationRead
    updates: list[StatusUpdate]
    updates_total: int
    indicators: list[IndicatorRead]
    measurements: dict[int, list[Measurement]] = field(default_factory=dict)


def _follow_up(session: Session, item: RecommendationRead, *, limited: bool) -> FollowUp:
    recommendation = service.find_recommendation(
        session, item.engagement_id, item.id, shared_only=limited
    )
    updates, total = service.list_updates(session, recommendation, limit=SHOWN_UPDATES, offset=0)
    indicators, _ = service.list_indicators(
        session, recommendation, limit=SHOWN_INDICATORS, offset=0
    )
    entry = FollowUp(item, list(updates), total, indicators)
    for indicator in indicators:
        found = service.get_indicator(session, recommendation, indicator.id)
        measured, _ = service.list_measurements(session, found, limit=SHOWN_MEASUREMENTS, offset=0)
        entry.measurements[indicator.id] = list(measured)
    return entry


@router.get(BASE)
def follow_up_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: RecommendationsPage,
    pages: Templates,
) -> Response:
    """Every shared recommendation's follow-up: history, ratings side by side, indicators."""
    limited = access.shared_only(user)
    items, total = recommendations.list_recommendations(
        session,
        engagement.id,
        stage=Stage.SHARED,
        priority=None,
        horizon=None,
        instrument=None,
        limit=MAX_PAGE,
        offset=0,
        shared_only=limited,
    )
    return pages.render(
        request,
        "follow_up/page.html",
        {
            "nav": "engagements",
            "engagement": engagements.read(session, engagement.id),
            "staff_view": not limited,
            "entries": [_follow_up(session, item, limited=limited) for item in items],
            "total": total,
            "validating_roles": VALIDATING_ROLES,
            "indicator_status": INDICATOR_STATUS,
            "can_write": access.can_write(session, user, engagement),
            "can_record": access.can_record_follow_up(session, user, engagement),
        },
    )


def _form_page(
    request: Request,
    session: Session,
    pages: Templates,
    template: str,
    engagement: Engagement,
    user: User,
    context: dict[str, Any],
    status_code: int,
) -> Response:
    return pages.render(
        request,
        f"follow_up/{template}",
        {
            "nav": "engagements",
            "engagement": engagements.read(session, engagement.id),
            "staff_view": not access.shared_only(user),
            **context,
        },
        status_code=status_code,
    )


def _update_page(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    user: User,
    recommendation: Recommendation,
    form: FormState,
    status_code: int,
) -> Response:
    context = {
        "form": form,
        "recommendation": recommendation,
        "validating": user.role in service.VALIDATING_ROLES,
        "responses": options(ClientResponse),
        "implementations": options(Implementation),
    }
    return _form_page(
        request, session, pages, "update.html", engagement, user, context, status_code
    )


@router.get(ITEM + "/updates/new")
def new_update_form(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: FollowUpRecord,
    recommendation_id: PathId,
    pages: Templates,
) -> Response:
    """The form that records an update: a consultant's validated rating, or the client's."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=access.shared_only(user)
    )
    form = FormState()
    return _update_page(request, session, pages, engagement, user, recommendation, form, 200)


@router.post(ITEM + "/updates/new")
def record_update(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: FollowUpRecord,
    recommendation_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Append an update, as POST .../recommendations/{id}/updates does."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=access.shared_only(user)
    )
    return editing.create(
        session,
        form,
        StatusUpdateCreate,
        lambda body: service.record_update(session, recommendation, body, author=user),
        show=lambda state, status_code: _update_page(
            request, session, pages, engagement, user, recommendation, state, status_code
        ),
        done=lambda _: pages.redirect(
            request,
            follow_up_url(engagement.id, recommendation.id),
            flash=f"Update of {recommendation.code} recorded.",
        ),
    )


def _indicator_page(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    user: User,
    recommendation: Recommendation,
    form: FormState,
    status_code: int,
) -> Response:
    context = {"form": form, "recommendation": recommendation}
    return _form_page(
        request, session, pages, "indicator.html", engagement, user, context, status_code
    )


@router.get(ITEM + "/indicators/new")
def new_indicator_form(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: RecommendationsEdit,
    recommendation_id: PathId,
    pages: Templates,
) -> Response:
    """The form that adds an indicator (a baseline and a target) to a recommendation."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=False
    )
    form = FormState()
    return _indicator_page(request, session, pages, engagement, user, recommendation, form, 200)


@router.post(ITEM + "/indicators/new")
def create_indicator(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: RecommendationsEdit,
    recommendation_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Add an indicator, as POST .../recommendations/{id}/indicators does."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=False
    )
    return editing.create(
        session,
        form,
        IndicatorCreate,
        lambda body: service.create_indicator(session, recommendation, body),
        show=lambda state, status_code: _indicator_page(
            request, session, pages, engagement, user, recommendation, state, status_code
        ),
        done=lambda indicator: pages.redirect(
            request,
            follow_up_url(engagement.id, recommendation.id),
            flash=f"Indicator “{indicator.name}” added to {recommendation.code}.",
        ),
    )


def _measurement_page(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    user: User,
    recommendation: Recommendation,
    indicator_id: int,
    form: FormState,
    status_code: int,
) -> Response:
    indicator = service.get_indicator(session, recommendation, indicator_id)
    context = {
        "form": form,
        "recommendation": recommendation,
        "indicator": service.read_indicator(session, indicator),
        "indicator_status": INDICATOR_STATUS,
    }
    return _form_page(
        request, session, pages, "measurement.html", engagement, user, context, status_code
    )


@router.get(ITEM + "/indicators/{indicator_id}/measurements/new")
def new_measurement_form(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: FollowUpRecord,
    recommendation_id: PathId,
    indicator_id: PathId,
    pages: Templates,
) -> Response:
    """The form that records a measured value of an indicator."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=access.shared_only(user)
    )
    return _measurement_page(
        request, session, pages, engagement, user, recommendation, indicator_id, FormState(), 200
    )


@router.post(ITEM + "/indicators/{indicator_id}/measurements/new")
def record_measurement(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: FollowUpRecord,
    recommendation_id: PathId,
    indicator_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Record a measured value, as POST .../indicators/{id}/measurements does."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=access.shared_only(user)
    )
    indicator = service.get_indicator(session, recommendation, indicator_id)
    return editing.create(
        session,
        form,
        MeasurementCreate,
        lambda body: service.record_measurement(session, indicator, body, author=user),
        show=lambda state, status_code: _measurement_page(
            request,
            session,
            pages,
            engagement,
            user,
            recommendation,
            indicator_id,
            state,
            status_code,
        ),
        done=lambda _: pages.redirect(
            request,
            follow_up_url(engagement.id, recommendation.id),
            flash=f"Measurement of “{indicator.name}” recorded.",
        ),
    )
