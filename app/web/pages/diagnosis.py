"""/engagements/{id}/diagnosis: the challenges, and the bottlenecks behind them grouped by
framework condition, each with the evidence that bears on it; create, edit and delete both."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

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
from app.services import diagnosis_suggestions
from app.services.errors import AppError
from app.vocab import BottleneckStatus, FrameworkCondition, label
from app.web import editing, forms
from app.web.deps import DiagnosisEdit, DiagnosisPage, PageUser, Templates
from app.web.forms import Form, FormState
from app.web.pages.diagnosis_common import (
    ALL,
    Kind,
    all_evidence,
    all_recommendation_codes,
    linked_evidence,
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
        "suggestions": diagnosis_suggestions.suggestions(session, engagement),
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


# -- challenges and bottlenecks: the same flows -------------------------------------------------


def _challenge_extra(session: Session, engagement: Engagement) -> dict[str, Any]:
    return {"priorities": [(str(p), f"{w} ({p})") for p, w in PRIORITY_WORDS.items()]}


def _bottleneck_extra(session: Session, engagement: Engagement) -> dict[str, Any]:
    challenges, _ = challenge_service.list_challenges(session, engagement.id, limit=ALL, offset=0)
    return {
        "challenge_options": [(str(c.id), c.title) for c in challenges],
        "conditions": forms.options(FrameworkCondition),
        "severities": [(str(s), f"{w} ({s} of 5)") for s, w in SEVERITY_WORDS.items()],
        "statuses": forms.options(BottleneckStatus),
    }


CHALLENGE = Kind(
    "challenge",
    "Challenge",
    challenge_service,
    ChallengeCreate,
    ChallengeUpdate,
    CHALLENGE_FIELDS,
    _challenge_extra,
)
BOTTLENECK = Kind(
    "bottleneck",
    "Bottleneck",
    bottleneck_service,
    BottleneckCreate,
    BottleneckUpdate,
    BOTTLENECK_FIELDS,
    _bottleneck_extra,
)


@dataclass(frozen=True)
class _Call:
    """One request to a diagnosis page: who, on which engagement, answered through which
    renderer."""

    request: Request
    session: Session
    user: User
    engagement: Engagement
    pages: Pages

    def form(
        self, kind: Kind, form: FormState, item_id: int | None = None, status_code: int = 200
    ) -> Response:
        base = f"/engagements/{self.engagement.id}/{kind.name}s"
        context = {
            **workspace(self.session, self.user, self.engagement),
            "form": form,
            "editing": item_id is not None,
            "action": f"{base}/{item_id}/edit" if item_id else base,
            **kind.extra(self.session, self.engagement),
        }
        template = f"diagnosis/{kind.name}_form.html"
        return self.pages.render(self.request, template, context, status_code=status_code)

    def to_diagnosis(self, anchor: str, flash: str) -> Response:
        url = f"/engagements/{self.engagement.id}/diagnosis" + (f"#{anchor}" if anchor else "")
        return self.pages.redirect(self.request, url, flash=flash)

    def refused(self, exc: AppError) -> Response:
        """The diagnosis page, saying why the service refused."""
        return _page(self.request, self.session, self.user, self.engagement, self.pages,
                     problem=exc.detail, status_code=exc.status_code)  # fmt: skip

    def edit_form(self, kind: Kind, item_id: int) -> Response:
        """The form that changes an item (based on its current version)."""
        item = kind.service.get(self.session, self.engagement.id, item_id)
        form = FormState.of(forms.snapshot(item, kind.fields), version=item.version)
        return self.form(kind, form, item_id)

    def create(self, kind: Kind, form: FormData) -> Response:
        """Add an item, as the API's POST does."""
        return editing.create(
            self.session,
            form,
            kind.create,
            lambda body: kind.service.create(self.session, self.engagement.id, body),
            show=lambda state, status_code: self.form(kind, state, status_code=status_code),
            done=lambda made: self.to_diagnosis(f"{kind.name}-{made.id}", f"{kind.noun} added."),
            beside=kind.fields,
        )

    def update(self, kind: Kind, item_id: int, form: FormData) -> Response:
        """Change an item, unless it changed since the form was opened (then show what did)."""
        item = kind.service.get(self.session, self.engagement.id, item_id)
        return editing.edit(
            self.session,
            form,
            item,
            kind.update,
            kind.fields,
            lambda body: kind.service.update(self.session, item, body),
            show=lambda state, status_code: self.form(kind, state, item_id, status_code),
            done=lambda: self.to_diagnosis(f"{kind.name}-{item_id}", f"{kind.noun} saved."),
            beside=kind.fields,
        )

    def delete(self, kind: Kind, item_id: int) -> Response:
        """Delete an item nothing points at (else the page says what does)."""
        item = kind.service.get(self.session, self.engagement.id, item_id)
        return editing.delete(
            self.session,
            lambda: kind.service.delete(self.session, item),
            refused=self.refused,
            done=lambda: self.to_diagnosis("", f"{kind.noun} deleted."),
        )


# -- challenges --------------------------------------------------------------------------------


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
    return _Call(request, session, user, engagement, pages).form(CHALLENGE, form)


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
    return _Call(request, session, user, engagement, pages).create(CHALLENGE, form)


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
    return _Call(request, session, user, engagement, pages).edit_form(CHALLENGE, challenge_id)


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
    return _Call(request, session, user, engagement, pages).update(CHALLENGE, challenge_id, form)


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
    return _Call(request, session, user, engagement, pages).delete(CHALLENGE, challenge_id)


# -- bottlenecks -------------------------------------------------------------------------------


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
    return _Call(request, session, user, engagement, pages).form(BOTTLENECK, FormState.of(defaults))


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
    return _Call(request, session, user, engagement, pages).create(BOTTLENECK, form)


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
    return _Call(request, session, user, engagement, pages).edit_form(BOTTLENECK, bottleneck_id)


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
    call = _Call(request, session, user, engagement, pages)
    return call.update(BOTTLENECK, bottleneck_id, form)


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
    return _Call(request, session, user, engagement, pages).delete(BOTTLENECK, bottleneck_id)
