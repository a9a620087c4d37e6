"""What the database itself refuses, whatever the application does."""

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from app.models import EvidenceLink, RecommendationBottleneck, User
from app.vocab import EngagementKind, Relation, ReportStatus, Role
from tests.factories import (
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_partnership,
    make_recommendation,
    make_region,
    make_report,
)


def refused(db: Session, action: Callable[[], object]) -> bool:
    """True when the database rejects what `action` writes (rolled back to a savepoint)."""
    savepoint = db.begin_nested()
    try:
        action()
        db.flush()
    except IntegrityError:
        savepoint.rollback()
        return True
    savepoint.rollback()
    return False


def test_engagement_needs_exactly_the_client_its_kind_names(db: Session) -> None:
    region, partnership = make_region(db), make_partnership(db)
    assert refused(
        db,
        lambda: make_engagement(
            db,
            kind=EngagementKind.REGIONAL_ADVICE,
            region_id=region.id,
            partnership_id=partnership.id,
        ),
    )
    assert refused(
        db,
        lambda: make_engagement(
            db, kind=EngagementKind.PARTNERSHIP_SUPPORT, partnership_id=None, region_id=region.id
        ),
    )
    assert refused(db, lambda: make_engagement(db, region_id=None))
    assert not refused(db, lambda: make_engagement(db, region_id=region.id))


def test_vocabulary_values_are_checked_by_the_database(db: Session) -> None:
    engagement = make_engagement(db)
    savepoint = db.begin_nested()
    with pytest.raises(IntegrityError):
        db.execute(
            text("UPDATE engagements SET phase = 'limbo' WHERE id = :id"), {"id": engagement.id}
        )
    savepoint.rollback()
    with pytest.raises(StatementError):  # the ORM refuses it before it reaches the database
        make_bottleneck(db, engagement, framework_condition="weather")


def test_composite_keys_refuse_cross_engagement_references(db: Session) -> None:
    first, second = make_engagement(db), make_engagement(db)
    foreign_challenge = make_challenge(db, second)
    foreign_bottleneck = make_bottleneck(db, second)
    evidence = make_evidence(db, first)
    recommendation = make_recommendation(db, first)
    assert refused(db, lambda: make_bottleneck(db, first, challenge_id=foreign_challenge.id))
    assert refused(
        db,
        lambda: db.add(
            EvidenceLink(
                engagement_id=first.id,
                evidence_id=evidence.id,
                bottleneck_id=foreign_bottleneck.id,
                relation=Relation.SUPPORTS,
            )
        ),
    )
    assert refused(
        db,
        lambda: db.add(
            RecommendationBottleneck(
                engagement_id=first.id,
                recommendation_id=recommendation.id,
                bottleneck_id=foreign_bottleneck.id,
            )
        ),
    )


def test_evidence_link_has_exactly_one_target(db: Session) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    challenge, bottleneck = make_challenge(db, engagement), make_bottleneck(db, engagement)
    assert refused(
        db,
        lambda: db.add(
            EvidenceLink(
                engagement_id=engagement.id, evidence_id=evidence.id, relation=Relation.CONTEXT
            )
        ),
    )
    assert refused(
        db,
        lambda: db.add(
            EvidenceLink(
                engagement_id=engagement.id,
                evidence_id=evidence.id,
                relation=Relation.CONTEXT,
                challenge_id=challenge.id,
                bottleneck_id=bottleneck.id,
            )
        ),
    )


def test_evidence_url_must_be_http(db: Session) -> None:
    engagement = make_engagement(db)
    assert refused(db, lambda: make_evidence(db, engagement, url="javascript:alert(1)"))
    assert not refused(db, lambda: make_evidence(db, engagement, url="https://ec.europa.eu/"))


def test_referenced_bottleneck_cannot_be_deleted(db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement)
    make_recommendation(db, engagement, bottlenecks=[bottleneck])
    savepoint = db.begin_nested()
    with pytest.raises(IntegrityError):
        db.execute(text("DELETE FROM bottlenecks WHERE id = :id"), {"id": bottleneck.id})
    savepoint.rollback()


def test_deleting_an_engagement_removes_everything_inside(db: Session) -> None:
    engagement = make_engagement(db)
    bottleneck = make_bottleneck(db, engagement, challenge_id=make_challenge(db, engagement).id)
    recommendation = make_recommendation(db, engagement, bottlenecks=[bottleneck])
    evidence = make_evidence(db, engagement)
    db.add(
        EvidenceLink(
            engagement_id=engagement.id,
            evidence_id=evidence.id,
            recommendation_id=recommendation.id,
            relation=Relation.SUPPORTS,
        )
    )
    db.flush()
    db.execute(text("DELETE FROM engagements WHERE id = :id"), {"id": engagement.id})
    for table in (
        "challenges",
        "bottlenecks",
        "recommendations",
        "evidence",
        "evidence_links",
        "recommendation_bottlenecks",
    ):
        remaining = db.scalar(
            text(f"SELECT count(*) FROM {table} WHERE engagement_id = :id"), {"id": engagement.id}
        )
        assert remaining == 0, table


def test_stakeholder_is_bound_to_exactly_one_client(db: Session) -> None:
    region, partnership = make_region(db), make_partnership(db)
    assert refused(db, lambda: db.add(User(email="a@x.org", full_name="A", role=Role.STAKEHOLDER)))
    assert refused(
        db,
        lambda: db.add(
            User(
                email="b@x.org",
                full_name="B",
                role=Role.STAKEHOLDER,
                region_id=region.id,
                partnership_id=partnership.id,
            )
        ),
    )
    assert refused(
        db,
        lambda: db.add(
            User(email="c@x.org", full_name="C", role=Role.CONSULTANT, region_id=region.id)
        ),
    )
    assert not refused(
        db,
        lambda: db.add(
            User(email="d@x.org", full_name="D", role=Role.STAKEHOLDER, region_id=region.id)
        ),
    )


def test_published_reports_cannot_be_changed_or_deleted(db: Session) -> None:
    engagement = make_engagement(db)
    draft = make_report(db, engagement)
    published = make_report(db, engagement, version_number=2, status=ReportStatus.PUBLISHED)
    for statement in (
        "UPDATE reports SET title = 'rewritten' WHERE id = :id",
        "UPDATE reports SET pdf = :pdf WHERE id = :id",
        "DELETE FROM reports WHERE id = :id",
    ):
        assert refused(
            db, lambda s=statement: db.execute(text(s), {"id": published.id, "pdf": b"x"})
        )
    # Drafts stay writable: publishing is an update of a draft row.
    assert not refused(
        db,
        lambda: db.execute(
            text("UPDATE reports SET title = 'retitled' WHERE id = :id"), {"id": draft.id}
        ),
    )
