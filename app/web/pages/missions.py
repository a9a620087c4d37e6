"""/engagements/{engagement_id}/missions: the mission log, "Log a mission", edit and delete.

The same services and schemas as app/api/missions.py. The organisations field is one text
box (one organisation per line, or separated by commas on one line), read into the schema's
list; the consultants to tick are the engagement's team (or, for a team without
consultants, everyone who may be named).
"""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, Mission
from app.schemas.common import MAX_PAGE
from app.schemas.mission import MissionCreate, MissionUpdate
from app.services import access, directory
from app.services import engagements as engagement_service
from app.services import missions as service
from app.services.errors import AppError, InvalidInput
from app.vocab import MissionKind, Role
from app.web import editing, forms
from app.web.deps import MissionsEdit, MissionsPage, PageUser, Templates
from app.web.forms import Form, FormState, options

router = APIRouter(include_in_schema=False)

FIELDS = (
    "kind",
    "title",
    "start_date",
    "end_date",
    "location",
    "consultant_ids",
    "participants_count",
    "participant_organisations",
    "summary",
    "outcomes",
    "follow_up",
)
ORGANISATIONS = "participant_organisations"
# The service's words for a refused field, as the form says them.
REFUSALS = {"end_date": "The end date is before the start date"}


def _base(engagement_id: int) -> str:
    return f"/engagements/{engagement_id}/missions"


def split_organisations(text: str) -> list[str]:
    """One organisation per line; a single line may separate them with commas."""
    lines = [line.strip() for line in text.splitlines()]
    if len([line for line in lines if line]) == 1:
        lines = [part.strip() for part in lines[0].split(",")] if "," in text else lines
    return [line for line in lines if line]


def _read(form: FormData, schema: type[BaseModel], update: bool) -> tuple[Any, FormState]:
    """The form as `schema`, the organisations text split into the schema's list (and kept,
    as typed, for the form shown again)."""
    raw = form.get(ORGANISATIONS)
    text = raw if isinstance(raw, str) else ""
    items = [(k, v) for k, v in form.multi_items() if k != ORGANISATIONS]
    items += [(ORGANISATIONS, name) for name in split_organisations(text)]
    body, state = forms.parse(schema, FormData(items), fields=FIELDS, update=update)
    state.data[ORGANISATIONS] = [text]
    return body, state


def _values(mission: Mission) -> dict[str, Any]:
    """The mission's editable fields as the form shows them (and compares them when stale)."""
    values = forms.snapshot(mission, FIELDS)
    values[ORGANISATIONS] = "\n".join(mission.participant_organisations)
    return values


def _names(session: Session, engagement: Engagement) -> dict[int, str]:
    """Consultants' names by id: everyone who may be named, and the team."""
    names = {row.id: row.name for row in directory.consultants(session)}
    names |= {m.user_id: m.full_name for m in engagement_service.members(session, engagement)}
    return names


def _consultant_options(
    session: Session, engagement: Engagement, chosen: list[str]
) -> list[tuple[str, str]]:
    """The team's consultants, with whoever the mission already names; all of them when the
    team has no consultant."""
    team = [
        (str(m.user_id), m.full_name)
        for m in engagement_service.members(session, engagement)
        if m.role == Role.CONSULTANT
    ]
    if not team:
        return forms.choices(directory.consultants(session))
    names = _names(session, engagement)
    shown = {value for value, _ in team}
    extra = [(v, names.get(int(v), f"User {v}")) for v in chosen if v.isdigit() and v not in shown]
    return team + extra


def _refuse(session: Session, state: FormState, exc: AppError) -> None:
    """A service refused the change: its reason beside the field it names, else at the top."""
    fields = (exc.extra.get("fields") or []) if isinstance(exc, InvalidInput) else []
    loc = fields[0].get("loc") if fields else None
    name = str(loc[-1]) if loc else ""
    if name in FIELDS:
        session.rollback()
        state.add_error(name, REFUSALS.get(name, exc.detail))
    else:
        forms.refuse(session, state, exc)


def _readable(stale: list[tuple[str, Any, Any]], names: Mapping[int, str]) -> list[Any]:
    """What changed meanwhile, in words: consultants by name, organisations one after another."""

    def words(name: str, value: Any) -> Any:
        if name == "consultant_ids" and isinstance(value, list):
            return ", ".join(names.get(int(v), f"User {v}") for v in value if str(v).isdigit())
        if name == ORGANISATIONS and isinstance(value, str):
            return "; ".join(value.splitlines())
        return value

    return [(name, words(name, before), words(name, now)) for name, before, now in stale]


