"""/engagements/{engagement_id}: the overview of an engagement (its facts, the phase stepper with
the readiness check and the transitions, the team, the milestones and recent activity), and the
page that edits its facts. Every change goes through the service its API route calls."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app import clock
from app.api.deps import PathId
from app.db import DbSession
from app.models import AuditEntry, Engagement, User
from app.schemas.common import Problem
from app.schemas.engagement import EngagementRead, EngagementUpdate, TeamUpdate
from app.schemas.milestone import MilestoneCreate, MilestoneRead, MilestoneUpdate
from app.schemas.workflow import TransitionCreate
from app.services import access, audit, directory, workflow
from app.services import engagements as service
from app.services import milestones as milestone_service
from app.services.errors import AppError, InvalidInput, TransitionBlocked
from app.vocab import OPEN_PHASES, Objective, Phase, Theme
from app.web import editing, forms
from app.web.deps import EngagementEdit, InternalPage, MilestonesEdit, PageUser, Templates
from app.web.forms import Form, FormState, choices, options
from app.web.pages import overview_view as view
from app.web.templating import label

router = APIRouter(include_in_schema=False)

EDIT_FIELDS = (
    "reference",
    "title",
    "summary",
    "themes",
    "objectives",
    "planned_start",
    "planned_end",
    "lead_consultant_id",
)
TEAM_FIELDS = ("user_ids",)
RECENT = 10
MILESTONES_SHOWN = 200


@dataclass
class Outcome:
    """What the overview shows after a refused change: the status, a message, the problems
    that blocked a move, and the forms as submitted (errors beside their fields)."""

    status_code: int = 200
    notice: str = ""
    blocked_to: Phase | None = None
    blocked: list[Problem] = field(default_factory=list)
    transition: FormState = field(default_factory=FormState)
    team: FormState | None = None
    milestone: FormState = field(default_factory=FormState)
    failed: FormState = field(default_factory=FormState)


def _left_from(session: Session, engagement: Engagement) -> Phase | None:
    """The phase an engagement on hold or cancelled left (for the stepper)."""
    if engagement.phase == Phase.ON_HOLD:
        return engagement.phase_before_hold
    if engagement.phase != Phase.CANCELLED:
        return None
    _, total = workflow.history(session, engagement, limit=1, offset=0)
    changes, _ = workflow.history(session, engagement, limit=1, offset=max(total - 1, 0))
    return changes[0].from_phase if changes else None


def _readiness(session: Session, engagement: Engagement) -> dict[str, Any]:
    """The readiness check for the next forward phase (GET .../readiness?to=), linked."""
    target = view.forward_target(engagement)
    if target is None:
        return {"target": None, "ready": False, "problems": [], "blocking": 0}
    check = workflow.readiness(session, engagement, target)
    problems = [(p, view.problem_link(engagement.id, p)) for p in check.problems]
    blocking = sum(p.severity == "blocking" for p in check.problems)
    return {"target": target, "ready": check.ready, "problems": problems, "blocking": blocking}


def _team_form(read: EngagementRead) -> FormState:
    return FormState.of({"user_ids": read.member_ids}, version=read.version)


def _recent(
    session: Session, engagement: Engagement, lead: int | None
) -> tuple[Sequence[AuditEntry], dict[int, str]]:
    """The last entries of the audit trail (the query of GET /audit?engagement_id=), and the
    names of the people they and the lead name."""
    entries = audit.latest_entries(session, engagement_id=engagement.id, limit=RECENT)
    people = view.people_in(view.recorded_fields(entries)) | ({lead} if lead else set())
    return entries, directory.user_names(session, people)


def _render(
    request: Request,
    session: Session,
    pages: Templates,
    user: User,
    engagement: Engagement,
    outcome: Outcome | None = None,
) -> Response:
    """The overview, as it stands now (after a refused change: with what refused it)."""
    outcome = outcome or Outcome()
    read = service.read(session, engagement.id)
    can_write = access.can_write(session, user, engagement)
    members = service.members(session, engagement)
    milestones = milestone_service.first_milestones(session, engagement, limit=MILESTONES_SHOWN)
    lead = read.lead_consultant_id
    entries, names = _recent(session, engagement, lead)
    blocked = [(p, view.problem_link(engagement.id, p)) for p in outcome.blocked]
    context = {
        "nav": "engagements",
        "engagement": read,
        "can_write": can_write,
        "lead_name": names.get(lead, "") if lead else "",
        "stepper": view.stepper(engagement, _left_from(session, engagement)),
        "readiness": _readiness(session, engagement),
        "moves": view.moves(engagement) if can_write else [],
        "members": members,
        "milestones": [MilestoneRead.model_validate(m) for m in milestones],
        "activity": view.activity(entries, names),
        "outcome": outcome,
        "blocked": blocked,
        "team_form": outcome.team or _team_form(read),
        "team_options": _team_options(session, read) if can_write else [],
        "chased": engagement.phase in OPEN_PHASES,
    }
    return pages.render(request, "overview/show.html", context, status_code=outcome.status_code)


def _team_options(session: Session, read: EngagementRead) -> list[tuple[str, str]]:
    """Who may be ticked: the consultants, not the lead (who stays on the team)."""
    return [
        c for c in choices(directory.consultants(session)) if c[0] != str(read.lead_consultant_id)
    ]


@router.get("/engagements/{engagement_id}")
def overview(
    request: Request, session: DbSession, user: PageUser, engagement: InternalPage, pages: Templates
) -> Response:
    """The overview of an engagement (staff only, as its readiness and team are)."""
    return _render(request, session, pages, user, engagement)


# --- Facts ------------------------------------------------------------------------------------


def _edit_form(
    request: Request,
    session: Session,
    pages: Templates,
    read: EngagementRead,
    form: FormState,
    status_code: int = 200,
) -> Response:
    lead_options = choices(directory.consultants(session))
    lead = read.lead_consultant_id
    if lead is not None and str(lead) not in {value for value, _ in lead_options}:
        # A lead no longer active stays selectable, so that saving does not drop them unseen.
        lead_options.append((str(lead), directory.user_names(session, [lead]).get(lead, "")))
    context = {
        "nav": "engagements",
        "engagement": read,
        "form": form,
        "themes": options(Theme),
        "objectives": options(Objective),
        "lead_options": lead_options,
    }
    return pages.render(request, "overview/edit.html", context, status_code=status_code)


@router.get("/engagements/{engagement_id}/edit")
def edit_engagement_form(
    request: Request, session: DbSession, engagement: EngagementEdit, pages: Templates
) -> Response:
    """The form that changes an engagement's facts."""
    read = service.read(session, engagement.id)
    form = FormState.of(forms.snapshot(read, EDIT_FIELDS), version=read.version)
    return _edit_form(request, session, pages, read, form)


