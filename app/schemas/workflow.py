"""The engagement workflow: a transition request, the phase history, the readiness check."""

from datetime import datetime

from app.schemas.common import InputModel, LongText, Problem, ReadModel
from app.vocab import Phase


class TransitionCreate(InputModel):
    to: Phase
    # Required (non-blank) for a step back; optional otherwise.
    note: LongText = ""


class PhaseChangeRead(ReadModel):
    id: int
    engagement_id: int
    from_phase: Phase | None
    to_phase: Phase
    note: str
    actor_id: int | None
    at: datetime


class ReadinessRead(ReadModel):
    ready: bool
    problems: list[Problem]