def _form_page(
    request: Request,
    session: Session,
    pages: Templates,
    engagement: Engagement,
    form: FormState,
    *,
    mission: Mission | None = None,
    status_code: int = 200,
) -> Response:
    return pages.render(
        request,
        "missions/form.html",
        {
            "nav": "engagements",
            "engagement": engagement_service.read(session, engagement.id),
            "mission": mission,
            "form": form,
            "kinds": options(MissionKind),
            "consultants": _consultant_options(session, engagement, form.values("consultant_ids")),
        },
        status_code=status_code,
    )


def _to_mission(
    request: Request, pages: Templates, mission: Mission | None, flash: str
) -> Response:
    """Back to the mission log, at the mission saved."""
    assert mission is not None
    return pages.redirect(
        request, f"{_base(mission.engagement_id)}#mission-{mission.id}", flash=flash
    )


@router.get("/engagements/{engagement_id}/missions")
def mission_list(
    request: Request, session: DbSession, user: PageUser, engagement: MissionsPage, pages: Templates
) -> Response:
    """The engagement's missions, newest first."""
    missions, total = service.list_missions(
        session, engagement.id, kind=None, limit=MAX_PAGE, offset=0
    )
    return pages.render(
        request,
        "missions/list.html",
        {
            "nav": "engagements",
            "engagement": engagement_service.read(session, engagement.id),
            "missions": missions,
            "total": total,
            "names": _names(session, engagement),
            "can_write": access.can_write(session, user, engagement),
        },
    )


@router.get("/engagements/{engagement_id}/missions/new")
def new_mission_form(
    request: Request, session: DbSession, engagement: MissionsEdit, pages: Templates
) -> Response:
    """ "Log a mission": the form."""
    form = FormState.of({"kind": MissionKind.SITE_VISIT, "participants_count": 0})
    return _form_page(request, session, pages, engagement, form)


@router.post("/engagements/{engagement_id}/missions/new")
def log_mission(
    request: Request, session: DbSession, engagement: MissionsEdit, pages: Templates, form: Form
) -> Response:
    """Log a mission, as POST /api/v1/engagements/{id}/missions does."""
    body, state = _read(form, MissionCreate, update=False)
    mission, _ = editing.save(
        session, state, body, lambda b: service.create(session, engagement, b), refusal=_refuse
    )
    if mission is not None:
        return _to_mission(request, pages, mission, "Mission logged.")
    return _form_page(request, session, pages, engagement, state, status_code=422)


@router.get("/engagements/{engagement_id}/missions/{mission_id}/edit")
def edit_mission_form(
    request: Request,
    session: DbSession,
    engagement: MissionsEdit,
    pages: Templates,
    mission_id: PathId,
) -> Response:
    """The mission's edit form, based on its current version."""
    mission = service.get(session, engagement.id, mission_id)
    form = FormState.of(_values(mission), version=mission.version)
    return _form_page(request, session, pages, engagement, form, mission=mission)


@router.post("/engagements/{engagement_id}/missions/{mission_id}/edit")
def update_mission(
    request: Request,
    session: DbSession,
    engagement: MissionsEdit,
    pages: Templates,
    form: Form,
    mission_id: PathId,
) -> Response:
    """Change a mission, unless it changed since the form was opened (then: what changed)."""
    mission = service.get(session, engagement.id, mission_id)
    body, state = _read(form, MissionUpdate, update=True)
    current = _values(mission)
    stale = forms.rebase(form, state, current, mission.version)
    if stale:
        state.stale = _readable(stale, _names(session, engagement))
        return _form_page(
            request, session, pages, engagement, state, mission=mission, status_code=409
        )
    saved, _ = editing.save(
        session, state, body, lambda b: service.update(session, mission, b), refusal=_refuse
    )
    if saved is not None:
        return _to_mission(request, pages, saved, "Mission saved.")
    state.version, state.base = mission.version, current
    return _form_page(request, session, pages, engagement, state, mission=mission, status_code=422)


@router.post("/engagements/{engagement_id}/missions/{mission_id}/delete")
def delete_mission(
    request: Request,
    session: DbSession,
    engagement: MissionsEdit,
    pages: Templates,
    mission_id: PathId,
) -> Response:
    """Delete a mission from the log."""
    mission = service.get(session, engagement.id, mission_id)
    title = mission.title
    service.delete(session, mission)
    return pages.redirect(request, _base(engagement.id), flash=f"Mission “{title}” deleted.")
