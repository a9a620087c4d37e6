"""/engagements: the consultants' list of engagements, and opening a new one."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app import clock
from app.db import DbSession
from app.models import User
from app.schemas.engagement import EngagementCreate, EngagementListQuery
from app.services import access, directory, portfolio
from app.services import engagements as service
from app.vocab import EngagementKind, Objective, Phase, Theme
from app.web import editing, forms
from app.web.deps import StaffPage, Templates
from app.web.forms import Form, FormState, choices, options

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
SORTS = {
    "reference": "Reference",
    "-created_at": "Newest first",
    "title": "Title",
    "planned_start": "Planned start",
    "-planned_start": "Planned start, latest first",
}
FILTERS = ("scope", "phase", "kind", "client", "theme", "consultant", "q", "sort")


def _query(user: User, params: dict[str, str], page: int) -> tuple[EngagementListQuery, str]:
    """The API's list query for the page's filters (and a message when one is not valid)."""
    values: dict[str, Any] = {
        k: params[k] for k in ("phase", "kind", "theme", "q", "sort") if params.get(k)
    }
    client = params.get("client", "")
    if client.startswith(("region:", "partnership:")):
        kind, _, client_id = client.partition(":")
        values[f"{kind}_id"] = client_id
    if params.get("consultant"):
        values["consultant_id"] = params["consultant"]
    elif params.get("scope", "mine") == "mine":
        values["consultant_id"] = user.id
    values.update(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    try:
        return EngagementListQuery.model_validate(values), ""
    except ValidationError as exc:
        names = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        message = f"Some filters were not valid and were ignored: {', '.join(names)}"
        return EngagementListQuery(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE), message


@router.get("/engagements")
def engagement_list(
    request: Request,
    session: DbSession,
    user: StaffPage,
    pages: Templates,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The engagements: mine by default, or all, filtered, sorted and paged."""
    params = {k: request.query_params.get(k, "") for k in FILTERS}
    if not params["scope"]:
        params["scope"] = "mine" if user.role == "consultant" else "all"
    query, problem = _query(user, params, page)
    items, total = service.list_items(
        session,
        query,
        scope=access.visibility_scope(user),
        limit=query.limit,
        offset=query.offset,
    )
    risks = portfolio.risks_by_engagement(
        session, [item["id"] for item in items], today=clock.today()
    )
    kept = {k: v for k, v in params.items() if v}
    last_page = max(1, -(-total // PAGE_SIZE))
    return pages.render(
        request,
        "engagements/list.html",
        {
            "nav": "engagements",
            "items": items,
            "risks": risks,
            "total": total,
            "page": page,
            "last_page": last_page,
            "params": params,
            "problem": problem,
            "page_url": lambda n: "/engagements?" + urlencode({**kept, "page": n}),
            "phases": options(Phase),
            "kinds": options(EngagementKind),
            "themes": options(Theme),
            "sorts": list(SORTS.items()),
            "regions": directory.regions(session),
            "partnerships": directory.partnerships(session),
            "consultants": directory.consultants(session),
        },
    )


def _new_form(
    request: Request, session: DbSession, pages: Templates, form: FormState, status_code: int
) -> Response:
    return pages.render(
        request,
        "engagements/new.html",
        {
            "nav": "engagements",
            "form": form,
            "kinds": options(EngagementKind),
            "themes": options(Theme),
            "objectives": options(Objective),
            "regions_options": choices(directory.regions(session)),
            "partnerships_options": choices(directory.partnerships(session)),
            "consultants_options": choices(directory.consultants(session)),
        },
        status_code=status_code,
    )


@router.get("/engagements/new")
def new_engagement_form(
    request: Request, session: DbSession, user: StaffPage, pages: Templates
) -> Response:
    """The form that opens an engagement."""
    form = FormState.of({"kind": EngagementKind.REGIONAL_ADVICE, "lead_consultant_id": user.id})
    return _new_form(request, session, pages, form, 200)


@router.post("/engagements/new")
def create_engagement(
    request: Request, session: DbSession, user: StaffPage, pages: Templates, form: Form
) -> Response:
    """Open an engagement (in scoping), as POST /api/v1/engagements does."""
    body, state = forms.parse(EngagementCreate, form)
    engagement, _ = editing.save(
        session, state, body, lambda b: service.create(session, b, creator=user)
    )
    if engagement is not None:
        return pages.redirect(
            request,
            f"/engagements/{engagement.id}",
            flash=f"Engagement {engagement.reference} opened.",
        )
    return _new_form(request, session, pages, state, 422)
