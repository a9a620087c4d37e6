"""Challenges: what an advised region or partnership wants to overcome."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Bottleneck, Challenge
from app.schemas.diagnosis import ChallengeCreate, ChallengeRead, ChallengeUpdate
from app.services.common import apply_changes, get_in_engagement, paginate
from app.services.errors import StillReferenced
from app.services.evidence_refs import evidence_refs

# How many referencing bottlenecks a refusal names before it summarises the rest.
_NAMED_MAX = 10


def to_reads(session: Session, challenges: Sequence[Challenge]) -> list[ChallengeRead]:
    """Read models with their evidence references (one query, whatever the number)."""
    refs = evidence_refs(session, "challenge", (c.id for c in challenges))
    return [
        ChallengeRead.model_validate(c).model_copy(update={"evidence": refs.get(c.id, [])})
        for c in challenges
    ]


def list_challenges(
    session: Session, engagement_id: int, *, limit: int, offset: int
) -> tuple[list[ChallengeRead], int]:
    """The engagement's challenges, highest priority (1) first, then oldest first."""
    stmt = (
        select(Challenge)
        .where(Challenge.engagement_id == engagement_id)
        .order_by(Challenge.priority, Challenge.id)
    )
    items, total = paginate(session, stmt, limit=limit, offset=offset)
    return to_reads(session, items), total


def get(session: Session, engagement_id: int, challenge_id: int) -> Challenge:
    """The challenge of this engagement, or NotFound."""
    return get_in_engagement(session, Challenge, engagement_id, challenge_id, label="Challenge")


def read(session: Session, engagement_id: int, challenge_id: int) -> ChallengeRead:
    """One challenge of this engagement with its evidence references, or NotFound."""
    return to_reads(session, [get(session, engagement_id, challenge_id)])[0]


def create(session: Session, engagement_id: int, data: ChallengeCreate) -> ChallengeRead:
    """Add a challenge to the engagement."""
    challenge = Challenge(engagement_id=engagement_id, **data.model_dump())
    session.add(challenge)
    session.flush()
    return to_reads(session, [challenge])[0]


def update(session: Session, challenge: Challenge, data: ChallengeUpdate) -> ChallengeRead:
    """Apply the fields sent."""
    apply_changes(challenge, data.changes())
    session.flush()
    return to_reads(session, [challenge])[0]


def delete(session: Session, challenge: Challenge) -> None:
    """Remove a challenge no bottleneck points at; its evidence links go with it (the
    database cascades them)."""
    rows = session.execute(
        select(Bottleneck.id, Bottleneck.title)
        .where(Bottleneck.challenge_id == challenge.id)
        .order_by(Bottleneck.id)
        .limit(_NAMED_MAX + 1)
    ).all()
    if rows:
        named = ", ".join(f"{title!r} (id {bid})" for bid, title in rows[:_NAMED_MAX])
        more = " and more" if len(rows) > _NAMED_MAX else ""
        raise StillReferenced(
            f"Challenge {challenge.id} is still the challenge of bottleneck(s) {named}{more}; "
            "move or delete them first"
        )
    session.delete(challenge)
    session.flush()
