"""Advisory missions: who went where, when, with whom, and what came of it."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from app.schemas.common import (
    DbId,
    InputModel,
    Label,
    LongText,
    ReadModel,
    ShortText,
    Title,
    UpdateModel,
)
from app.vocab import MissionKind

# Ids that reach the database stay inside a 32-bit INTEGER (a bigger one is a 422, not a 500).
MAX_CONSULTANTS = 30
MAX_ORGANISATIONS = 200
ParticipantsCount = Annotated[int, Field(ge=0, le=100_000)]


def _no_duplicates(ids: list[int]) -> list[int]:
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"repeated ids: {repeated}")
    return ids


ConsultantIds = Annotated[
    list[DbId],
    Field(max_length=MAX_CONSULTANTS, description="users with the consultant role who went"),
    AfterValidator(_no_duplicates),
]
Organisations = Annotated[list[Label], Field(max_length=MAX_ORGANISATIONS)]


# The order of start_date and end_date is checked by the service, on the merged state for a
# PATCH, so that both answer the same invalid_input error.
class MissionCreate(InputModel):
    kind: MissionKind
    title: Title
    start_date: date
    end_date: date | None = None
    location: ShortText = ""
    consultant_ids: ConsultantIds = []
    participants_count: ParticipantsCount = 0
    participant_organisations: Organisations = []
    summary: LongText = ""
    outcomes: LongText = ""
    follow_up: LongText = ""


class MissionUpdate(UpdateModel):
    nullable = frozenset({"end_date"})

    kind: MissionKind | None = None
    title: Title | None = None
    start_date: date | None = None
    end_date: date | None = None
    location: ShortText | None = None
    consultant_ids: ConsultantIds | None = None
    participants_count: ParticipantsCount | None = None
    participant_organisations: Organisations | None = None
    summary: LongText | None = None
    outcomes: LongText | None = None
    follow_up: LongText | None = None


class MissionRead(ReadModel):
    id: int
    engagement_id: int
    kind: MissionKind
    title: str
    start_date: date
    end_date: date | None
    location: str
    consultant_ids: list[int]
    participants_count: int
    participant_organisations: list[str]
    summary: str
    outcomes: str
    follow_up: str
    version: int
    created_at: datetime
    updated_at: datetime
