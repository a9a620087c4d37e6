"""Milestones: the dated steps an engagement plans and ticks off."""

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.models import Engagement, Milestone
from app.schemas.milestone import MilestoneCreate, MilestoneUpdate
from app.services.common import apply_changes, get_in_engagement, paginate


def list_milestones(
    session: Session, engagement: Engagement, *, limit: int, offset: int
) -> tuple[Sequence[Milestone], int]:
    """The engagement's milestones, soonest due first."""
    return paginate(session, _of(engagement), limit=limit, offset=offset)


def first_milestones(
    session: Session, engagement: Engagement, *, limit: int
) -> Sequence[Milestone]:
    """The engagement's first `limit` milestones, soonest due first, without counting them."""
    return session.scalars(_of(engagement).limit(limit)).all()


def _of(engagement: Engagement) -> Select[Milestone]:
    return (
        select(Milestone)
        .where(Milestone.engagement_id == engagement.id)
        .order_by(Milestone.due_date, Milestone.id)
    )


def get(session: Session, engagement: Engagement, milestone_id: int) -> Milestone:
    """The milestone of this engagement, or NotFound."""
    return get_in_engagement(session, Milestone, engagement.id, milestone_id, label="Milestone")


def create(session: Session, engagement: Engagement, data: MilestoneCreate) -> Milestone:
    """Add a milestone to the engagement."""
    milestone = Milestone(engagement_id=engagement.id, **data.model_dump())
    session.add(milestone)
    session.flush()
    return milestone


def update(session: Session, milestone: Milestone, data: MilestoneUpdate) -> Milestone:
    """Apply the fields sent (completed_on: null reopens the milestone)."""
    apply_changes(milestone, data.changes())
    session.flush()
    return milestone


def delete(session: Session, milestone: Milestone) -> None:
    """Remove the milestone."""
    session.delete(milestone)
    session.flush()
