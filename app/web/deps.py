"""What every page route declares: the signed-in user (or a redirect to the sign-in page),
the CSRF check, and the same load-or-404 / 403 rules as the API (app/api/deps.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from app import clock
from app.api.deps import PathId, accessible_engagement, ensure_role, recordable_engagement
from app.db import DbSession
from app.models import Engagement, User
from app.services import web_sessions
from app.services.access import Section
from app.services.errors import AppError
from app.vocab import Role
from app.web import cookies
from app.web.templating import Pages, pages_of

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as every template sees it (`user`)."""

    id: int
    email: str
    full_name: str
    role: Role
    region_id: int | None
    partnership_id: int | None


class SignInRequired(AppError):
    """No valid sign-in: the pages answer with a redirect to /login?next=… (app/web/errors)."""

    status_code = 401
    code = "sign_in_required"


class CsrfRejected(AppError):
    status_code = 403
    code = "csrf_rejected"


def next_target(request: Request) -> str:
    """Where to come back to after signing in: this page (GET), or its page (after a POST)."""
    path = request.url.path
    if request.method == "GET" and request.url.query:
        path += "?" + request.url.query
    return "/login?next=" + quote(path, safe="")


def page_user(request: Request, session: DbSession) -> User:
    """The signed-in, active user; read on every request, so that signing out elsewhere or
    being deactivated ends access at the next request."""
    settings = request.app.state.settings
    key = request.app.state.secret_key
    now = clock.now().timestamp()
    sign_in = cookies.read_session(
        key,
        request.cookies.get(cookies.SESSION_COOKIE),
        now=now,
        idle_s=settings.web_idle_minutes * 60,
    )
    user = web_sessions.user_of(session, sign_in.token) if sign_in else None
    if sign_in is None or user is None:
        raise SignInRequired("Please sign in", location=next_target(request))
    session.info["actor_id"] = user.id
    # Plain values: the layout shows them even after the request's session has ended (an
    # error page is rendered after the rollback).
    request.state.web_user = Viewer(
        user.id, user.email, user.full_name, user.role, user.region_id, user.partnership_id
    )
    request.state.csrf = cookies.csrf_token(key, sign_in.token)
    if now - sign_in.seen >= cookies.RENEW_AFTER_S:
        # Picked up by app/web/middleware.py, which sets the renewed cookie on the response.
        request.state.renew_session = cookies.session_value(
            key, cookies.SignIn(sign_in.token, int(now))
        )
    return user


PageUser = Annotated[User, Depends(page_user)]


async def csrf_protect(request: Request) -> None:
    """Every state-changing page request carries the CSRF token of its sign-in (or of the
    sign-in form), in the form or in the header htmx sends; otherwise 403 and nothing runs."""
    if request.method not in STATE_CHANGING:
        return
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfRejected("The request came from another site")
    sent = request.headers.get(cookies.CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(cookies.CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    key = request.app.state.secret_key
    sign_in = cookies.read_session(
        key,
        request.cookies.get(cookies.SESSION_COOKIE),
        now=clock.now().timestamp(),
        idle_s=request.app.state.settings.web_idle_minutes * 60,
    )
    basis = sign_in.token if sign_in else None
    if request.url.path == "/login":
        basis = request.cookies.get(cookies.LOGIN_COOKIE)
    if not cookies.csrf_valid(key, basis, sent):
        raise CsrfRejected(
            "The form has expired or did not come from this site; reload the page and try again"
        )


def role_page(*roles: Role) -> Callable[..., User]:
    """A dependency for pages of some roles only: 403 page for the others."""

    def dependency(user: PageUser) -> User:
        return ensure_role(user, *roles)

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the page matrix tests
    return dependency


StaffPage = Annotated[User, Depends(role_page(Role.CONSULTANT, Role.ADMIN))]
OverseerPage = Annotated[User, Depends(role_page(Role.MONITOR, Role.ADMIN))]
AdminPage = Annotated[User, Depends(role_page(Role.ADMIN))]
StakeholderPage = Annotated[User, Depends(role_page(Role.STAKEHOLDER))]


def page_engagement(section: Section, *, write: bool) -> Callable[..., Engagement]:
    """The engagement in the path, under the API's rules: 404 page, 403 page."""

    def dependency(session: DbSession, user: PageUser, engagement_id: PathId) -> Engagement:
        return accessible_engagement(session, user, engagement_id, section, write=write)

    # Read by the page matrix tests (tests/web/test_page_matrix.py).
    dependency.section = section  # type: ignore[attr-defined]
    dependency.write = write  # type: ignore[attr-defined]
    return dependency


def page_recorder(session: DbSession, user: PageUser, engagement_id: PathId) -> Engagement:
    """The engagement in the path for recording follow-up, under the API's rules."""
    return recordable_engagement(session, user, engagement_id)


page_recorder.section = Section.RECOMMENDATIONS  # type: ignore[attr-defined]
page_recorder.recorder = True  # type: ignore[attr-defined]


def _access(section: Section, write: bool) -> Any:
    return Annotated[Engagement, Depends(page_engagement(section, write=write))]


EngagementPage = _access(Section.ENGAGEMENT, False)
EngagementEdit = _access(Section.ENGAGEMENT, True)
InternalPage = _access(Section.INTERNAL, False)
MilestonesEdit = _access(Section.MILESTONES, True)
DiagnosisPage = _access(Section.DIAGNOSIS, False)
DiagnosisEdit = _access(Section.DIAGNOSIS, True)
RecommendationsPage = _access(Section.RECOMMENDATIONS, False)
RecommendationsEdit = _access(Section.RECOMMENDATIONS, True)
MissionsPage = _access(Section.MISSIONS, False)
MissionsEdit = _access(Section.MISSIONS, True)
ReportsPage = _access(Section.REPORTS, False)
ReportsEdit = _access(Section.REPORTS, True)
FollowUpRecord = Annotated[Engagement, Depends(page_recorder)]
Templates = Annotated[Pages, Depends(pages_of)]
