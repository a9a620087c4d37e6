"""Report versions: drafts rendered from a frozen view-model, publication that freezes them.

A report row is written once per render with the PDF and the snapshot it came from. Publishing
re-renders the same snapshot as "published" (no DRAFT watermark; a policy briefing's draft
recommendations become shared) and from then on nothing changes the row: no route updates or
deletes a published report, and the database refuses it too (migration triggers).
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from app.models import Engagement, Recommendation, Report, User
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView, from_snapshot, to_snapshot
from app.services.common import paginate
from app.services.errors import Conflict, NotFound
from app.services.report_view import Previous, build_view
from app.vocab import ReportKind, ReportStatus, Stage


def list_reports(
    session: Session,
    engagement: Engagement,
    *,
    kind: ReportKind | None,
    status: ReportStatus | None,
    published_only: bool,
    limit: int,
    offset: int,
) -> tuple[Sequence[Report], int]:
    """The engagement's report versions, newest first; `published_only` for stakeholders."""
    stmt = select(Report).where(Report.engagement_id == engagement.id)
    if kind is not None:
        stmt = stmt.where(Report.kind == kind)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if published_only:
        stmt = stmt.where(Report.status == ReportStatus.PUBLISHED)
    stmt = stmt.order_by(Report.kind, Report.version_number.desc(), Report.id.desc())
    return paginate(session, stmt, limit=limit, offset=offset)


def get_report(
    session: Session, engagement: Engagement, report_id: int, *, published_only: bool
) -> Report:
    """One report of the engagement; drafts are invisible (404) when `published_only`."""
    report = session.scalar(
        select(Report).where(Report.id == report_id, Report.engagement_id == engagement.id)
    )
    if report is None or (published_only and report.status != ReportStatus.PUBLISHED):
        raise NotFound(f"report {report_id} not found in this engagement")
    return report


def get_pdf(session: Session, report: Report) -> bytes:
    """The stored PDF bytes (a deferred column, loaded only for downloads)."""
    pdf = session.scalar(select(Report.pdf).where(Report.id == report.id))
    assert pdf is not None  # the column is NOT NULL
    return pdf


def get_snapshot(session: Session, report: Report) -> dict[str, object]:
    """The stored view-model snapshot (a deferred column, loaded only to publish)."""
    snapshot = session.scalar(select(Report.snapshot).where(Report.id == report.id))
    assert snapshot is not None  # the column is NOT NULL
    return dict(snapshot)


def prepare_draft(
    session: Session,
    engagement: Engagement,
    *,
    kind: ReportKind,
    language: str,
    author: User | None,
    as_of: date | None = None,
) -> ReportView:
    """The view-model of the next version of `kind`, loaded now, to be rendered off-loop."""
    version = (
        session.scalar(
            select(func.max(Report.version_number)).where(
                Report.engagement_id == engagement.id, Report.kind == kind
            )
        )
        or 0
    )
    return build_view(
        session,
        engagement,
        kind=kind,
        version_number=version + 1,
        language=language,
        author=author.full_name if author else "",
        as_of=as_of or date.today(),
        previous=_last_published(session, engagement.id, kind),
    )


def _last_published(session: Session, engagement_id: int, kind: ReportKind) -> Previous | None:
    report = session.scalar(
        select(Report)
        .options(undefer(Report.snapshot))
        .where(
            Report.engagement_id == engagement_id,
            Report.kind == kind,
            Report.status == ReportStatus.PUBLISHED,
        )
        .order_by(Report.version_number.desc())
        .limit(1)
    )
    if report is None:
        return None
    published_on = report.published_at.date() if report.published_at else None
    return Previous(report.version_number, published_on, dict(report.snapshot))


def store_draft(
    session: Session,
    engagement: Engagement,
    view: ReportView,
    rendered: RenderedPdf,
    *,
    author: User | None,
) -> Report:
    """Record a rendered draft version (a duplicate version number answers 409: retry)."""
    report = Report(
        engagement_id=engagement.id,
        kind=ReportKind(view.kind),
        version_number=view.version_number,
        status=ReportStatus.DRAFT,
        language=view.language,
        title=view.title,
        created_by_id=author.id if author else None,
    )
    _set_content(report, view, rendered)
    session.add(report)
    session.flush()
    return report


def _set_content(report: Report, view: ReportView, rendered: RenderedPdf) -> None:
    report.pdf = rendered.pdf
    report.sha256 = rendered.sha256
    report.size_bytes = len(rendered.pdf)
    report.page_count = rendered.page_count
    report.snapshot = to_snapshot(view)


def prepare_publication(session: Session, report: Report, *, now: datetime) -> ReportView:
    """The view to render as the published version: the draft's own snapshot, with status,
    date and (for a policy briefing) the recommendations it shares."""
    if report.status == ReportStatus.PUBLISHED:
        raise Conflict(f"version {report.version_number} is already published and cannot change")
    later = session.scalar(
        select(func.max(Report.version_number)).where(
            Report.engagement_id == report.engagement_id,
            Report.kind == report.kind,
            Report.status == ReportStatus.PUBLISHED,
        )
    )
    if later is not None and later > report.version_number:
        raise Conflict(
            f"version {later} of this report is already published; "
            f"render a new version instead of publishing version {report.version_number}"
        )
    view = from_snapshot(get_snapshot(session, report))
    if report.kind == ReportKind.POLICY_BRIEFING:
        view = replace(
            view,
            recommendations=tuple(
                replace(r, stage=Stage.SHARED.value, shared_on=now.date())
                if r.stage == Stage.DRAFT
                else r
                for r in view.recommendations
            ),
        )
    return replace(view, status="published", published_on=now.date())


def publish(
    session: Session, report: Report, view: ReportView, rendered: RenderedPdf, *, now: datetime
) -> Report:
    """Freeze `report` as published with its final rendering; a policy briefing shares every
    draft recommendation it contains (DESIGN.md)."""
    if report.kind == ReportKind.POLICY_BRIEFING:
        shown = [r.id for r in view.recommendations if r.stage == Stage.SHARED]
        _share(session, report.engagement_id, shown, now=now)
    _set_content(report, view, rendered)
    report.status = ReportStatus.PUBLISHED
    report.published_at = now
    session.flush()
    return report


def _share(session: Session, engagement_id: int, ids: list[int], *, now: datetime) -> None:
    if not ids:
        return
    recommendations = session.scalars(
        select(Recommendation).where(
            Recommendation.engagement_id == engagement_id,
            Recommendation.id.in_(ids),
            Recommendation.stage == Stage.DRAFT,
        )
    )
    for recommendation in recommendations:  # through the ORM, so the audit trail records it
        recommendation.stage = Stage.SHARED
        recommendation.shared_at = now
