"""/engagements/{id}/diagnosis: the challenges, and the bottlenecks behind them grouped by
framework condition, each with the evidence that bears on it; create, edit and delete both."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, User
from app.reports import charts
from app.schemas.common import MAX_ID
from app.schemas.diagnosis import (
    BottleneckCreate,
    BottleneckRead,
    BottleneckUpdate,
    ChallengeCreate,
    ChallengeUpdate,
)
from app.services import bottlenecks as bottleneck_service
from app.services import challenges as challenge_service
from app.services.errors import AppError
from app.vocab import BottleneckStatus, FrameworkCondition, label
from app.web import forms
from app.web.deps import DiagnosisEdit, DiagnosisPage, PageUser, Templates
from app.web.forms import Form, FormState
from app.web.pages.diagnosis_common import (
    ALL,
    all_evidence,
    all_recommendation_codes,
    linked_evidence,
    save_edit,
    save_new,
    workspace,
)
from app.web.templating import Pages

router = APIRouter(include_in_schema=False)

PRIORITY_WORDS = {1: "High", 2: "Medium", 3: "Low"}
SEVERITY_WORDS = {1: "Minor", 2: "Moderate", 3: "Significant", 4: "Major", 5: "Critical"}
CHALLENGE_FIELDS = ("title", "description", "priority")
BOTTLENECK_FIELDS = (
    "challenge_id",
    "title",
    "description",
    "framework_condition",
    "severity",
    "status",
)


# -- the page ----------------------------------------------------------------------------------


def _groups(bottlenecks: Sequence[BottleneckRead]) -> list[tuple[str, list[BottleneckRead]]]:
    """The bottlenecks under their framework condition, in the scoreboard's order."""
    groups = []
    for condition in FrameworkCondition:
        items = [b for b in bottlenecks if b.framework_condition == condition]
        if items:
            groups.append((label(condition), items))
    return groups


def _severity_chart(bottlenecks: Sequence[BottleneckRead]) -> dict[str, Any] | None:
    """The reports' chart of confirmed bottlenecks by condition and severity, with its data."""
    confirmed = [b for b in bottlenecks if b.status == BottleneckStatus.CONFIRMED]
    bars = []
    for condition in FrameworkCondition:
        severities = [b.severity for b in confirmed if b.framework_condition == condition]
        if severities:
            counts = tuple(severities.count(s) for s in range(1, 6))
            bars.append(charts.SeverityBar(label(condition), counts))  # type: ignore[arg-type]
    if not bars:
        return None
    title = "Confirmed bottlenecks by framework condition and severity"
    return {
        "svg": charts.severity_chart(bars, title=title),
        "caption": title,
        "head": ["Framework condition", *(f"{s} {w}" for s, w in SEVERITY_WORDS.items()), "Total"],
        "rows": [(bar.label, *bar.counts, sum(bar.counts)) for bar in bars],
    }


def _page(
    request: Request,
    session: Session,
    user: User,
    engagement: Engagement,
    pages: Pages,
    *,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    challenges, _ = challenge_service.list_challenges(session, engagement.id, limit=ALL, offset=0)
    bottlenecks, _ = bottleneck_service.list_bottlenecks(
        session,
        engagement.id,
        status=None,
        framework_condition=None,
        challenge_id=None,
        limit=ALL,
        offset=0,
    )
    by_challenge: dict[int | None, list[BottleneckRead]] = defaultdict(list)
    for b in bottlenecks:
        by_challenge[b.challenge_id].append(b)
    context = {
        **workspace(session, user, engagement),
        "challenges": challenges,
        "challenge_titles": {c.id: c.title for c in challenges},
        "by_challenge": by_challenge,
        "groups": _groups(bottlenecks),
        "linked": linked_evidence(all_evidence(session, engagement.id)),
        "recommendations": all_recommendation_codes(session, user, engagement.id),
        "chart": _severity_chart(bottlenecks),
        "priority_words": PRIORITY_WORDS,
        "severity_words": SEVERITY_WORDS,
        "problem": problem,
    }
    return pages.render(request, "diagnosis/page.html", context, status_code=status_code)


@router.get("/engagements/{engagement_id}/diagnosis")
def diagnosis_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisPage,
    pages: Templates,
) -> Response:
    """The diagnosis: challenges, and bottlenecks by framework condition with their evidence."""
    return _page(request, session, user, engagement, pages)


