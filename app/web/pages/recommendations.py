"""/engagements/{engagement_id}/recommendations: the EOCIC policy-briefing cards of an
engagement; add, edit and withdraw them (the services and schemas of
app/api/recommendations.py, with the same viewer rule: stakeholders see shared ones only)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import vocab
from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, Recommendation
from app.schemas.common import MAX_PAGE
from app.schemas.diagnosis import BottleneckRead
from app.schemas.recommendation import RecommendationCreate, RecommendationUpdate
from app.services import access, engagements
from app.services import bottlenecks as bottleneck_service
from app.services import evidence as evidence_service
from app.services import recommendations as service
from app.vocab import Horizon, Instrument, Priority, Stage
from app.web import editing, forms
from app.web.deps import PageUser, RecommendationsEdit, RecommendationsPage, Templates
from app.web.forms import Form, FormState, options

router = APIRouter(include_in_schema=False)

BASE = "/engagements/{engagement_id}/recommendations"
FIELDS = (
    "title",
    "description",
    "benefits_costs",
    "risks",
    "responsible_actor",
    "instrument",
    "priority",
    "horizon",
    "bottleneck_ids",
)
FIELD_LABELS = {"benefits_costs": "Benefits and costs", "bottleneck_ids": "Bottlenecks addressed"}
HORIZONS = {
    Horizon.SHORT.value: "Short term (under 1 year)",
    Horizon.MEDIUM.value: "Medium term (1 to 3 years)",
    Horizon.LONG.value: "Long term (over 3 years)",
}


def cards_url(engagement_id: int, recommendation_id: int | None = None) -> str:
    url = f"/engagements/{engagement_id}/recommendations"
    return f"{url}#recommendation-{recommendation_id}" if recommendation_id else url


def _bottlenecks(session: Session, engagement_id: int) -> dict[int, BottleneckRead]:
    items, _ = bottleneck_service.list_bottlenecks(
        session,
        engagement_id,
        status=None,
        framework_condition=None,
        challenge_id=None,
        limit=MAX_PAGE,
        offset=0,
    )
    return {b.id: b for b in items}


def _evidence_titles(session: Session, engagement_id: int) -> dict[int, str]:
    items, _ = evidence_service.list_evidence(
        session, engagement_id, kind=None, limit=MAX_PAGE, offset=0
    )
    return {e.id: e.title for e in items}


@router.get(BASE)
def recommendation_cards(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: RecommendationsPage,
    pages: Templates,
) -> Response:
    """The engagement's recommendations as EOCIC cards, in code order."""
    limited = access.shared_only(user)
    items, total = service.list_recommendations(
        session,
        engagement.id,
        stage=None,
        priority=None,
        horizon=None,
        instrument=None,
        limit=MAX_PAGE,
        offset=0,
        shared_only=limited,
    )
    # The diagnosis behind the cards is internal: stakeholders' reads carry none of it.
    bottlenecks = {} if limited else _bottlenecks(session, engagement.id)
    evidence = {} if limited else _evidence_titles(session, engagement.id)
    return pages.render(
        request,
        "recommendations/list.html",
        {
            "nav": "engagements",
            "engagement": engagements.read(session, engagement.id),
            "staff_view": not limited,
            "items": items,
            "total": total,
            "bottlenecks": bottlenecks,
            "evidence": evidence,
            "horizons": HORIZONS,
            "can_write": access.can_write(session, user, engagement),
        },
    )


def _form_page(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    form: FormState,
    recommendation: Recommendation | None,
    status_code: int,
) -> Response:
    bottlenecks = _bottlenecks(session, engagement.id)
    return pages.render(
        request,
        "recommendations/form.html",
        {
            "nav": "engagements",
            "engagement": engagements.read(session, engagement.id),
            "form": form,
            "recommendation": recommendation,
            "instruments": options(Instrument),
            "priorities": options(Priority),
            "horizons": list(HORIZONS.items()),
            "bottleneck_options": [
                (b.id, f"{b.title} ({vocab.label(b.status)})") for b in bottlenecks.values()
            ],
        },
        status_code=status_code,
    )


@router.get(BASE + "/new")
def new_recommendation_form(
    request: Request, session: DbSession, engagement: RecommendationsEdit, pages: Templates
) -> Response:
    """The form that adds a draft recommendation."""
    form = FormState.of({"priority": Priority.MEDIUM, "horizon": Horizon.MEDIUM})
    return _form_page(request, session, pages, engagement, form, None, 200)


