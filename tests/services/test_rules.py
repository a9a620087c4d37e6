"""The shared rules: the overdue rule's Python predicate, its SQL condition and the milestone
schema give the same answer at the boundaries, on the real test database; the open and finished
phases split the phases between them."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import Milestone
from app.schemas.milestone import MilestoneRead
from app.services.rules import is_overdue, overdue_condition
from app.vocab import FINISHED_PHASES, OPEN_PHASES, Phase
from tests.factories import make_engagement, make_milestone

TODAY = date(2024, 6, 1)


def test_overdue_in_python_sql_and_schema_agree_at_the_boundaries(db: Session) -> None:
    engagement = make_engagement(db)
    cases = {}
    for due_in in (-1, 0, 1):
        due = TODAY + timedelta(days=due_in)
        for completed_on in (None, due):
            milestone = make_milestone(db, engagement, due_date=due, completed_on=completed_on)
            cases[milestone.id] = (due_in, completed_on is not None)
    db.flush()
    milestones = db.scalars(select(Milestone).where(Milestone.engagement_id == engagement.id))

    in_python = {m.id for m in milestones if is_overdue(m, TODAY)}
    in_sql = set(
        db.scalars(
            select(Milestone.id).where(
                Milestone.engagement_id == engagement.id, overdue_condition(TODAY)
            )
        )
    )
    with clock.frozen(TODAY):
        in_schema = {
            m.id
            for m in db.scalars(select(Milestone).where(Milestone.engagement_id == engagement.id))
            if MilestoneRead.model_validate(m).overdue
        }

    # Only the milestone due yesterday and not completed: one due today is not overdue yet.
    expected = {id_ for id_, (due_in, done) in cases.items() if due_in == -1 and not done}
    assert len(expected) == 1
    assert in_python == in_sql == in_schema == expected


def test_open_and_finished_phases_split_every_phase() -> None:
    assert set(OPEN_PHASES) | set(FINISHED_PHASES) == set(Phase)
    assert not set(OPEN_PHASES) & set(FINISHED_PHASES)
    assert set(FINISHED_PHASES) == {Phase.CLOSED, Phase.CANCELLED}
    assert Phase.ON_HOLD in OPEN_PHASES