def _mark_stale(session: Session, state: FormState, stale: list[tuple[str, Any, Any]]) -> None:
    """What changed since the form was opened, in words (forms.rebase has already based the
    form on the stored version)."""
    names = directory.user_names(
        session, view.people_in((n, v) for n, *pair in stale for v in pair)
    )
    state.stale = list(view.humane_stale(stale, names))


@router.post("/engagements/{engagement_id}/edit")
def update_engagement(
    request: Request, session: DbSession, engagement: EngagementEdit, pages: Templates, form: Form
) -> Response:
    """Change an engagement's facts, as PATCH /api/v1/engagements/{id} does, unless it changed
    since the form was opened (409: what changed is shown, and saving again applies)."""
    read = service.read(session, engagement.id)
    current = forms.snapshot(read, EDIT_FIELDS)
    body, state = forms.parse(EngagementUpdate, form, fields=EDIT_FIELDS, update=True)
    stale = forms.rebase(form, state, current, read.version)
    if stale:
        _mark_stale(session, state, stale)
        return _edit_form(request, session, pages, read, state, 409)
    _, status_code = editing.save(
        session, state, body, lambda b: service.update(session, engagement, b)
    )
    if not status_code:
        return pages.redirect(request, f"/engagements/{engagement.id}", flash="Engagement saved.")
    return _edit_form(
        request, session, pages, service.read(session, engagement.id), state, status_code
    )


# --- Phase ------------------------------------------------------------------------------------


def _stale_version(form: FormData, version: int) -> bool:
    """Whether the form was based on another version than `version` (no version: not checked,
    as a write without If-Match is not)."""
    sent = form.get("version")
    return isinstance(sent, str) and sent != str(version)


