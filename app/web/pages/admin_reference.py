"""/admin/regions and /admin/partnerships: reference data, listed, created and edited by
admins with the services and schemas of app/api/regions.py and app/api/partnerships.py (so the
same rules, and the same audit entries). A partnership's sectors are typed one per line and its
countries as codes separated by commas or spaces, read into the schema's lists."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.api.deps import PathId
from app.db import DbSession
from app.models import Partnership
from app.schemas.common import MAX_PAGE
from app.schemas.reference import (
    PartnershipCreate,
    PartnershipUpdate,
    RegionCreate,
    RegionUpdate,
)
from app.services import partnerships as partnership_service
from app.services import regions as region_service
from app.vocab import PartnershipKind
from app.web import editing, forms
from app.web.deps import AdminPage, Templates
from app.web.forms import Form, FormState, options

router = APIRouter(include_in_schema=False)

REGION_FIELDS = ("nuts_code", "name", "country_code", "nuts_level", "notes")
PARTNERSHIP_FIELDS = (
    "acronym",
    "name",
    "kind",
    "sectors",
    "coordinator",
    "countries",
    "website",
    "notes",
)
UPPER = ("nuts_code", "country_code")


def _upper(form: FormData, names: tuple[str, ...]) -> FormData:
    """Codes as the schemas spell them (capitals), whatever case they were typed in."""
    return FormData(
        [(k, v.upper() if k in names and isinstance(v, str) else v) for k, v in form.multi_items()]
    )


# Regions


def _region_form(
    request: Request, pages: Templates, form: FormState, status_code: int, region: Any = None
) -> Response:
    return pages.render(
        request,
        "admin/region_form.html",
        {"nav": "admin", "region": region, "form": form},
        status_code=status_code,
    )


@router.get("/admin/regions")
def region_list(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates
) -> Response:
    """Every region, by NUTS code (the first 200)."""
    items, total = region_service.list_regions(
        session, q=None, country_code=None, limit=MAX_PAGE, offset=0
    )
    return pages.render(
        request, "admin/regions.html", {"nav": "admin", "items": items, "total": total}
    )


@router.get("/admin/regions/new")
def new_region_form(request: Request, _admin: AdminPage, pages: Templates) -> Response:
    """The form that adds a region."""
    return _region_form(request, pages, FormState.of({"nuts_level": 2}), 200)


@router.post("/admin/regions/new")
def create_region(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates, form: Form
) -> Response:
    """Add a region, as POST /api/v1/regions does."""
    return editing.create(
        session,
        _upper(form, UPPER),
        RegionCreate,
        lambda body: region_service.create(session, body),
        show=lambda state, code: _region_form(request, pages, state, code),
        done=lambda region: pages.redirect(
            request, "/admin/regions", flash=f"Region {region.nuts_code} added."
        ),
    )


@router.get("/admin/regions/{region_id}")
def edit_region_form(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates, region_id: PathId
) -> Response:
    """A region's edit form, based on its current version."""
    region = region_service.get(session, region_id)
    form = FormState.of(forms.snapshot(region, REGION_FIELDS), version=region.version)
    return _region_form(request, pages, form, 200, region)


@router.post("/admin/regions/{region_id}")
def update_region(
    request: Request,
    session: DbSession,
    _admin: AdminPage,
    pages: Templates,
    form: Form,
    region_id: PathId,
) -> Response:
    """Change a region, as PATCH /api/v1/regions/{id} does (stale: 409 with the changes)."""
    region = region_service.get(session, region_id)
    return editing.edit(
        session,
        _upper(form, UPPER),
        region,
        RegionUpdate,
        REGION_FIELDS,
        lambda body: region_service.update(session, region, body),
        show=lambda state, code: _region_form(request, pages, state, code, region),
        done=lambda: pages.redirect(
            request, "/admin/regions", flash=f"Region {region.nuts_code} saved."
        ),
    )


# Partnerships


def _split(text: str, *, lines: bool) -> list[str]:
    parts = text.splitlines() if lines else text.replace(",", " ").split()
    return [p.strip() for p in parts if p.strip()]


