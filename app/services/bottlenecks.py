"""Bottlenecks: the diagnosed obstacles behind an engagement's challenges."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Bottleneck, Challenge, Recommendation, RecommendationBottleneck
from app.schemas.diagnosis import BottleneckCreate, BottleneckRead, BottleneckUpdate
from app.services.common import apply_changes, get_in_engagement, paginate
from app.services.errors import InvalidInput, StillReferenced
from app.services.evidence_refs import evidence_refs
from app.vocab import BottleneckStatus, FrameworkCondition


def _recommendation_ids(session: Session, bottleneck_ids: list[int]) -> dict[int, list[int]]:
    """{bottleneck id: ids of the recommendations addressing it} in one query."""
    found: dict[int, list[int]] = defaultdict(list)
    if not bottleneck_ids:
        return found
    rows = session.execute(
        select(RecommendationBottleneck.bottleneck_id, RecommendationBottleneck.recommendation_id)
        .where(RecommendationBottleneck.bottleneck_id.in_(bottleneck_ids))
        .order_by(RecommendationBottleneck.recommendation_id)
    )
    for bottleneck_id, recommendation_id in rows:
        found[bottleneck_id].append(recommendation_id)
    return found


def to_reads(session: Session, bottlenecks: Sequence[Bottleneck]) -> list[BottleneckRead]:
    """Read models with evidence references and addressing recommendations (two queries,
    whatever the number of bottlenecks)."""
    ids = [b.id for b in bottlenecks]
    refs = evidence_refs(session, "bottleneck", ids)
    recommendations = _recommendation_ids(session, ids)
    return [
        BottleneckRead.model_validate(b).model_copy(
            update={"evidence": refs.get(b.id, []), "recommendation_ids": recommendations[b.id]}
        )
        for b in bottlenecks
    ]


def list_bottlenecks(
    session: Session,
    engagement_id: int,
    *,
    status: BottleneckStatus | None,
    framework_condition: FrameworkCondition | None,
    challenge_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[BottleneckRead], int]:
    """The engagement's bottlenecks, most severe first, then oldest first; optionally filtered."""
    stmt = (
        select(Bottleneck)
        .where(Bottleneck.engagement_id == engagement_id)
        .order_by(Bottleneck.severity.desc(), Bottleneck.id)
    )
    if status is not None:
        stmt = stmt.where(Bottleneck.status == status)
    if framework_condition is not None:
        stmt = stmt.where(Bottleneck.framework_condition == framework_condition)
    if challenge_id is not None:
        stmt = stmt.where(Bottleneck.challenge_id == challenge_id)
    items, total = paginate(session, stmt, limit=limit, offset=offset)
    return to_reads(session, items), total


def get(session: Session, engagement_id: int, bottleneck_id: int) -> Bottleneck:
    """The bottleneck of this engagement, or NotFound."""
    return get_in_engagement(session, Bottleneck, engagement_id, bottleneck_id, label="Bottleneck")


def read(session: Session, engagement_id: int, bottleneck_id: int) -> BottleneckRead:
    """One bottleneck of this engagement with its references, or NotFound."""
    return to_reads(session, [get(session, engagement_id, bottleneck_id)])[0]


def _check_challenge(session: Session, engagement_id: int, challenge_id: int | None) -> None:
    # The composite foreign key would refuse it too, but as an opaque 409 after the fact.
    if challenge_id is None:
        return
    found = session.scalar(
        select(Challenge.id).where(
            Challenge.id == challenge_id, Challenge.engagement_id == engagement_id
        )
    )
    if found is None:
        raise InvalidInput(
            f"Challenge {challenge_id} does not exist in this engagement",
            loc=["body", "challenge_id"],
        )


def create(session: Session, engagement_id: int, data: BottleneckCreate) -> BottleneckRead:
    """Add a bottleneck; its challenge, if any, must belong to the same engagement."""
    _check_challenge(session, engagement_id, data.challenge_id)
    bottleneck = Bottleneck(engagement_id=engagement_id, **data.model_dump())
    session.add(bottleneck)
    session.flush()
    return to_reads(session, [bottleneck])[0]


def update(session: Session, bottleneck: Bottleneck, data: BottleneckUpdate) -> BottleneckRead:
    """Apply the fields sent; a new challenge must belong to the same engagement."""
    changes = data.changes()
    if "challenge_id" in changes:
        _check_challenge(session, bottleneck.engagement_id, changes["challenge_id"])
    apply_changes(bottleneck, changes)
    session.flush()
    return to_reads(session, [bottleneck])[0]


def delete(session: Session, bottleneck: Bottleneck) -> None:
    """Remove a bottleneck no recommendation addresses; its evidence links go with it (the
    database cascades them)."""
    codes = session.scalars(
        select(Recommendation.code)
        .join(
            RecommendationBottleneck,
            RecommendationBottleneck.recommendation_id == Recommendation.id,
        )
        .where(RecommendationBottleneck.bottleneck_id == bottleneck.id)
        .order_by(Recommendation.id)
    ).all()
    if codes:
        raise StillReferenced(
            f"Bottleneck {bottleneck.id} is still addressed by recommendation(s) "
            f"{', '.join(codes)}; detach it from them first"
        )
    session.delete(bottleneck)
    session.flush()
