"""The report view-model: what goes in, in which order, and what a snapshot keeps."""

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from app.reports.viewmodel import from_snapshot, machine_readable, to_snapshot
from app.services.report_changes import changes_since
from app.services.report_view import build_view
from app.vocab import BottleneckStatus, FrameworkCondition, Relation, ReportKind, Stage
from tests.conftest import StatementCounter
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_milestone,
    make_recommendation,
)

TODAY = date(2019, 3, 1)


def view_of(db: Session, engagement: object, kind: ReportKind = ReportKind.POLICY_BRIEFING):  # type: ignore[no-untyped-def]
    return build_view(
        db, engagement, kind=kind, version_number=1, language="en", author="A. Adviser",  # type: ignore[arg-type]
        as_of=TODAY, previous=None,
    )  # fmt: skip


def test_citations_are_numbered_in_order_of_first_appearance(db: Session) -> None:
    engagement = make_engagement(db)
    challenge = make_challenge(db, engagement)
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    first, second, third = (make_evidence(db, engagement, title=f"E{i}") for i in range(3))
    link_evidence(db, second, challenge=challenge)
    link_evidence(db, third, bottleneck=bottleneck)
    link_evidence(db, first, bottleneck=bottleneck, relation=Relation.CONTEXT)
    rec = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    view = view_of(db, engagement)
    assert view.challenges[0].citations == (1,)  # "E1" cited first, by the challenge
    assert view.bottlenecks[0].citations == (2, 3)
    assert [r.title for r in view.references] == ["E1", "E2", "E0"]
    # A recommendation cites the evidence that *supports* the bottlenecks it addresses.
    card = view.recommendations[0]
    assert card.code == rec.code and card.citations == (2,)
    assert card.bottleneck_refs == (f"B1 {bottleneck.title}",)


def test_withdrawn_and_dismissed_are_left_out_and_progress_shows_shared_only(db: Session) -> None:
    engagement = make_engagement(db)
    kept = make_bottleneck(
        db,
        engagement,
        framework_condition=FrameworkCondition.ACCESS_TO_FINANCE,
        status=BottleneckStatus.CONFIRMED,
    )
    make_bottleneck(db, engagement, status=BottleneckStatus.DISMISSED)
    make_bottleneck(db, engagement, status=BottleneckStatus.HYPOTHESIS)  # staff only
    draft = make_recommendation(db, engagement, bottlenecks=[kept])
    shared = make_recommendation(db, engagement, bottlenecks=[kept], stage=Stage.SHARED)
    make_recommendation(db, engagement, bottlenecks=[kept], stage=Stage.WITHDRAWN)
    make_milestone(db, engagement, due_date=date(2019, 2, 28))
    make_milestone(db, engagement, due_date=date(2019, 3, 1))
    briefing = view_of(db, engagement)
    assert [b.id for b in briefing.bottlenecks] == [kept.id]
    assert [g.label for g in briefing.diagnosis] == ["Access to finance"]
    assert {r.id for r in briefing.recommendations} == {draft.id, shared.id}
    progress = view_of(db, engagement, ReportKind.PROGRESS_REPORT)
    assert [r.id for r in progress.recommendations] == [shared.id]
    assert [m.overdue for m in progress.milestones] == [True, False]
    assert progress.diagnosis == () and progress.missions == ()


def test_snapshot_round_trips_and_feeds_the_attachment(db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement, status=BottleneckStatus.CONFIRMED)
    link_evidence(db, make_evidence(db, engagement), bottleneck=bottleneck)
    make_recommendation(db, engagement, bottlenecks=[bottleneck])
    view = view_of(db, engagement)
    snapshot = to_snapshot(view)
    assert snapshot["as_of"] == "2019-03-01"
    assert from_snapshot(snapshot) == view
    data = machine_readable(view)
    assert data["recommendations"][0]["bottleneck_ids"] == [bottleneck.id]
    assert data["bottlenecks"][0]["id"] == bottleneck.id
    assert len(data["evidence"]) == 1


def test_changes_since_names_what_changed(db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement, severity=2, status=BottleneckStatus.CONFIRMED)
    kept = make_recommendation(db, engagement, bottlenecks=[bottleneck], title="Old title")
    gone = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    before = to_snapshot(view_of(db, engagement))
    kept.title, bottleneck.severity = "New title", 4
    db.delete(gone)
    added = make_recommendation(db, engagement, bottlenecks=[bottleneck], title="Brand new")
    db.flush()
    changes = changes_since(1, date(2019, 1, 1), before, view_of(db, engagement))
    assert changes.since_version == 1
    assert f"New recommendation {added.code}: Brand new." in changes.lines
    assert f"Recommendation {gone.code} ({gone.title}) no longer appears." in changes.lines
    assert f"{kept.code} New title: title “Old title” → “New title”." in changes.lines
    assert f"Bottleneck {bottleneck.title}: severity 2 → 4." in changes.lines
    same = changes_since(1, None, before, replace(from_snapshot(before)))
    assert same.lines == ("No change in recommendations, diagnosis or evidence.",)


def test_building_a_view_takes_a_fixed_number_of_statements(
    db: Session, sql_statements: StatementCounter
) -> None:
    def statements_for(size: int) -> int:
        engagement = make_engagement(db)
        for _ in range(size):
            bottleneck = make_bottleneck(db, engagement)
            link_evidence(db, make_evidence(db, engagement), bottleneck=bottleneck)
            make_recommendation(db, engagement, bottlenecks=[bottleneck])
        db.flush()
        before = sql_statements.count
        view_of(db, engagement)
        return sql_statements.count - before

    assert statements_for(2) == statements_for(12)
