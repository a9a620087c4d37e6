"""/engagements/{engagement_id}/reports: rendered, versioned PDF reports.

Rendering runs in the worker-process pool (app/reports/pool.py); the route's worker thread
waits for it, holding no transaction (nor connection) meanwhile, and the event loop keeps
serving other requests while a PDF is made.
"""

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from app import clock
from app.api.deps import (
    CurrentUser,
    InternalReader,
    Paging,
    PathId,
    ReportsReader,
    ReportsWriter,
    etag_listed,
    set_etag,
)
from app.db import DbSession
from app.models import Engagement, Report
from app.reports.pool import RenderPool
from app.reports.render import RenderedPdf, render_html
from app.reports.viewmodel import ReportView
from app.schemas.common import Page, error_responses
from app.schemas.report import ReportCreate, ReportRead
from app.services import reports as service
from app.services.access import shared_only
from app.vocab import ReportKind, ReportStatus

router = APIRouter(prefix="/engagements/{engagement_id}/reports", tags=["reports"])
ReportId = PathId
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
# A reserved version number whose render has not been stored after this long is abandoned (its
# server died mid-render): a render is answered within the pool's timeout, and the database
# waits around it are bounded by seconds.
RESERVATION_MARGIN = timedelta(minutes=5)
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The stored PDF"}
}


def _renderer(request: Request) -> RenderPool:
    pool: RenderPool = request.app.state.renderer
    return pool


@router.get("", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422))
def list_reports(
    session: DbSession,
    engagement: ReportsReader,
    user: CurrentUser,
    paging: Paging,
    kind: ReportKind | None = None,
    status_: Annotated[ReportStatus | None, Query(alias="status")] = None,
) -> Page[ReportRead]:
    """List report versions, newest first (stakeholders: published ones only)."""
    items, total = service.list_reports(
        session,
        engagement,
        kind=kind,
        status=status_,
        client_view=shared_only(user),
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[ReportRead](
        items=[ReportRead.model_validate(r) for r in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 413, 422, 503),
)
def create_report(
    request: Request,
    session: DbSession,
    engagement: ReportsWriter,
    user: CurrentUser,
    body: ReportCreate,
    response: Response,
) -> ReportRead:
    """Render a new draft version of a report and store its PDF and snapshot."""
    renderer = _renderer(request)
    view = service.reserve_draft(
        session,
        engagement,
        kind=body.kind,
        language=body.language,
        author=user,
        stale_after=timedelta(seconds=renderer.timeout_s) + RESERVATION_MARGIN,
    )
    session.commit()  # the version number is taken; no lock or connection held while rendering
    rendered = _render_reserved(session, engagement, renderer, view)
    report = service.store_draft(session, engagement, view, rendered, author=user)
    response.headers["Location"] = f"{request.url.path}/{report.id}"
    set_etag(response, report)
    return ReportRead.model_validate(report)


@router.get(
    "/preview",
    status_code=status.HTTP_200_OK,
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **error_responses(401, 404, 422)},
)
def preview_report(
    session: DbSession, engagement: InternalReader, user: CurrentUser, kind: ReportKind
) -> Response:
    """The next version of a report as HTML, for review before rendering (staff only)."""
    view = service.prepare_draft(session, engagement, kind=kind, language="en", author=user)
    html = render_html(view, preview=True)
    headers = {"Content-Security-Policy": PREVIEW_CSP, "X-Content-Type-Options": "nosniff"}
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


def _get(session: DbSession, engagement: Engagement, user: CurrentUser, report_id: int) -> Report:
    return service.get_report(session, engagement, report_id, client_view=shared_only(user))


@router.get(
    "/{report_id}", status_code=status.HTTP_200_OK, responses=error_responses(401, 404, 422)
)
def get_report(
    session: DbSession,
    engagement: ReportsReader,
    user: CurrentUser,
    report_id: ReportId,
    response: Response,
) -> ReportRead:
    """Read one report version's metadata."""
    report = _get(session, engagement, user, report_id)
    set_etag(response, report)
    return ReportRead.model_validate(report)


@router.get(
    "/{report_id}/pdf",
    status_code=status.HTTP_200_OK,
    response_class=Response,
    responses={
        **PDF_RESPONSE,
        304: {"description": "Not modified"},
        **error_responses(401, 404, 422),
    },
)
def download_report(
    session: DbSession,
    engagement: ReportsReader,
    user: CurrentUser,
    report_id: ReportId,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Download the stored PDF (ETag = its SHA-256; 304 when If-None-Match matches)."""
    report = _get(session, engagement, user, report_id)
    etag = f'"{report.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache" if report.status == ReportStatus.DRAFT else "private",
        "Content-Disposition": _disposition(engagement, report),
        "X-Content-Type-Options": "nosniff",
    }
    if if_none_match and etag_listed(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    pdf = service.get_pdf(session, report)
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post(
    "/{report_id}/publish",
    status_code=status.HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
def publish_report(
    request: Request,
    session: DbSession,
    engagement: ReportsWriter,
    user: CurrentUser,
    report_id: ReportId,
    response: Response,
) -> ReportRead:
    """Publish a draft: re-rendered as final, frozen for good; a policy briefing shares its
    recommendations."""
    report = _get(session, engagement, user, report_id)
    now = clock.now()
    view = service.prepare_publication(session, report, now=now)
    session.commit()  # as above; a concurrent publish then fails its version check (409)
    rendered = _renderer(request).render(view)
    report = service.publish(session, report, view, rendered, now=now)
    set_etag(response, report)
    return ReportRead.model_validate(report)


def _render_reserved(
    session: DbSession, engagement: Engagement, renderer: RenderPool, view: ReportView
) -> RenderedPdf:
    """Render `view`; when that fails (503 and the like), give its version number back."""
    try:
        return renderer.render(view)
    except Exception:
        service.release_draft(session, engagement, view)
        session.commit()
        raise


def _disposition(engagement: Engagement, report: Report) -> str:
    """`attachment` with a file name that says what the file is, safe for every browser."""
    stem = f"{engagement.reference}_{report.kind}_v{report.version_number}"
    if report.status == ReportStatus.DRAFT:
        stem += "_draft"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "report"
    return f'attachment; filename="{ascii_name}.pdf"'
