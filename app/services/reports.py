"""Report versions: drafts rendered from a frozen view-model, publication that freezes them.

A report row is written once per render with the PDF and the snapshot it came from. Publishing
re-renders the same snapshot as "published" (no DRAFT watermark; a policy briefing's draft
recommendations become shared) and from then on nothing changes the row: no route updates or
deletes a published report, and the database refuses it too (migration triggers).

Version numbers count per engagement and kind: concurrent renders all succeed, with
consecutive numbers, and no render is wasted on a number that then collides. The number is
printed on every page, so it is fixed before the render; a render takes seconds, too long to
hold the engagement's lock (on SQLite, the database's one write lock). So a draft's number is
*reserved*: under the engagement's lock, a row without a PDF (nor its hash) takes the next
number, in a short transaction committed before rendering. The rendered draft replaces its
reservation; a render that fails gives its number back (it is reused unless a later number was
taken meanwhile: then that one version number stays unused). Reservations are never shown
(every read filters them out) and are written past the audit trail, which records the rendered
draft once, as before. One left behind by a server that died mid-render is taken back once it
is older than any render can run (`stale_after`).
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Delete, Table, delete, func, insert, select
from sqlalchemy.orm import Session, undefer

from app import clock
from app.models import Engagement, Recommendation, Report, User
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView, from_snapshot, to_snapshot
from app.services.common import lock_engagement, paginate
from app.services.errors import Conflict, NotFound
from app.services.report_view import Previous, build_view
from app.vocab import ReportKind, ReportStatus, Stage

# Reservations are written and removed through the table, past the ORM (see above).
_REPORTS = cast(Table, Report.__table__)

# The documents written for the client, which its stakeholders read once published. The
# assessment report carries the whole diagnosis and evidence (hypotheses and dismissed
# bottlenecks included): an internal document, for staff only, published or not.
CLIENT_KINDS = (ReportKind.POLICY_BRIEFING, ReportKind.PROGRESS_REPORT)


def list_reports(
    session: Session,
    engagement: Engagement,
    *,
    kind: ReportKind | None,
    status: ReportStatus | None,
    client_view: bool,
    limit: int,
    offset: int,
) -> tuple[Sequence[Report], int]:
    """The engagement's report versions, newest first; `client_view` (stakeholders): only the
    published versions of the client's documents."""
    stmt = select(Report).where(Report.engagement_id == engagement.id, _rendered())
    if kind is not None:
        stmt = stmt.where(Report.kind == kind)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if client_view:
        stmt = stmt.where(Report.status == ReportStatus.PUBLISHED, Report.kind.in_(CLIENT_KINDS))
    stmt = stmt.order_by(Report.kind, Report.version_number.desc(), Report.id.desc())
    return paginate(session, stmt, limit=limit, offset=offset)


def get_report(
    session: Session, engagement: Engagement, report_id: int, *, client_view: bool
) -> Report:
    """One report of the engagement; in the `client_view` (stakeholders), drafts and internal
    documents are invisible (404)."""
    report = session.scalar(
        select(Report).where(
            Report.id == report_id, Report.engagement_id == engagement.id, _rendered()
        )
    )
    if report is None or (
        client_view and (report.status != ReportStatus.PUBLISHED or report.kind not in CLIENT_KINDS)
    ):
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


def _rendered() -> ColumnElement[bool]:
    """Rows that are report versions, not reservations of a number (which have no hash)."""
    return Report.sha256 != ""


def prepare_draft(
    session: Session,
    engagement: Engagement,
    *,
    kind: ReportKind,
    language: str,
    author: User | None,
    as_of: date | None = None,
) -> ReportView:
    """The view-model of the next version of `kind` (for a preview, or a caller that renders
    and stores in one transaction); a request that renders between two uses `reserve_draft`."""
    version = (
        session.scalar(
            select(func.max(Report.version_number)).where(
                Report.engagement_id == engagement.id, Report.kind == kind
            )
        )
        or 0
    )
    view = build_view(
        session,
        engagement,
        kind=kind,
        version_number=version + 1,
        language=language,
        author=author.full_name if author else "",
        as_of=as_of or clock.today(),
        previous=_last_published(session, engagement.id, kind),
    )
    check_has_content(view)
    return view


