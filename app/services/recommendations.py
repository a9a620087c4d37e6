"""Recommendations of an engagement: system-assigned codes, the bottlenecks each addresses,
and the stage rules (sharing happens only by publishing a policy briefing)."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app import clock
from app.models import Bottleneck, Engagement, Recommendation, RecommendationBottleneck
from app.schemas.recommendation import (
    RecommendationCreate,
    RecommendationRead,
    RecommendationUpdate,
)
from app.services.common import apply_changes, get_in_engagement, lock_engagement, paginate
from app.services.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from app.services.evidence_refs import evidence_refs
from app.vocab import Horizon, Instrument, Priority, Stage

# The moves a PATCH may make; `shared` is reached only by publishing a policy briefing.
STAGE_MOVES: dict[Stage, frozenset[Stage]] = {
    Stage.DRAFT: frozenset({Stage.WITHDRAWN}),
    Stage.WITHDRAWN: frozenset({Stage.DRAFT}),
    Stage.SHARED: frozenset({Stage.WITHDRAWN}),
}


# Codes are "R" + a number without leading zeros, so length-then-text is numeric order.
_CODE_LENGTH = func.length(Recommendation.code)


def list_recommendations(
    session: Session,
    engagement_id: int,
    *,
    stage: Stage | None,
    priority: Priority | None,
    horizon: Horizon | None,
    instrument: Instrument | None,
    limit: int,
    offset: int,
    shared_only: bool = False,
) -> tuple[list[RecommendationRead], int]:
    """The engagement's recommendations in code order (R2 before R10), optionally filtered;
    a constant number of statements whatever the page size. `shared_only` (stakeholders)
    keeps shared ones and leaves out the internal diagnosis references."""
    stmt = (
        select(Recommendation)
        .where(Recommendation.engagement_id == engagement_id)
        .options(selectinload(Recommendation.bottleneck_rows))
        .order_by(_CODE_LENGTH, Recommendation.code, Recommendation.id)
    )
    filters = {
        Recommendation.stage: stage,
        Recommendation.priority: priority,
        Recommendation.horizon: horizon,
        Recommendation.instrument: instrument,
    }
    if shared_only:
        stmt = stmt.where(Recommendation.stage == Stage.SHARED)
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    items, total = paginate(session, stmt, limit=limit, offset=offset)
    return _reads(session, items, shared_only=shared_only), total


def _reads(
    session: Session, items: Sequence[Recommendation], *, shared_only: bool = False
) -> list[RecommendationRead]:
    if shared_only:
        internal: dict[str, list[int]] = {"evidence": [], "bottleneck_ids": []}
        return [RecommendationRead.model_validate(r).model_copy(update=internal) for r in items]
    refs = evidence_refs(session, "recommendation", [r.id for r in items])
    return [
        RecommendationRead.model_validate(r).model_copy(update={"evidence": refs.get(r.id, [])})
        for r in items
    ]


def read(
    session: Session, recommendation: Recommendation, *, shared_only: bool = False
) -> RecommendationRead:
    """The recommendation as the API shows it, with its evidence references."""
    return _reads(session, [recommendation], shared_only=shared_only)[0]


def get(
    session: Session, engagement_id: int, recommendation_id: int, *, shared_only: bool = False
) -> Recommendation:
    """The recommendation of this engagement (its bottleneck links loaded), or NotFound —
    also when `shared_only` and it is not shared."""
    recommendation = get_in_engagement(
        session, Recommendation, engagement_id, recommendation_id, label="Recommendation"
    )
    if shared_only and recommendation.stage != Stage.SHARED:
        raise NotFound(f"Recommendation {recommendation_id} does not exist in this engagement")
    session.refresh(recommendation, ["bottleneck_rows"])
    return recommendation


def _next_code(session: Session, engagement_id: int) -> str:
    """The code after the engagement's highest; call with the engagement locked."""
    highest = session.scalar(
        select(Recommendation.code)
        .where(Recommendation.engagement_id == engagement_id)
        .order_by(_CODE_LENGTH.desc(), Recommendation.code.desc())
        .limit(1)
    )
    number = int(highest[1:]) if highest and highest[1:].isdigit() else 0
    return f"R{number + 1}"


