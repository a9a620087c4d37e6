"""/portal: the stakeholders' home (their own engagements and what is waiting for them) and
/portal/engagements/{engagement_id}: an engagement as its client sees it — summary, phase,
milestones, the team, the shared recommendations with their follow-up and a form to record
an update, and the published reports. The services, schemas and access rules are the API's
(app/api/engagements.py, milestones.py, recommendations.py, follow_up.py, reports.py).

The team is shown by name and role (lead consultant or consultant) only: no e-mail address or
other contact detail, because the API does not show the member list to stakeholders and the
client reaches the team through its usual channels.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import clock
from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, Report, StatusUpdate, User
from app.schemas.common import MAX_PAGE
from app.schemas.engagement import EngagementQuery
from app.schemas.follow_up import StatusUpdateCreate
from app.schemas.milestone import MilestoneRead
from app.schemas.recommendation import RecommendationRead
from app.services import access, engagements, milestones, recommendations, reminders, reports
from app.services import follow_up as service
from app.vocab import Implementation, ReportStatus, Stage
from app.vocab import Response as ClientResponse
from app.web import editing
from app.web.deps import EngagementPage, FollowUpRecord, PageUser, StakeholderPage, Templates
from app.web.forms import Form, FormState, options

router = APIRouter(include_in_schema=False)

SHOWN_UPDATES = 50
SHOWN_REPORTS = 50
VALIDATING_ROLES = [role.value for role in service.VALIDATING_ROLES]


def engagement_url(engagement_id: int, recommendation_id: int | None = None) -> str:
    url = f"/portal/engagements/{engagement_id}"
    return f"{url}#recommendation-{recommendation_id}" if recommendation_id else url


@router.get("/portal")
def portal_home(
    request: Request, session: DbSession, user: StakeholderPage, pages: Templates
) -> Response:
    """The client's engagements (the API's list, in the caller's visibility scope) and what is
    waiting for them by the reminders' rules, oldest first: responses, then self-assessments."""
    items, total = engagements.list_engagements(
        session, EngagementQuery(), viewer=user, limit=MAX_PAGE, offset=0
    )
    today = clock.today()
    # This app's settings, as the rest of the request reads them (not the environment's).
    every_days = request.app.state.settings.self_assessment_days
    context = {
        "nav": "portal",
        "engagements": items,
        "total": total,
        "waiting": reminders.pending_responses_of(session, user.id, today=today),
        "assessments": reminders.self_assessments_due_of(
            session, user.id, today=today, every_days=every_days
        ),
        "every_days": every_days,
    }
    return pages.render(request, "portal/home.html", context)


@dataclass
class Card:
    """One shared recommendation, its update history and the form that records an update."""

    recommendation: RecommendationRead
    updates: list[StatusUpdate]
    updates_total: int
    form: FormState


def _cards(
    session: Session, engagement: Engagement, user: User, forms: dict[int, FormState]
) -> list[Card]:
    limited = access.shared_only(user)
    items, _ = recommendations.list_recommendations(
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
    history = service.latest_updates(
        session, engagement.id, [item.id for item in items], limit=SHOWN_UPDATES
    )
    return [Card(item, *history[item.id], forms.get(item.id) or FormState()) for item in items]


def _published(session: Session, engagement: Engagement, user: User) -> list[Report]:
    """Published versions only, whoever looks: the portal never lists a draft."""
    items, _ = reports.list_reports(
        session,
        engagement,
        kind=None,
        status=ReportStatus.PUBLISHED,
        client_view=access.shared_only(user),
        limit=SHOWN_REPORTS,
        offset=0,
    )
    return list(items)


def _engagement_page(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    user: User,
    forms: dict[int, FormState],
    status_code: int = 200,
) -> Response:
    planned, _ = milestones.list_milestones(session, engagement, limit=MAX_PAGE, offset=0)
    context: dict[str, Any] = {
        "nav": "portal",
        "engagement": engagements.read(session, engagement.id),
        "milestones": [MilestoneRead.model_validate(m) for m in planned],
        "team": engagements.members(session, engagement),
        "cards": _cards(session, engagement, user, forms),
        "reports": _published(session, engagement, user),
        "can_record": access.can_record_follow_up(session, user, engagement),
        "validating_roles": VALIDATING_ROLES,
        "responses": options(ClientResponse),
        "implementations": options(Implementation),
        "today": clock.today().isoformat(),
    }
    return pages.render(request, "portal/engagement.html", context, status_code=status_code)


@router.get("/portal/engagements/{engagement_id}")
def portal_engagement(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: EngagementPage,
    pages: Templates,
) -> Response:
    """An engagement as its client sees it (the API's 404 for another client's)."""
    return _engagement_page(request, session, pages, engagement, user, {})


@router.post("/portal/engagements/{engagement_id}/recommendations/{recommendation_id}/updates")
def record_update(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: FollowUpRecord,
    recommendation_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Append a response and/or implementation rating, as POST .../updates does."""
    recommendation = service.find_recommendation(
        session, engagement.id, recommendation_id, shared_only=access.shared_only(user)
    )
    return editing.create(
        session,
        form,
        StatusUpdateCreate,
        lambda body: service.record_update(session, recommendation, body, author=user),
        show=lambda state, status_code: _engagement_page(
            request, session, pages, engagement, user, {recommendation.id: state}, status_code
        ),
        done=lambda _: pages.redirect(
            request,
            engagement_url(engagement.id, recommendation.id),
            flash=f"Your update of {recommendation.code} is recorded.",
        ),
    )
