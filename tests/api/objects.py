"""One of each object an API path can name, for the tests that walk every operation."""

from datetime import date

from sqlalchemy.orm import Session

from app.models import User
from app.vocab import BottleneckStatus, Relation, Stage
from tests import factories as f


def one_of_each(db: Session, stakeholder: User | None = None) -> dict[str, int]:
    """Path parameter name → id of a real object, all in one engagement (of the stakeholder's
    region when one is given: its recommendation is shared, so they see it). The nullable
    fields are filled in, so that clearing them shows."""
    consultant = f.make_user(db)
    region = f.make_region(db)
    partnership = f.make_partnership(db, website="https://escp.example.org")
    engagement = f.make_engagement(
        db,
        region_id=region.id,
        planned_start=date(2019, 1, 1),
        planned_end=date(2020, 12, 31),
        lead_consultant_id=consultant.id,
    )
    f.add_member(db, engagement, consultant)
    challenge = f.make_challenge(db, engagement)
    bottleneck = f.make_bottleneck(
        db, engagement, status=BottleneckStatus.CONFIRMED, challenge_id=challenge.id
    )
    evidence = f.make_evidence(
        db,
        engagement,
        url="https://ec.europa.eu/eurostat",
        published_on=date(2018, 5, 1),
        indicator_name="R&D expenditure",
        indicator_value=1.2,
        indicator_unit="% of GDP",
        indicator_year=2017,
        benchmark_value=2.1,
        benchmark_label="EU-27 average",
    )
    link = f.link_evidence(db, evidence, bottleneck=bottleneck, relation=Relation.SUPPORTS)
    recommendation = f.make_recommendation(
        db, engagement, bottlenecks=[bottleneck], stage=Stage.SHARED
    )
    indicator = f.make_indicator(db, recommendation)
    if stakeholder is not None:
        stakeholder.region_id = region.id
    return {
        "user_id": consultant.id,
        "region_id": region.id,
        "partnership_id": partnership.id,
        "engagement_id": engagement.id,
        "challenge_id": challenge.id,
        "bottleneck_id": bottleneck.id,
        "evidence_id": evidence.id,
        "link_id": link.id,
        "recommendation_id": recommendation.id,
        "indicator_id": indicator.id,
        "measurement_id": f.make_measurement(db, indicator, consultant).id,
        "mission_id": f.make_mission(db, engagement, end_date=date(2019, 3, 2)).id,
        "milestone_id": f.make_milestone(db, engagement, completed_on=date(2019, 6, 1)).id,
    }
