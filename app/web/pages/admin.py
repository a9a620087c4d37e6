"""/admin: administration for admins (others get the 403 page). Users here; regions and
partnerships in app/web/pages/admin_reference.py, whose routes this router includes.

The same services and schemas as app/api/users.py (UserCreate, UserUpdate), so the rules are
the API's and every change is audited as through the API (the session hook records the signed-in
admin as the actor). The API lets an admin deactivate themselves or give up the admin role; the
pages keep that rule but never do it silently: the form says what will happen and the browser
asks before deactivating the signed-in admin."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.api.deps import PathId
from app.db import DbSession
from app.models import User
from app.schemas.user import UserCreate, UserUpdate
from app.services import directory
from app.services import users as service
from app.vocab import Role
from app.web import editing, forms
from app.web.deps import AdminPage, Templates
from app.web.forms import Form, FormState, choices, options
from app.web.pages import admin_reference

router = APIRouter(include_in_schema=False)
router.include_router(admin_reference.router)

PAGE_SIZE = 50
FIELDS = ("full_name", "role", "region_id", "partnership_id")
BINDING_HINT = "Stakeholders only: exactly one region or one partnership"


def client_names(session: Session) -> dict[str, dict[int, str]]:
    """Regions' and partnerships' names by id, for the bindings in the list."""
    return {
        "regions": {c.id: c.name for c in directory.regions(session)},
        "partnerships": {c.id: c.name for c in directory.partnerships(session)},
    }


@router.get("/admin/users")
def user_list(
    request: Request,
    session: DbSession,
    _admin: AdminPage,
    pages: Templates,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every user, by email; filtered by role or text, as GET /api/v1/users."""
    q = request.query_params.get("q", "").strip()[:200]
    role_text = request.query_params.get("role", "")
    try:
        role = Role(role_text) if role_text else None
    except ValueError:
        role, role_text = None, ""
    items, total = service.list_users(
        session, role=role, q=q or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    kept = {k: v for k, v in {"q": q, "role": role_text}.items() if v}
    return pages.render(
        request,
        "admin/users.html",
        {
            "nav": "admin",
            "items": items,
            "total": total,
            "page": page,
            "last_page": max(1, -(-total // PAGE_SIZE)),
            "params": {"q": q, "role": role_text},
            "roles": options(Role),
            "clients": client_names(session),
            "page_url": lambda n: "/admin/users?" + urlencode({**kept, "page": n}),
        },
    )


def _user_form(
    request: Request,
    session: Session,
    pages: Templates,
    form: FormState,
    status_code: int,
    *,
    account: User | None = None,
    me: User | None = None,
    password_form: FormState | None = None,
) -> Response:
    return pages.render(
        request,
        "admin/user_form.html",
        {
            "nav": "admin",
            "account": account,
            "is_me": account is not None and me is not None and account.id == me.id,
            "form": form,
            "password_form": password_form or FormState(),
            "roles": options(Role),
            "regions_options": choices(directory.regions(session)),
            "partnerships_options": choices(directory.partnerships(session)),
            "binding_hint": BINDING_HINT,
        },
        status_code=status_code,
    )


@router.get("/admin/users/new")
def new_user_form(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates
) -> Response:
    """The form that creates a user."""
    form = FormState.of({"role": Role.STAKEHOLDER})
    return _user_form(request, session, pages, form, 200)


@router.post("/admin/users/new")
def create_user(
    request: Request, session: DbSession, _admin: AdminPage, pages: Templates, form: Form
) -> Response:
    """Create a user, as POST /api/v1/users does."""
    return editing.create(
        session,
        form,
        UserCreate,
        lambda body: service.create(session, body),
        beside=(*FIELDS, "email", "password"),
        show=lambda state, code: _user_form(request, session, pages, _blank_password(state), code),
        done=lambda user: pages.redirect(
            request, f"/admin/users/{user.id}", flash=f"User {user.email} created."
        ),
    )


def _blank_password(state: FormState) -> FormState:
    """A form shown again never sends the password back to the browser."""
    state.data.pop("password", None)
    return state


@router.get("/admin/users/{user_id}")
def edit_user_form(
    request: Request, session: DbSession, admin: AdminPage, pages: Templates, user_id: PathId
) -> Response:
    """A user: role and binding (versioned), status, password."""
    account = service.get(session, user_id)
    form = FormState.of(forms.snapshot(account, FIELDS), version=account.version)
    return _user_form(request, session, pages, form, 200, account=account, me=admin)


@router.post("/admin/users/{user_id}")
def update_user(
    request: Request,
    session: DbSession,
    admin: AdminPage,
    pages: Templates,
    form: Form,
    user_id: PathId,
) -> Response:
    """Change a user's name, role or binding, as PATCH /api/v1/users/{id} does; a form based
    on an older version that changed since is shown again with the changes (409)."""
    account = service.get(session, user_id)
    return editing.edit(
        session,
        form,
        account,
        UserUpdate,
        FIELDS,
        lambda body: service.update(session, account, body),
        beside=FIELDS,
        show=lambda state, code: _user_form(
            request, session, pages, state, code, account=account, me=admin
        ),
        done=lambda: pages.redirect(
            request, f"/admin/users/{account.id}", flash=f"User {account.email} saved."
        ),
    )


@router.post("/admin/users/{user_id}/status")
def set_user_status(
    request: Request,
    session: DbSession,
    admin: AdminPage,
    pages: Templates,
    form: Form,
    user_id: PathId,
) -> Response:
    """Deactivate (their sign-ins end at their next request) or reactivate a user."""
    account = service.get(session, user_id)
    wanted = form.get("is_active")
    if wanted not in ("true", "false"):
        state = FormState.of(forms.snapshot(account, FIELDS), version=account.version)
        state.add_error(forms.FORM_ERROR, "Choose whether to deactivate or reactivate the user")
        return _user_form(request, session, pages, state, 422, account=account, me=admin)
    service.update(session, account, UserUpdate(is_active=wanted == "true"))
    done = "reactivated" if wanted == "true" else "deactivated"
    return pages.redirect(
        request, f"/admin/users/{account.id}", flash=f"User {account.email} {done}."
    )


@router.post("/admin/users/{user_id}/password")
def reset_password(
    request: Request,
    session: DbSession,
    admin: AdminPage,
    pages: Templates,
    form: Form,
    user_id: PathId,
) -> Response:
    """Set a new password for a user (as PATCH /api/v1/users/{id} with `password`)."""
    account = service.get(session, user_id)
    sent = form.get("password")
    state = FormState()
    body: Any = None
    try:
        body = UserUpdate.model_validate({"password": sent if isinstance(sent, str) else ""})
    except ValidationError:
        state.add_error("password", "The new password must have 12 to 256 characters")
    if body is None:
        edit_state = FormState.of(forms.snapshot(account, FIELDS), version=account.version)
        return _user_form(
            request, session, pages, edit_state, 422, account=account, me=admin, password_form=state
        )
    service.update(session, account, body)
    return pages.redirect(
        request, f"/admin/users/{account.id}", flash=f"New password set for {account.email}."
    )
