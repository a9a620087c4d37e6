"""/engagements/{engagement_id}/reports: the version list, preview, render, download, publish.

Rendering, preview, download and publication are the API's own route functions
(app/api/reports.py), called with the page's caller and engagement: the same reservation of
version numbers, render pool, headers (ETag, Content-Disposition) and rules, in one place.
What the pages add: the forms, the confirmation naming the recommendations a publication
shares (as the publish service decides them), and a refused or failed render shown as a
message on the page.

The preview is the report's own HTML, served with the API's Content-Security-Policy (no
script at all, nothing fetched; only its inline stylesheet): the pages' policy, which allows
no inline style, would show it unstyled; app/web/middleware.py keeps a response's own policy.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import clock, vocab
from app.api import reports as api
from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, Recommendation, Report, User
from app.schemas.common import MAX_PAGE
from app.schemas.report import ReportCreate
from app.services import access, directory
from app.services import engagements as engagement_service
from app.services import reports as service
from app.services.errors import AppError
from app.vocab import ReportKind
from app.web import forms
from app.web.deps import InternalPage, PageUser, ReportsEdit, ReportsPage, Templates
from app.web.forms import Form, FormState, options

router = APIRouter(include_in_schema=False)

LANGUAGES = [("en", "English")]  # app/schemas/report.ReportLanguage


def _base(engagement_id: int) -> str:
    return f"/engagements/{engagement_id}/reports"


def _is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _versions(
    session: DbSession, user: User, engagement: Engagement
) -> tuple[dict[str, list[Report]], int]:
    """The versions `user` may see (a stakeholder: published ones), by kind; and their total."""
    reports, total = service.list_reports(
        session,
        engagement,
        kind=None,
        status=None,
        client_view=access.shared_only(user),
        limit=MAX_PAGE,
        offset=0,
    )
    by_kind: dict[str, list[Report]] = {kind.value: [] for kind in ReportKind}
    for report in reports:
        by_kind[report.kind].append(report)
    return by_kind, total


def _list_page(
    request: Request,
    session: DbSession,
    user: User,
    engagement: Engagement,
    pages: Templates,
    *,
    form: FormState | None = None,
    problem: AppError | None = None,
    status_code: int = 200,
) -> Response:
    """The version list, and for those who may write, the render form (with what went wrong,
    if anything)."""
    by_kind, total = _versions(session, user, engagement)
    context: dict[str, Any] = {
        "nav": "engagements",
        "engagement": engagement_service.read(session, engagement.id),
        "by_kind": by_kind,
        "total": total,
        "shown": sum(len(versions) for versions in by_kind.values()),
        "names": {row.id: row.name for row in directory.consultants(session)},
        "staff": not access.shared_only(user),
        "can_write": access.can_write(session, user, engagement),
        "form": form or FormState.of({"kind": ReportKind.POLICY_BRIEFING, "language": "en"}),
        "kinds": options(ReportKind),
        "languages": LANGUAGES,
        "problem": problem.detail if problem else "",
    }
    # htmx swaps only successful answers into the page: it gets the page with the message.
    status = 200 if _is_htmx(request) else status_code
    page = pages.render(request, "reports/list.html", context, status_code=status)
    if problem is not None:
        page.headers.update(problem.headers)  # Retry-After for a busy renderer
    return page


@router.get("/engagements/{engagement_id}/reports")
def report_list(
    request: Request, session: DbSession, user: PageUser, engagement: ReportsPage, pages: Templates
) -> Response:
    """Every version of each kind of report, newest first."""
    return _list_page(request, session, user, engagement, pages)


@router.post("/engagements/{engagement_id}/reports")
def render_draft(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: ReportsEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Render a new draft version (POST /api/v1/engagements/{id}/reports), then list it."""
    body, state = forms.parse(ReportCreate, form)
    if body is None:
        return _list_page(request, session, user, engagement, pages, form=state, status_code=422)
    try:
        report = api.create_report(request, session, engagement, user, body, Response())
    except AppError as exc:  # busy or failed renderer (503), a version taken meanwhile (409)
        session.rollback()
        return _list_page(
            request,
            session,
            user,
            engagement,
            pages,
            form=state,
            problem=exc,
            status_code=exc.status_code,
        )
    flash = f"{vocab.label(report.kind)} version {report.version_number} rendered as a draft."
    return pages.redirect(request, f"{_base(engagement.id)}#report-{report.id}", flash=flash)


@router.get("/engagements/{engagement_id}/reports/preview")
def preview_report(
    session: DbSession, user: PageUser, engagement: InternalPage, kind: ReportKind
) -> Response:
    """The next version of a report as HTML, as the API serves it (staff only)."""
    return api.preview_report(session, engagement, user, kind)


@router.get("/engagements/{engagement_id}/reports/{report_id}/pdf")
def download_report(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: ReportsPage,
    report_id: PathId,
) -> Response:
    """The stored PDF, as the API serves it (stakeholders: published versions only)."""
    if_none_match = request.headers.get("if-none-match")
    return api.download_report(session, engagement, user, report_id, if_none_match)


def _sharing(session: DbSession, report: Report) -> list[Recommendation]:
    """The recommendations that publishing this draft will share (or AppError: it cannot be
    published)."""
    view = service.prepare_publication(session, report, now=clock.now())
    return service.recommendations_to_share(session, report, view)


def _confirm_page(
    request: Request,
    session: DbSession,
    engagement: Engagement,
    pages: Templates,
    report_id: int,
    *,
    problem: AppError | None = None,
) -> Response:
    """What publishing this draft will do, and the button that does it; or why it cannot."""
    report = service.get_report(session, engagement, report_id, client_view=False)
    sharing: list[Recommendation] = []
    try:
        sharing = _sharing(session, report)
    except AppError as exc:  # already published, or a later version is
        problem = problem or exc
    context = {
        "nav": "engagements",
        "engagement": engagement_service.read(session, engagement.id),
        "report": report,
        "sharing": sharing,
        "problem": problem.detail if problem else "",
        "publishable": problem is None or problem.status_code == 503,
    }
    status_code = problem.status_code if problem else 200
    page = pages.render(request, "reports/publish.html", context, status_code=status_code)
    if problem is not None:
        page.headers.update(problem.headers)
    return page


@router.get("/engagements/{engagement_id}/reports/{report_id}/publish")
def publish_form(
    request: Request,
    session: DbSession,
    engagement: ReportsEdit,
    pages: Templates,
    report_id: PathId,
) -> Response:
    """Confirm a publication: the recommendations it will share with the client."""
    return _confirm_page(request, session, engagement, pages, report_id)


@router.post("/engagements/{engagement_id}/reports/{report_id}/publish")
def publish_report(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: ReportsEdit,
    pages: Templates,
    report_id: PathId,
) -> Response:
    """Publish a draft (POST /api/v1/engagements/{id}/reports/{rid}/publish)."""
    try:
        draft = service.get_report(session, engagement, report_id, client_view=False)
        codes = [r.code for r in _sharing(session, draft)]
        report = api.publish_report(request, session, engagement, user, report_id, Response())
    except AppError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _confirm_page(request, session, engagement, pages, report_id, problem=exc)
    flash = f"{vocab.label(report.kind)} version {report.version_number} published."
    if codes:
        flash += f" Now shared with the client: {', '.join(codes)}."
    return pages.redirect(request, f"{_base(engagement.id)}#report-{report.id}", flash=flash)