def _read(form: FormData, schema: type[BaseModel], update: bool) -> tuple[Any, FormState]:
    """The form as `schema`: sectors one per line, countries separated by commas or spaces
    (kept as typed for the form shown again)."""
    texts = {name: form.get(name) for name in ("sectors", "countries")}
    items = [(k, v) for k, v in form.multi_items() if k not in texts]
    for name, text in texts.items():
        value = text if isinstance(text, str) else ""
        if name == "countries":
            value = value.upper()
        items += [(name, part) for part in _split(value, lines=name == "sectors")]
    body, state = forms.parse(schema, FormData(items), fields=PARTNERSHIP_FIELDS, update=update)
    for name, text in texts.items():
        state.data[name] = [text if isinstance(text, str) else ""]
    return body, state


def _values(partnership: Partnership) -> dict[str, Any]:
    values = forms.snapshot(partnership, PARTNERSHIP_FIELDS)
    values["sectors"] = "\n".join(partnership.sectors)
    values["countries"] = ", ".join(partnership.countries)
    return values


def _partnership_form(
    request: Request, pages: Templates, form: FormState, status_code: int, partnership: Any = None
) -> Response:
    return pages.render(
        request,
        "admin/partnership_form.html",
        {
            "nav": "admin",
            "partnership": partnership,
            "form": form,
            "kinds": options(PartnershipKind),
        },
        status_code=status_code,
    )


@router.get("/admin/partnerships")
def partnership_list(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates
) -> Response:
    """Every partnership, by acronym (the first 200)."""
    items, total = partnership_service.list_partnerships(
        session, kind=None, q=None, country=None, limit=MAX_PAGE, offset=0
    )
    return pages.render(
        request, "admin/partnerships.html", {"nav": "admin", "items": items, "total": total}
    )


@router.get("/admin/partnerships/new")
def new_partnership_form(request: Request, _admin: AdminPage, pages: Templates) -> Response:
    """The form that adds a partnership."""
    form = FormState.of({"kind": PartnershipKind.ESCP_4I})
    return _partnership_form(request, pages, form, 200)


@router.post("/admin/partnerships/new")
def create_partnership(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates, form: Form
) -> Response:
    """Add a partnership, as POST /api/v1/partnerships does."""
    body, state = _read(form, PartnershipCreate, update=False)
    created, status_code = editing.save(
        session, state, body, lambda b: partnership_service.create(session, b)
    )
    if created is None:
        return _partnership_form(request, pages, state, status_code)
    return pages.redirect(
        request, "/admin/partnerships", flash=f"Partnership {created.acronym} added."
    )


@router.get("/admin/partnerships/{partnership_id}")
def edit_partnership_form(
    request: Request,
    session: DbSession,
    _admin: AdminPage,
    pages: Templates,
    partnership_id: PathId,
) -> Response:
    """A partnership's edit form, based on its current version."""
    partnership = partnership_service.get(session, partnership_id)
    form = FormState.of(_values(partnership), version=partnership.version)
    return _partnership_form(request, pages, form, 200, partnership)


def _save_partnership(
    session: Session, form: FormData, partnership: Partnership
) -> tuple[FormState, int]:
    """Read, check for staleness and save: the form's state and 0, or the status to show it."""
    body, state = _read(form, PartnershipUpdate, update=True)
    current = _values(partnership)
    if forms.rebase(form, state, current, partnership.version):
        return state, 409
    _, status_code = editing.save(
        session, state, body, lambda b: partnership_service.update(session, partnership, b)
    )
    state.version, state.base = partnership.version, current
    return state, status_code


@router.post("/admin/partnerships/{partnership_id}")
def update_partnership(
    request: Request,
    session: DbSession,
    _admin: AdminPage,
    pages: Templates,
    form: Form,
    partnership_id: PathId,
) -> Response:
    """Change a partnership, as PATCH /api/v1/partnerships/{id} does (stale: 409)."""
    partnership = partnership_service.get(session, partnership_id)
    state, status_code = _save_partnership(session, form, partnership)
    if status_code:
        return _partnership_form(request, pages, state, status_code, partnership)
    return pages.redirect(
        request, "/admin/partnerships", flash=f"Partnership {partnership.acronym} saved."
    )
