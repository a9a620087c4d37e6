"""The demo's engagements in `follow_up`: the briefing each published for real, the derived
status of their recommendations after updates from both sides (one disagreement, one response
still pending), indicators with measurements, the overdue milestone, what the portfolio flags
as at risk on the seeding day, and the audit trail of it all."""

import hashlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    AuditEntry,
    Engagement,
    Indicator,
    Measurement,
    Milestone,
    PhaseChange,
    Recommendation,
    Report,
    StatusUpdate,
    User,
)
from app.schemas.portfolio import PortfolioFilters, PortfolioSummary
from app.seed import demo
from app.services import follow_up, portfolio
from app.vocab import Implementation, Phase, ReportKind, ReportStatus, Response, Role, Stage
from tests.pdf_tools import pdf_text
from tests.seed.test_demo import FIRST_RUN, FOLLOW_UP, stand_in_render

WALLONIA, ADPACK = "EOCIC-2018-BE3", "EOCIC-2018-ADPACK"
ACCEPTED, PARTLY, PENDING = Response.ACCEPTED, Response.PARTIALLY_ACCEPTED, Response.PENDING
NONE, SOME = Implementation.NOT_IMPLEMENTED, Implementation.SOME_RESPECTS
MOST, FULLY = Implementation.MOST_RESPECTS, Implementation.FULLY_IMPLEMENTED
# (response, self-assessment, validated, implementation) of each shared recommendation
STATUSES = {
    (WALLONIA, "R1"): (ACCEPTED, MOST, SOME, SOME),  # the disagreement
    (WALLONIA, "R2"): (ACCEPTED, MOST, MOST, MOST),
    (WALLONIA, "R3"): (PARTLY, SOME, None, SOME),
    (ADPACK, "R1"): (ACCEPTED, FULLY, FULLY, FULLY),
    (ADPACK, "R2"): (PARTLY, None, SOME, SOME),
    (ADPACK, "R3"): (PENDING, None, NONE, NONE),  # no answer since 2019
}


def _seed(db: Session, today: date | None = None) -> str:
    return demo.seed(db, today=today, render=stand_in_render)


def _engagement(db: Session, reference: str) -> Engagement:
    return db.scalars(select(Engagement).where(Engagement.reference == reference)).one()


