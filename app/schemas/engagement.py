"""Engagements and their team."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.schemas.common import (
    DbId,
    InputModel,
    LongText,
    PageLimit,
    PageOffset,
    ReadModel,
    Title,
    UpdateModel,
)
from app.vocab import EngagementKind, Objective, Phase, Role, Theme

V = TypeVar("V")


def _distinct(values: Sequence[V]) -> Sequence[V]:
    if len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# The database's times are UTC; the engagement reads select them without UTCDateTime's step
# (app/services/engagement_queries.py), so SQLite's come naive.
UtcTime = Annotated[datetime, AfterValidator(_utc)]

# Human-readable and safe in URLs, file names and PDF footers (the column holds 40 characters).
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
Themes = Annotated[list[Theme], Field(max_length=len(Theme)), AfterValidator(_distinct)]
Objectives = Annotated[list[Objective], Field(max_length=len(Objective)), AfterValidator(_distinct)]
MAX_TEAM = 100
UserIds = Annotated[list[DbId], Field(max_length=MAX_TEAM), AfterValidator(_distinct)]

EngagementSort = Literal[
    "reference",
    "-reference",
    "title",
    "-title",
    "planned_start",
    "-planned_start",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
]


class EngagementQuery(BaseModel):
    """The filters and order of the engagement list (query parameters)."""

    phase: Phase | None = None
    kind: EngagementKind | None = None
    region_id: DbId | None = None
    partnership_id: DbId | None = None
    consultant_id: DbId | None = Field(None, description="the lead or a member of the team")
    theme: Theme | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="case-insensitive substring of reference, title or summary"
    )
    sort: EngagementSort = Field("reference", description="a field; a leading '-' reverses")


class EngagementListQuery(EngagementQuery):
    """The query parameters of the engagement list: its filters and order, and the page."""

    limit: PageLimit = 50
    offset: PageOffset = 0


class EngagementCreate(InputModel):
    reference: Reference
    title: Title
    summary: LongText = ""
    kind: EngagementKind
    region_id: DbId | None = Field(None, description="required for regional_advice")
    partnership_id: DbId | None = Field(None, description="required for partnership_support")
    themes: Themes = []
    objectives: Objectives = []
    planned_start: date | None = None
    planned_end: date | None = None
    lead_consultant_id: DbId | None = None


class EngagementUpdate(UpdateModel):
    """Kind, client and phase are not here: the kind fixes the client, and the workflow
    transitions own the phase."""

    nullable = frozenset({"planned_start", "planned_end", "lead_consultant_id"})

    reference: Reference | None = None
    title: Title | None = None
    summary: LongText | None = None
    themes: Themes | None = None
    objectives: Objectives | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    lead_consultant_id: DbId | None = None


class EngagementRead(ReadModel):
    id: int
    reference: str
    title: str
    summary: str
    kind: EngagementKind
    region_id: int | None
    partnership_id: int | None
    client_name: str = Field(description="the name of the region or partnership advised")
    phase: Phase
    phase_before_hold: Phase | None
    themes: list[Theme]
    objectives: list[Objective]
    planned_start: date | None
    planned_end: date | None
    lead_consultant_id: int | None
    member_ids: list[int]
    version: int
    created_at: UtcTime
    updated_at: UtcTime


class TeamUpdate(InputModel):
    user_ids: UserIds = Field(description="the whole team; it must include the lead")


class MemberRead(ReadModel):
    user_id: int
    full_name: str
    email: str
    role: Role
    is_lead: bool
