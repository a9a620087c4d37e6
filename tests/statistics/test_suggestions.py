"""Diagnosis suggestions: what is offered, what accepting makes, dismissals remembered, and
"newer data available" after a later import."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AuditEntry,
    Bottleneck,
    Engagement,
    Evidence,
    EvidenceLink,
    EvidenceObservation,
    SuggestionDecision,
    User,
)
from app.services import diagnosis_suggestions as service
from app.services import evidence as evidence_service
from app.services.errors import Conflict, Duplicate
from app.vocab import (
    BottleneckStatus,
    EngagementKind,
    EvidenceKind,
    Relation,
    SuggestionDecisionKind,
)
from tests.factories import make_engagement, make_user
from tests.statistics.stat_factories import HandWorld, hand_world, observe, revise


@pytest.fixture
def world(db: Session) -> HandWorld:
    return hand_world(db)


@pytest.fixture
def engagement(db: Session, world: HandWorld) -> Engagement:
    return make_engagement(db, region_id=world.a.id)


@pytest.fixture
def consultant(db: Session) -> User:
    return make_user(db)


def test_bottom_quartile_and_widening_gap_are_offered(db: Session, engagement: Engagement) -> None:
    found = service.suggestions(db, engagement)
    assert found.reason is None and found.decided == []
    by_key = {s.key: s for s in found.items}
    assert list(by_key) == ["knowledge_skills", "access_to_finance"]
    # R&D (30th percentile, narrowing gap) is not behind the knowledge suggestion.
    skills = by_key["knowledge_skills"]
    assert [(i.name, i.reasons) for i in skills.indicators] == [
        ("Unemployment rate", ["widening_gap"])
    ]
    finance = by_key["access_to_finance"]
    assert [(i.name, i.reasons) for i in finance.indicators] == [
        ("Venture capital", ["bottom_quartile"])
    ]
    assert finance.title == "Alphaland lags on access to finance"
    assert finance.indicators[0].summary == (
        "Venture capital: 1% of GDP in 2022, against 3% of GDP (EU-27 (2020 composition)): "
        "Alphaland is at the 10th percentile of the 5 NUTS 2 regions compared (higher is better)."
    )
    assert finance.indicators[0].summary in finance.description


def test_ordinals() -> None:
    words = [service.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 33, 100, 111)]
    assert words == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "33rd", "100th", "111th"
    ]  # fmt: skip


def test_accept_makes_a_hypothesis_with_linked_indicator_evidence(
    db: Session, world: HandWorld, engagement: Engagement, consultant: User
) -> None:
    db.info["actor_id"] = consultant.id
    made = service.accept(db, engagement, "access_to_finance", consultant)
    bottleneck = db.get_one(Bottleneck, made.bottleneck_id)
    assert bottleneck.engagement_id == engagement.id
    assert bottleneck.status == BottleneckStatus.HYPOTHESIS
    assert bottleneck.framework_condition == "access_to_finance"
    assert "Venture capital" in bottleneck.description
    (evidence_id,) = made.evidence_ids
    evidence = db.get_one(Evidence, evidence_id)
    assert evidence.kind == EvidenceKind.INDICATOR
    assert (evidence.indicator_name, evidence.indicator_value, evidence.indicator_year) == (
        "Venture capital",
        1.0,
        2022,
    )
    assert evidence.indicator_unit == "% of GDP"
    assert (evidence.benchmark_value, evidence.benchmark_label) == (
        3.0,
        "EU-27 (2020 composition)",
    )
    assert evidence.source.startswith("Eurostat. Test table")
    assert "© European Union" in evidence.source
    assert evidence.url == "https://ec.europa.eu/eurostat/databrowser/view/test"
    link = db.scalars(select(EvidenceLink).where(EvidenceLink.evidence_id == evidence_id)).one()
    assert (link.bottleneck_id, link.relation) == (bottleneck.id, Relation.SUPPORTS)
    quoted = db.scalars(
        select(EvidenceObservation).where(EvidenceObservation.evidence_id == evidence_id)
    ).all()
    assert sorted((o.geo, o.year, o.value) for o in quoted) == [
        ("EU27_2020", 2022, 3.0),
        (world.a.nuts_code, 2022, 1.0),
    ]
    decision = db.scalars(select(SuggestionDecision)).one()
    assert (decision.key, decision.decision, decision.bottleneck_id) == (
        "access_to_finance",
        SuggestionDecisionKind.ACCEPTED,
        bottleneck.id,
    )
    assert decision.decided_by_id == consultant.id
    audited = db.scalars(
        select(AuditEntry.entity_type).where(AuditEntry.engagement_id == engagement.id)
    ).all()
    assert {"bottleneck", "evidence", "evidence_link", "suggestion_decision"} <= set(audited)


def test_level_mean_benchmark_quotes_the_region_only(
    db: Session, world: HandWorld, engagement: Engagement, consultant: User
) -> None:
    made = service.accept(db, engagement, "knowledge_skills", consultant)
    (evidence_id,) = made.evidence_ids
    evidence = db.get_one(Evidence, evidence_id)
    assert evidence.benchmark_label == "Mean of the NUTS 2 regions"
    assert evidence.benchmark_value == pytest.approx(8.6)
    quoted = db.scalars(
        select(EvidenceObservation.geo).where(EvidenceObservation.evidence_id == evidence_id)
    ).all()
    assert quoted == [world.a.nuts_code]


def test_decided_suggestions_are_listed_apart_and_not_offered_again(
    db: Session, engagement: Engagement, consultant: User
) -> None:
    made = service.accept(db, engagement, "access_to_finance", consultant)
    service.dismiss(db, engagement, "knowledge_skills", consultant)
    found = service.suggestions(db, engagement)
    assert found.items == []
    assert [(d.key, d.decision, d.bottleneck_id) for d in found.decided] == [
        ("access_to_finance", "accepted", made.bottleneck_id),
        ("knowledge_skills", "dismissed", None),
    ]
    assert found.reason is not None and "No other framework condition" in found.reason
    with pytest.raises(Duplicate):
        service.accept(db, engagement, "knowledge_skills", consultant)
    with pytest.raises(Duplicate):
        service.dismiss(db, engagement, "access_to_finance", consultant)
    count = db.scalars(select(Bottleneck).where(Bottleneck.engagement_id == engagement.id)).all()
    assert len(count) == 1


def test_a_condition_not_offered_cannot_be_accepted(
    db: Session, engagement: Engagement, consultant: User
) -> None:
    with pytest.raises(Conflict):
        service.accept(db, engagement, "quality_of_governance", consultant)
    assert db.scalars(select(Bottleneck)).all() == []


def test_newer_year_makes_the_evidence_say_newer_data_available(
    db: Session, world: HandWorld, engagement: Engagement, consultant: User
) -> None:
    made = service.accept(db, engagement, "access_to_finance", consultant)
    (evidence_id,) = made.evidence_ids
    assert not evidence_service.read(db, engagement.id, evidence_id).newer_data_available
    observe(db, world.finance, world.others[0], {2023: 9.0})  # another region's: no
    assert not evidence_service.read(db, engagement.id, evidence_id).newer_data_available
    observe(db, world.finance, world.a, {2023: 1.5})
    assert evidence_service.read(db, engagement.id, evidence_id).newer_data_available


def test_revised_benchmark_value_makes_the_evidence_say_newer_data_available(
    db: Session, world: HandWorld, engagement: Engagement, consultant: User
) -> None:
    made = service.accept(db, engagement, "access_to_finance", consultant)
    revise(db, world.finance, "EU27_2020", 2022, 3.2)
    items, _ = evidence_service.list_evidence(db, engagement.id, kind=None, limit=10, offset=0)
    assert [(e.id, e.newer_data_available) for e in items] == [(made.evidence_ids[0], True)]


def test_partnership_engagement_has_no_suggestions_and_says_why(
    db: Session, consultant: User
) -> None:
    engagement = make_engagement(db, kind=EngagementKind.PARTNERSHIP_SUPPORT)
    found = service.suggestions(db, engagement)
    assert found.items == [] and found.reason == service.PARTNERSHIP_REASON
    with pytest.raises(Conflict):
        service.accept(db, engagement, "knowledge_skills", consultant)


def test_region_without_data_says_so(db: Session) -> None:
    engagement = make_engagement(db)
    found = service.suggestions(db, engagement)
    assert found.items == []
    assert found.reason is not None and "no indicator data" in found.reason