STALE_MOVE = (
    "The engagement changed since you opened this page; nothing was changed. "
    "Check its phase and readiness below, then try again."
)


@router.post("/engagements/{engagement_id}/transitions")
def move(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: EngagementEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Move the engagement to another phase, as POST .../transitions does."""
    body, state = forms.parse(TransitionCreate, form)
    if body is None:
        return _render(
            request, session, pages, user, engagement, Outcome(422, transition=state, failed=state)
        )
    if _stale_version(form, engagement.version):
        return _render(request, session, pages, user, engagement, Outcome(409, notice=STALE_MOVE))
    try:
        workflow.transition(session, engagement, to=body.to, note=body.note, actor_id=user.id)
    except TransitionBlocked as exc:
        session.rollback()
        problems = [Problem.model_validate(p) for p in exc.extra["problems"]]
        outcome = Outcome(409, blocked_to=body.to, blocked=problems)
        return _render(request, session, pages, user, engagement, outcome)
    except AppError as exc:
        if isinstance(exc, InvalidInput):  # the one input a move can lack: a step back's note
            session.rollback()
            state.add_error("note", f"Say why you go back to {label(body.to)}: a note is required")
        else:
            forms.refuse(session, state, exc)
        return _render(
            request,
            session,
            pages,
            user,
            engagement,
            Outcome(exc.status_code, transition=state, failed=state),
        )
    return pages.redirect(
        request,
        f"/engagements/{engagement.id}",
        flash=f"The engagement is now in {label(body.to)}.",
    )


# --- Team -------------------------------------------------------------------------------------


@router.post("/engagements/{engagement_id}/team")
def replace_team(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: EngagementEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Make the ticked consultants the team, as PUT .../members does."""
    read = service.read(session, engagement.id)
    current = {"user_ids": forms.plain(read.member_ids)}
    body, state = forms.parse(TeamUpdate, form, fields=TEAM_FIELDS)
    stale = forms.rebase(form, state, current, read.version)
    if stale:
        _mark_stale(session, state, stale)
        return _render(request, session, pages, user, engagement, Outcome(409, team=state))
    _, status_code = editing.save(
        session, state, body, lambda b: service.replace_team(session, engagement, b.user_ids)
    )
    if not status_code:
        return pages.redirect(request, f"/engagements/{engagement.id}#team", flash="Team saved.")
    return _render(
        request, session, pages, user, engagement, Outcome(status_code, team=state, failed=state)
    )


# --- Milestones -------------------------------------------------------------------------------


@router.post("/engagements/{engagement_id}/milestones")
def add_milestone(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: MilestonesEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Add a milestone, as POST .../milestones does."""
    body, state = forms.parse(MilestoneCreate, form, fields=("title", "due_date"))
    milestone, _ = editing.save(
        session, state, body, lambda b: milestone_service.create(session, engagement, b)
    )
    if milestone is not None:
        return pages.redirect(
            request,
            f"/engagements/{engagement.id}#milestone-{milestone.id}",
            flash=f"Milestone “{milestone.title}” added.",
        )
    return _render(
        request, session, pages, user, engagement, Outcome(422, milestone=state, failed=state)
    )


STALE_MILESTONE = (
    "This milestone changed since you opened this page; nothing was changed. "
    "Check it below, then try again."
)


@router.post("/engagements/{engagement_id}/milestones/{milestone_id}/complete")
def complete_milestone(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: MilestonesEdit,
    milestone_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Mark a milestone completed today, as PATCH .../milestones/{id} does."""
    milestone = milestone_service.get(session, engagement, milestone_id)
    partial = bool(request.headers.get("hx-request"))
    if _stale_version(form, milestone.version):
        if partial:  # the whole page again, with the notice (htmx swaps no 409 in place)
            return Response(status_code=204, headers={"HX-Refresh": "true"})
        return _render(
            request, session, pages, user, engagement, Outcome(409, notice=STALE_MILESTONE)
        )
    milestone_service.update(session, milestone, MilestoneUpdate(completed_on=clock.today()))
    if partial:  # htmx takes the milestones section of the page and swaps it in place
        return _render(request, session, pages, user, engagement)
    return pages.redirect(
        request,
        f"/engagements/{engagement.id}#milestone-{milestone.id}",
        flash=f"Milestone “{milestone.title}” completed.",
    )