@router.post(BASE + "/new")
def create_recommendation(
    request: Request,
    session: DbSession,
    engagement: RecommendationsEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Add a draft recommendation, as POST /api/v1/engagements/{id}/recommendations does."""
    return editing.create(
        session,
        form,
        RecommendationCreate,
        lambda body: service.create(session, engagement, body),
        show=lambda state, status_code: _form_page(
            request, session, pages, engagement, state, None, status_code
        ),
        done=lambda made: _to_card(request, pages, made, "added as a draft"),
    )


@router.get(BASE + "/{recommendation_id}/edit")
def edit_recommendation_form(
    request: Request,
    session: DbSession,
    engagement: RecommendationsEdit,
    recommendation_id: PathId,
    pages: Templates,
) -> Response:
    """The form that edits a recommendation's card, based on its current version."""
    recommendation = service.get(session, engagement.id, recommendation_id)
    form = FormState.of(forms.snapshot(recommendation, FIELDS), version=recommendation.version)
    return _form_page(request, session, pages, engagement, form, recommendation, 200)


def _explained(
    changes: list[tuple[str, Any, Any]], bottlenecks: dict[int, BottleneckRead]
) -> list[tuple[str, Any, Any]]:
    """What changed meanwhile, in words: field labels, vocabulary labels, bottleneck titles."""
    known = {str(b.id): b.title for b in bottlenecks.values()}

    def words(name: str, value: Any) -> Any:
        if value is None or value == "":
            return value
        if name == "bottleneck_ids" and isinstance(value, list):
            return "; ".join(known.get(str(i), f"Bottleneck {i}") for i in value) or "none"
        if name == "horizon":
            return HORIZONS.get(str(value), value)
        if name in ("instrument", "priority"):
            return vocab.label(str(value))
        return value

    return [
        (FIELD_LABELS.get(name, name), words(name, before), words(name, now))
        for name, before, now in changes
    ]


@router.post(BASE + "/{recommendation_id}/edit")
def save_recommendation(
    request: Request,
    session: DbSession,
    engagement: RecommendationsEdit,
    recommendation_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Save the card, as PATCH does; a form based on an older version shows what changed
    since (409) and saves nothing, so that saving it again reapplies it knowingly."""
    recommendation = service.get(session, engagement.id, recommendation_id)
    return editing.edit(
        session,
        form,
        recommendation,
        RecommendationUpdate,
        FIELDS,
        lambda body: service.update(session, recommendation, body),
        show=lambda state, status_code: _form_page(
            request, session, pages, engagement, state, recommendation, status_code
        ),
        done=lambda: _to_card(request, pages, recommendation, "saved"),
        explain=lambda stale: _explained(stale, _bottlenecks(session, engagement.id)),
    )


def _move(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    recommendation_id: int,
    stage: Stage,
    done: str,
) -> Response:
    """Move the recommendation to `stage` through the service PATCH uses (its rules refuse
    what may not be done, as an error page)."""
    recommendation = service.get(session, engagement.id, recommendation_id)
    service.update(session, recommendation, RecommendationUpdate(stage=stage))
    return _to_card(request, pages, recommendation, done)


def _to_card(
    request: Request, pages: Templates, recommendation: Recommendation, done: str
) -> Response:
    """Back to the recommendation's card, saying what was `done` to it."""
    return pages.redirect(
        request,
        cards_url(recommendation.engagement_id, recommendation.id),
        flash=f"Recommendation {recommendation.code} {done}.",
    )


@router.post(BASE + "/{recommendation_id}/withdraw")
def withdraw_recommendation(
    request: Request,
    session: DbSession,
    engagement: RecommendationsEdit,
    recommendation_id: PathId,
    pages: Templates,
) -> Response:
    """Withdraw a recommendation (PATCH with stage withdrawn); it stays on the record."""
    return _move(
        request, session, pages, engagement, recommendation_id, Stage.WITHDRAWN, "withdrawn"
    )


@router.post(BASE + "/{recommendation_id}/restore")
def restore_recommendation(
    request: Request,
    session: DbSession,
    engagement: RecommendationsEdit,
    recommendation_id: PathId,
    pages: Templates,
) -> Response:
    """Bring a withdrawn recommendation that was never shared back to draft."""
    return _move(
        request, session, pages, engagement, recommendation_id, Stage.DRAFT, "is a draft again"
    )
