"""Rules that several services, schemas and reports apply, each defined once here.

The overdue rule: a milestone is overdue when it is not completed and its due date is before
`today` (UTC, `app.clock.today()`); one due today is not overdue yet. `is_overdue` applies it in
Python, to anything with a `due_date` and a `completed_on`; `overdue_condition` is the same rule
as SQL, on the milestones table. tests/services/test_rules.py checks that they agree.

Whether an engagement's milestones are chased at all depends on its phase: that is the other
shared rule, `OPEN_PHASES` / `FINISHED_PHASES` in app/vocab.py.
"""

from datetime import date
from typing import Protocol

from sqlalchemy import ColumnElement, and_

from app.models import Milestone


class MilestoneDates(Protocol):
    @property
    def due_date(self) -> date: ...

    @property
    def completed_on(self) -> date | None: ...


def is_overdue(milestone: MilestoneDates, today: date) -> bool:
    """Not completed, and due before `today`."""
    return milestone.completed_on is None and milestone.due_date < today


def overdue_condition(today: date) -> ColumnElement[bool]:
    """`is_overdue` as a SQL condition on Milestone."""
    return and_(Milestone.completed_on.is_(None), Milestone.due_date < today)