def _count(db: Session, model: type[StatusUpdate | Indicator | Measurement]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _shared(db: Session) -> list[tuple[str, Recommendation]]:
    rows = db.execute(
        select(Engagement.reference, Recommendation)
        .join(Engagement, Engagement.id == Recommendation.engagement_id)
        .where(Recommendation.stage == Stage.SHARED)
        .order_by(Engagement.reference, Recommendation.code)
    )
    return [(reference, rec) for reference, rec in rows]


def test_follow_up_engagements_published_a_real_briefing_sharing_their_recommendations(
    db: Session,
) -> None:
    demo.seed(db)  # the real renderer
    assert set(FOLLOW_UP) == {WALLONIA, ADPACK}
    for reference, spec in FOLLOW_UP.items():
        briefing = spec.briefing
        engagement = _engagement(db, reference)
        report = db.scalars(select(Report).where(Report.engagement_id == engagement.id)).one()
        assert (report.kind, report.status, report.version_number) == (
            ReportKind.POLICY_BRIEFING, ReportStatus.PUBLISHED, 1
        )  # fmt: skip
        assert report.published_at == briefing.published_at > report.created_at
        pdf = db.scalar(select(Report.pdf).where(Report.id == report.id))
        assert pdf and pdf.startswith(b"%PDF") and report.page_count > 1
        assert report.size_bytes == len(pdf) and report.sha256 == hashlib.sha256(pdf).hexdigest()
        text = pdf_text(pdf)
        assert "DRAFT" not in text and reference in text
        recommendations = db.scalars(
            select(Recommendation).where(Recommendation.engagement_id == engagement.id)
        ).all()
        live = [r for r in recommendations if r.stage != Stage.WITHDRAWN]
        assert live and all(r.code in text for r in live)
        assert {(r.stage, r.shared_at) for r in live} == {(Stage.SHARED, briefing.published_at)}
        # Rendered while the engagement was in reporting, with the missions held by then.
        snapshot = db.scalar(select(Report.snapshot).where(Report.id == report.id))
        assert snapshot and snapshot["status"] == "published"
        assert snapshot["engagement"]["phase"] == "Reporting"
        annex = [date.fromisoformat(m["start_date"]) for m in snapshot["missions"]]
        assert annex and max(annex) <= briefing.published_at.date()
        step = db.scalars(
            select(PhaseChange)
            .where(PhaseChange.engagement_id == engagement.id)
            .order_by(PhaseChange.at.desc())
            .limit(1)
        ).one()
        assert step.to_phase == Phase.FOLLOW_UP and step.at > briefing.published_at


def test_statuses_are_derived_from_updates_by_both_sides(db: Session) -> None:
    _seed(db)
    shared = _shared(db)
    statuses = {
        (reference, r.code): (
            r.response,
            r.self_assessment,
            r.validated_implementation,
            r.implementation,
        )
        for reference, r in shared
    }
    assert statuses == STATUSES
    disagreements = [(ref, r.code) for ref, r in shared if r.implementation_disagreement]
    assert disagreements == [(WALLONIA, "R1")]
    for _, rec in shared:  # what the follow-up service derives from the stored updates
        follow_up.derive_status(db, rec)
        assert db.is_modified(rec) is False
    authors = db.execute(
        select(
            Engagement.reference, User.email, StatusUpdate.author_role, StatusUpdate.implementation
        )
        .join(Engagement, Engagement.id == StatusUpdate.engagement_id)
        .join(User, User.id == StatusUpdate.author_id)
    ).all()
    officers = {WALLONIA: "wallonia@clustercase.example", ADPACK: "adpack@clustercase.example"}
    for reference, officer in officers.items():
        sides = {(email == officer, role) for ref, email, role, _ in authors if ref == reference}
        assert sides == {(True, Role.STAKEHOLDER), (False, Role.CONSULTANT)}
    assert any(
        ref == WALLONIA and role == Role.STAKEHOLDER and implementation is not None
        for ref, _, role, implementation in authors
    )


def test_one_response_has_been_pending_for_more_than_60_days(db: Session) -> None:
    _seed(db)
    pending = [(ref, r) for ref, r in _shared(db) if r.response == Response.PENDING]
    assert [(ref, r.code) for ref, r in pending] == [(ADPACK, "R3")]
    shared_at = pending[0][1].shared_at
    assert shared_at is not None and shared_at < datetime.now(UTC) - timedelta(days=60)


def test_indicators_of_shared_recommendations_have_measurements_and_progress(
    db: Session,
) -> None:
    today = date.today()
    _seed(db, today=today)
    indicators = db.scalars(select(Indicator).order_by(Indicator.id)).all()
    assert len(indicators) == 4
    shared = {r.id: ref for ref, r in _shared(db)}
    assert {shared[i.recommendation_id] for i in indicators} == set(FOLLOW_UP)
    for indicator in indicators:
        dates = db.scalars(
            select(Measurement.measured_on)
            .where(Measurement.indicator_id == indicator.id)
            .order_by(Measurement.id)
        ).all()
        assert len(dates) >= 2 and dates == sorted(dates) and dates[-1] <= today
        read = follow_up.read_indicator(db, indicator)
        assert read.latest_measured_on == dates[-1] and read.status == "in_progress"
        assert read.progress is not None and 0 < read.progress < 1


def test_milestones_and_at_risk_flags_look_alive_relative_to_the_seeding_day(
    db: Session,
) -> None:
    today = date.today()
    _seed(db, today=today)
    overdue = db.execute(
        select(Engagement.reference, Milestone.title)
        .join(Engagement, Engagement.id == Milestone.engagement_id)
        .where(Milestone.completed_on.is_(None), Milestone.due_date < today)
        .where(Engagement.phase == Phase.FOLLOW_UP)
    ).all()
    assert [ref for ref, _ in overdue] == [ADPACK]
    for reference in FOLLOW_UP:
        done = db.scalar(
            select(func.count())
            .select_from(Milestone)
            .join(Engagement, Engagement.id == Milestone.engagement_id)
            .where(Engagement.reference == reference, Milestone.completed_on.is_not(None))
        )
        assert done and done >= 2
    flagged = _at_risk(db, today)
    stalled = ["overdue_milestone", "no_mission_in_90_days"]
    assert flagged == {
        ADPACK: ["overdue_milestone", "response_pending_60_days"],
        "EOCIC-2018-LT": stalled,
        "EOCIC-2018-SI": stalled,
        "EOCIC-2019-ES13": stalled,
    }
    # Seeded on another day, the picture is the same on that day: the recent end of the
    # story moves with the seeding day.
    db.rollback()
    earlier = today - timedelta(days=400)
    assert _seed(db, today=earlier) == FIRST_RUN
    assert _at_risk(db, earlier) == flagged


def _at_risk(db: Session, today: date) -> dict[str, list[str]]:
    """{reference: reasons} of the engagements the portfolio summary flags on `today`."""
    summary = PortfolioSummary.model_validate(
        portfolio.summary(db, PortfolioFilters(), today=today)
    )
    return {item.reference: [r.value for r in item.reasons] for item in summary.at_risk.items}


def test_seeding_records_the_follow_up_in_the_audit_trail(db: Session) -> None:
    _seed(db)
    entries = db.execute(
        select(AuditEntry.entity_type, AuditEntry.action, AuditEntry.actor_id).where(
            AuditEntry.entity_type.in_(["status_update", "indicator", "measurement", "report"])
        )
    ).all()
    assert Counter((kind, action) for kind, action, _ in entries) == {
        ("status_update", "create"): _count(db, StatusUpdate),
        ("indicator", "create"): _count(db, Indicator),
        ("measurement", "create"): _count(db, Measurement),
        ("report", "create"): len(FOLLOW_UP),
        ("report", "update"): len(FOLLOW_UP),  # publication
    }
    assert {actor for _, _, actor in entries} == {None}  # seeded by no one's request