def _check_bottlenecks(session: Session, engagement_id: int, ids: list[int]) -> None:
    if not ids:
        return
    found = set(
        session.scalars(
            select(Bottleneck.id).where(
                Bottleneck.engagement_id == engagement_id, Bottleneck.id.in_(ids)
            )
        )
    )
    missing = sorted(set(ids) - found)
    if missing:
        raise InvalidInput(
            f"Not bottlenecks of this engagement: {', '.join(map(str, missing))}",
            loc=["body", "bottleneck_ids"],
        )


def _set_bottlenecks(recommendation: Recommendation, ids: list[int]) -> bool:
    """Make the links match `ids`; True when they changed."""
    wanted = set(ids)
    kept = [row for row in recommendation.bottleneck_rows if row.bottleneck_id in wanted]
    added = wanted - {row.bottleneck_id for row in kept}
    changed = bool(added) or len(kept) != len(recommendation.bottleneck_rows)
    recommendation.bottleneck_rows = kept + [
        RecommendationBottleneck(engagement_id=recommendation.engagement_id, bottleneck_id=b)
        for b in sorted(added)
    ]
    return changed


def create(session: Session, engagement: Engagement, data: RecommendationCreate) -> Recommendation:
    """Add a draft recommendation with the next free code (R1, R2, …); concurrent creates
    in one engagement take their codes one after the other (`lock_engagement`)."""
    _check_bottlenecks(session, engagement.id, data.bottleneck_ids)
    lock_engagement(session, engagement.id)
    recommendation = Recommendation(
        engagement_id=engagement.id,
        code=_next_code(session, engagement.id),
        stage=Stage.DRAFT,
        bottleneck_rows=[],
        **data.model_dump(exclude={"bottleneck_ids"}),
    )
    _set_bottlenecks(recommendation, data.bottleneck_ids)
    session.add(recommendation)
    session.flush()
    return recommendation


def _check_stage_move(recommendation: Recommendation, to: Stage) -> None:
    current = recommendation.stage
    if to == current:
        return
    if to == Stage.SHARED:
        raise Conflict(
            "A recommendation is shared by publishing a policy briefing that contains it, "
            "not by editing its stage"
        )
    if to not in STAGE_MOVES[current]:
        raise InvalidTransition(f"A {current} recommendation cannot become {to}")
    if to == Stage.DRAFT and recommendation.shared_at is not None:
        # It was shared with the client once: it stays on the record, withdrawn.
        raise InvalidTransition(
            "A recommendation that was shared cannot return to draft; it stays withdrawn"
        )


def update(
    session: Session, recommendation: Recommendation, data: RecommendationUpdate
) -> Recommendation:
    """Apply the fields sent; stage moves follow STAGE_MOVES, bottlenecks must be this
    engagement's."""
    changes = data.changes()
    if "stage" in changes:
        _check_stage_move(recommendation, changes["stage"])
    bottleneck_ids = changes.pop("bottleneck_ids", None)
    if bottleneck_ids is not None:
        _check_bottlenecks(session, recommendation.engagement_id, bottleneck_ids)
        if _set_bottlenecks(recommendation, bottleneck_ids):
            # A change of links alone writes no column of the row: touch it to bump `version`.
            recommendation.updated_at = clock.now()
    apply_changes(recommendation, changes)
    session.flush()
    return recommendation


def delete(session: Session, recommendation: Recommendation) -> None:
    """Remove a draft recommendation; shared or withdrawn ones are part of the record."""
    if recommendation.stage != Stage.DRAFT:
        raise Conflict(
            f"Recommendation {recommendation.code} is {recommendation.stage}: only drafts can "
            "be deleted (withdraw it instead)"
        )
    session.delete(recommendation)
    session.flush()