# -- challenges --------------------------------------------------------------------------------


def _challenge_form(
    request: Request,
    session: Session,
    user: User,
    engagement: Engagement,
    pages: Pages,
    form: FormState,
    *,
    challenge_id: int | None = None,
    status_code: int = 200,
) -> Response:
    base = f"/engagements/{engagement.id}/challenges"
    context = {
        **workspace(session, user, engagement),
        "form": form,
        "editing": challenge_id is not None,
        "action": f"{base}/{challenge_id}/edit" if challenge_id else base,
        "priorities": [(str(p), f"{w} ({p})") for p, w in PRIORITY_WORDS.items()],
    }
    return pages.render(request, "diagnosis/challenge_form.html", context, status_code=status_code)


def _to_diagnosis(
    request: Request, pages: Pages, engagement_id: int, anchor: str, flash: str
) -> Response:
    url = f"/engagements/{engagement_id}/diagnosis" + (f"#{anchor}" if anchor else "")
    return pages.redirect(request, url, flash=flash)


@router.get("/engagements/{engagement_id}/challenges/new")
def new_challenge(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
) -> Response:
    """The form that adds a challenge."""
    form = FormState.of({"priority": 2})
    return _challenge_form(request, session, user, engagement, pages, form)


@router.post("/engagements/{engagement_id}/challenges")
def create_challenge(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Add a challenge, as POST /api/v1/engagements/{id}/challenges does."""
    created, state = save_new(
        session,
        form,
        ChallengeCreate,
        CHALLENGE_FIELDS,
        lambda body: challenge_service.create(session, engagement.id, body),
    )
    if created is None:
        return _challenge_form(request, session, user, engagement, pages, state, status_code=422)
    anchor = f"challenge-{created.id}"
    return _to_diagnosis(request, pages, engagement.id, anchor, "Challenge added.")


@router.get("/engagements/{engagement_id}/challenges/{challenge_id}/edit")
def edit_challenge(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    challenge_id: PathId,
    pages: Templates,
) -> Response:
    """The form that changes a challenge (based on its current version)."""
    challenge = challenge_service.get(session, engagement.id, challenge_id)
    form = FormState.of(forms.snapshot(challenge, CHALLENGE_FIELDS), version=challenge.version)
    return _challenge_form(
        request, session, user, engagement, pages, form, challenge_id=challenge_id
    )


@router.post("/engagements/{engagement_id}/challenges/{challenge_id}/edit")
def update_challenge(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    challenge_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Change a challenge, unless it changed since the form was opened (then show what did)."""
    challenge = challenge_service.get(session, engagement.id, challenge_id)
    state, status_code = save_edit(
        session,
        form,
        challenge,
        ChallengeUpdate,
        CHALLENGE_FIELDS,
        lambda body: challenge_service.update(session, challenge, body),
    )
    if status_code:
        return _challenge_form(
            request, session, user, engagement, pages, state,
            challenge_id=challenge_id, status_code=status_code,
        )  # fmt: skip
    anchor = f"challenge-{challenge_id}"
    return _to_diagnosis(request, pages, engagement.id, anchor, "Challenge saved.")


@router.post("/engagements/{engagement_id}/challenges/{challenge_id}/delete")
def delete_challenge(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    challenge_id: PathId,
    pages: Templates,
) -> Response:
    """Delete a challenge no bottleneck points at (else the page says which do)."""
    challenge = challenge_service.get(session, engagement.id, challenge_id)
    try:
        challenge_service.delete(session, challenge)
    except AppError as exc:
        session.rollback()
        return _page(request, session, user, engagement, pages, problem=exc.detail,
                     status_code=exc.status_code)  # fmt: skip
    return _to_diagnosis(request, pages, engagement.id, "", "Challenge deleted.")


# -- bottlenecks -------------------------------------------------------------------------------


def _bottleneck_form(
    request: Request,
    session: Session,
    user: User,
    engagement: Engagement,
    pages: Pages,
    form: FormState,
    *,
    bottleneck_id: int | None = None,
    status_code: int = 200,
) -> Response:
    base = f"/engagements/{engagement.id}/bottlenecks"
    challenges, _ = challenge_service.list_challenges(session, engagement.id, limit=ALL, offset=0)
    context = {
        **workspace(session, user, engagement),
        "form": form,
        "editing": bottleneck_id is not None,
        "action": f"{base}/{bottleneck_id}/edit" if bottleneck_id else base,
        "challenge_options": [(str(c.id), c.title) for c in challenges],
        "conditions": forms.options(FrameworkCondition),
        "severities": [(str(s), f"{w} ({s} of 5)") for s, w in SEVERITY_WORDS.items()],
        "statuses": forms.options(BottleneckStatus),
    }
    return pages.render(request, "diagnosis/bottleneck_form.html", context, status_code=status_code)


@router.get("/engagements/{engagement_id}/bottlenecks/new")
def new_bottleneck(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    challenge_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The form that adds a bottleneck (under a challenge, when one is named)."""
    defaults = {"challenge_id": challenge_id, "severity": 3, "status": BottleneckStatus.HYPOTHESIS}
    return _bottleneck_form(request, session, user, engagement, pages, FormState.of(defaults))


@router.post("/engagements/{engagement_id}/bottlenecks")
def create_bottleneck(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Add a bottleneck, as POST /api/v1/engagements/{id}/bottlenecks does."""
    created, state = save_new(
        session,
        form,
        BottleneckCreate,
        BOTTLENECK_FIELDS,
        lambda body: bottleneck_service.create(session, engagement.id, body),
    )
    if created is None:
        return _bottleneck_form(request, session, user, engagement, pages, state, status_code=422)
    anchor = f"bottleneck-{created.id}"
    return _to_diagnosis(request, pages, engagement.id, anchor, "Bottleneck added.")


@router.get("/engagements/{engagement_id}/bottlenecks/{bottleneck_id}/edit")
def edit_bottleneck(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    bottleneck_id: PathId,
    pages: Templates,
) -> Response:
    """The form that changes a bottleneck (based on its current version)."""
    bottleneck = bottleneck_service.get(session, engagement.id, bottleneck_id)
    form = FormState.of(forms.snapshot(bottleneck, BOTTLENECK_FIELDS), version=bottleneck.version)
    return _bottleneck_form(
        request, session, user, engagement, pages, form, bottleneck_id=bottleneck_id
    )


@router.post("/engagements/{engagement_id}/bottlenecks/{bottleneck_id}/edit")
def update_bottleneck(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    bottleneck_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Change a bottleneck, unless it changed since the form was opened (then show what did)."""
    bottleneck = bottleneck_service.get(session, engagement.id, bottleneck_id)
    state, status_code = save_edit(
        session,
        form,
        bottleneck,
        BottleneckUpdate,
        BOTTLENECK_FIELDS,
        lambda body: bottleneck_service.update(session, bottleneck, body),
    )
    if status_code:
        return _bottleneck_form(
            request, session, user, engagement, pages, state,
            bottleneck_id=bottleneck_id, status_code=status_code,
        )  # fmt: skip
    anchor = f"bottleneck-{bottleneck_id}"
    return _to_diagnosis(request, pages, engagement.id, anchor, "Bottleneck saved.")


@router.post("/engagements/{engagement_id}/bottlenecks/{bottleneck_id}/delete")
def delete_bottleneck(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    bottleneck_id: PathId,
    pages: Templates,
) -> Response:
    """Delete a bottleneck no recommendation addresses (else the page says which do)."""
    bottleneck = bottleneck_service.get(session, engagement.id, bottleneck_id)
    try:
        bottleneck_service.delete(session, bottleneck)
    except AppError as exc:
        session.rollback()
        return _page(request, session, user, engagement, pages, problem=exc.detail,
                     status_code=exc.status_code)  # fmt: skip
    return _to_diagnosis(request, pages, engagement.id, "", "Bottleneck deleted.")