def check_has_content(view: ReportView) -> None:
    """Refuse (409) a kind that has nothing to say in the engagement's present state, rather
    than render empty tables and placeholder items."""
    if view.kind == ReportKind.POLICY_BRIEFING and not view.recommendations:
        raise Conflict(
            "a policy briefing needs at least one recommendation, and this engagement has none "
            "yet; render an assessment report of the diagnosis instead"
        )
    if view.kind == ReportKind.ASSESSMENT_REPORT and not (view.challenges or view.bottlenecks):
        raise Conflict(
            "an assessment report needs a challenge or a bottleneck, and this engagement has "
            "neither yet"
        )
    if view.kind == ReportKind.PROGRESS_REPORT and not (view.recommendations or view.milestones):
        raise Conflict(
            "a progress report needs a shared recommendation or a milestone, and this "
            "engagement has neither yet"
        )


def reserve_draft(
    session: Session,
    engagement: Engagement,
    *,
    kind: ReportKind,
    language: str,
    author: User | None,
    stale_after: timedelta,
) -> ReportView:
    """Take the next version number of `kind` (a reservation, see above) and return the view
    of that version, to render once this transaction is committed."""
    lock_engagement(session, engagement.id)
    session.execute(
        delete(_REPORTS).where(
            Report.engagement_id == engagement.id,
            Report.kind == kind,
            ~_rendered(),
            Report.created_at < clock.now() - stale_after,
        )
    )
    view = prepare_draft(session, engagement, kind=kind, language=language, author=author)
    # Past the ORM: a reservation is bookkeeping, not a change for the audit trail.
    session.execute(
        insert(_REPORTS).values(
            engagement_id=engagement.id,
            kind=kind,
            version_number=view.version_number,
            status=ReportStatus.DRAFT,
            language=view.language,
            title=view.title,
            sha256="",
            size_bytes=0,
            page_count=0,
            created_by_id=author.id if author else None,
            pdf=b"",
            snapshot={},
        )
    )
    return view


def release_draft(session: Session, engagement: Engagement, view: ReportView) -> None:
    """Give back the number `reserve_draft` took for `view` (its render failed)."""
    session.execute(_delete_reservation(engagement, view))


def _delete_reservation(engagement: Engagement, view: ReportView) -> Delete:
    return delete(_REPORTS).where(
        Report.engagement_id == engagement.id,
        Report.kind == view.kind,
        Report.version_number == view.version_number,
        ~_rendered(),
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
    """Record a rendered draft version in place of its reservation, if it has one (without
    one, a version number taken meanwhile answers 409)."""
    session.execute(_delete_reservation(engagement, view))
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
    _check_publishable(session, report)
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


def _check_publishable(session: Session, report: Report) -> None:
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


def publish(
    session: Session, report: Report, view: ReportView, rendered: RenderedPdf, *, now: datetime
) -> Report:
    """Freeze `report` as published with its final rendering; a policy briefing shares every
    draft recommendation it contains (docs/design.md)."""
    # Checked again under the engagement's lock: a newer version may have been published
    # while this one rendered (publishing the same version twice fails its `version` check).
    lock_engagement(session, report.engagement_id)
    _check_publishable(session, report)
    for recommendation in recommendations_to_share(session, report, view):
        # Through the ORM, so the audit trail records it.
        recommendation.stage = Stage.SHARED
        recommendation.shared_at = now
    _set_content(report, view, rendered)
    report.status = ReportStatus.PUBLISHED
    report.published_at = now
    session.flush()
    return report


def recommendations_to_share(
    session: Session, report: Report, view: ReportView
) -> list[Recommendation]:
    """The draft recommendations that publishing `report` as `view` (prepare_publication)
    shares, in the report's order: those a policy briefing shows that are still drafts (the
    pages name them before anyone publishes)."""
    if report.kind != ReportKind.POLICY_BRIEFING:
        return []
    shown = [r.id for r in view.recommendations if r.stage == Stage.SHARED]
    if not shown:
        return []
    rows = session.scalars(
        select(Recommendation).where(
            Recommendation.engagement_id == report.engagement_id,
            Recommendation.id.in_(shown),
            Recommendation.stage == Stage.DRAFT,
        )
    )
    order = {id_: n for n, id_ in enumerate(shown)}
    return sorted(rows, key=lambda r: order[r.id])
