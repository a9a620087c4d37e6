"""Milestones of an engagement."""

from datetime import date, datetime

from pydantic import computed_field

from app import clock
from app.schemas.common import InputModel, ReadModel, Title, UpdateModel
from app.services.rules import is_overdue


class MilestoneCreate(InputModel):
    title: Title
    due_date: date
    completed_on: date | None = None


class MilestoneUpdate(UpdateModel):
    nullable = frozenset({"completed_on"})

    title: Title | None = None
    due_date: date | None = None
    completed_on: date | None = None


class MilestoneRead(ReadModel):
    id: int
    engagement_id: int
    title: str
    due_date: date
    completed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overdue(self) -> bool:
        """Due before today (UTC) and not completed: app.services.rules.is_overdue."""
        return is_overdue(self, clock.today())
